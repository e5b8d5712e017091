"""When a person counts: shared/spec/counting-rules.md over the history frames.

Each rule of the spec is spelled once below, as vectorised pandas over the four
history frames of docs/design.md. The output is one event per person counted
(the warehouse groups them by quarter), the status of every Connectee and
Connector record and the outcome of every job, for the report.

The counts are as of ``through`` (the last day of the roll-up quarter):
anything dated after it (an introduction, an intake meeting, a job start) is
treated as not having happened yet, so nothing dated after it counts.

Decisions where the spec is silent:

- A Connectee that fails several conditions gets the first reason, in the
  order of ``CONNECTEE_NOT_ONBOARDED_REASONS``; likewise for Connectors.
- The national same-email rule links Connectees of *different* communities:
  an email found in two or more communities makes every record holding it
  one national person (``email:<email>``); an email shared only inside one
  community (a family mailbox) links nothing, as a community's Connectee is
  its code plus ``connectee_id``.
- A Connector person (identity's ``person_id``) counts nationally when at
  least one of their records counts, at the earliest introduction among their
  counting records; in a community, at the earliest introduction among their
  counting records of that community.
- A qualifying job counts at its start date even when the Connectee's
  onboarding (first introduction) came later: the spec dates jobs by start.
- Jobs that start after ``through`` are left out of ``job_outcomes``: they are
  not yet part of this roll-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

JOB_EXCLUSION_REASONS = (
    "withdrawn",
    "connectee_not_onboarded",
    "before_program",
    "not_in_field",
    "below_experience",
    "noc_other_field",
    "noc_lower_teer",
)
CONNECTEE_NOT_ONBOARDED_REASONS = (
    "withdrawn",
    "not_accepted",
    "no_intake_meeting",
    "no_introduction",
)
CONNECTOR_NOT_COUNTED_REASONS = ("withdrawn", "no_toolkit", "no_introduction")
MEASURES = ("connectees", "connectors", "jobs")
SCOPES = ("national", "community")

CONNECTEE_KEY = ["community_code", "connectee_id"]
CONNECTOR_KEY = ["community_code", "connector_id"]
EVENT_COLUMNS = ["measure", "scope", "community_code", "person_id", "event_date"]


@dataclass
class Counts:
    """Everything the counting rules decide for one roll-up."""

    # measure, scope, community_code (NA for national), person_id (internal), event_date
    events: pd.DataFrame
    # community_code, connectee_id, national_person_id, onboarded_on, not_onboarded_reason
    connectee_status: pd.DataFrame
    # community_code, connector_id, person_id, counted_on, not_counted_reason
    connector_status: pd.DataFrame
    # community_code, connectee_id, person_id, employer, start_date, qualifies, reason
    job_outcomes: pd.DataFrame


def count(
    connectees: pd.DataFrame,
    connectors: pd.DataFrame,
    introductions: pd.DataFrame,
    jobs: pd.DataFrame,
    connector_person: pd.DataFrame,
    through: dt.date,
) -> Counts:
    """Apply the counting rules to the history frames, as of the day ``through``."""
    through_ts = pd.Timestamp(through)
    _require_unique(connectees, CONNECTEE_KEY, "connectees")
    _require_unique(connectors, CONNECTOR_KEY, "connectors")
    valid = valid_introductions(introductions, connectees, connectors, through_ts)
    connectee_facts = onboard_connectees(connectees, valid, through_ts)
    connector_status = count_connectors(connectors, valid, connector_person)
    job_outcomes = judge_jobs(jobs, connectee_facts, through_ts)

    onboarded = connectee_facts[connectee_facts["onboarded_on"].notna()]
    counted = connector_status[connector_status["counted_on"].notna()]
    qualifying = job_outcomes[job_outcomes["qualifies"]].merge(
        connectee_facts[CONNECTEE_KEY + ["national_person_id"]], on=CONNECTEE_KEY, how="left"
    )
    parts = [
        _once(onboarded, "connectees", "national", "national_person_id", "onboarded_on"),
        _once(onboarded, "connectees", "community", "person_id", "onboarded_on"),
        _once(counted, "connectors", "national", "person_id", "counted_on"),
        _once(counted, "connectors", "community", "person_id", "counted_on"),
        _once(qualifying, "jobs", "national", "national_person_id", "start_date"),
        _once(qualifying, "jobs", "community", "person_id", "start_date"),
    ]
    events = pd.concat(parts, ignore_index=True).reindex(columns=EVENT_COLUMNS)
    events = events.astype({c: "str" for c in EVENT_COLUMNS[:-1]})
    # The inputs were already cut at `through`; this keeps the promise whatever they held.
    events = events[events["event_date"] <= through_ts]
    events = events.sort_values(EVENT_COLUMNS, ignore_index=True)

    connectee_status = connectee_facts[
        [
            "community_code",
            "connectee_id",
            "national_person_id",
            "onboarded_on",
            "not_onboarded_reason",
        ]
    ]
    return Counts(events, connectee_status.reset_index(drop=True), connector_status, job_outcomes)


def valid_introductions(
    introductions: pd.DataFrame,
    connectees: pd.DataFrame,
    connectors: pd.DataFrame,
    through: pd.Timestamp,
) -> pd.DataFrame:
    """Introductions made by ``through`` whose IDs name a Connectee and a Connector of the
    community (whatever either's status)."""
    made = introductions.loc[
        introductions["introduction_date"] <= through,
        CONNECTEE_KEY + ["connector_id", "introduction_date"],
    ]
    made = made.merge(connectees[CONNECTEE_KEY], on=CONNECTEE_KEY, how="inner")
    return made.merge(connectors[CONNECTOR_KEY], on=CONNECTOR_KEY, how="inner")


def onboard_connectees(
    connectees: pd.DataFrame, valid: pd.DataFrame, through: pd.Timestamp
) -> pd.DataFrame:
    """Each Connectee record with its person ids, onboarding date (NaT if not) and reason.

    Also carries intake_meeting_date and home_occupation_noc, which the job rules read.
    """
    first = _earliest(valid, CONNECTEE_KEY, "introduction_date", "first_introduction")
    facts = connectees[
        CONNECTEE_KEY
        + ["email", "accepted", "withdrawn", "intake_meeting_date", "home_occupation_noc"]
    ].merge(first, on=CONNECTEE_KEY, how="left")
    facts["person_id"] = _community_person(facts["community_code"], facts["connectee_id"])
    facts["national_person_id"] = _national_connectee(facts)
    held_intake = facts["intake_meeting_date"] <= through  # NaT compares False
    reason = _first_reason(
        facts.index,
        [
            ("withdrawn", _yes(facts["withdrawn"])),
            ("not_accepted", ~_yes(facts["accepted"])),
            ("no_intake_meeting", ~held_intake),
            ("no_introduction", facts["first_introduction"].isna()),
        ],
    )
    facts["not_onboarded_reason"] = reason.fillna("")
    facts["onboarded_on"] = facts["first_introduction"].where(reason.isna())
    return facts.drop(columns=["email", "accepted", "withdrawn", "first_introduction"])


def count_connectors(
    connectors: pd.DataFrame, valid: pd.DataFrame, connector_person: pd.DataFrame
) -> pd.DataFrame:
    """Each Connector record with its person id, counting date (NaT if not) and reason."""
    first = _earliest(valid, CONNECTOR_KEY, "introduction_date", "first_introduction")
    status = connectors[CONNECTOR_KEY + ["toolkit_received", "withdrawn"]].merge(
        first, on=CONNECTOR_KEY, how="left"
    )
    people = connector_person[CONNECTOR_KEY + ["person_id"]]
    status = status.merge(people, on=CONNECTOR_KEY, how="left", validate="many_to_one")
    unmapped = status[status["person_id"].isna()]
    if len(unmapped):
        examples = ", ".join(f"{c}:{i}" for c, i in unmapped[CONNECTOR_KEY].head(5).to_numpy())
        raise ValueError(
            f"connector_person has no person for {len(unmapped)} Connector "
            f"record(s), e.g. {examples}"
        )
    status["person_id"] = status["person_id"].astype("str")
    reason = _first_reason(
        status.index,
        [
            ("withdrawn", _yes(status["withdrawn"])),
            ("no_toolkit", ~_yes(status["toolkit_received"])),
            ("no_introduction", status["first_introduction"].isna()),
        ],
    )
    status["counted_on"] = status["first_introduction"].where(reason.isna())
    status["not_counted_reason"] = reason.fillna("")
    return status[CONNECTOR_KEY + ["person_id", "counted_on", "not_counted_reason"]]


def judge_jobs(
    jobs: pd.DataFrame, connectee_facts: pd.DataFrame, through: pd.Timestamp
) -> pd.DataFrame:
    """Each job started by ``through``, whether it qualifies, and else the first reason why not."""
    started = jobs[jobs["start_date"] <= through]
    facts = connectee_facts[
        CONNECTEE_KEY + ["onboarded_on", "intake_meeting_date", "home_occupation_noc"]
    ]
    j = started.merge(facts, on=CONNECTEE_KEY, how="left", validate="many_to_one")
    job_noc, home_noc = _noc(j["job_noc"]), _noc(j["home_occupation_noc"])
    both_noc = job_noc.notna() & home_noc.notna()
    reason = _first_reason(
        j.index,
        [
            ("withdrawn", _yes(j["withdrawn"])),
            ("connectee_not_onboarded", j["onboarded_on"].isna()),
            ("before_program", j["start_date"] < j["intake_meeting_date"]),
            ("not_in_field", ~_yes(j["in_field"])),
            ("below_experience", ~_yes(j["matches_experience"])),
            ("noc_other_field", both_noc & (job_noc.str[0] != home_noc.str[0])),
            # TEER is the second digit; 0 is the highest level, so a larger digit is lower.
            ("noc_lower_teer", both_noc & (job_noc.str[1] > home_noc.str[1])),
        ],
    )
    return pd.DataFrame(
        {
            "community_code": j["community_code"],
            "connectee_id": j["connectee_id"],
            "person_id": _community_person(j["community_code"], j["connectee_id"]),
            "employer": j["employer"],
            "start_date": j["start_date"],
            "qualifies": reason.isna().to_numpy(dtype=bool),
            "reason": reason,
        }
    ).reset_index(drop=True)


def summarise(counts: Counts) -> dict:
    """Plain figures for the report: records, people counted, and every reason with its count."""
    connectees, connectors = counts.connectee_status, counts.connector_status
    jobs, events = counts.job_outcomes, counts.events
    people = events.groupby(["measure", "scope"]).size()

    def n_people(measure: str, scope: str) -> int:
        return int(people.get((measure, scope), 0))

    def by_reason(reasons: pd.Series, names: tuple[str, ...]) -> dict[str, int]:
        tally = reasons.value_counts()
        return {name: int(tally.get(name, 0)) for name in names}

    return {
        "connectee_records": len(connectees),
        "connectees_onboarded": int(connectees["onboarded_on"].notna().sum()),
        "connectees_onboarded_national": n_people("connectees", "national"),
        "connectees_not_onboarded": by_reason(
            connectees["not_onboarded_reason"], CONNECTEE_NOT_ONBOARDED_REASONS
        ),
        "connector_records": len(connectors),
        "connector_records_counted": int(connectors["counted_on"].notna().sum()),
        "connectors_counted_national": n_people("connectors", "national"),
        "connectors_counted_community": n_people("connectors", "community"),
        "connectors_not_counted": by_reason(
            connectors["not_counted_reason"], CONNECTOR_NOT_COUNTED_REASONS
        ),
        "job_records": len(jobs),
        "jobs_qualifying": int(jobs["qualifies"].sum()),
        "jobs_excluded": by_reason(jobs["reason"], JOB_EXCLUSION_REASONS),
        "connectees_in_jobs_national": n_people("jobs", "national"),
        "connectees_in_jobs_community": n_people("jobs", "community"),
    }


def _national_connectee(facts: pd.DataFrame) -> pd.Series:
    """The national person id: ``email:<email>`` when the email is in two or more communities."""
    email = facts["email"].astype("str").str.strip().str.lower()
    email = email.where(email != "")
    communities = facts.assign(email=email).groupby("email")["community_code"].nunique()
    shared = email.isin(communities.index[communities >= 2])
    return ("email:" + email).where(shared, facts["person_id"]).astype("str")


def _once(frame: pd.DataFrame, measure: str, scope: str, person: str, date: str) -> pd.DataFrame:
    """One event per person (per community too at community scope), at their earliest date."""
    keys = [person] if scope == "national" else ["community_code", person]
    first = frame.groupby(keys, as_index=False, sort=False)[date].min()
    first = first.rename(columns={person: "person_id", date: "event_date"})
    return first.assign(measure=measure, scope=scope)


def _earliest(frame: pd.DataFrame, keys: list[str], date: str, name: str) -> pd.DataFrame:
    """The earliest ``date`` per ``keys``, as column ``name``."""
    return frame.groupby(keys, as_index=False, sort=False)[date].min().rename(columns={date: name})


def _first_reason(index: pd.Index, rules: list[tuple[str, pd.Series]]) -> pd.Series:
    """The name of the first rule that holds on each row; NA where none does."""
    picked = np.select(
        [np.asarray(held, dtype=bool) for _, held in rules], [name for name, _ in rules], default=""
    )
    reason = pd.Series(picked, index=index, dtype="str")
    return reason.where(reason != "")


def _yes(flags: pd.Series) -> pd.Series:
    """True where a Yes/No column holds Yes (a missing value is not Yes)."""
    return flags.fillna(False).astype(bool)


def _noc(codes: pd.Series) -> pd.Series:
    """NOC codes as trimmed strings, NA when blank."""
    codes = codes.astype("str").str.strip()
    return codes.where(codes != "")


def _community_person(community_code: pd.Series, connectee_id: pd.Series) -> pd.Series:
    """A Connectee's person id inside its community: ``<community_code>:<connectee_id>``."""
    return (community_code.astype("str") + ":" + connectee_id.astype("str")).astype("str")


def _require_unique(frame: pd.DataFrame, key: list[str], name: str) -> None:
    """Fail when a history frame holds more than one version of a record."""
    repeated = frame.duplicated(key)
    if repeated.any():
        raise ValueError(
            f"{name} holds {int(repeated.sum())} repeated record(s) on {key}: "
            "the history should keep only each record's latest version"
        )
