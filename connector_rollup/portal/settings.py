"""Where the portal keeps its data and which rules it runs by (portal.md "Commands")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connector_rollup.registry import Community

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # portal.md "Limits and safety"
DUE_DAYS = 45  # a quarter's workbook is due this many days after the quarter ends


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # the database, stored uploads, annotated copies, the clean cache
    raw_dir: Path  # shared with `connector-rollup run`: submitted workbooks only
    registry: dict[str, Community] = field(repr=False)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    check_workers: int = 2  # uploads checked at once; the others wait their turn
    # What a roll-up started from the portal writes, as `connector-rollup run` options.
    warehouse: Path = Path("data/warehouse.duckdb")
    reports_dir: Path = Path("reports")
    communities_path: Path | None = None  # None: the shipped registry
    due_days: int = DUE_DAYS

    @property
    def decisions_file(self) -> Path:
        """The Connector decisions `connector-rollup run` reads (beside the warehouse)."""
        return self.warehouse.parent / "connector-decisions.csv"

    @property
    def review_file(self) -> Path:
        """The review list the latest roll-up wrote (beside the warehouse; names: secretariat only)."""
        return self.warehouse.parent / "connector-review.csv"

    @property
    def rollup_logs_dir(self) -> Path:
        return self.data_dir / "rollups"

    @property
    def sent_back_dir(self) -> Path:
        """Sent-back workbooks, moved out of --raw so the roll-up no longer counts them."""
        return self.data_dir / "sent-back"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def annotated_dir(self) -> Path:
        return self.data_dir / "annotated"

    @property
    def clean_dir(self) -> Path:
        return self.data_dir / "clean"

    @property
    def incoming_dir(self) -> Path:
        return self.data_dir / "incoming"
