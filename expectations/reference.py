"""The value sets the suites accept. The business rules that produce them live in
``python_engines/sql`` (tests check that these sets match the SQL)."""

from __future__ import annotations

from datetime import timedelta

import pycountry

# ISO 3166-1 alpha-2 (pycountry: Debian's iso-codes data), plus ZZ for "no country known"
UNKNOWN_COUNTRY = "ZZ"
COUNTRY_CODES = sorted({country.alpha_2 for country in pycountry.countries} | {UNKNOWN_COUNTRY})

DEVICES = ["mobile", "desktop", "tablet", "unknown"]
EVENT_TYPES = [
    "page_view",
    "product_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
    "login",
    "logout",
    "unknown",
]
REJECT_REASONS = [
    "missing_event_id",
    "missing_user_id",
    "missing_timestamp",
    "bad_timestamp",
    "duplicate_event_id",
]

# the generator's files: a file of day D holds events of D, events of D - 1 that arrive a day late
# (python_engines/generator/profile.py LATE_ARRIVAL_RATE), and the last file also holds the rest
# of its sessions that cross midnight (on the last day everything arrives)
LATE_ARRIVAL_ALLOWANCE = timedelta(days=1)
MIDNIGHT_CROSSING_ALLOWANCE = timedelta(days=1)
