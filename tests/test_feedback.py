"""Feedback renderings: terminal text, Markdown, and the annotated copy of the workbook."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from builders import connectee, connector, introduction, job, submission_rows, write_workbook

from connector_rollup.escape import for_markdown
from connector_rollup.intake import feedback
from connector_rollup.intake.validate import validate_workbook
from connector_rollup.messages import code_meaning

FORMULA_LIKE = '=HYPERLINK("http://x","y")'


def _force_text(path, sheet, cell, value):
    """Store ``value`` as a text cell, as a community's typed text that merely starts with ``=``."""
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell].value = value
    wb[sheet][cell].data_type = "s"
    wb.save(path)


@pytest.fixture
def english(tmp_path, registry):
    """Errors in Connectees (row 3: email, category; row 4: language) and a warning in Introductions."""
    path = write_workbook(
        tmp_path / "hfx.xlsx",
        connectees=[
            connectee("E1"),
            connectee("E2", Email="+1+2", Category="placeholder"),
            connectee("E3", **{"Official language": "@SUM(A1)"}),
        ],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1"), introduction("E1", "C9")],
        jobs=[job("E1")],
    )
    _force_text(path, "Connectees", "F3", FORMULA_LIKE)
    return path, validate_workbook(path, registry)


@pytest.fixture
def french(tmp_path, registry):
    fr = {
        "Category": "Nouvel arrivant",
        "Official language": "Français",
        "Accepted": "Oui",
        "Withdrawn": "Non",
    }
    path = write_workbook(
        tmp_path / "mtl.xlsx",
        lang="fr",
        submission=submission_rows(community="QC-MTL", lang="fr", tracks_jobs="Non"),
        connectees=[connectee("E1", **fr), connectee("E2", **{**fr, "Email": "ana@"})],
        connectors=[connector("C1", **{"Toolkit received": "Oui", "Withdrawn": "Non"})],
        introductions=[
            introduction("E1", "C1", **{"Introduced by": "Coordonnateur", "Outcome": "Entrevue"})
        ],
    )
    return path, validate_workbook(path, registry)


def test_the_english_fixture_found_what_it_should(english):
    _, s = english
    assert [(i.cell, i.severity, i.code) for i in s.issues] == [
        ("D3", "error", "bad_email"),
        ("F3", "error", "bad_choice"),
        ("H4", "error", "bad_choice"),
        ("B3", "warning", "id_not_in_workbook"),
    ]
    assert s.issues[1].value == FORMULA_LIKE
    assert (s.rows_read, s.rows_rejected) == (7, 2)


def test_format_text(english):
    _, s = english
    text = feedback.format_text(s)
    assert text.startswith("Validation of hfx.xlsx\n")
    assert (
        "Status: accepted" in text
        and "Community: NS-HFX" in text
        and "Reporting quarter: 2024-25-Q4" in text
    )
    assert "Rows read: 7; rows rejected: 2." in text
    assert "Summary: 3 errors, 1 warning" in text
    assert re.search(r"2\s+error\s+bad_choice", text) and re.search(
        r"1\s+warning\s+id_not_in_workbook", text
    )
    assert "Sheet Connectees" in text and "Sheet Introductions" in text
    for issue in s.issues:
        assert f"{issue.cell:<7} {issue.severity:<13} {issue.code}: {issue.message}" in text
        assert f"-> {issue.fix}" in text
    assert "Rows with errors are left out" in text


def test_format_text_in_french(french):
    _, s = french
    text = feedback.format_text(s)
    assert text.startswith("Validation de mtl.xlsx\n")
    assert "Statut\u00a0: accepté" in text and "Communauté\u00a0: QC-MTL" in text
    assert "Lignes lues : 4; lignes rejetées : 1." in text
    assert "Résumé\u00a0: 1 erreur, 0 avertissement" in text
    assert "Feuille Connectés" in text
    assert "« ana@ » n'est pas une adresse courriel valide." in text
    assert "-> Écrivez une seule adresse comme nom@exemple.ca" in text


def test_format_text_clean_and_rejected(tmp_path, registry):
    clean = validate_workbook(
        write_workbook(
            tmp_path / "ok.xlsx",
            connectees=[connectee()],
            connectors=[connector()],
            introductions=[introduction()],
            jobs=[job()],
        ),
        registry,
    )
    assert "No problems found: the workbook is ready to send." in feedback.format_text(clean)
    assert feedback.exit_status(clean) == 0
    rejected = validate_workbook(
        write_workbook(tmp_path / "bad.xlsx", submission=submission_rows(community="XX")), registry
    )
    text = feedback.format_text(rejected)
    assert "Status: rejected" in text
    assert (
        "The whole file was rejected and nothing in it is counted: The community code 'XX'" in text
    )
    assert feedback.exit_status(rejected) == 2
    assert rejected.reason in feedback.format_markdown(rejected)


