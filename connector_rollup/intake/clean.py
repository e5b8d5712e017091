"""Clean output: each validated workbook's valid rows as Parquet, its problems beside them.

``data/clean/<key>/`` holds ``meta.json`` (what the workbook says about
itself, its status and its issues) and one Parquet file per data sheet. The
key is the workbook's SHA-256 plus a fingerprint of the registry and of this
code's version, so a workbook whose bytes have not changed is not read again,
and a changed registry or contract is.

An entry is trusted only if it proves it is what its key says: ``meta.json``
names the workbook's SHA-256 and the fingerprint of its folder, holds the
SHA-256 of each Parquet file, and is sealed with a SHA-256 of its own
content. An entry edited or cut short by hand (or by a full disk) fails
``load``'s checks, is logged, and is rebuilt from the workbook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from connector_rollup import __version__
from connector_rollup.periods import Period
from connector_rollup.processes import process_alive
from connector_rollup.registry import Community
from connector_rollup.submission import Issue, Submission

FORMAT = 2  # 2: meta.json holds each file's SHA-256 and a seal; 1 was trusted blindly
PRIVATE_FILE = 0o600  # inside a 0700 folder: no other user sees a file even before its chmod


def registry_fingerprint(registry: dict[str, Community]) -> str:
    text = json.dumps(
        [
            [c.code, sorted(c.eligible_categories), c.joined_on.isoformat()]
            for c in registry.values()
        ],
        sort_keys=True,
    )
    return hashlib.sha256(f"{__version__}/{FORMAT}/{text}".encode()).hexdigest()[:12]


def cache_dir(clean_root: Path, sha256: str, fingerprint: str) -> Path:
    return Path(clean_root) / f"{sha256[:20]}-{fingerprint}"


log = logging.getLogger(__name__)


class CorruptEntry(ValueError):
    """A cache entry that is not what its key says; the message says how."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _seal(meta: dict) -> str:
    """The SHA-256 of ``meta`` without its seal, as canonical JSON."""
    body = {k: v for k, v in meta.items() if k != "seal"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def save(submission: Submission, folder: Path) -> Path:
    """Write the submission's rows and problems; atomic: a half-written folder is never used.

    The rows hold names and contacts: the folder is its owner's alone (0700,
    from its creation on, as ``mkdtemp`` makes it) and so is each file (0600).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # The process id in the name lets a later run tell a killed run's leftover from a live one's.
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=folder.parent))
    try:
        _write_entry(submission, staging, folder)
        try:
            os.replace(staging, folder)
        except (
            OSError
        ):  # a folder is there: another run's (as good as ours) or one that failed load
            if _verified_meta(folder) is not None:
                return folder
            aside = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=folder.parent))
            os.replace(folder, aside / "bad")
            os.replace(staging, folder)
            shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # only there if it was not moved into place
    return folder


def _write_entry(submission: Submission, staging: Path, folder: Path) -> None:
    """The entry's files in ``staging``, ``meta.json`` last, sealed, for the key ``folder`` names."""
    files = {}
    for key, frame in submission.rows.items():
        frame.to_parquet(staging / f"{key}.parquet", index=False)
        os.chmod(staging / f"{key}.parquet", PRIVATE_FILE)
        files[f"{key}.parquet"] = _sha256_file(staging / f"{key}.parquet")
    meta = {
        "format": FORMAT,
        "key": folder.name,
        "files": files,
        "file_name": submission.file_name,
        "sha256": submission.sha256,
        "status": submission.status,
        "language": submission.language,
        "reason": submission.reason,
        "community_code": submission.community_code,
        "period": submission.period.label if submission.period else None,
        "submitted_on": submission.submitted_on.isoformat() if submission.submitted_on else None,
        "tracks_jobs": submission.tracks_jobs,
        "rows_read": submission.rows_read,
        "rows_rejected": submission.rows_rejected,
        "sheets": sorted(submission.rows),
        "issues": [dataclasses.asdict(i) for i in submission.issues],
    }
    meta["seal"] = _seal(meta)
    (staging / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    os.chmod(staging / "meta.json", PRIVATE_FILE)  # its issues quote the values as typed


def community_of(folder: Path) -> str | None:
    """The community code of the submission saved in ``folder`` (its sealed meta.json only), or None."""
    try:
        meta = json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))
        return meta["community_code"] if meta.get("seal") == _seal(meta) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_parquet(path: Path) -> pd.DataFrame:
    """The frame saved at ``path``, as ``pd.read_parquet`` gives it.

    The files are small and many (a few per workbook): pyarrow's own thread
    pool and pre-buffering cost more than they save, about 1 ms a file.
    """
    return pq.ParquetFile(path).read(use_threads=False).to_pandas(use_threads=False)


