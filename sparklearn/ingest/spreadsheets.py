"""Reading the spreadsheets users keep (CSV and Excel), with row numbers as they see them.

Stage: ingest (the lowest step: every reader of a user's sheet builds on it). Every
reader in sparklearn goes through :func:`read_table` (or, for a harvest's cells,
:func:`open_workbook`) so that row numbers in problem reports match what a research
lead sees in Excel: the header is row 1 (after any leading comment lines, which are
counted), the first data row is row 2. Headers are normalised to snake_case
(:func:`normalise_header`) so renamed-by-case or reordered columns still match; blank
rows are skipped and counted, never silently.

What a file may be
    CSV is read by :func:`sparklearn.ingest.text.read_text_file`: UTF-8 with or without
    a byte-order mark, UTF-16 with one (Excel's "Unicode Text"), else Windows-1252 (what
    Excel on Windows saves as "CSV"), which ``frame.attrs["fell_back"]`` reports so that
    the reader can warn about accents. A workbook is opened only after
    :func:`sparklearn.ingest.archives.open_archive` has checked it is a zip within the
    limits, so an empty, encrypted, truncated or old ``.xls`` workbook, or a CSV file
    saved with an ``.xlsx`` name, gets a message saying which, never a traceback.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import pandas as pd

from sparklearn.exceptions import InputError
from sparklearn.ingest.archives import open_archive, read_member
from sparklearn.ingest.problems import problem_record
from sparklearn.ingest.text import MAX_WORKBOOK_BYTES, check_size, read_text_file

#: Column names sparklearn adds to every table read; a sheet may not use them itself.
SOURCE_COLUMNS = ("source_file", "source_row")


_WORKBOOK = "an Excel workbook (.xlsx)"


_RESAVE = "open it in Excel and save it again as an Excel Workbook (.xlsx)"


_CSV_NAMED_XLSX = "if it is a CSV file, rename it to .csv; otherwise open it in Excel and save it as .xlsx"


def normalise_header(name: object) -> str:
    """Turn a spreadsheet header into a snake_case column name.

    Examples
    --------
    >>> normalise_header("  Outcome ID ")
    'outcome_id'
    >>> normalise_header("Type of change (see list)")
    'type_of_change_see_list'
    """
    text = str(name).strip().lower()
    text = re.sub(r"[^0-9a-z]+", "_", text)
    return text.strip("_")


#: pandas' name for a column whose header cell is empty.
_UNNAMED = re.compile(r"Unnamed: \d+")


def header_labels(headers: Sequence[object], *, workbook: bool) -> dict[str, str]:
    """How problems name each column: the header as the file writes it, and in a workbook its letter.

    A research lead looks for the header they see, not sparklearn's snake_case name, so
    every reader names a column by this label. The header's text is kept as written,
    only runs of spaces and line breaks (Alt+Enter in Excel) made one space. A column
    with an empty header is named by its position.

    Parameters
    ----------
    headers
        The header row's cells, from the first column (A) on.
    workbook
        True for an ``.xlsx`` sheet: the label ends with the Excel column letter.

    Returns
    -------
    dict
        Column name as :func:`normalise_header` makes it (``unnamed_<i>`` for an empty
        header, ``i`` counted from 0) -> label, e.g. ``'Due by (I)'``.

    Examples
    --------
    >>> header_labels(["Decision ID", "Due\\nby", None], workbook=True)
    {'decision_id': 'Decision ID (A)', 'due_by': 'Due by (B)', 'unnamed_2': '(no header) (C)'}
    >>> header_labels(["decision_id", ""], workbook=False)
    {'decision_id': 'decision_id', 'unnamed_1': '(no header, column 2)'}
    """
    from openpyxl.utils import get_column_letter

    labels = {}
    for i, header in enumerate(headers):
        text = "" if header is None or _UNNAMED.fullmatch(str(header)) else " ".join(str(header).split())
        name = normalise_header(text) or f"unnamed_{i}"
        where = f" ({get_column_letter(i + 1)})" if workbook else ""
        if not text:
            text, where = ("(no header)", where) if workbook else (f"(no header, column {i + 1})", "")
        labels.setdefault(name, text + where)
    return labels


def _unmangled(column: object, columns) -> object:
    """The header as written, for a column pandas renamed because its header repeats an earlier one ("X.1")."""
    found = re.fullmatch(r"(.+)\.\d+", column) if isinstance(column, str) else None
    return found.group(1) if found and found.group(1) in columns else column


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _leading_comment_lines(text: str) -> int:
    n = 0
    for line in text.splitlines():
        if line.startswith("#"):
            n += 1
        else:
            break
    return n


def _read_csv(path: Path, what: str) -> tuple[pd.DataFrame, int, bool]:
    decoded = read_text_file(path, what=what)
    text = decoded.text
    if not text.strip():
        raise InputError(f"{what} is empty", file=path, fix="export the sheet again with its header row")
    skip = _leading_comment_lines(text)
    try:
        frame = pd.read_csv(
            StringIO(text), skiprows=skip, dtype=str, keep_default_na=False,
            skip_blank_lines=False, sep=_separator(text, skip),
        )
    except pd.errors.ParserError as err:
        raise _csv_error(str(err), path) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file has no header row", file=path,
                         fix="add the header row the template starts with") from None
    return frame, skip, decoded.fell_back


def _separator(text: str, skip: int) -> str:
    """The header row's separator: a comma, or the semicolon Excel writes in French and other locales
    where the comma is the decimal mark, or the tab of Excel's "Unicode Text"; the one the header uses most."""
    lines = text.splitlines()
    header = lines[skip] if skip < len(lines) else ""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


