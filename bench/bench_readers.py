"""Time three readers on a real-sized submission: every cell of every sheet, best of N.

Writes (openpyxl, write-only) a valid workbook for NS-HFX 2024-25-Q4 with
``--rows`` rows (5,000 by default) in each of Connectees, Connectors,
Introductions and Jobs, with realistic cells: names, emails, phones, dates as
date cells, Yes/No text, NOC codes as text. Then reads every cell with:

- openpyxl (``read_only=True``, ``iter_rows(values_only=True)``),
- python-calamine (``get_sheet_by_name(...).to_python()``),
- fastexcel (``read_excel(...).load_sheet(..., header_row=None)`` to Arrow): the
  ``[bench]`` extra, ``.venv/bin/pip install -c constraints.txt -e '.[bench]'``;
  left out, and said so, when it is not installed.

The same workbook is also rewritten with a shared-string table, as Excel saves
it (openpyxl writes inline strings), since the readers' costs differ.

    .venv/bin/python bench/bench_readers.py [--rows 5000] [--repeat 5] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl

SHEETS = ("Submission", "Connectees", "Connectors", "Introductions", "Jobs")
FIRST = (
    "Ana",
    "Bob",
    "Chen",
    "Darya",
    "Émilie",
    "Farid",
    "Grace",
    "Hao",
    "Ines",
    "Jean-Luc",
    "Kwame",
    "Lucía",
    "Mohammed",
    "Nadia",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tran",
)
LAST = (
    "Silva",
    "Smith",
    "Nguyen",
    "Okafor",
    "Tremblay",
    "Gagnon",
    "Patel",
    "Kim",
    "Haddad",
    "Martin",
    "Côté",
    "Singh",
    "Roy",
    "Chen",
    "MacDonald",
    "Ali",
    "Ivanova",
    "Lopez",
)
COUNTRIES = (
    "Brazil",
    "India",
    "Nigeria",
    "Philippines",
    "Syria",
    "China",
    "France",
    "Iran",
    "Colombia",
    "Ukraine",
)
CATEGORIES = (
    "Newcomer",
    "International student",
    "International graduate",
    "Local graduate",
    "Local",
    "Other",
)
NOCS = ("21300", "21231", "13110", "11100", "41200", "31102", "22310", "10010", "00012", "62020")
TITLES = (
    "Civil engineer",
    "Software developer",
    "Accountant",
    "Nurse",
    "Teacher",
    "Administrative officer",
    "Electrician",
    "Sales manager",
)
ORGS = (
    "Acme Engineering",
    "Bluenose Bank",
    "Harbour Health",
    "Citadel Software",
    "Dal University",
    "Province of Nova Scotia",
    "Maritime Logistics Ltd",
    "Halifax Port Authority",
)
SECTORS = ("Engineering", "Finance", "Health", "IT", "Education", "Government", "Logistics")
CHANNELS = (
    "Word of mouth",
    "LinkedIn",
    "Personal contact",
    "Professional contact",
    "Referral",
    "Other",
)
OUTCOMES = ("Information", "Job shadow", "Interview", "Job offer", "Other", None)
EMPLOYMENT = ("Full time", "Part time", "Contract", "Seasonal")


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _phone(rng: random.Random) -> str:
    return f"902-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def write_bench_workbook(path: Path, rows: int = 5000, seed: int = 7) -> Path:
    """A valid submission with ``rows`` data rows in each of the four data sheets."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Submission")
    for row in (
        ["Field", "Value"],
        ["Community code", "NS-HFX"],
        ["Reporting quarter", "2024-25-Q4"],
        ["Submitted on", dt.date(2025, 4, 15)],
        ["Coordinator name", "Pat Coordinator"],
        ["Coordinator email", "pat@example.ca"],
        ["Tracks jobs", "Yes"],
    ):
        ws.append(row)

    ws = wb.create_sheet("Connectees")
    ws.append(
        [
            "Connectee ID *",
            "First name *",
            "Last name *",
            "Email",
            "Phone",
            "Category *",
            "Country of origin",
            "Official language *",
            "Home occupation NOC",
            "Home occupation title",
            "Application date *",
            "Accepted *",
            "Intake meeting date",
            "Withdrawn",
        ]
    )
    for i in range(1, rows + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        applied = _date(rng, dt.date(2019, 4, 1), dt.date(2025, 3, 1))
        accepted = rng.random() < 0.85
        ws.append(
            [
                f"E{i:05d}",
                first,
                last,
                f"{first.lower()}.{last.lower()}{i}@example.ca",
                _phone(rng),
                rng.choice(CATEGORIES),
                rng.choice(COUNTRIES),
                rng.choice(("English", "French", "Both")),
                rng.choice(NOCS),
                rng.choice(TITLES),
                applied,
                "Yes" if accepted else "No",
                applied + dt.timedelta(days=rng.randint(1, 25)) if accepted else None,
                "Yes" if rng.random() < 0.03 else "No",
            ]
        )

    ws = wb.create_sheet("Connectors")
    ws.append(
        [
            "Connector ID *",
            "First name *",
            "Last name *",
            "Email",
            "Phone",
            "Organization",
            "Job title",
            "Sector",
            "Recruited via",
            "Orientation meeting date",
            "Toolkit received *",
            "Withdrawn",
        ]
    )
    for i in range(1, rows + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        ws.append(
            [
                f"C{i:05d}",
                first,
                last,
                f"{first.lower()}.{last.lower()}{i}@example.org",
                _phone(rng),
                rng.choice(ORGS),
                rng.choice(TITLES),
                rng.choice(SECTORS),
                rng.choice(CHANNELS),
                _date(rng, dt.date(2015, 1, 1), dt.date(2025, 3, 1)),
                rng.choice(("Yes", "No")),
                "No",
            ]
        )

    ws = wb.create_sheet("Introductions")
    ws.append(
        ["Connectee ID *", "Connector ID *", "Introduction date *", "Introduced by", "Outcome"]
    )
    for _ in range(1, rows + 1):
        ws.append(
            [
                f"E{rng.randint(1, rows):05d}",
                f"C{rng.randint(1, rows):05d}",
                _date(rng, dt.date(2019, 5, 1), dt.date(2025, 3, 31)),
                rng.choice(("Coordinator", "Connector")),
                rng.choice(OUTCOMES),
            ]
        )

    ws = wb.create_sheet("Jobs")
    ws.append(
        [
            "Connectee ID *",
            "Employer *",
            "Job title *",
            "Job NOC",
            "Start date *",
            "Employment type",
            "In field *",
            "Matches experience *",
            "Withdrawn",
        ]
    )
    for i in range(1, rows + 1):
        ws.append(
            [
                f"E{i:05d}",
                rng.choice(ORGS),
                rng.choice(TITLES),
                rng.choice(NOCS),
                _date(rng, dt.date(2019, 6, 1), dt.date(2025, 3, 31)),
                rng.choice(EMPLOYMENT),
                rng.choice(("Yes", "No")),
                rng.choice(("Yes", "No")),
                "No",
            ]
        )
    path = Path(path)
    wb.save(path)
    return path


_INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>'
)


def to_shared_strings(src: Path, dst: Path) -> Path:
    """Rewrite inline strings (what openpyxl writes) as a shared-string table (what Excel writes)."""
    table: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        index = table.setdefault(match[3], len(table))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2], index)

    with zipfile.ZipFile(src) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/"):
            parts[name] = _INLINE.sub(shared, parts[name])
    items = b"".join(b"<si><t>%s</t></si>" % text for text in table)
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
        % (len(table), len(table), items)
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        (
            b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
    )
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return dst


