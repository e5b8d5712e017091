"""Parsers for the contract's value types. Each is total: it never raises.

A parser takes one raw cell value as the reader found it (``str``, ``int``,
``float``, ``bool``, ``datetime``, ``date``, ``time`` or ``None``) and returns
the canonical value, ``None`` for a blank cell, or ``INVALID`` when the cell
holds something the contract does not accept. What is wrong with an invalid
cell is said by the schemas (``schemas/``), which check the parsed frame.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

import numpy as np

from connector_rollup.contract import ENUMERATIONS, NO_WORDS, YES_WORDS


class _Invalid:
    """Marks a cell whose text is not of the column's type."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID = _Invalid()


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value cached in a cell (``#N/A``, ``#REF!``...): a formula that failed.

    The reader puts one where calamine would give ``""``, so that a failed
    lookup is never read as a blank cell. It is not text either: it equals no
    ``str`` (a typed ``#N/A`` and an error ``#N/A`` are told apart) and
    ``parse_text`` shows it as Excel does. Validation reports it as
    ``excel_error`` at its cell.
    """

    text: str

    def __str__(self) -> str:
        return self.text


# The error values Excel writes in a cell (ECMA-376 18.18.20, and those of dynamic arrays and data types).
EXCEL_ERRORS = (
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# A workbook on the 1904 date system (Excel for Mac before 2011, <workbookPr date1904="1"/>)
# counts from 1904-01-01 = 0: its serial n is serial n + 1462 on the 1900 system.
DAYS_1900_TO_1904 = 1462
# Excel counts a 29 February 1900 that never was (serial 60): serials below it
# are one day later than the epoch above gives.
_EXCEL_FAKE_LEAP_DAY = 60
# Serial numbers Excel can show as a date: 1900-01-01 .. 9999-12-31.
_MAX_SERIAL = 2958465
_INTEGRAL_TEXT = re.compile(r"^[0-9]+\.0+$")
EMAIL_PATTERN = r"^[^@\s,;<>()\[\]]+@[^@\s,;<>()\[\]]+\.[A-Za-z]{2,}$"
NOC_PATTERN = r"^[0-9][0-5][0-9]{3}$"


def strip_accents(text: str) -> str:
    """``text`` in compatibility form (NFKD) without combining marks: ``Émilie`` -> ``Emilie``, ``ﬁ`` -> ``fi``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_letters(text: str, casefold: bool = False) -> str:
    """``text`` without accents, in lower case: the one accent and case folding every comparison uses.

    Headers and labels (``fold``), employers (``history.employer_key``) and
    names and organizations (``identity.fold_name``) all start here and add
    their own steps (punctuation, spaces, legal suffixes). ``casefold`` uses
    ``str.casefold`` rather than ``lower`` (``Straße`` -> ``strasse``), as
    identity resolution always has; the others keep ``lower`` so that their
    keys do not change.
    """
    if text.isascii():  # most text: NFKD leaves ASCII as it is, and casefold is lower there
        return text.lower()
    plain = strip_accents(text)
    return plain.casefold() if casefold else plain.lower()


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Fold a header, field name or label: ``Connectee ID *`` -> ``connectee_id``."""
    folded = fold_letters(text).strip()
    folded = folded.rstrip("*")
    return _NON_ALNUM.sub("_", folded).strip("_")


def is_blank(raw: object) -> bool:
    """True for an empty cell: nothing, or only spaces."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, float):
        return math.isnan(raw)
    return False


def _number_text(raw: int | float) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        return str(raw)
    except ValueError:  # an int past Python's decimal digit limit; no cell holds one
        return hex(raw)


def _finite_number(raw: int | float) -> bool:
    """True for a number a cell can hold: finite, within a float's range."""
    try:
        return math.isfinite(raw)
    except OverflowError:  # an int too large for a float
        return False


def parse_text(raw: object) -> str | None:
    """Any cell as trimmed text; numbers without a spurious ``.0``; dates in ISO form."""
    if raw.__class__ is str:  # most cells: tested first
        return raw.strip() or None
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (int, float)):
        return _number_text(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw).strip()


def parse_name(raw: object) -> str | None:
    """Text with runs of inner spaces collapsed."""
    text = parse_text(raw)
    if text is None or (text.isprintable() and "  " not in text):
        # Every whitespace character but " " is unprintable: nothing to collapse.
        return text
    return _SPACES.sub(" ", text)


def parse_id(raw: object) -> str | None:
    """An ID as text; a number typed into the cell (``1001``, ``1001.0``) reads ``1001``."""
    text = parse_text(raw)
    if text is not None and "." in text and _INTEGRAL_TEXT.match(text):
        text = text.split(".")[0]
    return text


def parse_yes_no(raw: object) -> bool | None | _Invalid:
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return {1: True, 0: False}.get(raw, INVALID)  # 1.0 == 1; nan is blank, inf is neither
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
    return INVALID


def serial_on_1900_system(raw: object) -> object:
    """A cell of a 1904-system workbook as a 1900-system workbook would hold it.

    A number (an Excel serial, 1904-01-01 = 0) is moved by ``DAYS_1900_TO_1904``;
    a negative one, which the 1904 system cannot show as a date, becomes -1
    (no date); anything else is returned as it is (calamine already converts
    date cells with the workbook's own system).
    """
    if raw.__class__ in _NUMBER and raw == raw:  # not a bool, not NaN (a blank)
        return raw + DAYS_1900_TO_1904 if raw >= 0 else -1
    return raw


_NUMBER = frozenset({int, float})


def parse_date(raw: object, date1904: bool = False) -> dt.date | None | _Invalid:
    """An Excel date cell (time dropped), ISO text ``YYYY-MM-DD``, or an Excel serial number.

    ``date1904``: the workbook counts serials on the 1904 system (spec: an
    Excel serial number in a date column, read on the workbook's own epoch).
    """
    if raw.__class__ is dt.datetime:  # most cells: tested first
        return raw.date()
    if date1904:
        raw = serial_on_1900_system(raw)
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return INVALID
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)):
        if not _finite_number(raw) or not 1 <= raw <= _MAX_SERIAL:
            return INVALID
        serial = int(raw)
        if serial == _EXCEL_FAKE_LEAP_DAY:
            return INVALID
        return _EXCEL_EPOCH + dt.timedelta(days=serial + (serial < _EXCEL_FAKE_LEAP_DAY))
    if isinstance(raw, str):
        match = _ISO_DATE.match(raw.strip())
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return INVALID
    return INVALID


