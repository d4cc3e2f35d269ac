"""Turn a column of timestamps, in any shape exports use, into int64 UTC nanoseconds.

Shapes handled: native timestamp/date columns, epoch numbers (unit inferred by
magnitude, EXPORT_FORMATS §0), digit strings (BigQuery writes INT64 as JSON
strings), `YYYYMMDD` dates, and ISO 8601 strings with `T` or space, optional
fraction, and `Z`, an offset, a ` UTC` suffix or no zone (naive = `assume_tz`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NAT = np.iinfo(np.int64).min
_NS_PER_SECOND = 1_000_000_000
_INT64_LIMIT = 9.2e18  # a little under 2**63, so float comparisons stay on the safe side

_EPOCH_UNITS: tuple[tuple[float, str, int], ...] = (
    # (upper bound of |value|, unit name, nanoseconds per unit); bounds sit between
    # the digit counts of EXPORT_FORMATS §0: 10 digits s, 13 ms, 16 µs, 19 ns.
    (1e11, "seconds", 1_000_000_000),
    (1e14, "milliseconds", 1_000_000),
    (1e17, "microseconds", 1_000),
    (float("inf"), "nanoseconds", 1),
)
_ZONE_SUFFIX = r"(Z|z|[+-]\d\d:?\d\d|[+-]\d\d)$"
_NUMERIC = r"^\s*-?\d+(\.\d*)?\s*$"
_COMPACT_DATE = r"^(19|20|21)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"


@dataclass(frozen=True)
class ParsedTimes:
    """Nanoseconds since the epoch (UTC); `NAT` where a value was missing or unparsable."""

    ns: np.ndarray
    missing: np.ndarray  # bool: the value was null or blank
    unparsable: np.ndarray  # bool: present, but not a time
    description: str  # how the column was read, for the import report
    naive: bool  # True when zone-less values were taken in `assume_tz`


def parse_times(
    column: pa.ChunkedArray[Any] | pa.Array[Any], assume_tz: str = "UTC"
) -> ParsedTimes:
    """Parse one column; never raises on bad values, it reports them instead."""
    if isinstance(column, pa.ChunkedArray) and pa.types.is_dictionary(column.type):
        column = column.unify_dictionaries()
    if pa.types.is_string(column.type) and column.null_count == 0:
        # Straight from the chunks: combining 10M strings first would copy ~300 MB.
        fast = _whole_column_cast(column, np.zeros(len(column), dtype=bool), assume_tz)
        if fast is not None:
            return fast
    arr: Any = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(arr.type):
        return _from_dictionary(arr, assume_tz)
    missing = _missing_mask(arr)
    kind = arr.type
    if pa.types.is_timestamp(kind):
        return _from_timestamp(arr, missing, assume_tz)
    if pa.types.is_date(kind):
        # date32 counts days, date64 milliseconds; both are midnight UTC.
        per = 86_400 * _NS_PER_SECOND if pa.types.is_date32(kind) else 1_000_000
        raw = pc.cast(arr, pa.int32() if pa.types.is_date32(kind) else pa.int64())
        ns = _localize(_scaled(pc.cast(raw, pa.int64()), per), assume_tz)
        desc = f"dates (midnight) (no zone, taken as {assume_tz})"
        return _result(ns, missing, desc, True)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        # Unsafe on purpose: floats only pick the unit; exact values take the int path.
        return _from_numbers(pc.cast(arr, pa.float64(), safe=False), arr, missing, assume_tz)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _from_strings(arr, missing, assume_tz)
    ns = np.full(len(arr), NAT, dtype=np.int64)
    return ParsedTimes(ns, missing, ~missing, f"unsupported type {kind}", False)


def _from_dictionary(arr: Any, assume_tz: str) -> ParsedTimes:
    """Parse each distinct value once (REES46-style second-resolution times repeat a lot)."""
    values = parse_times(arr.dictionary, assume_tz)
    codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    null = codes < 0
    safe = np.where(null, 0, codes)
    if len(values.ns) == 0:
        ns = np.full(len(codes), NAT, dtype=np.int64)
        return ParsedTimes(
            ns, null, np.zeros(len(codes), dtype=bool), values.description, values.naive
        )
    ns = np.where(null, NAT, values.ns[safe])
    missing = null | values.missing[safe]
    unparsable = ~null & values.unparsable[safe]
    return ParsedTimes(ns, missing, unparsable, values.description, values.naive)


def _missing_mask(arr: Any) -> np.ndarray:
    mask = pc.is_null(arr)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        mask = pc.or_(mask, pc.equal(pc.utf8_trim_whitespace(arr), pa.scalar("")))
    return np.asarray(mask.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)


def _result(ns: np.ndarray, missing: np.ndarray, desc: str, naive: bool) -> ParsedTimes:
    unparsable = (ns == NAT) & ~missing
    ns = ns.copy() if not ns.flags.writeable else ns
    ns[missing] = NAT
    return ParsedTimes(ns, missing, unparsable, desc, naive)


def _scaled(ints: Any, per: int) -> np.ndarray:
    """int64 values times `per` nanoseconds; values that would overflow become NAT.

    Arrow's own cast to nanoseconds raises on them instead (sentinels such as
    0001-01-01 or 9999-12-31 in Parquet exports), which would fail the whole file.
    """
    limit = np.iinfo(np.int64).max // per
    if ints.null_count == 0 and len(ints):
        bounds = pc.min_max(ints)
        if -limit < bounds["min"].as_py() and bounds["max"].as_py() < limit:
            # Every value fits: one vectorised multiply (10M rows in ~20 ms).
            whole = np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)
            return whole * per if per != 1 else whole.copy()
    vals = np.asarray(ints.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    valid = np.asarray(pc.is_valid(ints).to_numpy(zero_copy_only=False), dtype=bool)
    ok = valid & (vals > -limit) & (vals < limit)
    out = np.full(len(vals), NAT, dtype=np.int64)
    out[ok] = vals[ok] * per
    return out


def _from_timestamp(arr: Any, missing: np.ndarray, assume_tz: str) -> ParsedTimes:
    naive = arr.type.tz is None
    per = {"s": _NS_PER_SECOND, "ms": 1_000_000, "us": 1_000, "ns": 1}[arr.type.unit]
    ns = _scaled(pc.cast(arr, pa.int64()), per)
    if naive:
        ns = _localize(ns, assume_tz)
    zone = f"no zone, taken as {assume_tz}" if naive else f"zone {arr.type.tz}"
    return _result(np.asarray(ns, dtype=np.int64), missing, f"timestamps ({zone})", naive)


def _from_numbers(
    values: Any, original: Any, missing: np.ndarray, assume_tz: str = "UTC"
) -> ParsedTimes:
    nums = values.fill_null(np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
    finite = np.isfinite(nums)
    if not finite.any():
        return _result(np.full(len(nums), NAT, dtype=np.int64), missing, "numbers", False)
    sample = nums[finite]
    if _looks_like_compact_dates(sample):
        as_text = pc.cast(pc.cast(original, pa.int64()), pa.string())
        return _from_compact_dates(as_text, missing, assume_tz)
    median = float(np.median(np.abs(sample)))
    unit, scale = next((name, ns) for bound, name, ns in _EPOCH_UNITS if median < bound)
    ns = np.full(len(nums), NAT, dtype=np.int64)
    # An outlier far beyond the unit's range is not a time: NAT, not an overflowed number.
    in_range = finite & (np.abs(nums) < _INT64_LIMIT / scale)
    if pa.types.is_integer(original.type) or _all_integral(sample):
        # Integer path keeps nanosecond exactness: float64 cannot hold 19-digit values.
        try:
            ints = pc.cast(original, pa.int64(), safe=pa.types.is_integer(original.type))
        except pa.ArrowInvalid:  # uint64 beyond int64: those values are out of range anyway
            ints = pc.cast(original, pa.int64(), safe=False)
        ivals = ints.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        ns[in_range] = ivals[in_range] * scale
    else:
        ns[in_range] = np.round(nums[in_range] * scale).astype(np.int64)
    return _result(ns, missing, f"epoch {unit}", False)


def _all_integral(sample: np.ndarray) -> bool:
    return bool(np.all(np.floor(sample) == sample))


def _looks_like_compact_dates(sample: np.ndarray) -> bool:
    lo, hi = float(sample.min()), float(sample.max())
    return lo >= 19000101 and hi <= 21001231 and _all_integral(sample)


def _from_compact_dates(text: pa.Array, missing: np.ndarray, assume_tz: str = "UTC") -> ParsedTimes:
    """GA4's event_date is a day in the property's time zone: midnight there (§1)."""
    iso = pc.replace_substring_regex(text, r"^(\d{4})(\d\d)(\d\d)$", r"\1-\2-\3")
    parsed = _localize(_cast_strings(iso, pa.timestamp("ns")), assume_tz)
    return _result(parsed, missing, f"dates YYYYMMDD (midnight, {assume_tz})", True)


def _from_strings(arr: pa.Array, missing: np.ndarray, assume_tz: str) -> ParsedTimes:
    fast = _whole_column_cast(arr, missing, assume_tz)
    if fast is not None:
        return fast
    trimmed = pc.utf8_trim_whitespace(arr)
    present = pc.invert(pa.array(missing))
    numeric = pc.and_(pc.match_substring_regex(trimmed, _NUMERIC), present)
    n_present = int(pc.sum(present).as_py() or 0)
    n_numeric = int(pc.sum(numeric).as_py() or 0)
    if n_present and n_numeric == n_present:
        compact = pc.match_substring_regex(trimmed, _COMPACT_DATE)
        if int(pc.sum(pc.and_(compact, present)).as_py() or 0) == n_present:
            return _from_compact_dates(trimmed, missing, assume_tz)
    if n_present and n_numeric * 2 > n_present:
        # Epoch numbers, maybe with a few stray values ("1e300", "n/a"): those rows are
        # unparsable, rather than a reason to read every number as a date string.
        return _from_numeric_strings(
            pc.if_else(numeric, trimmed, pa.scalar(None, pa.string())), missing
        )
    return _from_iso_strings(trimmed, missing, assume_tz)


def _from_numeric_strings(cleaned: pa.Array, missing: np.ndarray) -> ParsedTimes:
    floats = pc.cast(cleaned, pa.float64())
    if int(pc.sum(pc.match_substring(cleaned, ".")).as_py() or 0) == 0:
        try:
            return _from_numbers(floats, pc.cast(cleaned, pa.int64()), missing)
        except pa.ArrowInvalid:
            pass  # more than 19 digits: not an epoch time in any unit
    return _from_numbers(floats, floats, missing)


def _whole_column_cast(
    arr: pa.Array | pa.ChunkedArray, missing: np.ndarray, assume_tz: str
) -> ParsedTimes | None:
    """Arrow's ISO 8601 cast of the whole column at once, when every value has a zone or
    none has: the usual case, and ~20x faster than sorting values out one by one."""
    if missing.any():
        return None
    for target, naive in ((pa.timestamp("ns", tz="UTC"), False), (pa.timestamp("ns"), True)):
        try:
            out = pc.cast(arr, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        ns = np.asarray(out.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        if naive:
            ns = _localize(ns, assume_tz)
        zone = f"no zone, taken as {assume_tz}" if naive else "with a zone or offset"
        return _result(ns, missing, f"ISO 8601 text ({zone})", naive)
    return None


def _from_iso_strings(arr: pa.Array, missing: np.ndarray, assume_tz: str) -> ParsedTimes:
    # " UTC"/" GMT" suffixes (REES46, BigQuery TIMESTAMP) mean the same as "Z".
    text = pc.replace_substring_regex(arr, r"\s*(UTC|GMT)$", "Z")
    zoned = np.asarray(
        pc.match_substring_regex(text, _ZONE_SUFFIX)
        .fill_null(False)
        .to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    # A zone suffix on a date-only value ("2020-01-01-05") is not a zone; dates have no time part.
    ns = np.full(len(arr), NAT, dtype=np.int64)
    has_time = np.asarray(
        pc.match_substring_regex(text, r"\d[T ]\d").fill_null(False).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    zoned &= has_time
    naive_rows = ~zoned & ~missing
    if zoned.any():
        idx = np.flatnonzero(zoned)
        ns[idx] = _cast_strings(text.take(pa.array(idx)), pa.timestamp("ns", tz="UTC"))
    if naive_rows.any():
        idx = np.flatnonzero(naive_rows)
        naive_ns = _cast_strings(text.take(pa.array(idx)), pa.timestamp("ns"))
        ns[idx] = _localize(naive_ns, assume_tz)
    # Count only values that parsed: "yesterday" is not a time "without a zone".
    parsed_ok = ns != NAT
    n_zoned, n_naive = int((zoned & parsed_ok).sum()), int((naive_rows & parsed_ok).sum())
    parts = []
    if n_zoned:
        parts.append("with a zone or offset" if not n_naive else f"{n_zoned:,} with a zone")
    if n_naive:
        parts.append(
            f"no zone, taken as {assume_tz}"
            if not n_zoned
            else f"{n_naive:,} without a zone, taken as {assume_tz}"
        )
    desc = (
        "ISO 8601 text (" + "; ".join(parts) + ")" if parts else "text that is not a date or time"
    )
    return _result(ns, missing, desc, n_naive > 0)


_MAX_TIME_TEXT = 100


def _cast_strings(text: pa.Array, target: pa.DataType) -> np.ndarray:
    """Arrow's fast cast when every value parses; pandas, value by value, otherwise."""
    try:
        out = pc.cast(text, target)
        return np.asarray(
            out.cast(pa.int64()).fill_null(NAT).to_numpy(zero_copy_only=False), dtype=np.int64
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # No date or time is written in more than ~60 characters, and dateutil (behind
    # pandas' "mixed" format) takes minutes over a megabyte-long cell: not a time.
    too_long = pc.greater(pc.utf8_length(text), _MAX_TIME_TEXT).fill_null(False)
    if pc.any(too_long).as_py():
        text = pc.if_else(too_long, pa.scalar(None, pa.string()), text)
    series = pd.Series(text.to_pylist(), dtype=object)
    utc = getattr(target, "tz", None) is not None
    with warnings.catch_warnings():
        # "Could not infer format" is expected here: this path exists for odd formats.
        warnings.simplefilter("ignore")
        parsed = _to_datetime(series, "ISO8601", utc)
        if parsed.isna().all() and series.notna().any():
            parsed = _to_datetime(series, "mixed", utc)
    return _datetimes_to_ns(parsed.to_numpy())


def _to_datetime(series: pd.Series, fmt: str, utc: bool) -> pd.Series:
    """Naive UTC datetimes; values pandas cannot read become NaT, never an exception."""
    try:
        parsed = pd.to_datetime(series, errors="coerce", format=fmt, utc=utc)
    except (ValueError, TypeError, OverflowError):
        # pandas raises (rather than coerces) on some mixes, e.g. values with and
        # without a zone ("Mixed timezones detected"): parse one value at a time.
        parsed = pd.Series([_one_datetime(v, fmt, utc) for v in series], dtype="datetime64[ns]")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def _one_datetime(value: str | None, fmt: str, utc: bool) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.to_datetime(value, errors="coerce", format=fmt, utc=utc)
    except (ValueError, TypeError, OverflowError):
        return None
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        if not utc:
            return None  # a zone where none was expected: not a naive time
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    try:
        return stamp.as_unit("ns")
    except (ValueError, OverflowError):
        return None


def _datetimes_to_ns(values: np.ndarray) -> np.ndarray:
    """datetime64 of any unit to int64 ns; out-of-range values (year 1) become NAT."""
    unit, _ = np.datetime_data(values.dtype)
    raw = values.view(np.int64)
    nat = np.isnat(values)
    per_ns = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}[unit]
    limit = np.iinfo(np.int64).max // per_ns
    out = np.full(len(values), NAT, dtype=np.int64)
    ok = ~nat & (np.abs(raw) < limit)
    out[ok] = raw[ok] * per_ns
    return out


def _localize(naive_ns: np.ndarray, tz: str) -> np.ndarray:
    if tz.upper() == "UTC":
        return naive_ns
    valid = naive_ns != NAT
    out = np.full(len(naive_ns), NAT, dtype=np.int64)
    index = pd.DatetimeIndex(naive_ns[valid].view("datetime64[ns]"))
    # Wall-clock times in a DST gap or overlap are real events, not bad rows: resolve
    # them (standard time for the repeated hour) rather than drop them.
    ambiguous = np.zeros(len(index), dtype=bool)
    local = index.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
    local = local.tz_convert("UTC")
    out[valid] = local.tz_localize(None).asi8
    return out
