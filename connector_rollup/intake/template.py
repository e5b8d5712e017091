"""The blank submission workbook communities fill in, in English or French.

Everything the workbook says about sheets, columns and lists comes from
``contract``; this module only lays it out. The workbook holds plain values and
styles: the only formulas are the data-validation list references to the
hidden Lists sheet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from connector_rollup.contract import (
    DATA_SHEETS,
    DATE,
    EMAIL,
    ENUM,
    ENUMERATIONS,
    ID,
    NAME,
    NOC,
    SUBMISSION_FIELDS,
    SUBMISSION_HEADER,
    SUBMISSION_SHEET,
    YES_NO,
    Column,
    Sheet,
    SubmissionField,
)
from connector_rollup.intake.layout import fit_row_heights
from connector_rollup.periods import PROGRAM_START

LANGS = ("en", "fr")
# Data validation and formats reach this row: a whole roster of a large program fits.
LAST_ROW = 10_000
REQUIRED_MARK = " *"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
EARLIEST_DATE = PROGRAM_START  # the data validation of date cells, as validate's date range
LATEST_DATE = dt.date(2099, 12, 31)
YES_NO_LIST = "yes_no"
# Excel's limits on data-validation messages; longer ones make the file unreadable.
MAX_TITLE = 32
MAX_MESSAGE = 255

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
# Instructions columns: name, required, type and values, help.
_INSTRUCTION_WIDTHS = (28, 18, 50, 60)

# Every sentence the workbook says outside contract.py, in both languages.
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "instructions_sheet": "Instructions",
        "lists_sheet": "Lists",
        "title": "National Connector Program: quarterly submission workbook",
        "what": "This workbook is your community's quarterly report to the national "
        "secretariat of the Connector Program.",
        "periods": "Send one workbook per reporting quarter. The fiscal year runs from April "
        "to March: Q1 April-June, Q2 July-September, Q3 October-December, "
        "Q4 January-March.",
        "how_heading": "How to fill it in",
        "how": "\n".join(
            [
                "Fill in the {submission} sheet: your community code, the reporting quarter "
                "(written 2024-25-Q4), the date you send the workbook, and whether your program "
                "tracks jobs.",
                "Enter one row per person or event in the {data_sheets} sheets, and in {jobs} if "
                "your program tracks jobs.",
                "Columns marked * are required. Leave a cell blank when you do not have the "
                "information; do not write N/A or 0.",
                "Write dates as YYYY-MM-DD, for example 2025-01-15. Dates in the data sheets must "
                f"fall between {EARLIEST_DATE} and the last day of the reporting quarter.",
                "Choose Yes/No and list values from the drop-down list in the cell.",
                "Write NOC 2021 codes with their 5 digits, for example 21300 or 00010.",
                "Give each person the same ID every quarter. You may send your whole roster each "
                "quarter or only what is new or changed: when a record is in several quarters, "
                "the latest quarter's version is used.",
                "Introductions and jobs must use the IDs of Connectees and Connectors you have "
                "sent, in this workbook or an earlier one.",
                "A Connectee's category must be one your community's program may accept.",
                "To take a record out of the counts, send it again with {withdrawn} set to Yes; "
                "do not just delete the row.",
                "Do not rename the sheets or the column headings. Columns you add are ignored.",
                "To correct a workbook already sent, send the whole workbook again with a later "
                "{submitted_on} date: it replaces the earlier one entirely.",
                "The hidden {lists} sheet holds the drop-down values; do not change it.",
            ]
        ),
        "sheets_heading": "Sheets and columns",
        "sheet_required": "required sheet",
        "sheet_optional": "optional sheet: fill it in only if your program tracks jobs",
        "submission_help": "Two columns: the field, and its value in column B. One field per row.",
        "table_header": "Column|Required|Type and accepted values|Notes",
        "field_table_header": "Field|Required|Accepted value|Notes",
        "yes": "Yes",
        "and": "and",
        "no": "No",
        "blank_means": "No (blank means {value})",
        "required_when": "When {column} is {yes}",
        "text": "Text",
        "unique_id": "Text, unique in this sheet",
        "reference_id": "A {column} from the {sheet} sheet, in this workbook or an earlier one",
        "email": "One email address, for example name@example.ca",
        "date": "Date, YYYY-MM-DD (for example 2025-01-15)",
        "yes_no": "Yes or No",
        "noc": "NOC 2021 code, 5 digits (for example 21300)",
        "enum": "One of: {labels}",
        "community_code_value": "A community code, for example NS-HFX",
        "community_code_note": "Your community's code, as the national secretariat gave it.",
        "quarter_value": "A quarter, written 2024-25-Q4",
        "quarter_note": "The quarter this workbook reports: fiscal year 2024-25, fourth "
        "quarter (January-March 2025) is 2024-25-Q4.",
        "submitted_on_note": "The date you send this workbook. A corrected workbook for the "
        "same quarter needs a later date.",
        "tracks_jobs_note": "Yes if your program tracks the jobs Connectees find; then fill "
        "in the {jobs} sheet.",
        "community_code_prompt": "Your community's code, for example NS-HFX.",
        "quarter_prompt": "Write the quarter as 2024-25-Q4 (fiscal year April-March; "
        "Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar).",
        "date_prompt": "Date as YYYY-MM-DD, for example 2025-01-15.",
        "list_prompt": "Choose from the list.",
        "noc_prompt": "NOC 2021 code, 5 digits, for example 21300.",
        "reference_prompt": "A {column} from the {sheet} sheet or an earlier submission.",
        "list_error_title": "Not in the list",
        "list_error": "Choose a value from the drop-down list.",
        "date_error_title": "Date expected",
        "date_error": "Type a date as YYYY-MM-DD (for example 2025-01-15), between "
        f"{EARLIEST_DATE} and {LATEST_DATE}.",
        "noc_error_title": "NOC 2021 code",
        "noc_error": "A NOC 2021 code has 5 digits, for example 21300 (NOC 2016 codes had 4).",
    },
    "fr": {
        "instructions_sheet": "Instructions",
        "lists_sheet": "Listes",
        "title": "Programme national des connecteurs : classeur de soumission trimestrielle",
        "what": "Ce classeur est le rapport trimestriel de votre communauté au secrétariat "
        "national du Programme des connecteurs.",
        "periods": "Envoyez un classeur par trimestre. L'exercice financier va d'avril à "
        "mars : Q1 avril à juin, Q2 juillet à septembre, Q3 octobre à décembre, "
        "Q4 janvier à mars.",
        "how_heading": "Comment le remplir",
        "how": "\n".join(
            [
                "Remplissez la feuille {submission} : le code de votre communauté, le trimestre "
                "(écrit 2024-25-Q4), la date d'envoi du classeur et si votre programme fait le "
                "suivi des emplois.",
                "Inscrivez une ligne par personne ou par événement dans les feuilles "
                "{data_sheets}, et dans {jobs} si votre programme fait le suivi des emplois.",
                "Les colonnes marquées d'un * sont obligatoires. Laissez la cellule vide si vous "
                "n'avez pas l'information; n'écrivez ni S.O. ni 0.",
                "Écrivez les dates sous la forme AAAA-MM-JJ, par exemple 2025-01-15. Les dates "
                f"des feuilles de données doivent se situer entre le {EARLIEST_DATE} et le dernier jour "
                "du trimestre.",
                "Choisissez Oui/Non et les valeurs des listes dans la liste déroulante de la "
                "cellule.",
                "Écrivez les codes CNP 2021 avec leurs 5 chiffres, par exemple 21300 ou 00010.",
                "Donnez à chaque personne le même identifiant à chaque trimestre. Vous pouvez "
                "envoyer toute votre liste à chaque trimestre ou seulement ce qui est nouveau ou "
                "modifié : quand un dossier figure dans plusieurs trimestres, la version du "
                "trimestre le plus récent est retenue.",
                "Les présentations et les emplois doivent utiliser les identifiants de connectés "
                "et de connecteurs déjà envoyés, dans ce classeur ou dans un classeur précédent.",
                "La catégorie d'un connecté doit être admise par le programme de votre communauté.",
                "Pour retirer un dossier des comptes, envoyez-le de nouveau avec {withdrawn} à "
                "Oui; ne supprimez pas simplement la ligne.",
                "Ne renommez ni les feuilles ni les en-têtes de colonnes. Les colonnes que vous "
                "ajoutez sont ignorées.",
                "Pour corriger un classeur déjà envoyé, envoyez de nouveau le classeur complet "
                "avec une date {submitted_on} plus récente : il remplace entièrement le précédent.",
                "La feuille masquée {lists} contient les valeurs des listes déroulantes; ne la "
                "modifiez pas.",
            ]
        ),
        "sheets_heading": "Feuilles et colonnes",
        "sheet_required": "feuille obligatoire",
        "sheet_optional": "feuille facultative : à remplir seulement si votre programme fait "
        "le suivi des emplois",
        "submission_help": "Deux colonnes : le champ, et sa valeur dans la colonne B. "
        "Un champ par ligne.",
        "table_header": "Colonne|Obligatoire|Type et valeurs acceptées|Remarques",
        "field_table_header": "Champ|Obligatoire|Valeur acceptée|Remarques",
        "yes": "Oui",
        "and": "et",
        "no": "Non",
        "blank_means": "Non (vide : {value})",
        "required_when": "Si {column} est {yes}",
        "text": "Texte",
        "unique_id": "Texte, unique dans cette feuille",
        "reference_id": "Un {column} de la feuille {sheet}, dans ce classeur ou dans un précédent",
        "email": "Une adresse courriel, par exemple nom@exemple.ca",
        "date": "Date, AAAA-MM-JJ (par exemple 2025-01-15)",
        "yes_no": "Oui ou Non",
        "noc": "Code CNP 2021 à 5 chiffres (par exemple 21300)",
        "enum": "Une des valeurs : {labels}",
        "community_code_value": "Un code de communauté, par exemple NS-HFX",
        "community_code_note": "Le code de votre communauté, tel que le secrétariat national "
        "vous l'a attribué.",
        "quarter_value": "Un trimestre, écrit 2024-25-Q4",
        "quarter_note": "Le trimestre visé par ce classeur : le quatrième trimestre de "
        "l'exercice 2024-25 (janvier à mars 2025) s'écrit 2024-25-Q4.",
        "submitted_on_note": "La date d'envoi du classeur. Un classeur corrigé pour le même "
        "trimestre doit porter une date plus récente.",
        "tracks_jobs_note": "Oui si votre programme fait le suivi des emplois obtenus par les "
        "connectés; remplissez alors la feuille {jobs}.",
        "community_code_prompt": "Le code de votre communauté, par exemple NS-HFX.",
        "quarter_prompt": "Écrivez le trimestre sous la forme 2024-25-Q4 (exercice d'avril à "
        "mars; Q1 avr.-juin, Q2 juil.-sept., Q3 oct.-déc., Q4 janv.-mars).",
        "date_prompt": "Date sous la forme AAAA-MM-JJ, par exemple 2025-01-15.",
        "list_prompt": "Choisissez dans la liste.",
        "noc_prompt": "Code CNP 2021 à 5 chiffres, par exemple 21300.",
        "reference_prompt": "Un {column} de la feuille {sheet} ou d'une soumission précédente.",
        "list_error_title": "Valeur hors de la liste",
        "list_error": "Choisissez une valeur dans la liste déroulante.",
        "date_error_title": "Date attendue",
        "date_error": "Entrez une date sous la forme AAAA-MM-JJ (par exemple 2025-01-15), "
        f"entre {EARLIEST_DATE} et {LATEST_DATE}.",
        "noc_error_title": "Code CNP 2021",
        "noc_error": "Un code CNP 2021 compte 5 chiffres, par exemple 21300 (les codes CNP "
        "2016 en avaient 4).",
    },
}

# The Submission sheet's field rows, after its header row.
_FIELD_ROW = {f.key: row for row, f in enumerate(SUBMISSION_FIELDS, start=2)}


def write_template(path: str | Path, lang: str = "en") -> Path:
    """Write the blank submission workbook in English (``en``) or French (``fr``) to ``path``."""
    if lang not in LANGS:
        raise ValueError(f"The template language must be one of {', '.join(LANGS)}, not {lang!r}.")
    path = Path(path)
    wb = Workbook()
    instructions = wb.active
    instructions.title = _TEXT[lang]["instructions_sheet"]
    _write_instructions(instructions, lang)
    _write_submission(wb.create_sheet(SUBMISSION_SHEET[LANGS.index(lang)]), lang)
    for sheet in DATA_SHEETS:
        _write_data_sheet(wb.create_sheet(sheet.name(lang)), sheet, lang)
    _write_lists(wb, lang)
    wb.active = 0
    wb.properties.title = _TEXT[lang]["title"]
    wb.properties.creator = "connector-rollup"
    wb.save(path)
    return path


def marked_header(column: Column | SubmissionField, lang: str) -> str:
    """A column header or field label as the template writes it: `` *`` after required ones."""
    text = column.header(lang) if isinstance(column, Column) else column.label(lang)
    return text + REQUIRED_MARK if column.required else text


def list_labels(list_name: str, lang: str) -> tuple[str, ...]:
    """The drop-down values of an enumeration (or ``yes_no``) in one language.

    French lists hold every form the contract gives, masculine and feminine, so a
    coordinator can choose either.
    """
    if list_name == YES_NO_LIST:
        return (_TEXT[lang]["yes"], _TEXT[lang]["no"])
    labels: list[str] = []
    for english, french in ENUMERATIONS[list_name].labels.values():
        for label in (english,) if lang == "en" else french:
            if label not in labels:
                labels.append(label)
    return tuple(labels)


def list_defined_name(list_name: str) -> str:
    """The workbook-level name of a drop-down list's range on the Lists sheet."""
    return f"list_{list_name}"


