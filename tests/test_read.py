"""What the reader tolerates (shared/spec/submission-workbook.md), one tiny workbook per case.

The reader returns raw cells: it finds sheets and columns by folded names,
the header row under up to ten title rows, skips blank rows keeping Excel's
row numbers, and parses nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from builders import (
    HEADERS,
    connectee,
    connector,
    introduction,
    job,
    submission_rows,
    write_workbook,
)

from connector_rollup.intake import read
from connector_rollup.intake.read import FileRejected, read_workbook


def _write(tmp_path, name="book.xlsx", **kwargs):
    args = dict(
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector()],
        introductions=[introduction()],
    )
    args.update(kwargs)
    return write_workbook(tmp_path / name, **args)


def _read(tmp_path, **kwargs):
    return read_workbook(_write(tmp_path, **kwargs))


@pytest.mark.parametrize("titles", [0, 1, 10])
def test_header_row_under_title_rows(tmp_path, titles):
    book = _read(tmp_path, title_rows=[f"Title line {n}" for n in range(titles)])
    sheet = book.sheets["connectees"]
    assert sheet.header_row == titles + 1
    assert sheet.rows == [titles + 2, titles + 3]
    assert sheet.values["connectee_id"] == ["E1", "E2"]


def test_header_row_too_far_down(tmp_path):
    with pytest.raises(FileRejected) as rejected:
        _read(tmp_path, title_rows=["Title"] * 11)
    assert rejected.value.code == "missing_column"
    assert rejected.value.params["sheet"] == "Connectees"


@pytest.mark.parametrize(
    "name", ["CONNECTEES", "connectés", "CONNECTÉS", " Connectees ", "Connectees."]
)
def test_sheet_names_matched_folded(tmp_path, name):
    book = _read(tmp_path, sheet_names={"connectees": name})
    assert book.sheets["connectees"].name == name
    assert book.sheets["connectees"].values["connectee_id"] == ["E1", "E2"]


def test_missing_required_sheet(tmp_path):
    with pytest.raises(FileRejected) as rejected:
        _read(tmp_path, drop_sheets=("connectors",))
    assert rejected.value.code == "missing_sheet"
    assert rejected.value.params["sheet"] == "Connectors"


def test_jobs_sheet_optional(tmp_path):
    assert "jobs" not in _read(tmp_path).sheets
    assert _read(tmp_path, name="with-jobs.xlsx", jobs=[job()]).sheets["jobs"].rows == [2]


def test_columns_in_any_order(tmp_path):
    rows = [
        dict(reversed(list(connectee(f"E{n}", **{"First name": f"Name{n}"}).items())))
        for n in (1, 2)
    ]
    sheet = _read(tmp_path, connectees=rows).sheets["connectees"]
    assert sheet.columns["connectee_id"].index == len(HEADERS["connectees"]) - 1
    assert sheet.columns["withdrawn"].index == 0
    assert sheet.values["connectee_id"] == ["E1", "E2"]
    assert sheet.values["first_name"] == ["Name1", "Name2"]


def test_headers_folded_and_french(tmp_path):
    """``Connectee ID *``, ``CONNECTEE-ID`` and the French header are the same column."""
    headers = list(HEADERS["connectees"])
    headers[0], headers[1], headers[10] = "CONNECTEE-ID *", "Prénom", "date_de_demande"
    sheet = _read(tmp_path, headers={"connectees": headers}).sheets["connectees"]
    assert (
        sheet.columns["connectee_id"].header == "CONNECTEE-ID"
    )  # the template's required mark is not quoted
    assert sheet.columns["first_name"].header == "Prénom"
    assert sheet.values["application_date"][0] == dt.date(2024, 1, 10)


def test_unknown_columns_recorded(tmp_path):
    rows = [{**connectee("E1"), "Notes": "met at fair", "Mentor": "Bob"}]
    sheet = _read(tmp_path, connectees=rows).sheets["connectees"]
    width = len(HEADERS["connectees"])
    assert sheet.unknown_headers == [(width, "Notes"), (width + 1, "Mentor")]
    assert set(sheet.values) == set(sheet.columns)  # unknown columns' cells are not returned


def test_duplicate_header_first_wins(tmp_path):
    """Two ``Email`` columns: the first is the column, the second is recorded as unknown."""
    rows = [{**connectee("E1"), "Email again": "other@example.ca"}]
    headers = {"connectees": [*HEADERS["connectees"], "Email"]}
    sheet = _read(tmp_path, connectees=rows, headers=headers).sheets["connectees"]
    assert sheet.columns["email"].index == HEADERS["connectees"].index("Email")
    assert sheet.values["email"] == ["e1@example.ca"]
    assert sheet.unknown_headers == [(len(HEADERS["connectees"]), "Email")]


def test_blank_rows_skipped_with_excel_row_numbers(tmp_path):
    blank = {h: None for h in HEADERS["connectees"]}
    spaces = {**blank, "Connectee ID": "   ", "Phone": " "}
    rows = [connectee("E1"), blank, spaces, connectee("E2"), blank, connectee("E3")]
    sheet = _read(tmp_path, connectees=rows).sheets["connectees"]
    assert sheet.rows == [2, 5, 7]
    assert sheet.values["connectee_id"] == ["E1", "E2", "E3"]


def test_blank_optional_cells_are_none(tmp_path):
    rows = [connectee("E1", Email=None, Phone="")]
    sheet = _read(tmp_path, connectees=rows).sheets["connectees"]
    assert sheet.values["email"] == [None]
    assert sheet.values["phone"] == [None]


def test_cells_kept_raw(tmp_path):
    rows = [
        connectee("E1", **{"Home occupation NOC": "02040", "Country of origin": "n/a"}),
        connectee(
            1001,
            **{
                "Home occupation NOC": 2040,
                "Accepted": True,
                "Application date": dt.datetime(2024, 1, 10, 14, 30),
            },
        ),
        connectee("E3", **{"Application date": "03/05/2024", "Intake meeting date": 45311}),
    ]
    values = _read(tmp_path, connectees=rows).sheets["connectees"].values
    assert values["home_occupation_noc"] == ["02040", 2040, "21300"]
    assert values["country_of_origin"][0] == "n/a"
    assert values["connectee_id"][1] == 1001  # a number stays a number (1001.0 == 1001)
    assert values["accepted"][1] is True
    assert values["application_date"][0] == dt.date(2024, 1, 10)
    assert values["application_date"][1] == dt.datetime(2024, 1, 10, 14, 30)
    assert values["application_date"][2] == "03/05/2024"
    assert values["intake_meeting_date"][2] == 45311


def test_submission_fields_with_header(tmp_path):
    book = _read(tmp_path)
    assert book.fields["community_code"].value == "NS-HFX"
    assert book.fields["community_code"].cell == "B2"
    assert book.fields["community_code"].label == "Community code"
    assert book.fields["submitted_on"].value == dt.date(2025, 4, 15)
    assert book.fields["tracks_jobs"].cell == "B7"


def test_submission_fields_without_header(tmp_path):
    book = _read(tmp_path, submission=submission_rows()[1:])
    assert book.fields["community_code"].cell == "B1"
    assert book.fields["reporting_quarter"].value == "2024-25-Q4"


def test_submission_fields_in_french(tmp_path):
    book = _read(tmp_path, submission=submission_rows(lang="fr"))
    assert book.fields["community_code"].label == "Code de la communauté"
    assert book.fields["tracks_jobs"].value == "Yes"


FRENCH = {
    "submission": "Soumission",
    "connectees": "Connectés",
    "connectors": "Connecteurs",
    "introductions": "Présentations",
    "jobs": "Emplois",
}


@pytest.mark.parametrize(
    "names, language",
    [
        ({}, "en"),
        (FRENCH, "fr"),
        ({"submission": "Soumission"}, "en"),  # one French sheet among English ones
        ({k: v for k, v in FRENCH.items() if k != "submission"}, "fr"),
    ],
)
def test_language_from_sheet_names(tmp_path, names, language):
    book = _read(tmp_path, sheet_names=names, jobs=[job()])
    assert book.language == language
    assert book.submission_sheet == names.get("submission", "Submission")


def test_parallel_and_sequential_reads_agree(tmp_path, monkeypatch):
    path = _write(tmp_path, connectees=[connectee(f"E{n}") for n in range(50)], jobs=[job()])
    parallel = read_workbook(path)
    monkeypatch.setattr(read, "PARALLEL_MAX_FILE_BYTES", 0)
    sequential = read_workbook(path)
    assert parallel == sequential


@pytest.mark.parametrize(
    "code, expected",
    [
        ("NS-HFX", "NS-HFX"),
        (" ns-hfx ", "NS-HFX"),
        ("../../etc", None),
        ("NS-HFX/../x", None),
        (None, None),
    ],
)
def test_peek_community(tmp_path, code, expected):
    path = _write(tmp_path, submission=submission_rows(community=code))
    assert read.peek_community(path.read_bytes()) == expected


def test_template_is_read_as_simple(tmp_path):
    """The blank template passes the fast extent check: no part needs the slower scans."""
    from connector_rollup.intake.template import write_template

    for lang in ("en", "fr"):
        path = tmp_path / f"template-{lang}.xlsx"
        write_template(path, lang=lang)
        container = read._check_container(path.read_bytes())
        sheets = set(container.sheet_parts.values())
        assert sheets and all(container.parts[p].simple for p in sheets), lang


def test_rejection_after_opening_carries_the_language(tmp_path):
    """A French workbook missing a column is rejected with its language, so it is told in French."""
    with pytest.raises(FileRejected) as rejected:
        _read(tmp_path, sheet_names=FRENCH, jobs=[job()], title_rows=["Titre"] * 11)
    assert rejected.value.code == "missing_column"
    assert rejected.value.language == "fr"
    with pytest.raises(FileRejected) as rejected:
        read_workbook(tmp_path / "empty.xlsx", data=b"")
    assert rejected.value.code == "empty_file" and rejected.value.language is None
