"""intake.check_community: the one call behind `validate --raw` and the portal's upload check."""

from __future__ import annotations

import datetime as dt

from builders import connectee, connector, introduction, submission_rows, write_workbook

from connector_rollup.intake import feedback
from connector_rollup.intake.validate import validate_workbook
from connector_rollup.intake.workbooks import check_community, community_submissions

Q3, Q4 = "2024-25-Q3", "2024-25-Q4"


def _q3(tmp_path, name="NS-HFX/q3.xlsx", sent=dt.date(2025, 1, 20), ids=("E1",)):
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    return write_workbook(
        tmp_path / name,
        submission=submission_rows(quarter=Q3, submitted_on=sent),
        connectees=[connectee(i) for i in ids],
        connectors=[connector("C1")],
        introductions=[introduction(ids[0], "C1", **{"Introduction date": dt.date(2024, 11, 1)})],
    )


def _q4_naming(tmp_path, connectee_id, sent=dt.date(2025, 4, 15)):
    return write_workbook(
        tmp_path / "upload.xlsx",
        submission=submission_rows(quarter=Q4, submitted_on=sent),
        connectees=[],
        connectors=[connector("C2")],
        introductions=[
            introduction(connectee_id, "C2", **{"Introduction date": dt.date(2025, 2, 1)})
        ],
    )


def test_an_id_from_an_earlier_quarter_resolves_and_an_unknown_one_is_an_error(tmp_path, registry):
    raw = tmp_path / "raw"
    _q3(raw)
    earlier, modified = community_submissions(raw, "NS-HFX", registry)
    assert [s.file_name for s in earlier] == ["NS-HFX/q3.xlsx"]

    good = validate_workbook(_q4_naming(tmp_path, "E1"), registry)
    assert "id_not_in_workbook" in [i.code for i in good.warnings]
    checked = check_community([good], earlier, modified)
    assert "id_not_in_workbook" not in [i.code for i in checked.submissions[0].issues]
    assert checked.submissions[0].errors == []
    assert [s.period.label for s in checked.effective] == [Q3, Q4]

    bad = validate_workbook(_q4_naming(tmp_path, "E7"), registry)
    [issue] = check_community([bad], earlier, modified).submissions[0].errors
    assert (issue.code, issue.cell, issue.value) == ("unknown_connectee", "A2", "E7")
    assert bad.errors == []  # the input is not changed


def test_a_new_workbook_replaces_the_submitted_one_of_its_quarter(tmp_path, registry):
    raw = tmp_path / "raw"
    _q3(raw, ids=("E1", "E2"))
    earlier, modified = community_submissions(raw, "NS-HFX", registry)
    new = validate_workbook(_q3(tmp_path, "again.xlsx", sent=dt.date(2025, 1, 20)), registry)
    checked = check_community([new], earlier, modified)
    assert checked.submissions[0].status == "accepted"  # same date: it is the later file
    [effective] = checked.effective
    assert effective.sha256 == new.sha256


def test_an_older_submitted_on_would_not_count_and_feedback_says_why(tmp_path, registry):
    raw = tmp_path / "raw"
    _q3(raw, sent=dt.date(2025, 1, 25))
    earlier, modified = community_submissions(raw, "NS-HFX", registry)
    old = validate_workbook(
        _q3(tmp_path, "old.xlsx", sent=dt.date(2025, 1, 20), ids=("E1", "E5")), registry
    )
    [checked] = check_community([old], earlier, modified).submissions
    assert checked.status == "superseded"
    text = feedback.format_text(checked)
    assert "would not count" in text and "Submitted on" in text
    assert feedback.exit_status(checked) == 1


def test_other_communities_workbooks_are_not_its_history(tmp_path, registry):
    raw = tmp_path / "raw"
    _q3(raw)
    assert community_submissions(raw, "NS-CBRT", registry) == ([], {})


def test_a_cached_workbook_is_not_read_again_when_discovery_gave_its_hash(
    tmp_path, registry, monkeypatch
):
    from connector_rollup.intake import clean, workbooks

    raw, cache = tmp_path / "raw", tmp_path / "clean"
    _q3(raw)
    fingerprint = clean.registry_fingerprint(registry)
    [found] = workbooks.discover(raw, cache, fingerprint)
    [(first, cached)] = workbooks.intake_workbooks([found.path], registry, cache, fingerprint)
    assert not cached

    def no_read(path):
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(workbooks, "read_bytes", no_read)
    [(again, cached)] = workbooks.intake_workbooks(
        [found.path], registry, cache, fingerprint, [found.sha256]
    )
    assert cached and again.sha256 == first.sha256 and again.file_name == "q3.xlsx"
    assert again.rows["connectees"]["connectee_id"].tolist() == ["E1"]


def test_an_earlier_quarter_resubmitted_does_not_see_a_later_quarters_ids(tmp_path, registry):
    raw = tmp_path / "raw"
    _q3(raw)
    write_workbook(  # the fourth quarter, already submitted, defines E9
        raw / "NS-HFX" / "q4.xlsx",
        submission=submission_rows(quarter=Q4, submitted_on=dt.date(2025, 4, 15)),
        connectees=[connectee("E9")],
        connectors=[connector("C1")],
        introductions=[],
    )
    earlier, modified = community_submissions(raw, "NS-HFX", registry)
    again = write_workbook(  # the third quarter again, naming E9 in an introduction
        tmp_path / "q3-again.xlsx",
        submission=submission_rows(quarter=Q3, submitted_on=dt.date(2025, 1, 25)),
        connectees=[connectee("E1")],
        connectors=[connector("C1")],
        introductions=[introduction("E9", "C1", **{"Introduction date": dt.date(2024, 11, 2)})],
    )
    [checked] = check_community([validate_workbook(again, registry)], earlier, modified).submissions
    assert [(i.code, i.value) for i in checked.errors] == [("unknown_connectee", "E9")]
