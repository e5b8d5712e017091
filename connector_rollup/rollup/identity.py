"""Who is the same Connector: the spec's four links, chained, and a review list.

Records are named ``COMMUNITY:connector_id``. Two records are one person when
a chain of links joins them (``shared/spec/counting-rules.md``, "Who is the
same Connector"):

1. the same community code and ``connector_id``;
2. the same email (trimmed, lower case) and the same folded last name;
3. the same folded full name and the same phone (digits, the last ten);
4. the same folded full name and the same folded organization.

How: every rule is an exact key, so records are grouped by key (blocking:
only records sharing a key are ever compared, never all pairs) and each group
is joined in a union-find. The secretariat's decisions come first: "different"
pairs are cannot-link constraints, "same" pairs are links applied before the
rules (then rules 2, 3, 4, each group in sorted order); a union that would put
a "different" pair in one person is skipped and listed for review
(``blocked_by_decision``). Every order is a sort on record names, so the result
does not depend on the input's row order.

A blank never links: no email, no last name, a phone of fewer than 7 digits,
an organization that folds to nothing. Near-misses, the pairs the spec keeps
apart and the pairs only a decision joins, go on the review list, one row per
pair of people (``REVIEW_REASONS``); they are found by blocking too (same
email; same full name; same last or first name with the same phone or
organization). The review's ``detail`` names no name, email or phone.

Why not Splink: the spec's rules are deterministic and exact (equal keys, no
weights), so a probabilistic linker trained by EM would only approximate them
while adding a heavy dependency; blocking plus union-find applies them exactly
and resolves 100,000 records in a few seconds. Fuzzy scores (rapidfuzz) are
used only to suggest near-misses for review, never to merge.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler

from connector_rollup.registry import CODE_PATTERN
from connector_rollup.values import fold_letters

REQUIRED_COLUMNS = (
    "community_code",
    "connector_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organization",
)

# Link names, as `linked_by` shows them, in the order they are applied.
SAME_ID = "connector_id"
DECISION = "decision"
EMAIL_LAST_NAME = "email_last_name"
NAME_PHONE = "name_phone"
NAME_ORGANIZATION = "name_organization"
LINK_TEXT = {
    SAME_ID: "the same community and Connector ID",
    DECISION: "a recorded 'same' decision",
    EMAIL_LAST_NAME: "the same email and last name",
    NAME_PHONE: "the same full name and phone number",
    NAME_ORGANIZATION: "the same full name and organization",
}

# Review reasons, most important first: a pair of persons shows under the first that applies.
REVIEW_REASONS = {
    "blocked_by_decision": "a link was skipped: a 'different' decision keeps the records apart",
    "shared_email": "same email, different last names (a shared mailbox?): kept apart by the spec",
    "email_last_name_typo": "same email, last names one or two letters apart (a typo?)",
    "same_name_no_link": "same full name, but no email, phone or organization in common",
    "similar_name": "one name part equal, the other alike, and the same phone or organization",
    "decision_only": "joined only by a 'same' decision: no rule links them",
}
_PRIORITY = {reason: rank for rank, reason in enumerate(REVIEW_REASONS)}

# How a blocked pair's detail names the decision; ``name_blocking_decision`` spells it out.
_BLOCKING_DECISION = "a 'different' decision on two of their records"

# A block (records sharing a key) with more people than this lists only neighbouring pairs.
MAX_BLOCK_PEOPLE = 12

DECISIONS_HEADER = ("record_a", "record_b", "decision", "note")
REVIEW_COLUMNS = ("record_a", "record_b", "reason", "detail", "decided", "decision_a", "decision_b")

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|poste|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"[^0-9]")
# The same deletions as _PUNCTUATION, as a table: the fast path for ASCII text.
_ASCII_PUNCTUATION = str.maketrans({c: None for c in map(chr, range(128)) if _PUNCTUATION.match(c)})
# Letters NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
        "þ": "th",
        "Þ": "th",
    }
)
_ORG_SUFFIXES = frozenset({"inc", "ltd", "limited", "corp", "corporation", "co", "llc", "ltee"})
# Common English/French short forms, to suggest (never to merge) similar first names.
_NICKNAMES = {
    nick: full
    for full, nicks in {
        "robert": "bob bobby rob robbie bert",
        "william": "bill billy will willy liam",
        "james": "jim jimmy jamie",
        "michael": "mike mikey mick",
        "richard": "rick ricky rich dick",
        "elizabeth": "liz lizzie beth betty eliza",
        "katherine": "kate katie kathy cathy catherine",
        "margaret": "maggie meg peggy",
        "thomas": "tom tommy",
        "joseph": "joe joey",
        "edward": "ed eddie ted",
        "anthony": "tony",
        "patricia": "pat patty trish",
        "jennifer": "jen jenny",
        "steven": "steve stephen",
        "susan": "sue susie suzanne",
        "charles": "charlie chuck",
        "francois": "frank",
        "guillaume": "will",
        "alexander": "sasha alexandre alexandra",
    }.items()
    for nick in [full, *nicks.split()]
}


class DecisionsError(ValueError):
    """The decisions file is unusable; the message names the line and the fix."""


@dataclass(frozen=True)
class Decision:
    """The secretariat's word on two records: one person (``same``) or two."""

    record_a: str
    record_b: str
    same: bool
    note: str = ""


