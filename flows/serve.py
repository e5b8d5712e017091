"""Serve the roll-up with its quarterly schedule (a long-running process; see docs/operations.md).

The schedule, description, tags and default folders are those of the
``quarterly-rollup`` deployment in ``prefect.yaml``, read from there: a worker
(``prefect deploy --all``) and ``serve`` keep the same schedule, in the same
time zone. The flow runs on the 15th of May, August, November and February at
06:00, for the quarter that ended six weeks earlier (``quarter`` left empty
means "the last complete quarter"). Start a Prefect server first and point
``PREFECT_API_URL`` at it, or the schedule is not kept anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
DEPLOYMENT = "quarterly-rollup"
# Each folder parameter, and the environment variable that overrides prefect.yaml's value for serve.
FOLDER_VARIABLES = {
    "raw_dir": "CONNECTOR_ROLLUP_RAW",
    "clean_dir": "CONNECTOR_ROLLUP_CLEAN",
    "warehouse": "CONNECTOR_ROLLUP_WAREHOUSE",
    "reports_dir": "CONNECTOR_ROLLUP_REPORTS",
}


def deployment(path: Path = PREFECT_YAML, name: str = DEPLOYMENT) -> dict[str, Any]:
    """The deployment called ``name`` in ``path``, as prefect.yaml writes it."""
    if not path.exists():
        raise SystemExit(
            f"{path} is not here: run the schedule from a checkout of connector-rollup."
        )
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [d for d in config.get("deployments") or () if d.get("name") == name]
    if len(found) != 1:
        raise SystemExit(
            f"{path} has {len(found)} deployments named '{name}'; serve needs exactly one."
        )
    return found[0]


def schedules(spec: dict[str, Any]):
    """The deployment's cron schedules, each with its time zone, as Prefect ``Cron`` schedules."""
    from prefect.schedules import Cron

    for s in spec["schedules"]:
        # Without one, each process would run at 06:00 of its own machine's zone.
        if not s.get("timezone"):
            raise SystemExit(
                f"{PREFECT_YAML}: the schedule '{s['cron']}' names no time zone; add one."
            )
    return [Cron(s["cron"], timezone=s["timezone"]) for s in spec["schedules"]]


def serve_arguments(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The keyword arguments ``main`` gives ``rollup.serve``: prefect.yaml's, folders overridable by the environment."""
    environ = os.environ if environ is None else environ
    spec = deployment()
    return {
        "name": spec["name"],
        "schedules": schedules(spec),
        "parameters": {
            key: environ.get(variable, spec["parameters"][key])
            for key, variable in FOLDER_VARIABLES.items()
        },
        "description": spec["description"],
        "tags": spec["tags"],
    }


def main() -> None:
    from flows.rollup import rollup  # imports Prefect and the whole roll-up: only when serving

    rollup.serve(**serve_arguments())


if __name__ == "__main__":
    main()
