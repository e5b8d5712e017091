"""Build submission workbooks in code for tests: literal rows in, an .xlsx out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from connector_rollup.contract import DATA_SHEETS, SUBMISSION_FIELDS

HEADERS = {s.key: [c.english for c in s.columns] for s in DATA_SHEETS}


def submission_rows(community="NS-HFX", quarter="2024-25-Q4", submitted_on=dt.date(2025, 4, 15),
                    tracks_jobs="Yes", lang="en"):
    values = {"community_code": community, "reporting_quarter": quarter, "submitted_on": submitted_on,
              "coordinator_name": "Pat Coordinator", "coordinator_email": "pat@example.ca",
              "tracks_jobs": tracks_jobs}
    header = ["Field", "Value"] if lang == "en" else ["Champ", "Valeur"]
    return [header] + [[f.label(lang), values[f.key]] for f in SUBMISSION_FIELDS]


def connectee(connectee_id="E1", **overrides):
    row = {"Connectee ID": connectee_id, "First name": "Ana", "Last name": "Silva",
           "Email": f"{str(connectee_id).lower()}@example.ca", "Phone": "902-555-0100",
           "Category": "Newcomer", "Country of origin": "Brazil", "Official language": "English",
           "Home occupation NOC": "21300", "Home occupation title": "Civil engineer",
           "Application date": dt.date(2024, 1, 10), "Accepted": "Yes",
           "Intake meeting date": dt.date(2024, 1, 20), "Withdrawn": "No"}
    row.update(overrides)
    return row


def connector(connector_id="C1", **overrides):
    row = {"Connector ID": connector_id, "First name": "Bob", "Last name": "Smith",
           "Email": f"{str(connector_id).lower()}@example.org", "Phone": "902-555-0199",
           "Organization": "Acme Engineering", "Job title": "Manager", "Sector": "Engineering",
           "Recruited via": "Referral", "Orientation meeting date": dt.date(2023, 5, 1),
           "Toolkit received": "Yes", "Withdrawn": "No"}
    row.update(overrides)
    return row


def introduction(connectee_id="E1", connector_id="C1", **overrides):
    row = {"Connectee ID": connectee_id, "Connector ID": connector_id,
           "Introduction date": dt.date(2024, 2, 1), "Introduced by": "Coordinator",
           "Outcome": "Information"}
    row.update(overrides)
    return row


def job(connectee_id="E1", **overrides):
    row = {"Connectee ID": connectee_id, "Employer": "City of Halifax", "Job title": "Civil engineer",
           "Job NOC": "21300", "Start date": dt.date(2024, 3, 1), "Employment type": "Full time",
           "In field": "Yes", "Matches experience": "Yes", "Withdrawn": "No"}
    row.update(overrides)
    return row


def write_workbook(path: Path, *, submission=None, connectees=(), connectors=(), introductions=(),
                   jobs=None, sheet_names=None, title_rows=(), drop_sheets=(), headers=None) -> Path:
    """Write a workbook: ``connectees`` etc. are lists of dicts keyed by English header.

    ``headers`` maps a sheet key to the header texts to write (default: the
    keys of the first row's dict, i.e. every English header).
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names = {"submission": "Submission", "connectees": "Connectees", "connectors": "Connectors",
             "introductions": "Introductions", "jobs": "Jobs", **(sheet_names or {})}
    ws = wb.create_sheet(names["submission"])
    for row in submission if submission is not None else submission_rows():
        ws.append(list(row))
    data = {"connectees": list(connectees), "connectors": list(connectors),
            "introductions": list(introductions)}
    if jobs is not None:
        data["jobs"] = list(jobs)
    for key, rows in data.items():
        if key in drop_sheets:
            continue
        ws = wb.create_sheet(names[key])
        for title in title_rows:
            ws.append([title])
        wanted = (headers or {}).get(key) or (list(rows[0]) if rows else HEADERS[key])
        source = list(rows[0]) if rows else HEADERS[key]
        ws.append(wanted)
        for row in rows:
            ws.append([row.get(h) if isinstance(row, dict) else None for h in source])
    path = Path(path)
    wb.save(path)
    return path
