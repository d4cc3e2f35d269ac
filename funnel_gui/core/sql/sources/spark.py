"""Spark through pyspark: local, a cluster master URL, or Spark Connect.

`spark://local?table=events` (a table of the local catalog), `spark://local/path/to/files`
(Parquet/CSV/JSON read in place as a temporary view), `spark://host:7077?table=…` (a
standalone cluster), `sc://host:15002?table=…` (Spark Connect, needs pyspark's connect
dependencies). Cancel interrupts the query's tag, which works for both kinds of session.
"""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path
from typing import Any

import pyarrow as pa

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources.base import ClientSource, quote_table
from funnel_gui.core.sql.sources.portable import expand_alias_refs
from funnel_gui.core.sql.sources.urls import SourceError, SourceURL, require

_VIEW = "funnel_events"
_READERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}
# Small and quiet for one machine: no UI port, few shuffle partitions, UTC times.
_LOCAL_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
    "spark.ui.showConsoleProgress": "false",
}


def _builder(url: SourceURL) -> Any:
    sql = require("pyspark.sql", "spark")
    builder = sql.SparkSession.builder.appName("funnel-gui")
    if url.scheme == "sc":
        where = url.host + (f":{url.port}" if url.port else "")
        return builder.remote(f"sc://{where}")
    master = "local[2]" if url.host in {"", "local"} else f"spark://{url.host}:{url.port or 7077}"
    builder = builder.master(master)
    for key, value in _LOCAL_CONFIG.items():
        builder = builder.config(key, value)
    return builder


class SparkSource(ClientSource):
    dialect = "spark"
    engine = "Spark"

    def __init__(self, url: SourceURL) -> None:
        try:
            with warnings.catch_warnings():
                # pyspark warns about pandas versions it has not tried; we use Arrow only.
                warnings.simplefilter("ignore", FutureWarning)
                self._spark = _builder(url).getOrCreate()
        except SourceError:
            raise
        except Exception as exc:  # py4j, gateway and connect errors alike
            raise SourceError(f"Cannot start Spark: {str(exc).splitlines()[0]}") from exc
        self._tag: str | None = None
        if url.table:
            super().__init__(quote_table(url.table, self.dialect), url.table)
        elif url.path.strip("/"):
            path = Path(url.path)
            self._register(path)
            super().__init__(quote_table(_VIEW, self.dialect), path.name)
        else:
            super().__init__("", "")

    def _register(self, path: Path) -> None:
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        kinds = [_READERS[p.suffix.lower()] for p in files if p.suffix.lower() in _READERS]
        if not kinds:
            raise SourceError(f"{path} holds no Parquet, CSV or JSON files Spark can read.")
        reader = self._spark.read.format(kinds[0])
        if kinds[0] == "csv":
            reader = reader.option("header", "true").option("inferSchema", "true")
        reader.load(path.as_posix()).createOrReplaceTempView(_VIEW)

    def execute(self, sql: str) -> pa.Table:
        self._tag = tag = f"funnel-{uuid.uuid4().hex}"
        self._spark.addTag(tag)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                frame = self._spark.sql(expand_alias_refs(sql, self.dialect))
                table: pa.Table = frame.toArrow()
        except Exception as exc:
            if "cancel" in str(exc).lower() or "interrupt" in str(exc).lower():
                raise QueryCancelled("The query was cancelled.") from exc
            raise SourceError(f"Spark refused the query: {str(exc).splitlines()[0]}") from exc
        finally:
            self._spark.removeTag(tag)
            self._tag = None
        return table

    def cancel(self) -> None:
        tag = self._tag
        if tag is not None:
            self._spark.interruptTag(tag)

    def close(self) -> None:
        self._spark.stop()

    def list_tables(self) -> list[str]:
        rows = self._spark.catalog.listTables()
        return sorted(str(t.name) for t in rows)
