"""The per-community intake on a Dask cluster (prefect-dask) gives the roll-up of the default thread pool."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from flows.runners import RunnerSettingError, check_reachable, parse_setting, task_runner


@pytest.mark.parametrize(
    "setting, parsed",
    [
        (None, ("threads", None)),
        ("", ("threads", None)),
        ("local:3", ("local", 3)),
        ("LOCAL", ("local", None)),  # one worker per core
        ("tcp://10.0.0.5:8786", ("address", "tcp://10.0.0.5:8786")),
        ("scheduler.example.org:8786", ("address", "tcp://scheduler.example.org:8786")),
        ("tls://[::1]:8786", ("address", "tls://[::1]:8786")),
    ],
)
def test_settings_name_a_runner(setting, parsed):
    kind, value = parse_setting(setting)
    assert kind == parsed[0]
    assert value == parsed[1] or (parsed[1] is None and kind == "local" and value >= 1)


@pytest.mark.parametrize(
    "setting",
    ["tcp://nowhere", "http://10.0.0.5:8786", "local:0", "10.0.0.5", "yes", "tcp://10.0.0.5:99999"],
)
def test_a_bad_setting_is_one_sentence(setting):
    with pytest.raises(RunnerSettingError) as info:
        task_runner(setting)
    message = str(info.value)
    assert (
        message.startswith(f"'{setting}' is not a Dask scheduler address")
        and message.count(". ") == 0
    )


def test_an_address_nothing_answers_on_is_refused_before_the_flow():
    import socket

    with socket.socket() as s:  # a port that was free a moment ago, and nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        RunnerSettingError, match=f"No Dask scheduler answers at tcp://127.0.0.1:{port}"
    ):
        check_reachable(f"127.0.0.1:{port}", timeout=2)


def test_submissions_survive_pickling(registry, tmp_path):
    """Intake tasks send Submission objects back from Dask's worker processes: pickled, they must not change."""
    from connector_rollup.intake import workbooks as intake
    from synthetic.sample import write_sample

    paths = sorted(write_sample(tmp_path / "raw", scale=0.05))[:6]
    for submission, _ in intake.intake_workbooks(paths, registry):
        copy = pickle.loads(pickle.dumps(submission))
        assert repr(copy.issues) == repr(submission.issues)
        for name in (
            "file_name",
            "sha256",
            "status",
            "language",
            "reason",
            "community_code",
            "period",
            "submitted_on",
            "tracks_jobs",
            "rows_read",
            "rows_rejected",
        ):
            assert getattr(copy, name) == getattr(submission, name)
        assert copy.rows.keys() == submission.rows.keys()
        for kind, frame in submission.rows.items():
            assert frame.equals(copy.rows[kind]) and list(frame.dtypes) == list(
                copy.rows[kind].dtypes
            )


def _reports(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.md"))
    }


def test_intake_on_a_two_worker_dask_cluster_gives_the_same_rollup(prefect_harness, tmp_path):
    """The sample rolled up twice: the default thread pool, then a local Dask cluster of two worker processes."""
    from distributed import Client, LocalCluster
    from test_flow import _analyst_views

    from flows.rollup import rollup
    from synthetic.sample import SAMPLE_QUARTER, write_sample

    raw = tmp_path / "raw"
    write_sample(raw, scale=0.1)

    def run(name, runner=None):
        flow = rollup.with_options(task_runner=runner) if runner else rollup
        return flow(
            quarter=SAMPLE_QUARTER.label,
            raw_dir=str(raw),
            clean_dir=str(tmp_path / name / "clean"),
            warehouse=str(tmp_path / name / "warehouse.duckdb"),
            reports_dir=str(tmp_path / name / "reports"),
        )

    threads = run("threads")
    # Worker processes, as on a real cluster: everything crosses by pickle. Only on 127.0.0.1.
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        on_dask = run("dask", task_runner(cluster.scheduler_address))
        ran = client.run_on_scheduler(
            lambda dask_scheduler: sorted({k.split("-")[0] for k in dask_scheduler.task_prefixes})
        )
    assert any(name.startswith("intake_community") for name in ran), (
        ran
    )  # the intake did run on the cluster

    assert on_dask.workbooks == threads.workbooks and threads.workbooks["found"] > 40
    assert on_dask.headline == threads.headline
    assert _analyst_views(on_dask.warehouse) == _analyst_views(threads.warehouse)
    assert _reports(on_dask.national_report.parent) == _reports(threads.national_report.parent)
