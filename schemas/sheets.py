"""Pandera models of the four data sheets: what a valid row holds.

Validation is lazy: every failing cell of a sheet is found in one pass. Check
names are issue codes (``required`` comes from ``nullable=False``; see
``validate.PANDERA_CODES``). The checks accept a blank cell themselves
(whether it may be blank is ``nullable``'s rule), so they run with
``ignore_na=False``: Pandera need not copy each column without its blanks
first. The roll-up validates many workbooks' rows in one pass, so the rules
that hold within one workbook (an ID written twice, the date range of its
quarter, eligibility, IDs named across sheets) are in
``connector_rollup.validate``.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas import checks


class _SheetModel(pa.DataFrameModel):
    class Config:
        strict = False  # columns absent from the workbook are added blank before validation
        coerce = False


class Connectees(_SheetModel):
    connectee_id: Series[object] = pa.Field(nullable=False)
    first_name: Series[object] = pa.Field(nullable=False)
    last_name: Series[object] = pa.Field(nullable=False)
    email: Series[object] = pa.Field(nullable=True)
    phone: Series[object] = pa.Field(nullable=True)
    category: Series[object] = pa.Field(nullable=False)
    country_of_origin: Series[object] = pa.Field(nullable=True)
    official_language: Series[object] = pa.Field(nullable=False)
    home_occupation_noc: Series[object] = pa.Field(nullable=True)
    home_occupation_title: Series[object] = pa.Field(nullable=True)
    application_date: Series[object] = pa.Field(nullable=False)
    accepted: Series[object] = pa.Field(nullable=False)
    intake_meeting_date: Series[object] = pa.Field(nullable=True)
    withdrawn: Series[object] = pa.Field(nullable=True)

    @pa.check("email", name="bad_email", ignore_na=False)
    def _email(cls, s):
        return checks.is_email(s)

    @pa.check("category", name="bad_choice", ignore_na=False)
    def _category(cls, s):
        return checks.is_choice("category")(s)

    @pa.check("official_language", name="bad_choice", ignore_na=False)
    def _language(cls, s):
        return checks.is_choice("official_language")(s)

    @pa.check("home_occupation_noc", name="bad_noc", ignore_na=False)
    def _noc(cls, s):
        return checks.is_noc(s)

    @pa.check("application_date", "intake_meeting_date", name="bad_date", ignore_na=False)
    def _dates(cls, s):
        return checks.is_date(s)

    @pa.check("accepted", "withdrawn", name="bad_yes_no", ignore_na=False)
    def _yes_no(cls, s):
        return checks.is_yes_no(s)

    @pa.dataframe_check(name="required_when_accepted", ignore_na=False)
    def _intake_when_accepted(cls, df):
        return ~((df["accepted"] == True) & df["intake_meeting_date"].isna())  # noqa: E712


class Connectors(_SheetModel):
    connector_id: Series[object] = pa.Field(nullable=False)
    first_name: Series[object] = pa.Field(nullable=False)
    last_name: Series[object] = pa.Field(nullable=False)
    email: Series[object] = pa.Field(nullable=True)
    phone: Series[object] = pa.Field(nullable=True)
    organization: Series[object] = pa.Field(nullable=True)
    job_title: Series[object] = pa.Field(nullable=True)
    sector: Series[object] = pa.Field(nullable=True)
    recruited_via: Series[object] = pa.Field(nullable=True)
    orientation_meeting_date: Series[object] = pa.Field(nullable=True)
    toolkit_received: Series[object] = pa.Field(nullable=False)
    withdrawn: Series[object] = pa.Field(nullable=True)

    @pa.check("email", name="bad_email", ignore_na=False)
    def _email(cls, s):
        return checks.is_email(s)

    @pa.check("recruited_via", name="bad_choice", ignore_na=False)
    def _channel(cls, s):
        return checks.is_choice("recruitment_channel")(s)

    @pa.check("orientation_meeting_date", name="bad_date", ignore_na=False)
    def _dates(cls, s):
        return checks.is_date(s)

    @pa.check("toolkit_received", "withdrawn", name="bad_yes_no", ignore_na=False)
    def _yes_no(cls, s):
        return checks.is_yes_no(s)


class Introductions(_SheetModel):
    connectee_id: Series[object] = pa.Field(nullable=False)
    connector_id: Series[object] = pa.Field(nullable=False)
    introduction_date: Series[object] = pa.Field(nullable=False)
    introduced_by: Series[object] = pa.Field(nullable=True)
    outcome: Series[object] = pa.Field(nullable=True)

    @pa.check("introduction_date", name="bad_date", ignore_na=False)
    def _dates(cls, s):
        return checks.is_date(s)

    @pa.check("introduced_by", name="bad_choice", ignore_na=False)
    def _introduced_by(cls, s):
        return checks.is_choice("introduced_by")(s)

    @pa.check("outcome", name="bad_choice", ignore_na=False)
    def _outcome(cls, s):
        return checks.is_choice("outcome")(s)


class Jobs(_SheetModel):
    connectee_id: Series[object] = pa.Field(nullable=False)
    employer: Series[object] = pa.Field(nullable=False)
    job_title: Series[object] = pa.Field(nullable=False)
    job_noc: Series[object] = pa.Field(nullable=True)
    start_date: Series[object] = pa.Field(nullable=False)
    employment_type: Series[object] = pa.Field(nullable=True)
    in_field: Series[object] = pa.Field(nullable=False)
    matches_experience: Series[object] = pa.Field(nullable=False)
    withdrawn: Series[object] = pa.Field(nullable=True)

    @pa.check("job_noc", name="bad_noc", ignore_na=False)
    def _noc(cls, s):
        return checks.is_noc(s)

    @pa.check("start_date", name="bad_date", ignore_na=False)
    def _dates(cls, s):
        return checks.is_date(s)

    @pa.check("employment_type", name="bad_choice", ignore_na=False)
    def _type(cls, s):
        return checks.is_choice("employment_type")(s)

    @pa.check("in_field", "matches_experience", "withdrawn", name="bad_yes_no", ignore_na=False)
    def _yes_no(cls, s):
        return checks.is_yes_no(s)
