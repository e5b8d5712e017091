"""Fiscal periods: April-to-March years, quarters, and their labels."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PROGRAM_START = dt.date(2009, 1, 1)

# `2024-25 Q4`, `2024-25-Q4`, `FY2024-25 Q4`, `2024-2025 Q4`, `Q4 2024-25`.
_YEAR = r"(?:FY\s*)?(?P<y1>\d{4})\s*[-/]\s*(?P<y2>\d{2}|\d{4})"
_LABEL_YEAR_FIRST = re.compile(rf"^\s*{_YEAR}\s*[-\s]\s*Q(?P<q>[1-4])\s*$", re.I)
_LABEL_QUARTER_FIRST = re.compile(rf"^\s*Q(?P<q>[1-4])\s*[-\s]\s*{_YEAR}\s*$", re.I)


@dataclass(frozen=True, order=True)
class Period:
    """A fiscal quarter: fiscal year starting in April of ``start_year``, quarter 1-4."""

    start_year: int
    quarter: int

    @property
    def fiscal_year(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}-Q{self.quarter}"

    def __str__(self) -> str:
        return self.label

    @property
    def first_day(self) -> dt.date:
        month = 4 + 3 * (self.quarter - 1)
        year = self.start_year + (month > 12)
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def next(self) -> Period:
        if self.quarter == 4:
            return Period(self.start_year + 1, 1)
        return Period(self.start_year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter == 1:
            return Period(self.start_year - 1, 4)
        return Period(self.start_year, self.quarter - 1)

    def year_earlier(self) -> Period:
        return Period(self.start_year - 1, self.quarter)

    @property
    def fiscal_year_start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        """The fiscal quarter that holds ``day``."""
        start_year = day.year if day.month >= 4 else day.year - 1
        return cls(start_year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, text: object) -> Period | None:
        """Read a period label in any accepted form; None when it is not one."""
        if not isinstance(text, str):
            return None
        match = _LABEL_YEAR_FIRST.match(text) or _LABEL_QUARTER_FIRST.match(text)
        if not match:
            return None
        y1, y2 = int(match["y1"]), match["y2"]
        expected_end = (y1 + 1) % 100 if len(y2) == 2 else y1 + 1
        if int(y2) != expected_end:
            return None
        return cls(y1, int(match["q"]))


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every quarter from ``first`` through ``last``, inclusive."""
    out = []
    p = first
    while p <= last:
        out.append(p)
        p = p.next()
    return out
