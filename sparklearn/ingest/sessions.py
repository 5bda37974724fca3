"""Reflection-session files -> a sessions table and a segments table.

Stage: ingest. Sessions are the one raw input that is text rather than a sheet, and
every coding points at one of their segments, so this reader fixes how text is cut
into segments and how offsets are counted; codings, REFI-QDA projects and Taguette
highlights are all placed on these segments. Names in the text are replaced later, by
:mod:`sparklearn.ingest.privacy`, before anything is written.

A session file is Markdown with YAML front matter (see ``data/raw/README.md``)::

    ---
    session_id: KE-S01
    title: "Round 1 reflection: working with legislators"
    date: 2020-12-02
    round: 1
    country: kenya
    campaigns: [ke-primary-health]
    facilitator: research lead
    language: en
    participants:
      - {participant_id: KE-P01, role: "research lead"}
    ---
    # Round 1 reflection: working with legislators

    **KE-P01:** Welcome, everyone.

    **KE-P04 [sw]:** A turn in another language carries a language tag.

    > [en] Its translation, if the lead gives one: a block quote right after the turn.

    **KE-P06 (ke-baringo-water):** In a session on two campaigns, a turn can say whose it is.

How the text is cut into segments
    One segment per speaker turn. A turn starts at a line ``**ID:**`` (also accepted:
    ``**ID**:``, and a language tag ``[fr]`` either inside the bold, ``**ID [fr]:**``,
    or at the start of the text, ``**ID:** [fr] ...``) and runs to the next turn, the
    next heading or the end of the file. Paragraphs without a speaker tag belong to
    the turn above them: note-takers and the demo generator write a long turn as
    several paragraphs with only the first tagged, and the data contract numbers
    segments by speaker turns (``{session_id}-T{turn:03d}``), so an untagged paragraph
    cannot be a turn of its own without renumbering every later segment (and the
    codings that point at them). Text that no turn can own (before the first turn,
    or after a heading other than the title) is kept as a *note* segment, never
    dropped: speaker ``""``, speaker_role ``"note"``, turn ``0``, id
    ``{session_id}-N{k:03d}``, with a warning in case a speaker tag was forgotten.
    Headings are structure, not speech: they are in no segment.

Translations
    Any turn may be followed by its translation: a block quote whose first line starts
    with the language it is translated into, ``> [en] We wrote to the mayor.``; every
    following line starting with ``>`` belongs to it (``>`` alone keeps a blank line
    between paragraphs). The translation is not part of the turn's text, so offsets and
    codings stay on what was said; it goes to ``translation`` (and
    ``translation_language``). Give it after the whole turn: text after a translation and
    before the next speaker tag is read as a note, and a translation with no turn right
    above it too (with a warning). A block quote without a language tag stays in the turn.

Campaigns of a turn
    Each turn belongs to one case, its ``campaign_id``, so that counts by campaign add up
    to the session's turns: the campaign in parentheses inside the speaker tag
    (``**KE-P06 (ke-baringo-water):**``, also ``**KE-P06 [sw] (ke-baringo-water):**``),
    which must be one of the session's ``campaigns``; otherwise the session's only
    campaign; otherwise, in a session on several campaigns, all of them joined by ``+``
    (:data:`SHARED_CAMPAIGNS`: ``ke-primary-health+ke-baringo-water``), a shared case of
    its own rather than a turn counted for each campaign. A tag naming a campaign the
    session does not list is a warning and the turn goes to the shared case.

Offsets
    ``start`` and ``end`` are character offsets into the file's text after removing
    a UTF-8 byte-order mark and turning CRLF (and lone CR) into LF, which is what
    :func:`session_text` returns; ``session_text(f)[start:end] == text``. So the same
    session saved with or without a BOM, with LF or CRLF, gives the same segments.
    A segment's text excludes the speaker tag, the language tag and trailing blank
    space; inner blank lines between paragraphs of one turn are kept.

What is checked
    Every problem has :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; ``row`` is the
    line in the file as an editor numbers it, ``column`` the front-matter key (or
    ``turn`` / ``file``). Errors reject the whole session (it goes to ``rejected``
    and none of its segments is kept: a session with an unknown campaign or date
    would put wrong numbers in every table downstream): empty file, not text (see
    below), no or invalid front matter, front matter that breaks the YAML limits of
    :mod:`sparklearn.textfiles` (aliases expanding too far, nesting too deep, a key
    given twice), missing ``session_id``, ``date``, ``round`` or ``country``, a date
    that is not YYYY-MM-DD or is in the future or before 1990
    (:func:`~sparklearn.ingest.problems.implausible_dates`), a round that is not a whole
    number >= 1, an unknown country or campaign (when a registry is given), a country
    other than the folder's (when ``country=`` is given), the same ``session_id`` in
    two files (both rejected: codings could not tell them apart). Warnings keep the
    session: a speaker not in the front-matter participants list, unattributed text
    read as a note, no speaker turns, a missing title (the ``#`` heading is used),
    language, facilitator or campaigns, a file name other than ``<session_id>.md``, a
    file read as Windows-1252, a folder named ``*.md``.

Encodings
    Files are read by :func:`sparklearn.ingest.text.read_text_file`: UTF-8 (with or
    without a byte-order mark), UTF-16 with a byte-order mark, else Windows-1252 with a
    warning; bytes that are none of these reject the file with the line of the first
    unreadable byte. :func:`session_text` reads the same way, so offsets agree.

Privacy
    Problems never quote the session's prose: text before the first speaker tag (a
    note) and the first line of a file without front matter are reported by line, with
    the value ``(text withheld)`` or empty, because notes name people and problems are
    printed and land in reports. Registered names in titles and roles are replaced by
    :mod:`sparklearn.prepare`, which knows the register; ``key_lines`` tells it the
    line of each front-matter key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import yaml

from sparklearn.countries import Registry
from sparklearn.exceptions import InputError
from sparklearn.ingest.problems import date_fix, implausible_dates, problems_frame
from sparklearn.ingest.text import DecodedText, read_text_file
from sparklearn.textfiles import yaml_problems

#: Columns of the sessions table, in order (the data contract).
SESSION_COLUMNS = ["session_id", "country", "campaign_ids", "date", "round", "title", "facilitator_role",
                   "language", "n_participants", "source_file"]


#: Columns of the segments table, in order (the data contract).
SEGMENT_COLUMNS = ["segment_id", "session_id", "country", "turn", "speaker", "speaker_role", "text", "start", "end",
                   "language", "campaign_id", "translation", "translation_language"]


#: Joins the campaigns of a turn that a shared session gives to no one campaign: the turn's
#: ``campaign_id`` is then ``"ke-primary-health+ke-baringo-water"``, a case of its own.
SHARED_CAMPAIGNS = "+"


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)


_LANG = r"\[(?P<{name}>[A-Za-z]{{2,3}}(?:-[A-Za-z]{{2,4}})?)\]"


# A turn's first line: **ID:** or **ID**: with an optional [xx] tag inside the bold or
# at the start of the text. The speaker id cannot hold '*', ':' or '[', and neither starts
# nor ends with a space: the spaces around it belong to the pattern's [ \t]*, never to
# both, which keeps matching linear on a line of many spaces (it once took minutes).
_TURN = re.compile(
    r"^\*\*[ \t]*(?P<speaker>[^*:\[(\n \t](?:[^*:\[(\n]*[^*:\[(\n \t])?)[ \t]*"
    r"(?:\((?P<camp1>[A-Za-z0-9][\w.-]*)\)[ \t]*)?(?:" + _LANG.format(name="tag") + r"[ \t]*)?"
    r"(?:\((?P<camp2>[A-Za-z0-9][\w.-]*)\)[ \t]*)?"
    r"(?::\*\*|\*\*[ \t]*:)[ \t]*(?:" + _LANG.format(name="lead") + r"[ \t]*)?",
    re.MULTILINE,
)


# A turn's translation: a block quote right after the turn whose first line starts with a
# language tag, ``> [en] ...``; every following line starting with ``>`` belongs to it.
_TRANSLATION = re.compile(
    r"^>[ \t]*" + _LANG.format(name="into") + r"[^\n]*(?:\n>[^\n]*)*", re.MULTILINE)


# A heading line; its closing #s are stripped in Python (:func:`_heading_text`), since a
# pattern for them would backtrack over every run of spaces in the line.
_HEADING = re.compile(r"^#{1,6}(?:[ \t]+(?P<heading>[^\n]*)|#*[ \t]*)$", re.MULTILINE)


def _heading_text(match: re.Match | None) -> str:
    """A heading's text without its closing #s and the spaces around it."""
    return (match.group("heading") or "").rstrip(" \t").rstrip("#").strip() if match else ""


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (libyaml's when there) without implicit dates: a date like 2020-13-45
    must reach our check as text, and every date is checked the same way."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class SessionsRead:
    """What :func:`read_sessions` read.

    ``sessions`` and ``segments`` have :data:`SESSION_COLUMNS` and
    :data:`SEGMENT_COLUMNS`; ``problems`` has
    :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; ``rejected`` has one row per
    session file left out because of an error: :data:`SESSION_COLUMNS` as read (text)
    plus ``problem`` (the rules broken, ``"; "``-joined). Files read = ``n_read`` =
    sessions + rejected. ``key_lines`` says where each front-matter key is (file, key,
    line), so that a later step can point at the line of a value it changes.
    """

    sessions: pd.DataFrame
    segments: pd.DataFrame
    problems: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: _empty_rejected())
    key_lines: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "key", "line"]))

    @property
    def n_read(self) -> int:
        return len(self.sessions) + len(self.rejected)

    @staticmethod
    def empty(problems: pd.DataFrame | None = None) -> SessionsRead:
        """No sessions (typed empty tables), with ``problems`` saying why."""
        sessions, segments = _frames([], [])
        return SessionsRead(sessions, segments, problems_frame() if problems is None else problems)


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=[*SESSION_COLUMNS, "problem"], dtype="string")


