"""contract.py is the one table of sheets and columns; the template, the reader, the schemas and
the spec must all say the same.

Each test walks the contract and asks one consumer about every sheet and column, so a column
added to one place and forgotten in another fails here, naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connector_rollup.contract import (
    DATA_SHEETS,
    DATE,
    EMAIL,
    ENUM,
    ENUMERATIONS,
    ID,
    NAME,
    NOC,
    SHEETS_BY_KEY,
    SUBMISSION_FIELDS,
    SUBMISSION_SHEET,
    TEXT,
    YES_NO,
)
from connector_rollup.intake import read
from connector_rollup.intake.template import LANGS, marked_header, write_template
from connector_rollup.values import fold
from schemas import SCHEMAS

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "submission-workbook.md"

# What a column of each contract type must be checked for, written here rather than read from
# schemas.sheets so that a rule lost there is seen.
EXPECTED_CHECKS = {
    TEXT: [],
    NAME: [],
    ID: [],
    EMAIL: ["bad_email"],
    NOC: ["bad_noc"],
    DATE: ["bad_date"],
    YES_NO: ["bad_yes_no"],
    ENUM: ["bad_choice"],
}

COLUMNS = [(sheet.key, column.key) for sheet in DATA_SHEETS for column in sheet.columns]


def _ids(pairs):
    return [f"{sheet}.{column}" for sheet, column in pairs]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """lang -> the blank template in that language, as the reader reads it."""
    folder = tmp_path_factory.mktemp("templates")
    return {
        lang: read.read_workbook(write_template(folder / f"template_{lang}.xlsx", lang))
        for lang in LANGS
    }


# --- template and reader --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_template_sheets_are_read_as_the_contract_names_them(templates, lang):
    raw = templates[lang]
    assert list(raw.sheets) == [sheet.key for sheet in DATA_SHEETS]
    for sheet in DATA_SHEETS:
        assert raw.sheets[sheet.key].name == sheet.name(lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sheet_key, column_key", COLUMNS, ids=_ids(COLUMNS))
def test_template_writes_each_header_and_the_reader_maps_it_back(
    templates, lang, sheet_key, column_key
):
    """The template's header (required ones marked ``*``) is read back as the contract's key."""
    sheet = SHEETS_BY_KEY[sheet_key]
    column = sheet.column(column_key)
    raw = templates[lang].sheets[sheet_key]
    assert column_key in raw.columns, f"{marked_header(column, lang)!r} not read as {column_key}"
    assert raw.columns[column_key].header == column.header(lang)
    assert [c.key for c in sorted(raw.columns.values(), key=lambda c: c.index)] == [
        c.key for c in sheet.columns
    ]
    assert raw.unknown_headers == []


@pytest.mark.parametrize("sheet_key, column_key", COLUMNS, ids=_ids(COLUMNS))
def test_reader_maps_both_headers_and_the_key_to_the_column(sheet_key, column_key):
    sheet = SHEETS_BY_KEY[sheet_key]
    column = sheet.column(column_key)
    lookup = read._header_lookup(sheet)
    for header in (
        column.key,
        column.english,
        column.french,
        marked_header(column, "en"),
        marked_header(column, "fr"),
        column.english.upper(),
    ):
        assert lookup.get(fold(header)) == column_key, header


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.key)
def test_no_two_columns_of_a_sheet_fold_alike(sheet):
    """Two columns whose headers fold alike would be one column to the reader."""
    owners: dict[str, str] = {}
    for column in sheet.columns:
        for label in {fold(column.key), fold(column.english), fold(column.french)}:
            assert owners.setdefault(label, column.key) == column.key, (
                label,
                owners[label],
                column.key,
            )


@pytest.mark.parametrize("lang", LANGS)
def test_template_submission_fields_are_read_back(templates, lang):
    fields = templates[lang].fields
    assert list(fields) == [f.key for f in SUBMISSION_FIELDS]
    for f in SUBMISSION_FIELDS:
        assert fields[f.key].label == f.label(lang)


# --- schemas --------------------------------------------------------------------------------------


def test_schemas_cover_exactly_the_contract_sheets():
    assert list(SCHEMAS) == [sheet.key for sheet in DATA_SHEETS]


@pytest.mark.parametrize("sheet_key, column_key", COLUMNS, ids=_ids(COLUMNS))
def test_schema_column_has_the_contract_nullability_and_type(sheet_key, column_key):
    column = SHEETS_BY_KEY[sheet_key].column(column_key)
    schema = SCHEMAS[sheet_key]
    assert list(schema.columns) == [c.key for c in SHEETS_BY_KEY[sheet_key].columns]
    held = schema.columns[column_key]
    assert held.nullable is (not column.required)
    assert held.metadata == {"type": column.type}
    assert [check.name for check in held.checks] == EXPECTED_CHECKS[column.type]


def test_schema_checks_required_when_yes():
    """The one conditional rule: Intake meeting date when Accepted is Yes."""
    conditional = [
        (s.key, c.required_when_yes) for s in DATA_SHEETS for c in s.columns if c.required_when_yes
    ]
    assert conditional == [("connectees", "accepted")]
    for sheet in DATA_SHEETS:
        expected = [f"required_when_{flag}" for key, flag in conditional if key == sheet.key]
        assert [check.name for check in SCHEMAS[sheet.key].checks] == expected


# --- the spec -------------------------------------------------------------------------------------


def _spec_text() -> str:
    if not SPEC.exists():
        pytest.skip(f"the spec is not here ({SPEC})")
    return SPEC.read_text(encoding="utf-8")


def _tables(text: str) -> dict[str, list[list[str]]]:
    """Each Markdown table under its heading (the nearest ``#`` line above it): rows of cells, header first."""
    tables: dict[str, list[list[str]]] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and heading is not None:
            cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r"-+", cell) for cell in cells):  # not the --- separator line
                tables.setdefault(heading, []).append(cells)
    return tables


