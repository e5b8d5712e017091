"""``portal serve --demo``: demo accounts over the bundled sample, so a newcomer can try the portal at once.

The sample's submissions go into ``--raw`` (unless it already holds
workbooks: a folder in use is never changed), except Halifax's latest
quarter: that one is kept aside, under ``--data``/demo, as the workbook the
demo coordinator uploads, with a copy that has mistakes in it to see the
feedback first.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from connector_rollup.portal import accounts
from connector_rollup.portal.db import connect
from connector_rollup.registry import Community
from synthetic.sample import SAMPLE_QUARTER, write_sample

DEMO_COMMUNITY = "NS-HFX"
PASSWORD = "demo-password"  # for the demo only: these accounts are for trying the portal
DEMO_ACCOUNTS = (
    ("coordinator@ns-hfx.example.org", "Dana Halifax", "coordinator", DEMO_COMMUNITY, "en"),
    ("coordinatrice@qc-mtl.example.org", "Camille Montréal", "coordinator", "QC-MTL", "fr"),
    ("secretariat@example.org", "Sam Secretariat", "secretariat", None, "en"),
)


def set_up(data_dir: Path, raw_dir: Path, registry: dict[str, Community], url: str) -> str:
    """Write the sample and the demo accounts (each only once); returns how to sign in, as text."""
    demo_dir = data_dir / "demo"
    fixed = demo_dir / f"{DEMO_COMMUNITY}_{SAMPLE_QUARTER.label}.xlsx"
    with_errors = demo_dir / f"{DEMO_COMMUNITY}_{SAMPLE_QUARTER.label}_with-errors.xlsx"
    if not fixed.exists() or not with_errors.exists():
        with tempfile.TemporaryDirectory() as work:
            paths = write_sample(Path(work), registry=registry)
            held_back = next(p for p in paths if p.name == fixed.name)
            demo_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(held_back, fixed)
            _put_mistakes(fixed, with_errors)
            if not any(raw_dir.rglob("*.xlsx")):  # a raw folder in use is left as it is
                held_back.unlink()
                shutil.copytree(work, raw_dir, dirs_exist_ok=True)
    in_use = any(p.name == fixed.name for p in raw_dir.rglob("*.xlsx"))
    conn = connect(data_dir)
    try:
        for email, name, role, community, language in DEMO_ACCOUNTS:
            if community is not None and community not in registry:
                continue
            if accounts.user_by_email(conn, email) is None:
                user, _ = accounts.add_user(
                    conn,
                    email,
                    role=role,
                    community_code=community,
                    name=name,
                    language=language,
                    by="demo",
                )
                accounts.set_password(conn, user, PASSWORD, by="demo")
    finally:
        conn.close()
    lines = [
        f"Demo portal over {raw_dir} (for trying it only: these accounts have a known password).",
        f"Sign in at {url}/sign-in with password '{PASSWORD}' as:",
        *(f"  {email}  ({role}{', ' + c if c else ''})" for email, _, role, c, _ in DEMO_ACCOUNTS),
        f"As {DEMO_ACCOUNTS[0][0]}, upload {with_errors} to see the feedback,",
        f"then {fixed} to submit it.",
    ]
    if in_use:
        lines.append(
            f"Note: {raw_dir} already held workbooks, Halifax's {SAMPLE_QUARTER.label} among them, "
            "so the demo's uploads change little; give --raw an empty folder for the full demo."
        )
    return "\n".join(lines)


def _put_mistakes(source: Path, out: Path) -> None:
    """A copy of ``source`` with three mistakes a coordinator makes: a bad email, a blank name, a bad date."""
    book = load_workbook(source)
    sheet = book["Connectees"]
    headers = {str(cell.value).rstrip(" *"): cell.column for cell in sheet[1]}
    sheet.cell(3, headers["Email"], "maria.gomez@@example")
    sheet.cell(4, headers["First name"]).value = None  # cell(..., None) would leave it
    sheet.cell(5, headers["Application date"], "last Tuesday")
    book.save(out)
