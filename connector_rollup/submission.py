"""The submission: one workbook as checked, and its issues; the data every stage passes on.

A low-level module of data types only (no reading, no validation), so that
the stages after validation (clean cache, history, feedback, summaries, the
flow, the portal) import what a submission is without importing how one is
checked. ``validate`` makes them; ``history`` supersedes them and resolves
their IDs, returning new values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from connector_rollup.contract import PERSONAL_COLUMNS
from connector_rollup.periods import Period

ERROR = "error"
WARNING = "warning"


@dataclass
class Issue:
    """One problem, located as the coordinator sees it in Excel."""

    file_name: str
    sheet: str
    row: int | None
    column: str
    cell: str
    severity: str
    code: str
    value: str
    message: str
    fix: str = ""
    column_key: str = ""
    sheet_key: str = ""
    community_code: str | None = None
    period: str | None = None
    # The merged range ("A2:A3") the cell lies in, not as its first cell: it reads blank.
    merged_range: str = ""

    @property
    def masked_value(self) -> str:
        """The value as analysts may see it: masked in name, email and phone columns."""
        if self.column_key in PERSONAL_COLUMNS and self.value:
            return "***"
        return self.value


@dataclass
class Submission:
    """One workbook as validated: what it says about itself, its valid rows and its problems."""

    file_name: str
    sha256: str
    status: str  # "accepted" or "rejected"
    language: str = "en"
    reason: str = ""
    community_code: str | None = None
    period: Period | None = None
    submitted_on: dt.date | None = None
    tracks_jobs: bool | None = None
    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]
