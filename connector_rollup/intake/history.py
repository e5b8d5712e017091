"""Stage 3, history: which submissions count, and each record's latest version.

* ``check``: the chain every caller uses, returning new submissions:
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

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from connector_rollup import messages
from connector_rollup.contract import DATA_SHEETS, REFERENCES, SHEETS_BY_KEY, UNRESOLVED_ID_CODES
from connector_rollup.periods import Period
from connector_rollup.submission import ERROR, Issue, Submission
from connector_rollup.values import fold_letters


@dataclass(frozen=True)
class Checked:
    """Submissions as the roll-up uses them (see ``check``)."""

    # every submission given, in the same order: replaced ones ``superseded``, effective ones resolved
    submissions: list[Submission]
    # the ones used through the quarter, by (community, quarter)
    effective: list[Submission]


def check(
    submissions: list[Submission],
    modified: dict[str, float] | None = None,
    quarter: Period | None = None,
) -> Checked:
    """Supersede, keep what counts through ``quarter``, and resolve IDs across each community.

    The one chain from validated workbooks to the submissions the roll-up
    counts, shared by ``validate --raw``, the flow and the portal. It returns
    new values and changes none of ``submissions``. ``modified`` is as for
    ``supersede``; ``quarter`` None keeps every quarter.
    """
    marked = supersede(submissions, modified)
    used = [
        s for s in marked if s.status == "accepted" and (quarter is None or s.period <= quarter)
    ]
    resolved = dict(zip(map(id, used), resolve_references(used)))
    every = [resolved.get(id(s), s) for s in marked]
    effective = sorted(resolved.values(), key=lambda s: (s.community_code, s.period))
    return Checked(every, effective)


def supersede(
    submissions: list[Submission], modified: dict[str, float] | None = None
) -> list[Submission]:
    """``submissions`` in the same order, each replaced one a copy marked ``superseded``.

    Of two accepted workbooks for the same community and quarter, the later
    ``Submitted on`` wins; ``modified`` maps a submission's sha256 to its file
    modification time (the tie-break), and the file's hash breaks any
    remaining tie, so the choice never depends on file names or the order
    files were found in.
    """
    modified = modified or {}

    def rank(s: Submission) -> tuple:
        return (s.submitted_on, modified.get(s.sha256, 0.0), s.sha256)

    latest: dict[tuple[str, Period], Submission] = {}
    for s in submissions:
        if s.status == "accepted":
            key = (s.community_code, s.period)
            if key not in latest or rank(s) > rank(latest[key]):
                latest[key] = s
    marked = []
    for s in submissions:
        winner = latest.get((s.community_code, s.period)) if s.status == "accepted" else s
        if winner is s:
            marked.append(s)
        else:
            marked.append(replace(s, status="superseded", reason=_superseded_reason(s, winner)))
    return marked


def _superseded_reason(old: Submission, new: Submission) -> str:
    if old.language == "fr":
        return f"Remplacé par le classeur {new.sha256[:8]} soumis le {new.submitted_on}."
    return f"Replaced by workbook {new.sha256[:8]}, submitted on {new.submitted_on}."


def resolve_references(effective: list[Submission]) -> list[Submission]:
    """``effective`` with each community's unresolved IDs made errors and the resolved warnings dropped.

    An ID counts as defined when any effective submission of the community
    holds it as a valid row. A row naming an undefined ID is taken out of the
    valid rows. Returns new submissions (the same object where nothing
    changed); changes none of ``effective``.
    """
    defined: dict[tuple[str, str], set[str]] = {}
    for s in effective:
        for target in ("connectees", "connectors"):
            frame = s.rows.get(target)
            if frame is not None:
                column = SHEETS_BY_KEY[target].unique_id
                defined.setdefault((s.community_code, target), set()).update(frame[column].dropna())
    return [_resolved(s, defined) for s in effective]


def _resolved(s: Submission, defined: dict[tuple[str, str], set[str]]) -> Submission:
    """One submission's ID warnings settled against what its community defines."""
    if not any(issue.code in UNRESOLVED_ID_CODES for issue in s.issues):
        return s
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
            issue = replace(issue, code=code, message=problem, fix=fix)
        kept.append(
            replace(issue, severity=ERROR)
        )  # an ID whose own row has errors keeps saying so
        rejected_rows.setdefault(issue.sheet_key, set()).add(issue.row)
    rows = dict(s.rows)
    rows_rejected = s.rows_rejected
    for sheet_key, excel_rows in rejected_rows.items():
        frame = rows[sheet_key]
        newly = frame["excel_row"].isin(excel_rows)
        rows[sheet_key] = frame[~newly].reset_index(drop=True)
        rows_rejected += int(newly.sum())
    return replace(s, issues=kept, rows=rows, rows_rejected=rows_rejected)


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


def record_keys(sheet_key: str, frame: pd.DataFrame) -> list[tuple]:
    """Each row's record identity, as ``build_history`` tells records apart.

    The community and the sheet's record key (``contract``), a job's employer
    compared by ``employer_key``; ``frame`` is a history frame (it has
    ``community_code``). Used to say what a new workbook changes.
    """
    sheet = SHEETS_BY_KEY[sheet_key]
    parts = [frame["community_code"].astype(object)]
    for column in sheet.record_key:
        values = frame[column]
        parts.append(values.map(employer_key) if column == "employer" else values.astype(object))
    return list(zip(*parts)) if len(frame) else []


def _empty(sheet, columns) -> pd.DataFrame:
    from connector_rollup.contract import DATE, YES_NO

    dtypes = {
        c.key: ("datetime64[s]" if c.type == DATE else "bool" if c.type == YES_NO else "str")
        for c in sheet.columns
    }
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})
