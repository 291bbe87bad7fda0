"""Expand planned sessions into events (numbers first), then render them as the feed's raw strings."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from python_engines.core.schema import RAW_COLUMNS
from python_engines.generator import profile
from python_engines.generator.catalogue import Catalogue
from python_engines.generator.population import COUNTRY_CODES, Population, user_ids
from python_engines.generator.sessions import DAY, SessionPlan

RAW_SCHEMA = pl.Schema({name: pl.Utf8 for name in RAW_COLUMNS})
BURST_RATE = 0.015  # two events in the same second (double clicks, prefetch): tied timestamps
PAGE_VIEW_MIX = np.array([0.30, 0.50, 0.20])  # home, category, content


class UrlTable:
    """All page URLs in one array; an event carries an index into it."""

    def __init__(self, catalogue: Catalogue) -> None:
        groups = {
            "home": np.array([catalogue.home]),
            "category": catalogue.categories,
            "content": catalogue.content,
            "product": catalogue.products,
            "search": catalogue.searches,
            "fixed": np.array(list(catalogue.fixed.values())),
        }
        self.offset: dict[str, int] = {}
        at = 0
        for name, urls in groups.items():
            self.offset[name] = at
            at += len(urls)
        self.size = {name: len(urls) for name, urls in groups.items()}
        self.urls = pl.Series("page_url", np.concatenate(list(groups.values())), dtype=pl.Utf8)
        self.fixed_index = {k: self.offset["fixed"] + i for i, k in enumerate(catalogue.fixed)}
        self.product_weights = catalogue.product_weights

    def pick(self, event_type: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = len(event_type)
        idx = np.zeros(n, dtype=np.int64)
        names = list(profile.EVENT_TYPES)
        for t, name in enumerate(names):
            where = np.flatnonzero(event_type == t)
            k = len(where)
            if k == 0:
                continue
            if name == "page_view":
                kind = rng.choice(3, size=k, p=PAGE_VIEW_MIX)
                cat = self.offset["category"] + rng.integers(0, self.size["category"], k)
                content = self.offset["content"] + rng.integers(0, self.size["content"], k)
                idx[where] = np.select([kind == 0, kind == 1], [self.offset["home"], cat], content)
            elif name in ("product_view", "add_to_cart"):
                prod = rng.choice(self.size["product"], size=k, p=self.product_weights)
                idx[where] = self.offset["product"] + prod
            elif name == "search":
                idx[where] = self.offset["search"] + rng.integers(0, self.size["search"], k)
            else:
                idx[where] = self.fixed_index[name]
        return idx


def expand_sessions(
    plan: SessionPlan,
    lo: int,
    hi: int,
    start_epoch: int,
    urls: UrlTable,
    population: Population,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Events of sessions ``lo:hi`` of the plan, with the day each arrives in the feed."""
    counts = plan.n_events[lo:hi]
    n = int(counts.sum())
    session = np.repeat(np.arange(lo, hi), counts)
    first = np.zeros(n, dtype=bool)
    first[np.cumsum(counts)[:-1]] = True
    if n:
        first[0] = True

    event_type = rng.choice(len(profile.EVENT_TYPES), size=n, p=profile.EVENT_SHARES)
    funnel = profile.FUNNEL_POSITION[event_type] + rng.uniform(0, profile.FUNNEL_NOISE, n)
    event_type = event_type[np.lexsort((funnel, session))]

    gap = np.minimum(
        rng.lognormal(np.log(profile.GAP_MEDIAN_SECONDS), profile.GAP_SIGMA, n),
        profile.GAP_MAX_SECONDS,
    ).astype(np.int64)
    gap[rng.random(n) < BURST_RATE] = 0
    gap[first] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first], counts)
    ts = plan.start[session] + elapsed

    late = rng.random(n) < profile.LATE_ARRIVAL_RATE
    user = plan.user[session]
    return pl.DataFrame(
        {
            "session": session,
            "user": user,
            "ts": ts,
            "event_type": event_type.astype(np.int8),
            "url": urls.pick(event_type, rng),
            "device": plan.device[session],
            "ip": plan.ip[session],
            "country": population.country[user],
            "arrival_day": (ts - start_epoch) // DAY + late,
            "late": late,
        }
    )


def uuid_strings(n: int, rng: np.random.Generator) -> pl.Series:
    """Random version-4-shaped UUID strings, vectorised (no Python loop)."""
    digits = np.frombuffer(rng.bytes(16 * n).hex().encode("ascii"), dtype=np.uint8)
    digits = digits.reshape(n, 32)
    chars = np.full((n, 36), ord("-"), dtype=np.uint8)
    for a, b, c in [(0, 8, 0), (9, 13, 8), (14, 18, 12), (19, 23, 16), (24, 36, 20)]:
        chars[:, a:b] = digits[:, c : c + (b - a)]
    chars[:, 14] = ord("4")  # version 4
    chars[:, 19] = np.frombuffer(b"89ab", dtype=np.uint8)[digits[:, 15] % 4]  # RFC 4122 variant
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(36), n, [None, pa.py_buffer(chars)])
    return pl.from_arrow(fixed.cast(pa.binary()).cast(pa.string())).alias("event_id")


def _lookup(values: np.ndarray, idx: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values.tolist(), dtype=pl.Utf8)).gather(idx)


def _dotted_quad(ip: pl.Expr) -> pl.Expr:
    octets = [((ip // (256**k)) % 256).cast(pl.Utf8) for k in (3, 2, 1, 0)]
    return pl.concat_str(octets, separator=".")


def _source_session_id(session: pl.Expr, ts: pl.Expr) -> pl.Expr:
    """The feed's own session id: opaque, and (like many real feeds) it restarts at UTC midnight."""
    key = (session.cast(pl.UInt64) * 64 + (ts // DAY % 64).cast(pl.UInt64)) * 0x9E3779B97F4A7C15
    return pl.lit("sess_") + (key % (1 << 48)).cast(pl.Utf8)


def render_raw(events: pl.DataFrame, urls: UrlTable, rng: np.random.Generator) -> pl.DataFrame:
    """The feed's rows, every column a string, in the order of ``events``."""
    n = events.height
    wrong_country = rng.random(n) < profile.SOURCE_COUNTRY_WRONG_RATE
    blank_country = rng.random(n) < profile.SOURCE_COUNTRY_BLANK_RATE
    shown_country = np.where(
        wrong_country, rng.integers(0, len(COUNTRY_CODES), n), events["country"].to_numpy()
    )
    blank_session = rng.random(n) < profile.SOURCE_SESSION_BLANK_RATE
    frame = events.with_columns(
        uuid_strings(n, rng),
        pl.Series("shown_country", shown_country),
        pl.Series("blank_country", blank_country),
        pl.Series("blank_session", blank_session),
    )
    return frame.select(
        "event_id",
        user_id=user_ids(pl.col("user")),
        session_id=pl.when(pl.col("blank_session"))
        .then(pl.lit(""))
        .otherwise(_source_session_id(pl.col("session"), pl.col("ts"))),
        timestamp=pl.from_epoch("ts", time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S"),
        page_url=urls.urls.gather(events["url"]),
        country=pl.when(pl.col("blank_country"))
        .then(pl.lit(""))
        .otherwise(_lookup(COUNTRY_CODES, pl.col("shown_country"))),
        device=_lookup(profile.DEVICES, pl.col("device")),
        ip_address=_dotted_quad(pl.col("ip")),
        event_type=_lookup(profile.EVENT_TYPES, pl.col("event_type")),
    )