def test_format_markdown(english):
    _, s = english
    md = feedback.format_markdown(s)
    assert md.startswith("# Validation of hfx.xlsx\n")
    assert "- Rows read: 7; rows rejected: 2." in md
    assert "| error | `bad_choice` | 2 |" in md and "| warning | `id_not_in_workbook` | 1 |" in md
    assert "## Sheet Connectees" in md and "## Sheet Introductions" in md
    for issue in s.issues:
        line = next(line for line in md.splitlines() if line.startswith(f"| {issue.cell} |"))
        assert f"`{issue.code}`" in line and issue.fix in line
        assert for_markdown(issue.message) in line
    assert feedback.exit_status(s) == 1


def test_format_markdown_escapes_pipes(tmp_path, registry):
    path = write_workbook(
        tmp_path / "b.xlsx",
        connectees=[connectee(Category="a|b")],
        connectors=[connector()],
        introductions=[],
    )
    md = feedback.format_markdown(validate_workbook(path, registry))
    (line,) = [line for line in md.splitlines() if line.startswith("| F2 |")]
    assert "a\\|b" in line and line.count(" | ") == 6  # seven cells, none split by the value


def test_format_markdown_in_french(french):
    _, s = french
    md = feedback.format_markdown(s, heading_level=2, title="MTL")
    assert md.startswith("## MTL\n")
    assert "### Résumé" in md and "### Feuille Connectés" in md
    assert "| Cellule | Colonne | Gravité | Code | Valeur trouvée | Problème | Correction |" in md
    assert "| D3 | Courriel | erreur | `bad_email` | ana@ |" in md