# -- Lists ---------------------------------------------------------------------------------


def _list_names() -> list[str]:
    return [YES_NO_LIST, *ENUMERATIONS]


def _list_title(list_name: str, lang: str) -> str:
    if list_name == YES_NO_LIST:
        return f"{_TEXT[lang]['yes']}/{_TEXT[lang]['no']}"
    enumeration = ENUMERATIONS[list_name]
    name = enumeration.english_name if lang == "en" else enumeration.french_name
    return name[0].upper() + name[1:]


def _write_lists(wb: Workbook, lang: str) -> None:
    ws = wb.create_sheet(_TEXT[lang]["lists_sheet"])
    for index, list_name in enumerate(_list_names(), start=1):
        letter = get_column_letter(index)
        labels = list_labels(list_name, lang)
        ws.cell(1, index, _list_title(list_name, lang)).font = _HEADER_FONT
        for row, label in enumerate(labels, start=2):
            ws.cell(row, index, label)
        ws.column_dimensions[letter].width = max(len(x) for x in labels) + 4
        name = list_defined_name(list_name)
        reference = f"'{ws.title}'!${letter}$2:${letter}${len(labels) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=reference)
    ws.sheet_state = "hidden"


# -- Data validation -----------------------------------------------------------------------


def _serial(day: dt.date) -> str:
    return str((day - _EXCEL_EPOCH).days)


