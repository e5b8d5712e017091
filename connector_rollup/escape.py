"""Echoing what a community typed: shown as text, escaped for the medium, never interpreted.

A cell can hold anything: an escape sequence that makes a terminal print a
hidden link, a right-to-left override that reverses what follows, ``<script>``
or ``![x](http://remote/x.png)`` for a Markdown viewer, ``=HYPERLINK(...)`` for
Excel. Every value the tool echoes goes through exactly one function here,
the one for the medium it is written to:

- ``for_terminal``: console text.
- ``for_markdown``: Markdown (also safe inside a GFM table cell).
- ``for_html``: HTML text and attribute values.
- ``for_excel`` (and ``write_excel_text``): cell values and comments.

Invisible or disruptive characters are shown as Python-style escapes
(``\\x1b``, ``\\u202e``) so a coordinator can see and remove them. A literal
backslash is left as it is: doubling it would make every Windows path hard to
read, and a typed ``\\x1b`` is harmless text either way.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Characters that reorder or hide text: the bidirectional embeddings, overrides,
# isolates and marks (a U+202E in a name reverses everything after it on screen).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Line and paragraph separators end a line in some viewers but not in others.
_SEPARATORS = "\u2028\u2029"


def _visible(char: str) -> str:
    """``char`` as a Python-style escape: ``\\x1b`` below U+0100, ``\\u202e`` above."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _is_hidden(char: str) -> bool:
    """Whether ``char`` is a control (C0, DEL, C1), a bidi control or a line separator."""
    return unicodedata.category(char) == "Cc" or char in _BIDI or char in _SEPARATORS


def _show_hidden(text: str, keep: str = "") -> str:
    """``text`` with every hidden character except those in ``keep`` made visible."""
    return "".join(_visible(c) if c not in keep and _is_hidden(c) else c for c in text)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def for_terminal(value: object) -> str:
    """``value`` as one line of plain text a terminal prints as it reads.

    Every control character (newline and tab included: an echoed value stays
    on its line), bidi control and line separator is shown as an escape, so no
    escape sequence, carriage return or bell reaches the terminal.
    ``None`` is the empty string.
    """
    return _show_hidden(_text(value))


# Inline Markdown syntax (CommonMark and GitHub's extensions): code spans,
# emphasis, links and images (``[`` and ``]``), table cells, strikethrough, math,
# and the backslash itself. Backslash-escaping them is valid CommonMark.
_MD_INLINE = set("\\`*_[]|~$")
_MD_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# Block syntax only counts at the start of a line: headings, lists, setext
# underlines, ordered lists (``1.`` / ``1)``). The text is one line, so only its start.
_MD_LINE_START = re.compile(r"\s*(?:[#+\-=]|\d+[.)])")


def for_markdown(value: object) -> str:
    """``value`` as Markdown that any viewer shows as the literal text, on one line.

    ``<``, ``>`` and ``&`` become HTML entities (no tag, comment or entity is
    interpreted); Markdown's inline punctuation is backslash-escaped (no code
    span, emphasis, link, image or table cell break); a heading, list or rule
    marker at the start is escaped; control characters, newlines included,
    are shown as escapes as in ``for_terminal``. Safe inside a GFM table cell.

    Bare URLs are left as they are: GitHub's autolinking may make them
    clickable, but it shows the URL itself, never a hidden target.
    """
    out = []
    for char in _text(value):
        if char in _MD_HTML:
            out.append(_MD_HTML[char])
        elif char in _MD_INLINE:
            out.append("\\" + char)
        elif _is_hidden(char):
            out.append(_visible(char))
        else:
            out.append(char)
    text = "".join(out)
    marker = _MD_LINE_START.match(text)
    if (
        marker
    ):  # "# x" -> "\# x", "1. x" -> "1\. x": the backslash goes before the marker's last character
        cut = marker.end() - 1
        text = f"{text[:cut]}\\{text[cut:]}"
    return text


def for_html(value: object) -> str:
    """``value`` as HTML text, safe in element content and quoted attribute values.

    ``<``, ``>``, ``&``, ``"`` and ``'`` become entities; control characters
    other than newline and tab are shown as escapes, as are bidi controls.
    """
    return html.escape(_show_hidden(_text(value), keep="\n\t"), quote=True)


# Text starting with one of these is a formula to Excel when a person re-enters
# the cell (F2, Enter) and to every spreadsheet a CSV export is opened in.
FORMULA_STARTS = ("=", "+", "-", "@")


def for_excel(value: object) -> str:
    """``value`` as text an .xlsx cell or comment can hold and shows as typed.

    Control characters other than newline and tab (openpyxl refuses most of
    them; the rest are invisible in Excel) and bidi controls are shown as
    escapes. A leading ``=``, ``+``, ``-`` or ``@`` is kept: the text is made a
    string, not a formula, by how it is stored (``write_excel_text``).
    """
    return _show_hidden(_text(value), keep="\n\t")


def write_excel_text(cell, value: object):
    """Store ``for_excel(value)`` in an openpyxl ``cell`` as text, never a formula.

    openpyxl takes a string starting with ``=`` as a formula: the data type is
    set back to string after assignment. Text starting like a formula also gets
    Excel's quote prefix, so it stays text when a person edits the cell.
    Returns the cell.
    """
    text = for_excel(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell
