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

    A column's width counts digit-wide characters; most letters are narrower,
    so a character per unit of width overestimates a little, which is the safe
    side (a row too tall wastes space, one too short hides text).
    ``font_scale`` is the font's size relative to 11 points.
    """
    if text is None or text == "":
        return 1
    per_line = max(1, int(width / font_scale) - 1)  # a character's worth of cell padding
    return sum(max(1, math.ceil(len(paragraph) / per_line)) for paragraph in str(text).split("\n"))


def fit_row_heights(sheet, widths: dict[str, float], first_row: int = 1, font_scale: float = 1.0) -> None:
    """Set each row's height from ``first_row`` on to fit its tallest wrapped cell.

    ``widths`` maps column letters to their widths (the ones set on the sheet);
    columns not in it are not measured. Rows needing one line keep Excel's
    default height.
    """
    for row in sheet.iter_rows(min_row=first_row):
        lines = max((lines_needed(cell.value, widths[cell.column_letter], font_scale)
                     for cell in row if cell.column_letter in widths and cell.value is not None), default=1)
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = math.ceil(lines * LINE_POINTS * font_scale)
