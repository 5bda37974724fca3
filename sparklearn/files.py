"""Writing files safely: atomic writes, file hashes, spreadsheet cells that cannot run.

Base layer: every stage that writes a file (``prepare``, ``report``, ``batch``) uses
these three helpers, and this module imports nothing from sparklearn, so any stage may
import it. One of each, so that a fix lands everywhere at once:

- :func:`write_atomic`: a file is written beside its target and moved into place with
  ``os.replace``, so an interrupted run leaves the previous file whole;
- :func:`sha256_file`: the fingerprint of an input file (processed-table manifests,
  the batch cache), read in blocks so that a large harvest never sits in memory whole;
- :func:`protect_formulas` (a table) and :func:`excel_safe` (one value): the one rule,
  :data:`FORMULA_START`, that neutralises text from the data before it becomes a CSV
  or Excel cell (OWASP's "CSV injection"), so ``=HYPERLINK(...)`` typed in a session
  note is shown as text and never run. Every CSV sparklearn writes goes through
  :func:`write_csv`, every Excel cell through :func:`put_cell`; a CSV that sparklearn
  reads back (``problems.csv``) is read with :func:`read_written_csv`, which undoes
  exactly that neutralisation (:func:`restore_formulas`), so reports show the text as
  it was;
- :func:`xml_text`: text from the data as XML and HTML can hold it (no control character).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

import pandas as pd

#: A cell starting with one of these is a formula (or can become one) in Excel or
#: LibreOffice; OWASP's advice is to prefix such text with ``'``.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Text that starts with a formula character, or with apostrophes and then one: the
# apostrophes are counted in so that protecting is undone exactly (:func:`restore_formulas`):
# "'=x" typed by a user is written "''=x" and read back as "'=x".
_RISKY = "^'*[" + re.escape("".join(FORMULA_START)) + "]"
_PROTECTED = "^'+[" + re.escape("".join(FORMULA_START)) + "]"


#: Characters XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates, two non-characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text from the data as an XML or HTML document can hold it: each control character becomes a space.

    A bell or vertical tab pasted into a memo or a transcript is invisible, and an XML
    writer refuses it outright (lxml raises): a REFI-QDA or Taguette export would fail on
    one stray byte. Tabs and line breaks are kept.

    Examples
    --------
    >>> xml_text("memo with bell\\x07here\\x0bend"), xml_text("tab\\tand\\nline")
    ('memo with bell here end', 'tab\\tand\\nline')
    """
    return _NOT_XML.sub(" ", str(value))


def excel_safe(value: object) -> object:
    """One value as a spreadsheet cell that will not run: text starting with ``= + - @`` (or tab, CR) gets a ``'``.

    Numbers and missing values pass through unchanged. :func:`protect_formulas` applies
    the same rule to every text cell of a table.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    object
        ``"'" + value`` for risky text, else ``value`` itself.

    Examples
    --------
    >>> excel_safe("=HYPERLINK(\\"http://x\\")"), excel_safe("- a bullet"), excel_safe("fine"), excel_safe(3)
    ('\\'=HYPERLINK("http://x")', "'- a bullet", 'fine', 3)
    """
    if isinstance(value, str) and re.match(_RISKY, value):
        return "'" + value
    return value


