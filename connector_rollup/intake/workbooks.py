"""Intake: find the workbooks under a folder and validate each once (cached on its bytes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from connector_rollup.intake import clean
from connector_rollup.intake.history import Checked, check
from connector_rollup.intake.read import FileRejected, peek_community, read_bytes, sha256_of
from connector_rollup.intake.validate import _rejected, validate_workbooks
from connector_rollup.registry import Community
from connector_rollup.submission import Submission


def find_workbooks(raw_dir: str | Path) -> list[Path]:
    """Every ``*.xlsx`` under ``raw_dir`` at any depth, Excel's ``~$`` lock files aside, sorted."""
    return _files_under(raw_dir, (".xlsx",))


# Files a community may send instead of an .xlsx workbook. The roll-up reads
# .xlsx only (interfaces.md); these are named, not passed over in silence.
OTHER_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".csv", ".ods", ".numbers", ".xml")


def find_not_read(raw_dir: str | Path) -> list[Path]:
    """Spreadsheet-like files under ``raw_dir`` that the roll-up does not read (not ``.xlsx``), sorted."""
    return _files_under(raw_dir, OTHER_SPREADSHEETS)


def _files_under(raw_dir: str | Path, suffixes: tuple[str, ...]) -> list[Path]:
    found = [
        p
        for p in Path(raw_dir).rglob("*")
        if p.suffix.lower() in suffixes and p.is_file() and not p.name.startswith("~$")
    ]
    return sorted(found)


UNIDENTIFIED = "?"  # the community of a workbook whose Submission sheet cannot be read


@dataclass
class Workbook:
    """A workbook found under the raw folder, before it is read in full."""

    path: Path
    sha256: str
    modified: float
    community_code: str  # from the Submission sheet (or the cache), UNIDENTIFIED when unreadable


def discover(raw_dir: str | Path, clean_dir: str | Path | None, fingerprint: str) -> list[Workbook]:
    """Every workbook under ``raw_dir`` with its hash, modification time and the community it names.

    The community comes from the clean cache's record when the bytes were seen
    before, else from a peek at the Submission sheet (``read.peek_community``);
    ``UNIDENTIFIED`` when neither can tell. Files are grouped by it, never by
    their names.
    """
    found = []
    for path in find_workbooks(raw_dir):
        try:
            data = read_bytes(path)
        except FileRejected:
            data = b""  # intake says why, in a sentence
        sha = sha256_of(data)
        cached = (
            clean.community_of(clean.cache_dir(Path(clean_dir), sha, fingerprint))
            if clean_dir is not None
            else None
        )
        code = cached or peek_community(data)
        found.append(Workbook(path, sha, path.stat().st_mtime, code or UNIDENTIFIED))
    return found


def intake_workbook(
    path: Path,
    registry: dict[str, Community],
    clean_dir: Path | None = None,
    fingerprint: str | None = None,
) -> tuple[Submission, bool]:
    """Validate one workbook, or load its saved result; see ``intake_workbooks``."""
    return intake_workbooks([path], registry, clean_dir, fingerprint)[0]


def intake_workbooks(
    paths: list[Path],
    registry: dict[str, Community],
    clean_dir: Path | None = None,
    fingerprint: str | None = None,
    sha256s: list[str] | None = None,
) -> list[tuple[Submission, bool]]:
    """Validate workbooks, or load the saved result of those whose bytes were seen before.

    Returns, in the order given, each submission and whether it came from the
    cache. The workbooks not in the cache are validated together (one Pandera
    pass per sheet) and saved under ``clean_dir``. ``sha256s`` (as ``discover``
    found them, in the order of ``paths``) lets a cached workbook be loaded
    without reading its file again: on a re-run each file is read once.
    """
    fingerprint = fingerprint or clean.registry_fingerprint(registry)
    results: list[tuple[Submission, bool] | None] = []
    todo: list[tuple[int, Path, bytes, Path | None]] = []
    for position, path in enumerate(map(Path, paths)):
        known = sha256s[position] if sha256s is not None else None
        if known and clean_dir is not None:
            cached = _load_cached(clean.cache_dir(clean_dir, known, fingerprint), path)
            if cached is not None:
                results.append((cached, True))
                continue
        try:
            data = read_bytes(path)
        except FileRejected as rejected:
            results.append((_rejected(path.name, b"", rejected, "en"), False))
            continue
        folder = (
            clean.cache_dir(clean_dir, sha256_of(data), fingerprint)
            if clean_dir is not None
            else None
        )
        cached = _load_cached(folder, path) if folder is not None else None
        if cached is not None:
            results.append((cached, True))
            continue
        todo.append((len(results), path, data, folder))
        results.append(None)
    validated = validate_workbooks([(path, data) for _, path, data, _ in todo], registry)
    for (position, _, _, folder), submission in zip(todo, validated):
        if folder is not None:
            clean.save(submission, folder)
        results[position] = (submission, False)
    return results


