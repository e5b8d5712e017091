"""The community registry: which communities exist and what each may accept."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CODE_PATTERN = re.compile(r"^[A-Z]{2}-[A-Z]{2,6}$")
PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
LANGUAGES = ("en", "fr")
REQUIRED_COLUMNS = ("code", "name", "province", "eligible_categories", "joined_on")


class RegistryError(ValueError):
    """The registry file itself is unusable; the message says where and why."""


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    province: str
    eligible_categories: frozenset[str]
    joined_on: dt.date
    # The language of the community's pages when none of its workbooks says
    # (a workbook's own language comes first): the registry's optional
    # ``language`` column, else French in Quebec and English elsewhere.
    language: str = ""

    def __post_init__(self) -> None:
        if not self.language:
            object.__setattr__(self, "language", "fr" if self.province == "QC" else "en")


def shipped_registry_path() -> Path:
    """The registry of the 44 communities that ships with the project."""
    return Path(str(resources.files("connector_rollup") / "data" / "communities.csv"))


def load_registry(path: str | Path | None = None) -> dict[str, Community]:
    """Read a registry CSV (the shipped one by default) into ``{code: Community}``."""
    from connector_rollup.contract import ENUMERATIONS  # avoid an import cycle at load

    path = Path(path) if path else shipped_registry_path()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"The community registry {path} cannot be read: {exc}.") from None
    rows = list(csv.DictReader(text.splitlines()))
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in rows[0]] or (
        list(REQUIRED_COLUMNS) if not rows else []
    )
    if missing:
        raise RegistryError(
            f"The community registry {path} lacks the column(s) {', '.join(missing)}."
        )
    categories = set(ENUMERATIONS["category"].codes)
    registry: dict[str, Community] = {}
    for line, row in enumerate(rows, start=2):
        code = (row["code"] or "").strip()
        where = f"{path}, line {line}"
        if not CODE_PATTERN.match(code):
            raise RegistryError(f"{where}: the code {code!r} is not like NS-HFX.")
        if code in registry:
            raise RegistryError(f"{where}: the code {code} appears twice.")
        eligible = frozenset(
            c.strip() for c in (row["eligible_categories"] or "").split(";") if c.strip()
        )
        unknown = eligible - categories
        if unknown:
            raise RegistryError(f"{where}: unknown categories {', '.join(sorted(unknown))}.")
        try:
            joined_on = dt.date.fromisoformat((row["joined_on"] or "").strip())
        except ValueError:
            raise RegistryError(f"{where}: joined_on must be a date like 2013-04-01.") from None
        language = (row.get("language") or "").strip().lower()
        if language and language not in LANGUAGES:
            raise RegistryError(f"{where}: language must be en or fr, not {language!r}.")
        registry[code] = Community(
            code=code,
            name=(row["name"] or "").strip(),
            province=(row["province"] or "").strip(),
            eligible_categories=eligible,
            joined_on=joined_on,
            language=language,
        )
    return registry
