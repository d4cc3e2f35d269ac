"""Deterministic demo data: a small web shop's own event-log export, ready to open in the app.

`python -m tests.demo_generator` rewrites ``resources/demo/shop_events.csv.gz``; the same seed
always gives the same bytes, so the committed file can be checked against a regeneration.
"""

from __future__ import annotations

import gzip
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from funnel_gui.core.atomic import write_bytes_atomically

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_SEED = 2026
N_USERS = 3600
PERIOD_START = datetime(2026, 9, 1, tzinfo=UTC)
# Exclusive end: the export covers 2026-09-01 .. 2026-10-13 (43 days), cut off like a real one.
PERIOD_END = datetime(2026, 10, 14, tzinfo=UTC)
DEMO_DIR = Path(__file__).resolve().parents[1] / "resources" / "demo"
DEMO_FILE_NAME = "shop_events.csv.gz"

COLUMNS = (
    "event_time",
    "event_name",
    "user_id",
    "session_id",
    "device",
    "source",
    "country",
    "page",
    "value",
)
EVENT_NAMES = (
    "page_view",
    "scroll_50",
    "scroll_90",
    "cta_click",
    "newsletter_signup",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "refund",
)
VALUED_EVENTS = frozenset({"add_to_cart", "begin_checkout", "purchase", "refund"})

# (name, share of traffic, effect on the buying score): the effects make mobile convert worse
# than desktop and newsletter traffic best, which the demo charts are meant to show.
_DEVICES = (("desktop", 0.38, 0.35), ("mobile", 0.55, -0.35), ("tablet", 0.07, 0.0))
_FIRST_SOURCES = (
    ("google", 0.38, 0.1),
    ("direct", 0.16, 0.2),
    ("newsletter", 0.06, 0.8),
    ("facebook", 0.16, -0.3),
    ("instagram", 0.17, -0.45),
    ("bing", 0.07, 0.0),
)
# Returning visitors come back by typing the address or from the mails far more often.
_RETURN_SOURCE_SHARES = (0.25, 0.35, 0.22, 0.07, 0.06, 0.05)
_COUNTRIES = (
    ("Germany", 0.28),
    ("France", 0.12),
    ("United States", 0.14),
    ("United Kingdom", 0.10),
    ("Netherlands", 0.07),
    ("Austria", 0.06),
    ("Switzerland", 0.05),
    ("Italy", 0.06),
    ("Spain", 0.06),
    ("Poland", 0.06),
)
# (slug, price in cents); listed from most to least popular.
_PRODUCTS = (
    ("cotton-tee", 1990),
    ("canvas-tote", 2490),
    ("linen-shirt", 4990),
    ("wool-scarf", 2990),
    ("ankle-socks-3-pack", 1290),
    ("chino-trousers", 6990),
    ("merino-sweater", 8900),
    ("trail-sneakers", 9490),
    ("beanie", 1990),
    ("leather-belt", 3950),
    ("denim-jacket", 11900),
    ("water-bottle", 1890),
    ("sunglasses", 7990),
    ("rain-jacket", 12900),
    ("silk-tie", 4490),
    ("weekender-bag", 14900),
)
_SHIPPING_CENTS = 490
_FREE_SHIPPING_FROM_CENTS = 5000
# Share of visits per hour of day (UTC): a European shop, busiest in the evening.
_HOUR_WEIGHTS = (
    1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 5, 2,
)  # fmt: skip
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
_START_MS = int(PERIOD_START.timestamp() * 1000)
_END_MS = int(PERIOD_END.timestamp() * 1000)
_N_DAYS = (_END_MS - _START_MS) // _DAY_MS
_MAX_SESSIONS = 5


def _cumulative(weights: tuple[float, ...]) -> FloatArray:
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    normalised: FloatArray = cum / cum[-1]
    return normalised


_DEVICE_CUM = _cumulative(tuple(w for _, w, _ in _DEVICES))
_FIRST_SOURCE_CUM = _cumulative(tuple(w for _, w, _ in _FIRST_SOURCES))
_RETURN_SOURCE_CUM = _cumulative(_RETURN_SOURCE_SHARES)
_COUNTRY_CUM = _cumulative(tuple(w for _, w in _COUNTRIES))
_PRODUCT_CUM = _cumulative(tuple(1.0 / (rank + 2) for rank in range(len(_PRODUCTS))))
_HOUR_CUM = _cumulative(tuple(float(w) for w in _HOUR_WEIGHTS))
# Returning users come back 1, 2 or 3 more times.
_EXTRA_RETURNS_CUM = _cumulative((0.5, 0.3, 0.2))
_DEVICE_EFFECT = {name: effect for name, _, effect in _DEVICES}
_SOURCE_EFFECT = {name: effect for name, _, effect in _FIRST_SOURCES}


