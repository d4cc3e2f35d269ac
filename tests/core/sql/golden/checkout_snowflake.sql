-- Funnel 'Demo checkout' compiled for snowflake by funnel-gui.
-- Each row is one aggregate (kind, i1, i2, i3, v1, v2, v3, n):
--   level: i1 furthest step (0 excluded), i2 excluded, i3 still open; n units
--   prev/conv: i1 step, i2 duration in ns from the previous step / from step 1; n units
--   bd: i1 furthest step, v1.. breakdown values; day: i1 UTC day of entry, i2 furthest
--   mm/mmt: micro conversion i1 (group A i2, reached macro i3 / time to it); last: i1 last time
WITH base AS (
  SELECT
    CASE
      WHEN TRIM(CAST("user_id" AS VARCHAR)) = ''
      THEN NULL
      ELSE CAST("user_id" AS VARCHAR)
    END AS a,
    CASE
      WHEN TRIM(CAST("event_name" AS VARCHAR)) = ''
      THEN NULL
      ELSE CAST("event_name" AS VARCHAR)
    END AS e,
    DATE_PART(epoch_nanosecond, "event_time") AS t,
    "row_id" AS o,
    CAST(NULL AS VARCHAR) AS s,
    CASE
      WHEN TRIM(CAST("device" AS VARCHAR)) = ''
      THEN NULL
      ELSE CAST("device" AS VARCHAR)
    END AS p0
  FROM "events"
), clean AS (
  SELECT
    *
  FROM base
  WHERE
    NOT a IS NULL AND NOT e IS NULL AND NOT t IS NULL
), lt AS (
  SELECT
    MAX(t) AS last_t
  FROM clean
), fl AS (
  SELECT
    a,
    t,
    o,
    (
      COALESCE(e IN ('view_item'), FALSE)
    ) AS m1,
    (
      COALESCE(e IN ('add_to_cart'), FALSE)
    ) AS m2,
    (
      COALESCE(e IN ('begin_checkout'), FALSE)
    ) AS m3,
    (
      COALESCE(e IN ('purchase'), FALSE)
    ) AS m4,
    (
      COALESCE(e IN ('refund'), FALSE)
    ) AS x1,
    (
      COALESCE(e IN ('newsletter_signup'), FALSE)
    ) AS c3,
    (
      COALESCE(e IN ('scroll_90'), FALSE)
    ) AS c4,
    (
      COALESCE(e IN ('cta_click'), FALSE)
    ) AS c5,
    p0
  FROM clean
  WHERE
    (
      (
        (
          COALESCE(e IN ('view_item'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('add_to_cart'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('begin_checkout'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('purchase'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('refund'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('newsletter_signup'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('scroll_90'), FALSE)
        )
      )
      OR (
        (
          COALESCE(e IN ('cta_click'), FALSE)
        )
      )
    )
), sq AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY a ORDER BY t, o) AS q
  FROM fl
), nx AS (
  SELECT
    *,
    MIN(CASE WHEN m2 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS nx2,
    MIN(CASE WHEN m3 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS nx3,
    MIN(CASE WHEN m4 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS nx4,
    MIN(CASE WHEN x1 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS xq1,
    MIN(CASE WHEN x1 THEN t END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS xt1,
    MIN(CASE WHEN c3 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS cq3,
    MIN(CASE WHEN c3 THEN t END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS ct3,
    MIN(CASE WHEN c4 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS cq4,
    MIN(CASE WHEN c4 THEN t END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS ct4,
    MIN(CASE WHEN c5 THEN q END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS cq5,
    MIN(CASE WHEN c5 THEN t END) OVER (PARTITION BY a ORDER BY q ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS ct5
  FROM sq
), att AS (
  SELECT
    j1.a AS a,
    j1.q AS q1,
    CASE
      WHEN NOT j4.q IS NULL
      THEN 4
      WHEN NOT j3.q IS NULL
      THEN 3
      WHEN NOT j2.q IS NULL
      THEN 2
      ELSE 1
    END AS lvl,
    j1.t AS t1,
    j2.t AS t2,
    j3.t AS t3,
    j4.t AS t4,
    (
      COALESCE(
        NOT j1.q IS NULL
        AND NOT j1.xq1 IS NULL
        AND CASE
          WHEN NOT j4.q IS NULL
          THEN j1.xq1 < j4.q
          ELSE j1.xt1 <= j1.t + 604800000000000
        END,
        FALSE
      )
    ) AS void,
    j1.p0 AS p0_1,
    j2.p0 AS p0_2,
    j3.p0 AS p0_3,
    j4.p0 AS p0_4,
    COALESCE(
      NOT j1.cq3 IS NULL
      AND CASE
        WHEN NOT j4.q IS NULL
        THEN j1.cq3 < j4.q
        ELSE j1.ct3 <= j1.t + 604800000000000
      END,
      FALSE
    ) AS mm3,
    j1.ct3 - j1.t AS mt3,
    COALESCE(
      NOT j1.cq4 IS NULL
      AND CASE
        WHEN NOT j4.q IS NULL
        THEN j1.cq4 < j4.q
        ELSE j1.ct4 <= j1.t + 604800000000000
      END,
      FALSE
    ) AS mm4,
    j1.ct4 - j1.t AS mt4,
    COALESCE(
      NOT j1.cq5 IS NULL
      AND CASE
        WHEN NOT j4.q IS NULL
        THEN j1.cq5 < j4.q
        ELSE j1.ct5 <= j1.t + 604800000000000
      END,
      FALSE
    ) AS mm5,
    j1.ct5 - j1.t AS mt5,
    CASE WHEN NOT j1.nx2 IS NULL THEN 2 ELSE 6 END AS r2,
    CASE WHEN NOT j2.nx3 IS NULL THEN 2 ELSE 6 END AS r3,
    CASE WHEN NOT j3.nx4 IS NULL THEN 2 ELSE 6 END AS r4
  FROM nx AS j1
  LEFT JOIN (
    SELECT
      *
    FROM nx
    WHERE
      m2
  ) AS j2
    ON j2.a = j1.a AND j2.q = j1.nx2 AND j2.t <= j1.t + 604800000000000
  LEFT JOIN (
    SELECT
      *
    FROM nx
    WHERE
      m3
  ) AS j3
    ON j3.a = j2.a AND j3.q = j2.nx3 AND j3.t <= j1.t + 604800000000000
  LEFT JOIN (
    SELECT
      *
    FROM nx
    WHERE
      m4
  ) AS j4
    ON j4.a = j3.a AND j4.q = j3.nx4 AND j4.t <= j1.t + 604800000000000
  WHERE
    j1.m1
), rep AS (
  SELECT
    *,
    CASE WHEN void THEN 0 ELSE lvl END AS f,
    ROW_NUMBER() OVER (PARTITION BY a ORDER BY CASE WHEN void THEN 0 ELSE lvl END DESC NULLS LAST, q1) AS rk
  FROM att
), unit_out AS (
  SELECT
    a,
    f AS furthest,
    f = 0 AS excluded,
    (
      f > 0 AND f < 4 AND t1 + 604800000000000 > lt.last_t
    ) AS still_open,
    CASE WHEN f > 0 THEN t1 END AS t1,
    CASE WHEN f > 0 THEN t2 END AS t2,
    CASE WHEN f > 0 THEN t3 END AS t3,
    CASE WHEN f > 0 THEN t4 END AS t4,
    CASE WHEN f > 0 THEN COALESCE(p0_1, '(none)') END AS b1,
    mm3,
    mt3,
    mm4,
    mt4,
    mm5,
    mt5,
    CASE
      WHEN f = 0 OR f = 4
      THEN NULL
      WHEN t1 + 604800000000000 > lt.last_t
      THEN 0
      ELSE CASE f WHEN 1 THEN r2 WHEN 2 THEN r3 WHEN 3 THEN r4 END
    END AS reason
  FROM rep
  CROSS JOIN lt
  WHERE
    rk = 1
)
SELECT
  'level' AS kind,
  CAST(furthest AS BIGINT) AS i1,
  CAST(CASE WHEN excluded THEN 1 ELSE 0 END AS BIGINT) AS i2,
  CAST(CASE WHEN still_open THEN 1 ELSE 0 END AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
GROUP BY
  furthest,
  CASE WHEN excluded THEN 1 ELSE 0 END,
  CASE WHEN still_open THEN 1 ELSE 0 END
UNION ALL
SELECT
  'last' AS kind,
  CAST(lt.last_t AS BIGINT) AS i1,
  CAST(NULL AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(c.rows AS BIGINT) AS n
FROM lt
CROSS JOIN (
  SELECT
    COUNT(*) AS rows
  FROM clean
) AS c
UNION ALL
SELECT
  'prev' AS kind,
  CAST(2 AS BIGINT) AS i1,
  CAST(t2 - t1 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT t2 IS NULL
GROUP BY
  t2 - t1
UNION ALL
SELECT
  'prev' AS kind,
  CAST(3 AS BIGINT) AS i1,
  CAST(t3 - t2 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT t3 IS NULL
GROUP BY
  t3 - t2
UNION ALL
SELECT
  'conv' AS kind,
  CAST(3 AS BIGINT) AS i1,
  CAST(t3 - t1 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT t3 IS NULL
GROUP BY
  t3 - t1
UNION ALL
SELECT
  'prev' AS kind,
  CAST(4 AS BIGINT) AS i1,
  CAST(t4 - t3 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT t4 IS NULL
GROUP BY
  t4 - t3
UNION ALL
SELECT
  'conv' AS kind,
  CAST(4 AS BIGINT) AS i1,
  CAST(t4 - t1 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT t4 IS NULL
GROUP BY
  t4 - t1
UNION ALL
SELECT
  'reason' AS kind,
  CAST(furthest AS BIGINT) AS i1,
  CAST(reason AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT reason IS NULL
GROUP BY
  furthest,
  reason
UNION ALL
SELECT
  'bd' AS kind,
  CAST(furthest AS BIGINT) AS i1,
  CAST(NULL AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(b1 AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
GROUP BY
  furthest,
  b1
UNION ALL
SELECT
  'day' AS kind,
  CAST(CAST(TRUNC(t1 / 86400000000000) AS BIGINT) AS BIGINT) AS i1,
  CAST(furthest AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
GROUP BY
  CAST(TRUNC(t1 / 86400000000000) AS BIGINT),
  furthest
UNION ALL
SELECT
  'span' AS kind,
  CAST(MIN(t1) AS BIGINT) AS i1,
  CAST(MAX(t1) AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
UNION ALL
SELECT
  'mm' AS kind,
  CAST(3 AS BIGINT) AS i1,
  CAST(CASE WHEN mm3 THEN 1 ELSE 0 END AS BIGINT) AS i2,
  CAST(CASE WHEN furthest >= 4 THEN 1 ELSE 0 END AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
GROUP BY
  CASE WHEN mm3 THEN 1 ELSE 0 END,
  CASE WHEN furthest >= 4 THEN 1 ELSE 0 END
UNION ALL
SELECT
  'mmt' AS kind,
  CAST(3 AS BIGINT) AS i1,
  CAST(mt3 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded AND mm3
GROUP BY
  mt3
UNION ALL
SELECT
  'mm' AS kind,
  CAST(4 AS BIGINT) AS i1,
  CAST(CASE WHEN mm4 THEN 1 ELSE 0 END AS BIGINT) AS i2,
  CAST(CASE WHEN furthest >= 4 THEN 1 ELSE 0 END AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
GROUP BY
  CASE WHEN mm4 THEN 1 ELSE 0 END,
  CASE WHEN furthest >= 4 THEN 1 ELSE 0 END
UNION ALL
SELECT
  'mmt' AS kind,
  CAST(4 AS BIGINT) AS i1,
  CAST(mt4 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded AND mm4
GROUP BY
  mt4
UNION ALL
SELECT
  'mm' AS kind,
  CAST(5 AS BIGINT) AS i1,
  CAST(CASE WHEN mm5 THEN 1 ELSE 0 END AS BIGINT) AS i2,
  CAST(CASE WHEN furthest >= 4 THEN 1 ELSE 0 END AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded
GROUP BY
  CASE WHEN mm5 THEN 1 ELSE 0 END,
  CASE WHEN furthest >= 4 THEN 1 ELSE 0 END
UNION ALL
SELECT
  'mmt' AS kind,
  CAST(5 AS BIGINT) AS i1,
  CAST(mt5 AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(NULL AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM unit_out
WHERE
  NOT excluded AND mm5
GROUP BY
  mt5
UNION ALL
SELECT
  'event' AS kind,
  CAST(NULL AS BIGINT) AS i1,
  CAST(NULL AS BIGINT) AS i2,
  CAST(NULL AS BIGINT) AS i3,
  CAST(e AS VARCHAR) AS v1,
  CAST(NULL AS VARCHAR) AS v2,
  CAST(NULL AS VARCHAR) AS v3,
  CAST(COUNT(*) AS BIGINT) AS n
FROM clean
WHERE
  e IN (
    'view_item',
    'add_to_cart',
    'begin_checkout',
    'purchase',
    'refund',
    'newsletter_signup',
    'scroll_90',
    'cta_click'
  )
GROUP BY
  e