def _csv_error(message: str, path: Path) -> InputError:
    """pandas' tokenizer message in the user's words, at the line it names."""
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        line = int(quote.group(1)) + 1  # the tokenizer counts lines from 0
        return InputError(f"a quoted cell that starts on line {line} is never closed", file=path, row=line,
                          fix="close the quote (\") or remove it; a quote inside a cell is written twice (\"\")")
    cells = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if cells:
        want, line, got = map(int, cells.groups())
        return InputError(f"line {line} has {got} cells but the header has {want}", file=path, row=line,
                          fix="remove the stray delimiter, or put the cell that holds a comma in quotes")
    return InputError(f"cannot be read as CSV: {message}", file=path,
                      fix="check for unbalanced quotes or a stray delimiter")


def open_workbook(path: str | Path, *, data_only: bool = True, read_only: bool = False):
    """An openpyxl workbook, after checking the file is a workbook within the limits.

    Parameters
    ----------
    path
        An ``.xlsx`` or ``.xlsm`` file.
    data_only
        Cell values as Excel last saved them (formulas give their results).
    read_only
        openpyxl's streaming mode.

    Returns
    -------
    openpyxl.Workbook
        The caller closes it.

    Raises
    ------
    InputError
        Larger than :data:`~sparklearn.textfiles.MAX_WORKBOOK_BYTES`, empty, not a zip
        (saying what it is instead: encrypted, old ``.xls``, a text file), damaged, over
        an archive limit, or refused by openpyxl.
    """
    import openpyxl

    path = Path(path)
    check_size(path, what="the workbook", max_bytes=MAX_WORKBOOK_BYTES)
    with open_archive(path, expected=_WORKBOOK, fix=_RESAVE, text_fix=_CSV_NAMED_XLSX):
        pass
    try:
        return openpyxl.load_workbook(path, data_only=data_only, read_only=read_only)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise InputError(f"is damaged: a part of the workbook cannot be unpacked ({err})", file=path,
                         fix="copy the file again from where it was saved, or open it in Excel and save it "
                             "again") from None
    except Exception as err:  # openpyxl raises many unrelated types for broken files  # noqa: BLE001
        raise InputError(f"cannot be opened as an Excel workbook ({type(err).__name__}: {err})",
                         file=path, fix=_RESAVE) from None


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, int, bool, str]:
    book = open_workbook(path)
    try:
        if sheet is None:
            sheet_name: str | int = 0
        elif isinstance(sheet, str):
            wanted = {normalise_header(s): s for s in book.sheetnames}
            if normalise_header(sheet) not in wanted:
                raise InputError(f"has no sheet named '{sheet}' (sheets: {', '.join(book.sheetnames)})",
                                 file=path, fix=f"rename the data sheet to '{sheet}'")
            sheet_name = wanted[normalise_header(sheet)]
        else:
            sheet_name = sheet
        title = sheet_name if isinstance(sheet_name, str) else book.sheetnames[sheet_name]
        try:
            frame = pd.read_excel(book, sheet_name=sheet_name, dtype=str, keep_default_na=False, na_filter=False,
                                  engine="openpyxl")
        except InputError:
            raise
        except Exception as err:  # a sheet openpyxl opened may still hold cells it cannot read  # noqa: BLE001
            raise InputError(f"a sheet cannot be read ({type(err).__name__}: {err})", file=path,
                             fix=_RESAVE) from None
    finally:
        book.close()
    return frame, 0, False, title


