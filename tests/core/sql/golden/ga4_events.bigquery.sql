(
  SELECT
    COALESCE(user_id, user_pseudo_id) AS `actor`,
    event_name AS `event_name`,
    TIMESTAMP_MICROS(event_timestamp) AS `event_time`,
    CONCAT(COALESCE(user_id, user_pseudo_id), ':', CAST((SELECT p.value.int_value FROM UNNEST(event_params) AS p WHERE p.key = 'ga_session_id') AS STRING)) AS `session_id`,
    platform AS `platform`,
    device.category AS `device.category`,
    geo.country AS `geo.country`,
    traffic_source.source AS `traffic_source.source`,
    traffic_source.medium AS `traffic_source.medium`,
    (SELECT COALESCE(p.value.string_value, CAST(p.value.int_value AS STRING), CAST(p.value.double_value AS STRING), CAST(p.value.float_value AS STRING)) FROM UNNEST(event_params) AS p WHERE p.key = 'page_location') AS `page_location`,
    (SELECT COALESCE(p.value.string_value, CAST(p.value.int_value AS STRING), CAST(p.value.double_value AS STRING), CAST(p.value.float_value AS STRING)) FROM UNNEST(event_params) AS p WHERE p.key = 'value') AS `value`,
    (SELECT COALESCE(p.value.string_value, CAST(p.value.int_value AS STRING), CAST(p.value.double_value AS STRING), CAST(p.value.float_value AS STRING)) FROM UNNEST(user_properties) AS p WHERE p.key = 'plan') AS `user.plan`
  FROM `p.d.events_*`
)
