"""Who is the same Connector: given literal records, expect these people and this review list."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector_rollup.rollup.identity import (
    Decision,
    DecisionsError,
    fold_name,
    fold_organization,
    load_decisions,
    phone_digits,
    resolve_connectors,
    write_decisions_template,
    write_review_file,
)

COLUMNS = [
    "community_code",
    "connector_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organization",
]


def connectors(*rows: tuple) -> pd.DataFrame:
    """Rows as (record "CODE:ID", first, last, email, phone, organization); None is blank."""
    data = [(*record.split(":"), *rest) for record, *rest in rows]
    return pd.DataFrame(data, columns=COLUMNS).astype("str")


def people(result) -> dict[str, str]:
    """record -> person_id."""
    return dict(zip(result.people["record"], result.people["person_id"], strict=True))


def groups(result) -> list[list[str]]:
    """The people as sorted lists of records."""
    by_person: dict[str, set[str]] = {}
    for record, person in people(result).items():
        by_person.setdefault(person, set()).add(record)
    return sorted(sorted(records) for records in by_person.values())


def review(result) -> list[tuple[str, str, str, str]]:
    """(record_a, record_b, reason, decided) of each review row."""
    frame = result.review
    return list(
        zip(frame["record_a"], frame["record_b"], frame["reason"], frame["decided"], strict=True)
    )


# --- folding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zoë O'Neil", "zoe oneil"),
        ("  zoe   ONEIL ", "zoe oneil"),
        ("Jean-Pierre Côté", "jeanpierre cote"),
        ("Łukasz Straße", "lukasz strasse"),
        ("Nguyễn Thị Ánh", "nguyen thi anh"),
        ("李 小龍", "李 小龍"),
        (None, ""),
        (pd.NA, ""),
        (math.nan, ""),
    ],
)
def test_fold_name(text, expected):
    assert fold_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Acme Corp.", "acme"),
        ("acme", "acme"),
        ("ACME, Inc. Ltd", "acme"),
        ("Tim Hortons Ltée", "tim hortons"),
        ("Smith & Co.", "smith"),
        ("Theatre Limited", "theatre"),
        ("The Co", "co"),
        (None, ""),
    ],
)
def test_fold_organization(text, expected):
    assert fold_organization(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 (902) 555-1234", "9025551234"),
        ("902.555.1234", "9025551234"),
        ("19025551234", "9025551234"),
        ("902-555-1234 ext. 22", "9025551234"),
        ("902 555 1234 x22", "9025551234"),
        ("555-1234", "5551234"),
        ("12345", ""),
        ("n/a", ""),
        (None, ""),
    ],
)
def test_phone_digits(text, expected):
    assert phone_digits(text) == expected


# --- the four links ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "link"),
    [
        pytest.param(
            [
                ("NS-HFX:C1", "Ann", "Lee", None, None, None),
                ("NS-HFX:C1", "Ann", "Lee", "ann@x.ca", None, None),
            ],
            "connector_id",
            id="same-community-and-id",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Robert", "Smith", "bob@x.ca", None, None),
                ("ON-TOR:C7", "Bob", "Smith", "  BOB@X.ca ", None, None),
            ],
            "email_last_name",
            id="email-and-last-name-bob-robert",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Ann", "Lee", None, "(902) 555-1234", None),
                ("ON-TOR:C7", "ann", "LEE", None, "+1 902 555 1234", None),
            ],
            "name_phone",
            id="full-name-and-phone",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Ann", "Lee", None, None, "The Acme Corp."),
                ("ON-TOR:C7", "Ann", "Lee", None, None, "acme"),
            ],
            "name_organization",
            id="full-name-and-organization-suffixes",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Zoë", "O'Neil", None, "902-555-1234", None),
                ("ON-TOR:C7", "zoe", "oneil", None, "9025551234", None),
            ],
            "name_phone",
            id="accents-and-punctuation-folded",
        ),
    ],
)
def test_each_link_merges(rows, link):
    result = resolve_connectors(connectors(*rows))
    assert set(people(result).values()) == {"NS-HFX:C1"}
    assert set(result.people["linked_by"]) == {link}
    assert (result.records, result.persons, result.merged_records) == (2, 1, 2)
    assert review(result) == []


def test_links_chain():
    # A~B by email and last name, B~C by name and phone: one person, named by its smallest record.
    result = resolve_connectors(
        connectors(
            ("ON-TOR:C2", "Ann", "Lee", "ann@x.ca", None, None),
            ("NS-HFX:C9", "Annie", "Lee", "ann@x.ca", "902 555 1234", None),
            ("QC-MTL:C1", "Annie", "Lee", None, "902-555-1234", "Other Inc"),
            ("AB-CGY:C5", "Bo", "Chen", None, None, None),
        )
    )
    assert groups(result) == [["AB-CGY:C5"], ["NS-HFX:C9", "ON-TOR:C2", "QC-MTL:C1"]]
    assert people(result)["QC-MTL:C1"] == "NS-HFX:C9"
    linked_by = dict(zip(result.people["record"], result.people["linked_by"], strict=True))
    assert linked_by == {
        "AB-CGY:C5": "",
        "NS-HFX:C9": "email_last_name",
        "ON-TOR:C2": "email_last_name",
        "QC-MTL:C1": "name_phone",
    }
    assert (result.records, result.persons, result.merged_records) == (4, 2, 3)


# --- kept apart, and listed for review ---------------------------------------------------------


def test_same_name_all_else_different_is_not_merged():
    result = resolve_connectors(
        connectors(
            ("NS-HFX:C1", "Ann", "Lee", "ann@x.ca", "902-555-1234", "Acme"),
            ("ON-TOR:C7", "Ann", "Lee", "al@y.ca", "416-555-9999", "Beta"),
        )
    )
    assert result.persons == 2
    assert review(result) == [("NS-HFX:C1", "ON-TOR:C7", "same_name_no_link", "")]
    assert result.review["detail"][0] == (
        "Same full name; email differs, phone differs, organization differs; not merged."
    )


def test_a_blank_field_never_links():
    # Same name, one phone missing, no email or organization: nothing links them.
    result = resolve_connectors(
        connectors(
            ("NS-HFX:C1", "Ann", "Lee", None, "902-555-1234", None),
            ("ON-TOR:C7", "Ann", "Lee", None, None, None),
        )
    )
    assert result.persons == 2
    assert review(result) == [("NS-HFX:C1", "ON-TOR:C7", "same_name_no_link", "")]
    assert "phone missing on one side" in result.review["detail"][0]
    assert "email missing on both" in result.review["detail"][0]


def test_shared_mailbox_is_not_merged():
    result = resolve_connectors(
        connectors(
            ("NS-HFX:C1", "Ann", "Lee", "info@acme.ca", None, "Acme"),
            ("NS-HFX:C2", "Raj", "Patel", "INFO@acme.ca", None, "Acme"),
        )
    )
    assert result.persons == 2
    assert review(result) == [("NS-HFX:C1", "NS-HFX:C2", "shared_email", "")]
    assert "shared mailbox" in result.review["detail"][0]


def test_same_email_last_name_typo_is_reviewed():
    result = resolve_connectors(
        connectors(
            ("NS-HFX:C1", "Ann", "Smith", "ann@x.ca", None, None),
            ("ON-TOR:C7", "Ann", "Smtih", "ann@x.ca", None, None),
        )
    )
    assert result.persons == 2
    assert review(result) == [("NS-HFX:C1", "ON-TOR:C7", "email_last_name_typo", "")]
    assert "1 letter apart" in result.review["detail"][0]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [
                ("NS-HFX:C1", "Chris", "Wong", None, "902-555-1234", None),
                ("ON-TOR:C7", "Christopher", "Wong", None, "9025551234", None),
            ],
            id="short-form-same-phone",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Bill", "Wong", None, None, "Acme"),
                ("ON-TOR:C7", "William", "Wong", None, None, "The Acme Inc."),
            ],
            id="nickname-same-organization",
        ),
        pytest.param(
            [
                ("NS-HFX:C1", "Ann", "Smith", None, None, "Acme"),
                ("ON-TOR:C7", "Ann", "Smyth", None, None, "Acme"),
            ],
            id="last-name-typo-same-organization",
        ),
    ],
)
def test_similar_names_are_reviewed(rows):
    result = resolve_connectors(connectors(*rows))
    assert result.persons == 2
    assert review(result) == [("NS-HFX:C1", "ON-TOR:C7", "similar_name", "")]


def test_review_detail_holds_no_personal_data():
    rows = [
        ("NS-HFX:C1", "Zoë", "Smith", "zoe@x.ca", "902-555-1234", "Acme"),
        ("NS-HFX:C2", "Zoe", "Smtih", "zoe@x.ca", "416-555-0000", "Beta"),
        ("ON-TOR:C3", "Zoë", "Smith", "zs@y.ca", "514-555-7777", "Gamma"),
        ("QC-MTL:C4", "Raj", "Patel", "ZOE@x.ca", None, None),
    ]
    result = resolve_connectors(connectors(*rows))
    assert len(result.review) == 4  # C1-C2 typo, C1-C3 same name, C1-C4 and C2-C4 mailbox
    personal = {v for _, *values, _ in rows for v in values if v}
    personal |= {fold_name(v) for v in personal} | {phone_digits(v) for v in personal} - {""}
    for detail in result.review["detail"]:
        assert not [v for v in personal if v.lower() in detail.lower()], detail


def test_a_crowded_block_lists_neighbouring_pairs_only():
    rows = [(f"NS-HFX:C{n:02d}", "Ann", "Lee", None, f"902-555-{n:04d}", None) for n in range(15)]
    result = resolve_connectors(connectors(*rows))
    assert result.persons == 15
    assert len(result.review) == 14  # not 105
    assert result.review["detail"].str.contains("15 people share this").all()


# --- decisions ---------------------------------------------------------------------------------


def test_same_decision_merges():
    rows = [
        ("NS-HFX:C1", "Ann", "Lee", "ann@x.ca", None, None),
        ("ON-TOR:C7", "Ann", "Lee-Wong", "ann.lw@y.ca", None, None),
    ]
    result = resolve_connectors(connectors(*rows), [Decision("ON-TOR:C7", "NS-HFX:C1", True)])
    assert groups(result) == [["NS-HFX:C1", "ON-TOR:C7"]]
    assert set(result.people["linked_by"]) == {"decision"}
    assert review(result) == [("NS-HFX:C1", "ON-TOR:C7", "decision_only", "same")]
    assert result.review["detail"][0].endswith("merged by a decision.")


def test_same_decision_on_a_reviewed_pair_keeps_its_reason():
    rows = [
        ("NS-HFX:C1", "Ann", "Lee", "info@acme.ca", None, None),
        ("NS-HFX:C2", "Ann", "Leeds", "info@acme.ca", None, None),
    ]
    result = resolve_connectors(connectors(*rows), [Decision("NS-HFX:C1", "NS-HFX:C2", True)])
    assert result.persons == 1
    assert review(result) == [("NS-HFX:C1", "NS-HFX:C2", "shared_email", "same")]


def test_different_decision_splits_a_chain():
    rows = [
        ("NS-HFX:C1", "Ann", "Lee", "ann@x.ca", None, None),
        ("NS-HFX:C2", "Annie", "Lee", "ann@x.ca", "902 555 1234", None),
        ("ON-TOR:C3", "Annie", "Lee", None, "902-555-1234", None),
    ]
    assert resolve_connectors(connectors(*rows)).persons == 1
    result = resolve_connectors(connectors(*rows), [Decision("NS-HFX:C1", "ON-TOR:C3", False)])
    # Links go in order (email before phone): C1~C2 joins, C2~C3 would join C1 and C3: skipped.
    assert groups(result) == [["NS-HFX:C1", "NS-HFX:C2"], ["ON-TOR:C3"]]
    assert review(result) == [("NS-HFX:C2", "ON-TOR:C3", "blocked_by_decision", "")]
    detail = result.review["detail"][0]
    # Analysts read the detail: it names no record; the decision's records have their columns.
    assert "phone" in detail and "'different' decision" in detail and ":C" not in detail
    assert (result.review["decision_a"][0], result.review["decision_b"][0]) == (
        "NS-HFX:C1",
        "ON-TOR:C3",
    )


def test_review_file_names_the_blocking_decision_and_the_contacts(tmp_path):
    rows = [
        ("NS-HFX:C1", "Ann", "Lee", "ann@x.ca", None, None),
        ("NS-HFX:C2", "Annie", "Lee", "ann@x.ca", "902 555 1234", None),
        ("ON-TOR:C3", "Annie", "Lee", None, "902-555-1234", None),
    ]
    frame = connectors(*rows)
    result = resolve_connectors(frame, [Decision("NS-HFX:C1", "ON-TOR:C3", False)])
    path = write_review_file(tmp_path / "connector-review.csv", result.review, frame)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("record_a,record_b,reason,detail,decided,name_a,email_a")
    assert lines[1].startswith("NS-HFX:C2,ON-TOR:C3,blocked_by_decision,")
    assert "the decision that NS-HFX:C1 and ON-TOR:C3 are different people" in lines[1]
    assert "Annie Lee,ann@x.ca,902 555 1234" in lines[1]


def test_different_decision_inside_a_group_keeps_the_others_together():
    # Four records share email and last name; the secretariat says C1 is not C2 nor C3.
    rows = [(f"NS-HFX:C{n}", "Ann", "Lee", "info@lee.ca", None, None) for n in range(1, 5)]
    decisions = [
        Decision("NS-HFX:C1", "NS-HFX:C2", False),
        Decision("NS-HFX:C1", "NS-HFX:C3", False),
    ]
    result = resolve_connectors(connectors(*rows), decisions)
    assert groups(result) == [["NS-HFX:C1", "NS-HFX:C4"], ["NS-HFX:C2", "NS-HFX:C3"]]
    # One row per pair of people: a skipped link first, on the pair decided if it is one.
    assert review(result) == [("NS-HFX:C1", "NS-HFX:C2", "blocked_by_decision", "different")]


def test_decisions_naming_unknown_records_are_ignored():
    rows = [("NS-HFX:C1", "Ann", "Lee", None, None, None)]
    unknown = Decision("NS-HFX:C1", "NS-HFX:C404", True)
    result = resolve_connectors(connectors(*rows), [unknown])
    assert result.persons == 1
    assert result.ignored_decisions == [unknown]


def test_no_records():
    result = resolve_connectors(connectors())
    assert (result.records, result.persons, result.merged_records) == (0, 0, 0)
    assert list(result.people.columns) == [
        "community_code",
        "connector_id",
        "record",
        "person_id",
        "linked_by",
    ]
    assert list(result.review.columns) == [
        "record_a",
        "record_b",
        "reason",
        "detail",
        "decided",
        "decision_a",
        "decision_b",
    ]


def test_a_missing_column_is_refused():
    with pytest.raises(ValueError, match="organization"):
        resolve_connectors(connectors().drop(columns="organization"))


# --- invariants --------------------------------------------------------------------------------

RECORDS = [f"{code}:C{n}" for code in ("NS-HFX", "ON-TOR") for n in range(1, 5)]
ROWS = st.tuples(
    st.sampled_from(RECORDS),
    st.sampled_from(["Ann", "ann", "Bob", "Robert"]),
    st.sampled_from(["Lee", "Lée", "Li", "Smith"]),
    st.sampled_from([None, "a@x.ca", " A@x.ca", "b@x.ca"]),
    st.sampled_from([None, "902-555-1234", "9025551234", "555 0000"]),
    st.sampled_from([None, "Acme", "The Acme Inc.", "Beta"]),
)
DECISIONS = st.lists(
    st.builds(Decision, st.sampled_from(RECORDS), st.sampled_from(RECORDS), st.booleans()),
    max_size=3,
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(rows=st.lists(ROWS, max_size=10), decisions=DECISIONS, data=st.data())
def test_row_order_does_not_matter(rows, decisions, data):
    frame = connectors(*rows)
    shuffled = frame.iloc[data.draw(st.permutations(range(len(frame))))]
    result = resolve_connectors(frame, decisions)
    again = resolve_connectors(shuffled, list(reversed(decisions)))
    pd.testing.assert_frame_equal(result.people, again.people)
    pd.testing.assert_frame_equal(result.review, again.review)
    assert (result.records, result.persons, result.merged_records) == (
        again.records,
        again.persons,
        again.merged_records,
    )
    # A "different" decision is never overruled.
    person = people(result)
    for d in decisions:
        if not d.same and d.record_a != d.record_b and {d.record_a, d.record_b} <= person.keys():
            assert person[d.record_a] != person[d.record_b]


@FAST
@given(rows=st.lists(ROWS, max_size=10), decisions=DECISIONS)
def test_resolving_again_with_its_own_result_changes_nothing(rows, decisions):
    # Restating every merge the first run made as a "same" decision is a fixed point.
    frame = connectors(*rows)
    result = resolve_connectors(frame, decisions)
    restated = [Decision(p, r, True) for r, p in people(result).items() if r != p]
    again = resolve_connectors(frame, [*decisions, *restated])
    assert people(again) == people(result)
    pd.testing.assert_frame_equal(resolve_connectors(frame, decisions).review, result.review)


# --- the decisions file ------------------------------------------------------------------------


def test_missing_decisions_file_is_no_decision(tmp_path):
    assert load_decisions(tmp_path / "decisions.csv") == []


def test_template_reads_as_no_decision_and_is_never_overwritten(tmp_path):
    path = write_decisions_template(tmp_path / "decisions.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == "record_a,record_b,decision,note"
    assert load_decisions(path) == []
    with pytest.raises(FileExistsError):
        write_decisions_template(path)


def test_load_decisions(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(
        "\ufeffRecord_A,record_b,Decision,note\n"
        "# a comment\n"
        'NS-HFX:C1,ON-TOR:C7,Same,"moved, confirmed"\n'
        "\n"
        " NS-HFX:C2 , NS-HFX:C3 ,DIFFERENT\n"
        "NS-HFX:C3,NS-HFX:C2,different,said twice\n"
        "QC-MTL:A1,QC-MTL:A2,same,unquoted, comma\n",
        encoding="utf-8",
    )
    assert load_decisions(path) == [
        Decision("NS-HFX:C1", "ON-TOR:C7", True, "moved, confirmed"),
        Decision("NS-HFX:C2", "NS-HFX:C3", False, ""),
        Decision("QC-MTL:A1", "QC-MTL:A2", True, "unquoted, comma"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("record_a,record_b,note\n", 1, "lacks decision"),
        ("record_a,record_b,decision\nNS-HFX:C1,C7,same\n", 2, "not a record"),
        ("record_a,record_b,decision\nNS-HFX:C1,NS-HFX:C1,same\n", 2, "both NS-HFX:C1"),
        (
            "record_a,record_b,decision\nNS-HFX:C1,NS-HFX:C2,maybe\n",
            2,
            "neither same nor different",
        ),
        (
            "record_a,record_b,decision\n# ok\nNS-HFX:C1,NS-HFX:C2,same\nNS-HFX:C2,NS-HFX:C1,different\n",
            4,
            "but same on line 3",
        ),
    ],
)
def test_load_decisions_errors_name_the_line_and_the_fix(tmp_path, text, line, words):
    path = tmp_path / "decisions.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DecisionsError, match=f"line {line}: .*{words}.*Fix:"):
        load_decisions(path)


def test_load_decisions_refuses_a_non_utf8_file(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_bytes(
        "record_a,record_b,decision,note\nNS-HFX:C1,NS-HFX:C2,same,Côté\n".encode("cp1252")
    )
    with pytest.raises(DecisionsError, match="UTF-8"):
        load_decisions(path)


def _spec_by_brute_force(frame: pd.DataFrame) -> list[list[str]]:
    """The spec read literally: try every pair of rows, then join linked pairs transitively."""
    rows = [
        {
            "record": f"{r.community_code}:{r.connector_id}",
            "email": (r.email or "").strip().lower() if isinstance(r.email, str) else "",
            "last": fold_name(r.last_name),
            "full": fold_name(f"{r.first_name} {r.last_name}"),
            "phone": phone_digits(r.phone),
            "org": fold_organization(r.organization),
        }
        for r in frame.itertuples()
    ]
    person = {row["record"]: row["record"] for row in rows}

    def find(x):
        while person[x] != x:
            x = person[x]
        return x

    def same(a, b, key):
        return a[key] != "" and a[key] == b[key]

    for a in rows:
        for b in rows:
            linked = (
                a["record"] == b["record"]
                or (same(a, b, "email") and same(a, b, "last"))
                or (same(a, b, "full") and same(a, b, "phone"))
                or (same(a, b, "full") and same(a, b, "org"))
            )
            if linked:
                person[find(a["record"])] = find(b["record"])
    by_person: dict[str, set[str]] = {}
    for record in person:
        by_person.setdefault(find(record), set()).add(record)
    return sorted(sorted(records) for records in by_person.values())


@FAST
@given(rows=st.lists(ROWS, max_size=12))
def test_blocking_finds_what_trying_every_pair_finds(rows):
    frame = connectors(*rows)
    assert groups(resolve_connectors(frame)) == _spec_by_brute_force(frame)
