"""Synthetic analytics event exports for the import benchmark.

`generate_events` builds a realistic-looking event table (actors with a few
sessions each, skewed event names, rows ordered by time) fully vectorised with
numpy and pyarrow, so ten million rows take seconds rather than minutes.
`write_dataset` writes it as `events.parquet` and `events.csv` into a cache
directory outside the repository and reuses the files on later runs.

Run `uv run python -m tests.benchmarks.datagen --events 10000000` to pre-build
a dataset and print how long generation and writing took.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "COLUMNS",
    "default_cache_root",
    "default_n_actors",
    "generate_events",
    "write_dataset",
]

#: Bump when the generated data changes, so cached datasets are rebuilt.
GENERATOR_VERSION = 1

COLUMNS = ("user_id", "event_name", "event_time", "session_id", "device", "country", "price")

#: 10M events come from about 850k actors.
ACTORS_PER_EVENT = 0.085

#: The export covers 60 days starting here (UTC).
START = np.datetime64("2026-07-15T00:00:00", "us")
SPAN_DAYS = 60

#: Every session opens with this event.
SESSION_START = "session_start"

#: The other events, with their share of the non-opening events: page_view most
#: frequent, purchase rare. Together with session_start that makes 12 names.
EVENT_WEIGHTS: dict[str, float] = {
    "page_view": 0.38,
    "scroll": 0.17,
    "product_view": 0.15,
    "search": 0.09,
    "login": 0.05,
    "add_to_cart": 0.05,
    "sign_up": 0.03,
    "remove_from_cart": 0.025,
    "begin_checkout": 0.025,
    "add_payment_info": 0.015,
    "purchase": 0.008,
}
#: Events carrying a price; every other row has a null price.
PRICED_EVENTS = ("product_view", "add_to_cart", "remove_from_cart", "begin_checkout", "purchase")

DEVICES: dict[str, float] = {"mobile": 0.56, "desktop": 0.37, "tablet": 0.07}

COUNTRIES = (
    "US", "GB", "DE", "FR", "IN", "BR", "CA", "JP", "ES", "IT",
    "NL", "AU", "MX", "PL", "SE", "KR", "TR", "ID", "CH", "ZA",
)  # fmt: skip

_SIDECAR = "dataset.json"
_REPO_ROOT = Path(__file__).resolve().parents[2]

_US_PER_S = 1_000_000
_US_PER_DAY = 86_400 * _US_PER_S


def default_n_actors(n_events: int) -> int:
    """Actors for `n_events` events at the benchmark's ratio (10M events ≈ 850k actors)."""
    return max(1, round(n_events * ACTORS_PER_EVENT))


