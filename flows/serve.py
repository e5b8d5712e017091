"""Serve the roll-up with its quarterly schedule (a long-running process; see docs/operations.md).

The flow runs on the 15th of May, August, November and February at 06:00,
for the quarter that ended six weeks earlier (``quarter`` left empty means
"the last complete quarter"). Start a Prefect server first and point
``PREFECT_API_URL`` at it, or the schedule is not kept anywhere.
"""

from __future__ import annotations

import os

from flows.rollup import rollup

QUARTERLY = "0 6 15 2,5,8,11 *"


def main() -> None:
    rollup.serve(
        name="quarterly-rollup",
        cron=QUARTERLY,
        parameters={
            "raw_dir": os.environ.get("CONNECTOR_ROLLUP_RAW", "data/raw"),
            "clean_dir": os.environ.get("CONNECTOR_ROLLUP_CLEAN", "data/clean"),
            "warehouse": os.environ.get("CONNECTOR_ROLLUP_WAREHOUSE", "data/warehouse.duckdb"),
            "reports_dir": os.environ.get("CONNECTOR_ROLLUP_REPORTS", "reports"),
        },
        description="Quarterly national roll-up of the community submissions.",
        tags=["connector-rollup"],
    )


if __name__ == "__main__":
    main()
