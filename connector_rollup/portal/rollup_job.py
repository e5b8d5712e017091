"""A roll-up the portal started: ``python -m connector_rollup.portal.rollup_job RESULT WAREHOUSE QUARTER run ...``.

Runs `connector-rollup run` with the given arguments, then writes RESULT
(JSON: ``status``, ``figures``, ``message``) atomically, so the portal knows how
the run ended even if it was restarted meanwhile.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    result_file, warehouse, quarter, *run_args = argv
    from connector_rollup.cli import main as cli
    from connector_rollup.portal.rollups import national_figures

    try:
        cli.main(run_args, standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # the run's own sentence is in the log above
        print(f"The roll-up failed: {exc}", flush=True)
        code = 1
    if code == 0:
        result = {"status": "completed", "figures": national_figures(Path(warehouse), quarter)}
    else:
        result = {
            "status": "failed",
            "message": f"The roll-up did not finish (exit status {code}); its log says why.",
        }
    partial = Path(result_file + ".part")
    partial.write_text(json.dumps(result), encoding="utf-8")
    os.replace(partial, result_file)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
