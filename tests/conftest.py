"""Shared fixtures. Prefect gets a home of its own so tests never touch the user's."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Before anything imports prefect: an isolated home, and time for its temporary server to start.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="connector-rollup-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness for the whole session: it costs about 20 s to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def registry():
    from connector_rollup.registry import load_registry

    return load_registry()
