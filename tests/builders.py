"""Build submission workbooks in code for tests: literal rows in, an .xlsx out."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from connector_rollup.contract import DATA_SHEETS, SHEETS_BY_KEY, SUBMISSION_FIELDS

HEADERS = {s.key: [c.english for c in s.columns] for s in DATA_SHEETS}
FRENCH_SHEET_NAMES = {"submission": "Soumission", **{s.key: s.french for s in DATA_SHEETS}}


def submission_rows(
    community="NS-HFX",
    quarter="2024-25-Q4",
    submitted_on=dt.date(2025, 4, 15),
    tracks_jobs="Yes",
    lang="en",
    coordinator_email="pat@example.ca",
):
    values = {
        "community_code": community,
        "reporting_quarter": quarter,
        "submitted_on": submitted_on,
        "coordinator_name": "Pat Coordinator",
        "coordinator_email": coordinator_email,
        "tracks_jobs": tracks_jobs,
    }
    header = ["Field", "Value"] if lang == "en" else ["Champ", "Valeur"]
    return [header] + [[f.label(lang), values[f.key]] for f in SUBMISSION_FIELDS]


def connectee(connectee_id="E1", **overrides):
    row = {
        "Connectee ID": connectee_id,
        "First name": "Ana",
        "Last name": "Silva",
        "Email": f"{str(connectee_id).lower()}@example.ca",
        "Phone": "902-555-0100",
        "Category": "Newcomer",
        "Country of origin": "Brazil",
        "Official language": "English",
        "Home occupation NOC": "21300",
        "Home occupation title": "Civil engineer",
        "Application date": dt.date(2024, 1, 10),
        "Accepted": "Yes",
        "Intake meeting date": dt.date(2024, 1, 20),
        "Withdrawn": "No",
    }
    row.update(overrides)
    return row


def connector(connector_id="C1", **overrides):
    row = {
        "Connector ID": connector_id,
        "First name": "Bob",
        "Last name": "Smith",
        "Email": f"{str(connector_id).lower()}@example.org",
        "Phone": "902-555-0199",
        "Organization": "Acme Engineering",
        "Job title": "Manager",
        "Sector": "Engineering",
        "Recruited via": "Referral",
        "Orientation meeting date": dt.date(2023, 5, 1),
        "Toolkit received": "Yes",
        "Withdrawn": "No",
    }
    row.update(overrides)
    return row


def introduction(connectee_id="E1", connector_id="C1", **overrides):
    row = {
        "Connectee ID": connectee_id,
        "Connector ID": connector_id,
        "Introduction date": dt.date(2024, 2, 1),
        "Introduced by": "Coordinator",
        "Outcome": "Information",
    }
    row.update(overrides)
    return row


def job(connectee_id="E1", **overrides):
    row = {
        "Connectee ID": connectee_id,
        "Employer": "City of Halifax",
        "Job title": "Civil engineer",
        "Job NOC": "21300",
        "Start date": dt.date(2024, 3, 1),
        "Employment type": "Full time",
        "In field": "Yes",
        "Matches experience": "Yes",
        "Withdrawn": "No",
    }
    row.update(overrides)
    return row


def french_headers(sheet_key: str, headers) -> list[str]:
    """The French headers for English ones of a sheet; a header the contract does not know is kept."""
    french = {c.english: c.french for c in SHEETS_BY_KEY[sheet_key].columns}
    return [french.get(h, h) for h in headers]


def write_workbook(
    path: Path,
    *,
    submission=None,
    connectees=(),
    connectors=(),
    introductions=(),
    jobs=None,
    sheet_names=None,
    title_rows=(),
    drop_sheets=(),
    headers=None,
    lang="en",
    extra_sheets=None,
) -> Path:
    """Write a workbook: ``connectees`` etc. are lists of dicts keyed by English header.

    ``headers`` maps a sheet key to the header texts to write (default: the
    keys of the first row's dict, i.e. every English header; in French with
    ``lang="fr"``, which also names the sheets and the Submission fields in
    French). A ``None`` in a list of rows writes a fully blank row;
    ``title_rows`` go above each data sheet's header (``None`` for a blank
    one). ``extra_sheets`` maps more sheet names to their rows.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names = {
        "submission": "Submission",
        "connectees": "Connectees",
        "connectors": "Connectors",
        "introductions": "Introductions",
        "jobs": "Jobs",
    }
    if lang == "fr":
        names.update(FRENCH_SHEET_NAMES)
    names.update(sheet_names or {})
    ws = wb.create_sheet(names["submission"])
    for row in submission if submission is not None else submission_rows(lang=lang):
        ws.append(list(row))
    data = {
        "connectees": list(connectees),
        "connectors": list(connectors),
        "introductions": list(introductions),
    }
    if jobs is not None:
        data["jobs"] = list(jobs)
    for key, rows in data.items():
        if key in drop_sheets:
            continue
        ws = wb.create_sheet(names[key])
        for title in title_rows:
            ws.append([title])
        first = next((row for row in rows if isinstance(row, dict)), None)
        source = list(first) if first else HEADERS[key]
        wanted = (headers or {}).get(key) or (
            french_headers(key, source) if lang == "fr" else source
        )
        ws.append(wanted)
        for row in rows:
            ws.append([row.get(h) if isinstance(row, dict) else None for h in source])
    for name, rows in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    path = Path(path)
    wb.save(path)
    return path


def with_cached_formula(path: Path, sheet_name: str, cell: str, formula: str, cached: str) -> Path:
    """Turn ``cell`` of ``sheet_name`` into a formula whose cached result is the text ``cached``.

    openpyxl writes formulas without a result (it computes none), so the
    sheet's XML is rewritten: ``<c r="A2" t="str"><f>formula</f><v>cached</v></c>``,
    as Excel saves a formula that returned text.
    """
    path = Path(path)
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet_name)
    wb[sheet_name][cell] = "=" + formula.lstrip("=")
    wb.save(path)
    part = f"xl/worksheets/sheet{index + 1}.xml"
    source = path.with_suffix(".tmp.xlsx")
    shutil.move(path, source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                xml = data.decode("utf-8")
                pattern = re.compile(
                    rf'<c r="{cell}"[^>]*>\s*<f>(.*?)</f>\s*(?:<v\s*/>|<v>.*?</v>)?\s*</c>'
                )
                xml, n = pattern.subn(
                    lambda m: f'<c r="{cell}" t="str"><f>{m[1]}</f><v>{escape(cached)}</v></c>', xml
                )
                assert n == 1, f"formula cell {cell} not found in {part}"
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    source.unlink()
    return path
