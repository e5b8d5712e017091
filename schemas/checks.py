"""Column checks shared by the sheet schemas. Each returns True where a cell is acceptable.

The frames checked hold the parsers' output (``connector_rollup.values``):
canonical values, ``None`` for blank cells, and ``INVALID`` where the text
could not be read as the column's type. A check's name is the stable issue
code coordinators see.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from connector_rollup.contract import ENUMERATIONS
from connector_rollup.values import EMAIL_PATTERN, NOC_PATTERN

_EMAIL = re.compile(EMAIL_PATTERN)
_NOC = re.compile(NOC_PATTERN)


def is_date(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v is None or isinstance(v, dt.date))


def is_yes_no(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v is None or isinstance(v, bool))


def is_email(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v is None or (isinstance(v, str) and _EMAIL.match(v) is not None))


def is_noc(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v is None or (isinstance(v, str) and _NOC.match(v) is not None))


def is_choice(enumeration: str):
    codes = frozenset(ENUMERATIONS[enumeration].codes)
    return lambda s: s.map(lambda v: v is None or (isinstance(v, str) and v in codes))