def parse_noc(raw: object) -> str | None | _Invalid:
    """A NOC 2021 code as five digits; a number that lost its leading zeros is padded.

    Text is not padded: a text cell keeps what was typed, and four digits typed
    as text are most likely an older NOC 2016 code, whose padding would read
    as another occupation (``2131``, civil engineers in 2016, is not ``02131``).
    The TEER digit (second) is not checked here: the schema says when it is 6-9.
    """
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return INVALID
    if isinstance(raw, (int, float)):
        if not _finite_number(raw) or not float(raw).is_integer() or not 0 <= raw <= 99999:
            return INVALID
        return f"{int(raw):05d}"
    text = parse_id(raw)
    if text is not None and text.isascii() and text.isdigit() and len(text) == 5:
        return text
    return INVALID


def parse_email(raw: object) -> str | None:
    """An email trimmed and lower-cased; its form is checked by the schema."""
    text = parse_text(raw)
    return None if text is None else text.lower()


@lru_cache(maxsize=None)
def _enum_lookup(name: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, (english, french) in ENUMERATIONS[name].labels.items():
        for label in (code, english, *french):
            lookup[fold(label)] = code
    return lookup


def parse_enum(name: str, raw: object) -> str | None | _Invalid:
    """An enumeration's code, from its code or either language's label."""
    text = parse_text(raw)
    if text is None:
        return None
    return _enum_lookup(name).get(fold(text), INVALID)


def parse_distinct(
    parser: Callable[[object], object], cells: Iterable[object]
) -> tuple[np.ndarray, list[object]]:
    """Parse a column's cells, each distinct raw value once: ``parsed[codes[i]]`` is cell i parsed.

    Rosters repeat from quarter to quarter, so most cells of a column are
    values already seen; finding them in a dict is a C-level lookup. A dict
    tells raw values apart by ``==``, under which ``True == 1 == 1.0``, but the
    parsers read ``True`` and ``1`` differently (``TRUE`` / ``1`` as text); so
    when a column holds a value equal to 0 or 1, those values are parsed one by
    one instead. Other equal numbers (``2`` and ``2.0``) parse alike.
    """
    cells = cells if isinstance(cells, list) else list(cells)
    distinct = dict.fromkeys(cells)
    if 0 in distinct or 1 in distinct:
        return _parse_distinct_apart_from_0_1(parser, cells)
    parsed = list(map(parser, distinct))
    if len(parsed) == len(cells):  # every cell a new value (IDs, emails): cell i is value i
        return np.arange(len(cells), dtype=np.intp), parsed
    position = dict(zip(distinct, range(len(parsed))))
    return np.fromiter(map(position.__getitem__, cells), dtype=np.intp, count=len(cells)), parsed


def _parse_distinct_apart_from_0_1(
    parser: Callable[[object], object], cells: list[object]
) -> tuple[np.ndarray, list[object]]:
    """``parse_distinct`` for a column holding booleans or the numbers equal to them, kept apart."""
    parsed: list[object] = []
    position = _ParseMemo(parser, parsed)
    return np.fromiter(map(position.__getitem__, cells), dtype=np.intp, count=len(cells)), parsed


class _ParseMemo(dict):
    """Raw value -> its position in ``parsed``; a value not seen yet is parsed on lookup."""

    def __init__(self, parser: Callable[[object], object], parsed: list[object]):
        super().__init__()
        self.parser = parser
        self.parsed = parsed

    def __missing__(self, raw: object) -> int:
        code = len(self.parsed)
        self.parsed.append(self.parser(raw))
        if not (type(raw) in _BOOL_OR_NUMBER and raw in (0, 1)):
            self[raw] = code
        return code


_BOOL_OR_NUMBER = frozenset({bool, int, float})