@dataclass
class IdentityResult:
    """A person per Connector record, the review list, and the summary figures."""

    # One row per input row, sorted by record: community_code, connector_id, record
    # ("CODE:ID"), person_id (the smallest record of the person), linked_by (the link that
    # first joined the record to another: connector_id, decision, email_last_name,
    # name_phone, name_organization; "" when the person has one record).
    people: pd.DataFrame
    # One row per pair of people to look at, sorted: record_a < record_b, reason (a key of
    # REVIEW_REASONS), detail (a sentence without names, emails, phones or records), decided
    # ("", "same", "different": the decision on exactly this pair), decision_a and
    # decision_b (for blocked_by_decision, the 'different' pair that kept them apart; "").
    review: pd.DataFrame
    records: int  # input rows
    persons: int
    merged_records: int  # input rows whose person has another row
    # Decisions naming a record absent from the input, or a record twice: not applied.
    ignored_decisions: list[Decision] = field(default_factory=list)


# --- folding -----------------------------------------------------------------------------------


def _blank(text: object) -> bool:
    if text is None:
        return True
    if isinstance(text, str):
        return False
    try:
        return bool(pd.isna(text))
    except (TypeError, ValueError):
        return False


def fold_name(text: object) -> str:
    """Lower case, accents and punctuation removed, single spaces, stripped; blank -> ""."""
    if _blank(text):
        return ""
    s = str(text)
    if s.isascii():
        return " ".join(s.lower().translate(_ASCII_PUNCTUATION).split())
    # _LETTERS first: letters NFKD does not decompose (ø, ł, æ) become their base letters.
    s = fold_letters(s.translate(_LETTERS), casefold=True)
    return " ".join(_PUNCTUATION.sub("", s).split())


def fold_organization(text: object) -> str:
    """``fold_name``, less a leading "the" and trailing legal suffixes (inc, ltd, corp...)."""
    words = fold_name(text).split()
    # A name made only of such words ("The Co") keeps what is left rather than vanish.
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _ORG_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def phone_digits(text: object) -> str:
    """The last ten digits of a phone (an extension dropped); "" when fewer than 7 digits."""
    if _blank(text):
        return ""
    s = _EXTENSION.sub("", unicodedata.normalize("NFKC", str(text)))
    digits = _NOT_DIGIT.sub("", s)
    return digits[-10:] if len(digits) >= 7 else ""


def _email_key(text: object) -> str:
    return "" if _blank(text) else str(text).strip().lower()


# --- decisions file ----------------------------------------------------------------------------


def _valid_record(record: str) -> bool:
    code, colon, connector_id = record.partition(":")
    return bool(colon and CODE_PATTERN.match(code) and connector_id.strip())