def _verified_meta(folder: Path) -> dict | None:
    """``folder``'s meta.json if the entry proves it is what its name says, else None (see ``verify``)."""
    try:
        return verify(folder)
    except CorruptEntry:
        return None


def verify(folder: Path) -> dict:
    """``folder``'s meta.json, once the entry is shown to be what its key (the folder's name) says.

    Raises ``CorruptEntry`` naming the first check that fails: meta.json
    unreadable or its seal broken (edited, cut short), another key, a Parquet
    file missing or not the one written.
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorruptEntry(f"meta.json cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(meta, dict) or meta.get("seal") != _seal(meta):
        raise CorruptEntry("meta.json was changed after it was written")
    sha256 = meta.get("sha256") or ""
    if meta.get("key") != folder.name or not folder.name.startswith(sha256[:20]):
        raise CorruptEntry(f"it was written for another key ({meta.get('key')})")
    for name, digest in sorted(meta["files"].items()):
        try:
            actual = _sha256_file(folder / name)
        except OSError:
            raise CorruptEntry(f"{name} is missing") from None
        if actual != digest:
            raise CorruptEntry(f"{name} is not the file written")
    return meta


def load(folder: Path) -> Submission | None:
    """The submission saved in ``folder``, or None when there is none or it fails ``verify``.

    An entry that fails is logged (``connector_rollup.intake.clean``, a warning):
    the caller reads the workbook again and ``save`` replaces the entry.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    try:
        meta = verify(folder)
        rows = {key: _read_parquet(folder / f"{key}.parquet") for key in meta["sheets"]}
        return Submission(
            file_name=meta["file_name"],
            sha256=meta["sha256"],
            status=meta["status"],
            language=meta["language"],
            reason=meta["reason"],
            community_code=meta["community_code"],
            period=Period.parse(meta["period"]) if meta["period"] else None,
            submitted_on=dt.date.fromisoformat(meta["submitted_on"])
            if meta["submitted_on"]
            else None,
            tracks_jobs=meta["tracks_jobs"],
            rows=rows,
            issues=[Issue(**i) for i in meta["issues"]],
            rows_read=meta["rows_read"],
            rows_rejected=meta["rows_rejected"],
        )
    except (CorruptEntry, OSError, ValueError, KeyError, TypeError) as exc:
        log.warning(
            "The clean cache entry %s is not what its key says (%s): the workbook is read again "
            "and the entry rebuilt.",
            folder,
            exc,
        )
        return None


_STAGING = re.compile(r"\.tmp-(?:(\d+)-)?[a-z0-9_]+")
LEGACY_STAGING_AGE = (
    600  # seconds: a staging folder without a process id (older versions) that old is dead
)


def leftovers(clean_root: str | os.PathLike[str]) -> list[Path]:
    """Staging folders (``.tmp-*``) under ``clean_root`` that no live run is writing: a killed run's."""
    root = Path(clean_root)
    if not root.is_dir():
        return []
    found = []
    for entry in root.glob(".tmp-*"):
        match = _STAGING.fullmatch(entry.name)
        if not match or not entry.is_dir():
            continue
        if match.group(1) is not None:
            dead = not process_alive(int(match.group(1)))
        else:
            try:
                dead = time.time() - entry.stat().st_mtime > LEGACY_STAGING_AGE
            except OSError:
                continue
        if dead:
            found.append(entry)
    return sorted(found)


def remove_leftovers(clean_root: str | os.PathLike[str]) -> list[Path]:
    """Remove ``leftovers(clean_root)``; return what was removed."""
    removed = leftovers(clean_root)
    for entry in removed:
        shutil.rmtree(entry, ignore_errors=True)
    return removed
