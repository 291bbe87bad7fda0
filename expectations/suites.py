"""The suites, as code: one per table plus the reconciliation of the run log with the tables.

Severity: ``critical`` expectations are contracts (a failure fails ``etlstack validate`` and stops
a gated run); ``warning`` ones are drift checks that show in the Data Docs and the summaries."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations.frames import Lake
from expectations.reference import COUNTRY_CODES, DEVICES, EVENT_TYPES, REJECT_REASONS
from python_engines.core.settings import ValidationSettings

WARNING = "warning"


def _not_null(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def events_suite(lake: Lake, settings: ValidationSettings) -> list[gxe.Expectation]:
    expectations = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *_not_null(
            "event_id",
            "user_id",
            "event_ts",
            "event_date",
            "session_id",
            "device",
            "event_type",
            "country_code",
        ),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=COUNTRY_CODES),
        gxe.ExpectColumnValuesToBeInSet(column="device", value_set=DEVICES),
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=EVENT_TYPES),
        gxe.ExpectColumnValuesToNotBeInSet(
            column="country_code",
            value_set=["ZZ"],
            mostly=1 - settings.max_unknown_country_share,
            severity=WARNING,
            notes=f"drift: at most {settings.max_unknown_country_share:.0%} of events without a "
            "country (invalid or unlisted IPv4)",
        ),
    ]
    bounds = lake.timestamp_bounds
    if bounds is not None:
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="event_ts",
                min_value=bounds[0],
                max_value=bounds[1],
                notes="inside the loaded files' days; a file may hold events a day late",
            )
        )
    return expectations


def sessions_suite(lake: Lake, settings: ValidationSettings) -> list[gxe.Expectation]:
    expectations = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *_not_null(
            "session_id",
            "user_id",
            "session_start",
            "session_end",
            "duration_seconds",
            "event_count",
            "country_code",
            "device",
            "converted",
        ),
        gxe.ExpectColumnValuesToBeUnique(column="session_id"),
        gxe.ExpectColumnValuesToBeBetween(column="duration_seconds", min_value=0),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="duration_seconds",
            column_B="end_minus_start_seconds",
            notes="end_minus_start_seconds: whole seconds of session_end - session_start",
        ),
        gxe.ExpectColumnValuesToBeBetween(column="event_count", min_value=1),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="event_count",
            column_B="events_in_events_table",
            notes="events_in_events_table: the session's rows in events",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="longest_internal_gap_minutes",
            max_value=lake.session_gap_minutes,
            notes="query-based: the longest gap between consecutive events of the session "
            f"(events ordered by event_ts); a gap of more than {lake.session_gap_minutes} "
            "minutes (the run log's session gap) starts a new session",
        ),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=COUNTRY_CODES),
        gxe.ExpectColumnValuesToBeInSet(column="device", value_set=DEVICES),
    ]
    bounds = lake.timestamp_bounds
    if bounds is not None:
        for column in ("session_start", "session_end"):
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=bounds[0], max_value=bounds[1]
                )
            )
    return expectations


def rejected_events_suite(lake: Lake, settings: ValidationSettings) -> list[gxe.Expectation]:
    return [
        *_not_null("reason", "source_file"),
        gxe.ExpectColumnValuesToBeInSet(column="reason", value_set=REJECT_REASONS),
    ]


def reconciliation_suite(lake: Lake, settings: ValidationSettings) -> list[gxe.Expectation]:
    total = lake.counts.get("events", 0) + lake.counts.get("rejected_events", 0)
    return [
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="rows_in",
            column_B="events_plus_rejected_added",
            notes="per run: rows in (run log) = rows events gained + rows rejected_events gained "
            "(between the snapshots the run log records)",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="rows_clean", column_B="events_added"),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="rows_rejected", column_B="rejected_added"),
        gxe.ExpectColumnSumToBeBetween(
            column="rows_in",
            min_value=total,
            max_value=total,
            notes=f"all runs: rows in = rows now in events + rejected_events ({total:,})",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="rejected_share",
            max_value=settings.max_rejected_share,
            severity=WARNING,
            notes=f"drift: a run rejects at most {settings.max_rejected_share:.0%} of its rows",
        ),
    ]


SUITES = {
    "events": events_suite,
    "sessions": sessions_suite,
    "rejected_events": rejected_events_suite,
    "reconciliation": reconciliation_suite,
}


def build_suite(name: str, table: str, lake: Lake, settings: ValidationSettings):
    suite = gx.ExpectationSuite(name=name)
    for expectation in SUITES[table](lake, settings):
        suite.add_expectation(expectation)
    return suite
