"""The value parsers: each accepted form of each contract type, and properties over any cell."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector_rollup.contract import ENUMERATIONS
from connector_rollup.values import (
    INVALID,
    fold,
    is_blank,
    parse_date,
    parse_distinct,
    parse_email,
    parse_enum,
    parse_id,
    parse_name,
    parse_noc,
    parse_text,
    parse_yes_no,
)

EXCEL_EPOCH = dt.date(1899, 12, 30)
HUGE = pytest.param(10**400, id="int-beyond-float")
PARSERS = [
    parse_text,
    parse_name,
    parse_id,
    parse_email,
    parse_date,
    parse_yes_no,
    parse_noc,
    *[(lambda raw, name=name: parse_enum(name, raw)) for name in ENUMERATIONS],
]


def excel_serial(day: dt.date) -> int:
    """The serial number Excel stores for ``day`` (it counts a 1900-02-29 that never was)."""
    serial = (day - EXCEL_EPOCH).days
    return serial - 1 if day < dt.date(1900, 3, 1) else serial


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (dt.date(2024, 5, 3), dt.date(2024, 5, 3)),
        (dt.datetime(2024, 5, 3), dt.date(2024, 5, 3)),
        (dt.datetime(2024, 5, 3, 14, 30, 12), dt.date(2024, 5, 3)),  # Excel date cell: time dropped
        ("2024-05-03", dt.date(2024, 5, 3)),
        ("  2024-05-03 ", dt.date(2024, 5, 3)),
        ("2024-05-03 00:00:00", dt.date(2024, 5, 3)),
        (45415, dt.date(2024, 5, 3)),  # an Excel serial number in a date column
        (45415.0, dt.date(2024, 5, 3)),
        (45415.75, dt.date(2024, 5, 3)),  # serial with a time of day
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (None, None),
        ("", None),
        ("   ", None),
        (float("nan"), None),
    ],
)
def test_parse_date_accepted_forms(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "03/05/2024",
        "2024/05/03",
        "3 May 2024",
        "2024-5-3",
        "2024-02-30",
        "20240503",
        "n/a",
        True,
        False,
        0,
        -1,
        60,
        2958466,
        float("inf"),
        float("-inf"),
        dt.time(10, 30),
        HUGE,
    ],
)
def test_parse_date_rejects(raw):
    assert parse_date(raw) is INVALID


# --- Yes/No ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "yes",
        "Yes",
        "YES",
        "y",
        "Y",
        "true",
        "TRUE",
        "True",
        "1",
        "oui",
        "Oui",
        "OUI",
        "o",
        "O",
        " yes ",
    ],
)
def test_yes_words(word):
    assert parse_yes_no(word) is True


@pytest.mark.parametrize(
    "word", ["no", "No", "NO", "n", "N", "false", "FALSE", "0", "non", "Non", "NON", " non "]
)
def test_no_words(word):
    assert parse_yes_no(word) is False


@pytest.mark.parametrize(
    "raw, expected",
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        (None, None),
        ("", None),
        (float("nan"), None),
    ],
)
def test_yes_no_cells(raw, expected):
    assert parse_yes_no(raw) is expected


@pytest.mark.parametrize(
    "raw", ["maybe", "yess", "vrai", "2", 2, 0.5, -1, float("inf"), HUGE, dt.date(2024, 1, 1)]
)
def test_yes_no_rejects(raw):
    assert parse_yes_no(raw) is INVALID


# --- NOC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("21300", "21300"),
        (21300, "21300"),
        (21300.0, "21300"),
        ("21300.0", "21300"),
        (10, "00010"),  # a number that lost its leading zeros
        ("00010", "00010"),
        (" 21300 ", "21300"),
        (None, None),
        ("", None),
    ],
)
def test_parse_noc_accepted_forms(raw, expected):
    assert parse_noc(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2130a",
        "213000",
        213000,
        "10",
        "2131",
        "21-300",
        "-10",
        -10,
        21300.5,
        True,
        float("inf"),
        HUGE,
        "２１３００",
    ],
)
def test_parse_noc_rejects(raw):
    assert parse_noc(raw) is INVALID


def test_parse_noc_leaves_the_teer_digit_to_the_schema():
    # 26000 has TEER digit 6: the parser reads it, the schema rejects it (see test_validate).
    assert parse_noc("26000") == "26000"


# --- IDs, text, names, emails --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1001, "1001"),
        (1001.0, "1001"),
        ("1001", "1001"),
        ("02040", "02040"),
        (" E-7 ", "E-7"),
        ("1001.0", "1001"),
        (12.5, "12.5"),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


def test_parse_text_and_name():
    assert parse_text("  Ana  ") == "Ana"
    assert parse_text(True) == "TRUE"
    assert parse_text(dt.datetime(2024, 5, 3)) == "2024-05-03"
    assert parse_text(dt.datetime(2024, 5, 3, 9, 5)) == "2024-05-03 09:05:00"
    assert parse_name("  Ana   Maria  ") == "Ana Maria"
    assert parse_name("Ana\t\tMaria") == "Ana Maria"


def test_parse_email_is_trimmed_and_lower_cased():
    assert parse_email(" Ana.Silva@Example.CA ") == "ana.silva@example.ca"
    assert parse_email("") is None


# --- enumerations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, raw, code",
    [
        ("category", "newcomer", "newcomer"),
        ("category", "Newcomer", "newcomer"),
        ("category", "Nouvel arrivant", "newcomer"),
        ("category", "Nouvelle arrivante", "newcomer"),
        ("category", "NOUVELLE  ARRIVANTE", "newcomer"),
        ("category", "diplomee internationale", "international_graduate"),
        ("category", "Diplômé international", "international_graduate"),
        ("category", "International-graduate", "international_graduate"),
        ("category", "Locale", "local"),
        ("official_language", "Les deux", "both"),
        ("official_language", "francais", "french"),
        ("introduced_by", "Coordonnatrice", "coordinator"),
        ("introduced_by", "Connectrice", "connector"),
        ("outcome", "Offre d’emploi", "job_offer"),  # a typographic apostrophe
        ("outcome", "offre d'emploi", "job_offer"),
        ("employment_type", "Saisonnière", "seasonal"),
        ("employment_type", "full-time", "full_time"),
        ("recruitment_channel", "Bouche à oreille", "word_of_mouth"),
        ("recruitment_channel", "LINKEDIN", "linkedin"),
    ],
)
def test_parse_enum_codes_and_labels(name, raw, code):
    assert parse_enum(name, raw) == code


@pytest.mark.parametrize(
    "name, raw",
    [
        ("category", "Refugee"),
        ("official_language", "Spanish"),
        ("outcome", "***"),
        ("employment_type", 1),
    ],
)
def test_parse_enum_rejects(name, raw):
    assert parse_enum(name, raw) is INVALID


def test_parse_enum_blank():
    assert parse_enum("category", "  ") is None


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, folded",
    [
        ("Connectee ID *", "connectee_id"),
        ("Connectee ID*", "connectee_id"),
        ("connectee_id", "connectee_id"),
        ("CONNECTEE-ID", "connectee_id"),
        ("  Connectee   ID  ", "connectee_id"),
        ("Date de présentation", "date_de_presentation"),
        ("date_de_presentation", "date_de_presentation"),
        ("Correspond à l'expérience", "correspond_a_l_experience"),
        ("Connectés", "connectes"),
    ],
)
def test_fold(header, folded):
    assert fold(header) == folded


# --- properties ---------------------------------------------------------------------------------

CELLS = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.just(10**5000),
    st.sampled_from(
        ["", " ", "2024-02-30", "0000-01-01", "1e309", "NaN", "TRUE", "00010", "٢٠٢٤-٠١-٠١"]
    ),
)
ANY = settings(max_examples=150, deadline=None)


@ANY
@given(raw=CELLS)
def test_every_parser_is_total(raw):
    for parser in PARSERS:
        parser(raw)  # never raises
    is_blank(raw)


@ANY
@given(raw=CELLS)
def test_parsers_return_their_type_none_or_invalid(raw):
    assert (
        parse_date(raw) is None
        or parse_date(raw) is INVALID
        or isinstance(parse_date(raw), dt.date)
    )
    assert parse_yes_no(raw) in (True, False, None) or parse_yes_no(raw) is INVALID
    noc = parse_noc(raw)
    assert noc is None or noc is INVALID or (len(noc) == 5 and noc.isdigit())
    for parser in (parse_text, parse_name, parse_id, parse_email):
        assert parser(raw) is None or isinstance(parser(raw), str)


@ANY
@given(day=st.dates())
def test_parse_date_round_trips_iso_text(day):
    assert parse_date(day.isoformat()) == day


@ANY
@given(
    day=st.dates(min_value=dt.date(1900, 1, 1)),
    time=st.floats(min_value=0, max_value=0.999, allow_nan=False),
)
def test_parse_date_round_trips_excel_serials(day, time):
    serial = excel_serial(day)
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day
    assert parse_date(serial + time) == day


@ANY
@given(day=st.datetimes())
def test_parse_date_drops_the_time_of_a_date_cell(day):
    assert parse_date(day) == day.date()


@ANY
@given(code=st.from_regex(r"\A[0-9]{5}\Z"))
def test_parse_noc_round_trips_a_number_that_lost_its_zeros(code):
    assert parse_noc(int(code)) == code
    assert parse_noc(float(int(code))) == code
    assert parse_noc(code) == code


LABELS = [
    (name, code, label)
    for name, e in ENUMERATIONS.items()
    for code, (english, french) in e.labels.items()
    for label in (code, english, *french)
]


@ANY
@given(case=st.sampled_from(LABELS), data=st.data())
def test_parse_enum_reads_every_label_in_any_case_and_spacing(case, data):
    name, code, label = case
    flips = data.draw(st.lists(st.booleans(), min_size=len(label), max_size=len(label)))
    mangled = "".join(ch.upper() if flip else ch.lower() for ch, flip in zip(label, flips))
    mangled = mangled.replace(" ", " " * data.draw(st.integers(1, 3)))
    padding = " " * data.draw(st.integers(0, 2))
    assert parse_enum(name, padding + mangled + padding) == code


@ANY
@given(text=st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
    assert not fold(text).startswith("_") and not fold(text).endswith("_")


@ANY
@given(number=st.integers(min_value=0, max_value=10**15))
def test_parse_id_reads_a_number_like_its_text(number):
    assert parse_id(number) == str(number)
    assert parse_id(float(number)) == str(int(float(number)))


def test_invalid_is_a_falsy_singleton():
    assert not INVALID and repr(INVALID) == "INVALID"
    assert type(INVALID)() is INVALID


def test_huge_numbers_read_as_text_without_raising():
    assert parse_text(10**5000).startswith("0x")  # past Python's decimal digit limit
    assert parse_id(10**20) == "100000000000000000000"
    assert parse_text(float("inf")) == "inf"


# Values a dict would merge (True == 1 == 1.0) though the parsers read them apart.
EQUAL_ACROSS_TYPES = st.sampled_from([True, False, 0, 1, 0.0, 1.0, -0.0, 2, 2.0, "1", "TRUE"])


@ANY
@given(cells=st.lists(st.one_of(CELLS, EQUAL_ACROSS_TYPES), max_size=30))
def test_parse_distinct_is_the_parser_cell_by_cell(cells):
    for parser in PARSERS:
        codes, parsed = parse_distinct(parser, cells)
        assert [parsed[c] for c in codes] == [parser(raw) for raw in cells]


def test_parse_distinct_keeps_booleans_and_numbers_apart():
    codes, parsed = parse_distinct(parse_text, [True, 1, 1.0, "x", "x", 2, 2.0, None])
    assert [parsed[c] for c in codes] == ["TRUE", "1", "1", "x", "x", "2", "2", None]
    assert len(parsed) < 8  # "x" and 2 / 2.0 were parsed once
