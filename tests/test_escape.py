"""Echoed values: one escaping function per medium, exact outputs."""

from __future__ import annotations

import openpyxl
import pytest

from connector_rollup.escape import (
    for_excel,
    for_html,
    for_markdown,
    for_terminal,
    write_excel_text,
)

OSC8_LINK = "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"


@pytest.mark.parametrize(
    "typed, shown",
    [
        (OSC8_LINK, "\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\"),
        ("a\rb\x07c\x00d\x7fe\x85f\x9bg", "a\\x0db\\x07c\\x00d\\x7fe\\x85f\\x9bg"),
        ("line1\nline2\tx", "line1\\x0aline2\\x09x"),
        ("abc\u202edcba\u2066x\u200f", "abc\\u202edcba\\u2066x\\u200f"),
        ("Zoë, 東京 👩‍💻", "Zoë, 東京 👩‍💻"),  # letters and emoji joiners are text, not controls
        (None, ""),
        (12.5, "12.5"),
    ],
)
def test_for_terminal_shows_every_control_character(typed, shown):
    assert for_terminal(typed) == shown


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert(1)"&gt;'),
        ("![x](http://remote/x.png)", "!\\[x\\](http://remote/x.png)"),
        ("[link](javascript:alert(1))", "\\[link\\](javascript:alert(1))"),
        ("`code` | *b* _i_ ~s~ $m$", "\\`code\\` \\| \\*b\\* \\_i\\_ \\~s\\~ \\$m\\$"),
        ("a\\b & c", "a\\\\b &amp; c"),
        ("&amp;", "&amp;amp;"),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("  + item", "  \\+ item"),
        ("12. item", "12\\. item"),
        ("===", "\\==="),
        ("NS-HFX 2026-27-Q2", "NS-HFX 2026-27-Q2"),  # a dash inside the text is no list
        (OSC8_LINK, "\\x1b\\]8;;http://evil\\x1b\\\\click\\x1b\\]8;;\\x1b\\\\"),
        ("one\ntwo\r", "one\\x0atwo\\x0d"),
        ("\u202eevil", "\\u202eevil"),
        (None, ""),
    ],
)
def test_for_markdown_shows_the_literal_text(typed, shown):
    assert for_markdown(typed) == shown


def test_for_markdown_renders_as_the_typed_text():
    """Checked with a real CommonMark renderer when one is installed."""
    markdown_it = pytest.importorskip("markdown_it")
    typed = "<b>x</b> ![x](http://r/x.png) [l](javascript:a) `c` *e* _u_ | \\ &amp;"
    rendered = markdown_it.MarkdownIt("commonmark").renderInline(for_markdown(typed))
    assert rendered == (
        "&lt;b&gt;x&lt;/b&gt; ![x](http://r/x.png) [l](javascript:a) `c` *e* _u_ | \\ &amp;amp;"
    )


@pytest.mark.parametrize(
    "typed, shown",
    [
        (
            "<a href=\"x\" onclick='y'>&</a>",
            "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;",
        ),
        ("a\nb\tc\x1bd\u202e", "a\nb\tc\\x1bd\\u202e"),
    ],
)
def test_for_html(typed, shown):
    assert for_html(typed) == shown


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("a\x1b[31mb\x07\x00", "a\\x1b[31mb\\x07\\x00"),
        ("two\nlines\tand tab\r", "two\nlines\tand tab\\x0d"),
        ("\u202eabc\x85", "\\u202eabc\\x85"),
        ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
    ],
)
def test_for_excel_keeps_line_breaks_and_shows_other_controls(typed, shown):
    assert for_excel(typed) == shown


@pytest.mark.parametrize(
    "typed", ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "a\x1bb"]
)
def test_write_excel_text_never_stores_a_formula(tmp_path, typed):
    book = openpyxl.Workbook()
    write_excel_text(book.active["A1"], typed)
    write_excel_text(book.active["A2"], "plain")
    book.save(tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert (cell.value, cell.data_type) == (for_excel(typed), "s")
    assert cell.quotePrefix == typed.startswith(("=", "+", "-", "@"))
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").active["A2"].quotePrefix is False