def protect_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every text cell passes through :func:`excel_safe`'s rule.

    Use on any table written to Excel or CSV. Only text cells change; numbers, dates
    and missing values are left alone, also in a column that mixes them with text.
    The rule is applied column by column with pandas' string methods, not cell by cell.

    Parameters
    ----------
    frame
        Any table; it is not changed.

    Returns
    -------
    pandas.DataFrame
        The same columns and dtypes, risky text cells with a leading ``'``.

    Examples
    --------
    >>> protect_formulas(pd.DataFrame({"t": ["=1+1", "ok", "@SUM(A1)", -2], "n": [-1, 2, 3, 4]}))
              t  n
    0     '=1+1 -1
    1        ok  2
    2  '@SUM(A1)  3
    3        -2  4
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue  # no text in this column (the .str accessor would refuse it)
        # .str gives NA for the cells that are not text, so only text can be risky.
        risky = values.str.match(_RISKY).fillna(False).astype(bool)
        if risky.any():
            out[column] = values.mask(risky, "'" + values[risky])
    return out


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`protect_formulas` exactly: the text cells as they were before protecting.

    Only for tables sparklearn wrote itself and reads back (a leading ``'`` typed by a
    person elsewhere is theirs to keep).

    Examples
    --------
    >>> t = pd.DataFrame({"v": ["=1+1", "'=x", "ok", "'quoted", "-2"]})
    >>> restore_formulas(protect_formulas(t)).equals(t)
    True
    >>> protect_formulas(t)["v"].tolist()
    ["'=1+1", "''=x", 'ok', "'quoted", "'-2"]
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue
        protected = values.str.match(_PROTECTED).fillna(False).astype(bool)
        if protected.any():
            out[column] = values.mask(protected, values[protected].str.slice(1))
    return out


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as a CSV file the one way sparklearn writes CSV: formulas neutralised, atomically.

    No index, UTF-8, through :func:`protect_formulas` and :func:`write_atomic`. Read such
    a file back with :func:`read_written_csv`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_csv(Path(folder) / "p.csv", pd.DataFrame({"value": ["=cmd|' /C calc'!A0", "fine"]}))
    ...     print((Path(folder) / "p.csv").read_text())
    value
    '=cmd|' /C calc'!A0
    fine
    <BLANKLINE>
    """
    write_atomic(Path(path), protect_formulas(frame).to_csv(index=False))


def read_written_csv(source) -> pd.DataFrame:
    """A CSV written by :func:`write_csv`, every column as text, with the formula protection undone.

    ``source`` is a path or a text buffer. Empty cells read as ``""``, not NaN.

    Examples
    --------
    >>> import io
    >>> read_written_csv(io.StringIO(protect_formulas(pd.DataFrame({"v": ["@x", ""]})).to_csv(index=False)))
        v
    0  @x
    1
    """
    return restore_formulas(pd.read_csv(source, dtype=str, keep_default_na=False))


def put_cell(ws, row: int, column: int, value: object):
    """Write one Excel cell (openpyxl worksheet ``ws``) as data, never as a formula; return the cell.

    The one way sparklearn writes a workbook cell from the data: text passes through
    :func:`excel_safe` and is typed as a string (openpyxl would otherwise turn any text
    starting with ``=`` into a formula); missing values leave the cell empty.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ws.cell(row=row, column=column)
    cell = ws.cell(row=row, column=column, value=excel_safe(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def put_input_cell(ws, row: int, column: int, value: object):
    """Write one cell of a sheet that sparklearn reads back as input (a register a lead keeps); return the cell.

    Text is typed as a string, so Excel shows ``=1+1`` as written and never calculates
    it, and is kept exactly as the lead typed it: the reader gets back what was written
    (:func:`put_cell`'s leading ``'`` would become part of the value). Missing values
    leave the cell empty.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> cell = put_input_cell(Workbook().active, 1, 1, "=HYPERLINK(1)")
    >>> cell.value, cell.data_type
    ('=HYPERLINK(1)', 's')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ws.cell(row=row, column=column)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def save_workbook(book, path: str | Path) -> Path:
    """Save an openpyxl workbook to ``path`` atomically (:func:`write_atomic`): the one way sparklearn saves one.

    A workbook saved straight to its path and interrupted half-way leaves a damaged
    file where the previous one was; this leaves the previous one whole.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook, load_workbook
    >>> p = save_workbook(Workbook(), Path(tempfile.mkdtemp()) / "a.xlsx")
    >>> load_workbook(p).sheetnames
    ['Sheet']
    """
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(Path(path), buffer.getvalue())
    return Path(path)


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex, read in 1 MiB blocks.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = Path(folder) / "a.txt"
    ...     _ = file.write_bytes(b"abc")
    ...     sha256_file(file) == hashlib.sha256(b"abc").hexdigest()
    True
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Text is written as UTF-8. The folder is created if needed; on any error the
    temporary file is removed and the previous ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_atomic(Path(folder) / "out" / "a.txt", "new")
    ...     (Path(folder) / "out" / "a.txt").read_text()
    'new'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    # os.open with 0o666 honours the umask (mkstemp would leave reports readable by us only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
