"""The pages' two languages: Babel message catalogs under ``locale/``, Jinja2's i18n extension.

Templates mark text with ``{% trans %}`` and ``_()``; ``locale/messages.pot``
is extracted from them (``pybabel extract -F babel.cfg``) and
``locale/fr/LC_MESSAGES/messages.po`` holds the French. The ``.po`` file is
compiled in memory when the portal starts, so no compiled ``.mo`` file can
fall out of step with it. Workbook feedback (issue messages) is not here: it
comes from the library, in the workbook's own language.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "fr")
LOCALE = resources.files("connector_rollup.portal") / "locale"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for ``language`` (English is the source text: no catalog)."""
    if language == "en":
        return gettext.NullTranslations()
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def preferred(accept_language: str | None) -> str:
    """The first of ``LANGUAGES`` in an Accept-Language header, by its weights; else English."""
    best, best_weight = "en", -1.0
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        language = tag.strip().lower()[:2]
        # Earlier entries win ties, as browsers list them in order of preference.
        if language in LANGUAGES and weight > best_weight and weight > 0:
            best, best_weight = language, weight - position * 1e-6
    return best
