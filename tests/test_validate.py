"""Validation of one workbook: one tiny workbook per tolerance and per error, built in code.

Each case names the problems it expects, exactly, as (sheet, cell, severity,
code), and how many valid rows each sheet keeps: the rest of the workbook is
used. Row numbers are Excel's (header on row 1 unless the case adds title
rows). Columns of the builders' rows:

* Connectees: A id, B first name, C last name, D email, E phone, F category,
  G country, H official language, I NOC, J title, K application date,
  L accepted, M intake meeting date, N withdrawn.
* Connectors: A id, ..., D email, I recruited via, J orientation date, K toolkit, L withdrawn.
* Introductions: A connectee id, B connector id, C date, D introduced by, E outcome.
* Jobs: A connectee id, B employer, C job title, D NOC, E start date, F type, G in field,
  H matches experience, I withdrawn.
* Submission: B2 community, B3 quarter, B4 submitted on, B5 coordinator, B6 email, B7 tracks jobs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import pytest
from builders import (
    connectee,
    connector,
    introduction,
    job,
    submission_rows,
    with_cached_formula,
    write_workbook,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector_rollup.intake.history import resolve_references
from connector_rollup.intake.validate import ERROR, WARNING, validate_workbook
from connector_rollup.periods import Period

D = dt.date


def serial(day: dt.date) -> int:
    """The Excel serial number of a day after 1900-02-28."""
    return (day - D(1899, 12, 30)).days


E, W = ERROR, WARNING


def base(**changes) -> dict:
    """A clean workbook: Connectees E1 and E2, Connector C1, two introductions and one job of E1."""
    book = dict(
        connectees=[connectee("E1"), connectee("E2", **{"Category": "International graduate"})],
        connectors=[connector("C1")],
        introductions=[
            introduction("E1", "C1"),
            introduction("E1", "C1", **{"Introduction date": D(2024, 2, 15)}),
        ],
        jobs=[job("E1")],
    )
    book.update(changes)
    return book


def e2(**overrides):
    """Base Connectees with E2 (row 3) changed."""
    return [connectee("E1"), connectee("E2", **overrides)]


CLEAN = {"connectees": 2, "connectors": 1, "introductions": 2, "jobs": 1}


def minus(sheet: str, n: int = 1, **more: int) -> dict:
    """CLEAN with ``n`` fewer valid rows in ``sheet``."""
    return {**CLEAN, sheet: CLEAN[sheet] - n, **more}


def french_rows() -> dict:
    """Base rows with French labels and Yes/No words."""
    fr = dict(
        Category="Nouvelle arrivante",
        **{"Official language": "Français", "Accepted": "Oui", "Withdrawn": "Non"},
    )
    return dict(
        connectees=[
            connectee("E1", **fr),
            connectee("E2", **{**fr, "Category": "Diplômée internationale"}),
        ],
        connectors=[
            connector(
                "C1",
                **{
                    "Recruited via": "Recommandation",
                    "Toolkit received": "Oui",
                    "Withdrawn": "Non",
                },
            )
        ],
        introductions=[
            introduction("E1", "C1", **{"Introduced by": "Coordonnatrice", "Outcome": "Entrevue"}),
            introduction(
                "E1",
                "C1",
                **{
                    "Introduction date": D(2024, 2, 15),
                    "Introduced by": "Connectrice",
                    "Outcome": "Offre d'emploi",
                },
            ),
        ],
        jobs=[
            job(
                "E1",
                **{
                    "Employment type": "Temps plein",
                    "In field": "Oui",
                    "Matches experience": "Non",
                    "Withdrawn": "Non",
                },
            )
        ],
    )


@dataclass
class Case:
    id: str
    book: dict
    issues: set[tuple[str, str, str, str]] = field(default_factory=set)
    valid: dict[str, int] = field(default_factory=lambda: dict(CLEAN))
    registry_code: str = "NS-HFX"
    then: Callable[[str], None] | None = None  # post-process the written file (path)
    check: Callable[[object], None] | None = None  # more assertions on the Submission


def _reordered(row: dict) -> dict:
    return dict(reversed(list(row.items())))


def _set_formula(path):
    with_cached_formula(path, "Connectees", "A3", 'CONCATENATE("E","2")', "E2")


def _check_french(s):
    assert s.language == "fr"
    (issue,) = s.issues
    assert issue.sheet == "Connectés" and issue.column == "Courriel"
    assert issue.message == "« ana@ » n'est pas une adresse courriel valide."
    assert issue.fix.startswith("Écrivez une seule adresse")
    assert s.rows["connectees"]["category"].tolist() == ["newcomer"]
    assert s.rows["introductions"]["introduced_by"].tolist() == ["coordinator", "connector"]
    assert s.rows["introductions"]["outcome"].tolist() == ["interview", "job_offer"]
    assert s.rows["jobs"][
        ["employment_type", "in_field", "matches_experience"]
    ].values.tolist() == [["full_time", True, False]]
    assert s.rows["connectors"]["recruited_via"].tolist() == ["referral"]


def _check_numeric_ids(s):
    assert s.rows["connectees"]["connectee_id"].tolist() == ["1001", "1002", "02040"]
    assert s.rows["connectors"]["connector_id"].tolist() == ["501"]
    assert s.rows["introductions"][["connectee_id", "connector_id"]].values.tolist() == [
        ["1001", "501"],
        ["02040", "501"],
    ]


def _check_dates(s):
    assert s.rows["connectees"]["application_date"].tolist() == [
        pd.Timestamp("2024-01-10"),
        pd.Timestamp("2024-01-11"),
        pd.Timestamp("2024-01-12"),
        pd.Timestamp("2024-01-13"),
    ]
    assert s.rows["connectees"]["intake_meeting_date"].tolist() == [pd.Timestamp("2024-01-20")] * 4
    assert s.rows["introductions"]["introduction_date"].tolist() == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-15"),
    ]


def _check_excel_booleans(s):
    assert s.rows["connectees"]["accepted"].tolist() == [True, False]
    assert s.rows["connectees"]["withdrawn"].tolist() == [False, True]
    assert s.rows["connectors"]["toolkit_received"].tolist() == [False]


def _check_noc(s):
    assert s.rows["connectees"]["home_occupation_noc"].tolist() == ["00010", "21300"]
    assert s.rows["jobs"]["job_noc"].tolist() == ["00012"]


def _check_blank_optionals(s):
    row = s.rows["connectees"].iloc[1]
    assert (
        pd.isna(row["email"])
        and pd.isna(row["home_occupation_noc"])
        and pd.isna(row["intake_meeting_date"])
    )
    assert not row["withdrawn"]  # blank reads as No
    assert s.rows["introductions"]["introduced_by"].tolist() == ["coordinator", "coordinator"]


def _check_unknown_columns(s):
    by_sheet = {i.sheet: i for i in s.issues}
    assert by_sheet["Connectees"].value == "Notes, Internal ref"
    assert by_sheet["Connectees"].row == 1 and by_sheet["Connectees"].column == "Notes"
    assert "ignored" in by_sheet["Connectees"].message


def _check_title_rows(s):
    assert s.rows["connectees"]["excel_row"].tolist() == [12]
    (issue,) = s.issues
    assert issue.row == 13 and issue.value == "ana@"


def _check_blank_rows(s):
    assert s.rows["connectees"]["excel_row"].tolist() == [3]
    assert s.issues[0].row == 6


def _check_duplicates(s):
    messages = {i.cell: i.message for i in s.issues if i.code == "duplicate_id"}
    assert (
        messages["A2"]
        == messages["A4"]
        == ("The ID E1 appears more than once in this sheet (rows 2, 4); every copy is rejected.")
    )


def _check_out_of_range(s):
    (issue,) = [i for i in s.issues if i.cell == "K3"]
    assert issue.value == "2008-12-31"
    assert "(2009-01-01 to 2025-03-31)" in issue.message
    assert s.submitted_on == D(2025, 4, 15)  # after the quarter, and no error for it


def _check_eligibility(s):
    (issue,) = s.issues
    assert issue.value == "Local graduate"
    assert "Newcomer, International graduate" in issue.fix


def _check_bad_choice(s):
    (issue,) = [i for i in s.issues if i.cell == "F3"]
    assert issue.message == "'Refugee' is not one of the choices for Category."
    assert issue.fix == (
        "Choose one of: Newcomer, International student, International graduate, "
        "Local graduate, Local, Other."
    )


def _check_required(s):
    (issue,) = s.issues
    assert issue.column == "First name" and issue.row == 3
    assert issue.message == "First name is required but the cell is empty."


def _check_bad_date(s):
    (issue,) = s.issues
    assert issue.value == "03/05/2024"
    assert "YYYY-MM-DD" in issue.fix


def _check_tracks_jobs(s):
    (issue,) = s.issues
    assert issue.sheet == "Submission" and issue.row == 7 and issue.column == "Tracks jobs"
    assert "empty" in issue.message
    assert s.tracks_jobs is True  # a Jobs sheet with rows


CASES = [
    # --- what the reader tolerates ---
    Case("clean", base()),
    Case(
        "french",
        {
            **french_rows(),
            "lang": "fr",
            "connectees": [
                french_rows()["connectees"][0],
                {**french_rows()["connectees"][1], "Email": "ana@"},
            ],
        },
        {("Connectés", "D3", E, "bad_email")},
        minus("connectees"),
        check=_check_french,
    ),
    Case(
        "ten title rows",
        base(
            title_rows=["National Connector Program", None, *["note"] * 8],
            connectees=e2(Email="ana@"),
        ),
        {("Connectees", "D13", E, "bad_email")},
        minus("connectees"),
        check=_check_title_rows,
    ),
    Case(
        "columns in any order",
        base(
            connectees=[_reordered(connectee("E1")), _reordered(connectee("E2", Email="ana@"))],
            introductions=[
                _reordered(introduction("E1", "C1", Outcome="Hired")),
                introduction("E1", "C1"),
            ],
        ),
        {("Connectees", "K3", E, "bad_email"), ("Introductions", "A2", E, "bad_choice")},
        minus("connectees", introductions=1),
    ),
    Case(
        "unknown columns, one warning per sheet",
        base(
            connectees=[{**connectee("E1"), "Notes": "x", "Internal ref": 7}, connectee("E2")],
            connectors=[{"Favourite colour": "blue", **connector("C1")}],
        ),
        {("Connectees", "O1", W, "unknown_column"), ("Connectors", "A1", W, "unknown_column")},
        check=_check_unknown_columns,
    ),
    Case(
        "a column written twice",
        base(
            connectors=[{**connector("C1"), "Connector ID ": "X"}],
            headers={"connectors": [*connector("C1"), "CONNECTOR-ID"]},
        ),
        {("Connectors", "M1", W, "duplicate_column")},
    ),
    Case(
        "blank rows anywhere",
        base(
            connectees=[None, connectee("E1"), None, None, connectee("E2", Email="@")],
            jobs=[None, None, job("E1"), None],
        ),
        {("Connectees", "D6", E, "bad_email")},
        minus("connectees"),
        check=_check_blank_rows,
    ),
    Case(
        "IDs typed as numbers",
        base(
            connectees=[connectee(1001), connectee(1002.0), connectee("02040")],
            connectors=[connector(501)],
            introductions=[introduction(1001, 501.0), introduction("02040", "501")],
            jobs=[job(1002)],
        ),
        valid={**CLEAN, "connectees": 3},
        check=_check_numeric_ids,
    ),
    Case(
        "every date form",
        base(
            connectees=[
                connectee("E1", **{"Application date": dt.datetime(2024, 1, 10, 15, 45)}),
                connectee(
                    "E2", **{"Application date": "2024-01-11", "Intake meeting date": "2024-01-20"}
                ),
                connectee("E3", **{"Application date": serial(D(2024, 1, 12))}),
                connectee(
                    "E4",
                    **{
                        "Application date": D(2024, 1, 13),
                        "Intake meeting date": serial(D(2024, 1, 20)) + 0.5,
                    },
                ),
            ],
            introductions=[
                introduction("E1", "C1", **{"Introduction date": serial(D(2024, 2, 1))}),
                introduction("E1", "C1", **{"Introduction date": "2024-02-15"}),
            ],
        ),
        valid={**CLEAN, "connectees": 4},
        check=_check_dates,
    ),
    Case(
        "Excel TRUE/FALSE cells",
        base(
            connectees=[
                connectee("E1", Accepted=True, Withdrawn=False),
                connectee("E2", Accepted=False, Withdrawn=True, **{"Intake meeting date": None}),
            ],
            connectors=[connector("C1", **{"Toolkit received": False})],
            jobs=[job("E1", **{"In field": True, "Matches experience": 0})],
        ),
        check=_check_excel_booleans,
    ),
    Case(
        "NOC with lost zeros",
        base(
            connectees=[
                connectee("E1", **{"Home occupation NOC": 10}),
                connectee("E2", **{"Home occupation NOC": 21300.0}),
            ],
            jobs=[job("E1", **{"Job NOC": 12.0})],
        ),
        check=_check_noc,
    ),
    # Text keeps what was typed: four digits typed as text are likely a NOC 2016 code, not padded.
    Case(
        "NOC 2016 code typed as text",
        base(
            connectees=[connectee("E1"), connectee("E2", **{"Home occupation NOC": "2131"})],
            jobs=[job("E1", **{"Job NOC": "00012"})],
        ),
        {("Connectees", "I3", E, "bad_noc")},
        {"connectees": 1, "connectors": 1, "introductions": 2, "jobs": 1},
    ),
    Case(
        "labels in either language",
        base(
            connectees=[
                connectee("E1", Category="nouvel arrivant"),
                connectee("E2", **{"Official language": "LES DEUX"}),
            ],
            jobs=[job("E1", **{"Employment type": "Saisonnière"})],
        ),
    ),
    Case(
        "Jobs sheet absent",
        base(jobs=None, submission=submission_rows(tracks_jobs="No")),
        valid={k: v for k, v in CLEAN.items() if k != "jobs"},
    ),
    Case(
        "blank optional cells",
        base(
            connectees=[
                connectee("E1"),
                connectee(
                    "E2",
                    Email=None,
                    Phone="  ",
                    **{
                        "Home occupation NOC": None,
                        "Accepted": "No",
                        "Intake meeting date": None,
                        "Withdrawn": None,
                    },
                ),
            ],
            introductions=[
                introduction("E1", "C1", **{"Introduced by": None}),
                introduction(
                    "E1", "C1", **{"Introduced by": "", "Introduction date": D(2024, 3, 1)}
                ),
            ],
        ),
        check=_check_blank_optionals,
    ),
    Case("formula: its cached value is read", base(connectees=e2()), then=_set_formula),
    Case(
        "an instructions sheet is ignored",
        base(extra_sheets={"Instructions": [["Fill in every sheet."]]}),
    ),
    # --- row errors: only the row is rejected ---
    Case(
        "required blank",
        base(connectees=e2(**{"First name": "   "})),
        {("Connectees", "B3", E, "required")},
        minus("connectees"),
        check=_check_required,
    ),
    Case(
        "required blank in Jobs",
        base(jobs=[job("E1", Employer=None)]),
        {("Jobs", "B2", E, "required")},
        minus("jobs"),
    ),
    Case(
        "bad date",
        base(connectees=e2(**{"Application date": "03/05/2024"})),
        {("Connectees", "K3", E, "bad_date")},
        minus("connectees"),
        check=_check_bad_date,
    ),
    Case(
        "bad date in Introductions",
        base(
            introductions=[
                introduction(**{"Introduction date": "yesterday"}),
                introduction(**{"Introduction date": D(2024, 3, 3)}),
            ]
        ),
        {("Introductions", "C2", E, "bad_date")},
        minus("introductions"),
    ),
    Case(
        "date before 2009",
        base(connectees=e2(**{"Application date": D(2008, 12, 31)})),
        {("Connectees", "K3", E, "date_out_of_range")},
        minus("connectees"),
        check=_check_out_of_range,
    ),
    Case(
        "date after the quarter's end",
        base(
            introductions=[introduction(), introduction(**{"Introduction date": D(2025, 4, 1)})],
            connectors=[
                connector("C1"),
                connector("C2", **{"Orientation meeting date": "2025-04-01"}),
            ],
        ),
        {
            ("Introductions", "C3", E, "date_out_of_range"),
            ("Connectors", "J3", E, "date_out_of_range"),
        },
        minus("introductions"),
    ),
    Case("the quarter's last day is in range", base(jobs=[job(**{"Start date": D(2025, 3, 31)})])),
    Case(
        "bad Yes/No",
        base(connectees=e2(Accepted="Maybe"), jobs=[job(**{"In field": 2})]),
        {("Connectees", "L3", E, "bad_yes_no"), ("Jobs", "G2", E, "bad_yes_no")},
        minus("connectees", jobs=0),
    ),
    Case(
        "bad choice in every enumeration",
        base(
            connectees=[
                connectee("E1", **{"Official language": "Spanish"}),
                connectee("E2", Category="Refugee"),
            ],
            connectors=[connector("C1", **{"Recruited via": "Poster"})],
            introductions=[
                introduction(**{"Introduced by": "Mayor"}),
                introduction(Outcome="Hired"),
            ],
            jobs=[job(**{"Employment type": "Gig"})],
        ),
        # rejected introductions and jobs are not also warned about the IDs they name
        {
            ("Connectees", "H2", E, "bad_choice"),
            ("Connectees", "F3", E, "bad_choice"),
            ("Connectors", "I2", E, "bad_choice"),
            ("Introductions", "D2", E, "bad_choice"),
            ("Introductions", "E3", E, "bad_choice"),
            ("Jobs", "F2", E, "bad_choice"),
        },
        {"connectees": 0, "connectors": 0, "introductions": 0, "jobs": 0},
        check=_check_bad_choice,
    ),
    Case(
        "bad email",
        base(connectees=e2(Email="ana@"), connectors=[connector(Email="bob at acme.ca")]),
        {
            ("Connectees", "D3", E, "bad_email"),
            ("Connectors", "D2", E, "bad_email"),
            ("Introductions", "B2", W, "id_in_rejected_row"),
            ("Introductions", "B3", W, "id_in_rejected_row"),
        },
        minus("connectees", connectors=0),
    ),
    Case(
        "bad NOC",
        base(
            connectees=[
                connectee("E1", **{"Home occupation NOC": "2130a"}),
                connectee("E2", **{"Home occupation NOC": "26000"}),
            ],  # TEER 6
            jobs=[job(**{"Job NOC": 123456})],
        ),
        {
            ("Connectees", "I2", E, "bad_noc"),
            ("Connectees", "I3", E, "bad_noc"),
            ("Jobs", "D2", E, "bad_noc"),
            ("Introductions", "A2", W, "id_in_rejected_row"),
            ("Introductions", "A3", W, "id_in_rejected_row"),
        },
        {"connectees": 0, "connectors": 1, "introductions": 2, "jobs": 0},
    ),
    Case(
        "TEER digits 6 to 9",
        base(
            connectees=[
                connectee("E1", **{"Home occupation NOC": 16000}),
                connectee("E2", **{"Home occupation NOC": "99999"}),
            ],
            jobs=[job(**{"Job NOC": "75110"}), job(**{"Job NOC": "86100", "Employer": "B"})],
        ),
        {
            ("Connectees", "I2", E, "bad_noc"),
            ("Connectees", "I3", E, "bad_noc"),
            ("Jobs", "D3", E, "bad_noc"),
            ("Introductions", "A2", W, "id_in_rejected_row"),
            ("Introductions", "A3", W, "id_in_rejected_row"),
            ("Jobs", "A2", W, "id_in_rejected_row"),
        },
        {"connectees": 0, "connectors": 1, "introductions": 2, "jobs": 1},
    ),
    Case(
        "duplicate ID: every copy rejected",
        base(connectees=[connectee("E1"), connectee("E2"), connectee("E1")]),
        {
            ("Connectees", "A2", E, "duplicate_id"),
            ("Connectees", "A4", E, "duplicate_id"),
            ("Introductions", "A2", W, "id_in_rejected_row"),
            ("Introductions", "A3", W, "id_in_rejected_row"),
            ("Jobs", "A2", W, "id_in_rejected_row"),
        },
        {**CLEAN, "connectees": 1},
        check=_check_duplicates,
    ),
    Case(
        "duplicate ID typed once as a number",
        base(connectors=[connector(7), connector("7")], introductions=[introduction("E1", 7)]),
        {
            ("Connectors", "A2", E, "duplicate_id"),
            ("Connectors", "A3", E, "duplicate_id"),
            ("Introductions", "B2", W, "id_in_rejected_row"),
        },
        {**CLEAN, "connectors": 0, "introductions": 1},
    ),
    Case(
        "introduction naming an unknown ID: a warning alone",
        base(introductions=[introduction(), introduction("E9", "C9")]),
        {
            ("Introductions", "A3", W, "id_not_in_workbook"),
            ("Introductions", "B3", W, "id_not_in_workbook"),
        },
    ),
    Case(
        "job naming an unknown Connectee",
        base(jobs=[job("E1"), job("E404")]),
        {("Jobs", "A3", W, "id_not_in_workbook")},
        {**CLEAN, "jobs": 2},
    ),
    Case(
        "category not eligible",
        base(connectees=e2(Category="Local graduate")),
        {("Connectees", "F3", E, "category_not_eligible")},
        minus("connectees"),
        registry_code="QC-MTL",
        check=_check_eligibility,
    ),
    Case(
        "intake date required when accepted",
        base(connectees=e2(**{"Intake meeting date": None})),
        {("Connectees", "M3", E, "required_when_accepted")},
        minus("connectees"),
    ),
    Case(
        "several errors in one row reject it once",
        base(connectees=e2(Email="x", Accepted="?", **{"Application date": "soon"})),
        {
            ("Connectees", "D3", E, "bad_email"),
            ("Connectees", "K3", E, "bad_date"),
            ("Connectees", "L3", E, "bad_yes_no"),
        },
        minus("connectees"),
    ),
    Case(
        "Tracks jobs blank",
        base(submission=submission_rows(tracks_jobs=None)),
        {("Submission", "B7", E, "required")},
        check=_check_tracks_jobs,
    ),
    Case(
        "Tracks jobs unreadable",
        base(submission=submission_rows(tracks_jobs="Sometimes")),
        {("Submission", "B7", E, "bad_yes_no")},
    ),
    Case(
        "coordinator email malformed",
        base(submission=submission_rows(coordinator_email="pat@")),
        {("Submission", "B6", E, "bad_email")},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_workbook_case(case: Case, tmp_path, registry):
    book = dict(case.book)
    if case.registry_code != "NS-HFX" and "submission" not in book:
        book["submission"] = submission_rows(
            community=case.registry_code, lang=book.get("lang", "en")
        )
    path = write_workbook(tmp_path / "book.xlsx", **book)
    if case.then:
        case.then(path)
    s = validate_workbook(path, registry)
    assert s.status == "accepted", s.reason
    found = {(i.sheet, i.cell, i.severity, i.code) for i in s.issues}
    assert found == case.issues
    assert len(s.issues) == len(case.issues)  # one issue per problem, no repeats
    assert {k: len(v) for k, v in s.rows.items()} == case.valid
    assert s.rows_read == sum(case.valid.values()) + s.rows_rejected
    assert s.rows_rejected == len({(i.sheet, i.row) for i in s.errors if i.sheet != "Submission"})
    for issue in s.issues:
        assert issue.message and issue.fix, issue
        assert issue.file_name == "book.xlsx" and issue.community_code == case.registry_code
        assert issue.period == "2024-25-Q4"
        assert issue.column, issue  # the header as the community wrote it
        assert issue.row is not None and issue.cell.endswith(str(issue.row))
    if case.check:
        case.check(s)


def test_the_case_list_has_one_workbook_per_error_code():
    codes = {code for case in CASES for *_, code in case.issues}
    assert codes >= {
        "required",
        "bad_date",
        "date_out_of_range",
        "bad_yes_no",
        "bad_choice",
        "bad_email",
        "bad_noc",
        "duplicate_id",
        "id_not_in_workbook",
        "category_not_eligible",
        "required_when_accepted",
        "unknown_column",
        "duplicate_column",
    }


def test_valid_rows_have_typed_columns(tmp_path, registry):
    s = validate_workbook(write_workbook(tmp_path / "book.xlsx", **base()), registry)
    connectees = s.rows["connectees"]
    assert str(connectees["application_date"].dtype) == "datetime64[s]"
    assert connectees["accepted"].dtype == bool and connectees["withdrawn"].dtype == bool
    assert pd.api.types.is_string_dtype(connectees["connectee_id"])
    assert connectees["excel_row"].tolist() == [2, 3]
    assert connectees.iloc[0][
        [
            "connectee_id",
            "first_name",
            "email",
            "category",
            "official_language",
            "home_occupation_noc",
        ]
    ].tolist() == ["E1", "Ana", "e1@example.ca", "newcomer", "english", "21300"]
    assert connectees.iloc[0]["application_date"] == pd.Timestamp("2024-01-10")
    assert s.community_code == "NS-HFX" and s.period.label == "2024-25-Q4"
    assert s.submitted_on == D(2025, 4, 15) and s.tracks_jobs is True
    assert s.language == "en" and s.rows_read == 6 and s.rows_rejected == 0


def test_names_are_collapsed(tmp_path, registry):
    rows = [connectee("E1", **{"First name": "  Ana   Maria ", "Last name": "da  Silva"})]
    s = validate_workbook(write_workbook(tmp_path / "b.xlsx", **base(connectees=rows)), registry)
    assert s.rows["connectees"][["first_name", "last_name"]].values.tolist() == [
        ["Ana Maria", "da Silva"]
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bad_noc_fix_fits_what_was_written(tmp_path, registry, lang):
    """A TEER digit of 6-9, four digits (NOC 2016) and anything else each get their own fix."""
    rows = [
        connectee(f"E{n}", **{"Home occupation NOC": noc})
        for n, noc in enumerate(["26000", "2131", "21-300"])
    ]
    s = validate_workbook(
        write_workbook(tmp_path / "b.xlsx", **base(connectees=rows), lang=lang), registry
    )
    fixes = {i.value: i.fix for i in s.errors if i.code == "bad_noc"}
    expected = {
        "en": {
            "26000": "Its second digit is the TEER level, 0 to 5",
            "2131": "Four digits make an older NOC 2016 code",
            "21-300": "Write the 5-digit NOC 2021 code, for example 21300",
        },
        "fr": {
            "26000": "Son deuxième chiffre est la catégorie FEER, de 0 à 5",
            "2131": "Quatre chiffres forment un ancien code CNP 2016",
            "21-300": "Écrivez le code CNP 2021 à 5 chiffres, p. ex. 21300",
        },
    }[lang]
    assert sorted(fixes) == sorted(expected)
    for value, start in expected.items():
        assert fixes[value].startswith(start), fixes[value]


# --- file errors: the whole submission is rejected, in one sentence ---


@dataclass
class FileCase:
    id: str
    book: dict
    code: str
    says: str  # a part of the sentence
    lang: str = "en"
    then: Callable[[object], None] | None = None


def _sub(**kw):
    return base(submission=submission_rows(**kw))


FILE_CASES = [
    FileCase(
        "missing Introductions sheet",
        base(drop_sheets=("introductions",)),
        "missing_sheet",
        "no 'Introductions' sheet",
    ),
    FileCase(
        "missing sheet, French workbook",
        {**french_rows(), "lang": "fr", "drop_sheets": ("connectors",)},
        "missing_sheet",
        "pas de feuille « Connecteurs »",
        lang="fr",
    ),
    FileCase(
        "missing Submission sheet",
        base(sheet_names={"submission": "Cover"}),
        "missing_sheet",
        "no 'Submission' sheet",
    ),
    FileCase(
        "missing required column",
        base(connectees=[{k: v for k, v in connectee("E1").items() if k != "Accepted"}]),
        "missing_column",
        "lacks the required column(s) Accepted",
    ),
    FileCase(
        "missing required column, French workbook",
        {
            **french_rows(),
            "lang": "fr",
            "introductions": [
                {k: v for k, v in introduction().items() if k != "Introduction date"}
            ],
        },
        "missing_column",
        "colonnes obligatoires Date de présentation",
        lang="fr",
    ),
    FileCase(
        "eleven title rows", base(title_rows=["title"] * 11), "missing_column", "first 11 rows"
    ),
    FileCase(
        "unknown community",
        _sub(community="XX-NONE"),
        "unknown_community",
        "'XX-NONE' in Submission!B2 is not in the registry",
    ),
    FileCase(
        "a path as community code",
        _sub(community="../../etc"),
        "unknown_community",
        "'../../etc' in Submission!B2",
    ),
    FileCase(
        "community code blank", _sub(community=None), "missing_community", "no Community code"
    ),
    FileCase(
        "unreadable quarter", _sub(quarter="Q5 2024"), "bad_quarter", "'Q5 2024' in Submission!B3"
    ),
    FileCase(
        "quarter with mismatched years", _sub(quarter="2024-26 Q4"), "bad_quarter", "cannot be read"
    ),
    FileCase(
        "quarter in French workbook",
        {
            **french_rows(),
            "lang": "fr",
            "submission": submission_rows(quarter="T4 2024", lang="fr"),
        },
        "bad_quarter",
        "Le trimestre « T4 2024 » en Soumission!B3",
        lang="fr",
    ),
    FileCase(
        "unreadable submitted-on",
        _sub(submitted_on="15/04/2025"),
        "bad_submitted_on",
        "'15/04/2025' in Submission!B4 cannot be read",
    ),
    FileCase("submitted-on blank", _sub(submitted_on=None), "bad_submitted_on", "cannot be read"),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_file_error_rejects_the_whole_submission(case: FileCase, tmp_path, registry):
    path = write_workbook(tmp_path / "book.xlsx", **case.book)
    s = validate_workbook(path, registry)
    assert s.status == "rejected"
    assert s.rows == {} and s.rows_read == 0
    (issue,) = s.issues
    assert issue.code == case.code and issue.severity == ERROR
    assert case.says in s.reason
    assert issue.message == s.reason
    assert s.reason.replace("p. ex.", "").count(". ") == 0 and s.reason.endswith(
        "."
    )  # one sentence
    assert s.language == case.lang
    assert len(s.sha256) == 64


@pytest.mark.parametrize(
    "content, code",
    [
        (b"id,name\n1,Ana\n", "not_xlsx_text"),
        (b"", "empty_file"),
        (b"PK\x03\x04garbage", "corrupt"),
    ],
)
def test_not_a_workbook(tmp_path, registry, content, code):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    s = validate_workbook(path, registry)
    assert (s.status, s.issues[0].code) == ("rejected", code)


@pytest.mark.parametrize(
    "label",
    [
        "2024-25-Q4",
        "2024-25 Q4",
        "FY2024-25 Q4",
        "Q4 2024-25",
        "2024-2025 Q4",
        "fy2024-25 q4",
        " 2024-25 Q4 ",
    ],
)
def test_accepted_period_labels(label, tmp_path, registry):
    s = validate_workbook(write_workbook(tmp_path / "b.xlsx", **_sub(quarter=label)), registry)
    assert s.status == "accepted", s.reason
    assert s.period.label == "2024-25-Q4"


def test_community_code_in_any_case(tmp_path, registry):
    s = validate_workbook(
        write_workbook(tmp_path / "b.xlsx", **_sub(community=" ns-hfx ")), registry
    )
    assert s.status == "accepted" and s.community_code == "NS-HFX"


def test_submitted_on_as_iso_text_or_serial(tmp_path, registry):
    for value in ("2025-04-15", serial(D(2025, 4, 15)), dt.datetime(2025, 4, 15, 16, 20)):
        s = validate_workbook(
            write_workbook(tmp_path / "b.xlsx", **_sub(submitted_on=value)), registry
        )
        assert s.submitted_on == D(2025, 4, 15)


def test_submission_sheet_without_header_row_and_french_fields(tmp_path, registry):
    rows = submission_rows(lang="fr")[1:]  # no Champ | Valeur row
    s = validate_workbook(
        write_workbook(tmp_path / "b.xlsx", **{**french_rows(), "lang": "fr", "submission": rows}),
        registry,
    )
    assert s.status == "accepted" and s.issues == [] and s.language == "fr"


def test_tracks_jobs_error_in_french(tmp_path, registry):
    book = {
        **french_rows(),
        "lang": "fr",
        "submission": submission_rows(lang="fr", tracks_jobs="Peut-être"),
    }
    (issue,) = validate_workbook(write_workbook(tmp_path / "b.xlsx", **book), registry).issues
    assert issue.sheet == "Soumission" and issue.cell == "B7" and issue.code == "bad_yes_no"
    assert (
        issue.message
        == "Suivi des emplois dans la feuille Soumission : « Peut-être » n'est pas valide."
    )
    assert issue.fix == "Écrivez Oui ou Non."


# --- references across submissions (history.resolve_references) ---


def _quarter(tmp_path, registry, name, quarter, **book):
    """A workbook of NS-HFX for ``quarter``, submitted ten days after it ended."""
    submitted_on = Period.parse(quarter).last_day + dt.timedelta(days=10)
    sub = submission_rows(quarter=quarter, submitted_on=submitted_on)
    return validate_workbook(
        write_workbook(tmp_path / name, **base(submission=sub, **book)), registry
    )


def test_reference_defined_in_the_other_submission_is_resolved(tmp_path, registry):
    earlier = _quarter(
        tmp_path,
        registry,
        "q3.xlsx",
        "2024-25-Q3",
        connectees=[connectee("E1"), connectee("E7")],
        connectors=[connector("C1"), connector("C7")],
        introductions=[introduction("E1", "C1")],
        jobs=[],
    )
    later = _quarter(
        tmp_path,
        registry,
        "q4.xlsx",
        "2024-25-Q4",
        introductions=[introduction("E7", "C7"), introduction("E8", "C8")],
        jobs=[job("E7"), job("E8")],
    )
    assert {(i.sheet, i.cell, i.severity, i.code) for i in later.issues} == {
        (sheet, cell, W, "id_not_in_workbook")
        for sheet, cell in [
            ("Introductions", "A2"),
            ("Introductions", "B2"),
            ("Introductions", "A3"),
            ("Introductions", "B3"),
            ("Jobs", "A2"),
            ("Jobs", "A3"),
        ]
    }
    rejected_before = later.rows_rejected

    unchanged = later
    earlier, later = resolve_references([earlier, later])
    assert {i.severity for i in unchanged.issues} == {W}  # the input is not changed

    issues = {(i.sheet, i.cell, i.severity, i.code) for i in later.issues}
    assert issues == {
        ("Introductions", "A3", E, "unknown_connectee"),
        ("Introductions", "B3", E, "unknown_connector"),
        ("Jobs", "A3", E, "unknown_connectee"),
    }
    by_cell = {(i.sheet, i.cell): i for i in later.issues}
    assert by_cell[("Introductions", "B3")].message == (
        "No Connector has the ID C8 in this workbook or in the community's earlier submissions."
    )
    assert later.rows["introductions"][["connectee_id", "connector_id"]].values.tolist() == [
        ["E7", "C7"]
    ]
    assert later.rows["jobs"]["connectee_id"].tolist() == ["E7"]
    assert later.rows_rejected == rejected_before + 2  # one introduction, one job
    assert earlier.issues == []


def test_reference_defined_nowhere_is_an_error_in_french(tmp_path, registry):
    book = {
        **french_rows(),
        "lang": "fr",
        "introductions": [introduction("E1", "C1"), introduction("E1", "C9")],
    }
    s = validate_workbook(write_workbook(tmp_path / "b.xlsx", **book), registry)
    (issue,) = s.issues
    assert (issue.cell, issue.severity) == ("B3", WARNING)
    assert "la consolidation le cherchera" in issue.message
    [s] = resolve_references([s])
    (issue,) = s.issues
    assert (issue.cell, issue.severity, issue.code) == ("B3", ERROR, "unknown_connector")
    assert issue.message.startswith("Aucun connecteur n'a l'identifiant C9")
    assert len(s.rows["introductions"]) == 1


def test_other_communities_do_not_define_ids(tmp_path, registry):
    other = validate_workbook(
        write_workbook(
            tmp_path / "o.xlsx",
            **base(
                submission=submission_rows(community="NS-CBRT"),
                connectees=[connectee("E9")],
                introductions=[],
                jobs=[],
            ),
        ),
        registry,
    )
    s = validate_workbook(
        write_workbook(tmp_path / "b.xlsx", **base(introductions=[introduction("E9", "C1")])),
        registry,
    )
    other, s = resolve_references([other, s])
    assert [(i.cell, i.code) for i in s.issues] == [("A2", "unknown_connectee")]


# --- any cell values: validation never raises, and every row is kept or rejected ---

CELL = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12).filter(
        lambda t: not t.startswith("=")
    ),
    st.integers(-(10**6), 10**6),
    st.floats(-1e7, 1e7, allow_nan=False),
    st.booleans(),
    st.dates(min_value=D(1900, 3, 1)),
    st.sampled_from(
        ["Yes", "Non", "Newcomer", "Les deux", "2024-01-10", "21300", "a@b.ca", "E1", "C1"]
    ),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(st.lists(CELL, min_size=14, max_size=14), min_size=1, max_size=4),
    intro=st.lists(CELL, min_size=5, max_size=5),
)
def test_any_cells_are_read_or_reported_never_a_traceback(cells, intro, tmp_path, registry):
    headers = list(connectee())
    rows = [dict(zip(headers, values)) for values in cells]
    path = write_workbook(
        tmp_path / "any.xlsx",
        **base(connectees=rows, introductions=[dict(zip(introduction(), intro))]),
    )
    s = validate_workbook(path, registry)
    assert s.status == "accepted"
    assert s.rows_read == sum(len(f) for f in s.rows.values()) + s.rows_rejected
    kept = set(s.rows["connectees"]["excel_row"])
    rejected = {i.row for i in s.errors if i.sheet == "Connectees"}
    assert not kept & rejected
    assert all(i.message for i in s.issues)


def test_submission_fields_far_to_the_right(tmp_path, registry):
    """Labels in column Z put their values in AA: the issue still names AA7 and row 7."""
    rows = [[None] * 25 + list(row) for row in submission_rows(tracks_jobs="often")]
    s = validate_workbook(write_workbook(tmp_path / "b.xlsx", **base(submission=rows)), registry)
    assert s.status == "accepted"
    assert [(i.cell, i.row, i.code) for i in s.issues] == [("AA7", 7, "bad_yes_no")]