def load_decisions(path: str | Path) -> list[Decision]:
    """The decisions in a CSV (record_a,record_b,decision,note); a missing file is no decision."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DecisionsError(
            f"{path} is not UTF-8 text. Fix: save it as 'CSV UTF-8 (comma delimited)'."
        ) from None
    except OSError as exc:
        raise DecisionsError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    decisions: list[Decision] = []
    seen: dict[tuple[str, str], tuple[int, bool]] = {}
    for row in reader:
        line = reader.line_num
        where = f"{path}, line {line}"
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            missing = [c for c in DECISIONS_HEADER[:3] if c not in header]
            if missing:
                raise DecisionsError(
                    f"{where}: the header lacks {', '.join(missing)}. Fix: make the first line "
                    f"{','.join(DECISIONS_HEADER)}."
                )
            continue
        cells = [cell.strip() for cell in row]
        if len(cells) > len(header):
            if header[-1] != "note":
                raise DecisionsError(
                    f"{where}: {len(cells)} cells but the header has {len(header)}. Fix: put a "
                    "text holding commas in double quotes."
                )
            cells = [*cells[: len(header) - 1], ",".join(row[len(header) - 1 :]).strip()]
        values = dict(zip(header, cells, strict=False))
        record_a, record_b = values.get("record_a", ""), values.get("record_b", "")
        for column, record in (("record_a", record_a), ("record_b", record_b)):
            if not _valid_record(record):
                raise DecisionsError(
                    f"{where}: {column} {record!r} is not a record like NS-HFX:C001. Fix: copy "
                    "record_a and record_b from the review list."
                )
        if record_a == record_b:
            raise DecisionsError(
                f"{where}: record_a and record_b are both {record_a}. Fix: name two records."
            )
        word = values.get("decision", "").lower()
        if word not in ("same", "different"):
            raise DecisionsError(
                f"{where}: the decision {values.get('decision', '')!r} is neither same nor "
                "different. Fix: write same (one person) or different (two people)."
            )
        same = word == "same"
        pair = (min(record_a, record_b), max(record_a, record_b))
        if pair in seen:
            first_line, first_same = seen[pair]
            if first_same != same:
                raise DecisionsError(
                    f"{where}: {pair[0]} and {pair[1]} are decided {word} here but "
                    f"{'same' if first_same else 'different'} on line {first_line}. Fix: keep "
                    "only the line you mean."
                )
            continue
        seen[pair] = (line, same)
        decisions.append(Decision(record_a, record_b, same, values.get("note", "")))
    return decisions


def write_decisions_template(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write an empty decisions file (header and commented example), owner-only (0600).

    Never over an existing file unless ``overwrite``: it may hold decisions.
    """
    path = Path(path)
    lines = [
        ",".join(DECISIONS_HEADER),
        "# Decisions of the secretariat on pairs of Connector records from the review list.",
        "# One line per pair: record_a and record_b as in the review list",
        "# (COMMUNITY:connector_id), decision same (one person) or different (two people), note",
        "# optional (in double quotes if it holds a comma). Every later roll-up applies every",
        "# line. Lines starting with # are ignored. Example, without its leading #:",
        '# NS-HFX:C001,ON-TOR:C042,same,"Moved from Halifax to Toronto, confirmed by phone"',
    ]
    try:
        write_private_text(path, "\n".join(lines) + "\n", overwrite=overwrite)
    except FileExistsError:
        raise FileExistsError(f"{path} exists: it may hold decisions; not overwritten.") from None
    return path


