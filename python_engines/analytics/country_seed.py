"""Write ``seeds/country_codes.csv``: ISO 3166-1 alpha-2 codes with English names from the
Unicode CLDR (as shipped in the ``babel`` package), plus the codes the IP registry data uses that
are not ISO country codes. Run ``uv run python -m python_engines.analytics.country_seed``."""

from __future__ import annotations

import csv
from pathlib import Path

import babel
from babel import Locale

SEED = Path(__file__).resolve().parents[2] / "seeds" / "country_codes.csv"
# CLDR territories with two-letter codes that are not countries
NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB"}
# exceptionally reserved in ISO 3166-1 (CLDR lists them as territories): not assigned codes
RESERVED = {"AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
# codes outside ISO 3166-1's assigned set that the pipeline can write
OTHER_CODES = {
    "ZZ": ("Unknown", "unknown"),  # no IPv4 address or no registry range (the pipeline's rule)
    "XK": ("Kosovo", "user_assigned"),  # user-assigned code used by registries and CLDR
    # in the IPFire/tor registry ranges (python_engines/reference): RIR region, legacy codes
    "AP": ("Asia/Pacific Region", "registry"),
    "EU": ("European Union", "registry"),  # RIPE ranges registered to the EU as a whole
    "AN": ("Netherlands Antilles", "withdrawn"),  # withdrawn from ISO 3166-1 in 2010
    "CS": ("Serbia and Montenegro", "withdrawn"),  # withdrawn from ISO 3166-1 in 2006
    "UK": ("United Kingdom", "registry"),  # exceptionally reserved; ISO code is GB
}


def country_rows() -> list[tuple[str, str, str]]:
    names = Locale("en").territories
    rows = {
        code: (code, name, "reserved" if code in RESERVED else "iso_3166_1")
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES | set(OTHER_CODES)
    }
    rows.update({code: (code, name, kind) for code, (name, kind) in OTHER_CODES.items()})
    return [rows[code] for code in sorted(rows)]


def write_seed(path: Path = SEED) -> int:
    rows = country_rows()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country_code", "country_name", "code_status"])
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    count = write_seed()
    print(f"wrote {count} codes to {SEED} (CLDR via babel {babel.__version__})")
