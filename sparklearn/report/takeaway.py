"""A report's tables to take away: every table of a rendered report in one Excel workbook.

Readers asked to work with the numbers they see, not to copy them out of a web page.
:func:`report_tables` reads the tables of a rendered report page (the HTML tables of
the executed notebook's outputs, in page order, each named after its caption or else
the heading above it) and :func:`tables_workbook` writes them into one workbook: a
*Contents* sheet (the report, the synthetic-data note when there is one, and each
sheet's full title and section), then one sheet per table, the title in the first row
and the table from the third.

What is read is the page a reader sees, after escaping and sanitising, so the workbook
holds exactly the report's tables. Cells spanning several rows (the row labels of a
grouped table) are repeated in each row, so that the sheet can be sorted and
filtered; a heading spanning several columns stands in its first column. Numbers as
the report shows them (``12``, ``0.28``, ``1,204``, ``58.6%``, ``−3``) become numbers
with the same number of decimals; everything else stays text. Every cell goes
through :func:`sparklearn.files.put_cell` (text from the data is never a formula).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sparklearn.files import put_cell

#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


_SHEET_MAX = 31


_NUMBER = re.compile(r"(?P<sign>[-\u2212]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?(?P<pct>%?)")


@dataclass(frozen=True)
class ReportTable:
    """One table of a report: its sheet name, title, section and cells.

    ``rows`` is the table as a grid of strings (every row as long as the widest),
    header rows first (``n_header`` of them).
    """

    sheet: str
    title: str
    section: str
    rows: list[list[str]]
    n_header: int


def report_tables(page: str) -> list[ReportTable]:
    """The tables of a rendered report page, in page order, each with a unique sheet name.

    Parameters
    ----------
    page
        A report's HTML (a whole page or a fragment).

    Returns
    -------
    list of ReportTable
        ``sheet`` (at most 31 characters, unique, none of ``[]:*?/\\``), ``title``
        (the table's caption, else the heading above it, else "Table n"), ``section``
        (the ``h2`` above it), ``rows``, ``n_header``.

    Examples
    --------
    >>> page = ('<h2>Outcomes</h2><table><caption>Outcomes by level</caption><thead><tr><th>Level</th>'
    ...         '<th>Outcomes</th></tr></thead><tbody><tr><th>Local</th><td>12</td></tr></tbody></table>'
    ...         '<h3>When</h3><table><tr><td>2023</td></tr></table>')
    >>> [(t.sheet, t.section, t.rows, t.n_header) for t in report_tables(page)]
    [('Outcomes by level', 'Outcomes', [['Level', 'Outcomes'], ['Local', '12']], 1), ('When', 'Outcomes', [['2023']], 0)]
    """
    import lxml.html

    if not page.strip():
        return []
    root = lxml.html.fromstring(page)
    scope = root.find(".//main")
    scope = root if scope is None else scope
    found, section, heading, used = [], "", "", set()
    for element in scope.iter("h2", "h3", "h4", "table"):
        if element.tag != "table":
            heading = _text(element).rstrip("¶").strip()
            if element.tag == "h2":
                section = heading
            continue
        if next(element.iterancestors("table"), None) is not None:
            continue  # a table inside a cell belongs to that cell's text
        caption = element.find("caption")
        title = _text(caption) if caption is not None else ""
        title = title or heading or f"Table {len(found) + 1}"
        rows, n_header = _grid(element)
        if rows:
            found.append(ReportTable(_sheet_name(title, used), title, section, rows, n_header))
    return found


def tables_workbook(tables: Sequence[ReportTable], *, title: str, note: str | None = None) -> bytes:
    """One Excel workbook holding every table: a Contents sheet, then a sheet per table.

    Parameters
    ----------
    tables
        From :func:`report_tables`.
    title
        The report's title (first line of the Contents sheet).
    note
        A line shown under the title (the synthetic-data note), or None.

    Returns
    -------
    bytes
        The ``.xlsx`` file.

    Examples
    --------
    >>> import openpyxl
    >>> tables = report_tables('<h2>When</h2><table><tr><th>Year</th><th>Share</th></tr>'
    ...                        '<tr><td>2023</td><td>58.6%</td></tr><tr><td>=1+1</td><td>0.50</td></tr></table>')
    >>> book = openpyxl.load_workbook(io.BytesIO(tables_workbook(tables, title="Kenya")))
    >>> book.sheetnames
    ['Contents', 'When']
    >>> [[c.value for c in row] for row in book["When"].iter_rows(min_row=3)]
    [['Year', 'Share'], [2023, 0.586], ["'=1+1", 0.5]]
    >>> book["When"]["B4"].number_format, book["When"]["B5"].number_format
    ('0.0%', '0.00')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    put_cell(contents, 1, 1, title).font = Font(bold=True, size=13)
    line = 2
    if note:
        put_cell(contents, line, 1, note).font = Font(bold=True)
        line += 1
    put_cell(contents, line, 1, "The report's tables, one sheet each, in the order the report shows them.")
    line += 2
    for column, heading in enumerate(("Sheet", "Table", "Section"), start=1):
        put_cell(contents, line, column, heading).font = Font(bold=True)
    for table in tables:
        line += 1
        for column, value in enumerate((table.sheet, table.title, table.section), start=1):
            put_cell(contents, line, column, value)
    contents.column_dimensions["A"].width = 32
    contents.column_dimensions["B"].width = 60
    contents.column_dimensions["C"].width = 32

    for table in tables:
        sheet = book.create_sheet(table.sheet)
        put_cell(sheet, 1, 1, table.title).font = Font(bold=True)
        for r, row in enumerate(table.rows, start=3):
            for c, text in enumerate(row, start=1):
                value, number_format = cell_value(text)
                cell = put_cell(sheet, r, c, value)
                if number_format:
                    cell.number_format = number_format
                if r - 3 < table.n_header:
                    cell.font = Font(bold=True)
        if table.n_header:
            sheet.freeze_panes = sheet.cell(3 + table.n_header, 1)
        for c in range(1, max(len(row) for row in table.rows) + 1):
            longest = max(len(row[c - 1]) for row in table.rows)
            sheet.column_dimensions[sheet.cell(1, c).column_letter].width = min(60, max(8, longest + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell_value(text: str) -> tuple[object, str | None]:
    """A table cell's text as a workbook value: a number with its shown decimals, else the text.

    Parameters
    ----------
    text
        The cell's text as the report shows it.

    Returns
    -------
    tuple
        (value, number format or None). Empty text is None (an empty cell).

    Examples
    --------
    >>> cell_value("12"), cell_value("1,204"), cell_value("0.28"), cell_value("58.6%"), cell_value("\u22123")
    ((12, '0'), (1204, '#,##0'), (0.28, '0.00'), (0.586, '0.0%'), (-3, '0'))
    >>> cell_value("0.28 (0.20 to 0.37)"), cell_value("007"), cell_value("")
    (('0.28 (0.20 to 0.37)', None), ('007', None), (None, None))
    """
    text = text.strip()
    if not text:
        return None, None
    match = _NUMBER.fullmatch(text)
    digits = match and match["int"].replace(",", "")
    if not match or (len(digits) > 1 and digits.startswith("0")) or len(digits) > 15:
        return text, None
    decimals = match["dec"] or ""
    grouping = "#,##0" if "," in match["int"] else "0"
    number_format = grouping + ("." + "0" * len(decimals) if decimals else "")
    sign = -1 if match["sign"] else 1
    if match["pct"]:
        return sign * round(float(f"{digits}.{decimals or 0}") / 100, len(decimals) + 2), number_format + "%"
    if decimals:
        return sign * float(f"{digits}.{decimals}"), number_format
    return sign * int(digits), number_format


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 1000)
    except ValueError:
        return 1


def _grid(table) -> tuple[list[list[str]], int]:
    """A table's cells as a rectangular grid of strings, and how many of its rows are header rows."""
    head = table.xpath("./thead/tr")
    rows = [*head, *table.xpath("./tr | ./tbody/tr | ./tfoot/tr")]
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.xpath("./th | ./td"):
            while (r, c) in grid:
                c += 1
            text, down, across = _text(cell), _span(cell.get("rowspan")), _span(cell.get("colspan"))
            for dr in range(min(down, len(rows) - r)):
                for dc in range(across):
                    grid[(r + dr, c + dc)] = text if dc == 0 else ""
            c += across
    if not grid:
        return [], 0
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))], len(head)


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name from a title: Excel's rules (31 characters, no ``[]:*?/\\``), unique in ``used``."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()).strip("'") or "Table"
    base = "Table" if base.lower() in ("contents", "history") else base
    name, n = base[:_SHEET_MAX].rstrip(), 1
    while name.lower() in used:
        n += 1
        suffix = f" ({n})"
        name = base[:_SHEET_MAX - len(suffix)].rstrip() + suffix
    used.add(name.lower())
    return name
