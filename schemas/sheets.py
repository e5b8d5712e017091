"""Pandera schemas of the four data sheets: what a valid row holds, derived from the contract.

``connector_rollup.contract`` is the one place that says which columns a
sheet has, which are required and what type each holds; this module turns
that table into one ``DataFrameSchema`` per sheet, so a column added to or
changed in the contract is validated without an edit here.

- a required column is ``nullable=False`` (Pandera's ``not_nullable``, issue
  code ``required``, see ``validate.PANDERA_CODES``);
- a column's type gives its check (``TYPE_CHECKS``); a check's name is the
  issue code coordinators see. Text, names and IDs have no check: any parsed
  text is acceptable;
- a column required only when another holds Yes (``intake_meeting_date``)
  gives a dataframe check ``required_when_<other>``.

Every column holds the parsers' output (``connector_rollup.values``), Python
objects, so the dtype is ``object`` and nothing is coerced. The checks accept
a blank cell themselves (whether it may be blank is ``nullable``'s rule), so
they run with ``ignore_na=False``: Pandera need not copy each column without
its blanks first.

Every failing cell of a sheet is found in one pass, as Pandera's lazy
validation would: ``connector_rollup.intake.validate`` reads these schemas (each
column's nullability and checks, the dataframe checks) and runs them itself,
without ``schema.validate`` (Pandera's fixed cost per call, and the
hypothesis import of its first call; see ``validate._schema_failures``). The
roll-up validates many workbooks' rows in one pass, so the rules that hold
within one workbook (an ID written twice, the date range of its quarter,
eligibility, IDs named across sheets) are in ``connector_rollup.intake.validate``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from connector_rollup.contract import (
    DATA_SHEETS,
    DATE,
    EMAIL,
    ENUM,
    ID,
    NAME,
    NOC,
    TEXT,
    YES_NO,
    Column,
    Sheet,
)
from schemas import checks

# Contract type -> (issue code, check factory taking the column); None: any parsed value is valid.
TYPE_CHECKS: dict[str, tuple[str, Callable[[Column], Callable[[pd.Series], pd.Series]]] | None] = {
    TEXT: None,
    NAME: None,
    ID: None,
    EMAIL: ("bad_email", lambda column: checks.is_email),
    NOC: ("bad_noc", lambda column: checks.is_noc),
    DATE: ("bad_date", lambda column: checks.is_date),
    YES_NO: ("bad_yes_no", lambda column: checks.is_yes_no),
    ENUM: ("bad_choice", lambda column: checks.is_choice(column.enumeration)),
}

# The pandas dtype every column is held in: parsed Python objects (str, date, bool, None, INVALID).
PARSED_DTYPE = object


def column_schema(column: Column) -> pa.Column:
    """The Pandera column for one contract column: its nullability and its type's check.

    The contract's type is kept in ``metadata["type"]`` so that a reader of the
    schema (or a test) can tell a text column from an ID without the contract.
    """
    rule = TYPE_CHECKS[column.type]  # a KeyError here: a contract type with no rule yet
    column_checks = (
        [] if rule is None else [pa.Check(rule[1](column), name=rule[0], ignore_na=False)]
    )
    return pa.Column(
        PARSED_DTYPE,
        checks=column_checks,
        nullable=not column.required,
        coerce=False,
        name=column.key,
        title=column.english,
        metadata={"type": column.type},
    )


def _required_when_yes(column: Column) -> pa.Check:
    """Blank ``column`` is an error on rows whose ``column.required_when_yes`` holds Yes."""
    flag, key = column.required_when_yes, column.key
    # `== True`, not truthiness: the flag column holds True, False, None or INVALID.
    return pa.Check(
        lambda df: ~((df[flag] == True) & df[key].isna()),  # noqa: E712
        name=f"required_when_{flag}",
        ignore_na=False,
    )


def sheet_schema(sheet: Sheet) -> pa.DataFrameSchema:
    """The Pandera schema of one data sheet, every column of the contract in its order."""
    return pa.DataFrameSchema(
        {column.key: column_schema(column) for column in sheet.columns},
        checks=[_required_when_yes(c) for c in sheet.columns if c.required_when_yes],
        # Columns absent from the workbook are added blank before validation; none are extra.
        strict=False,
        coerce=False,
        name=sheet.english,
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {sheet.key: sheet_schema(sheet) for sheet in DATA_SHEETS}