def default_cache_root() -> Path:
    """`$FUNNEL_BENCH_DIR`, or `~/.cache/funnel-gui-bench` when it is unset."""
    env = os.environ.get("FUNNEL_BENCH_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "funnel-gui-bench"


def _distinct_ids(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    """`n` distinct, random-looking non-negative ints with at most `digits` digits."""
    pool = 10**digits
    if n > pool:
        raise ValueError(f"cannot draw {n} distinct ids with {digits} digits")
    stride = pool // n
    return rng.permutation(n).astype(np.int64) * stride + rng.integers(0, stride, size=n)


def _prefixed(prefix: str, values: np.ndarray, digits: int) -> pa.Array[Any]:
    """Strings like `u00123456`: `prefix` and `values` zero-padded to `digits` digits."""
    as_text = pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=digits, padding="0")
    return pc.binary_join_element_wise(prefix, as_text, "")


def _categorical(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    """Indices into `weights` (in insertion order) drawn with the given weights."""
    p = np.fromiter(weights.values(), dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int32)


def _dictionary_decoded(indices: np.ndarray, names: list[str] | tuple[str, ...]) -> pa.Array[Any]:
    """A plain string column from category `indices` into `names`."""
    return pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(names)).dictionary_decode()


def generate_events(n_events: int, n_actors: int, seed: int = 0) -> pa.Table:
    """A synthetic event export of `n_events` rows from `n_actors` actors, ordered by time.

    Columns: `user_id` (like "u00123456"), `event_name` (12 names, page_view
    most frequent, purchase rare, every session opening with session_start),
    `event_time` (timestamp[us, tz=UTC] over 60 days), `session_id` (like
    "s000012345678"), `device` (3 values, fixed per actor), `country`
    (20 values, fixed per actor) and `price` (float64, null unless the event is
    a product/cart/checkout/purchase event). Each actor has at least one event;
    activity per actor is heavy-tailed and clustered in a few sessions of
    events seconds to minutes apart. The same arguments give the same table.
    """
    if n_events < 1:
        raise ValueError("n_events must be positive")
    n_actors = max(1, min(n_actors, n_events))
    rng = np.random.default_rng(seed)

    # Events per actor: one each, the rest spread with heavy-tailed activity weights.
    activity = rng.lognormal(mean=0.0, sigma=1.2, size=n_actors)
    per_actor = 1 + rng.multinomial(n_events - n_actors, activity / activity.sum())
    actor_first = np.cumsum(per_actor) - per_actor  # first event row of each actor
    actor = np.repeat(np.arange(n_actors, dtype=np.int64), per_actor)
    rank_in_actor = np.arange(n_events, dtype=np.int64) - actor_first[actor]

    # A few sessions per actor, events split into contiguous runs per session.
    per_actor_sessions = np.minimum(per_actor, 1 + rng.poisson(1.6, size=n_actors))
    session_base = np.cumsum(per_actor_sessions) - per_actor_sessions
    n_sessions = int(per_actor_sessions.sum())
    session = session_base[actor] + rank_in_actor * per_actor_sessions[actor] // per_actor[actor]
    opens_session = np.empty(n_events, dtype=bool)
    opens_session[0] = True
    np.not_equal(session[1:], session[:-1], out=opens_session[1:])

    # Session starts cluster around an actor's anchor time within the 60 days.
    span_us = SPAN_DAYS * _US_PER_DAY
    anchor = rng.integers(0, span_us, size=n_actors)
    session_actor = np.repeat(np.arange(n_actors, dtype=np.int64), per_actor_sessions)
    drift = rng.exponential(4.0 * _US_PER_DAY, size=n_sessions).astype(np.int64)
    session_start = anchor[session_actor] + drift
    session_start = session_start[np.lexsort((session_start, session_actor))] % span_us

    # Within a session, events follow each other after 1 s to a few minutes.
    gaps = rng.exponential(45.0 * _US_PER_S, size=n_events).astype(np.int64) + _US_PER_S
    gaps[opens_session] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[opens_session], np.bincount(session, minlength=n_sessions))
    offset_us = session_start[session] + elapsed
    del gaps, elapsed, rank_in_actor

    # Event names: session_start opens every session, the rest follow the weights.
    names = [SESSION_START, *EVENT_WEIGHTS]
    name_idx = _categorical(rng, EVENT_WEIGHTS, n_events) + 1
    name_idx[opens_session] = 0
    priced = np.isin(name_idx, [names.index(n) for n in PRICED_EVENTS])
    price = np.round(rng.lognormal(mean=3.3, sigma=0.9, size=n_events), 2)

    device_idx = _categorical(rng, DEVICES, n_actors)
    country_w = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 1.1
    country_idx = rng.choice(len(COUNTRIES), size=n_actors, p=country_w / country_w.sum())
    user_ids = _prefixed("u", _distinct_ids(rng, n_actors, 8), 8)
    session_ids = _prefixed("s", _distinct_ids(rng, n_sessions, 12), 12)

    # Real exports are ordered by event time.
    order = np.argsort(offset_us, kind="stable")
    actor = actor[order]
    session = session[order]
    event_time = START.astype(np.int64) + offset_us[order]
    price_col = pa.array(price[order], mask=~priced[order])
    return pa.table(
        {
            "user_id": user_ids.take(actor),
            "event_name": _dictionary_decoded(name_idx[order], names),
            "event_time": pa.array(event_time, pa.timestamp("us", tz="UTC")),
            "session_id": session_ids.take(session),
            "device": _dictionary_decoded(device_idx[actor], list(DEVICES)),
            "country": _dictionary_decoded(country_idx.astype(np.int32)[actor], COUNTRIES),
            "price": price_col,
        }
    )


def _check_outside_repo(directory: Path) -> None:
    resolved = directory.resolve()
    if resolved == _REPO_ROOT or _REPO_ROOT in resolved.parents:
        raise ValueError(
            f"refusing to write benchmark data into the repository ({resolved}); "
            "set FUNNEL_BENCH_DIR or pass a directory outside it"
        )


