"""The one writer of the registers a country team keeps in Excel: the outcome harvest and the decisions register.

Stage: report (files for leads). Both registers are read back as input
(:func:`sparklearn.ingest.harvest.read_harvest`, :func:`sparklearn.ingest.decisions.read_decisions`),
so both have the same house layout, written here once (:func:`write_register`):

- the register's sheet first: one header row (white on dark blue, frozen with the first
  column), a row per record, wrapped text, each column's width, dates as
  ``yyyy-mm-dd``, an auto filter; the records' text typed as text and kept as written
  (:func:`sparklearn.files.put_input_cell`), so ``=1+1`` is shown, never calculated, and
  reads back as typed;
- a strict dropdown (a list validation pointing at a range of the hidden "Lists"
  sheet, so that long lists are not cut at Excel's 255 characters) on each column with a
  list, an input message (what to write) on every other column, down to ``spare_rows``
  below the last record, so that rows the team adds get them too;
- a "Guidance" sheet second: a few lines on the register, then one row per column
  (its header, whether it is required, what to write, the allowed values);
- the hidden "Lists" sheet last: each dropdown's ids and labels, two columns per list.

What each register puts in its columns, lists and guidance stays with it
(:mod:`sparklearn.report.sheets` for the harvest, :mod:`sparklearn.report.decision_sheets`
for the decisions register).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sparklearn.exceptions import ParameterError
from sparklearn.files import put_cell, put_input_cell, save_workbook

#: Excel's limit on the characters of one cell.
EXCEL_CELL_LIMIT = 32_767

#: The header row's colours: white text on the house's dark blue.
_HEADER_FILL, _HEADER_TEXT = "1F4E79", "FFFFFF"


@dataclass(frozen=True)
class Register:
    """What a register's workbook holds besides its records: columns, dropdowns, messages, guidance.

    Attributes
    ----------
    sheet
        The register's sheet name ("Outcomes", "Decisions").
    columns
        The register's columns, in order; ``headers`` gives each its header text.
    headers, widths, prompts
        Column -> header text, width (Excel character units), input message (cut to
        Excel's 255 characters at a word).
    lists
        Column -> its dropdown's ``id``/``label`` table, in the order the Lists sheet
        keeps them.
    free
        Columns with a list (in the Guidance sheet and the Lists sheet) that take
        several ids per cell: an input message, not a strict dropdown.
    dates
        Columns holding dates (shown as ``yyyy-mm-dd``).
    required
        Column -> the word the Guidance sheet shows for it ("yes", "recommended"...).
    guidance
        Column -> what to write in it (the Guidance sheet's third column).
    intro
        The Guidance sheet's opening lines; the first is its title (bold).
    unlisted
        List columns whose values the Guidance sheet does not repeat (a long list of
        sessions, say); their dropdown still has them.
    spare_rows
        Rows below the last record that keep the dropdowns and messages.
    """

    sheet: str
    columns: Sequence[str]
    headers: Mapping[str, str]
    widths: Mapping[str, float]
    prompts: Mapping[str, str]
    lists: Mapping[str, pd.DataFrame]
    required: Mapping[str, str]
    guidance: Mapping[str, str]
    intro: Sequence[str]
    free: Collection[str] = ()
    dates: Collection[str] = ()
    unlisted: Collection[str] = ()
    spare_rows: int = 500
    note: str | None = field(default=None)


def prompt_text(text: str) -> str:
    """An input message Excel accepts: at most 255 characters, cut at a word with ``...``.

    Examples
    --------
    >>> prompt_text("short"), len(prompt_text("word " * 80))
    ('short', 252)
    """
    return text if len(text) <= 255 else text[:252].rsplit(" ", 1)[0] + "..."


def write_register(records: pd.DataFrame, path: str | Path, register: Register) -> Path:
    """Write a register's records (maybe none: a template) as a workbook in the house layout.

    Parameters
    ----------
    records
        One row per record, the cell values in ``register.columns`` (missing columns are
        left empty; ``None`` or NA is an empty cell; dates as ``datetime.date``).
    path
        The ``.xlsx`` file to write (atomically, folders created).
    register
        The register's columns, dropdowns, messages and guidance (:class:`Register`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ParameterError
        A cell longer than Excel's 32,767 characters (naming its row and column).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> lists = {"status": pd.DataFrame({"id": ["open", "done"], "label": ["Open", "Done"]})}
    >>> register = Register(sheet="Tasks", columns=["task", "status"], headers={"task": "Task", "status": "Status"},
    ...                     widths={"task": 40, "status": 12}, prompts={"task": "What to do", "status": "Where it is"},
    ...                     lists=lists, required={"task": "yes", "status": "no"},
    ...                     guidance={"task": "What to do", "status": "Where it is"}, intro=["Tasks"])
    >>> p = write_register(pd.DataFrame({"task": ["=1+1"], "status": ["open"]}),
    ...                    Path(tempfile.mkdtemp()) / "tasks.xlsx", register)
    >>> book = openpyxl.load_workbook(p)
    >>> book.sheetnames, book["Tasks"]["A2"].value, book["Lists"].sheet_state
    (['Tasks', 'Guidance', 'Lists'], '=1+1', 'hidden')
    """
    from openpyxl import Workbook

    values = _cell_values(records, register)
    book = Workbook()
    sheet = book.active
    sheet.title = register.sheet
    last = len(values) + 1 + register.spare_rows
    _records_sheet(sheet, values, register)
    _lists_sheet(book.create_sheet("Lists"), register.lists)
    _validations(sheet, register, last)
    _guidance_sheet(book.create_sheet("Guidance", 1), register)
    return save_workbook(book, Path(path))


def _cell_values(records: pd.DataFrame, register: Register) -> pd.DataFrame:
    """The records' cells in the register's columns: NA as None, control characters (no .xlsx holds them) removed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    frame = records.reindex(columns=list(register.columns)).astype(object).reset_index(drop=True)
    frame = frame.where(frame.notna(), None)
    text = frame.map(lambda v: isinstance(v, str))
    too_long = text & frame.map(lambda v: isinstance(v, str) and len(v) > EXCEL_CELL_LIMIT)
    if too_long.to_numpy().any():
        row, column = too_long.stack().loc[lambda s: s].index[0]
        raise ParameterError(f"{register.sheet} row {row + 2}, column '{register.headers[column]}' is longer than "
                             f"Excel's {EXCEL_CELL_LIMIT:,} characters per cell; shorten it (or move the detail to "
                             "another file and name it)")
    return frame.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)


def _records_sheet(sheet, values: pd.DataFrame, register: Register) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    for j, column in enumerate(register.columns, start=1):
        cell = put_cell(sheet, 1, j, register.headers[column])
        cell.font = Font(bold=True, color=_HEADER_TEXT)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        # The column's own style, so that rows the team adds wrap (and show dates) as these do.
        dims = sheet.column_dimensions[get_column_letter(j)]
        dims.width = register.widths[column]
        dims.alignment = wrap
        if column in register.dates:
            dims.number_format = "yyyy-mm-dd"
    dated = [column in register.dates for column in register.columns]
    for i, row in enumerate(values.itertuples(index=False), start=2):
        for j, (value, date) in enumerate(zip(row, dated), start=1):
            cell = put_input_cell(sheet, i, j, value)  # read back as input: kept as typed, never a formula
            cell.alignment = wrap
            if date:
                cell.number_format = "yyyy-mm-dd"
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(register.columns))}{max(len(values) + 1, 2)}"


