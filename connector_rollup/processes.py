"""Whether another process is still there: the one test every stage uses before removing what a
killed run left (a staging folder, a temporary warehouse) or deciding a roll-up has ended."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (another user's counts: its files are not ours to remove)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
