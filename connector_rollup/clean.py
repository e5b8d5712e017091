"""Clean output: each validated workbook's valid rows as Parquet, its problems beside them.

``data/clean/<key>/`` holds ``meta.json`` (what the workbook says about
itself, its status and its issues) and one Parquet file per data sheet. The
key is the workbook's SHA-256 plus a fingerprint of the registry and of this
code's version, so a workbook whose bytes have not changed is not read again,
and a changed registry or contract is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from connector_rollup import __version__
from connector_rollup.periods import Period
from connector_rollup.registry import Community
from connector_rollup.validate import Issue, Submission

FORMAT = 1
PRIVATE_FILE = 0o600  # inside a 0700 folder: no other user sees a file even before its chmod


def registry_fingerprint(registry: dict[str, Community]) -> str:
    text = json.dumps(
        [[c.code, sorted(c.eligible_categories), c.joined_on.isoformat()] for c in registry.values()],
        sort_keys=True,
    )
    return hashlib.sha256(f"{__version__}/{FORMAT}/{text}".encode()).hexdigest()[:12]


def cache_dir(clean_root: Path, sha256: str, fingerprint: str) -> Path:
    return Path(clean_root) / f"{sha256[:20]}-{fingerprint}"


def save(submission: Submission, folder: Path) -> Path:
    """Write the submission's rows and problems; atomic: a half-written folder is never used.

    The rows hold names and contacts: the folder is its owner's alone (0700,
    from its creation on, as ``mkdtemp`` makes it) and so is each file (0600).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    for key, frame in submission.rows.items():
        frame.to_parquet(staging / f"{key}.parquet", index=False)
        os.chmod(staging / f"{key}.parquet", PRIVATE_FILE)
    meta = {
        "file_name": submission.file_name, "sha256": submission.sha256, "status": submission.status,
        "language": submission.language, "reason": submission.reason,
        "community_code": submission.community_code,
        "period": submission.period.label if submission.period else None,
        "submitted_on": submission.submitted_on.isoformat() if submission.submitted_on else None,
        "tracks_jobs": submission.tracks_jobs, "rows_read": submission.rows_read,
        "rows_rejected": submission.rows_rejected, "sheets": sorted(submission.rows),
        "issues": [dataclasses.asdict(i) for i in submission.issues],
    }
    (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(staging / "meta.json", PRIVATE_FILE)  # its issues quote the values as typed
    try:
        os.replace(staging, folder)
    except OSError:  # another run wrote it first: theirs is as good as ours
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return folder


def community_of(folder: Path) -> str | None:
    """The community code of the submission saved in ``folder`` (its meta.json only), or None."""
    try:
        return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))["community_code"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_parquet(path: Path) -> pd.DataFrame:
    """The frame saved at ``path``, as ``pd.read_parquet`` gives it.

    The files are small and many (a few per workbook): pyarrow's own thread
    pool and pre-buffering cost more than they save, about 1 ms a file.
    """
    return pq.ParquetFile(path).read(use_threads=False).to_pandas(use_threads=False)


def load(folder: Path) -> Submission | None:
    """The submission saved in ``folder``, or None when there is none (or it is unreadable)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        rows = {key: _read_parquet(folder / f"{key}.parquet") for key in meta["sheets"]}
    except (OSError, ValueError, KeyError):
        return None
    return Submission(
        file_name=meta["file_name"], sha256=meta["sha256"], status=meta["status"],
        language=meta["language"], reason=meta["reason"], community_code=meta["community_code"],
        period=Period.parse(meta["period"]) if meta["period"] else None,
        submitted_on=dt.date.fromisoformat(meta["submitted_on"]) if meta["submitted_on"] else None,
        tracks_jobs=meta["tracks_jobs"], rows=rows, issues=[Issue(**i) for i in meta["issues"]],
        rows_read=meta["rows_read"], rows_rejected=meta["rows_rejected"],
    )
