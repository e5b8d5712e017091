"""The blank submission workbook: written in each language, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from connector_rollup.contract import (
    DATA_SHEETS,
    DATE,
    ENUM,
    ENUMERATIONS,
    ID,
    NOC,
    SUBMISSION_FIELDS,
    SUBMISSION_HEADER,
    SUBMISSION_SHEET,
    YES_NO,
)
from connector_rollup.intake.template import LANGS, LAST_ROW, write_template
from connector_rollup.values import INVALID, fold, parse_enum, parse_yes_no

INSTRUCTIONS = {"en": "Instructions", "fr": "Instructions"}
LISTS = {"en": "Lists", "fr": "Listes"}
YES_NO_LABELS = {"en": ["Yes", "No"], "fr": ["Oui", "Non"]}


@pytest.fixture(params=LANGS)
def template(request, tmp_path):
    """(lang, workbook) for a freshly written template, once per language."""
    lang = request.param
    path = write_template(tmp_path / f"template_{lang}.xlsx", lang)
    wb = load_workbook(path)
    yield lang, wb
    wb.close()


def _marked(column, lang):
    return column.header(lang) + (" *" if column.required else "")


def _validation_at(ws, cell):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) <= 1, f"{ws.title}!{cell} has {len(found)} validations (Excel allows one)"
    return found[0] if found else None


def _list_values(wb, dv):
    """The labels a list validation offers, following its defined name to the Lists sheet."""
    assert dv is not None and dv.type == "list"
    reference = dv.formula1
    if reference in wb.defined_names:
        destinations = list(wb.defined_names[reference].destinations)
        assert len(destinations) == 1
        sheet, cells = destinations[0]
    else:
        sheet, cells = reference.rsplit("!", 1)
        sheet = sheet.strip("'")
    return [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]


def _column_number_format(ws, index):
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= index <= dim.max:
            return dim.number_format
    return "General"


def _expected_labels(column, lang):
    if column.type == YES_NO:
        return YES_NO_LABELS[lang]
    labels = []
    for english, french in ENUMERATIONS[column.enumeration].labels.values():
        for label in [english] if lang == "en" else french:
            if label not in labels:
                labels.append(label)
    return labels


def _instructions_text(wb, lang):
    ws = wb[INSTRUCTIONS[lang]]
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)


def test_sheet_names_are_in_the_workbook_language(template):
    lang, wb = template
    submission = SUBMISSION_SHEET[LANGS.index(lang)]
    assert wb.sheetnames == [
        INSTRUCTIONS[lang],
        submission,
        *[s.name(lang) for s in DATA_SHEETS],
        LISTS[lang],
    ]
    assert wb.active.title == INSTRUCTIONS[lang]
    assert wb[LISTS[lang]].sheet_state == "hidden"
    assert all(wb[n].sheet_state == "visible" for n in wb.sheetnames[:-1])


def test_literal_names_and_headers():
    # Given/expect on a few literal values, so a change to the contract shows here too.
    assert [s.name("fr") for s in DATA_SHEETS] == [
        "Connectés",
        "Connecteurs",
        "Présentations",
        "Emplois",
    ]
    assert _marked(DATA_SHEETS[0].columns[0], "en") == "Connectee ID *"
    assert _marked(DATA_SHEETS[0].columns[0], "fr") == "ID connecté *"


def test_headers_mark_exactly_the_required_columns(template):
    lang, wb = template
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        headers = [c.value for c in ws[1]]
        assert headers == [_marked(c, lang) for c in sheet.columns]
        for column, header in zip(sheet.columns, headers):
            assert header.endswith(" *") == column.required, (sheet.key, header)
            assert fold(header) == fold(column.header(lang))  # the reader matches it
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        for index in range(1, len(sheet.columns) + 1):
            width = ws.column_dimensions[get_column_letter(index)].width
            assert 8 <= width <= 40, (sheet.key, index, width)


def test_every_list_column_has_a_dropdown_with_the_labels_of_its_language(template):
    lang, wb = template
    assert LAST_ROW >= 1000
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        for index, column in enumerate(sheet.columns, start=1):
            if column.type not in (ENUM, YES_NO):
                continue
            letter = get_column_letter(index)
            dv = _validation_at(ws, f"{letter}2")
            assert dv is not None, (sheet.key, column.key)
            assert f"{letter}{LAST_ROW}" in dv.sqref
            assert dv.showErrorMessage and dv.error
            assert not dv.showDropDown  # in Excel's XML, True would hide the arrow
            assert _list_values(wb, dv) == _expected_labels(column, lang), (sheet.key, column.key)


@pytest.mark.parametrize(
    ("lang", "enumeration", "expected"),
    [
        ("en", "official_language", ["English", "French", "Both"]),
        ("fr", "official_language", ["Anglais", "Français", "Les deux"]),
        ("fr", "introduced_by", ["Coordonnateur", "Coordonnatrice", "Connecteur", "Connectrice"]),
        (
            "fr",
            "employment_type",
            ["Temps plein", "Temps partiel", "Contrat", "Saisonnier", "Saisonnière"],
        ),
    ],
)
def test_dropdown_labels_literal(tmp_path, lang, enumeration, expected):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", lang))
    sheet = next(s for s in DATA_SHEETS if any(c.enumeration == enumeration for c in s.columns))
    ws = wb[sheet.name(lang)]
    index = next(i for i, c in enumerate(sheet.columns, 1) if c.enumeration == enumeration)
    assert _list_values(wb, _validation_at(ws, f"{get_column_letter(index)}5")) == expected


def test_every_dropdown_value_is_one_the_reader_accepts(template):
    lang, wb = template
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        for index, column in enumerate(sheet.columns, start=1):
            if column.type == ENUM:
                labels = _list_values(wb, _validation_at(ws, f"{get_column_letter(index)}2"))
                codes = {parse_enum(column.enumeration, label) for label in labels}
                assert INVALID not in codes
                assert codes == set(ENUMERATIONS[column.enumeration].codes)
            elif column.type == YES_NO:
                labels = _list_values(wb, _validation_at(ws, f"{get_column_letter(index)}2"))
                assert [parse_yes_no(label) for label in labels] == [True, False]


def test_date_columns_have_the_date_format_and_a_date_validation(template):
    lang, wb = template
    earliest = (dt.date(2009, 1, 1) - dt.date(1899, 12, 30)).days
    latest = (dt.date(2099, 12, 31) - dt.date(1899, 12, 30)).days
    date_word = {"en": "YYYY-MM-DD", "fr": "AAAA-MM-JJ"}[lang]
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        for index, column in enumerate(sheet.columns, start=1):
            if column.type != DATE:
                continue
            letter = get_column_letter(index)
            assert _column_number_format(ws, index) == "yyyy-mm-dd", (sheet.key, column.key)
            dv = _validation_at(ws, f"{letter}2")
            assert dv.type == "date" and dv.operator == "between"
            assert (int(dv.formula1), int(dv.formula2)) == (earliest, latest)
            assert f"{letter}{LAST_ROW}" in dv.sqref
            assert dv.showErrorMessage and date_word in dv.error


def test_id_and_noc_columns_are_text_so_leading_zeros_survive(template):
    lang, wb = template
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        for index, column in enumerate(sheet.columns, start=1):
            if column.type in (ID, NOC):
                assert _column_number_format(ws, index) == "@", (sheet.key, column.key)


def test_submission_sheet(template):
    lang, wb = template
    ws = wb[SUBMISSION_SHEET[LANGS.index(lang)]]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == SUBMISSION_HEADER[LANGS.index(lang)]
    assert [r[0] for r in rows[1:]] == [
        f.label(lang) + (" *" if f.required else "") for f in SUBMISSION_FIELDS
    ]
    assert all(r[1] is None for r in rows[1:])
    assert ws.freeze_panes == "A2"
    row = {f.key: i for i, f in enumerate(SUBMISSION_FIELDS, start=2)}
    quarter = _validation_at(ws, f"B{row['reporting_quarter']}")
    assert quarter.showInputMessage and "2024-25-Q4" in quarter.prompt
    assert ws[f"B{row['submitted_on']}"].number_format == "yyyy-mm-dd"
    assert _validation_at(ws, f"B{row['submitted_on']}").type == "date"
    assert _list_values(wb, _validation_at(ws, f"B{row['tracks_jobs']}")) == YES_NO_LABELS[lang]


def test_instructions_describe_every_sheet_and_column(template):
    lang, wb = template
    text = _instructions_text(wb, lang)
    assert SUBMISSION_SHEET[LANGS.index(lang)] in text
    for field in SUBMISSION_FIELDS:
        assert field.label(lang) in text
    for sheet in DATA_SHEETS:
        assert sheet.name(lang) in text
        assert (sheet.help_en if lang == "en" else sheet.help_fr) in text
        for column in sheet.columns:
            assert _marked(column, lang) in text, column.key
            help_text = column.help_en if lang == "en" else column.help_fr
            assert help_text in text
            if column.type == ENUM:
                for label in _expected_labels(column, lang):
                    assert label in text
    assert "2024-25-Q4" in text and "2025-01-15" in text and "21300" in text
    assert {"en": "YYYY-MM-DD", "fr": "AAAA-MM-JJ"}[lang] in text


def test_french_instructions_do_not_fall_back_to_english(tmp_path):
    wb = load_workbook(write_template(tmp_path / "fr.xlsx", "fr"))
    text = _instructions_text(wb, "fr")
    english_only = (
        {s.english for s in DATA_SHEETS}
        | {c.english for s in DATA_SHEETS for c in s.columns if c.english != c.french}
        | {f.english for f in SUBMISSION_FIELDS}
        | {"Yes", "No", "Required", "Text", "One of"}
    )
    assert sorted(w for w in english_only if re.search(rf"\b{re.escape(w)}\b", text)) == []
    messages = " ".join(
        m or ""
        for ws in wb.worksheets
        for dv in ws.data_validations.dataValidation
        for m in (dv.prompt, dv.error)
    )
    assert (
        sorted(
            w
            for w in english_only | {"Choose", "Type"}
            if re.search(rf"\b{re.escape(w)}\b", messages)
        )
        == []
    )


def test_validation_messages_fit_excel_limits(template):
    lang, wb = template
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            if dv.prompt:
                assert dv.showInputMessage


def test_no_formulas_in_any_cell(template):
    _, wb = template
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="en, fr"):
        write_template(tmp_path / "t.xlsx", "de")
    assert not (tmp_path / "t.xlsx").exists()


# -- Filling the template in -----------------------------------------------------------------

D = dt.date
FILL = {
    "en": {
        "yes": "Yes",
        "no": "No",
        "newcomer": "Newcomer",
        "international_graduate": "International graduate",
        "local_graduate": "Local graduate",
        "english": "English",
        "both": "Both",
        "french": "French",
        "personal_contact": "Personal contact",
        "referral": "Referral",
        "coordinator": "Coordinator",
        "connector": "Connector",
        "interview": "Interview",
        "information": "Information",
        "job_offer": "Job offer",
        "full_time": "Full time",
        "contract": "Contract",
    },
    "fr": {
        "yes": "Oui",
        "no": "Non",
        "newcomer": "Nouvelle arrivante",
        "international_graduate": "Diplômé international",
        "local_graduate": "Diplômée locale",
        "english": "Anglais",
        "both": "Les deux",
        "french": "Français",
        "personal_contact": "Contact personnel",
        "referral": "Recommandation",
        "coordinator": "Coordonnatrice",
        "connector": "Connecteur",
        "interview": "Entrevue",
        "information": "Information",
        "job_offer": "Offre d'emploi",
        "full_time": "Temps plein",
        "contract": "Contrat",
    },
}


def _rows(w):
    """Valid rows for each data sheet, with list values as the coordinator would pick them."""
    return {
        "connectees": [
            dict(
                connectee_id="C001",
                first_name="Amina",
                last_name="Haddad",
                email="amina.haddad@example.ca",
                phone="902-555-0101",
                category=w["newcomer"],
                country_of_origin="Syria",
                official_language=w["english"],
                home_occupation_noc="21300",
                home_occupation_title="Civil engineer",
                application_date=D(2024, 11, 4),
                accepted=w["yes"],
                intake_meeting_date=D(2024, 11, 20),
            ),
            dict(
                connectee_id="C002",
                first_name="Wei",
                last_name="Zhang",
                category=w["international_graduate"],
                official_language=w["both"],
                home_occupation_noc="00012",
                application_date=D(2025, 1, 10),
                accepted=w["yes"],
                intake_meeting_date=D(2025, 1, 22),
                withdrawn=w["no"],
            ),
            dict(
                connectee_id="C003",
                first_name="Luc",
                last_name="Arsenault",
                category=w["local_graduate"],
                official_language=w["french"],
                application_date=D(2025, 2, 3),
                accepted=w["no"],
            ),
        ],
        "connectors": [
            dict(
                connector_id="K001",
                first_name="Mary",
                last_name="MacDonald",
                email="mary@novabank.example",
                organization="Nova Bank",
                job_title="VP",
                sector="Finance",
                recruited_via=w["personal_contact"],
                orientation_meeting_date=D(2024, 10, 15),
                toolkit_received=w["yes"],
            ),
            dict(
                connector_id="K002",
                first_name="Raj",
                last_name="Patel",
                recruited_via=w["referral"],
                toolkit_received=w["no"],
            ),
        ],
        "introductions": [
            dict(
                connectee_id="C001",
                connector_id="K001",
                introduction_date=D(2024, 12, 2),
                introduced_by=w["coordinator"],
                outcome=w["interview"],
            ),
            dict(
                connectee_id="C002",
                connector_id="K002",
                introduction_date=D(2025, 2, 14),
                introduced_by=w["connector"],
                outcome=w["information"],
            ),
            dict(
                connectee_id="C001",
                connector_id="K002",
                introduction_date=D(2025, 3, 5),
                outcome=w["job_offer"],
            ),
        ],
        "jobs": [
            dict(
                connectee_id="C001",
                employer="Nova Bank",
                job_title="Project engineer",
                job_noc="21300",
                start_date=D(2025, 3, 17),
                employment_type=w["full_time"],
                in_field=w["yes"],
                matches_experience=w["yes"],
            ),
            dict(
                connectee_id="C002",
                employer="Acme Ltd",
                job_title="Analyst",
                start_date=D(2025, 3, 24),
                employment_type=w["contract"],
                in_field=w["yes"],
                matches_experience=w["no"],
            ),
        ],
    }


@pytest.mark.parametrize("lang", LANGS)
def test_a_filled_in_template_is_accepted_by_the_validator(tmp_path, lang):
    validate = pytest.importorskip("connector_rollup.intake.validate")
    from connector_rollup.registry import load_registry

    path = write_template(tmp_path / f"filled_{lang}.xlsx", lang)
    wb = load_workbook(path)
    w = FILL[lang]
    submission = wb[SUBMISSION_SHEET[LANGS.index(lang)]]
    values = {
        "community_code": "NS-HFX",
        "reporting_quarter": "2024-25-Q4",
        "submitted_on": D(2025, 4, 14),
        "coordinator_name": "Ana Pereira",
        "coordinator_email": "ana.pereira@example.ca",
        "tracks_jobs": w["yes"],
    }
    for row in range(2, submission.max_row + 1):
        field = next(
            f
            for f in SUBMISSION_FIELDS
            if fold(submission.cell(row, 1).value) == fold(f.label(lang))
        )
        submission.cell(row, 2, values[field.key])
    for sheet in DATA_SHEETS:
        ws = wb[sheet.name(lang)]
        index = {fold(c.value): i for i, c in enumerate(ws[1], start=1)}
        for row, record in enumerate(_rows(w)[sheet.key], start=2):
            for key, value in record.items():
                ws.cell(row, index[fold(sheet.column(key).header(lang))], value)
    wb.save(path)

    result = validate.validate_workbook(path, load_registry())
    assert [i for i in result.issues if i.severity == "error"] == []
    assert result.status == "accepted"
    assert result.issues == []  # not even a warning: every header the template writes is known


def test_instructions_rows_are_tall_enough_for_their_wrapped_text(template):
    """openpyxl writes no row heights and Excel does not fit them on open: wrapped rows would overlap."""
    _, wb = template
    ws = wb[wb.sheetnames[0]]
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCD"}
    merged = {
        r.start_cell.coordinate: sum(
            widths[get_column_letter(c)] for c in range(r.min_col, r.max_col + 1)
        )
        for r in ws.merged_cells.ranges
    }
    checked = 0
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            width = merged.get(cell.coordinate, widths.get(cell.column_letter))
            lines = len(cell.value) / width  # a character a unit of width, as Excel's "0"s at worst
            if lines > 1.2:
                assert cell.alignment.wrap_text, cell.coordinate
                height = ws.row_dimensions[cell.row].height
                assert height and height >= 15 * lines * 0.85, (
                    cell.coordinate,
                    cell.value[:40],
                    height,
                )
                checked += 1
    assert checked >= 10
    # Paragraphs span the four columns rather than running off the page beside the tables.
    assert ws["A3"].coordinate in merged and merged["A3"] == sum(widths.values())


def test_instructions_print_one_page_wide(template):
    lang, wb = template
    ws = wb[wb.sheetnames[0]]
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.page_setup.orientation == "landscape"
    for sheet in DATA_SHEETS:  # rosters print across pages, repeating their headers and IDs
        data = wb[sheet.name(lang)]
        assert (str(data.print_title_rows), str(data.print_title_cols)) == ("$1:$1", "$A:$A")
