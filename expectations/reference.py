"""The value sets the suites accept, read from what produces them: the SQL stages
(``python_engines/sql``) and the shipped IP reference ranges."""

from __future__ import annotations

from datetime import timedelta

import pycountry

from python_engines.reference import load_ip_ranges
from python_engines.transpile import output_values

# ISO 3166-1 alpha-2 (pycountry: Debian's iso-codes data), plus ZZ for "no country known", plus the
# registry codes the shipped IP ranges carry outside ISO 3166-1 (EU, AP, UK, AN, CS: the pipeline
# writes what the reference data says, so an address in such a range is valid data)
UNKNOWN_COUNTRY = "ZZ"
ISO_COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
COUNTRY_CODES = sorted(
    ISO_COUNTRY_CODES | {UNKNOWN_COUNTRY} | set(load_ip_ranges()["country_code"].unique().to_list())
)

# read from the one SQL definition (python_engines/sql): the sets the stages can write
DEVICES = output_values("cleansed", "device")
EVENT_TYPES = output_values("cleansed", "event_type")
REJECT_REASONS = output_values("cleansed", "reject_reason") + output_values(
    "rejected_events", "reason"
)

# the generator's files: a file of day D holds events of D, events of D - 1 that arrive a day late
# (python_engines/generator/profile.py LATE_ARRIVAL_RATE), and the last file also holds the rest
# of its sessions that cross midnight (on the last day everything arrives)
LATE_ARRIVAL_ALLOWANCE = timedelta(days=1)
MIDNIGHT_CROSSING_ALLOWANCE = timedelta(days=1)
