"""The value sets the suites accept. The business rules that produce them live in
``python_engines/sql`` (tests check that these sets match the SQL)."""

from __future__ import annotations

from datetime import timedelta

import pycountry

from python_engines.reference import load_ip_ranges

# ISO 3166-1 alpha-2 (pycountry: Debian's iso-codes data), plus ZZ for "no country known", plus the
# registry codes the shipped IP ranges carry outside ISO 3166-1 (EU, AP, UK, AN, CS: the pipeline
# writes what the reference data says, so an address in such a range is valid data)
UNKNOWN_COUNTRY = "ZZ"
ISO_COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
COUNTRY_CODES = sorted(
    ISO_COUNTRY_CODES | {UNKNOWN_COUNTRY} | set(load_ip_ranges()["country_code"].unique().to_list())
)

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
