"""A portal over temporary folders, its accounts and workbooks, for the portal's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from builders import connectee, connector, introduction, submission_rows, write_workbook
from fastapi.testclient import TestClient

from connector_rollup.portal import accounts
from connector_rollup.portal.app import create_app
from connector_rollup.portal.db import connect
from connector_rollup.portal.settings import Settings
from connector_rollup.registry import load_registry

Q1, Q2 = "2026-27-Q1", "2026-27-Q2"
PASSWORD = "a long enough password"


@dataclass
class Portal:
    settings: Settings
    client: TestClient
    tokens: dict[str, str]  # email -> API token
    tmp: Path

    def auth(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def upload(self, email: str, path: Path, name: str | None = None):
        with open(path, "rb") as f:
            return self.client.post(
                "/api/v1/uploads", headers=self.auth(email), files={"file": (name or path.name, f)}
            )

    def db(self):
        return connect(self.settings.data_dir)


HFX = "coord@hfx.example.org"
CBRT = "coord@cbrt.example.org"
SEC = "sec@example.org"


def make_portal(tmp: Path, passwords: bool = False, **overrides) -> Portal:
    """A portal with three accounts (two coordinators, the secretariat) and their API tokens.

    ``passwords``: also give each account ``PASSWORD`` (Argon2id costs about
    0.5 s a hash here, so only the page tests ask for it). ``overrides`` are
    ``Settings`` fields; the warehouse and reports go under ``tmp``.
    """
    registry = load_registry()
    raw = tmp / "raw"
    (raw / "NS-HFX").mkdir(parents=True)
    q1_workbook(raw / "NS-HFX" / "q1.xlsx")
    settings = Settings(
        data_dir=tmp / "portal",
        raw_dir=raw,
        registry=registry,
        warehouse=tmp / "data" / "warehouse.duckdb",
        reports_dir=tmp / "reports",
        **overrides,
    )
    conn = connect(settings.data_dir)
    tokens = {}
    for email, role, community in (
        (HFX, "coordinator", "NS-HFX"),
        (CBRT, "coordinator", "NS-CBRT"),
        (SEC, "secretariat", None),
    ):
        user, _ = accounts.add_user(conn, email, role=role, community_code=community)
        if passwords:
            accounts.set_password(conn, user, PASSWORD, by="test")
        tokens[email] = accounts.new_api_token(conn, user)
    conn.close()
    client = TestClient(create_app(settings), base_url="http://testserver")
    return Portal(settings, client, tokens, tmp)


def q1_workbook(path: Path, community: str = "NS-HFX") -> Path:
    """The community's submitted first quarter: Connectees E1, E2, Connector C1, one introduction."""
    return write_workbook(
        path,
        submission=submission_rows(
            community=community, quarter=Q1, submitted_on=dt.date(2026, 7, 20), tracks_jobs="No"
        ),
        connectees=[connectee("E1"), connectee("E2")],
        connectors=[connector("C1")],
        introductions=[introduction("E1", "C1", **{"Introduction date": dt.date(2026, 5, 1)})],
    )


def q2_workbook(
    path: Path,
    community: str = "NS-HFX",
    submitted_on: dt.date = dt.date(2026, 10, 20),
    errors: bool = False,
) -> Path:
    """A second quarter: new E3, E2 withdrawn, E1's email changed, C2 new; with ``errors`` a bad email."""
    return write_workbook(
        path,
        submission=submission_rows(
            community=community, quarter=Q2, submitted_on=submitted_on, tracks_jobs="No"
        ),
        connectees=[
            connectee("E1", Email="e1.new@example.ca"),
            connectee("E2", Withdrawn="Yes"),
            connectee("E3", **({"Email": "e3@@example"} if errors else {})),
        ],
        connectors=[connector("C2")],
        introductions=[
            introduction("E3", "C2", **{"Introduction date": dt.date(2026, 8, 3)}),
            introduction("E1", "C1", **{"Introduction date": dt.date(2026, 5, 1)}),
        ],
    )