def read_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(len(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def read_calamine(path: Path) -> int:
    import python_calamine

    book = python_calamine.load_workbook(path)
    return sum(
        len(row)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    )


def read_fastexcel(path: Path) -> int:
    import fastexcel

    reader = fastexcel.read_excel(path)
    cells = 0
    for name in reader.sheet_names:
        table = reader.load_sheet(name, header_row=None).to_arrow()
        cells += table.num_rows * table.num_columns
    return cells


READERS = {"openpyxl": read_openpyxl, "python-calamine": read_calamine, "fastexcel": read_fastexcel}


def best_of(fn, repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    return timed(fn, repeat)[0]


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(best wall time, CPU time of that run, median wall time) of ``repeat`` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    walls = sorted(wall for wall, _ in runs)
    best = min(runs)
    return best[0], best[1], walls[len(walls) // 2]


FASTEXCEL_MISSING = (
    "fastexcel is not installed, so it is left out: install it with "
    "`.venv/bin/pip install -c constraints.txt -e '.[bench]'`"
)


def time_readers(path: Path, repeat: int = 5, readers=READERS) -> dict[str, tuple[float, int]]:
    """Reader name -> (best time in seconds, cells read), after one warm-up read each.

    fastexcel is the ``[bench]`` extra: without it, its reader is left out, and said so.
    """
    out = {}
    for name, fn in readers.items():
        try:
            cells = fn(path)
        except ModuleNotFoundError as exc:
            if exc.name != "fastexcel":
                raise
            print(FASTEXCEL_MISSING, file=sys.stderr)
            continue
        out[name] = (best_of(lambda fn=fn: fn(path), repeat), cells)
    return out


def bench_workbooks(folder: Path, rows: int = 5000) -> dict[str, Path]:
    """The benchmark workbook as openpyxl writes it (inline strings) and as Excel would (shared strings)."""
    inline = write_bench_workbook(folder / "bench-inline.xlsx", rows)
    return {
        "inline strings (openpyxl)": inline,
        "shared strings (Excel)": to_shared_strings(inline, folder / "bench-shared.xlsx"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep", type=Path, default=None, help="Write the workbooks in this folder and keep them."
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        books = bench_workbooks(folder, args.rows)
        print(f"Wrote {args.rows} rows x 4 data sheets in {time.perf_counter() - start:.1f} s")
        for label, path in books.items():
            results = time_readers(path, args.repeat)
            fastest = min(t for t, _ in results.values())
            print(f"\n{label}: {path.name}, {path.stat().st_size / 1e6:.2f} MB")
            print(
                f"{'reader':<16} {'best of ' + str(args.repeat):>10} {'cells':>8} {'vs fastest':>11}"
            )
            for name, (seconds, cells) in sorted(results.items(), key=lambda kv: kv[1][0]):
                print(
                    f"{name:<16} {seconds * 1000:>8.1f} ms {cells:>8} {seconds / fastest:>10.1f}x"
                )


if __name__ == "__main__":
    sys.exit(main())
