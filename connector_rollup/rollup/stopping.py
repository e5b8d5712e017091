"""How a roll-up started from the command line stops: promptly, and without leaving a process behind.

Two things made a stopped run slow or leave Prefect's temporary API server
(a uvicorn process of about 200 MB) running with no parent:

- Ctrl-C in a terminal signals the whole foreground process group, the
  server included: it died first, and the run then spent 70 s to 2 minutes
  retrying calls to it before it gave up. The server is started here in a
  session of its own, out of reach of the terminal's Ctrl-C;
- SIGTERM (after Prefect's own handler) and SIGKILL ended the process
  without its exit handlers, which is where Prefect stops the server. Here
  SIGTERM, like SIGINT, becomes an exception in the main thread, so every
  ``finally`` and context manager runs; and the server is asked by the
  kernel (``PR_SET_PDEATHSIG``) to stop when the process that started it
  dies, however it dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class RunStopped(KeyboardInterrupt):
    """A signal asked the run to stop. A ``KeyboardInterrupt``, so nothing on the way swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number (130, 143)."""
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        return SIGNAL_NAMES.get(self.signum, signal.Signals(self.signum).name)


def stopped_by(exc: BaseException) -> RunStopped | None:
    """The signal behind ``exc``, when a stop signal is what it comes from; else None.

    Prefect turns SIGTERM into its own ``TerminationSignal`` while a flow
    runs, and a signal that lands while Prefect sets up a task run can come
    out as another error (``ValueError: Task run is not set``) raised while
    handling it: the signal is then in the exception's context chain.
    """
    from prefect.exceptions import TerminationSignal

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, RunStopped):
            return exc
        if isinstance(exc, TerminationSignal):
            return RunStopped(exc.signal)
        if isinstance(exc, KeyboardInterrupt):
            return RunStopped(signal.SIGINT)
        exc = exc.__cause__ or exc.__context__
    return None


@contextlib.contextmanager
def signals_stop_the_run() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise ``RunStopped`` in the main thread; call it from there.

    Only the first signal raises: later ones are ignored, so that a second
    Ctrl-C cannot cut short the clean-up the first one started (undoing a
    half-done publication, stopping the server). SIGKILL still ends it all,
    and the next run recovers (``publish.recover``).
    """
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise RunStopped(signum)

    previous = {s: signal.signal(s, stop) for s in SIGNAL_NAMES}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _die_with_parent_hook():
    """A ``preexec_fn`` that has the kernel send SIGTERM to the child when this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)  # loaded here: the child only calls it
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request: nobody would stop us
            os._exit(1)

    return hook


@contextlib.contextmanager
def temporary_prefect_server() -> Iterator[None]:
    """Prefect's temporary API server for the run, started and stopped here (see the module's notes).

    Nothing to do when a server is configured (``PREFECT_API_URL``). Call it
    from the main thread: the kernel's "stop with your parent" is tied to the
    thread that started the server, and the main thread lives as long as the
    process. Prefect finds the server where it keeps its own
    (``SubprocessASGIServer()`` with no port), as its test harness does.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield
        return

    class _SessionServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            # Prefect 3.8's own command (prefect/server/api/server.py), in a session of its own.
            import prefect
            from prefect.settings import get_current_settings

            return subprocess.Popen(
                args=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(prefect.__module_path__.parent),
                    "--factory",
                    "prefect.server.api.server:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ],
                env={
                    **os.environ,
                    "PREFECT_UI_ENABLED": "0",
                    "PREFECT__SERVER_EPHEMERAL": "1",
                    "PREFECT__SERVER_FINAL": "1",
                    **get_current_settings().to_environment_variables(exclude_unset=True),
                },
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),  # noqa: PLW1509 (prctl only, no locks)
            )

    server = _SessionServer()  # registered as Prefect's default temporary server
    if not isinstance(server, _SessionServer):  # one was already started: Prefect stops it at exit
        yield
        return
    try:
        server.start()
        yield
    finally:
        _send_pending_logs_and_events()  # while the server can still take them
        server.stop()


def _send_pending_logs_and_events() -> None:
    """Let Prefect's background workers send what they hold (5 s at most each); they restart if needed."""
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)
        EventsWorker.drain_all(timeout=5)
    except Exception:  # noqa: BLE001, S110 (nothing here may stand in the way of stopping the server)
        pass