def _pick(rng: np.random.Generator, cum: FloatArray) -> int:
    # Scalar rng.choice is slow; one uniform and a binary search give the same distribution.
    return int(np.searchsorted(cum, rng.random(), side="right"))


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


@dataclass
class _EventLog:
    """Columnar buffers: appending to one list per column is far faster than building rows."""

    time_ms: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    user: list[int] = field(default_factory=list)
    session: list[int] = field(default_factory=list)
    page: list[str] = field(default_factory=list)
    value_cents: list[int] = field(default_factory=list)
    # Indexed by session key: (device, source, country), fixed for the whole session.
    session_attrs: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Shopper:
    """One user's traits and the state they carry from one visit to the next."""

    index: int
    intent: float
    country: str
    device: str
    signed_up: bool = False
    cart: list[int] = field(default_factory=list)
    purchases: list[tuple[int, int]] = field(default_factory=list)
    n_sessions: int = 0


class _Visit:
    """One session being written: a clock that moves forward and the events emitted so far."""

    def __init__(
        self,
        rng: np.random.Generator,
        log: _EventLog,
        shopper: _Shopper,
        start_ms: int,
        source: str,
    ) -> None:
        self.rng = rng
        self.log = log
        self.shopper = shopper
        self.clock = start_ms
        self.source = source
        self.device = (
            shopper.device if rng.random() < 0.85 else _DEVICES[_pick(rng, _DEVICE_CUM)][0]
        )
        self.key = len(log.session_attrs)
        self.engagement = 0.0
        log.session_attrs.append((self.device, source, shopper.country))
        shopper.n_sessions += 1

    @property
    def score(self) -> float:
        """Log-odds shift of every buying step in this visit; read live as the state changes."""
        shopper = self.shopper
        carried_cart = 0.5 if shopper.cart else 0.0
        newsletter = 0.2 if shopper.signed_up else 0.0
        base = shopper.intent + _DEVICE_EFFECT[self.device] + _SOURCE_EFFECT[self.source]
        return base + carried_cart + newsletter + self.engagement

    def chance(self, logit: float) -> bool:
        return bool(self.rng.random() < _sigmoid(logit))

    def wait(self, median_s: float, sigma: float = 0.8) -> None:
        # Log-normal gaps: mostly near the median, with the long tail real page dwell times have;
        # capped so that a session never spans hours.
        gap = self.rng.lognormal(math.log(median_s * 1000.0), sigma)
        self.clock += max(1, min(int(gap), 8 * 60_000))

    def emit(self, name: str, page: str, value_cents: int = -1) -> None:
        log = self.log
        log.time_ms.append(self.clock)
        log.name.append(name)
        log.user.append(self.shopper.index)
        log.session.append(self.key)
        log.page.append(page)
        log.value_cents.append(value_cents)

    def emit_right_after(
        self, name: str, page: str, tie_share: float, value_cents: int = -1
    ) -> None:
        """Emit a tag that fires with its page; sometimes in the very same millisecond."""
        if self.rng.random() >= tie_share:
            self.clock += 1 + int(self.rng.integers(80, 1500))
        self.emit(name, page, value_cents)


def _product_page(product: int) -> str:
    return f"/products/{_PRODUCTS[product][0]}"


def _landing(visit: _Visit) -> tuple[str, int | None]:
    """Where the visit starts: the cart for some carried carts, else home or a product ad."""
    if visit.shopper.cart and visit.rng.random() < 0.35:
        return "/cart", None
    product_share = {"direct": 0.1, "newsletter": 0.4}.get(visit.source, 0.55)
    if visit.rng.random() < product_share:
        product = _pick(visit.rng, _PRODUCT_CUM)
        return _product_page(product), product
    return "/", None


def _engage(visit: _Visit, page: str) -> None:
    """Micro-conversions on the landing page; each makes buying in this visit more likely."""
    visit.wait(8.0)
    if not visit.chance(0.4 + 0.5 * visit.score):
        return
    visit.emit("scroll_50", page)
    if visit.chance(-0.6 + 0.6 * visit.score):
        visit.wait(12.0)
        visit.emit("scroll_90", page)
        visit.engagement += 0.5
    if page == "/" and visit.chance(-1.0 + 0.7 * visit.score):
        visit.wait(6.0)
        visit.emit("cta_click", page)
        visit.engagement += 0.4
    if not visit.shopper.signed_up and visit.chance(-2.6 + 0.3 * visit.score):
        visit.wait(20.0)
        visit.emit("newsletter_signup", page)
        visit.shopper.signed_up = True


