"""BigQuery through google-cloud-bigquery: `bigquery://project/dataset?table=events_*`.

Credentials are Google's application default credentials (GOOGLE_APPLICATION_CREDENTIALS
or `gcloud auth application-default login`); the project is the one billed. A GA4 export
(a table with event_params) is read through ga4.py's flat relation; any other table is
used as it is. Cancel cancels the query job on the server.
"""

from __future__ import annotations

import uuid
from typing import Any

import pyarrow as pa

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources.base import ClientSource, quote_table
from funnel_gui.core.sql.sources.ga4 import PARAM_KEYS_SQL, USER_KEYS_SQL, ga4_relation
from funnel_gui.core.sql.sources.portable import expand_alias_refs
from funnel_gui.core.sql.sources.urls import SourceError, SourceURL, require

_MAX_KEYS = 60


class BigQuerySource(ClientSource):
    dialect = "bigquery"
    engine = "BigQuery"

    def __init__(self, url: SourceURL) -> None:
        bigquery = require("google.cloud.bigquery", "bigquery")
        self._project, self._dataset = url.host, url.database
        if not self._project or not self._dataset:
            raise SourceError("Write the source as bigquery://PROJECT/DATASET?table=TABLE")
        try:
            self._client = bigquery.Client(project=self._project)
        except Exception as exc:  # google.auth's DefaultCredentialsError and kin
            raise SourceError(f"Cannot reach BigQuery: {str(exc).splitlines()[0]}") from exc
        self._job: Any = None
        super().__init__("", "")
        if url.table:
            self.use_table(url.table)

    def use_table(self, name: str) -> None:
        full = f"{self._project}.{self._dataset}.{name}"
        super().use_table(full)
        self.table_label = name
        if self._is_ga4(full):
            table = quote_table(full, self.dialect)
            events = self._keys(PARAM_KEYS_SQL, table)
            users = self._keys(USER_KEYS_SQL, table) if self._has(full, "user_properties") else ()
            self.relation, self.columns = ga4_relation(table, events, users)

    def _is_ga4(self, full: str) -> bool:
        return self._has(full, "event_params") and self._has(full, "event_timestamp")

    def _has(self, full: str, column: str) -> bool:
        schema = self._client.get_table(self._one_table(full)).schema
        return any(field.name == column for field in schema)

    def _one_table(self, full: str) -> str:
        """A wildcard (`events_*`, GA4's daily shards) stands for its first shard."""
        if "*" not in full:
            return full
        prefix = full.rsplit(".", 1)[-1].split("*")[0]
        shards = [t for t in self.list_tables() if t.startswith(prefix)]
        if not shards:
            raise SourceError(f"No table of {self._dataset} matches {prefix}*.")
        return f"{self._project}.{self._dataset}.{shards[0]}"

    def _keys(self, template: str, table: str) -> tuple[str, ...]:
        rows = self.execute(template.format(table=table, limit=_MAX_KEYS))
        return tuple(str(k) for k in rows["key"].to_pylist())

    def execute(self, sql: str) -> pa.Table:
        self._job = job = self._client.query(
            expand_alias_refs(sql, self.dialect), job_id=f"funnel_{uuid.uuid4().hex}"
        )
        try:
            table: pa.Table = job.result().to_arrow(create_bqstorage_client=False)
        except Exception as exc:
            if job.state == "DONE" and job.error_result and "stopped" in str(job.error_result):
                raise QueryCancelled("The query was cancelled.") from exc
            raise SourceError(f"BigQuery refused the query: {str(exc).splitlines()[0]}") from exc
        finally:
            self._job = None
        return table

    def cancel(self) -> None:
        job = self._job
        if job is not None:
            job.cancel()

    def close(self) -> None:
        self._client.close()

    def list_tables(self) -> list[str]:
        tables = self._client.list_tables(f"{self._project}.{self._dataset}")
        return sorted(str(t.table_id) for t in tables)
