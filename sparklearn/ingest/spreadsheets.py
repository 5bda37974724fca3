"""(from tables.py)
Reading the spreadsheets users keep (CSV and Excel), with row numbers as they see them.

Every reader in sparklearn goes through :func:`read_table` so that row numbers in
problem reports match what a research lead sees in Excel: the header is row 1
(after any leading comment lines, which are counted), the first data row is row 2.
Headers are normalised to snake_case so renamed-by-case or reordered columns still
match; blank rows are skipped and counted, never silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sparklearn.exceptions import InputError

#: Encodings tried in order for CSV files. ``utf-8-sig`` also strips a byte-order
#: mark; cp1252 is what Excel on Windows writes for "CSV (Comma delimited)".
CSV_ENCODINGS = ("utf-8-sig", "cp1252")


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


def _leading_comment_lines(text: str) -> int:
    n = 0
    for line in text.splitlines():
        if line.startswith("#"):
            n += 1
        else:
            break
    return n


def _read_csv(path: Path) -> tuple[pd.DataFrame, int]:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("the file is empty", file=path, fix="export the sheet again with its header row")
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise InputError("the file is not UTF-8 or Windows-1252 text", file=path,
                         fix="save it from Excel as 'CSV UTF-8'")
    skip = _leading_comment_lines(text)
    from io import StringIO

    try:
        frame = pd.read_csv(
            StringIO(text), skiprows=skip, dtype=str, keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as err:
        raise InputError(f"cannot be read as CSV: {err}", file=path,
                         fix="check for unbalanced quotes or a stray delimiter on that line") from err
    except pd.errors.EmptyDataError as err:
        raise InputError("the file has no header row", file=path,
                         fix="add the header row the template starts with") from err
    return frame, skip


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, int]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:  # openpyxl raises several unrelated types for broken files
        raise InputError(f"cannot be opened as an Excel workbook ({type(err).__name__}: {err})",
                         file=path, fix="open it in Excel and save it again as .xlsx") from err
    if sheet is None:
        sheet_name: str | int = 0
    elif isinstance(sheet, str):
        wanted = {normalise_header(s): s for s in book.sheet_names}
        if normalise_header(sheet) not in wanted:
            raise InputError(f"has no sheet named '{sheet}' (sheets: {', '.join(book.sheet_names)})",
                             file=path, fix=f"rename the data sheet to '{sheet}'")
        sheet_name = wanted[normalise_header(sheet)]
    else:
        sheet_name = sheet
    frame = pd.read_excel(book, sheet_name=sheet_name, dtype=str, keep_default_na=False, na_filter=False)
    return frame, 0


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX sheet as text columns plus where each row came from.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx`` file. CSVs may be UTF-8 (with or without a byte-order
        mark) or Windows-1252, and may begin with ``#`` comment lines.
    sheet
        For workbooks, the sheet name (matched case-insensitively) or index; default
        the first sheet.

    Returns
    -------
    pandas.DataFrame
        The sheet's columns with snake_case names, all as strings (empty cells are
        ``""``), plus ``source_file`` and ``source_row`` (the row number the user
        sees in Excel or a text editor). Fully blank rows are left out; their count
        is in ``frame.attrs["blank_rows"]``.

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
    if not path.exists():
        raise InputError("file not found", file=path, fix="check the path and the --data folder")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame, skip = _read_csv(path)
    elif suffix in {".xlsx", ".xlsm"}:
        frame, skip = _read_xlsx(path, sheet)
    else:
        raise InputError(f"unsupported file type '{suffix}'", file=path,
                         fix="save the sheet as .csv or .xlsx")
    headers = [normalise_header(c) for c in frame.columns]
    dupes = sorted({h for h in headers if headers.count(h) > 1})
    if dupes:
        raise InputError("two columns have the same name", file=path, row=skip + 1,
                         column=dupes[0], fix="rename or delete one of the duplicated columns")
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
    return frame
