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