def _decode(path: Path) -> tuple[str, DecodedText]:
    """The text as offsets count it (no BOM, LF line ends) and how it was read; InputError if not text."""
    decoded = read_text_file(path, what="the session file")
    return decoded.text.replace("\r\n", "\n").replace("\r", "\n"), decoded


def session_text(path: str | Path) -> str:
    """A session file's text as segment offsets count it: no byte-order mark, LF line ends.

    The file is read as :func:`read_sessions` reads it (UTF-8, UTF-16 with a byte-order
    mark, else Windows-1252), so offsets agree whatever the encoding.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "GH-S01.md"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbf---\\r\\nsession_id: GH-S01\\r\\n---\\r\\n")
    >>> session_text(p)
    '---\\nsession_id: GH-S01\\n---\\n'
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("session file not found", file=path, fix="check the path and the --data folder")
    return _decode(path)[0]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _key_lines(block: str, first_line: int) -> dict[str, int]:
    """Front-matter key -> its line in the file (top-level keys only)."""
    return {m.group(1): first_line + block.count("\n", 0, m.start())
            for m in re.finditer(r"^([A-Za-z_][\w-]*)[ \t]*:", block, re.MULTILINE)}


class _Problems:
    """Collects one file's problems, each at a line of the file."""

    def __init__(self, file: str) -> None:
        self.file, self.records = file, []
        self.key_lines: dict[str, int] = {}

    def add(self, row: int | None, column: str, value: object, rule: str, fix: str,
            severity: str = "error") -> None:
        self.records.append({"file": self.file, "row": row, "column": column, "value": value, "rule": rule,
                             "fix": fix, "severity": severity})

    @property
    def errors(self) -> list[str]:
        return [r["rule"] for r in self.records if r["severity"] == "error"]


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value).strip()]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _parse_date(value: object) -> pd.Timestamp | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return pd.Timestamp(value)
    text = _text(value)
    if not _DATE.match(text):
        return None
    stamp = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return None if pd.isna(stamp) else stamp