def _spec_table(heading: str) -> list[dict[str, str]]:
    table = _tables(_spec_text()).get(heading)
    assert table, f"the spec has no table under '{heading}'"
    header, *rows = table
    return [dict(zip(header, row)) for row in rows]


def _spec_required(text: str) -> tuple[bool, str | None]:
    """(required, the column it is required with) from the spec's required cell."""
    if text == "yes":
        return True, None
    if match := re.fullmatch(r"when (\w+) is Yes", text):
        return False, match[1]
    assert text.startswith("no"), text
    return False, None


def test_spec_sheets_match_the_contract():
    rows = _spec_table("Sheets")
    assert [(r["sheet"], r["French name"]) for r in rows] == [SUBMISSION_SHEET] + [
        (s.english, s.french) for s in DATA_SHEETS
    ]


def test_spec_submission_fields_match_the_contract():
    rows = _spec_table("Submission")
    assert [(r["field"], r["French"], r["required"] == "yes") for r in rows] == [
        (f.english, f.french, f.required) for f in SUBMISSION_FIELDS
    ]


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.key)
def test_spec_columns_match_the_contract(sheet):
    """Same columns in the same order, same headers, same required flags (and the conditional one)."""
    rows = _spec_table(sheet.english)
    spec = [
        (r["column"], r["English header"], r["French header"], *_spec_required(r["required"]))
        for r in rows
    ]
    contract = [
        (c.key, c.english, c.french, c.required, c.required_when_yes) for c in sheet.columns
    ]
    assert spec == contract


@pytest.mark.parametrize("sheet", DATA_SHEETS, ids=lambda s: s.key)
def test_spec_types_match_the_contract(sheet):
    """The spec's type words name the contract's type (its prose is looser: names are "text")."""
    words = {
        "text": {TEXT, NAME},
        "email": {EMAIL},
        "date": {DATE},
        "Yes/No": {YES_NO},
        "NOC 2021 code": {NOC},
    }
    for row in _spec_table(sheet.english):
        column, spec_type = sheet.column(row["column"]), row["type"]
        if spec_type.startswith(("text, unique", "an ID of")):
            assert column.type == ID, column.key
        elif spec_type in words:
            assert column.type in words[spec_type], column.key
        else:  # an enumeration, by its name or its codes
            assert column.type == ENUM, column.key
            enumeration = ENUMERATIONS[column.enumeration]
            assert spec_type in (
                enumeration.english_name,
                " / ".join(enumeration.codes),
                " / ".join(enumeration.label(code, "en") for code in enumeration.codes),
            ), column.key


def test_spec_enumerations_match_the_contract():
    rows = _spec_table("Value types")
    spec = [
        (r["type"], r["code"], r["English label"], tuple(r["French label"].split(" / ")))
        for r in rows
    ]
    contract = [
        (e.english_name, code, english, french)
        for e in ENUMERATIONS.values()
        for code, (english, french) in e.labels.items()
    ]
    assert spec == contract
