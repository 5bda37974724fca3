"""Writing REFI-QDA files for NVivo, ATLAS.ti, MAXQDA and QualCoder, and the export/import steps.

Stage: report (it makes files for people: a project a lead opens in their QDA tool).
:func:`write_qdpx` writes a country's sessions, codebook and codings as a ``.qdpx``
project and :func:`write_qdc` the codebook alone as a ``.qdc``; both use the GUIDs and
namespaces of :mod:`sparklearn.ingest.refi_qda`, so a project sparklearn wrote reads back
with every code, coder and turn in place. :func:`export_project` and :func:`import_project`
are the command-line steps (``sparklearn export-qdpx`` / ``import-qdpx``): they take
the country's tables from :mod:`sparklearn.store` and write only the file they name.
Reading projects and Taguette sheets is ingest (:mod:`sparklearn.ingest.refi_qda`,
:mod:`sparklearn.ingest.qda_codings`, :mod:`sparklearn.ingest.taguette`).

What each choice of the export is for
    Where the tools' import rules conflict, the REFI-QDA 1.0 standard (``Project.xsd``)
    decides; every choice below meets all four tools at once unless it says otherwise.

    - *One selection per coder*: each coder's codings of a turn are one
      ``PlainTextSelection`` whose ``creatingUser`` is that coder (the ``Coding``
      carries it too, as the standard allows). QualCoder takes the coder from the
      selection only and keeps one coding per code, span and coder: selections holding
      every coder's codings put them all under one coder and dropped the second coder's
      codings of the same code as duplicates (86 of Kenya's 333). ATLAS.ti and MAXQDA
      also write one selection per user.
    - *Memos in the selection's Description*: QualCoder reads a coding's memo there
      (and ignores ``Coding/NoteRef``); ATLAS.ti shows it as the quotation's comment,
      MAXQDA as the coded segment's comment. A memo is written once, so the round trip
      gives it back as it was; when a coder wrote different memos on different codes of
      one turn, that coder's codings of the turn are split into one selection per memo.
    - *Everything dated and owned*: QualCoder stops at a ``Note`` without
      ``creationDateTime``; so the project, the sources, the selections, the codings and
      the note carry ``creationDateTime`` and ``creatingUser`` (a ``User`` named
      ``sparklearn`` owns the sources and the note; coders own their codings).
      sparklearn does not record when a coding was made: every date is the session's
      date (the project's and the note's the latest session's), so the same data give
      the same bytes.
    - *Sources named as the tools name them*: ``"KE-S01 Round 1 reflection - ..."``
      (session id, then title; :func:`source_names`), the name the tools list
      documents by. QualCoder saves each text source as ``documents/<name>.txt``, so a
      name holds no ``: / \\ * ? " < > |`` (Windows refuses them) and no extension
      (QualCoder adds ``.txt``). The text itself is ``sources/<GUID>.txt`` with
      ``plainTextPath="internal://<GUID>.txt"`` as the standard has it, in the lower-case
      ``sources/`` folder the standard names (NVivo writes ``Sources/``; ATLAS.ti refuses
      it, as QualCoder's export notes).
    - *Positions*: texts are UTF-8 without byte-order mark and with LF line breaks, so
      the tools that count a Windows line break as one character, as two, or the mark as
      one, all count the same positions. (QualCoder reads a mark as a character and
      widens every line break of a CRLF text by one, except from ATLAS.ti; its own export
      writes the mark, and CRLF on request "for MAXQDA". With neither in the text, no
      convention differs, which is what the standard's character positions need.) Positions count
      Unicode characters; tools built on .NET may count a character outside the Basic
      Multilingual Plane (an emoji) as two, which would shift later selections of that
      source.
    - *The project note* ("About this export", a ``Note`` with a text file, referenced
      by the project): QualCoder lists it as a journal, the others as a project memo.

Privacy
    A ``.qdpx`` carries the sessions' turns. The source texts are rebuilt from the
    pipeline's pseudonymised segments (:func:`export_texts`): each turn as
    ``"<speaker pseudonym>: <text>"``, nothing else of the session file (no YAML front
    matter, no participant list, no raw speaker label). ``names=`` (the participants
    register's names and participant ids) makes the export fail, writing nothing, if
    any is still in a text, name, title, memo or coder.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from lxml import etree

from sparklearn.codebook import Codebook, codebook_table, load_codebook
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.files import write_atomic, write_csv, xml_text
from sparklearn.frames import require_columns
from sparklearn.ingest.qda_codings import (
    PLACED_SEGMENT_COLUMNS,
    ImportReport,
    QdaImport,
    pseudonymised_offsets,
    selections_to_codings,
)
from sparklearn.ingest.refi_qda import (
    CODEBOOK_NS,
    PROJECT_NS,
    ZIP_EPOCH,
    read_qdc,
    read_qdpx,
    refi_guid,
)
from sparklearn.ingest.taguette import read_taguette_highlights, taguette_report

# --------------------------------------------------------------------------- export


def _qualified(namespace: str):
    return lambda tag: f"{{{namespace}}}{tag}"


def _codes_element(parent: etree._Element, codebook: Codebook, q) -> None:
    """``Codes`` with one ``Code`` per codebook code, nested by parent, in codebook order."""
    table = codebook_table(codebook).sort_values(["depth", "order"], kind="stable")
    codes = etree.SubElement(parent, q("Codes"))
    made: dict[str, etree._Element] = {}
    # Parents come first (sorted by depth), so each code's element can hang under its parent's.
    for code in table.itertuples():
        holder = made.get(code.parent_id, codes) if pd.notna(code.parent_id) else codes
        element = etree.SubElement(holder, q("Code"), guid=refi_guid("code", code.code_id), name=code.label,
                                   isCodable="true")
        if pd.notna(code.definition):
            etree.SubElement(element, q("Description")).text = code.definition
        made[code.code_id] = element


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A zip with fixed timestamps and member order, so the same project gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members, key=lambda n: (n != "project.qde", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()


def write_qdc(path: str | Path, codebook: Codebook, *, origin: str = "sparklearn") -> Path:
    """Write the codebook alone as a REFI-QDA codebook (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``).

    Codes are nested by parent, named by label, described by their definition, with
    the same GUIDs as in :func:`write_qdpx` exports.

    Returns
    -------
    pathlib.Path
        The file written (atomically).

    Examples
    --------
    >>> from sparklearn.ingest.refi_qda import read_qdc
    >>> import tempfile, pathlib
    >>> from sparklearn.codebook import codebook_from_dict
    >>> cb = codebook_from_dict({"version": "1", "codes": [{"id": "BR", "label": "Barriers"},
    ...     {"id": "BR-INFO", "label": "Lack of information", "parent": "BR"}]})
    >>> out = write_qdc(pathlib.Path(tempfile.mkdtemp()) / "spark.qdc", cb)
    >>> read_qdc(out, codebook=cb)[["code_id", "name", "depth"]].values.tolist()
    [['BR', 'Barriers', 0], ['BR-INFO', 'Lack of information', 1]]
    """
    path = Path(path)
    q = _qualified(CODEBOOK_NS)
    root = etree.Element(q("CodeBook"), nsmap={None: CODEBOOK_NS}, origin=origin)
    _codes_element(root, codebook, q)
    write_atomic(path, _serialise(root))
    return path


def _check_names(texts: Mapping[str, str], names: Iterable[str], *, files: Mapping[str, object]) -> None:
    """Refuse to export text that still holds a registered name or participant id (the register is their only place)."""
    wanted = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not wanted:
        return
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, wanted)) + r")(?!\w)", re.IGNORECASE)
    for key, text in texts.items():
        hit = pattern.search(text)
        if hit:
            # The name itself is not repeated in the message, which may end up in a log.
            raise InputError(f"{key} still contains a registered participant's name or id (at character "
                             f"{hit.start()}); nothing was written", file=files.get(key),
                             fix="export the pseudonymised segments the pipeline prepares, not the raw sessions")


def _dt(value: datetime | date) -> str:
    """``xsd:dateTime`` in UTC; a date is its midnight."""
    value = pd.Timestamp(value)
    value = value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _variable_value(parent: etree._Element, q, name: str, kind: str, value: object) -> None:
    holder = etree.SubElement(parent, q("VariableValue"))
    etree.SubElement(holder, q("VariableRef"), targetGUID=refi_guid("variable", name))
    etree.SubElement(holder, q(f"{kind}Value")).text = xml_text(value)


#: The ``User`` that creates the sources and the project note of an export (coders create the codings).
EXPORTER = "sparklearn"


#: Characters a source name may not hold: QualCoder saves each text source as ``documents/<name>.txt``, and
#: Windows refuses these in file names.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def source_names(sessions: pd.DataFrame) -> pd.Series:
    """The name each session's source gets in an export: its id, then its title, safe as a file name.

    Parameters
    ----------
    sessions
        session_id and optionally title (pseudonymised, as the processed sessions table has it).

    Returns
    -------
    pandas.Series
        One name per session, indexed like ``sessions``: ``"<session_id> <title>"``, a colon
        turned into a dash, characters Windows refuses in file names dropped, at most
        100 characters, no trailing dot or space.

    Examples
    --------
    >>> source_names(pd.DataFrame({"session_id": ["KE-S01", "KE-S02"],
    ...                            "title": ["Round 1 reflection: budgets/hearings", None]})).tolist()
    ['KE-S01 Round 1 reflection - budgets hearings', 'KE-S02']
    """
    title = sessions["title"] if "title" in sessions else pd.Series("", index=sessions.index)
    title = (title.fillna("").astype(str).str.replace(r"\s*:\s+", " - ", regex=True)
             .str.replace(_UNSAFE_NAME, " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip())
    name = (sessions["session_id"].astype(str) + " " + title).str.strip()
    return name.str.slice(0, 100).str.rstrip(" .")


def export_texts(segments: pd.DataFrame) -> pd.DataFrame:
    """The text of each session as exported, and where each turn lies in it.

    The text holds only the turns, in turn order, one paragraph each:
    ``"<speaker>: <turn text>"`` with the speaker's pseudonym (no label for a blank
    speaker), paragraphs separated by a blank line, ending with a line break: no
    session header, no participant list, nothing between turns. The layout is
    :func:`sparklearn.ingest.qda_codings.pseudonymised_offsets`, which the import reads
    back with.

    Parameters
    ----------
    segments
        segment_id, session_id, start, text, and optionally speaker (pseudonymised).

    Returns
    -------
    pandas.DataFrame
        ``segments`` in session and turn order with ``export_start``, ``export_end``
        (``text[export_start:export_end]`` of its session's exported text is the
        turn's text) and ``export_label``; ``frame.attrs["texts"]`` maps session_id to
        the exported text.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S-T1", "S-T2"], "session_id": "S", "start": [30, 80],
    ...                     "end": [40, 90], "speaker": ["budget analyst 3f2a", ""], "text": ["We met.", "Noted."]})
    >>> laid = export_texts(seg)
    >>> laid.attrs["texts"]["S"]
    'budget analyst 3f2a: We met.\\n\\nNoted.\\n'
    >>> laid[["export_start", "export_end"]].values.tolist()
    [[21, 28], [30, 36]]
    """
    turns = segments.join(pseudonymised_offsets(segments)).sort_values(["session_id", "start"], kind="stable")
    paragraphs = (turns["export_label"] + turns["text"]).groupby(turns["session_id"], sort=True)
    turns.attrs["texts"] = (paragraphs.agg("\n\n".join) + "\n").to_dict()
    return turns


def _selections(codings: pd.DataFrame) -> pd.DataFrame:
    """``codings`` with the key of the selection each goes in: one per (segment, coder), and memo when they differ.

    QualCoder stores one coding per code, text span and coder and reads a coding's memo
    from its selection's ``Description``; so a coder's codings of a turn share a
    selection, split only when that coder wrote different memos on different codes of it.
    """
    codings = codings.sort_values(["session_id", "export_start", "coder", "memo", "code_id"], kind="stable")
    group = codings.groupby(["segment_id", "coder", "memo"], sort=True).ngroup()
    part = group - group.groupby([codings["segment_id"], codings["coder"]]).transform("min")
    base = codings["segment_id"] + "|" + codings["coder"]
    return codings.assign(selection=base.where(part == 0, base + "|" + part.astype(str)))


def _about(country_name: str, sessions: pd.DataFrame, coded: pd.DataFrame, codebook: Codebook) -> str:
    """The project note: what the export holds and how to read it."""
    dates = pd.to_datetime(sessions.get("date", pd.Series(dtype="datetime64[ns]")), errors="coerce").dropna()
    span = f", {dates.min().day} {dates.min():%B %Y} to {dates.max().day} {dates.max():%B %Y}" if len(dates) else ""
    counts = coded.groupby("coder")["code_id"].size()
    coders = ", ".join(f"{coder} ({n} coding{'s' if n != 1 else ''})" for coder, n in counts.items()) or "none"
    book = f"{getattr(codebook, 'title', 'codebook')} {getattr(codebook, 'version', '')}".strip()
    return "\n".join([
        f"{country_name}, exported by sparklearn.", "",
        f"Sessions: {len(sessions)}{span}. Codebook: {book}. Coders: {coders}.", "",
        ("Each source is one reflection session: its speakers' turns, each speaker shown as a pseudonym by role. "
         "Session headers and participant lists are not exported."),
        ("Each coder's codings of a turn are one selection created by that coder (one per memo where the coder "
         "wrote different memos on the turn); a coding memo is the selection's description (comment)."),
        "Dates are the sessions' dates, not the time of coding, which sparklearn does not record.",
        "Positions count characters of the text as stored: UTF-8, LF line breaks, no byte-order mark.", ""])


def write_qdpx(
    path: str | Path,
    *,
    sessions: pd.DataFrame,
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    users: Iterable[str] = (),
    names: Iterable[str] = (),
    project_name: str | None = None,
    created: datetime | date | None = None,
) -> Path:
    """Write sessions, codebook and codings as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

    Each session becomes a ``TextSource`` named ``"<session_id> <title>"``
    (:func:`source_names`) whose text (``sources/<GUID>.txt``) holds only its
    pseudonymised turns (:func:`export_texts`). Each coder's codings of a turn are one
    ``PlainTextSelection`` over the turn's text, created by that coder's ``User``,
    with one ``Coding`` per code (also created by the coder) and the coder's memo as
    the selection's ``Description``. Sources, selections and codings are dated with
    their session's date, the project and its note ("About this export") with the
    latest session date; GUIDs come from :func:`refi_guid`: the same data give the
    same bytes. Codes are nested by parent, named by label and described by their
    definition; sessions carry the variables country, round and date; each campaign is
    a ``Case`` holding its sessions. The module docstring says which tool each choice
    is for.

    **Privacy**: the project holds the sessions' turns. Pass the pipeline's
    pseudonymised segments (speaker pseudonyms, names replaced) and the register's
    names and participant ids as ``names``: the export then fails, writing nothing, if
    any of them is left in a text, title, memo or speaker label.

    Parameters
    ----------
    path
        The ``.qdpx`` to write (atomically); nothing else is written.
    sessions
        session_id, and optionally country, campaign_ids (``;``-joined), round, date,
        title.
    segments
        segment_id, session_id, start, end, text, and optionally speaker: the turns, in
        order of ``start``.
    codings
        segment_id, code_id, coder, optionally memo; every segment and code must exist.
    codebook
        From :func:`sparklearn.codebook.load_codebook`.
    users
        Coders to list besides those in ``codings`` (e.g. a second coder about to start).
    names
        Names and participant ids from the participants register that must not appear.
    project_name
        The project's name (default: the file's stem).
    created
        The date of the project and its note (default: the latest session date).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        Codings for unknown segments or codes, or a registered name or id in the text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sparklearn.codebook import codebook_from_dict
    >>> cb = codebook_from_dict({"version": "1", "codes": [{"id": "BR", "label": "Barriers"}]})
    >>> seg = pd.DataFrame({"segment_id": ["KE-S01-T001"], "session_id": "KE-S01", "start": 0, "end": 7,
    ...                     "speaker": "budget analyst 3f2a", "text": "We met."})
    >>> out = write_qdpx(pathlib.Path(tempfile.mkdtemp()) / "k.qdpx", codebook=cb, segments=seg,
    ...                  sessions=pd.DataFrame({"session_id": ["KE-S01"], "title": ["Round 1: budgets"]}),
    ...                  codings=pd.DataFrame({"segment_id": ["KE-S01-T001"], "code_id": "BR", "coder": "ann"}))
    >>> read_qdpx(out).selections[["source_name", "start", "end", "coder"]].values.tolist()
    [['KE-S01 Round 1 - budgets', 21, 28, 'ann']]
    """
    path = Path(path)
    require_columns(sessions, ["session_id"], "sessions")
    require_columns(segments, PLACED_SEGMENT_COLUMNS, "segments")
    require_columns(codings, ["segment_id", "code_id", "coder"], "codings")
    sessions = sessions.sort_values("session_id", kind="stable").reset_index(drop=True)
    turns = export_texts(segments.loc[segments["session_id"].isin(sessions["session_id"])])
    texts = {sid: turns.attrs["texts"].get(sid, "") for sid in sessions["session_id"]}
    table = codebook_table(codebook)
    memo = codings["memo"] if "memo" in codings else pd.Series("", index=codings.index)
    codings = codings.assign(memo=memo.fillna("").astype(str).str.strip(), coder=codings["coder"].astype(str))
    for column, known, what, fix in (
        ("segment_id", turns["segment_id"], "segment of the exported sessions",
         "export the sessions these codings belong to, or drop codings of deleted turns"),
        ("code_id", table["code_id"], "codebook code", "fix the coding sheet's code (see sparklearn validate)"),
    ):
        unknown = codings.loc[~codings[column].isin(known)]
        if len(unknown):
            first = unknown.iloc[0]
            raise InputError(f"{len(unknown)} coding(s) refer to a {column} that is not a {what}",
                             file=first.get("source_file"), row=first.get("source_row"), column=column,
                             value=first[column], fix=fix)

    names_of = dict(zip(sessions["session_id"], source_names(sessions)))
    dates = pd.to_datetime(sessions["date"], errors="coerce") if "date" in sessions else pd.Series(pd.NaT,
                                                                                                    index=sessions.index)
    latest = created if created is not None else (dates.max() if dates.notna().any() else datetime(1980, 1, 1))
    dated = dict(zip(sessions["session_id"], dates.fillna(pd.Timestamp(latest)).map(_dt)))
    project_dt = _dt(latest)
    country_name = project_name or path.stem
    coded = _selections(codings[["segment_id", "code_id", "coder", "memo"]].merge(
        turns[["segment_id", "session_id", "export_start", "export_end"]], on="segment_id"))
    about = _about(country_name, sessions, coded, codebook)
    _check_names({**{f"session {k}": v for k, v in texts.items()},
                  **{f"the source name of session {k}": v for k, v in names_of.items()},
                  **{f"title of session {k}": str(v) for k, v in zip(sessions["session_id"],
                                                                     sessions.get("title", []))},
                  **{f"a memo on {k}": v for k, v in zip(codings["segment_id"], codings["memo"])},
                  **{f"coder {c}": c for c in codings["coder"].unique()}, "the project note": about},
                 names, files={})

    q = _qualified(PROJECT_NS)
    exporter = refi_guid("user", EXPORTER)
    root = etree.Element(q("Project"), nsmap={None: PROJECT_NS}, name=country_name, origin="sparklearn",
                         creatingUserGUID=exporter, creationDateTime=project_dt)
    users_element = etree.SubElement(root, q("Users"))
    # Coders first: QualCoder makes the first user the current coder after an import.
    for coder in [*sorted(set(codings["coder"]) | set(map(str, users)) - {EXPORTER}), EXPORTER]:
        etree.SubElement(users_element, q("User"), guid=refi_guid("user", coder), name=xml_text(coder))
    _codes_element(etree.SubElement(root, q("CodeBook")), codebook, q)

    kinds = {"country": "Text", "round": "Integer", "date": "Date"}
    described = [v for v in kinds if v in sessions and sessions[v].notna().any()]
    if described:
        variables = etree.SubElement(root, q("Variables"))
        for name in described:
            etree.SubElement(variables, q("Variable"), guid=refi_guid("variable", name), name=name,
                             typeOfVariable=kinds[name])
    if "campaign_ids" in sessions:
        campaigns = (sessions.assign(campaign=sessions["campaign_ids"].fillna("").astype(str).str.split(";"))
                     .explode("campaign").assign(campaign=lambda t: t["campaign"].str.strip()))
        campaigns = campaigns.loc[campaigns["campaign"] != ""].sort_values(["campaign", "session_id"])
        if len(campaigns):
            cases = etree.SubElement(root, q("Cases"))
            for campaign, group in campaigns.groupby("campaign", sort=True):
                case = etree.SubElement(cases, q("Case"), guid=refi_guid("case", campaign), name=campaign)
                if "country" in described:
                    _variable_value(case, q, "country", "Text", group["country"].iloc[0])
                for sid in group["session_id"]:
                    etree.SubElement(case, q("SourceRef"), targetGUID=refi_guid("source", sid))

    members = {}
    sources_element = etree.SubElement(root, q("Sources"))
    by_session = dict(tuple(coded.groupby("session_id", sort=False)))
    # One element per session, selection and coding: building XML is inherently element by element.
    for session in sessions.itertuples():
        sid, when = session.session_id, dated[session.session_id]
        guid = refi_guid("source", sid)
        members[f"sources/{guid}.txt"] = texts[sid].encode("utf-8")
        source = etree.SubElement(sources_element, q("TextSource"), guid=guid, name=names_of[sid],
                                  plainTextPath=f"internal://{guid}.txt", creatingUser=exporter,
                                  creationDateTime=when)
        if pd.notna(getattr(session, "title", None)):
            etree.SubElement(source, q("Description")).text = xml_text(session.title)
        for key, rows in by_session.get(sid, coded.iloc[0:0]).groupby("selection", sort=False):
            first = rows.iloc[0]
            coder = refi_guid("user", first["coder"])
            selection = etree.SubElement(source, q("PlainTextSelection"), guid=refi_guid("selection", key),
                                         name=first["segment_id"], startPosition=str(first["export_start"]),
                                         endPosition=str(first["export_end"]), creatingUser=coder,
                                         creationDateTime=when)
            if first["memo"]:
                etree.SubElement(selection, q("Description")).text = xml_text(first["memo"])
            for code_id in rows["code_id"]:
                element = etree.SubElement(selection, q("Coding"),
                                           guid=refi_guid("coding", f"{first['segment_id']}|{code_id}|{first['coder']}"),
                                           creatingUser=coder, creationDateTime=when)
                etree.SubElement(element, q("CodeRef"), targetGUID=refi_guid("code", code_id))
        for name in described:
            value = getattr(session, name)
            if pd.notna(value):
                if isinstance(value, datetime):
                    value = value.date()
                text = value.isoformat() if isinstance(value, date) else (
                    int(value) if kinds[name] == "Integer" else value)
                _variable_value(source, q, name, kinds[name], text)

    note_guid = refi_guid("note", "about this export")
    members[f"sources/{note_guid}.txt"] = about.encode("utf-8")
    etree.SubElement(etree.SubElement(root, q("Notes")), q("Note"), guid=note_guid, name="About this export",
                     plainTextPath=f"internal://{note_guid}.txt", creatingUser=exporter,
                     creationDateTime=project_dt)
    description = f"{getattr(codebook, 'title', 'codebook')} {getattr(codebook, 'version', '')}".strip()
    etree.SubElement(root, q("Description")).text = f"Exported by sparklearn; codebook: {description}"
    etree.SubElement(root, q("NoteRef"), targetGUID=note_guid)
    members["project.qde"] = _serialise(root)
    write_atomic(path, _zip_bytes(members))
    return path


# --------------------------------------------------------------------------- command-line steps


def export_project(country: str, output: str | Path, *, paths: Paths | None = None) -> Path:
    """Export a country's pseudonymised sessions, codebook and codings as ``.qdpx`` (``sparklearn export-qdpx``).

    Reads the country's processed tables from the store (pseudonymised segments, checked
    codings: :func:`sparklearn.store.country_tables`; prepared in memory when ``paths``
    has no output folder, the default, so that ``output`` is the only file written) and
    refuses to write if a name or participant id from its participants register is left.

    Parameters
    ----------
    country
        Country slug.
    output
        The ``.qdpx`` to write.
    paths
        Folders (default: the project found from the current folder, tables in memory).

    Returns
    -------
    pathlib.Path
        ``output``.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> out = export_project("kenya", Path(tempfile.mkdtemp()) / "kenya.qdpx")
    >>> sorted(n for n in zipfile.ZipFile(out).namelist() if not n.startswith("sources/"))
    ['project.qde']
    """
    from sparklearn.ingest.privacy import read_register
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    codebook = load_codebook(paths.codebook_file)
    tables = country_tables(country, paths)
    register = read_register(paths.country_raw(country) / "participants.csv")
    private = [frame[column] for frame in (register.accepted, register.rejected)
               for column in ("name", "participant_id") if column in frame]
    return write_qdpx(output, sessions=tables.sessions, segments=tables.segments, codings=tables.codings,
                      codebook=codebook, names=pd.concat(private, ignore_index=True).dropna().astype(str),
                      project_name=f"Learning with SPARK: {country}")


def import_project(file: str | Path, *, country: str, paths: Paths | None = None,
                   output: str | Path | None = None, code_map: str | Path | None = None,
                   map_output: str | Path | None = None, coder: str | None = None) -> QdaImport:
    """Codings from a ``.qdpx`` or a Taguette highlights sheet, optionally saved as a coding sheet, with a report.

    The sheet (``session_id, segment_id, code, coder, memo``) is what
    :mod:`sparklearn.coding` reads from a country's ``codings/`` folder
    (``sparklearn import-qdpx``). The segments come from the store
    (:func:`sparklearn.store.country_tables`; prepared in memory when ``paths`` has no
    output folder, the default), so nothing but ``output`` (and a code map) is written.
    ``report`` is the :class:`~sparklearn.ingest.qda_codings.ImportReport` ``import-qdpx`` prints.

    Code map: without ``code_map``, a project whose coded codes are not all SPARK codes
    imports nothing; the code map workbook
    (:func:`~sparklearn.report.code_map_sheet.write_code_map`) is written to
    ``map_output``, else beside ``output`` (``<output stem>-code-map.xlsx``; one folder
    up when ``output`` is in a ``codings/`` folder, where the map would be read as a
    coding sheet), and ``report.map_file`` names it. With ``code_map`` (the filled workbook) its choices
    are used; a choice that is neither a SPARK code nor ``ignore`` raises. A ``.qdc``
    codebook gives no codings: its code map is written to ``output`` (an ``.xlsx``).

    ``coder``: who made a Taguette export's highlights (Taguette's export does not say;
    default ``taguette``). A ``.qdpx`` names its coders itself (each coding's
    ``creatingUser``), so ``coder`` is refused there.

    Raises
    ------
    InputError
        The code map has choices that are neither a SPARK code nor ``ignore`` (every
        such row is named), a ``.qdc`` is given an ``output`` that is not ``.xlsx``, or
        ``coder`` is blank or given for a ``.qdpx``.
    """
    from sparklearn.ingest.code_map import map_needed, read_code_map
    from sparklearn.ingest.codings import CODING_COLUMNS
    from sparklearn.report.code_map_sheet import write_code_map
    from sparklearn.store import country_tables

    file = Path(file)
    taguette = file.suffix.lower() in {".csv", ".xlsx", ".xlsm"}
    if coder is not None and not taguette:
        raise InputError("a REFI-QDA project names its own coders (each coding's creatingUser), so --coder is not "
                         "used for it", file=file, fix="leave out --coder (it is for Taguette exports, which do "
                         "not say who highlighted)")
    if coder is not None and not coder.strip():
        raise InputError("the coder's name is blank", file=file, fix="give --coder a name, e.g. --coder coder-a")
    paths = paths or resolve_paths(default_out=False)
    codebook = load_codebook(paths.codebook_file)
    checked_map = read_code_map(code_map, codebook) if code_map is not None else None
    if checked_map is not None and checked_map.n_errors:
        bad = checked_map.problems.loc[checked_map.problems["severity"] == "error"]
        raise InputError(f"{len(bad)} choice(s) are neither a SPARK code nor 'ignore': " + "; ".join(
            f"row {r.row} '{r.value}' ({r.fix.rsplit('codings out', 1)[-1].strip().strip('()') or 'no close code'})"
            for r in bad.itertuples()), file=checked_map.file, column="Your choice",
            fix="choose a code id from the dropdown (the Codebook sheet lists them) or 'ignore' in each row named")
    if file.suffix.lower() == ".qdc":
        codes = read_qdc(file, codebook=codebook)
        target = Path(map_output or output or file.with_suffix(".code-map.xlsx"))
        if target.suffix.lower() != ".xlsx":
            raise InputError(f"a .qdc codebook gives a code map, an Excel workbook, not '{target.suffix}'",
                             file=target, fix="name an .xlsx file with --output, e.g. code-map.xlsx")
        write_code_map(target, codes, codebook, sets=codes.attrs["sets"], project=file.stem)
        problems = codes.attrs["problems"]
        report = ImportReport(file=str(file), codes=codes[["name", "path", "code_id"]].assign(
                                  how=codes["code_id"].notna().map({True: "id", False: pd.NA})),
                              sources=pd.DataFrame(columns=["name", "session_id", "matched_by"]),
                              by_coder=pd.DataFrame(columns=["coder", "read", "imported", "ignored", "rejected",
                                                             "turn_codings"]),
                              positions="none (a codebook)", n_errors=int((problems["severity"] == "error").sum()),
                              codebook_only=True, map_file=str(target))
        return QdaImport(pd.DataFrame(columns=CODING_COLUMNS), pd.DataFrame(), problems, report)
    segments = country_tables(country, paths).segments
    if taguette:
        who = coder.strip() if coder is not None else "taguette"
        checked = read_taguette_highlights(file, segments=segments, codebook=codebook, country=country, coder=who)
        checked = QdaImport(checked.accepted, checked.rejected, checked.problems,
                            taguette_report(file, checked, coder=who))
    else:
        project = read_qdpx(file, codebook=codebook)
        checked = selections_to_codings(project, segments, codebook=codebook, country=country,
                                        code_map=checked_map)
        if checked_map is None and map_needed(project, codebook):
            base = Path(output) if output is not None else file
            # Beside --output, except in a codings/ folder: there the map would be read as a coding sheet.
            folder = base.parent.parent if base.parent.name.casefold() == "codings" else base.parent
            target = Path(map_output) if map_output else folder / f"{base.stem}-code-map.xlsx"
            write_code_map(target, project.codes.drop_duplicates("guid"), codebook, project=project.name,
                           sets=project.sets,
                           n_codings=pd.concat([project.selections, project.rejected])["code_guid"].value_counts())
            # Nothing is imported until the map is filled: the per-coding "not in the codebook" errors say no more.
            problems = checked.problems.loc[~checked.problems["rule"].eq("code is not in the codebook")]
            return QdaImport(checked.accepted.iloc[:0], checked.rejected, problems,
                             replace(checked.report, map_file=str(target)))
        checked = replace(checked, problems=pd.concat([checked_map.problems, checked.problems], ignore_index=True)) \
            if checked_map is not None else checked
    if output is not None:
        sheet = checked.accepted.rename(columns={"code_id": "code"})[["session_id", "segment_id", "code", "coder",
                                                                      "memo"]]
        write_csv(Path(output), sheet)
    return checked
