"""Row heights for wrapped text: openpyxl writes no heights and Excel does not fit them on open.

A row with wrapped text and no height is drawn one line high by Excel when
the file did not come from Excel, so its text is cut or runs into the next
row. These helpers estimate the height from the text's length and its
column's width, erring on the tall side.
"""

from __future__ import annotations

import math

# Points per line of 11-point Calibri, Excel's default font.
LINE_POINTS = 15.0


def lines_needed(text: object, width: float, font_scale: float = 1.0) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide.

    A column's width counts digit-wide characters; text averages about 10%
    narrower, and a little less is assumed, which errs on the safe side (a row
    too tall wastes space, one too short hides text).
    ``font_scale`` is the font's size relative to 11 points.
    """
    if text is None or text == "":
        return 1
    per_line = max(1, int(width * 1.1 / font_scale) - 2)  # two characters' worth of cell padding
    return sum(max(1, math.ceil(len(paragraph) / per_line)) for paragraph in str(text).split("\n"))


def fit_row_heights(sheet, widths: dict[str, float], first_row: int = 1) -> None:
    """Set each row's height from ``first_row`` on to fit its tallest wrapped cell.

    ``widths`` maps column letters to their widths (the ones set on the
    sheet); columns not in it are not measured. A cell merged across columns
    of its row is measured at the range's whole width; a cell's font size
    scales its lines. Rows needing one line keep Excel's default height.
    """
    # Imported here: `validate` imports this module but loads openpyxl (~150 ms) only to annotate.
    from openpyxl.utils import get_column_letter

    spans = {}  # top-left cell of a one-row merged range -> the letters it covers
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == merged.max_row:
            spans[merged.start_cell.coordinate] = [
                get_column_letter(c) for c in range(merged.min_col, merged.max_col + 1)
            ]
    for row in sheet.iter_rows(min_row=first_row):
        points = 0.0
        for cell in row:
            if cell.value is None or not hasattr(
                cell, "column_letter"
            ):  # merged-over cells have no letter
                continue
            letters = spans.get(cell.coordinate, [cell.column_letter])
            if not all(letter in widths for letter in letters):
                continue
            scale = (cell.font.sz or 11) / 11 if cell.font is not None else 1.0
            lines = lines_needed(cell.value, sum(widths[letter] for letter in letters), scale)
            points = max(points, lines * LINE_POINTS * scale)
        if points > LINE_POINTS * 1.5:
            sheet.row_dimensions[row[0].row].height = math.ceil(points)