def _load_cached(folder: Path, path: Path) -> Submission | None:
    """The cached submission in ``folder``, named as ``path`` (the same bytes may arrive under
    another name), or None when there is none or it fails its proof."""
    cached = clean.load(folder) if folder.exists() else None
    if cached is None:
        return None
    issues = [replace(i, file_name=path.name) for i in cached.issues]
    return replace(cached, file_name=path.name, issues=issues)


def named(
    submission: Submission,
    path: Path,
    raw_dir: str | Path,
    peeked_community: str | None,
    registry: dict[str, Community],
) -> Submission:
    """``submission`` named by its path under ``raw_dir`` and, when rejected, given its community.

    The name is the path relative to ``raw_dir`` with ``/`` between folders,
    as the community (or whoever filed it) named it; reports show it. A
    workbook rejected although discovery read a registered community on its
    Submission sheet (``peeked_community``) is that community's: its page and
    its line of the national report show it with the reason. Returns a new
    submission; ``submission`` is unchanged.
    """
    name = Path(path).relative_to(raw_dir).as_posix()
    community = submission.community_code
    if community is None and peeked_community in registry:
        community = peeked_community
    issues = [
        replace(i, file_name=name, community_code=i.community_code or community)
        for i in submission.issues
    ]
    return replace(submission, file_name=name, community_code=community, issues=issues)


def community_submissions(
    raw_dir: str | Path,
    community_code: str,
    registry: dict[str, Community],
    clean_dir: Path | None = None,
) -> tuple[list[Submission], dict[str, float]]:
    """Every workbook under ``raw_dir`` naming ``community_code``, validated or loaded from the cache.

    Returns the submissions (accepted and rejected, each named by its path
    under ``raw_dir``) and their files' modification times by sha256, as
    ``history.check`` takes them. Files are attributed by their Submission
    sheet, never by their names or folders.
    """
    fingerprint = clean.registry_fingerprint(registry)
    found = [
        w for w in discover(raw_dir, clean_dir, fingerprint) if w.community_code == community_code
    ]
    results = intake_workbooks(
        [w.path for w in found], registry, clean_dir, fingerprint, [w.sha256 for w in found]
    )
    submissions = [
        named(s, w.path, raw_dir, w.community_code, registry)
        for w, (s, _) in zip(found, results, strict=True)
    ]
    return submissions, {w.sha256: w.modified for w in found}


def check_community(
    new: list[Submission],
    earlier: list[Submission],
    modified: dict[str, float] | None = None,
) -> Checked:
    """``new`` workbooks of one community checked against its ``earlier`` submissions.

    The one call behind ``validate --raw`` and the portal's upload check:
    ``earlier`` is what the community submitted before (as
    ``community_submissions`` gives it, in any order, superseded ones
    included); ``new`` counts as submitted after all of it, so a new workbook
    replaces an earlier one of its quarter unless its ``Submitted on`` is
    older (the roll-up's own rule, ``history.supersede``). Each new
    submission's IDs are resolved as the roll-up of *its* quarter would:
    against the community's effective submissions up to that quarter.

    Returns ``Checked`` whose ``submissions`` are the ``new`` ones, in order,
    each checked (``superseded`` when an earlier one of its quarter wins), and
    whose ``effective`` are the community's effective submissions, every
    quarter, once the new ones are counted. Nothing given is changed.
    """
    latest = max([0.0, *(modified or {}).values()])
    times = {**(modified or {}), **{s.sha256: latest + 1.0 for s in new}}
    everything = check([*earlier, *new], times)
    marked = everything.submissions[len(earlier) :]
    checked = []
    for submission in marked:
        if submission.status == "accepted":
            # IDs resolve against what the roll-up of this submission's own quarter reads;
            # with no later quarter submitted (the usual upload) that is everything already.
            later = any(s.period > submission.period for s in everything.effective)
            through = (
                check([*earlier, *new], times, quarter=submission.period).effective
                if later
                else everything.effective
            )
            submission = next(s for s in through if s.sha256 == submission.sha256)
        checked.append(submission)
    return Checked(checked, everything.effective)


def validate_against_earlier(
    submission: Submission,
    raw_dir: Path,
    registry: dict[str, Community],
    clean_dir: Path | None = None,
) -> Submission:
    """``submission`` with its IDs checked as the roll-up will, against its community's workbooks in ``raw_dir``.

    ``validate --raw``: the community's submissions found under ``raw_dir``
    (``community_submissions``) are its history; see ``check_community``.
    Returns a new submission; ``submission`` is unchanged.
    """
    earlier, modified = community_submissions(
        raw_dir, submission.community_code, registry, clean_dir
    )
    earlier = [s for s in earlier if s.sha256 != submission.sha256]  # the same bytes, already there
    return check_community([submission], earlier, modified).submissions[0]
