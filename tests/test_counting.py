"""Given/expect tests of the counting rules (shared/spec/counting-rules.md) on literal rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector_rollup.rollup.counting import (
    CONNECTEE_NOT_ONBOARDED_REASONS,
    CONNECTOR_NOT_COUNTED_REASONS,
    JOB_EXCLUSION_REASONS,
    count,
    summarise,
)

THROUGH = dt.date(2025, 3, 31)

# Every column of the history frames (docs/design.md), with the value a row gets
# when the test does not say. Dates are written as strings.
COLUMNS = {
    "connectees": {
        "community_code": "AAA",
        "connectee_id": "E1",
        "first_name": "Ana",
        "last_name": "Diaz",
        "email": None,
        "phone": None,
        "category": "newcomer",
        "country_of_origin": None,
        "official_language": "english",
        "home_occupation_noc": None,
        "home_occupation_title": None,
        "application_date": "2023-09-01",
        "accepted": True,
        "intake_meeting_date": "2023-10-01",
        "withdrawn": False,
        "source_period": "2024-25-Q4",
    },
    "connectors": {
        "community_code": "AAA",
        "connector_id": "C1",
        "first_name": "Bob",
        "last_name": "Lee",
        "email": None,
        "phone": None,
        "organization": None,
        "job_title": None,
        "sector": None,
        "recruited_via": None,
        "orientation_meeting_date": None,
        "toolkit_received": True,
        "withdrawn": False,
        "source_period": "2024-25-Q4",
    },
    "introductions": {
        "community_code": "AAA",
        "connectee_id": "E1",
        "connector_id": "C1",
        "introduction_date": "2024-01-15",
        "introduced_by": "coordinator",
        "outcome": None,
        "source_period": "2024-25-Q4",
    },
    "jobs": {
        "community_code": "AAA",
        "connectee_id": "E1",
        "employer": "Acme",
        "job_title": "Engineer",
        "job_noc": None,
        "start_date": "2024-06-01",
        "employment_type": "full_time",
        "in_field": True,
        "matches_experience": True,
        "withdrawn": False,
        "source_period": "2024-25-Q4",
    },
}
BOOLS = {"accepted", "withdrawn", "toolkit_received", "in_field", "matches_experience"}


def frame(sheet: str, rows: list[dict]) -> pd.DataFrame:
    """A history frame of ``sheet`` from literal rows, typed as history.py hands it over."""
    defaults = COLUMNS[sheet]
    data = pd.DataFrame([{**defaults, **row} for row in rows], columns=list(defaults))
    for col in data.columns:
        if col.endswith("_date"):
            data[col] = pd.to_datetime(data[col])
        elif col in BOOLS:
            data[col] = data[col].astype(bool)
        else:
            data[col] = data[col].astype("str")
    return data


def run(connectees=(), connectors=(), introductions=(), jobs=(), people=None, through=THROUGH):
    """Count literal rows; ``people`` maps (community, connector_id) to a person id, else each
    Connector record is its own person."""
    connectors_df = frame("connectors", list(connectors))
    people = people or {}
    keys = list(zip(connectors_df["community_code"], connectors_df["connector_id"]))
    connector_person = pd.DataFrame(
        {
            "community_code": [c for c, _ in keys],
            "connector_id": [i for _, i in keys],
            "person_id": [people.get((c, i), f"{c}:{i}") for c, i in keys],
        },
        dtype="str",
    )
    return count(
        frame("connectees", list(connectees)),
        connectors_df,
        frame("introductions", list(introductions)),
        frame("jobs", list(jobs)),
        connector_person,
        through,
    )


def events(counts, measure, scope) -> list[tuple]:
    """(community or None, person, ISO date) of each event of one measure and scope."""
    e = counts.events
    e = e[(e["measure"] == measure) & (e["scope"] == scope)]
    return sorted(
        (None if pd.isna(c) else c, p, d.date().isoformat())
        for c, p, d in zip(e["community_code"], e["person_id"], e["event_date"])
    )


def connectee_reason(counts, connectee_id="E1", community="AAA") -> str:
    s = counts.connectee_status
    row = s[(s["connectee_id"] == connectee_id) & (s["community_code"] == community)]
    assert len(row) == 1
    return row["not_onboarded_reason"].iloc[0]


def connector_reason(counts, connector_id="C1", community="AAA") -> str:
    s = counts.connector_status
    row = s[(s["connector_id"] == connector_id) & (s["community_code"] == community)]
    assert len(row) == 1
    return row["not_counted_reason"].iloc[0]


# --- Connectees ---------------------------------------------------------------------------


def test_connectee_onboarded_at_earliest_valid_introduction():
    counts = run(
        connectees=[{}],
        connectors=[{"connector_id": "C1"}, {"connector_id": "C2"}],
        introductions=[
            {"connector_id": "C1", "introduction_date": "2024-02-05"},
            {"connector_id": "C2", "introduction_date": "2024-01-20"},
            {"connector_id": "C1", "introduction_date": "2024-03-01"},
        ],
    )
    assert connectee_reason(counts) == ""
    assert events(counts, "connectees", "national") == [(None, "AAA:E1", "2024-01-20")]
    assert events(counts, "connectees", "community") == [("AAA", "AAA:E1", "2024-01-20")]
    assert counts.connectee_status["onboarded_on"].iloc[0] == pd.Timestamp("2024-01-20")


@pytest.mark.parametrize(
    "connectee, introductions, reason",
    [
        ({"withdrawn": True}, [{}], "withdrawn"),
        ({"accepted": False, "intake_meeting_date": None}, [{}], "not_accepted"),
        ({"intake_meeting_date": None}, [{}], "no_intake_meeting"),
        ({}, [], "no_introduction"),
        ({}, [{"connector_id": "C9"}], "no_introduction"),  # C9 is no Connector of AAA
        (
            {},
            [{"community_code": "BBB"}],
            "no_introduction",
        ),  # an introduction in another community
        # withdrawn comes first even when other conditions fail too
        ({"withdrawn": True, "accepted": False}, [], "withdrawn"),
        ({"accepted": False, "intake_meeting_date": None}, [], "not_accepted"),
    ],
)
def test_connectee_not_onboarded_reason(connectee, introductions, reason):
    counts = run(
        connectees=[connectee],
        connectors=[{}, {"community_code": "BBB"}],
        introductions=introductions,
    )
    assert connectee_reason(counts) == reason
    assert counts.connectee_status["onboarded_on"].isna().all()
    assert events(counts, "connectees", "national") == []
    assert events(counts, "connectees", "community") == []


def test_withdrawn_connector_still_makes_the_introduction_valid():
    counts = run(
        connectees=[{}],
        connectors=[{"withdrawn": True, "toolkit_received": False}],
        introductions=[{"introduction_date": "2024-01-15"}],
    )
    assert events(counts, "connectees", "community") == [("AAA", "AAA:E1", "2024-01-15")]
    assert connector_reason(counts) == "withdrawn"
    assert events(counts, "connectors", "national") == []


def test_same_email_in_two_communities_is_one_national_person():
    counts = run(
        connectees=[
            {"community_code": "AAA", "email": "Ana@Example.org "},
            {"community_code": "BBB", "email": "ana@example.org"},
        ],
        connectors=[{"community_code": "AAA"}, {"community_code": "BBB"}],
        introductions=[
            {"community_code": "AAA", "introduction_date": "2024-03-01"},
            {"community_code": "BBB", "introduction_date": "2023-11-15"},
        ],
    )
    assert events(counts, "connectees", "national") == [
        (None, "email:ana@example.org", "2023-11-15")
    ]
    assert events(counts, "connectees", "community") == [
        ("AAA", "AAA:E1", "2024-03-01"),
        ("BBB", "BBB:E1", "2023-11-15"),
    ]


def test_same_email_inside_one_community_stays_two_people():
    # A community's Connectee is its code plus connectee_id (a shared family mailbox).
    counts = run(
        connectees=[
            {"connectee_id": "E1", "email": "home@example.org"},
            {"connectee_id": "E2", "email": "home@example.org"},
        ],
        connectors=[{}],
        introductions=[{"connectee_id": "E1"}, {"connectee_id": "E2"}],
    )
    assert len(events(counts, "connectees", "national")) == 2
    assert len(events(counts, "connectees", "community")) == 2


# --- Connectors ---------------------------------------------------------------------------


def test_connector_counted_at_earliest_introduction():
    counts = run(
        connectees=[{"connectee_id": "E1"}, {"connectee_id": "E2", "withdrawn": True}],
        connectors=[{}],
        introductions=[
            {"connectee_id": "E1", "introduction_date": "2024-05-01"},
            {"connectee_id": "E2", "introduction_date": "2024-02-01"},
        ],
    )
    # The withdrawn Connectee's introduction counts for the Connector all the same.
    assert events(counts, "connectors", "national") == [(None, "AAA:C1", "2024-02-01")]
    assert events(counts, "connectors", "community") == [("AAA", "AAA:C1", "2024-02-01")]
    assert counts.connector_status["counted_on"].iloc[0] == pd.Timestamp("2024-02-01")


@pytest.mark.parametrize(
    "connector, introductions, reason",
    [
        ({"withdrawn": True}, [{}], "withdrawn"),
        ({"toolkit_received": False}, [{}], "no_toolkit"),
        ({"withdrawn": True, "toolkit_received": False}, [], "withdrawn"),
        ({}, [], "no_introduction"),
        ({}, [{"connectee_id": "E9"}], "no_introduction"),  # E9 is no Connectee of AAA
    ],
)
def test_connector_not_counted_reason(connector, introductions, reason):
    counts = run(connectees=[{}], connectors=[connector], introductions=introductions)
    assert connector_reason(counts) == reason
    assert counts.connector_status["counted_on"].isna().all()
    assert events(counts, "connectors", "national") == []
    assert events(counts, "connectors", "community") == []


def test_connector_in_several_communities_counts_once_nationally_once_in_each():
    counts = run(
        connectees=[{"community_code": "AAA"}, {"community_code": "BBB"}],
        connectors=[
            {"community_code": "AAA", "connector_id": "C1"},
            {"community_code": "BBB", "connector_id": "X7"},
        ],
        introductions=[
            {"community_code": "AAA", "connector_id": "C1", "introduction_date": "2024-02-01"},
            {"community_code": "BBB", "connector_id": "X7", "introduction_date": "2023-06-01"},
        ],
        people={("AAA", "C1"): "P1", ("BBB", "X7"): "P1"},
    )
    assert events(counts, "connectors", "national") == [(None, "P1", "2023-06-01")]
    assert events(counts, "connectors", "community") == [
        ("AAA", "P1", "2024-02-01"),
        ("BBB", "P1", "2023-06-01"),
    ]


def test_two_ids_of_one_person_in_a_community_count_once_there():
    counts = run(
        connectees=[{}],
        connectors=[{"connector_id": "C1"}, {"connector_id": "C2"}],
        introductions=[
            {"connector_id": "C1", "introduction_date": "2024-04-10"},
            {"connector_id": "C2", "introduction_date": "2024-01-03"},
        ],
        people={("AAA", "C1"): "P1", ("AAA", "C2"): "P1"},
    )
    assert events(counts, "connectors", "national") == [(None, "P1", "2024-01-03")]
    assert events(counts, "connectors", "community") == [("AAA", "P1", "2024-01-03")]


def test_person_counts_from_their_counting_records_only():
    # The withdrawn record's earlier introduction gives neither the count nor the date.
    counts = run(
        connectees=[{"community_code": "AAA"}, {"community_code": "BBB"}],
        connectors=[{"community_code": "AAA", "withdrawn": True}, {"community_code": "BBB"}],
        introductions=[
            {"community_code": "AAA", "introduction_date": "2023-01-01"},
            {"community_code": "BBB", "introduction_date": "2024-07-01"},
        ],
        people={("AAA", "C1"): "P1", ("BBB", "C1"): "P1"},
    )
    assert events(counts, "connectors", "national") == [(None, "P1", "2024-07-01")]
    assert events(counts, "connectors", "community") == [("BBB", "P1", "2024-07-01")]


def test_connector_record_without_a_person_is_an_error():
    connectors = frame("connectors", [{}])
    empty = frame("connectees", [])
    no_people = pd.DataFrame(
        {"community_code": [], "connector_id": [], "person_id": []}, dtype="str"
    )
    with pytest.raises(ValueError, match="no person for 1 Connector"):
        count(empty, connectors, frame("introductions", []), frame("jobs", []), no_people, THROUGH)


# --- Jobs ---------------------------------------------------------------------------------

ONBOARDED = dict(
    connectees=[{"intake_meeting_date": "2023-10-01", "home_occupation_noc": "21300"}],
    connectors=[{}],
    introductions=[{"introduction_date": "2024-01-15"}],
)


def job_reasons(counts) -> list:
    return [None if pd.isna(r) else r for r in counts.job_outcomes["reason"]]


@pytest.mark.parametrize(
    "job, connectee, reason",
    [
        ({"withdrawn": True}, {}, "withdrawn"),
        ({}, {"accepted": False}, "connectee_not_onboarded"),
        ({"connectee_id": "E9"}, {}, "connectee_not_onboarded"),  # no such Connectee
        ({"start_date": "2023-09-30"}, {}, "before_program"),
        ({"in_field": False}, {}, "not_in_field"),
        ({"matches_experience": False}, {}, "below_experience"),
        # the spec's example: a civil engineer at home (21300: category 2, TEER 1)
        ({"job_noc": "22300"}, {}, "noc_lower_teer"),
        ({"job_noc": "65201"}, {}, "noc_other_field"),
        ({"job_noc": "21300"}, {}, None),
        ({"job_noc": "20010"}, {}, None),  # a higher TEER in the same field
        ({"job_noc": "65201"}, {"home_occupation_noc": None}, None),  # only one NOC given
        ({"job_noc": None}, {}, None),
        ({"start_date": "2023-10-01"}, {}, None),  # on the day of the intake meeting
        # the first reason that applies
        ({"withdrawn": True, "in_field": False}, {}, "withdrawn"),
        ({"start_date": "2023-01-01", "in_field": False, "job_noc": "65201"}, {}, "before_program"),
        ({"in_field": False, "matches_experience": False}, {}, "not_in_field"),
        ({"matches_experience": False, "job_noc": "65201"}, {}, "below_experience"),
        ({"job_noc": "62300"}, {}, "noc_other_field"),  # other field and lower TEER
    ],
)
def test_job_exclusion_reason(job, connectee, reason):
    rows = {**ONBOARDED, "connectees": [{**ONBOARDED["connectees"][0], **connectee}]}
    counts = run(**rows, jobs=[job])
    assert job_reasons(counts) == [reason]
    assert counts.job_outcomes["qualifies"].tolist() == [reason is None]
    start = job.get("start_date", "2024-06-01")
    expected = [("AAA", "AAA:E1", start)] if reason is None else []
    assert events(counts, "jobs", "community") == expected


def test_several_qualifying_jobs_count_once_at_the_earliest():
    counts = run(
        **ONBOARDED,
        jobs=[
            {"employer": "Acme", "start_date": "2024-09-01"},
            {"employer": "Bolt", "start_date": "2024-05-15"},
            {"employer": "Core", "start_date": "2024-04-01", "in_field": False},
        ],
    )
    assert counts.job_outcomes["qualifies"].tolist() == [True, True, False]
    assert events(counts, "jobs", "community") == [("AAA", "AAA:E1", "2024-05-15")]
    assert events(counts, "jobs", "national") == [(None, "AAA:E1", "2024-05-15")]


def test_job_counts_at_its_start_even_before_the_first_introduction():
    # Onboarded (intake 2023-10-01, first introduction 2024-01-15); the job began in between.
    counts = run(**ONBOARDED, jobs=[{"start_date": "2023-12-01"}])
    assert events(counts, "jobs", "community") == [("AAA", "AAA:E1", "2023-12-01")]


def test_jobs_of_one_email_in_two_communities_count_once_nationally():
    counts = run(
        connectees=[
            {"community_code": "AAA", "email": "ana@example.org"},
            {"community_code": "BBB", "email": "ana@example.org"},
        ],
        connectors=[{"community_code": "AAA"}, {"community_code": "BBB"}],
        introductions=[{"community_code": "AAA"}, {"community_code": "BBB"}],
        jobs=[
            {"community_code": "AAA", "start_date": "2024-08-01"},
            {"community_code": "BBB", "start_date": "2024-06-01"},
        ],
    )
    assert events(counts, "jobs", "national") == [(None, "email:ana@example.org", "2024-06-01")]
    assert events(counts, "jobs", "community") == [
        ("AAA", "AAA:E1", "2024-08-01"),
        ("BBB", "BBB:E1", "2024-06-01"),
    ]


def test_job_outcome_columns():
    counts = run(**ONBOARDED, jobs=[{}])
    assert list(counts.job_outcomes.columns) == [
        "community_code",
        "connectee_id",
        "person_id",
        "employer",
        "start_date",
        "qualifies",
        "reason",
    ]
    assert counts.job_outcomes["person_id"].tolist() == ["AAA:E1"]


# --- Through the roll-up quarter ----------------------------------------------------------


def test_nothing_dated_after_through_counts():
    counts = run(
        connectees=[
            {"connectee_id": "E1"},
            {"connectee_id": "E2"},
            {"connectee_id": "E3", "intake_meeting_date": "2024-04-02"},
        ],
        connectors=[{"connector_id": "C1"}, {"connector_id": "C2"}],
        introductions=[
            {"connectee_id": "E1", "connector_id": "C1", "introduction_date": "2024-03-01"},
            {"connectee_id": "E2", "connector_id": "C2", "introduction_date": "2024-04-01"},
            {"connectee_id": "E3", "connector_id": "C1", "introduction_date": "2024-03-15"},
        ],
        jobs=[
            {"connectee_id": "E1", "employer": "Acme", "start_date": "2024-03-20"},
            {"connectee_id": "E1", "employer": "Bolt", "start_date": "2024-04-01"},
            {"connectee_id": "E2", "employer": "Core", "start_date": "2024-03-25"},
        ],
        through=dt.date(2024, 3, 31),
    )
    assert events(counts, "connectees", "community") == [("AAA", "AAA:E1", "2024-03-01")]
    assert connectee_reason(counts, "E2") == "no_introduction"
    assert connectee_reason(counts, "E3") == "no_intake_meeting"
    assert events(counts, "connectors", "community") == [("AAA", "AAA:C1", "2024-03-01")]
    assert connector_reason(counts, "C2") == "no_introduction"
    # Bolt starts after the quarter: left out; E2 is not onboarded by the quarter's end.
    assert counts.job_outcomes["employer"].tolist() == ["Acme", "Core"]
    assert job_reasons(counts) == [None, "connectee_not_onboarded"]
    assert events(counts, "jobs", "national") == [(None, "AAA:E1", "2024-03-20")]
    assert (counts.events["event_date"] <= pd.Timestamp("2024-03-31")).all()


# --- Summary ------------------------------------------------------------------------------


def test_summarise_gives_every_reason():
    counts = run(
        connectees=[
            {"connectee_id": "E1", "home_occupation_noc": "21300"},
            {"connectee_id": "E2", "accepted": False},
        ],
        connectors=[{"connector_id": "C1"}, {"connector_id": "C2", "toolkit_received": False}],
        introductions=[{"connectee_id": "E1", "connector_id": "C1"}],
        jobs=[
            {"employer": "Acme"},
            {"employer": "Bolt", "job_noc": "65201"},
            {"connectee_id": "E2", "employer": "Core"},
        ],
    )
    assert summarise(counts) == {
        "connectee_records": 2,
        "connectees_onboarded": 1,
        "connectees_onboarded_national": 1,
        "connectees_not_onboarded": {
            "withdrawn": 0,
            "not_accepted": 1,
            "no_intake_meeting": 0,
            "no_introduction": 0,
        },
        "connector_records": 2,
        "connector_records_counted": 1,
        "connectors_counted_national": 1,
        "connectors_counted_community": 1,
        "connectors_not_counted": {"withdrawn": 0, "no_toolkit": 1, "no_introduction": 0},
        "job_records": 3,
        "jobs_qualifying": 1,
        "jobs_excluded": {
            "withdrawn": 0,
            "connectee_not_onboarded": 1,
            "before_program": 0,
            "not_in_field": 0,
            "below_experience": 0,
            "noc_other_field": 1,
            "noc_lower_teer": 0,
        },
        "connectees_in_jobs_national": 1,
        "connectees_in_jobs_community": 1,
    }


def test_summarise_of_nothing():
    summary = summarise(run())
    assert summary["connectees_not_onboarded"] == dict.fromkeys(CONNECTEE_NOT_ONBOARDED_REASONS, 0)
    assert summary["connectors_not_counted"] == dict.fromkeys(CONNECTOR_NOT_COUNTED_REASONS, 0)
    assert summary["jobs_excluded"] == dict.fromkeys(JOB_EXCLUSION_REASONS, 0)
    assert summary["connectees_onboarded"] == summary["jobs_qualifying"] == 0


# --- Invariants ---------------------------------------------------------------------------

COMMUNITIES = st.sampled_from(["AAA", "BBB"])
IDS = st.sampled_from(["1", "2", "3"])
DATES = st.dates(dt.date(2023, 1, 1), dt.date(2025, 6, 30)).map(dt.date.isoformat)
EMAILS = st.sampled_from([None, "a@x.org", "b@x.org"])
NOCS = st.sampled_from([None, "21300", "22300", "65201", "20010"])

connectee_rows = st.fixed_dictionaries(
    {
        "community_code": COMMUNITIES,
        "connectee_id": IDS,
        "email": EMAILS,
        "accepted": st.booleans(),
        "withdrawn": st.booleans(),
        "intake_meeting_date": st.none() | DATES,
        "home_occupation_noc": NOCS,
    }
)
connector_rows = st.fixed_dictionaries(
    {
        "community_code": COMMUNITIES,
        "connector_id": IDS,
        "toolkit_received": st.booleans(),
        "withdrawn": st.booleans(),
    }
)
introduction_rows = st.fixed_dictionaries(
    {
        "community_code": COMMUNITIES,
        "connectee_id": IDS,
        "connector_id": IDS,
        "introduction_date": DATES,
    }
)
job_rows = st.fixed_dictionaries(
    {
        "community_code": COMMUNITIES,
        "connectee_id": IDS,
        "employer": st.sampled_from(["A", "B"]),
        "job_noc": NOCS,
        "start_date": DATES,
        "in_field": st.booleans(),
        "matches_experience": st.booleans(),
        "withdrawn": st.booleans(),
    }
)


def unique(rows, key):
    return st.lists(rows, max_size=6, unique_by=lambda r: tuple(r[k] for k in key))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    connectees=unique(connectee_rows, ("community_code", "connectee_id")),
    connectors=unique(connector_rows, ("community_code", "connector_id")),
    introductions=st.lists(introduction_rows, max_size=10),
    jobs=st.lists(job_rows, max_size=8),
    same_person=st.booleans(),
)
def test_counts_never_exceed_their_inputs(connectees, connectors, introductions, jobs, same_person):
    # same_person: every Connector record is one person, the most merging identity can do.
    people = (
        {(r["community_code"], r["connector_id"]): "P" for r in connectors} if same_person else None
    )
    through = dt.date(2025, 3, 31)
    counts = run(connectees, connectors, introductions, jobs, people=people, through=through)
    n = counts.events.groupby(["measure", "scope"]).size()
    for scope in ("national", "community"):
        assert n.get(("connectees", scope), 0) <= len(connectees)
        assert n.get(("connectors", scope), 0) <= len(connectors)
        assert n.get(("jobs", scope), 0) <= min(len(jobs), n.get(("connectees", scope), 0))
    assert n.get(("connectees", "national"), 0) <= n.get(("connectees", "community"), 0)
    assert n.get(("connectors", "national"), 0) <= n.get(("connectors", "community"), 0)
    assert not counts.events.duplicated(["measure", "scope", "community_code", "person_id"]).any()
    assert (counts.events["event_date"] <= pd.Timestamp(through)).all()
    assert len(counts.connectee_status) == len(connectees)
    assert len(counts.connector_status) == len(connectors)
    assert counts.job_outcomes["qualifies"].eq(counts.job_outcomes["reason"].isna()).all()
    assert set(counts.job_outcomes["reason"].dropna()) <= set(JOB_EXCLUSION_REASONS)