def _message(text: str) -> str:
    if len(text) > MAX_MESSAGE:
        raise ValueError(f"Data-validation message longer than {MAX_MESSAGE} characters: {text}")
    return text


def _prompt(dv: DataValidation, title: str, text: str) -> DataValidation:
    if text:
        dv.promptTitle = title[:MAX_TITLE]
        dv.prompt = _message(text)
        dv.showInputMessage = True
    return dv


def _list_validation(list_name: str, lang: str) -> DataValidation:
    t = _TEXT[lang]
    return DataValidation(
        type="list",
        formula1=list_defined_name(list_name),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=t["list_error_title"][:MAX_TITLE],
        error=_message(t["list_error"]),
    )


def _date_validation(lang: str) -> DataValidation:
    t = _TEXT[lang]
    return DataValidation(
        type="date",
        operator="between",
        formula1=_serial(EARLIEST_DATE),
        formula2=_serial(LATEST_DATE),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=t["date_error_title"][:MAX_TITLE],
        error=_message(t["date_error"]),
    )


def _noc_validation(lang: str) -> DataValidation:
    # A warning, not a stop: the reader pads a number that lost its leading zeros.
    t = _TEXT[lang]
    return DataValidation(
        type="textLength",
        operator="equal",
        formula1="5",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=t["noc_error_title"][:MAX_TITLE],
        error=_message(t["noc_error"]),
    )