def unsaved_formulas(path: Path, title: str, header_row: int, frame: pd.DataFrame,
                     names: Sequence[str]) -> list[dict]:
    """Problems for formula cells without a result saved by Excel (openpyxl cannot calculate them).

    A workbook written by a program other than Excel (or a formula typed in and never
    saved by Excel) holds the formula but no value: read as values, the cell is empty,
    and the lead would never learn why. Each such cell is an error at its row.

    Parameters
    ----------
    path, title
        The workbook and its sheet.
    header_row
        The sheet row of the header (data start below it).
    frame
        The sheet as read (values), columns in sheet order, one row per sheet row below
        the header: a formula counts only where the value read is empty.
    names
        What to call each column in the problem (the file's label, :func:`header_labels`).

    Returns
    -------
    list of dict
        Problem records (:func:`sparklearn.ingest.problems.problem_record`).
    """
    with open_archive(path, expected="an Excel workbook (.xlsx)", fix="save it again as .xlsx") as archive:
        has_formula = any(re.search(rb"<f[ >/]", read_member(archive, n, file=path)) for n in archive.namelist()
                          if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not has_formula:
        return []
    book = open_workbook(path, read_only=True, data_only=False)
    found = []
    for r, row in enumerate(book[title].iter_rows(min_row=header_row + 1), start=header_row + 1):
        for cell in row:
            col = getattr(cell, "column", None)
            at = r - header_row - 1
            # pandas leaves out trailing rows it read as empty: a formula there read as empty too.
            if getattr(cell, "data_type", None) == "f" and col and col - 1 < frame.shape[1] \
                    and (at >= len(frame) or frame.iat[at, col - 1] in ("", None)):
                found.append(problem_record(str(path), r, names[col - 1] if col - 1 < len(names) else "", str(cell.value),
                                      "formula without a saved result",
                                      "open the file in Excel and save it (Excel stores formula results), "
                                      "or type the value instead of the formula"))
    book.close()
    return found


def read_table(path: str | Path, *, sheet: str | int | None = None, what: str = "the sheet") -> pd.DataFrame:
    """Read a CSV or XLSX sheet as text columns plus where each row came from.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx`` file. CSVs may be UTF-8 (with or without a byte-order
        mark), UTF-16 with a byte-order mark, or Windows-1252, and may begin with ``#``
        comment lines.
    sheet
        For workbooks, the sheet name (matched case-insensitively) or index; default
        the first sheet.
    what
        What the file is to the user (``"the participants register"``), for messages.

    Returns
    -------
    pandas.DataFrame
        The sheet's columns with snake_case names, all as strings (empty cells are
        ``""``), plus ``source_file`` and ``source_row`` (the row number the user
        sees in Excel or a text editor). Fully blank rows are left out; their count
        is in ``frame.attrs["blank_rows"]``, the header's row in
        ``frame.attrs["header_row"]``. ``frame.attrs["fell_back"]`` is True when a CSV
        was not UTF-8 and was read as Windows-1252 (accents may be wrong).
        ``frame.attrs["headers"]`` gives each column's label for problems, the header
        as the file writes it (:func:`header_labels`: ``'Due by (I)'`` in a workbook).
        ``frame.attrs["unsaved_formulas"]``: the problems of formula cells Excel saved no
        result for (:func:`unsaved_formulas`), for the reader to report: such a cell
        reads as empty.

    Raises
    ------
    InputError
        The file is missing, a folder, empty, of another type, not text or not a
        workbook (saying what it is), damaged, too large, or has two columns of one name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("# SYNTHETIC\\nSession ID,Code\\nGH-S01,OA-POWER\\n,\\nGH-S02,SC-AGENCY\\n")
    >>> t = read_table(p)
    >>> t[["session_id", "code", "source_row"]].values.tolist()
    [['GH-S01', 'OA-POWER', 3], ['GH-S02', 'SC-AGENCY', 5]]
    >>> t.attrs["blank_rows"]
    1
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} is a folder, not a file", file=path,
                         fix="move the folder out of the data folder, or give it a name without .csv/.xlsx")
    if not path.exists():
        raise InputError("file not found", file=path, fix="check the path and the --data folder")
    suffix = path.suffix.lower()
    formulas: list[dict] = []
    if suffix == ".csv":
        frame, skip, fell_back = _read_csv(path, what)
    elif suffix in {".xlsx", ".xlsm"}:
        frame, skip, fell_back, title = _read_xlsx(path, sheet)
    else:
        raise InputError(f"unsupported file type '{suffix}'", file=path,
                         fix="save the sheet as .csv or .xlsx")
    # pandas renames a repeated header ("Status", "Status.1"): undo it, so that the repeat is caught below.
    written = [_unmangled(c, frame.columns) for c in frame.columns]
    labels = header_labels(written, workbook=suffix != ".csv")
    headers = [normalise_header(c) for c in written]
    dupes = sorted({h for h in headers if headers.count(h) > 1})
    if dupes:
        # Both places, so the lead finds the one to rename or delete.
        where = [f"{' '.join(str(written[i]).split())} ({_letter(i) if suffix != '.csv' else f'column {i + 1}'})"
                 for i, h in enumerate(headers) if h == dupes[0]]
        raise InputError(f"two columns have the same name: {' and '.join(repr(w) for w in where)}",
                         file=path, row=skip + 1, column=labels.get(dupes[0], where[0]),
                         fix="rename or delete one of the duplicated columns")
    if suffix != ".csv":
        # Before blank rows go: a row holding only unsaved formulas reads as blank.
        formulas = unsaved_formulas(path, title, skip + 1, frame, [labels[h] for h in headers])
    taken = [h for h in headers if h in SOURCE_COLUMNS]
    if taken:
        raise InputError(f"a column is headed '{taken[0]}', a name sparklearn keeps for where each row came from",
                         file=path, row=skip + 1, column=labels[taken[0]], fix="rename that column")
    frame.columns = headers
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("unnamed")
                                and (frame[c].astype(str).str.strip() == "").all()])
    frame = frame.astype(str).apply(lambda col: col.str.strip())
    # Header is row skip+1; the first data row is skip+2.
    frame["source_row"] = range(skip + 2, skip + 2 + len(frame))
    data_cols = [c for c in frame.columns if c != "source_row"]
    blank = (frame[data_cols] == "").all(axis=1) if data_cols else pd.Series(True, index=frame.index)
    frame = frame.loc[~blank].reset_index(drop=True)
    frame.insert(len(frame.columns) - 1, "source_file", str(path))
    frame.attrs["blank_rows"] = int(blank.sum())
    frame.attrs["fell_back"] = fell_back
    frame.attrs["header_row"] = skip + 1
    frame.attrs["headers"] = labels
    frame.attrs["unsaved_formulas"] = formulas
    return frame
