"""The quarterly schedule is prefect.yaml's: ``serve`` uses it as written there, in its time zone,
and the operations guide quotes the same."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows import serve

ROOT = Path(__file__).resolve().parents[1]


def _deployment() -> dict:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (found,) = [d for d in config["deployments"] if d["name"] == "quarterly-rollup"]
    return found


def test_serve_keeps_the_deployment_schedule_with_its_time_zone():
    written = _deployment()["schedules"]
    served = serve.serve_arguments({})["schedules"]
    assert [(s.cron, s.timezone) for s in served] == [(s["cron"], s["timezone"]) for s in written]
    assert all(s.timezone for s in served)
    assert [s.cron for s in served] == [
        "0 6 15 2,5,8,11 *"
    ]  # the 15th of Feb, May, Aug, Nov at 06:00


def test_serve_takes_description_tags_and_folders_from_the_deployment():
    spec = _deployment()
    arguments = serve.serve_arguments({})
    assert (arguments["name"], arguments["description"], arguments["tags"]) == (
        spec["name"],
        spec["description"],
        spec["tags"],
    )
    assert arguments["parameters"] == spec["parameters"]


def test_environment_overrides_a_folder():
    arguments = serve.serve_arguments({"CONNECTOR_ROLLUP_REPORTS": "/srv/reports"})
    assert arguments["parameters"]["reports_dir"] == "/srv/reports"
    assert arguments["parameters"]["raw_dir"] == _deployment()["parameters"]["raw_dir"]


def test_a_schedule_without_a_time_zone_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "prefect.yaml"
    path.write_text(
        "deployments:\n  - name: quarterly-rollup\n    schedules:\n      - cron: '0 6 15 2,5,8,11 *'\n"
    )
    monkeypatch.setattr(serve, "PREFECT_YAML", path)
    with pytest.raises(SystemExit, match="no time zone"):
        serve.schedules(serve.deployment(path))


def test_operations_guide_quotes_the_schedule():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for schedule in _deployment()["schedules"]:
        assert f"`{schedule['cron']}`" in guide
        assert f"`{schedule['timezone']}`" in guide


def test_main_serves_the_rollup_with_these_arguments(monkeypatch):
    from flows.rollup import rollup

    deployment = rollup.to_deployment(**serve.serve_arguments({}))  # Prefect accepts them
    assert deployment.schedules[0].schedule.timezone == _deployment()["schedules"][0]["timezone"]
    calls = []
    monkeypatch.setattr(type(rollup), "serve", lambda self, **kwargs: calls.append(kwargs))
    serve.main()
    assert len(calls) == 1 and calls[0]["name"] == "quarterly-rollup"