def _referenced_sheet(sheet: Sheet, column: Column) -> Sheet | None:
    """The sheet an ID column points into, when it is not the sheet's own ID."""
    if column.type != ID or column.key == sheet.unique_id:
        return None
    return next((s for s in DATA_SHEETS if s.unique_id == column.key), None)


def _column_validation(sheet: Sheet, column: Column, lang: str) -> DataValidation | None:
    t = _TEXT[lang]
    help_text = column.help_en if lang == "en" else column.help_fr
    hint = ""
    if column.type == ENUM:
        dv, hint = _list_validation(column.enumeration, lang), t["list_prompt"]
    elif column.type == YES_NO:
        dv, hint = _list_validation(YES_NO_LIST, lang), t["list_prompt"]
    elif column.type == DATE:
        dv, hint = _date_validation(lang), t["date_prompt"]
    elif column.type == NOC:
        dv = _noc_validation(lang)
        hint = "" if help_text else t["noc_prompt"]
    else:
        target = _referenced_sheet(sheet, column)
        if target is not None:
            hint = t["reference_prompt"].format(column=column.header(lang), sheet=target.name(lang))
        if not (help_text or hint):
            return None
        dv = DataValidation(allow_blank=True)  # any value: carries the input message only
    return _prompt(dv, column.header(lang), " ".join(x for x in (help_text, hint) if x))


