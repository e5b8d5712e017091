"""The portal's French: a complete catalog, up to date with the templates, and no English left in the pages.

The pages are rendered through the portal's own Jinja2 environments
(``Pages.load()``) with small stand-in objects, once per branch of each
template, in English and in French. The English rendering is the control: the
same search that must find no catalog English in the French pages finds every
string in the English ones.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace as Obj

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from connector_rollup.portal.web import Pages
from connector_rollup.rollup.identity import REVIEW_REASONS

PORTAL = Path(__file__).resolve().parents[1] / "connector_rollup" / "portal"
POT = PORTAL / "locale" / "messages.pot"
PO = PORTAL / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{.*?\}\}")
HOW_TO_UPDATE = (
    "run, from the repository root: pybabel extract -F connector_rollup/portal/babel.cfg "
    "-o connector_rollup/portal/locale/messages.pot connector_rollup/portal && pybabel update "
    "-i connector_rollup/portal/locale/messages.pot -d connector_rollup/portal/locale -l fr"
)


@cache
def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="fr" if path == PO else None)


def _entries(path: Path) -> dict:
    """msgid (a tuple for plural entries) -> message, without the header."""
    return {m.id: m for m in _catalog(path) if m.id}


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


# -- (a) the catalogs: complete, not fuzzy, in step with the templates ----------------------


def test_the_template_catalog_is_extracted_from_the_current_templates():
    with (PORTAL / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            PORTAL, method_map, options_map
        )
    }
    assert extracted, "babel.cfg extracted nothing from the templates"
    pot = set(_entries(POT))
    assert extracted - pot == set(), f"strings missing from messages.pot: {HOW_TO_UPDATE}"
    assert pot - extracted == set(), f"messages.pot has strings no template uses: {HOW_TO_UPDATE}"


def test_every_string_has_a_french_translation_that_is_not_fuzzy():
    pot, po = _entries(POT), _entries(PO)
    assert set(pot) - set(po) == set(), (
        f"messages.po lacks strings of messages.pot: {HOW_TO_UPDATE}"
    )
    assert not _catalog(PO).fuzzy, "the French catalog's header is marked fuzzy"
    forms = _catalog(PO).num_plurals
    untranslated = [
        msgid
        for msgid, message in po.items()
        if message.fuzzy
        or len(_strings(message)) != (forms if message.pluralizable else 1)
        or not all(s.strip() for s in _strings(message))
    ]
    assert untranslated == [], "French missing or fuzzy (each plural needs all its forms)"


# -- (b) placeholders ----------------------------------------------------------------------


def test_each_translation_keeps_the_placeholders_of_its_english():
    wrong = []
    for message in _entries(PO).values():
        expected = {p for text in _ids(message) for p in PLACEHOLDER.findall(text)}
        for text in _strings(message):
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((message.id, text))
    assert wrong == []


def test_french_colons_have_a_no_break_space_before_them():
    # "Soumis le : ..." -- the space must not let the colon start a line.
    wrong = [
        text
        for message in _entries(PO).values()
        for text in _strings(message)
        if re.search(r"(?<![\u00a0\u202f]):|« | »", text)
    ]
    assert wrong == []


# -- (c) the pages -------------------------------------------------------------------------

USER = Obj(name="Marie Tremblay", email="marie@exemple.ca", is_secretariat=False)
SECRETARIAT = Obj(name="Sec", email="sec@exemple.ca", is_secretariat=True)
COMMUNITY = Obj(name="Halifax", code="NS-HFX")
ISSUE = Obj(cell="C7", severity="error", value="xyz", message="Valeur inconnue", fix="Corrigez")
NOTE = Obj(cell="", severity="warning", value="", message="Valeur douteuse", fix="")
IMPACT = {s: Obj(new=3, changed=1, withdrawn=0) for s in ("connectees", "connectors")}
IMPACT |= {s: Obj(new=0, changed=0, withdrawn=2) for s in ("introductions", "jobs")}


def _upload(status="checked", errors=0, warnings=0, blocked=None):
    return Obj(
        id="u1",
        file_name="t2.xlsx",
        status=status,
        community_code="NS-HFX",
        period="2025-26-Q2",
        uploaded_at="2025-10-01 09:30",
        uploaded_by="marie@exemple.ca",
        submitted_at="2025-10-02 10:00" if status == "submitted" else None,
        rows_read=6,
        rows_rejected=errors,
        sha256="0" * 64,
        reason="Le fichier est vide." if status == "rejected" else None,
        blocked=blocked,
        errors=errors,
        warnings=warnings,
        impact=None if status == "rejected" else IMPACT,
        sent_back_comment="La feuille Emplois est vide." if status == "sent_back" else None,
    )


def _home(community, submitted, uploads, overdue=False, figures=()):
    return dict(
        community=community,
        figures=list(figures),
        quarter="2025-26-Q2",
        due_on="2025-10-31",
        overdue=overdue,
        submitted=submitted,
        uploads=uploads,
        limit_mb=20,
        problem=None,
    )


def _upload_page(upload, by_sheet=None, summary=()):
    return dict(
        upload=upload,
        by_sheet=by_sheet or {},
        summary=list(summary),
        sheets=("connectees", "connectors", "introductions", "jobs"),
    )


def _reminders(owing=(), due_now=(), sent=(), smtp=None, smtp_problem=None, just_sent=None):
    """reminders.html's context (a secretariat's page: the base shows its navigation)."""
    return dict(
        user=SECRETARIAT,
        quarter="2025-26-Q2",
        quarters=["2025-26-Q2", "2025-26-Q1"],
        due_on="2025-11-14",
        before_from="2025-11-09",
        after_from="2025-11-15",
        total=44,
        owing=list(owing),
        sent=list(sent),
        due_now=list(due_now),
        smtp=smtp,
        smtp_problem=smtp_problem,
        just_sent=just_sent,
        just_failed=1 if just_sent is not None else None,
    )


def _board(counts, rows, revised=False):
    """board.html's context: ``counts`` as ``quarter.summary`` gives them.

    The board shows its statuses as the API's codes, untranslated (its badges and the
    status filter). Two of the codes, "submitted" and "rejected", are also English words
    of the catalog (_status.html), so these contexts use only the other codes: with them
    the check below would report the codes, not a missing translation.
    """
    return dict(
        user=SECRETARIAT,
        quarter="2025-26-Q2",
        quarters=["2025-26-Q2", "2025-26-Q1"],
        due_on="2025-11-14",
        counts=counts,
        rows=list(rows),
        status="",
        statuses=("missing", "late", "sent_back"),
        revised=revised,
    )


def _board_row(status, tracks_jobs=None, upload_id=None, comment=None):
    return dict(
        community_code="NS-HFX",
        name="Halifax",
        status=status,
        comment=comment,
        upload_id=upload_id,
        submitted_at="2025-10-02" if status == "late" else None,
        errors=0 if upload_id else None,
        warnings=1 if upload_id else None,
        tracks_jobs=tracks_jobs,
    )


BOARD_COUNTS = dict(total=44, submitted=30, late=2, missing=9, overdue=9, rejected=3, sent_back=2)
BOARD_ROWS = [
    _board_row("late", tracks_jobs=True, upload_id="u1"),
    _board_row("late", tracks_jobs=False),
    _board_row("sent_back", comment="Feuille vide"),
    _board_row("missing"),
]


def _pair(decision=None, reason="same_email"):
    side = dict(name="Luc Roy", email="luc@exemple.ca", phone="", organization="Centre")
    return dict(
        record_a="NS-HFX:C1",
        record_b="QC-MTL:C9",
        reason=reason,
        detail="luc@exemple.ca" if decision else "",
        a=side,
        b=side | dict(name="", email=""),
        decision=decision,
        note="Vérifié" if decision else None,
        decided_by="sec@exemple.ca" if decision else None,
        decided_at="2025-11-20 10:00" if decision else None,
    )


def _rollup(status, figures=None, message=None, ended_at=None):
    return dict(
        quarter="2025-26-Q2",
        status=status,
        message=message,
        started_at="2025-11-20 10:00",
        started_by="sec@exemple.ca",
        ended_at=ended_at,
        figures=figures,
    )


def _rollups(listed, running=False, latest=None, revised=(), published=None):
    return dict(
        user=SECRETARIAT,
        rollups=list(listed),
        running=running,
        latest=latest,
        revised=set(revised),
        published=published,
        quarter="2025-26-Q2",
        warehouse="/srv/data/warehouse.duckdb",
        reports="/srv/data/reports",
    )


def _events(events, total):
    return dict(
        user=SECRETARIAT,
        events=list(events),
        total=total,
        community="",
        period="",
        action="",
        actions=["sign_in", "upload"],
    )


EVENT = Obj(
    at="2025-11-20 10:00",
    who="sec@exemple.ca",
    action="upload",
    community_code="NS-HFX",
    period="2025-26-Q2",
    sha256="0" * 64,
    detail="t2.xlsx",
)


REMINDER_SENT = Obj(
    kind="before",
    email="marie@exemple.ca",
    sent_at="2025-11-09T13:00:00+00:00",
    community_code="NS-HFX",
)
REMINDER_AFTER = Obj(
    kind="after",
    email="marie@exemple.ca",
    sent_at="2025-11-15T13:00:00+00:00",
    community_code="NS-HFX",
)
REMINDER_OWING = [
    Obj(
        community_code="NS-HFX",
        name="Halifax",
        status="missing",
        comment=None,
        coordinators=["marie@exemple.ca"],
        sent=[REMINDER_SENT],
    ),
    Obj(
        community_code="NS-CBRT",
        name="Cap-Breton",
        status="rejected",
        comment=None,
        coordinators=[],
        sent=[],
    ),
    Obj(
        community_code="QC-MTL",
        name="Montréal",
        status="sent_back",
        comment="Feuille vide",
        coordinators=["luc@exemple.ca"],
        sent=[],
    ),
]


# (template, context): together they take every branch that shows catalog text.
PAGES = [
    ("sign_in.html", dict(user=None, email="", problem=None)),
    ("sign_in.html", dict(user=None, email="", problem="locked", until="14:30")),
    ("sign_in.html", dict(user=None, email="", problem="wrong")),
    ("set_password.html", dict(user=None, invited=None, problem="invitation_invalid")),
    *(
        ("set_password.html", dict(user=None, invited=USER, problem=p, min_chars=12))
        for p in (None, "passwords_differ", "password_too_short")
    ),
    *(
        ("error.html", dict(code=c, message="Erreur inattendue"))
        for c in (
            "not_found",
            "too_large",
            "other_community",
            "csrf",
            "rejected",
            "secretariat_only",
            "upload_broken",
            "rollup_running",
            "comment_required",
            "not_submitted",
            "superseded",
            "sent_back",
            "no_rollup",
            "bad_request",
            "autre",
        )
    ),
    ("home.html", _home(None, None, [])),
    ("home.html", _home(COMMUNITY, None, [])),
    (
        "home.html",
        _home(
            COMMUNITY,
            None,
            [],
            figures=[dict(period="2025-26-Q2", connectees=4, connectors=2, jobs=1)],
        ),
    ),
    (
        "home.html",
        _home(
            COMMUNITY,
            Obj(upload_id="u1", submitted_at="2025-10-02"),
            [_upload(s) for s in ("checked", "rejected", "submitted", "superseded")],
        ),
    ),
    (
        "home.html",
        _home(None, None, [_upload(s) for s in ("checked", "submitted", "nouveau")]),
    ),
    ("home.html", _home(COMMUNITY, None, [_upload("sent_back")], overdue=True)),
    ("home.html", _home(None, None, []) | dict(user=SECRETARIAT)),
    ("upload.html", _upload_page(_upload("rejected"))),
    ("upload.html", _upload_page(_upload("submitted"))),
    ("upload.html", _upload_page(_upload("superseded"))),
    ("upload.html", _upload_page(_upload(blocked="Un classeur plus récent est déjà soumis."))),
    (
        "upload.html",
        _upload_page(
            _upload(errors=2, warnings=1),
            by_sheet={"Connectés": [ISSUE, NOTE], "Emplois": [ISSUE]},
            summary=[("error", "bad_email", 2, "Courriel invalide"), ("warning", "w", 1, "À voir")],
        ),
    ),
    ("upload.html", _upload_page(_upload(warnings=1), by_sheet={"Emplois": [NOTE]})),
    ("upload.html", _upload_page(_upload())),
    ("board.html", _board(BOARD_COUNTS, BOARD_ROWS)),
    ("board.html", _board(BOARD_COUNTS, BOARD_ROWS, revised=True)),
    ("board.html", _board(BOARD_COUNTS | dict(overdue=0, rejected=0, sent_back=0), [])),
    (
        "community.html",
        dict(
            user=SECRETARIAT,
            community=COMMUNITY,
            figures=[dict(period="2025-26-Q2", connectees=12, connectors=3, jobs=4)],
            uploads=[_upload("submitted"), _upload("sent_back"), _upload("rejected")],
            reports=["2025-26-Q2", "2025-26-Q1"],
        ),
    ),
    (
        "community.html",
        dict(user=SECRETARIAT, community=COMMUNITY, figures=[], uploads=[], reports=[]),
    ),
    ("review.html", dict(user=SECRETARIAT, review_exists=False, pairs=[], undecided=0)),
    (
        "review.html",
        dict(user=SECRETARIAT, review_exists=True, pairs=[_pair(), _pair("same")], undecided=1),
    ),
    ("review.html", dict(user=SECRETARIAT, review_exists=True, pairs=[_pair()] * 2, undecided=2)),
    (
        "review.html",
        dict(
            user=SECRETARIAT,
            review_exists=True,
            pairs=[_pair(reason=r) for r in REVIEW_REASONS],
            undecided=len(REVIEW_REASONS),
        ),
    ),
    (
        "review.html",
        dict(user=SECRETARIAT, review_exists=True, pairs=[_pair("different")], undecided=0),
    ),
    (
        "rollups.html",
        _rollups(
            [
                _rollup("scheduled"),
                _rollup("running"),
                _rollup(
                    "completed",
                    figures=dict(connectees=120, connectors=30, jobs=41),
                    ended_at="2025-11-20 10:05",
                ),
                _rollup("failed", message="Traceback", ended_at="2025-11-20 10:01"),
            ],
            running=True,
        ),
    ),
    ("rollups.html", _rollups([])),
    ("rollups.html", _rollups([], published="2025-26-Q2")),
    (
        "rollups.html",
        _rollups(
            [_rollup("completed", figures=dict(connectees=1, connectors=1, jobs=0))],
            latest=_rollup("completed"),
            revised=["2025-26-Q1", "2025-26-Q2"],
        ),
    ),
    (
        "report.html",
        dict(
            user=SECRETARIAT,
            quarter="2025-26-Q2",
            body="<h1>National roll-up</h1>",
            source="/srv/data/reports/2025-26-Q2/national.md",
        ),
    ),
    ("events.html", _events([EVENT], 1)),
    ("events.html", _events([EVENT, EVENT], 2)),
    (
        "reminders.html",
        _reminders(
            REMINDER_OWING,
            due_now=[Obj(email="luc@exemple.ca", community_code="QC-MTL", kind="after")],
            sent=[REMINDER_SENT, REMINDER_AFTER],
            smtp=dict(server="smtp.exemple.ca:587", tls="STARTTLS", sender="r@exemple.ca"),
            just_sent=2,
        ),
    ),
    ("reminders.html", _reminders(smtp=dict(server="127.0.0.1:25", tls=None, sender="r@x.ca"))),
    ("reminders.html", _reminders()),
    ("reminders.html", _reminders(REMINDER_OWING[:1], smtp_problem="CONNECTOR_ROLLUP_SMTP_PORT?")),
]


def _visible_text(page: str) -> str:
    """The page's text as read: no tags, entities decoded, whitespace as single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", page)).split())


