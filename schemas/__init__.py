"""Pandera contracts for the submission sheets, one ``DataFrameSchema`` per sheet, built from
``connector_rollup.contract`` (see ``schemas.sheets``)."""

from schemas.sheets import SCHEMAS, sheet_schema

__all__ = ["SCHEMAS", "sheet_schema"]
