"""Zip archives users bring (``.xlsx`` workbooks, ``.qdpx`` projects), opened only within limits.

Stage: ingest (shared by the workbook readers and the REFI-QDA reader). A workbook or a
REFI-QDA project is a zip of XML files, and a zip can claim to hold far more than it
looks: a 2 MB file that expands to 2 GB (a "zip bomb") once took 4.4 GB of memory before
failing. So every archive is checked before anything is read from it, in one place,
against the limits below, each with a message that says which limit and how much:

- :data:`MAX_MEMBERS` files in the archive;
- :data:`MAX_UNCOMPRESSED` bytes in all of them together, as the archive declares them
  (Python's zipfile never returns more than a member declares, and a member whose data
  does not match its declared size and checksum is reported as damaged);
- the stored and deflate compression methods only (what Excel and the QDA tools write;
  the others decompress without a bound on each step).

A file that is not a zip at all is told apart from an empty one, a password-protected
(encrypted) Office file, an old ``.xls`` workbook, a text file given a workbook's name
and a damaged (truncated) zip, because each needs a different fix. XML inside archives
is parsed with libxml2's default limits (nesting at most :data:`MAX_XML_DEPTH` levels,
no entities fetched): see :func:`parse_xml`.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from lxml import etree

from sparklearn.exceptions import InputError

#: Most files an archive may hold (a REFI-QDA project holds one text per session).
MAX_MEMBERS = 10_000


#: Most bytes all members of an archive may expand to (a year of sessions is a few MB).
MAX_UNCOMPRESSED = 256 * 2**20


#: Deepest nesting of XML elements read (libxml2's own limit unless told otherwise).
MAX_XML_DEPTH = 256


_ZIP_MAGIC = b"PK\x03\x04"


_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n:,} bytes"


def describe_non_zip(path: Path, *, expected: str, fix: str, text_fix: str | None = None) -> tuple[str, str]:
    """(what the file is, how to fix it) for a file that should be a zip but is not.

    Parameters
    ----------
    path
        The file.
    expected
        What it should be, in the user's words ("an Excel workbook (.xlsx)").
    fix
        How to make one ("open it in Excel and save it as .xlsx").
    text_fix
        How to fix a text file given the archive's name (default ``fix``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "outcomes.xlsx"
    >>> _ = p.write_text("Outcome ID,Campaign ID\\nKE-O1,ke-health\\n")
    >>> describe_non_zip(p, expected="an Excel workbook (.xlsx)", fix="save it as .xlsx")[0]
    'is a text file, not an Excel workbook (.xlsx)'
    """
    with open(path, "rb") as handle:
        head = handle.read(2**20)
    if not head:
        return "the file is empty", fix
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED in head:
            return ("is password-protected (encrypted), so it cannot be read",
                    "open it, remove the password (in Excel: File > Info > Protect Workbook > Encrypt with "
                    "Password, clear it) and save it again")
        return f"is an old-format Office file (such as an Excel 97-2003 .xls), not {expected}", fix
    if head.startswith(_ZIP_MAGIC):
        return ("is damaged or incomplete (the zip it should be is cut short or corrupted)",
                "copy the file again from where it was saved, or save it again from the program that made it")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or b"\0" not in head[:4096]:
        return f"is a text file, not {expected}", text_fix or fix
    return f"is not {expected}", fix


def open_archive(path: str | Path, *, expected: str, fix: str, text_fix: str | None = None) -> zipfile.ZipFile:
    """Open a zip archive after checking it is one and within the limits.

    Parameters
    ----------
    path
        The ``.xlsx`` or ``.qdpx`` file.
    expected
        What it should be, in the user's words, for the messages.
    fix
        How to make a good one (the fix for every problem but those below).
    text_fix
        How to fix a text file given the archive's name (a CSV saved as ``.xlsx``).

    Returns
    -------
    zipfile.ZipFile
        Open; the caller closes it (``with open_archive(...) as archive``).

    Raises
    ------
    InputError
        Missing, a folder, not a zip (saying what it is instead), damaged, or over a limit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.qdpx"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("project.qde", "<Project/>")
    >>> with open_archive(p, expected="a REFI-QDA project (.qdpx)", fix="export it again") as a:
    ...     a.namelist()
    ['project.qde']
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"is a folder, not {expected}", file=path, fix="remove the folder or give it another name")
    if not path.is_file():
        raise InputError("file not found", file=path, fix="check the path and the --data folder")
    size = path.stat().st_size
    if size > MAX_UNCOMPRESSED:
        raise InputError(f"the file is {_size(size)}, more than the {_size(MAX_UNCOMPRESSED)} sparklearn reads",
                         file=path, fix=fix)
    if not zipfile.is_zipfile(path):
        what, how = describe_non_zip(path, expected=expected, fix=fix, text_fix=text_fix)
        raise InputError(what, file=path, fix=how)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise InputError(f"is damaged ({err})", file=path,
                         fix="copy the file again from where it was saved, or save it again") from None
    try:
        _check_limits(archive, path, fix=fix)
    except InputError:
        archive.close()
        raise
    return archive


