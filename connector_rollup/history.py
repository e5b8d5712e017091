"""Stage 3, history: which submissions count, and each record's latest version.

* ``supersede``: of two workbooks for the same community and quarter, the one
  with the later ``Submitted on`` (ties: the later file modification time)
  replaces the other entirely; the replaced one is marked ``superseded``.
* ``resolve_references``: an introduction or job naming an ID the community
  never submitted as a valid row (in any effective submission) is an error.
* ``build_history``: the same record in several quarters' submissions is
  taken from the latest reporting quarter; a later ``Withdrawn`` Yes is
  therefore what every count sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from connector_rollup import messages
from connector_rollup.contract import DATA_SHEETS, SHEETS_BY_KEY
from connector_rollup.periods import Period
from connector_rollup.validate import ERROR, REFERENCES, UNRESOLVED_ID_CODES, Issue, Submission
from connector_rollup.values import fold_letters


def supersede(
    submissions: list[Submission], modified: dict[str, float] | None = None
) -> list[Submission]:
    """Mark replaced submissions ``superseded``; return the effective (accepted) ones.

    ``modified`` maps a submission's sha256 to its file modification time (the
    tie-break); the file's hash breaks any remaining tie, so the choice never
    depends on file names or the order files were found in.
    """
    modified = modified or {}
    latest: dict[tuple[str, Period], Submission] = {}
    for s in submissions:
        if s.status != "accepted":
            continue
        key = (s.community_code, s.period)
        rank = (s.submitted_on, modified.get(s.sha256, 0.0), s.sha256)
        current = latest.get(key)
        if current is None or rank > (
            current.submitted_on,
            modified.get(current.sha256, 0.0),
            current.sha256,
        ):
            latest[key] = s
    effective = {id(s) for s in latest.values()}
    for s in submissions:
        if s.status == "accepted" and id(s) not in effective:
            s.status = "superseded"
            s.reason = _superseded_reason(s, latest[(s.community_code, s.period)])
    return sorted(latest.values(), key=lambda s: (s.community_code, s.period))


def _superseded_reason(old: Submission, new: Submission) -> str:
    if old.language == "fr":
        return f"Remplacé par le classeur {new.sha256[:8]} soumis le {new.submitted_on}."
    return f"Replaced by workbook {new.sha256[:8]}, submitted on {new.submitted_on}."


def resolve_references(effective: list[Submission]) -> None:
    """Turn each community's unresolved IDs into errors, in place; drop the resolved warnings.

    An ID counts as defined when any effective submission of the community
    holds it as a valid row.
    """
    defined: dict[tuple[str, str], set[str]] = {}
    for s in effective:
        for target in ("connectees", "connectors"):
            frame = s.rows.get(target)
            if frame is not None:
                column = SHEETS_BY_KEY[target].unique_id
                defined.setdefault((s.community_code, target), set()).update(frame[column].dropna())
    for s in effective:
        kept: list[Issue] = []
        rejected_rows: dict[str, set[int]] = {}
        for issue in s.issues:
            if issue.code not in UNRESOLVED_ID_CODES:
                kept.append(issue)
                continue
            target, code = REFERENCES[(issue.sheet_key, issue.column_key)]
            if issue.value in defined.get((s.community_code, target), set()):
                continue  # defined in another submission: resolved
            if issue.code == "id_not_in_workbook":  # never submitted at all
                problem, fix = messages.cell_message(code, s.language, value=issue.value)
                issue.code, issue.message, issue.fix = code, problem, fix
            issue.severity = ERROR  # an ID whose own row has errors keeps saying so
            kept.append(issue)
            rejected_rows.setdefault(issue.sheet_key, set()).add(issue.row)
        s.issues = kept
        for sheet_key, rows in rejected_rows.items():
            frame = s.rows[sheet_key]
            newly = frame["excel_row"].isin(rows)
            s.rows[sheet_key] = frame[~newly].reset_index(drop=True)
            s.rows_rejected += int(newly.sum())


def employer_key(text: object) -> str:
    """An employer compared after folding case, accents and spaces."""
    if not isinstance(text, str):
        return ""
    return "".join(fold_letters(text).split())


@dataclass
class History:
    connectees: pd.DataFrame
    connectors: pd.DataFrame
    introductions: pd.DataFrame
    jobs: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "connectees": self.connectees,
            "connectors": self.connectors,
            "introductions": self.introductions,
            "jobs": self.jobs,
        }


def build_history(effective: list[Submission]) -> History:
    """Each community's records, each at its version from the latest reporting quarter."""
    frames = {}
    for sheet in DATA_SHEETS:
        sources = [
            s for s in effective if s.rows.get(sheet.key) is not None and len(s.rows[sheet.key])
        ]
        columns = ["community_code", *[c.key for c in sheet.columns], "source_period"]
        if not sources:
            frames[sheet.key] = _empty(sheet, columns)
            continue
        # One concat, then per-row provenance from the lengths: far cheaper than a copy per workbook.
        history = pd.concat([s.rows[sheet.key] for s in sources], ignore_index=True)
        lengths = [len(s.rows[sheet.key]) for s in sources]
        history["community_code"] = pd.array(
            np.repeat([s.community_code for s in sources], lengths), dtype="str"
        )
        history["source_period"] = pd.array(
            np.repeat([s.period.label for s in sources], lengths), dtype="str"
        )
        history["_order"] = np.repeat(
            [s.period.start_year * 10 + s.period.quarter for s in sources], lengths
        )
        key = ["community_code", *sheet.record_key]
        if sheet.key == "jobs":
            employers = history["employer"]
            folded = {e: employer_key(e) for e in employers.dropna().unique()}
            history["_employer"] = employers.map(folded).fillna("")
            key = ["community_code", "connectee_id", "_employer", "start_date"]
        history = (
            history.sort_values("_order", kind="stable")
            .drop_duplicates(subset=key, keep="last")
            .sort_values(key, kind="stable")
            .reset_index(drop=True)
        )
        frames[sheet.key] = history[columns]
    return History(**frames)


def _empty(sheet, columns) -> pd.DataFrame:
    from connector_rollup.contract import DATE, YES_NO

    dtypes = {
        c.key: ("datetime64[s]" if c.type == DATE else "bool" if c.type == YES_NO else "str")
        for c in sheet.columns
    }
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})