def _open_product(visit: _Visit, product: int) -> None:
    """Navigate to a product page, sometimes through the catalogue."""
    page = _product_page(product)
    if visit.rng.random() < 0.4:
        visit.wait(15.0)
        visit.emit("page_view", "/products")
    visit.wait(20.0)
    visit.emit("page_view", page)
    # The tag fires with the page load; a few land in the same millisecond (tie handling).
    visit.emit_right_after("view_item", page, tie_share=0.005)


def _consider(visit: _Visit, product: int) -> None:
    if visit.chance(-3.35 + 0.8 * visit.score):
        visit.wait(35.0)
        visit.emit("add_to_cart", _product_page(product), _PRODUCTS[product][1])
        visit.shopper.cart.append(product)


def _browse(visit: _Visit, landing_product: int | None) -> None:
    """Product views, each with a chance of an add to cart, until the visitor stops looking."""
    if landing_product is not None:
        _consider(visit, landing_product)
    elif not visit.chance(0.5 + 0.7 * visit.score):
        return
    else:
        product = _pick(visit.rng, _PRODUCT_CUM)
        _open_product(visit, product)
        _consider(visit, product)
    for _ in range(7):
        if not visit.chance(0.9 + 0.3 * visit.score):
            return
        product = _pick(visit.rng, _PRODUCT_CUM)
        _open_product(visit, product)
        _consider(visit, product)


def _cart_total(cart: list[int]) -> int:
    items = sum(_PRODUCTS[p][1] for p in cart)
    return items if items >= _FREE_SHIPPING_FROM_CENTS else items + _SHIPPING_CENTS


def _checkout(visit: _Visit, on_cart_page: bool) -> None:
    """Cart -> checkout -> purchase; an unbought cart stays for the next visit."""
    if not on_cart_page:
        visit.wait(20.0)
        visit.emit("page_view", "/cart")
    if not visit.chance(-0.2 + 0.6 * visit.score):
        return
    total = _cart_total(visit.shopper.cart)
    visit.wait(15.0)
    visit.emit("page_view", "/checkout")
    visit.emit_right_after("begin_checkout", "/checkout", tie_share=0.0, value_cents=total)
    # Typing card details on a phone is where mobile loses most of its buyers.
    mobile_penalty = 0.6 if visit.device == "mobile" else 0.0
    if not visit.chance(0.1 + 0.5 * visit.score - mobile_penalty):
        return
    visit.wait(90.0, sigma=0.6)
    visit.emit("page_view", "/thank-you")
    visit.emit_right_after("purchase", "/thank-you", tie_share=0.05, value_cents=total)
    visit.shopper.purchases.append((visit.clock, total))
    visit.shopper.cart.clear()


def _simulate_visit(visit: _Visit) -> None:
    landing, landing_product = _landing(visit)
    visit.emit("page_view", landing)
    if landing_product is not None:
        visit.emit_right_after("view_item", landing, tie_share=0.005)
    if landing == "/cart":
        _checkout(visit, on_cart_page=True)
        return
    _engage(visit, landing)
    _browse(visit, landing_product)
    if visit.shopper.cart and visit.chance(0.3 + 0.5 * visit.score):
        _checkout(visit, on_cart_page=False)


def _first_visit_ms(rng: np.random.Generator) -> int:
    day = int(rng.integers(0, _N_DAYS))
    hour = _pick(rng, _HOUR_CUM)
    return _START_MS + day * _DAY_MS + hour * _HOUR_MS + int(rng.integers(0, _HOUR_MS))


def _planned_starts(rng: np.random.Generator, first_ms: int, intent: float) -> list[int]:
    """Visit start times: one visit, a same-day second look, or returns days later."""
    starts = [first_ms]
    if rng.random() < _sigmoid(-0.9 + 0.4 * intent):
        for _ in range(1 + _pick(rng, _EXTRA_RETURNS_CUM)):
            days = 1 + int(rng.integers(0, 10))
            starts.append(starts[-1] + days * _DAY_MS + int(rng.integers(-6, 7)) * _HOUR_MS)
    elif rng.random() < 0.12:
        starts.append(first_ms + int(rng.integers(1 * _HOUR_MS, 6 * _HOUR_MS)))
    return starts