def _parse_round(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    text = _text(value)
    return int(text) if text.isdigit() and int(text) >= 1 else None


def _check_front(meta: dict, lines: dict[str, int], heading: str, path: Path, found: _Problems, *,
                 registry: Registry | None, country: str | None) -> dict:
    """The sessions row (as typed values) from the front matter, reporting what is wrong."""
    def where(key: str) -> int:
        return lines.get(key, 1)

    row = {"session_id": _text(meta.get("session_id")), "country": _text(meta.get("country")),
           "campaign_ids": ";".join(_as_list(meta.get("campaigns"))), "title": _text(meta.get("title")),
           "facilitator_role": _text(meta.get("facilitator")), "language": _text(meta.get("language")).lower(),
           "source_file": str(path)}
    for key, fix in (("session_id", "add a line 'session_id: GH-S01' (the file name without .md)"),
                     ("country", "add a line 'country: <slug>' (the country folder's name)")):
        if not row[key]:
            found.add(1, key, "", f"front matter has no {key}", fix)
    if row["session_id"] and path.stem != row["session_id"]:
        found.add(where("session_id"), "session_id", row["session_id"], "file name differs from session_id",
                  f"rename the file to {row['session_id']}.md, so tools that match by file name find it",
                  "warning")
    row["date"] = _parse_date(meta.get("date"))
    if row["date"] is None:
        found.add(where("date"), "date", _text(meta.get("date")), "date must be a real date written YYYY-MM-DD",
                  "write the session's date as YYYY-MM-DD, e.g. date: 2020-12-02")
    elif implausible_dates(pd.Series([row["date"]])).iloc[0]:
        found.add(where("date"), "date", row["date"].date().isoformat(), "session dated in the future or before 1990",
                  date_fix())
    row["round"] = _parse_round(meta.get("round"))
    if row["round"] is None:
        found.add(where("round"), "round", _text(meta.get("round")), "round must be a whole number >= 1",
                  "write the action-learning round as a number, e.g. round: 2")
    if not row["title"]:
        row["title"] = heading
        found.add(1, "title", "", "front matter has no title" + (" (the # heading is used)" if heading else ""),
                  "add a line 'title: ...'", "warning")
    for key, fix in (("language", "add 'language: en' (or fr, id, ...): the language of untagged turns"),
                     ("facilitator", "add 'facilitator: <role>' (a role, never a name)")):
        if not _text(meta.get(key)):
            found.add(1, key, "", f"front matter has no {key}", fix, "warning")
    if not row["campaign_ids"]:
        found.add(where("campaigns"), "campaigns", "", "session lists no campaign",
                  "add 'campaigns: [<campaign id>, ...]' (ids from countries.yaml)", "warning")
    if country is not None and row["country"] and row["country"] != country:
        found.add(where("country"), "country", row["country"], f"session is in the folder of '{country}'",
                  f"set 'country: {country}' or move the file to its country's folder")
    if registry is not None and row["country"]:
        if row["country"] not in registry.slugs:
            found.add(where("country"), "country", row["country"], "unknown country",
                      f"use one of: {', '.join(registry.slugs)}")
        else:
            known = registry.campaigns.loc[registry.campaigns["country"] == row["country"], "campaign_id"].tolist()
            for camp in _as_list(meta.get("campaigns")):
                if camp not in known:
                    found.add(where("campaigns"), "campaigns", camp, f"unknown campaign for {row['country']}",
                              f"use one of: {', '.join(known)}")
    return row


def _participants(value: object, line: int, found: _Problems) -> dict[str, str]:
    """participant_id -> role from the front-matter participants list."""
    if value is None:
        found.add(line, "participants", "", "front matter has no participants list",
                  "add 'participants:' with one '- {participant_id: ..., role: ...}' per person", "warning")
        return {}
    entries = value if isinstance(value, list) else [value]
    roles = {}
    for entry in entries:
        if isinstance(entry, Mapping) and _text(entry.get("participant_id")):
            roles.setdefault(_text(entry["participant_id"]), _text(entry.get("role")))
        elif isinstance(entry, str) and entry.strip():
            roles.setdefault(entry.strip(), "")
        else:
            found.add(line, "participants", _text(entry), "participant entry has no participant_id",
                      "write each participant as '- {participant_id: KE-P01, role: research lead}'", "warning")
    return roles


def _turn_campaign(tagged: str, session: dict, line: int, found: _Problems) -> str:
    """The campaign a turn belongs to: its tag, else the session's one campaign, else the shared case.

    A session on two campaigns whose turn has no tag gives the turn to both together
    (``a+b``, :data:`SHARED_CAMPAIGNS`), a case of its own, so that each turn counts
    once; a tag naming a campaign the session does not list is a warning and is not used.
    """
    listed = [c for c in session.get("campaign_ids", "").split(";") if c]
    if tagged and tagged in listed:
        return tagged
    if tagged:
        found.add(line, "turn", tagged, "the turn's campaign is not one of the session's campaigns",
                  f"use one of: {', '.join(listed) or '(none listed)'}, or add it to the front matter's campaigns",
                  "warning")
    return SHARED_CAMPAIGNS.join(listed)


def _translation_text(block: str) -> str:
    """A translation block's text without its ``>`` marks and its ``[xx]`` tag; paragraphs kept."""
    lines = [re.sub(r"^>[ \t]?", "", line) for line in block.split("\n")]
    lines[0] = re.sub(r"^[ \t]*\[[^\]]*\][ \t]*", "", lines[0])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def _segments(text: str, body_start: int, session: dict, roles: Mapping[str, str], found: _Problems) -> list[dict]:
    """One dict per segment (speaker turn or note) of the body text."""
    # Boundaries: turn starts, headings and translations; each piece runs to the next boundary.
    marks = sorted([(m.start(), "turn", m) for m in _TURN.finditer(text, body_start)]
                   + [(m.start(), "heading", m) for m in _HEADING.finditer(text, body_start)]
                   + [(m.start(), "translation", m) for m in _TRANSLATION.finditer(text, body_start)],
                   key=lambda t: t[0])
    pieces = [(body_start, "gap", None)] + marks
    bounds = [p[0] for p in pieces[1:]] + [len(text)]
    out, turn, note, last = [], 0, 0, "gap"
    sid, language = session["session_id"], session["language"]
    shared = _turn_campaign("", session, 0, found)
    for (pos, kind, match), stop in zip(pieces, bounds):
        if kind == "translation":
            into = match.group("into").lower()
            if last in ("turn", "translation"):
                seg = out[-1]
                more = _translation_text(match.group(0))
                seg["translation"] = (seg["translation"] + "\n\n" + more).strip() if seg["translation"] else more
                seg["translation_language"] = seg["translation_language"] or into
            else:
                found.add(_line_of(text, pos), "turn", "(text withheld)",
                          "a translation ('> [xx] ...') with no speaker turn right above it is read as a note",
                          "put the translation right after the turn it translates", "warning")
            # Whatever follows the translation before the next turn is a note (below).
            pos = match.end() if last in ("turn", "translation") else pos
        if kind == "heading":
            pos = match.end()
        last = kind if kind in ("turn", "translation") else "gap"
        begin = match.end() if kind == "turn" else pos
        body = text[begin:stop]
        stripped = body.rstrip()
        if kind != "turn":
            lead = len(body) - len(body.lstrip())
            if not stripped.strip():
                continue
            note += 1
            start = begin + lead
            last = "gap"
            # The note itself is not quoted: text nobody is tagged for is where names slip in.
            found.add(_line_of(text, start), "turn", "(text withheld)",
                      "text with no speaker tag before any turn is read as a note (speaker left blank)",
                      "if someone said it, start the paragraph with **<participant_id>:**", "warning")
            out.append({"segment_id": f"{sid}-N{note:03d}", "turn": 0, "speaker": "", "speaker_role": "note",
                        "start": start, "end": begin + len(stripped), "language": language,
                        "campaign_id": shared, "translation": "", "translation_language": ""})
            continue
        turn += 1
        speaker = match.group("speaker").strip()
        if speaker not in roles:
            found.add(_line_of(text, pos), "turn", speaker, "speaker is not in the session's participants list",
                      f"add '- {{participant_id: {speaker}, role: ...}}' to participants, or correct the id",
                      "warning")
        tagged = match.group("camp1") or match.group("camp2") or ""
        out.append({"segment_id": f"{sid}-T{turn:03d}", "turn": turn, "speaker": speaker,
                    "speaker_role": roles.get(speaker, ""), "start": begin, "end": begin + len(stripped),
                    "language": (match.group("tag") or match.group("lead") or language).lower(),
                    "campaign_id": _turn_campaign(tagged, session, _line_of(text, pos), found) if tagged else shared,
                    "translation": "", "translation_language": ""})
    if turn == 0:
        found.add(_line_of(text, body_start), "turn", "", "session has no speaker turns",
                  "start each turn with **<participant_id>:** at the beginning of a line", "warning")
    for seg in out:
        seg["text"] = text[seg["start"]:seg["end"]]
    return out


def _front_matter(block: str, found: _Problems) -> object:
    """The front matter's YAML as Python values, or None with a problem at its line.

    Refused like any YAML sparklearn reads (:mod:`sparklearn.textfiles`): aliases that
    expand past its limit, nesting too deep, a key given twice; the line is the file's.
    """
    # The block starts on the file's line 2: one empty line before it makes every line
    # number the YAML parser reports (and quotes in its messages) the file's own.
    loader = _Loader("\n" + block)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        trouble = yaml_problems(root, loader)
        for problem in trouble:
            found.add(problem.line, problem.column or "file",
                      "" if problem.value is None else problem.value, f"front matter: {problem.message}",
                      problem.fix)
        return None if trouble else loader.construct_document(root)
    except yaml.YAMLError as err:
        # The context mark is where the broken construct began (an unclosed bracket or quote);
        # the problem mark is often the end of the front matter, which helps nobody.
        mark = getattr(err, "context_mark", None) or getattr(err, "problem_mark", None)
        line = 1 + mark.line if mark is not None else 1
        found.add(line, "file", "", f"front matter is not valid YAML ({getattr(err, 'problem', None) or 'unreadable'})",
                  "check that line: 'key: value', quote values holding ':' or '#'")
        return None
    finally:
        loader.dispose()


def _read_one(path: Path, *, registry: Registry | None, country: str | None) -> tuple[dict, list[dict], _Problems]:
    """One file -> (sessions row, segment rows, problems); a row with errors is rejected by the caller."""
    found = _Problems(str(path))
    row: dict = {"session_id": path.stem, "source_file": str(path)}
    try:
        text, decoded = _decode(path)
    except InputError as err:
        found.add(err.row, "file", "", err.message, err.fix or "open it in a text editor and save it as UTF-8")
        return row, [], found
    if not text.strip():
        found.add(None, "file", "", "session file is empty", "write the session notes into it, or delete it")
        return row, [], found
    if decoded.fell_back:
        found.add(None, "file", "", "not UTF-8: read as Windows-1252", "check accented letters; save the file as "
                  "UTF-8 next time (offsets of codings made in other tools count characters of the UTF-8 text)",
                  "warning")
    head = _FRONT_MATTER.match(text)
    if head is None:
        # The first line is not quoted: it may be a line of the notes, and notes name people.
        found.add(1, "file", "", "no YAML front matter at the top of the file",
                  "start the file with a line '---', the session's keys (session_id, date, ...), then '---'")
        return row, [], found
    meta = _front_matter(head.group("yaml"), found)
    if found.errors:
        return row, [], found
    if not isinstance(meta, dict):
        found.add(1, "file", "", "front matter is not a list of 'key: value' lines",
                  "write the front matter as 'key: value' lines between two '---' lines")
        return row, [], found
    lines = found.key_lines = _key_lines(head.group("yaml"), 2)
    body_start = head.end()
    title = _HEADING.search(text, body_start)
    row = _check_front(meta, lines, _heading_text(title), path, found,
                       registry=registry, country=country)
    roles = _participants(meta.get("participants"), lines.get("participants", 1), found)
    row["n_participants"] = len(roles)
    # The title heading is skipped when it comes before any turn; later headings split the text.
    first_turn = _TURN.search(text, body_start)
    if title and (first_turn is None or title.start() < first_turn.start()) \
            and not text[body_start:title.start()].strip():
        body_start = title.end()
    return row, _segments(text, body_start, row, roles, found), found


def _frames(rows: list[dict], segments: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    sessions = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    sessions = sessions.astype({c: "str" for c in ("session_id", "country", "campaign_ids", "title",
                                                   "facilitator_role", "language", "source_file")})
    sessions["date"] = pd.to_datetime(sessions["date"]).astype("datetime64[ns]")
    sessions = sessions.astype({"round": "int64", "n_participants": "int64"})
    segs = pd.DataFrame(segments, columns=SEGMENT_COLUMNS)
    segs = segs.astype({"turn": "int64", "start": "int64", "end": "int64",
                        **{c: "str" for c in ("segment_id", "session_id", "country", "speaker", "speaker_role",
                                              "text", "language", "campaign_id", "translation",
                                              "translation_language")}})
    return sessions.reset_index(drop=True), segs.reset_index(drop=True)


def _rejected_row(row: dict, rules: list[str]) -> dict:
    return {**{c: "" if row.get(c) is None else str(row.get(c).date() if isinstance(row.get(c), pd.Timestamp)
                                                     else row.get(c)) for c in SESSION_COLUMNS},
            "problem": "; ".join(dict.fromkeys(rules))}


def _read_files(files: list[Path], *, registry: Registry | None, country: str | None) -> SessionsRead:
    read = [(_read_one(f, registry=registry, country=country)) for f in files]
    found = [f for _, _, f in read]
    ids = pd.Series([r.get("session_id", "") for r, _, f in read if not f.errors], dtype="str")
    twice = set(ids[ids.duplicated(keep=False) & (ids != "")])
    for (row, _, f) in read:
        if not f.errors and row.get("session_id") in twice:
            others = [str(p.name) for (r, _, g), p in zip(read, files)
                      if r.get("session_id") == row["session_id"] and g is not f]
            f.add(None, "session_id", row["session_id"], "the same session_id is in another file",
                  f"give each session its own id (also in: {', '.join(others)})")
    good = [(r, s) for r, s, f in read if not f.errors]
    sessions, segments = _frames([r for r, _ in good], [dict(seg, session_id=r["session_id"], country=r["country"])
                                                        for r, s in good for seg in s])
    rejected = pd.DataFrame([_rejected_row(r, f.errors) for r, _, f in read if f.errors],
                            columns=[*SESSION_COLUMNS, "problem"], dtype="string")
    problems = problems_frame([rec for f in found for rec in f.records])
    key_lines = pd.DataFrame([(f.file, k, n) for f in found for k, n in f.key_lines.items()],
                             columns=["file", "key", "line"])
    return SessionsRead(sessions, segments, problems, rejected if len(rejected) else _empty_rejected(), key_lines)


def read_session_file(path: str | Path, *, registry: Registry | None = None,
                      country: str | None = None) -> SessionsRead:
    """Read one session file; see :func:`read_sessions` (same checks, same tables).

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> f = resolve_paths().raw / "kenya" / "sessions" / "KE-S01.md"
    >>> r = read_session_file(f)
    >>> r.sessions[["session_id", "round", "n_participants"]].values.tolist()
    [['KE-S01', 1, 6]]
    >>> seg = r.segments.iloc[0]
    >>> seg["segment_id"], seg["speaker"], seg["speaker_role"]
    ('KE-S01-T001', 'KE-P01', 'research lead')
    >>> session_text(f)[seg["start"]:seg["end"]] == seg["text"]
    True
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("session file not found", file=path, fix="check the path and the --data folder")
    return _read_files([path], registry=registry, country=country)


def read_sessions(folder: str | Path, *, registry: Registry | None = None,
                  country: str | None = None) -> SessionsRead:
    """Read every ``*.md`` session file in ``folder`` (sorted by name).

    Parameters
    ----------
    folder
        A country's ``sessions/`` folder.
    registry
        The country registry; when given, each session's ``country`` and
        ``campaigns`` must be in it.
    country
        The folder's country slug; when given, each session's ``country`` must be it.

    Returns
    -------
    SessionsRead
        ``sessions``: session_id, country, campaign_ids (``;``-joined), date
        (datetime64), round (int), title, facilitator_role, language,
        n_participants, source_file. ``segments``: segment_id, session_id, country,
        turn, speaker (the participant_id as written), speaker_role (from the
        front-matter participants list), text, start, end (offsets into
        :func:`session_text`), language (the turn's tag, else the session's),
        campaign_id (the turn's case: its tag, the session's one campaign, or the
        session's campaigns joined by ``+``), translation and translation_language
        (``""`` when the file gives none).
        ``problems`` (:data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`) and
        ``rejected`` (session files left out, with ``problem``).

    Raises
    ------
    InputError
        If ``folder`` does not exist.

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> r = read_sessions(resolve_paths().raw / "indonesia" / "sessions")
    >>> len(r.sessions), len(r.rejected), r.segments["language"].value_counts().sort_index().to_dict()
    (13, 0, {'en': 28, 'id': 171})
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("sessions folder not found", file=folder,
                         fix="create it and put one <session_id>.md file per reflection session in it")
    files = sorted(p for p in folder.glob("*.md") if p.is_file())
    result = _read_files(files, registry=registry, country=country)
    others = [{"file": str(p), "row": None, "column": "file", "value": p.name, "severity": "warning",
               "rule": "a folder named like a session file is not read",
               "fix": "move the session files out of it into the sessions folder, or rename it"}
              for p in sorted(folder.glob("*.md")) if not p.is_file()]
    if not files:
        others.append({"file": str(folder), "row": None, "column": "file", "value": "",
                       "rule": "no session files (*.md) in the folder", "severity": "warning",
                       "fix": "add the reflection sessions as <session_id>.md files"})
    if others:
        problems = pd.concat([result.problems, problems_frame(others)], ignore_index=True)
        return SessionsRead(result.sessions, result.segments, problems, result.rejected, result.key_lines)
    return result
