"""The same pipeline written for DuckDB alone — a benchmark baseline only.

What a DuckDB engineer would write with no need to transpile: one connection (insertion order
not preserved: no output's row order is part of the contract), the files read by
``read_csv``/``read_parquet`` directly, macros, ``try_cast`` to ``timestamptz`` behind the ISO
shape check, duplicates found by a hash aggregate and only those ids' rows ranked (``row_number``), an
``asof`` join of the distinct addresses on the plain (not bucketed) IP ranges, and ``lag``/``lead`` + a running ``max``
for the sessions, whose entry and exit come from ``any_value(...) filter (...)``. It is a second
implementation of the rules in python_engines/sql/, kept out of the product on purpose; the
benchmark (bench/harness/run.py) checks its tables equal the SQL path's before any timing is trusted.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from python_engines.core.schema import OUTPUTS, RAW_COLUMNS, conform
from python_engines.core.settings import EngineSettings
from python_engines.engines.duckdb_engine import connect, raw_events_sql
from python_engines.inputs.files import Inputs
from python_engines.reference import load_ip_ranges

ISO = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9]([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$"
)
QUAD = r"^([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})$"
DEVICES = "'mobile', 'desktop', 'tablet'"
EVENT_TYPES = (
    "'page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart', "
    "'checkout_start', 'purchase', 'login', 'logout'"
)
# the deterministic keeper among copies of one event_id (03_ranked_copies.sql)
COPY_ORDER = (
    "event_ts, source_file, raw_timestamp, raw_user_id, raw_page_url, raw_device, "
    "raw_event_type, raw_ip_address, raw_session_id, raw_country, raw_event_id"
)
RAW = ", ".join(f"raw_{c}" for c in RAW_COLUMNS)


def _cleanse(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    con.execute(
        "create temp macro clean(s) as nullif(trim(s, ' ' || chr(9) || chr(10) || chr(13)), '')"
    )
    raw = ", ".join(f"nullif(r.\"{c}\", '') as raw_{c}" for c in RAW_COLUMNS)
    con.execute(
        f"""
        create temp table cleansed as
        with trimmed as (
            select
                clean(r.event_id) as event_id,
                clean(r.user_id) as user_id,
                clean(r."timestamp") as ts_text,
                clean(r.page_url) as page_url,
                lower(clean(r.device)) as device,
                lower(clean(r.event_type)) as event_type,
                clean(r.ip_address) as ip_address,
                {raw},
                r.source_file
            from ({raw_events_sql(con, inputs)}) as r  -- the adapter's reader
        ),
        parsed as (
            select
                * replace (
                    if(device in ({DEVICES}), device, 'unknown') as device,
                    if(event_type in ({EVENT_TYPES}), event_type, 'unknown') as event_type
                ),
                -- the shape check keeps out what the cast would accept (a date alone, no
                -- seconds, 7 digits); the cast checks the calendar and honours the offset
                if(regexp_full_match(ts_text, '{ISO}'), try_cast(ts_text as timestamptz), null)
                    as event_ts
            from trimmed
        )
        select
            * exclude (ts_text),
            case
                when event_id is null then 'missing_event_id'
                when user_id is null then 'missing_user_id'
                when ts_text is null then 'missing_timestamp'
                when event_ts is null then 'bad_timestamp'
            end as reject_reason
        from parsed
        """,
        {"paths": inputs.paths},
    )


def _deduplicate(con: duckdb.DuckDBPyConnection) -> None:
    """Ids with copies come from a hash aggregate; only their rows are sorted and ranked."""
    con.execute(
        """
        create temp table copied_ids as
        select event_id from cleansed where reject_reason is null
        group by event_id having count(*) > 1
        """
    )
    con.execute(
        f"""
        create temp table ranked_copies as
        select *, row_number() over (partition by event_id order by {COPY_ORDER}) as event_copy
        from cleansed semi join copied_ids using (event_id)
        where reject_reason is null
        """
    )


def _rejected(con: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(f'raw_{c} as "{c}"' for c in RAW_COLUMNS[1:])
    con.execute(
        f"""
        create temp table rejected_events as
        select raw_event_id as event_id, reject_reason as reason, {columns}, source_file,
            null::varchar as raw_line  -- no malformed lines in a benchmark's generated Parquet
        from cleansed where reject_reason is not null
        union all
        select raw_event_id, 'duplicate_event_id', {columns}, source_file, null
        from ranked_copies where event_copy > 1
        """
    )


KEPT = "event_id, user_id, event_ts, page_url, device, event_type, ip_address"
# the rows kept: every valid row whose id has no copies, and the first of each id's copies
KEPT_ROWS = f"""kept as (
    select {KEPT} from cleansed anti join copied_ids using (event_id)
    where reject_reason is null
    union all
    select {KEPT} from ranked_copies where event_copy = 1
)"""
# each distinct address parsed once and found in the ranges by an asof join; 'ZZ' if in none
LOCATED_ROWS = f"""numbered as (
    select
        ip_address,
        regexp_extract(ip_address, '{QUAD}', ['o1', 'o2', 'o3', 'o4']) as o
    from (select distinct ip_address from kept where ip_address is not null)
),
addressed as (
    select
        * exclude (o),
        case
            when try_cast(o.o1 as bigint) <= 255 and try_cast(o.o2 as bigint) <= 255
                and try_cast(o.o3 as bigint) <= 255 and try_cast(o.o4 as bigint) <= 255
            then try_cast(o.o1 as bigint) * 16777216 + try_cast(o.o2 as bigint) * 65536
                + try_cast(o.o3 as bigint) * 256 + try_cast(o.o4 as bigint)
        end as ip_number
    from numbered
),
addresses as (
    select
        a.*,
        if(a.ip_number <= r.range_end, r.country_code, 'ZZ') as country_code
    from addressed as a
    asof left join ip_ranges as r on a.ip_number >= r.range_start
),
located as (
    select k.*, a.ip_number, coalesce(a.country_code, 'ZZ') as country_code
    from kept as k left join addresses as a using (ip_address)
)"""
# each event's session: the latest entry at or before it, named user id + entry time (µs)
SESSION_IDS = """select
    *,
    user_id || '-' || epoch_us(
        max(if(is_entry, event_ts, null)) over (
            partition by user_id order by event_ts, event_id
            rows between unbounded preceding and current row
        )
    ) as session_id,
    cast(event_ts as date) as event_date
