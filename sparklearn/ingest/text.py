"""The one reader of raw text files: encoding detected, size limited, problems said in words.

Stage: ingest. Every reader of a text file a country lead keeps (session notes, coding
sheets and registers saved as CSV, ``salt.txt``) calls :func:`read_text_file`, so that
a register saved as "Unicode Text" by Excel is read like one saved as "CSV UTF-8", and a
workbook renamed to ``.csv`` is refused with a message rather than a traceback. The
decoding rules and the limits live one layer down, in :mod:`sparklearn.textfiles`,
because the codebook and the country registry (below ingest) read YAML with them too.
"""

from __future__ import annotations

from pathlib import Path

from sparklearn.exceptions import InputError
from sparklearn.textfiles import (
    MAX_TEXT_BYTES,
    MAX_WORKBOOK_BYTES,
    MAX_YAML_BYTES,
    SAVE_AS_UTF8,
    DecodedText,
    check_size,
    read_text,
)

__all__ = ["MAX_TEXT_BYTES", "MAX_WORKBOOK_BYTES", "MAX_YAML_BYTES", "SAVE_AS_UTF8", "DecodedText",
           "check_size", "read_text_file"]


def read_text_file(path: str | Path, *, what: str, max_bytes: int = MAX_TEXT_BYTES) -> DecodedText:
    """Read a user's text file: UTF-8 (with or without a byte-order mark), UTF-16/32 with one, else Windows-1252.

    Windows-1252 (what Excel on Windows writes for "CSV (Comma delimited)") is used only
    when the bytes are not UTF-8 and read as ordinary text with it;
    :attr:`DecodedText.fell_back` says so, so that the caller can warn that accented
    letters should be checked.

    Parameters
    ----------
    path
        The file.
    what
        What the file is to the user, for messages: ``"the participants register"``,
        ``"the salt file"``, ``"session notes"``.
    max_bytes
        Refuse larger files (default :data:`~sparklearn.textfiles.MAX_TEXT_BYTES`, 20 MB).

    Returns
    -------
    DecodedText
        ``text`` (no byte-order mark, line ends as in the file), ``encoding`` (Python's
        codec name) and ``had_bom``.

    Raises
    ------
    InputError
        A missing, unreadable, oversized or binary file, or bytes that are not text;
        the message names the file, ``what``, what was found and the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "participants.csv"
    >>> _ = p.write_text("participant_id,name\\nSN-P01,Aïssatou Fall\\n", encoding="utf-16")
    >>> found = read_text_file(p, what="the participants register")
    >>> found.text.splitlines()[1], found.description
    ('SN-P01,Aïssatou Fall', 'UTF-16 little-endian with a byte-order mark')
    >>> _ = p.write_bytes(b"PK\\x03\\x04 a workbook renamed to .csv")
    >>> read_text_file(p, what="the participants register")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: ...participants.csv: the participants register is not text: it is a zip ...
    """
    return read_text(path, what=what, max_bytes=max_bytes, fallback=True, error=InputError)
