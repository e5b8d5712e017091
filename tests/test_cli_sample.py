"""`connector-rollup sample --scale N` (interfaces.md v2): N times the rows, same communities."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from connector_rollup.cli import main


def _registry(path: Path) -> Path:
    path.write_text(
        "code,name,province,eligible_categories,joined_on\n"
        "NS-HFX,Halifax,NS,newcomer;international_graduate,2009-01-01\n"
        "QC-MTL,Montréal,QC,newcomer;international_graduate,2012-04-01\n",
        encoding="utf-8",
    )
    return path


def _connectee_rows(folder: Path) -> int:
    """Data rows of every Connectees sheet (English or French) under ``folder``."""
    total = 0
    for book in folder.rglob("*.xlsx"):
        wb = CalamineWorkbook.from_path(str(book))
        name = next((n for n in wb.sheet_names if n in ("Connectees", "Connectés")), None)
        if name is not None:
            rows = wb.get_sheet_by_name(name).to_python()
            total += sum(1 for row in rows[1:] if any(str(v).strip() for v in row))
    return total


def test_scale_multiplies_the_rows_of_the_same_communities(tmp_path):
    registry = _registry(tmp_path / "registry.csv")
    runner = CliRunner()
    for name, scale in (("x1", "1"), ("x3", "3")):
        result = runner.invoke(
            main,
            [
                "sample",
                "--out",
                str(tmp_path / name),
                "--scale",
                scale,
                "--communities",
                str(registry),
            ],
        )
        assert result.exit_code == 0, result.output
    one, three = _connectee_rows(tmp_path / "x1"), _connectee_rows(tmp_path / "x3")
    assert one > 0
    assert 2.5 * one <= three <= 3.5 * one
    names = lambda folder: sorted(p.name for p in folder.rglob("*.xlsx"))  # noqa: E731
    assert names(tmp_path / "x1") == names(tmp_path / "x3")


def test_scale_must_be_positive(tmp_path):
    result = CliRunner().invoke(main, ["sample", "--out", str(tmp_path), "--scale", "0"])
    assert result.exit_code == 2
    assert "--scale" in result.output
    assert not any(tmp_path.iterdir())
