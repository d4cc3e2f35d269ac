"""Read one `RawSource` into an Arrow table, counting (never hiding) rows it had to skip.

Delimited text is read by delimited.py, JSON by jsonread.py, Parquet here. Whatever a
damaged file makes a reader fail on ends as one `ImportFailed` naming the file.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from funnel_gui.core.io.delimited import read_delimited
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.jsonread import read_json_document, read_ndjson
from funnel_gui.core.io.raw import ReadResult as ReadResult
from funnel_gui.core.io.sources import RawSource
from funnel_gui.core.textforms import TIME_NAME


def read_source(source: RawSource) -> ReadResult:
    try:
        if source.fmt == "parquet":
            return ReadResult(_read_parquet(source))
        if source.fmt == "ndjson":
            return read_ndjson(source)
        if source.fmt == "json":
            return read_json_document(source)
        return read_delimited(source)
    except ImportFailed:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeError, OverflowError) as exc:
        if source.fmt == "parquet":
            raise ImportFailed(
                f"{source.name} is a damaged Parquet file: part of it cannot be decoded "
                f"({_short(exc)}). The download or copy may have been cut short or "
                "corrupted: export or fetch it again."
            ) from exc
        raise ImportFailed(
            f"{source.name} could not be read as {source.fmt.upper()}: {_short(exc)}. "
            "The file may be damaged or not what its name says."
        ) from exc


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_parquet(source: RawSource) -> pa.Table:
    target: Any = str(source.path) if source.path is not None else pa.BufferReader(source.data)
    schema = pq.read_schema(target)
    # Read repeated text (names, ids, categories) dictionary-encoded, straight from
    # Parquet's own dictionary pages: several times faster and leaner than plain strings.
    as_dictionary = [
        f.name
        for f in schema
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and not TIME_NAME.search(f.name)
    ]
    if source.path is None:
        target = pa.BufferReader(source.data)
    table = pq.read_table(target, read_dictionary=as_dictionary)
    # Parquet pages are decoded without checking that dictionary codes point into the
    # dictionary or that text is UTF-8: a damaged file would pass here and fail later,
    # deep in the loader. A full check is one vectorised pass (~25 ms per million rows).
    table.validate(full=True)
    return table