# -- Sheets --------------------------------------------------------------------------------


def _style_header(cell) -> None:
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center")


def _column_width(column: Column, header: str, lang: str) -> float:
    minimum = {DATE: 13, EMAIL: 28, NAME: 16, ID: 14, NOC: 10, YES_NO: 9}.get(column.type, 18)
    if column.type == ENUM:
        minimum = max(len(x) for x in list_labels(column.enumeration, lang)) + 5
    return min(max(len(header) + 3, minimum), 40)


def _write_data_sheet(ws: Worksheet, sheet: Sheet, lang: str) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        header = marked_header(column, lang)
        _style_header(ws.cell(1, index, header))
        dimension = ws.column_dimensions[letter]
        dimension.width = _column_width(column, header, lang)
        # Column-level formats: Excel gives them to every cell typed in the column.
        if column.type == DATE:
            dimension.number_format = DATE_FORMAT
        elif column.type in (ID, NOC) or column.key == "phone":
            dimension.number_format = TEXT_FORMAT  # keeps leading zeros and long numbers
        dv = _column_validation(sheet, column, lang)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    # A roster is too wide for one page at a readable size: it prints across
    # pages, each repeating the headers and the ID column.
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:A"


def _write_submission(ws: Worksheet, lang: str) -> None:
    t = _TEXT[lang]
    for index, text in enumerate(SUBMISSION_HEADER[LANGS.index(lang)], start=1):
        _style_header(ws.cell(1, index, text))
    for field in SUBMISSION_FIELDS:
        ws.cell(_FIELD_ROW[field.key], 1, marked_header(field, lang)).font = _HEADER_FONT
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 32
    ws.freeze_panes = "A2"
    _print_to_width(ws, landscape=False)

    def value_cell(key: str) -> str:
        return f"B{_FIELD_ROW[key]}"

    def label(key: str) -> str:
        return next(f for f in SUBMISSION_FIELDS if f.key == key).label(lang)

    for key in ("community_code", "reporting_quarter"):
        ws[value_cell(key)].number_format = TEXT_FORMAT
    ws[value_cell("submitted_on")].number_format = DATE_FORMAT

    validations = [
        (
            "community_code",
            _prompt(
                DataValidation(allow_blank=True),
                label("community_code"),
                t["community_code_prompt"],
            ),
        ),
        (
            "reporting_quarter",
            _prompt(
                DataValidation(allow_blank=True), label("reporting_quarter"), t["quarter_prompt"]
            ),
        ),
        ("submitted_on", _prompt(_date_validation(lang), label("submitted_on"), t["date_prompt"])),
        (
            "tracks_jobs",
            _prompt(_list_validation(YES_NO_LIST, lang), label("tracks_jobs"), t["list_prompt"]),
        ),
    ]
    for key, dv in validations:
        dv.add(value_cell(key))
        ws.add_data_validation(dv)


def _print_to_width(ws: Worksheet, landscape: bool) -> None:
    """Print ``ws`` one page wide and as many pages long as it takes.

    Without this Excel prints the columns that do not fit on pages of their
    own, so a row of instructions is split across sheets of paper.
    """
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5


# -- Instructions --------------------------------------------------------------------------


def _required_text(sheet: Sheet, column: Column, lang: str) -> str:
    t = _TEXT[lang]
    if column.required:
        return t["yes"]
    if column.required_when_yes:
        other = sheet.column(column.required_when_yes).header(lang)
        return t["required_when"].format(column=other, yes=t["yes"])
    if isinstance(column.default, bool):
        return t["blank_means"].format(value=t["yes"] if column.default else t["no"])
    if column.default is not None and column.enumeration:
        value = ENUMERATIONS[column.enumeration].label(column.default, lang)
        return t["blank_means"].format(value=value)
    return t["no"]


def _enum_values_text(name: str, lang: str) -> str:
    enumeration = ENUMERATIONS[name]
    if lang == "en":
        return ", ".join(english for english, _ in enumeration.labels.values())
    return ", ".join(" / ".join(french) for _, french in enumeration.labels.values())


