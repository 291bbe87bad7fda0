"""Configuration from the environment (prefix ``ETLSTACK_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class PathSettings(BaseSettings):
    """Where data lives. ``ETLSTACK_DATA_DIR``, ``ETLSTACK_WAREHOUSE``."""

    model_config = SettingsConfigDict(env_prefix="ETLSTACK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data/raw")
    warehouse: Path = Path("warehouse")
    debug: bool = False  # show tracebacks instead of one-line errors