def _check_limits(archive: zipfile.ZipFile, path: Path, *, fix: str) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise InputError(f"the archive holds {len(members):,} files, more than the {MAX_MEMBERS:,} sparklearn reads",
                         file=path, fix=fix)
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise InputError(f"the archive expands to {_size(total)}, more than the {_size(MAX_UNCOMPRESSED)} "
                         "sparklearn reads (a file this size is either damaged or not what it claims to be)",
                         file=path, fix=fix)
    odd = next((m for m in members if m.compress_type not in _METHODS), None)
    if odd is not None:
        raise InputError(f"'{odd.filename}' in the archive is compressed with a method sparklearn does not read "
                         f"(zip method {odd.compress_type})", file=path,
                         fix="save it again from the program that made it (it writes deflate)")
    encrypted = next((m for m in members if m.flag_bits & 0x1), None)
    if encrypted is not None:
        raise InputError(f"'{encrypted.filename}' in the archive is password-protected", file=path,
                         fix="save the file again without a password")


def read_member(archive: zipfile.ZipFile, name: str, *, file: str | Path) -> bytes:
    """A member's bytes, with a damaged member (bad checksum, broken data) as an :class:`InputError`.

    The size was checked when the archive was opened (:func:`open_archive`); zipfile
    never returns more than the declared size.
    """
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        raise InputError(f"'{name}' in the archive is damaged ({err})", file=file,
                         fix="copy the file again from where it was saved, or export it again") from None


def parse_xml(data: bytes, *, file: str | Path, member: str, fix: str) -> etree._Element:
    """Parse XML from an archive safely: no entities, no network, libxml2's nesting limit.

    Raises
    ------
    InputError
        Empty, not well-formed (with line and column), nested deeper than
        :data:`MAX_XML_DEPTH` levels, or with entities that expand past libxml2's
        amplification limit (a "billion laughs" file).

    Examples
    --------
    >>> parse_xml(b"<a><b/></a>", file="p.qdpx", member="project.qde", fix="export again").tag
    'a'
    >>> parse_xml(b"<a>" * 300 + b"</a>" * 300, file="p.qdpx", member="project.qde", fix="export again")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: p.qdpx, row 1: project.qde nests elements more than 256 levels deep...
    """
    if not data.strip():
        raise InputError(f"{member} is empty", file=file, fix=fix)
    # No entities or network: a project file is data, never a reason to fetch anything. No
    # huge_tree: it would lift libxml2's limits on nesting and on the size of one text.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        line, col = err.position
        if "depth" in str(err.msg).lower():
            raise InputError(f"{member} nests elements more than {MAX_XML_DEPTH} levels deep (line {line})",
                             file=file, row=line, fix=fix) from None
        if "amplification" in str(err.msg).lower() or "entity reference loop" in str(err.msg).lower():
            raise InputError(f"{member} defines entities that expand far beyond the file (line {line}): a file "
                             "built to exhaust memory, or a damaged one", file=file, row=line, fix=fix) from None
        raise InputError(f"{member} is not well-formed XML at line {line}, column {col}: {err.msg}",
                         file=file, row=line, fix=fix) from None
