"""Fuzz the import: random bytes and mutated CSV, JSON lines, gzip and zip files.

Whatever the bytes, `load_events` either returns a table whose counts add up (and
whose catalogs can be built), or raises one of the project's own `UserFacingError`s;
any other exception, or a message that is not one clean line, fails the test.

In CI the examples are few and derandomized (the same inputs every run). For a longer
local run, raise the count, and let hypothesis pick fresh inputs each time:

    FUZZ_EXAMPLES=5000 FUZZ_DERANDOMIZE=0 uv run pytest tests/hostile/test_fuzz.py -q

A failing input is printed by hypothesis; `--hypothesis-seed=N` repeats a random run.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.io import load_events
from tests.hostile.corpus import GOOD_CSV, GOOD_NDJSON

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    derandomize=os.environ.get("FUZZ_DERANDOMIZE", "1") != "0",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # no example database written into the repository
)

# Bytes that matter to the readers: quoting, delimiters, line breaks, brackets, BOMs,
# bytes that are not UTF-8, NUL, and numbers and times at their edges.
TOKENS = [
    b'"', b",", b";", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
    b"\xff", b"\xc3", b"{", b"}", b"[", b"]", b":", b"\\", b"\\u0000", b"\\ud800", b"#",
    b"9" * 25, b"-1", b"1e308", b"NaN", b"null", b"9999-12-31T23:59:60Z", b"0000-00-00",
    b"PK\x03\x04", b"\x1f\x8b", b"PAR1", b"[" * 300, b"{\"a\":" * 300,
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few edits: flipped bytes, inserted tokens, cuts and repeats."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        if edit == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif edit == "cut":
            del data[at:]
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 5))
    return bytes(data)


MEMBER_NAMES = ["a.csv", ".a.csv", "../a.csv", "..\\a.csv", "/a.csv", "a\n.csv", "__MACOSX/a.csv"]


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buf.getvalue()


def load_cleanly(blob: bytes, name: str) -> None:
    """Load `blob` saved as `name`: a consistent table, or one of our own errors."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(blob)
        try:
            table = load_events(path)
        except UserFacingError as exc:
            message = exc.message
            assert message, "empty message"
            assert "\n" not in message, message
            assert "Traceback" not in message, message
            return
        report = table.report
        assert report.rows_read == report.rows_kept + report.rows_removed
        assert report.rows_kept == len(table) > 0
        table.event_catalog  # noqa: B018 - built for the side effect: must not raise
        table.property_catalog  # noqa: B018


@FUZZ
@given(blob=st.binary(max_size=2048), name=st.sampled_from(["x.csv", "x.json", "x.gz", "x"]))
def test_random_bytes(blob: bytes, name: str) -> None:
    load_cleanly(blob, name)


@FUZZ
@given(blob=mutated(GOOD_CSV))
def test_mutated_csv(blob: bytes) -> None:
    load_cleanly(blob, "events.csv")


@FUZZ
@given(blob=mutated(GOOD_NDJSON))
def test_mutated_json_lines(blob: bytes) -> None:
    load_cleanly(blob, "events.ndjson")


@FUZZ
@given(
    blob=st.one_of(
        mutated(gzip.compress(GOOD_CSV)),
        mutated(GOOD_NDJSON).map(gzip.compress),
        mutated(gzip.compress(GOOD_NDJSON)),
    )
)
def test_mutated_gzip(blob: bytes) -> None:
    load_cleanly(blob, "events.gz")


@FUZZ
@given(
    blob=st.one_of(
        mutated(_zip("a.csv", GOOD_CSV)),
        st.builds(_zip, st.sampled_from(MEMBER_NAMES), mutated(GOOD_CSV)),
    )
)
def test_mutated_zip(blob: bytes) -> None:
    load_cleanly(blob, "export.zip")