def _write_csv(table: pa.Table, path: Path, batch_rows: int = 1_000_000) -> None:
    """CSV with an unquoted header, comma separator and `...T14:22:05.123456Z` times."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode())
        for start in range(0, table.num_rows, batch_rows):
            chunk = table.slice(start, batch_rows)
            # %S renders the microseconds too ("05.123456").
            text_time = pc.strftime(chunk["event_time"], format="%Y-%m-%dT%H:%M:%SZ")
            chunk = chunk.set_column(
                chunk.schema.get_field_index("event_time"), "event_time", text_time
            )
            pacsv.write_csv(chunk, sink, options)


def _sidecar_matches(directory: Path, n_events: int, seed: int) -> dict[str, Path] | None:
    try:
        meta = json.loads((directory / _SIDECAR).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or (
        meta.get("rows"),
        meta.get("seed"),
        meta.get("generator_version"),
    ) != (n_events, seed, GENERATOR_VERSION):
        return None
    paths: dict[str, Path] = {}
    for fmt, info in meta.get("files", {}).items():
        path = directory / info["name"]
        if not path.is_file() or path.stat().st_size != info["bytes"]:
            return None
        paths[fmt] = path
    return paths if set(paths) == {"parquet", "csv"} else None


def write_dataset(
    n_events: int,
    directory: Path | str | None = None,
    *,
    seed: int = 0,
    n_actors: int | None = None,
) -> dict[str, Path]:
    """Write `events.parquet` and `events.csv` with `n_events` rows into `directory`.

    Returns `{"parquet": path, "csv": path}`. `directory` defaults to
    `default_cache_root() / f"events-{n_events}"`; give each size its own
    directory, since a different size replaces the files. When `dataset.json`
    in the directory already records `n_events` rows (same seed and generator
    version) and both files are present with the recorded sizes, nothing is
    generated. Directories inside the repository are refused.
    """
    out = Path(directory) if directory is not None else default_cache_root() / f"events-{n_events}"
    out = out.expanduser()
    _check_outside_repo(out)
    cached = _sidecar_matches(out, n_events, seed)
    if cached is not None:
        return cached

    out.mkdir(parents=True, exist_ok=True)
    (out / _SIDECAR).unlink(missing_ok=True)
    t0 = time.perf_counter()
    table = generate_events(n_events, n_actors or default_n_actors(n_events), seed=seed)
    t_generate = time.perf_counter() - t0

    paths = {"parquet": out / "events.parquet", "csv": out / "events.csv"}
    t0 = time.perf_counter()
    tmp = paths["parquet"].with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    tmp.replace(paths["parquet"])
    t_parquet = time.perf_counter() - t0
    t0 = time.perf_counter()
    tmp = paths["csv"].with_suffix(".csv.tmp")
    _write_csv(table, tmp)
    tmp.replace(paths["csv"])
    t_csv = time.perf_counter() - t0

    meta = {
        "rows": n_events,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "actors": int(pc.count_distinct(table["user_id"]).as_py()),
        "seconds": {
            "generate": round(t_generate, 3),
            "parquet": round(t_parquet, 3),
            "csv": round(t_csv, 3),
        },
        "files": {fmt: {"name": p.name, "bytes": p.stat().st_size} for fmt, p in paths.items()},
    }
    (out / _SIDECAR).write_text(json.dumps(meta, indent=2) + "\n")
    return paths


def main(argv: list[str] | None = None) -> None:
    """Build (or reuse) the benchmark datasets and print their timings and sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="cache root (default: $FUNNEL_BENCH_DIR)"
    )
    args = parser.parse_args(argv)
    root = args.data_dir or default_cache_root()
    for n in args.events:
        t0 = time.perf_counter()
        paths = write_dataset(n, root / f"events-{n}", seed=args.seed)
        wall = time.perf_counter() - t0
        meta = json.loads((paths["csv"].parent / _SIDECAR).read_text())
        sizes = ", ".join(f"{fmt} {p.stat().st_size / 1e6:.1f} MB" for fmt, p in paths.items())
        print(f"{n:,} events, {meta['actors']:,} actors: {sizes}")
        print(f"  recorded seconds {meta['seconds']}; this call {wall:.2f} s")


if __name__ == "__main__":
    main()