from bounded"""


def _bounded_rows(gap_minutes: int) -> str:
    """The ``bounded`` CTE: whether each event opens or closes its user's session."""
    gap_us = gap_minutes * 60_000_000
    return f"""bounded as (
    select
        *,
        coalesce(epoch_us(event_ts) - epoch_us(lag(event_ts) over w) > {gap_us}, true)
            as is_entry,
        coalesce(epoch_us(lead(event_ts) over w) - epoch_us(event_ts) > {gap_us}, true)
            as is_exit
    from located
    window w as (partition by user_id order by event_ts, event_id)
)"""


def _events(con: duckdb.DuckDBPyConnection, gap_minutes: int) -> None:
    """The kept rows with their country and session, as the temp table ``events``."""
    con.register("ip_ranges_arrow", load_ip_ranges().to_arrow())
    con.execute("create temp table ip_ranges as select * from ip_ranges_arrow order by range_start")
    con.execute(
        f"""
        create temp table events as
        with {KEPT_ROWS},
        {LOCATED_ROWS},
        {_bounded_rows(gap_minutes)}
        {SESSION_IDS}
        """
    )


def _sessions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create temp table sessions as
        select
            session_id,
            user_id,
            min(event_ts) as session_start,
            max(event_ts) as session_end,
            (epoch_us(max(event_ts)) - epoch_us(min(event_ts))) // 1000000 as duration_seconds,
            count(*) as event_count,
            any_value(page_url) filter (where is_entry) as entry_page,
            any_value(page_url) filter (where is_exit) as exit_page,
            any_value(country_code) filter (where is_entry) as country_code,
            any_value(device) filter (where is_entry) as device,
            bool_or(event_type = 'purchase') as converted
        from events
        group by session_id, user_id
        """
    )


def run(inputs: Inputs, gap_minutes: int = 30) -> dict[str, pa.Table]:
    con = connect(EngineSettings())  # the adapter's set-up: UTC, threads, unordered output
    try:
        _cleanse(con, inputs)
        _deduplicate(con)
        _rejected(con)
        _events(con, gap_minutes)
        _sessions(con)
        return {
            name: conform(con.table(name).to_arrow_table(), schema)
            for name, schema in OUTPUTS.items()
        }
    finally:
        con.close()