def _lists_sheet(sheet, lists: Mapping[str, pd.DataFrame]) -> None:
    for k, (column, table) in enumerate(lists.items()):
        # Codebook and registry text: a label starting with "=" is shown, never run.
        put_cell(sheet, 1, 2 * k + 1, column)
        put_cell(sheet, 1, 2 * k + 2, f"{column} (label)")
        for r, (ident, label) in enumerate(zip(table["id"], table["label"]), start=2):
            put_cell(sheet, r, 2 * k + 1, ident)
            put_cell(sheet, r, 2 * k + 2, label)
    sheet.sheet_state = "hidden"


def _validations(sheet, register: Register, last: int) -> None:
    """A strict dropdown on each list column (but the free ones), an input message on every column."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    listed = list(register.lists)
    for j, column in enumerate(register.columns, start=1):
        message = {"showInputMessage": True, "promptTitle": register.headers[column][:32],
                   "prompt": prompt_text(register.prompts[column])}
        if column in register.lists and column not in register.free:
            ids = get_column_letter(2 * listed.index(column) + 1)
            rule = DataValidation(type="list", formula1=f"=Lists!${ids}$2:${ids}${len(register.lists[column]) + 1}",
                                  allow_blank=True, showErrorMessage=True, errorTitle="Not in the list",
                                  error="Choose a value from the list; see the Guidance sheet for what each means.",
                                  **message)
        else:
            # Free text, dates that may be months, several ids in one cell: a message, no strict list.
            rule = DataValidation(allow_blank=True, **message)
        letter = get_column_letter(j)
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)


def _guidance_sheet(sheet, register: Register) -> None:
    from openpyxl.styles import Alignment, Font

    lines = [*([register.note] if register.note else []), *register.intro, ""]
    for r, line in enumerate(lines, start=1):
        put_cell(sheet, r, 1, line)  # the country's name and the note are text from the data
    sheet.cell(2 if register.note else 1, 1).font = Font(bold=True, size=13)
    header_row = len(lines) + 1
    for j, name in enumerate(("Column", "Required", "What to write", "Allowed values (id = label)"), start=1):
        put_cell(sheet, header_row, j, name).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, column in enumerate(register.columns, start=header_row + 1):
        table = register.lists.get(column)
        allowed = "\n".join(f"{i} = {label}" for i, label in zip(table["id"], table["label"])) \
            if table is not None and column not in register.unlisted else ""
        for j, value in enumerate((register.headers[column], register.required[column], register.guidance[column],
                                   allowed), start=1):
            put_cell(sheet, r, j, value).alignment = wrap
    for letter, width in zip("ABCD", (22, 12, 70, 70)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
