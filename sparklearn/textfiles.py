"""Reading the text files people write by hand: encodings, size limits, YAML that cannot explode.

Base layer: the reference modules (``countries.py``, ``codebook.py``) and every reader in
:mod:`sparklearn.ingest` (through :mod:`sparklearn.ingest.text`) read text through this
module, so that one rule decides what is text, how big an input may be, and what a
YAML file may contain. It imports only :mod:`sparklearn.exceptions`.

Encodings (:func:`decode_text`)
    UTF-8 with or without a byte-order mark; UTF-16 and UTF-32 with a byte-order mark
    (Notepad's "Unicode", Excel's "Unicode Text"); Windows-1252 only as a fallback where
    the caller allows it and the bytes read as ordinary text, and the result says so
    (:attr:`DecodedText.fell_back`). Anything else (a workbook saved as ``.csv``, a
    PDF, UTF-16 without its mark, bytes that are no text) is refused with an error
    naming the file, what it is, what was found and how to save it.

Limits
    Every limit is a constant here, so that the README and the messages quote one
    number: :data:`MAX_TEXT_BYTES` (sessions, sheets saved as CSV, registers, the
    salt), :data:`MAX_WORKBOOK_BYTES` (``.xlsx``), :data:`MAX_YAML_BYTES`,
    :data:`MAX_YAML_NODES` and :data:`MAX_YAML_DEPTH` (``countries.yaml``,
    ``codebook.yaml``, session front matter).

YAML (:func:`load_yaml`; :func:`parse_yaml` for YAML already read; :func:`yaml_problems` for readers that collect problems)
    Parsed with PyYAML's safe loader in two steps, compose then construct, so that the
    node tree keeps line numbers and can be checked before any Python object is built:
    aliases that would expand past :data:`MAX_YAML_NODES` values (the "billion laughs"),
    nesting deeper than :data:`MAX_YAML_DEPTH`, a key given twice in one mapping
    (PyYAML would silently keep the last, which is how one slip of indentation moves
    a country's campaigns under another country) and impossible dates or numbers
    (``2021-02-30``) are each reported with their line.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from sparklearn.exceptions import InputError

_MB = 1024 * 1024

#: Largest text input read (session notes, CSV sheets, participants registers, salt.txt).
#: A year of a country's reflection notes is well under 1 MB.
MAX_TEXT_BYTES = 20 * _MB

#: Largest workbook read (``outcomes.xlsx``, coding sheets saved as ``.xlsx``).
MAX_WORKBOOK_BYTES = 50 * _MB

#: Largest YAML file read (the demo codebook is 70 KB, the registry 5 KB).
MAX_YAML_BYTES = 2 * _MB

#: Most values a YAML file may hold once its aliases (``*name``) are expanded; the demo
#: codebook holds about 1,500. Stops "billion laughs" files that are a few lines long.
MAX_YAML_NODES = 200_000

#: Deepest nesting of lists and mappings a YAML file may have; the codebook needs 4.
MAX_YAML_DEPTH = 50

#: How to save a sheet or text as UTF-8, for messages.
SAVE_AS_UTF8 = ("save it as UTF-8: in Excel, File > Save As > 'CSV UTF-8 (Comma delimited)'; in a text "
                "editor, Save As with the encoding 'UTF-8'")
#: The same for files written in a text editor only (YAML).
SAVE_AS_UTF8_TEXT = "save it from a text editor with the encoding 'UTF-8'"

# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Files that are often saved or renamed by mistake where text is expected.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel workbook, Word document or .qdpx project?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.xls or .doc) or a password-protected workbook"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)

_NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16 little-endian", "utf-16-be": "UTF-16 big-endian",
          "utf-32-le": "UTF-32 little-endian", "utf-32-be": "UTF-32 big-endian", "cp1252": "Windows-1252"}

# Control characters that never occur in text typed by a person (tab, line ends and
# form feed do); decoding that yields them means the bytes were not text in that encoding.
_CONTROL = frozenset(chr(c) for c in [*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


@dataclass(frozen=True)
class DecodedText:
    """A text file's contents and how they were read.

    Attributes
    ----------
    text
        The text, without a byte-order mark; line ends as in the file.
    encoding
        Python's name of the encoding read: ``utf-8``, ``utf-16-le``, ``utf-16-be``,
        ``utf-32-le``, ``utf-32-be`` or ``cp1252``.
    had_bom
        Whether the file began with a byte-order mark.
    """

    text: str
    encoding: str
    had_bom: bool

    @property
    def fell_back(self) -> bool:
        """True when the file was not UTF-8 and was read as Windows-1252: accents may be wrong."""
        return self.encoding == "cp1252"

    @property
    def description(self) -> str:
        """The encoding in words, e.g. ``"UTF-16 little-endian with a byte-order mark"``."""
        return _NAMES[self.encoding] + (" with a byte-order mark" if self.had_bom else "")


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB / 10 else f"{n:,} bytes"


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, *, file: str | Path | None, what: str, fallback: bool = True,
                error: type[InputError] = InputError, save_as: str = SAVE_AS_UTF8) -> DecodedText:
    """Decode a text file's bytes, or say in words why they are not text.

    Parameters
    ----------
    data
        The file's bytes.
    file, what
        The file and what it is to the user (``"the participants register"``), for messages.
    fallback
        Read bytes that are not UTF-8 as Windows-1252 when they look like ordinary text
        (what Excel on Windows writes for "CSV (Comma delimited)"). Off for files whose
        format requires Unicode, such as YAML.
    error
        The :class:`~sparklearn.exceptions.InputError` subclass to raise.
    save_as
        How to save the file as UTF-8, for the fix (:data:`SAVE_AS_UTF8` by default).

    Returns
    -------
    DecodedText

    Raises
    ------
    InputError
        (or ``error``) for bytes that are no text: the message names ``what``, what was
        found (a zip archive, UTF-16 without a byte-order mark, an unreadable byte and
        its line) and the fix.

    Examples
    --------
    >>> decode_text("Aïssatou\\n".encode("utf-16"), file="p.csv", what="the register")
    DecodedText(text='Aïssatou\\n', encoding='utf-16-le', had_bom=True)
    >>> decode_text("Sénégal".encode("cp1252"), file="p.csv", what="the register").fell_back
    True
    >>> decode_text(b"PK\\x03\\x04...", file="p.csv", what="the register")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: p.csv: the register is not text: it is a zip archive (an Excel workbook, ...
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as err:
                bad = err.start + len(bom)
                raise error(f"{what} starts with a {_NAMES[encoding]} byte-order mark but is not {_NAMES[encoding]} "
                            f"text (byte {bad}, line {_line_at(data, bad)}, cannot be read)", file=file,
                            fix=f"open it and {save_as}") from None
            if "\x00" in text:
                raise error(f"{what} holds NUL characters after its {_NAMES[encoding]} byte-order mark: it is not "
                            "text", file=file, fix=f"check that this is the right file, then {save_as}")
            return DecodedText(text, encoding, True)
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise error(f"{what} is not text: it is {kind}", file=file,
                        fix=f"check that this is the right file; if it is, open it and {save_as}")
    nul = data.find(b"\x00")
    if nul >= 0:
        # ASCII text in UTF-16 has a NUL beside every letter; with no byte-order mark
        # the byte order is a guess, so ask for a file that says what it is.
        zeros = data.count(b"\x00")
        found = ("looks like UTF-16 text without a byte-order mark" if zeros >= len(data) // 4
                 else f"holds NUL bytes (the first at byte {nul}, line {_line_at(data, nul)}): it is not text")
        raise error(f"{what} {found}", file=file, fix=f"check that this is the right file; if it is, {save_as}")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError as err:
        bad, line = err.start, _line_at(data, err.start)
    if not fallback:
        raise error(f"{what} is not UTF-8 text: byte {bad} (0x{data[bad]:02X}, line {line}) cannot be read, and "
                    "this file must be UTF-8", file=file, row=line, fix=save_as)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _CONTROL.intersection(text):
        return DecodedText(text, "cp1252", False)
    raise error(f"{what} is neither UTF-8 nor Windows-1252 text: byte {bad} (0x{data[bad]:02X}, line {line}) is not "
                "UTF-8, and the file holds bytes that are not text in Windows-1252 either", file=file, row=line,
                fix=f"check that this is the right file; if it is, {save_as}")


def check_size(path: str | Path, *, what: str, max_bytes: int, error: type[InputError] = InputError) -> int:
    """The size of ``path`` in bytes; an error naming the file and the limit if it is larger than ``max_bytes``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "big.csv"
    >>> _ = p.write_bytes(b"x" * 2000)
    >>> check_size(p, what="the coding sheet", max_bytes=1000)
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: .../big.csv: the coding sheet is 2,000 bytes, more than the 1,000 bytes ...
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{what} not found", file=path, fix="check the path and the --data folder") from None
    except OSError as err:
        raise error(f"{what} cannot be read ({err.strerror})", file=path,
                    fix="check that the file is readable by you") from None
    if not path.is_file():
        raise error(f"{what} is a folder or device, not a file", file=path, fix="point at the file itself")
    if size > max_bytes:
        raise error(f"{what} is {_size(size)}, more than the {_size(max_bytes)} sparklearn reads for such a file",
                    file=path, fix="check that this is the right file; split a file this large into several")
    return size


def read_text(path: str | Path, *, what: str, max_bytes: int = MAX_TEXT_BYTES, fallback: bool = True,
              error: type[InputError] = InputError, save_as: str = SAVE_AS_UTF8) -> DecodedText:
    """Read a text file of at most ``max_bytes`` and decode it with :func:`decode_text`.

    Parameters
    ----------
    path
        The file.
    what
        What it is to the user (``"the participants register"``), for messages.
    max_bytes
        Refuse larger files (:data:`MAX_TEXT_BYTES` by default).
    fallback, error, save_as
        As for :func:`decode_text`.

    Returns
    -------
    DecodedText

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "salt.txt"
    >>> _ = p.write_text("0f3a\\n", encoding="utf-16")
    >>> read_text(p, what="the salt file").text
    '0f3a\\n'
    """
    path = Path(path)
    check_size(path, what=what, max_bytes=max_bytes, error=error)
    try:
        with open(path, "rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise error(f"{what} cannot be read ({err.strerror})", file=path,
                    fix="check that the file is readable by you") from None
    if len(data) > max_bytes:
        raise error(f"{what} is more than the {_size(max_bytes)} sparklearn reads for such a file", file=path,
                    fix="check that this is the right file; split a file this large into several")
    return decode_text(data, file=path, what=what, fallback=fallback, error=error, save_as=save_as)


# --------------------------------------------------------------------------- problems with lines


@dataclass(frozen=True)
class Problem:
    """One problem in a hand-written file, at a line (1-based, as editors number them)."""

    message: str
    fix: str
    line: int | None = None
    column: str | None = None
    value: object = None


def raise_problems(problems: Sequence[Problem], *, file: str | Path | None, what: str,
                   error: type[InputError] = InputError) -> None:
    """Raise one error for all ``problems`` (nothing if there are none), each with its line.

    Examples
    --------
    >>> raise_problems([Problem("campaign id 'a' appears twice", "give each its own id", line=12, value="a"),
    ...                 Problem("country 'x' lacks sector", "add 'sector:'", line=20)],
    ...                file="countries.yaml", what="the registry")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: countries.yaml: 2 problems in the registry:
      - line 12: campaign id 'a' appears twice (value: 'a'). Fix: give each its own id
      - line 20: country 'x' lacks sector. Fix: add 'sector:'
    """
    if not problems:
        return
    if len(problems) == 1:
        p = problems[0]
        raise error(p.message, file=file, row=p.line, column=p.column, value=p.value, fix=p.fix)
    listed = "\n".join(
        f"  - {f'line {p.line}: ' if p.line else ''}{p.message}"
        f"{f' (value: {p.value!r})' if p.value is not None else ''}. Fix: {p.fix}"
        for p in problems
    )
    raise error(f"{len(problems)} problems in {what}:\n{listed}", file=file)


# --------------------------------------------------------------------------- YAML

_MERGE = "tag:yaml.org,2002:merge"
# Scalars whose construction can fail on a value the parser accepted (2021-02-30, an
# integer of 10,000 digits): checked one by one so that the message has the line.
_CHECKED_SCALARS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_SCALAR_WORDS = {"tag:yaml.org,2002:timestamp": "a date that exists (YYYY-MM-DD)",
                 "tag:yaml.org,2002:int": "a whole number of ordinary size",
                 "tag:yaml.org,2002:float": "a number"}


def _loader(text: str) -> yaml.SafeLoader:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def yaml_problems(root: yaml.Node, loader: yaml.SafeLoader) -> list[Problem]:
    """What is wrong with a composed YAML tree, before any Python object is built from it.

    For readers that collect problems instead of raising (session front matter);
    :func:`parse_yaml` raises them. One iterative walk, so neither a deep tree nor an alias
    bomb can exhaust the stack or memory.

    Parameters
    ----------
    root
        From ``loader.get_single_node()``.
    loader
        The (safe) loader that composed ``root``; its constructors check dates and numbers.

    Returns
    -------
    list of Problem
        A value expanding past :data:`MAX_YAML_NODES` or nesting past
        :data:`MAX_YAML_DEPTH` (alone: nothing else is looked at), an alias inside the
        value it names, keys given twice in one mapping, impossible dates and numbers;
        each with its line in ``root``'s text.

    Examples
    --------
    >>> loader = yaml.SafeLoader("date: 2021-02-30\\nround: 1\\nround: 2\\n")
    >>> [(p.line, p.column) for p in yaml_problems(loader.get_single_node(), loader)]
    [(3, 'round'), (1, 'date')]
    """
    problems: list[Problem] = []
    size: dict[int, int] = {}     # expanded number of values under a node (itself included)
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    # (node, its key in the parent mapping if any, whether its children are done)
    stack: list[tuple[yaml.Node, str | None, bool]] = [(root, None, False)]
    while stack:
        node, name, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = [child for child, _ in _children(node)]
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_YAML_NODES or depth[key] > MAX_YAML_DEPTH:
                return [_too_big(node, depth[key])]
            continue
        if key in size:
            continue
        if key in on_path:
            return [Problem("the value that starts on this line holds an alias (*name) to itself, so it never ends",
                            "replace the alias with the values it stands for", line=_line(node), column=name)]
        on_path.add(key)
        stack.append((node, name, True))
        if isinstance(node, yaml.MappingNode):
            problems += _repeated_keys(node)
        elif isinstance(node, yaml.ScalarNode) and node.tag in _CHECKED_SCALARS:
            try:
                loader.yaml_constructors[node.tag](loader, node)
            except (ValueError, OverflowError):
                problems.append(Problem(f"'{node.value[:40]}' is not {_SCALAR_WORDS[node.tag]}",
                                        f"write {_SCALAR_WORDS[node.tag]}, or put text in quotes",
                                        line=_line(node), column=name, value=node.value[:40]))
        stack.extend((child, label, False) for child, label in _children(node) if id(child) not in size)
    return problems


def _children(node: yaml.Node) -> list[tuple[yaml.Node, str | None]]:
    """A node's children, each with the key it is the value of (for messages)."""
    if isinstance(node, yaml.MappingNode):
        return [pair for k, v in node.value
                for pair in ((k, None), (v, k.value if isinstance(k, yaml.ScalarNode) else None))]
    if isinstance(node, yaml.SequenceNode):
        return [(child, None) for child in node.value]
    return []


def _too_big(node: yaml.Node, depth: int) -> Problem:
    if depth > MAX_YAML_DEPTH:
        return Problem(f"lists and mappings are nested more than {MAX_YAML_DEPTH} deep",
                       "check the indentation and the brackets from this line on", line=_line(node))
    return Problem(f"holds more than {MAX_YAML_NODES:,} values once its aliases (*name) are expanded "
                   "(a file built to exhaust memory, or aliases repeated many times)",
                   "write the values out instead of repeating aliases; do not open files of unknown origin",
                   line=_line(node))


def _repeated_keys(node: yaml.MappingNode) -> list[Problem]:
    """One problem per mapping that gives a key more than once (PyYAML would keep the last silently)."""
    lines: dict[tuple[str, str], list[int]] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
            lines.setdefault((key_node.tag, key_node.value), []).append(_line(key_node))
    twice = {value: at for (_, value), at in lines.items() if len(at) > 1}
    if not twice:
        return []
    listed = "; ".join(f"'{value}' on lines {', '.join(map(str, at))}" for value, at in twice.items())
    first = next(iter(twice))
    return [Problem(f"{'a key is' if len(twice) == 1 else 'keys are'} given twice in one mapping ({listed}): only "
                    "the last would count", "check the indentation and the '- ' that starts each list entry: a "
                    "missing '- ' merges two entries into one, which is how one entry's fields end up in another",
                    line=twice[first][1], column=str(first))]


@dataclass(frozen=True)
class YamlDocument:
    """A checked YAML file: its data, and its node tree for line numbers (:func:`yaml_line`)."""

    data: dict
    root: yaml.MappingNode
    source: Path


def load_yaml(path: str | Path, *, what: str, expect: str, error: type[InputError] = InputError,
              max_bytes: int = MAX_YAML_BYTES) -> YamlDocument:
    """Read a YAML file whose top level is a mapping, refusing anything that could hang or mislead.

    Parameters
    ----------
    path
        The file (UTF-8, or UTF-16/32 with a byte-order mark).
    what
        What it is to the user (``"the country registry"``), for messages.
    expect
        What the file should start with, for the fix when it is empty or not a mapping
        (``"'countries:' followed by one entry per country"``).
    error
        The :class:`~sparklearn.exceptions.InputError` subclass to raise.
    max_bytes
        Refuse larger files.

    Returns
    -------
    YamlDocument

    Raises
    ------
    InputError
        (or ``error``) naming the file and the line: YAML syntax, an empty file, a top
        level that is not a mapping, a key given twice in one mapping, an impossible date
        or number, aliases expanding past :data:`MAX_YAML_NODES`, nesting past
        :data:`MAX_YAML_DEPTH`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "countries.yaml"
    >>> _ = p.write_text("countries:\\n  - slug: kenya\\n    slug: ghana\\n")
    >>> load_yaml(p, what="the country registry", expect="'countries:'")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: .../countries.yaml, row 3, column 'slug': a key is given twice in one mapping ...
    """
    path = Path(path)
    text = read_text(path, what=what, max_bytes=max_bytes, fallback=False, error=error, save_as=SAVE_AS_UTF8_TEXT).text
    return parse_yaml(text, file=path, what=what, expect=expect, error=error)


def parse_yaml(text: str, *, file: str | Path, what: str, expect: str, error: type[InputError] = InputError,
               first_line: int = 1) -> YamlDocument:
    """The checks of :func:`load_yaml` for YAML already read, such as a session file's front matter.

    Parameters
    ----------
    text
        The YAML.
    file, what, expect, error
        As for :func:`load_yaml`.
    first_line
        The line of the file ``text`` starts on, so that messages give the file's lines
        (2 for front matter after a ``---`` line).

    Returns
    -------
    YamlDocument

    Examples
    --------
    >>> parse_yaml("session_id: KE-S01\\ndate: 2021-02-30\\n", file="KE-S01.md", what="the front matter",
    ...            expect="'session_id:'", first_line=2)
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: KE-S01.md, row 3, column 'date': '2021-02-30' is not a date that exists ...
    """
    # Blank lines in front keep every mark, and so every message, on the file's own line numbers.
    loader = _loader("\n" * (first_line - 1) + text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise error(f"{what} is empty (or holds only comments)", file=file, fix=f"start the file with {expect}")
        if not isinstance(root, yaml.MappingNode):
            found = "a list" if isinstance(root, yaml.SequenceNode) else f"the single value '{root.value[:40]}'"
            raise error(f"{what} holds {found} at its top level, not 'key: value' lines", file=file,
                        row=_line(root), fix=f"start the file with {expect}")
        raise_problems(yaml_problems(root, loader), file=file, what=what, error=error)
        data = loader.construct_document(root)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        # The context is where a broken construct began (an unclosed bracket or quote), often a line earlier.
        context, begun = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and begun and mark and begun.line != mark.line:
            problem += f" ({context} that begins on line {begun.line + 1})"
        raise error(f"{what} is not valid YAML: {problem}", file=file, row=mark.line + 1 if mark else None,
                    fix="check the indentation (spaces, not tabs) on and above that line, and put text containing "
                        "': ' or starting with a quote, '*', '&', '!' or '%' inside quotes") from None
    finally:
        loader.dispose()
    return YamlDocument(data, root, Path(file))


def yaml_line(node: yaml.Node | None, *keys: str | int) -> int | None:
    """1-based line of the item reached from ``node`` by mapping keys and list indexes.

    Stops at the deepest item found, so a missing key gives the line of its parent.

    Examples
    --------
    >>> root = yaml.compose("countries:\\n  - slug: kenya\\n    name: Kenya\\n")
    >>> yaml_line(root, "countries", 0), yaml_line(root, "countries", 0, "name"), yaml_line(root, "countries", 0, "x")
    (2, 3, 2)
    """
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if hit is None:
                return line
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line
