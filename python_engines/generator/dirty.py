"""Dirty rows, as real feeds have them — and a ground-truth record of each one.

Each dirty row gets exactly one kind. ``expected`` says what a correct pipeline does with it:
``reject`` (it goes to rejected_events) or ``keep`` (it is cleaned and kept).
Only the few dirty rows are touched, in plain Python; the clean bulk stays vectorised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import polars as pl

Row = dict[str, str]

# kind → (share of dirty rows, expected outcome)
DIRTY_KINDS: dict[str, tuple[float, str]] = {
    "duplicate": (0.20, "reject"),
    "blank_user_id": (0.10, "reject"),
    "garbage_timestamp": (0.10, "reject"),
    "out_of_range_timestamp": (0.08, "reject"),
    "iso_variant_timestamp": (0.17, "keep"),
    "invalid_ipv4": (0.10, "keep"),
    "ipv6": (0.10, "keep"),
    "whitespace_case_noise": (0.15, "keep"),
}
LATE_ARRIVAL = (
    "late_arrival"  # recorded in the sidecar too, but not dirty: a correct pipeline keeps it
)
DUPLICATE_SHARE = DIRTY_KINDS["duplicate"][0]
MUTATION_KINDS = [k for k in DIRTY_KINDS if k != "duplicate"]
MUTATION_SHARES = np.array([DIRTY_KINDS[k][0] for k in MUTATION_KINDS]) / (1 - DUPLICATE_SHARE)


def _instant(row: Row) -> datetime:
    return datetime.fromisoformat(row["timestamp"])


def blank_user_id(row: Row, r: random.Random) -> None:
    row["user_id"] = r.choice(["", " ", "   "])


GARBAGE_TIMESTAMPS: list[Callable[[datetime], str]] = [
    lambda t: "",
    lambda t: "not a date",
    lambda t: "N/A",
    lambda t: "null",
    lambda t: str(int((t - datetime(1970, 1, 1)).total_seconds())),  # epoch seconds
    lambda t: t.strftime("%Y/%m/%d %H:%M:%S"),
    lambda t: t.strftime("%d/%m/%Y %H:%M:%S"),
    lambda t: t.strftime("%m-%d-%Y %H:%M"),
    lambda t: t.strftime("%Y-%m-%d"),
    lambda t: t.strftime("%H:%M:%S"),
    lambda t: t.strftime("%Y-%m-%d %H:%M"),
    lambda t: t.strftime("%y-%m-%d %H:%M:%S"),
    lambda t: t.strftime("%Y-%m-%d %H:%M:%S +0200"),
    lambda t: t.strftime("%a, %d %b %Y %H:%M:%S GMT"),
]
OUT_OF_RANGE_TIMESTAMPS: list[Callable[[datetime], str]] = [
    lambda t: "0000-00-00 00:00:00",
    lambda t: f"{t:%Y}-13-{t:%d %H:%M:%S}",
    lambda t: f"{t:%Y}-00-{t:%d %H:%M:%S}",
    lambda t: f"{t:%Y-%m}-32 {t:%H:%M:%S}",
    lambda t: f"{t:%Y}-02-30 {t:%H:%M:%S}",
    lambda t: f"{t:%Y-%m-%d} 24:{t:%M:%S}",
    lambda t: f"{t:%Y-%m-%d %H}:61:{t:%S}",
    lambda t: f"{t:%Y-%m-%d %H:%M}:75",
]


def garbage_timestamp(row: Row, r: random.Random) -> None:
    row["timestamp"] = r.choice(GARBAGE_TIMESTAMPS)(_instant(row))


def out_of_range_timestamp(row: Row, r: random.Random) -> None:
    row["timestamp"] = r.choice(OUT_OF_RANGE_TIMESTAMPS)(_instant(row))


def iso_variant_timestamp(row: Row, r: random.Random) -> None:
    """Another valid ISO-8601 spelling of (nearly) the same instant: kept, offset honoured."""
    t = _instant(row)
    fraction = r.choice(["", "", ".5", ".250", ".123456"])
    choice = r.randrange(5)
    if choice == 0:
        row["timestamp"] = f"{t:%Y-%m-%dT%H:%M:%S}{fraction}"
    elif choice == 1:
        row["timestamp"] = f"{t:%Y-%m-%dT%H:%M:%S}{fraction}Z"
    elif choice == 2:
        row["timestamp"] = f"{t:%Y-%m-%d %H:%M:%S}{fraction}+00:00"
    else:
        hours = r.choice([2, 5, 9, -3, -8]) if choice == 3 else r.choice([1, -5])
        local = t + timedelta(hours=hours)
        sign = "+" if hours >= 0 else "-"
        sep = r.choice(["T", " "])
        row["timestamp"] = (
            f"{local:%Y-%m-%d}{sep}{local:%H:%M:%S}{fraction}{sign}{abs(hours):02d}:00"
        )


def invalid_ipv4(row: Row, r: random.Random) -> None:
    octets = row["ip_address"].split(".")
    row["ip_address"] = r.choice(
        [
            ".".join([str(r.randint(256, 999)), *octets[1:]]),
            ".".join(octets[:3]),
            ".".join([*octets, str(r.randint(0, 255))]),
            "a.b.c.d",
            "unknown",
            "",
            ".".join([*octets[:3], "-1"]),
        ]
    )


def ipv6(row: Row, r: random.Random) -> None:
    groups = [r.choice(["2001", "2a01", "2a02", "2600", "2406"])]
    groups += [f"{r.randrange(0x10000):x}" for _ in range(3)]
    row["ip_address"] = ":".join(groups) + "::" + f"{r.randrange(1, 0x10000):x}"


def whitespace_case_noise(row: Row, r: random.Random) -> None:
    pad = ["  ", " ", "\t"]
    row["user_id"] = r.choice(pad) + row["user_id"] + r.choice(["", " "])
    row["event_type"] = r.choice([str.upper, str.title, str])(row["event_type"]) + r.choice(pad)
    row["device"] = r.choice(pad) + r.choice([str.upper, str.title])(row["device"])
    row["ip_address"] = row["ip_address"] + r.choice(pad)
    row["page_url"] = r.choice(["", " "]) + row["page_url"] + r.choice(pad)


MUTATIONS: dict[str, Callable[[Row, random.Random], None]] = {
    "blank_user_id": blank_user_id,
    "garbage_timestamp": garbage_timestamp,
    "out_of_range_timestamp": out_of_range_timestamp,
    "iso_variant_timestamp": iso_variant_timestamp,
    "invalid_ipv4": invalid_ipv4,
    "ipv6": ipv6,
    "whitespace_case_noise": whitespace_case_noise,
}


def make_dirty(
    raw: pl.DataFrame, n_mutated: int, n_duplicates: int, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Mutate ``n_mutated`` rows in place and pick ``n_duplicates`` rows to re-send.

    Returns the mutated frame, the re-sent copies (the caller places them later in the feed)
    and the sidecar rows ``event_id, kind, expected`` for the mutations and the copies.
    """
    n_mutated = min(n_mutated, raw.height)
    n_duplicates = min(n_duplicates, raw.height - n_mutated)
    chosen = rng.choice(raw.height, size=n_mutated + n_duplicates, replace=False)
    mutated_idx = np.sort(chosen[:n_mutated])
    duplicate_idx = np.sort(chosen[n_mutated:])
    kinds = rng.choice(len(MUTATION_KINDS), size=n_mutated, p=MUTATION_SHARES)
    r = random.Random(int(rng.integers(0, 2**63)))

    rows = raw[mutated_idx].to_dicts()
    for row, k in zip(rows, kinds, strict=True):
        MUTATIONS[MUTATION_KINDS[k]](row, r)
    if rows:
        changed = pl.DataFrame(rows, schema=raw.schema)
        idx = pl.Series(mutated_idx)
        raw = raw.with_columns(
            [raw[c].scatter(idx, changed[c]) for c in raw.columns if c != "event_id"]
        )
    copies = raw[duplicate_idx]
    kind_names = [MUTATION_KINDS[k] for k in kinds] + ["duplicate"] * len(duplicate_idx)
    sidecar = pl.DataFrame(
        {
            "event_id": raw["event_id"].gather(mutated_idx).to_list()
            + copies["event_id"].to_list(),
            "kind": kind_names,
            "expected": [DIRTY_KINDS[k][1] for k in kind_names],
        },
        schema={"event_id": pl.Utf8, "kind": pl.Utf8, "expected": pl.Utf8},
    )
    return raw, copies, sidecar