def write_private_text(path: str | Path, text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path``, readable and writable by its owner only (0600).

    The file never exists with a wider mode, nor half-written: the text goes
    to a temporary file created 0600 beside it, which is then renamed over
    ``path`` (``overwrite``) or linked to it only if ``path`` does not exist
    (else ``FileExistsError``). A file replaced keeps none of the old one's
    permissions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file with O_EXCL and mode 0600, whatever the umask.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # atomic, and refuses an existing path
    finally:
        Path(temp).unlink(missing_ok=True)
    return path


# --- records and blocking ----------------------------------------------------------------------


@dataclass
class _Records:
    """The input as arrays: node = index of the record in sorted ``names``; keys per row."""

    names: list[str]
    node: np.ndarray
    email: np.ndarray
    first: np.ndarray
    last: np.ndarray
    full: np.ndarray
    phone: np.ndarray
    org: np.ndarray
    order: np.ndarray  # rows sorted by node
    starts: np.ndarray  # rows of node n: order[starts[n]:starts[n + 1]]
    first_row: list[int] = field(init=False)
    repeated: set[int] = field(init=False)  # nodes with more than one row (rule 1)

    def __post_init__(self) -> None:
        self.first_row = self.order[self.starts[:-1]].tolist()
        self.repeated = set(np.flatnonzero(np.diff(self.starts) > 1).tolist())

    def values(self, node: int, column: np.ndarray) -> set[str]:
        """The node's distinct non-blank values of a per-row column."""
        if node not in self.repeated:
            value = column[self.first_row[node]]
            return {value} if value else set()
        rows = self.order[self.starts[node] : self.starts[node + 1]]
        return {column[r] for r in rows} - {""}


def _fold_column(series: pd.Series, fold) -> np.ndarray:
    """``fold`` of every value, computed once per distinct value; "" where blank."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    folded = np.array([fold(u) for u in uniques.tolist()] + [""], dtype=object)
    return folded[codes]  # code -1 takes the trailing ""


def _prepare(connectors: pd.DataFrame) -> _Records:
    missing = [c for c in REQUIRED_COLUMNS if c not in connectors.columns]
    if missing:
        raise ValueError(f"The Connector records lack the column(s) {', '.join(missing)}.")
    code = connectors["community_code"].astype("str")
    connector_id = connectors["connector_id"].astype("str")
    if code.isna().any() or connector_id.isna().any():
        raise ValueError("Some Connector records have no community_code or connector_id.")
    record = (code.str.strip() + ":" + connector_id.str.strip()).to_numpy(dtype=object)
    node, names = pd.factorize(record, sort=True)
    first = _fold_column(connectors["first_name"], fold_name)
    last = _fold_column(connectors["last_name"], fold_name)
    full = np.array([f"{f} {s}".strip() for f, s in zip(first, last, strict=True)], dtype=object)
    order = np.argsort(node, kind="stable")
    starts = np.searchsorted(node[order], np.arange(len(names) + 1))
    return _Records(
        names=list(names),
        node=node,
        email=_fold_column(connectors["email"], _email_key),
        first=first,
        last=last,
        full=full,
        phone=_fold_column(connectors["phone"], phone_digits),
        org=_fold_column(connectors["organization"], fold_organization),
        order=order,
        starts=starts,
    )


def _codes(column: np.ndarray) -> np.ndarray:
    """An integer per distinct value, -1 for blank ("")."""
    codes, uniques = pd.factorize(column)
    blank = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    if len(blank):
        codes = np.where(codes == blank[0], -1, codes)
    return codes.astype(np.int64)


def _blocks(node: np.ndarray, *keys: np.ndarray) -> list[list[int]]:
    """Groups of 2+ distinct records sharing every key (none blank), each sorted, all sorted."""
    if not len(node):
        return []
    key = np.zeros(len(node), dtype=np.int64)
    mask = np.ones(len(node), dtype=bool)
    for column in keys:
        codes = _codes(column)
        mask &= codes >= 0
        key = key * (int(codes.max()) + 1) + codes  # distinct values keep distinct keys
    key, nodes = pd.factorize(key[mask])[0].astype(np.int64), node[mask].astype(np.int64)
    pairs = np.unique(key * len(node) + nodes)  # sorted by key, then node; duplicates gone
    key, nodes = pairs // len(node), pairs % len(node)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    keep = np.flatnonzero(sizes > 1)
    nodes = nodes.tolist()
    groups = [nodes[starts[i] : starts[i] + sizes[i]] for i in keep.tolist()]
    return sorted(groups)


# --- union-find with cannot-link constraints ---------------------------------------------------


class _Clusters:
    """Union-find over record nodes; unions that would join a 'different' pair are refused."""

    def __init__(self, size: int, cannot: Iterable[tuple[int, int]] = ()) -> None:
        self.parent = list(range(size))
        self.size = [1] * size
        self.linked_by = [""] * size
        # root -> the 'different' pairs (own member, other record) its cluster must respect
        self.cannot: dict[int, set[tuple[int, int]]] = {}
        for a, b in cannot:
            self.cannot.setdefault(a, set()).add((a, b))
            self.cannot.setdefault(b, set()).add((b, a))
        self.blocked: list[tuple[int, int, str, tuple[int, int]]] = []

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def _conflict(self, ra: int, rb: int) -> tuple[int, int] | None:
        for own, other in sorted(self.cannot.get(ra, ())):
            if self.find(other) == rb:
                return (own, other)
        return None

    def union(self, a: int, b: int, link: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if ra in self.cannot or rb in self.cannot:
            conflict = self._conflict(ra, rb)
            if conflict:
                self.blocked.append((min(a, b), max(a, b), link, conflict))
                return
        for r in (ra, rb):
            if self.size[r] == 1 and not self.linked_by[r]:
                self.linked_by[r] = link
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if rb in self.cannot:
            self.cannot.setdefault(ra, set()).update(self.cannot.pop(rb))

    def join_group(self, members: Sequence[int], link: str) -> None:
        """Try to join every pair of the group, earlier members first; cheap when nothing blocks."""
        reps = [members[0]]
        for m in members[1:]:
            for r in reps:
                self.union(r, m, link)
            if len(reps) == 1 and self.find(reps[0]) == self.find(m):
                continue
            roots: set[int] = set()
            kept = []
            for x in [*reps, m]:
                root = self.find(x)
                if root not in roots:
                    roots.add(root)
                    kept.append(x)
            reps = kept

    def person(self) -> np.ndarray:
        """For each node, the smallest node of its cluster."""
        roots = np.array([self.find(x) for x in range(len(self.parent))], dtype=np.int64)
        smallest = np.full(len(roots), len(roots), dtype=np.int64)
        np.minimum.at(smallest, roots, np.arange(len(roots)))
        return smallest[roots]


def _cluster(
    recs: _Records,
    links: list[tuple[str, list[list[int]]]],
    same: Sequence[tuple[int, int]],
    cannot: Sequence[tuple[int, int]],
) -> _Clusters:
    clusters = _Clusters(len(recs.names), cannot)
    for n in recs.repeated:
        clusters.linked_by[n] = SAME_ID
    for a, b in sorted(same):
        clusters.union(a, b, DECISION)
    for link, groups in links:
        for members in groups:
            clusters.join_group(members, link)
    return clusters


# --- review ------------------------------------------------------------------------------------


def _letters_apart(a: str, b: str) -> int:
    """Edits (transpositions count one) between two folded names, spaces ignored."""
    return OSA.distance(a.replace(" ", ""), b.replace(" ", ""))


def _typo(distance: int, a: str, b: str) -> bool:
    return distance == 1 or (distance == 2 and min(len(a), len(b)) >= 6)


def _first_names_alike(a: str, b: str) -> bool:
    if a == b or not a or not b:
        return False
    a1, b1 = a.split()[0], b.split()[0]
    if a1 == b1 or a1.startswith(b1) or b1.startswith(a1):  # initials, short forms
        return True
    if _NICKNAMES.get(a1, a1) == _NICKNAMES.get(b1, b1):
        return True
    return JaroWinkler.similarity(a, b) >= 0.9


def _last_names_alike(a: str, b: str) -> bool:
    if a == b or not a or not b:
        return False
    a0, b0 = a.replace(" ", ""), b.replace(" ", "")
    if min(len(a0), len(b0)) >= 3 and (a0 in b0 or b0 in a0):  # double-barrelled, married
        return True
    return _typo(_letters_apart(a, b), a, b)


class _Review:
    """Candidate review pairs, reduced to one per pair of persons."""

    def __init__(self, recs: _Records, final: np.ndarray, rules: np.ndarray) -> None:
        self.recs, self.final, self.rules = recs, final, rules
        # (a, b, reason, detail, decision): decision is the 'different' pair of records
        # that kept a and b apart (blocked_by_decision), else None.
        self.rows: list[tuple[int, int, str, str, tuple[str, str] | None]] = []

    def reviewable(self, a: int, b: int) -> bool:
        """Not one person, or one person only thanks to a decision."""
        return self.final[a] != self.final[b] or self.rules[a] != self.rules[b]

    def status(self, a: int, b: int) -> str:
        return "merged by a decision" if self.final[a] == self.final[b] else "not merged"

    def add(
        self, a: int, b: int, reason: str, detail: str, decision: tuple[str, str] | None = None
    ) -> None:
        self.rows.append((min(a, b), max(a, b), reason, detail, decision))

    def pairs(self, members: list[int]) -> Iterator[tuple[int, int, str]]:
        """Reviewable pairs of a block; only neighbouring persons when it holds many people."""
        if len(members) > MAX_BLOCK_PEOPLE:
            seen: set[tuple[int, int]] = set()
            reps = []
            for m in members:
                who = (int(self.final[m]), int(self.rules[m]))
                if who not in seen:
                    seen.add(who)
                    reps.append(m)
            if len(reps) > MAX_BLOCK_PEOPLE:
                note = f" ({len(reps)} people share this; only neighbouring pairs are listed)"
                for a, b in zip(reps, reps[1:], strict=False):
                    if self.reviewable(a, b):
                        yield a, b, note
                return
            members = reps
        for a, b in combinations(members, 2):
            if self.reviewable(a, b):
                yield a, b, ""

    def shared_email(self, groups: list[list[int]]) -> None:
        values = self.recs.values
        for members in groups:
            for a, b, note in self.pairs(members):
                lasts_a, lasts_b = values(a, self.recs.last), values(b, self.recs.last)
                if lasts_a & lasts_b:
                    continue  # a link: apart only by a decision, listed as blocked_by_decision
                end = f"; {self.status(a, b)}{note}."
                if not lasts_a or not lasts_b:
                    self.add(a, b, "shared_email", "Same email address, a last name missing" + end)
                    continue
                la, lb = min(
                    ((x, y) for x in lasts_a for y in lasts_b),
                    key=lambda p: (_letters_apart(*p), p),
                )
                apart = _letters_apart(la, lb)
                if apart == 0:
                    self.add(
                        a,
                        b,
                        "email_last_name_typo",
                        "Same email address; last names differ only in spaces or punctuation" + end,
                    )
                elif _typo(apart, la, lb):
                    self.add(
                        a,
                        b,
                        "email_last_name_typo",
                        f"Same email address; last names "
                        f"{apart} letter{'s' if apart > 1 else ''} apart (a typo?)" + end,
                    )
                elif _last_names_alike(la, lb):
                    self.add(
                        a,
                        b,
                        "shared_email",
                        "Same email address; one last name contains "
                        "the other (a double-barrelled or married name?)" + end,
                    )
                else:
                    self.add(
                        a,
                        b,
                        "shared_email",
                        "Same email address but different last names (a shared mailbox?)" + end,
                    )

    def same_name(self, groups: list[list[int]]) -> None:
        recs = self.recs
        for members in groups:
            for a, b, note in self.pairs(members):
                parts = []
                for label, column in (
                    ("email", recs.email),
                    ("phone", recs.phone),
                    ("organization", recs.org),
                ):
                    va, vb = recs.values(a, column), recs.values(b, column)
                    if va & vb:
                        parts.append(f"{label} the same")
                    elif va and vb:
                        parts.append(f"{label} differs")
                    elif va or vb:
                        parts.append(f"{label} missing on one side")
                    else:
                        parts.append(f"{label} missing on both")
                self.add(
                    a,
                    b,
                    "same_name_no_link",
                    "Same full name; " + ", ".join(parts) + f"; {self.status(a, b)}{note}.",
                )

    def similar_name(self, groups: list[list[int]], same_part: str, shared: str) -> None:
        recs = self.recs
        other = recs.first if same_part == "last" else recs.last
        alike = _first_names_alike if same_part == "last" else _last_names_alike
        other_label = "first" if same_part == "last" else "last"
        for members in groups:
            for a, b, note in self.pairs(members):
                va, vb = recs.values(a, other), recs.values(b, other)
                if va & vb:
                    continue  # same full name: the rules or same_name_no_link cover it
                if any(alike(x, y) for x in sorted(va) for y in sorted(vb)):
                    self.add(
                        a,
                        b,
                        "similar_name",
                        f"Same {same_part} name and {shared}; "
                        f"{other_label} names look alike (a short form, initial or typo?)"
                        f"; {self.status(a, b)}{note}.",
                    )

    def frame(self, decided: dict[tuple[str, str], str]) -> pd.DataFrame:
        names = self.recs.names
        best: dict[tuple, tuple] = {}
        for a, b, reason, detail, decision in self.rows:
            word = decided.get((names[a], names[b]), "")
            if self.final[a] != self.final[b]:
                people = ("persons", int(self.final[a]), int(self.final[b]))
            else:
                people = ("rules", int(self.rules[a]), int(self.rules[b]))
            key = (people[0], min(people[1:]), max(people[1:]))
            # A skipped link says most; then the pair the secretariat decided, if listed.
            rank = (reason != "blocked_by_decision", word == "", _PRIORITY[reason], a, b)
            if key not in best or rank < best[key][0]:
                best[key] = (
                    rank,
                    (names[a], names[b], reason, detail, word, *(decision or ("", ""))),
                )
        rows = sorted(row for _, row in best.values())
        columns = list(REVIEW_COLUMNS)
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype({c: "str" for c in columns})


# --- resolution --------------------------------------------------------------------------------


def resolve_connectors(
    connectors: pd.DataFrame, decisions: Iterable[Decision] = ()
) -> IdentityResult:
    """A person for every Connector record, and the pairs the secretariat should look at."""
    recs = _prepare(connectors)
    index = {name: n for n, name in enumerate(recs.names)}

    same: set[tuple[int, int]] = set()
    cannot: set[tuple[int, int]] = set()
    decided: dict[tuple[str, str], str] = {}
    ignored: list[Decision] = []
    for d in decisions:
        a, b = index.get(d.record_a.strip()), index.get(d.record_b.strip())
        if a is None or b is None or a == b:
            ignored.append(d)
            continue
        pair = (min(a, b), max(a, b))
        (same if d.same else cannot).add(pair)
        names = (recs.names[pair[0]], recs.names[pair[1]])
        # Decided both ways (only possible from code, load_decisions refuses it): different wins.
        if decided.get(names) != "different":
            decided[names] = "same" if d.same else "different"

    links = [
        (EMAIL_LAST_NAME, _blocks(recs.node, recs.email, recs.last)),
        (NAME_PHONE, _blocks(recs.node, recs.full, recs.phone)),
        (NAME_ORGANIZATION, _blocks(recs.node, recs.full, recs.org)),
    ]
    final = _cluster(recs, links, sorted(same), sorted(cannot))
    final_person = final.person()
    rule_person = _cluster(recs, links, (), ()).person() if decided else final_person

    review = _Review(recs, final_person, rule_person)
    names = recs.names
    for a, b, link, (u, v) in final.blocked:
        # The detail names no record (analysts read it); the decision's records go in their own
        # columns, which the warehouse pseudonymises and the secretariat's review file spells out.
        review.add(
            a,
            b,
            "blocked_by_decision",
            f"Would be linked by {LINK_TEXT[link]}, but "
            f"{_BLOCKING_DECISION} keeps them apart; not merged.",
            (names[min(u, v)], names[max(u, v)]),
        )
    review.shared_email(_blocks(recs.node, recs.email))
    review.same_name(_blocks(recs.node, recs.full))
    for same_part, shared, column in (
        ("last", "phone number", recs.phone),
        ("last", "organization", recs.org),
        ("first", "phone number", recs.phone),
        ("first", "organization", recs.org),
    ):
        part = recs.last if same_part == "last" else recs.first
        review.similar_name(_blocks(recs.node, part, column), same_part, shared)
    for a, b in sorted(same):
        if review.reviewable(a, b):
            review.add(
                a,
                b,
                "decision_only",
                f"Joined only by a 'same' decision: no rule links them; {review.status(a, b)}.",
            )

    person_of_row = final_person[recs.node]
    people = pd.DataFrame(
        {
            "community_code": connectors["community_code"].astype("str").str.strip().to_numpy(),
            "connector_id": connectors["connector_id"].astype("str").str.strip().to_numpy(),
            "record": np.asarray(names, dtype=object)[recs.node],
            "person_id": np.asarray(names, dtype=object)[person_of_row],
            "linked_by": np.asarray(final.linked_by, dtype=object)[recs.node],
        }
    )
    people = people.astype("str").sort_values(["record"], kind="stable").reset_index(drop=True)

    rows_per_person = np.bincount(person_of_row, minlength=len(names))
    return IdentityResult(
        people=people,
        review=review.frame(decided),
        records=len(people),
        persons=int(np.count_nonzero(rows_per_person)),
        merged_records=int(np.count_nonzero(rows_per_person[person_of_row] > 1)),
        ignored_decisions=ignored,
    )


# --- the secretariat's review file ---------------------------------------------------------------

REVIEW_FILE_COLUMNS = (
    "record_a",
    "record_b",
    "reason",
    "detail",
    "decided",
    "name_a",
    "email_a",
    "phone_a",
    "organization_a",
    "name_b",
    "email_b",
    "phone_b",
    "organization_b",
)


def spreadsheet_safe(value: object) -> str:
    """Text that a spreadsheet opening the CSV shows as text, never runs as a formula."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def from_spreadsheet_safe(text: str) -> str:
    """``text`` as it was before ``spreadsheet_safe`` (for a program reading the file back)."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def name_blocking_decision(detail: str, record_a: str, record_b: str) -> str:
    """A review detail naming the 'different' decision that blocked the pair as records a and b.

    The secretariat's file passes record names, the warehouse their pseudonyms;
    a detail of another kind, or no records, comes back unchanged.
    """
    if not (record_a and record_b):
        return detail
    return detail.replace(
        _BLOCKING_DECISION, f"the decision that {record_a} and {record_b} are different people"
    )


def write_review_file(path: str | Path, review: pd.DataFrame, connectors: pd.DataFrame) -> Path:
    """The review list with both records' names and contacts, for the secretariat (not analysts).

    The file is replaced whole and is readable by its owner only (0600, from
    its creation on). To decide a pair, copy its ``record_a,record_b`` into
    the decisions file with ``same`` or ``different``.
    """
    details = {}
    for row in connectors.itertuples(index=False):
        record = f"{str(row.community_code).strip()}:{str(row.connector_id).strip()}"
        details[record] = (
            " ".join(str(v) for v in (row.first_name, row.last_name) if isinstance(v, str)),
            row.email,
            row.phone,
            row.organization,
        )
    blank = ("", "", "", "")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REVIEW_FILE_COLUMNS)
    for row in review.itertuples(index=False):
        side_a, side_b = details.get(row.record_a, blank), details.get(row.record_b, blank)
        detail = name_blocking_decision(
            row.detail, getattr(row, "decision_a", ""), getattr(row, "decision_b", "")
        )
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    row.record_a,
                    row.record_b,
                    row.reason,
                    detail,
                    row.decided,
                    *side_a,
                    *side_b,
                )
            ]
        )
    # Names and contacts: the owner's alone from the first byte on (docs/operations.md).
    return write_private_text(path, out.getvalue())