def _type_text(sheet: Sheet, column: Column, lang: str) -> str:
    t = _TEXT[lang]
    if column.type == ENUM:
        return t["enum"].format(labels=_enum_values_text(column.enumeration, lang))
    if column.type == ID:
        target = _referenced_sheet(sheet, column)
        if target is None:
            return t["unique_id"]
        return t["reference_id"].format(column=column.header(lang), sheet=target.name(lang))
    return t[{DATE: "date", YES_NO: "yes_no", NOC: "noc", EMAIL: "email"}.get(column.type, "text")]


def _field_rows(lang: str) -> list[tuple[str, str, str, str]]:
    t = _TEXT[lang]
    jobs = next(s for s in DATA_SHEETS if s.key == "jobs").name(lang)
    value = {
        "community_code": t["community_code_value"],
        "reporting_quarter": t["quarter_value"],
        "submitted_on": t["date"],
        "coordinator_name": t["text"],
        "coordinator_email": t["email"],
        "tracks_jobs": t["yes_no"],
    }
    notes = {
        "community_code": t["community_code_note"],
        "reporting_quarter": t["quarter_note"],
        "submitted_on": t["submitted_on_note"],
        "tracks_jobs": t["tracks_jobs_note"].format(jobs=jobs),
    }
    return [
        (
            marked_header(f, lang),
            t["yes"] if f.required else t["no"],
            value[f.key],
            notes.get(f.key, ""),
        )
        for f in SUBMISSION_FIELDS
    ]


def _column_rows(sheet: Sheet, lang: str) -> list[tuple[str, str, str, str]]:
    return [
        (
            marked_header(c, lang),
            _required_text(sheet, c, lang),
            _type_text(sheet, c, lang),
            c.help_en if lang == "en" else c.help_fr,
        )
        for c in sheet.columns
    ]


def _join(names: list[str], conjunction: str) -> str:
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}" if len(names) > 1 else names[0]


def _write_instructions(ws: Worksheet, lang: str) -> None:
    t = _TEXT[lang]
    submission = SUBMISSION_SHEET[LANGS.index(lang)]
    jobs_sheet = next(s for s in DATA_SHEETS if s.key == "jobs")
    connectees = next(s for s in DATA_SHEETS if s.key == "connectees")
    submitted_on = next(f for f in SUBMISSION_FIELDS if f.key == "submitted_on")
    names = {
        "submission": submission,
        "data_sheets": _join([s.name(lang) for s in DATA_SHEETS if s.required], t["and"]),
        "jobs": jobs_sheet.name(lang),
        "withdrawn": connectees.column("withdrawn").header(lang),
        "submitted_on": submitted_on.label(lang),
        "lists": t["lists_sheet"],
    }
    row = 1

    def prose(text: str, font: Font | None = None) -> None:
        """One paragraph across the four columns, wrapped (it would run off the page otherwise)."""
        nonlocal row
        cell = ws.cell(row, 1, text)
        cell.alignment = _WRAP_TOP
        if font is not None:
            cell.font = font
        ws.merge_cells(
            start_row=row, start_column=1, end_row=row, end_column=len(_INSTRUCTION_WIDTHS)
        )
        row += 1

    prose(t["title"], _TITLE_FONT)
    row += 1
    for key in ("what", "periods"):
        prose(t[key])
    row += 1
    prose(t["how_heading"], _HEADER_FONT)
    for number, line in enumerate(t["how"].format(**names).split("\n"), start=1):
        prose(f"{number}. {line}")
    row += 1
    prose(t["sheets_heading"], _TITLE_FONT)
    row += 1

    sections = [
        (
            submission,
            t["sheet_required"],
            t["submission_help"],
            t["field_table_header"],
            _field_rows(lang),
        )
    ]
    for sheet in DATA_SHEETS:
        status = t["sheet_required"] if sheet.required else t["sheet_optional"]
        sections.append(
            (
                sheet.name(lang),
                status,
                sheet.help_en if lang == "en" else sheet.help_fr,
                t["table_header"],
                _column_rows(sheet, lang),
            )
        )
    for name, status, help_text, table_header, rows in sections:
        prose(f"{name} ({status})", _HEADER_FONT)
        prose(help_text)
        for index, text in enumerate(table_header.split("|"), start=1):
            _style_header(ws.cell(row, index, text))
        row += 1
        for values in rows:
            for index, text in enumerate(values, start=1):
                if text:
                    ws.cell(row, index, text).alignment = _WRAP_TOP
            row += 1
        row += 1
    widths = dict(zip("ABCD", _INSTRUCTION_WIDTHS))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    fit_row_heights(ws, widths)
    _print_to_width(ws, landscape=True)
