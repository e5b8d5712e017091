"""Where the per-community intake tasks run: the bounded thread pool, or a Dask cluster.

The setting comes from ``connector-rollup run --dask`` or ``CONNECTOR_ROLLUP_DASK``:

- empty or unset: Prefect's thread pool, one community per core (the default);
- ``local``: a Dask cluster started for the run on this machine, one worker
  process per core (``local:N`` for N workers), bound to 127.0.0.1;
- a scheduler address, ``tcp://HOST:PORT`` (or ``tls://``; ``HOST:PORT`` means
  tcp): an existing cluster. Its workers must have this project installed
  at the same version, read the raw and clean folders at the same paths,
  and reach the Prefect API the flow uses (a ``prefect server start``
  named by ``PREFECT_API_URL``, not the temporary server of a plain run).

Only the intake runs on Dask: history, identity, counting, the warehouse and
the reports need every community at once and stay in the flow's process.
``prefect_dask`` (and ``distributed``) are imported only when Dask is asked for.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket

ENV_VAR = "CONNECTOR_ROLLUP_DASK"

_LOCAL = re.compile(r"local(?::(\d+))?")
# scheme://host:port, host a name, an IPv4 address or a bracketed IPv6 address.
_ADDRESS = re.compile(r"(?:(tcp|tls)://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})")


class RunnerSettingError(ValueError):
    """A ``--dask`` setting that names no cluster; its message is one sentence for the user."""


def _bad(setting: str) -> RunnerSettingError:
    return RunnerSettingError(
        f"'{setting}' is not a Dask scheduler address: write it like tcp://10.0.0.5:8786, "
        f"or 'local' (or local:N) for a cluster of worker processes on this machine."
    )


def parse_setting(setting: str | None) -> tuple[str, str | int | None]:
    """``("threads", None)``, ``("local", workers)`` or ``("address", "tcp://host:port")``; or RunnerSettingError."""
    text = (setting or "").strip()
    if not text:
        return "threads", None
    if m := _LOCAL.fullmatch(text.lower()):
        workers = int(m.group(1)) if m.group(1) else (os.cpu_count() or 2)
        if not 1 <= workers <= 256:
            raise _bad(setting)
        return "local", workers
    m = _ADDRESS.fullmatch(text)
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise _bad(setting)
    return "address", f"{m.group(1) or 'tcp'}://{m.group(2)}:{m.group(3)}"


def check_reachable(setting: str | None, timeout: float = 5.0) -> None:
    """Refuse, before the flow starts, a setting that cannot work (one sentence): a bad address,
    Dask asked for without ``prefect-dask`` installed, or a scheduler address nothing answers on."""
    kind, value = parse_setting(setting)
    if kind == "threads":
        return
    if importlib.util.find_spec("prefect_dask") is None:
        raise RunnerSettingError(
            "Running on Dask needs prefect-dask, which is not installed: "
            "pip install 'connector-rollup[dask]', or unset --dask / " + ENV_VAR + "."
        )
    if kind != "address":
        return
    host, port = str(value).split("://", 1)[1].rsplit(":", 1)
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise RunnerSettingError(
            f"No Dask scheduler answers at {value} ({exc.strerror or exc}): start it "
            f"(dask scheduler), or unset --dask / {ENV_VAR} to run on this machine's threads."
        ) from None


def task_runner(setting: str | None):
    """The task runner for ``setting`` (see the module's docstring); RunnerSettingError if it names none."""
    kind, value = parse_setting(setting)
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        # Prefect's pool is unbounded by default: every community's workbooks would be held
        # in memory at once, each reader with threads of its own. One community per core.
        return ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2)
    from prefect_dask import DaskTaskRunner

    if kind == "address":
        return DaskTaskRunner(address=value)
    # One single-threaded worker process per core: a community's intake is mostly Python
    # (the GIL), and calamine's own reader threads are bounded by the worker's cores.
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": value,
            "threads_per_worker": 1,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": None,
        }
    )