def _simulate_user(rng: np.random.Generator, log: _EventLog, shopper: _Shopper) -> None:
    end_of_last = 0
    for planned in _planned_starts(rng, _first_visit_ms(rng), shopper.intent):
        # A visit never starts before the previous one has ended: sessions do not overlap.
        start = max(planned, end_of_last + 30 * 60_000)
        if start >= _END_MS:
            break
        cum = _FIRST_SOURCE_CUM if shopper.n_sessions == 0 else _RETURN_SOURCE_CUM
        visit = _Visit(rng, log, shopper, start, _FIRST_SOURCES[_pick(rng, cum)][0])
        _simulate_visit(visit)
        end_of_last = visit.clock
    _maybe_refund(rng, log, shopper, end_of_last)


def _maybe_refund(rng: np.random.Generator, log: _EventLog, shopper: _Shopper, after: int) -> None:
    """A rare refund of the first order, in its own short visit to the order page."""
    if not shopper.purchases or shopper.n_sessions >= _MAX_SESSIONS or rng.random() >= 0.06:
        return
    bought_ms, total = shopper.purchases[0]
    start = max(bought_ms + int(rng.integers(2 * _DAY_MS, 14 * _DAY_MS)), after + _HOUR_MS)
    if start >= _END_MS:
        return
    visit = _Visit(rng, log, shopper, start, "direct")
    visit.emit("page_view", "/account/orders")
    visit.wait(40.0)
    visit.emit("refund", "/account/orders", total)


def _simulate(seed: int) -> _EventLog:
    rng = np.random.default_rng(seed)
    log = _EventLog()
    intents = rng.normal(0.0, 1.0, N_USERS)
    for index in range(N_USERS):
        shopper = _Shopper(
            index=index,
            intent=float(intents[index]),
            country=_COUNTRIES[_pick(rng, _COUNTRY_CUM)][0],
            device=_DEVICES[_pick(rng, _DEVICE_CUM)][0],
        )
        _simulate_user(rng, log, shopper)
    return log


def _ids_by_first_seen(keys: IntArray, time_ms: IntArray, prefix: str, width: int) -> list[str]:
    """Number keys in the order they first appear in time, as a real system would issue ids."""
    first_seen = np.full(int(keys.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, keys, time_ms)
    rank = np.empty_like(first_seen)
    rank[np.argsort(first_seen, kind="stable")] = np.arange(1, first_seen.size + 1)
    names = [f"{prefix}{r:0{width}d}" for r in rank]
    return [names[k] for k in keys]


def _to_frame(log: _EventLog) -> pd.DataFrame:
    time_ms = np.asarray(log.time_ms, dtype=np.int64)
    # A stable sort keeps same-millisecond events in the order they happened in the session.
    order = np.argsort(time_ms, kind="stable")
    order = order[time_ms[order] < _END_MS]
    time_ms = time_ms[order]
    session = np.asarray(log.session, dtype=np.int64)[order]
    attrs = [log.session_attrs[k] for k in session]
    cents = np.asarray(log.value_cents, dtype=np.int64)[order]
    stamps = np.datetime_as_string(time_ms.astype("datetime64[ms]"), unit="ms", timezone="UTC")
    columns: dict[str, object] = {
        "event_time": stamps.tolist(),
        "event_name": [log.name[i] for i in order],
        "user_id": _ids_by_first_seen(np.asarray(log.user, dtype=np.int64)[order], time_ms, "u", 6),
        "session_id": _ids_by_first_seen(session, time_ms, "s", 7),
        "device": [a[0] for a in attrs],
        "source": [a[1] for a in attrs],
        "country": [a[2] for a in attrs],
        "page": [log.page[i] for i in order],
        "value": np.where(cents >= 0, cents / 100.0, np.nan),
    }
    return pd.DataFrame(columns, columns=list(COLUMNS))


def generate_demo_events(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The demo export as a frame: one row per event, columns `COLUMNS`, sorted by time.

    `event_time` holds the ISO 8601 text written to the file; `value` is EUR (NaN when empty).
    """
    return _to_frame(_simulate(seed))


def demo_csv_gz_bytes(frame: pd.DataFrame, inner_name: str) -> bytes:
    """The gzip file's bytes; mtime 0 and a fixed inner name keep them reproducible."""
    text = frame.to_csv(index=False, lineterminator="\n", float_format="%.2f")
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename=inner_name, mode="wb", fileobj=buffer, compresslevel=9, mtime=0
    ) as archive:
        archive.write(text.encode("utf-8"))
    return buffer.getvalue()


def write_demo_csv(path: Path, seed: int = DEFAULT_SEED) -> None:
    """Write the demo export to `path` (gzip CSV), atomically: readers never see half a file."""
    data = demo_csv_gz_bytes(generate_demo_events(seed), path.name.removesuffix(".gz"))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(path, data)


def main() -> None:
    path = DEMO_DIR / DEMO_FILE_NAME
    write_demo_csv(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