def _problems_xml(path, sheet_name) -> str:
    """The XML of the worksheet named ``sheet_name`` in a saved workbook."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        escaped = sheet_name.replace("&", "&amp;").replace("'", "&apos;")
        rid = re.search(rf'<sheet[^>]*name="{re.escape(escaped)}"[^>]*r:id="(rId\d+)"', workbook)[1]
        target = re.search(
            rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels
        ) or re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        return z.read("xl/" + target[1].lstrip("/").removeprefix("xl/")).decode()


def test_write_annotated(english, tmp_path):
    path, s = english
    out = feedback.write_annotated(path, s, tmp_path / "annotated.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Problems" and wb.active.title == "Problems"

    connectees = wb["Connectees"]
    for cell, issue in [("D3", s.issues[0]), ("F3", s.issues[1]), ("H4", s.issues[2])]:
        assert connectees[cell].fill.fgColor.rgb.endswith("FFC7CE")
        assert (
            issue.message in connectees[cell].comment.text
            and issue.fix in connectees[cell].comment.text
        )
    assert connectees["A2"].comment is None and connectees["A2"].fill.fgColor.rgb == "00000000"
    warned = wb["Introductions"]["B3"]
    assert warned.fill.fgColor.rgb.endswith("FFEB9C") and "C9" in warned.comment.text
    assert connectees["D3"].value == "+1+2"  # the community's data is kept as it was

    problems = wb["Problems"]
    rows = list(problems.iter_rows(values_only=True))
    assert rows[0] == (
        "Sheet",
        "Cell",
        "Severity",
        "Code",
        "Meaning",
        "Column",
        "Value found",
        "Problem",
        "How to fix",
    )
    assert len(rows) == 1 + len(s.issues)
    for r, issue in enumerate(s.issues, start=2):  # the fixture's issues come errors first already
        assert rows[r - 1] == (
            issue.sheet,
            issue.cell,
            issue.severity,
            issue.code,
            code_meaning(issue.code),
            issue.column,
            issue.value,
            issue.message,
            issue.fix,
        )
        assert problems.cell(r, 2).hyperlink.location == f"'{issue.sheet}'!{issue.cell}"
    assert problems["B2"].hyperlink.location == "'Connectees'!D3"

    values = {
        problems.cell(r, 7).value: problems.cell(r, 7) for r in range(2, problems.max_row + 1)
    }
    for text in (FORMULA_LIKE, "+1+2", "@SUM(A1)"):
        assert values[text].data_type == "s"
    xml = _problems_xml(out, "Problems")
    assert "<f>" not in xml and "<f " not in xml
    assert (
        "HYPERLINK" in xml
        or "HYPERLINK" in zipfile.ZipFile(out).read("xl/sharedStrings.xml").decode()
    )


def test_write_annotated_in_french(french, tmp_path):
    path, s = french
    out = feedback.write_annotated(path, s, tmp_path / "annotee.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Problèmes"
    problems = wb["Problèmes"]
    assert [c.value for c in problems[1]] == [
        "Feuille",
        "Cellule",
        "Gravité",
        "Code",
        "Signification",
        "Colonne",
        "Valeur trouvée",
        "Problème",
        "Correction",
    ]
    assert [c.value for c in problems[2]][:5] == [
        "Connectés",
        "D3",
        "erreur",
        "bad_email",
        code_meaning("bad_email", "fr"),
    ]
    assert problems["B2"].hyperlink.location == "'Connectés'!D3"
    assert "n'est pas une adresse courriel valide" in wb["Connectés"]["D3"].comment.text
    assert "erreur (bad_email)" in wb["Connectés"]["D3"].comment.text


def test_write_annotated_quotes_a_sheet_name_with_an_apostrophe(tmp_path, registry):
    path = write_workbook(
        tmp_path / "b.xlsx",
        sheet_names={"connectees": "Connectees'"},
        submission=submission_rows(tracks_jobs="No"),
        connectees=[connectee(Email="nope")],
        connectors=[connector()],
        introductions=[],
    )
    s = validate_workbook(path, registry)
    assert [(i.sheet, i.cell) for i in s.issues] == [("Connectees'", "D2")]
    wb = openpyxl.load_workbook(feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    assert wb["Problems"]["B2"].hyperlink.location == "'Connectees'''!D2"


def test_write_annotated_marks_the_submission_sheet_and_keeps_control_characters_out(
    tmp_path, registry
):
    path = write_workbook(
        tmp_path / "b.xlsx",
        submission=submission_rows(tracks_jobs="maybe"),
        connectees=[connectee()],
        connectors=[connector()],
        introductions=[],
    )
    s = validate_workbook(path, registry)
    s.issues[0].value = "bad\x0bvalue"  # a control character pasted from elsewhere
    wb = openpyxl.load_workbook(feedback.write_annotated(path, s, tmp_path / "out.xlsx"))
    assert wb["Submission"]["B7"].fill.fgColor.rgb.endswith("FFC7CE")
    assert wb["Problems"]["G2"].value == "bad\\x0bvalue"  # shown, as the terminal shows it


def test_write_annotated_replaces_an_earlier_problems_sheet(english, tmp_path):
    path, s = english
    first = feedback.write_annotated(path, s, tmp_path / "first.xlsx")
    second = feedback.write_annotated(first, s, tmp_path / "second.xlsx")
    assert openpyxl.load_workbook(second).sheetnames.count("Problems") == 1


def test_write_annotated_refuses_a_rejected_workbook(tmp_path, registry):
    path = write_workbook(tmp_path / "b.xlsx", submission=submission_rows(quarter="soon"))
    s = validate_workbook(path, registry)
    with pytest.raises(ValueError, match="rejected"):
        feedback.write_annotated(path, s, tmp_path / "out.xlsx")


def test_renderings_show_an_escape_sequence_as_text():
    """An OSC-8 hidden link typed in a cell: visible in the terminal and in Markdown, never sent raw."""
    from connector_rollup.intake.validate import Issue, Submission

    typed = "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\"
    issue = Issue(
        file_name="b.xlsx",
        sheet="Connectees",
        row=3,
        column="Accepted",
        cell="L3",
        severity="error",
        code="bad_yes_no",
        value=typed,
        message=f"'{typed}' is not Yes or No.",
        fix="Choose Yes or No.",
    )
    s = Submission(file_name="b\x1b[2J.xlsx", sha256="0" * 64, status="accepted", issues=[issue])
    text, md = feedback.format_text(s), feedback.format_markdown(s)
    assert "\x1b" not in text and "\x1b" not in md
    assert text.startswith("Validation of b\\x1b[2J.xlsx\n")
    assert "bad_yes_no: '\\x1b]8;;http://evil\\x1b\\x\\x1b]8;;\\x1b\\' is not Yes or No." in text
    assert "| '\\x1b\\]8;;http://evil\\x1b\\\\x\\x1b\\]8;;\\x1b\\\\' is not Yes or No. |" in md