def _pattern(text: str) -> re.Pattern:
    """``text`` as it shows in a page: placeholders filled with anything, whitespace normalised."""
    parts = PLACEHOLDER.split(" ".join(text.split()))
    body = ".+?".join(re.escape(p) for p in parts)
    # \b only where the text starts or ends with a word character ("Problem" is not in "Problème").
    return re.compile(rf"(?<!\w){body}(?!\w)" if body[-1:].isalnum() else rf"(?<!\w){body}")


@cache
def _rendered(language: str) -> tuple[str, ...]:
    env = Pages.load().environments[language]
    common = dict(request=None, user=USER, lang=language, csrf="jeton", here="/home")
    return tuple(
        _visible_text(env.get_template(name).render(**(common | context)))
        for name, context in PAGES
    )


def _found(text: str, pages: tuple[str, ...]) -> bool:
    pattern = _pattern(text)
    return any(pattern.search(page) for page in pages)


def _translated() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(English, French) of each template string, less those whose French is the English."""
    po = _entries(PO)
    pairs = [(_ids(m), _strings(po[m.id]) if m.id in po else ()) for m in _entries(POT).values()]
    return [(english, french) for english, french in pairs if set(french) != set(english)]


def test_the_french_pages_show_no_english_from_the_catalog():
    french = _rendered("fr")
    leftovers = [text for english, _ in _translated() for text in english if _found(text, french)]
    assert leftovers == []


def test_the_rendered_pages_show_every_string_so_the_check_above_sees_them_all():
    # The control: the same search finds every English string in the English pages, and
    # some form of every French translation in the French ones. A string missed here needs
    # a context in PAGES that takes its branch.
    english_pages, french_pages = _rendered("en"), _rendered("fr")
    pairs = _translated()
    assert [e for e, _ in pairs if not any(_found(t, english_pages) for t in e)] == []
    assert [e for e, f in pairs if not any(_found(t, french_pages) for t in f)] == []


@pytest.mark.parametrize(
    "language, count, heading",
    [
        ("fr", 1, "Feuille Emplois\u00a0: 1\u00a0problème"),
        ("fr", 2, "Feuille Emplois\u00a0: 2\u00a0problèmes"),
        ("en", 1, "Sheet Emplois: 1 problem"),
        ("en", 2, "Sheet Emplois: 2 problems"),
    ],
)
def test_the_problem_count_chooses_the_plural(language, count, heading):
    env = Pages.load().environments[language]
    by_sheet = {"Emplois": [NOTE] * count}
    page = env.get_template("upload.html").render(
        request=None,
        user=USER,
        lang=language,
        csrf="jeton",
        here="/",
        **_upload_page(_upload(warnings=count), by_sheet=by_sheet),
    )
    assert f"{heading}<" in page
