"""Validate one engine's lakehouse: one GX checkpoint per suite over the current snapshots,
Data Docs written to ``<warehouse>/data_docs/<engine>/`` and made readable offline."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyiceberg.catalog import Catalog

from expectations.frames import Lake, PendingRun, frames, open_lake
from python_engines.core.settings import ValidationSettings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before GX is imported: no network
EXAMPLES = 3  # failing values shown per expectation


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str  # e.g. expect_column_values_to_be_unique(event_id)
    severity: str  # critical or warning
    success: bool
    examples: list[str]


@dataclass
class ValidationReport:
    engine: str
    outcomes: list[ExpectationOutcome]
    docs_index: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "warning"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]


def docs_folder(warehouse: Path, engine: str) -> Path:
    return warehouse.resolve() / "data_docs" / engine


def validate_lake(
    catalog: Catalog,
    engine: str,
    warehouse: Path,
    settings: ValidationSettings | None = None,
    pending: PendingRun | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ValidationReport:
    """Run every suite over the engine's tables (``pending``: a run written but not committed)."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    from expectations.offline_docs import make_offline

    started = time.perf_counter()
    settings = settings or ValidationSettings()
    lake = open_lake(catalog, engine, pending)
    site = docs_folder(warehouse, engine)
    shutil.rmtree(site, ignore_errors=True)  # the site shows this validation only
    context = gx.get_context(mode="ephemeral")
    _use_docs_site(context, site)
    source = context.data_sources.add_pandas(name=engine)
    run_id = RunIdentifier(run_name=pending_name(pending), run_time=datetime.now(UTC))
    outcomes: list[ExpectationOutcome] = []
    for table, frame in frames(lake):
        if on_step:
            on_step(f"validating {engine}.{table} ({len(frame):,} rows)")
        checkpoint = _checkpoint(context, source, f"{engine}.{table}", table, lake, settings)
        result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
        del frame
        for suite_result in result.run_results.values():
            outcomes.extend(_outcomes(table, suite_result))
    make_offline(site)
    return ValidationReport(
        engine, outcomes, site / "index.html", dict(lake.counts), time.perf_counter() - started
    )


def _use_docs_site(context, site: Path) -> None:
    """Make ``site`` the context's only Data Docs site, with GX's progress bars off."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # Rich shows progress
    for name, config in list(
        context.list_data_docs_sites().items()
    ):  # GX's default: an empty temp dir
        context.delete_data_docs_site(name)
        shutil.rmtree(config["store_backend"]["base_directory"], ignore_errors=True)
    context.add_data_docs_site(
        site_name="lakehouse",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


def _checkpoint(context, source, name: str, table: str, lake: Lake, settings: ValidationSettings):
    """Register ``table``'s asset, suite and validation; return its checkpoint."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    from expectations.suites import build_suite

    batch = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(table)
    suite = context.suites.add(build_suite(name, table, lake, settings))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"{name} checkpoint",
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data docs", site_names=["lakehouse"])],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES},
        )
    )


def pending_name(pending: PendingRun | None) -> str:
    return f"gate-of-run-{pending.run_id[:8]}" if pending else "etlstack-validate"


def _outcomes(table: str, suite_result) -> list[ExpectationOutcome]:
    outcomes = []
    for result in suite_result.results:
        config = result.expectation_config
        kwargs = config.kwargs
        columns = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
        label = f"{config.type}({', '.join(columns)})"
        outcomes.append(
            ExpectationOutcome(
                suite=table,
                expectation=label,
                severity=str(getattr(config.severity, "value", config.severity)),
                success=bool(result.success),
                examples=[] if result.success else _examples(result),
            )
        )
    return outcomes


def _examples(result) -> list[str]:
    if result.exception_info and result.exception_info.get("raised_exception"):
        return [str(result.exception_info.get("exception_message"))[:120]]
    details = result.result or {}
    values = details.get("partial_unexpected_list") or []
    if values:
        return [_short(v) for v in values[:EXAMPLES]]
    if "observed_value" in details:
        return [f"observed {_short(details['observed_value'])}"]
    if "unexpected_count" in details:
        return [f"{details['unexpected_count']:,} unexpected"]
    return []


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
