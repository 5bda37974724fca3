"""Writing REFI-QDA files for NVivo, ATLAS.ti, MAXQDA and QualCoder, and the export/import steps.

Stage: report (it makes files for people: a project a lead opens in their QDA tool).
:func:`write_qdpx` writes a country's sessions, codebook and codings as a ``.qdpx``
project and :func:`write_qdc` the codebook alone as a ``.qdc``; both use the GUIDs and
namespaces of :mod:`sparklearn.ingest.refi_qda`, so a project sparklearn wrote reads back
with every code and turn in place. :func:`export_project` and :func:`import_project`
are the command-line steps (``sparklearn export-qdpx`` / ``import-qdpx``): they take
the country's tables from :mod:`sparklearn.store` and write only the file they name.
Reading projects and Taguette sheets is ingest (:mod:`sparklearn.ingest.refi_qda`,
:mod:`sparklearn.ingest.qda_codings`, :mod:`sparklearn.ingest.taguette`).

Exports are byte-stable: fixed zip timestamps and member order, GUIDs derived from ids
(:func:`~sparklearn.ingest.refi_qda.refi_guid`), no creation time unless asked for.

Privacy
    A ``.qdpx`` carries the full text of every session. :func:`write_qdpx` must be given
    pseudonymised segments (the pipeline's processed segments); turns are written with
    the segments' text, and ``names=`` (the participants register's names) makes the
    export fail if any name is still there.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from itertools import chain, zip_longest
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from sparklearn.codebook import Codebook, codebook_table, load_codebook
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.files import write_atomic, write_csv
from sparklearn.frames import require_columns
from sparklearn.ingest.qda_codings import (
    _SEGMENT_COLUMNS,
    ImportReport,
    QdaImport,
    _pseudonymised_offsets,
    highlights_report,
    selections_to_codings,
)
from sparklearn.ingest.refi_qda import (
    _ZIP_EPOCH,
    CODEBOOK_NS,
    PROJECT_NS,
    read_qdc,
    read_qdpx,
    refi_guid,
)
from sparklearn.ingest.taguette import read_taguette_highlights

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
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
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


def _read_session_text(file: str | Path) -> str:
    """A session file's text as sparklearn's offsets count it: decoded as the reader decodes it, LF line ends."""
    from sparklearn.ingest.sessions import session_text

    return session_text(file)


def _splice(text: str, turns: pd.DataFrame, *, file: object) -> str:
    """``text`` with each turn's span replaced by the turn's (pseudonymised) text."""
    starts, ends = turns["start"].to_numpy(), turns["end"].to_numpy()
    if len(turns) and (starts.min() < 0 or ends.max() > len(text) or (starts[1:] < ends[:-1]).any()):
        raise InputError("the segments' offsets do not fit this session's text", file=file,
                         fix="pass the segments and texts read together from the same session files")
    gaps = [text[a:b] for a, b in zip(np.r_[0, ends], np.r_[starts, len(text)])]
    return "".join(chain.from_iterable(zip_longest(gaps, turns["text"].tolist(), fillvalue="")))


def _check_names(texts: Mapping[str, str], names: Iterable[str], *, files: Mapping[str, object]) -> None:
    """Refuse to export text that still holds a registered name (the register is the only place for names)."""
    wanted = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not wanted:
        return
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, wanted)) + r")\b", re.IGNORECASE)
    for key, text in texts.items():
        hit = pattern.search(text)
        if hit:
            # The name itself is not repeated in the message, which may end up in a log.
            raise InputError(f"{key} still contains a registered participant's name (at character {hit.start()}); "
                             "nothing was written", file=files.get(key),
                             fix="export the pseudonymised segments the pipeline prepares, not the raw sessions")


def _dt(value: datetime) -> str:
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _variable_value(parent: etree._Element, q, name: str, kind: str, value: object) -> None:
    holder = etree.SubElement(parent, q("VariableValue"))
    etree.SubElement(holder, q("VariableRef"), targetGUID=refi_guid("variable", name))
    etree.SubElement(holder, q(f"{kind}Value")).text = str(value)


def write_qdpx(
    path: str | Path,
    *,
    sessions: pd.DataFrame,
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    session_texts: Mapping[str, str] | None = None,
    users: Iterable[str] = (),
    names: Iterable[str] = (),
    project_name: str | None = None,
    created: datetime | None = None,
) -> Path:
    """Write sessions, codebook and codings as a REFI-QDA project (``.qdpx``) for NVivo & co.

    Each session becomes a ``TextSource`` (``sources/<GUID>.txt``) holding the session
    text with every turn replaced by its segment's text; each coded segment a
    ``PlainTextSelection`` over the turn, with one ``Coding`` per (code, coder)
    (``creatingUser`` = the coder's ``User``); memos become ``Notes``. Codes are nested
    by parent, named by label and described by their definition. Sessions carry the
    variables country, round and date; each campaign is a ``Case`` holding its
    sessions. GUIDs come from :func:`refi_guid`, so the same input gives the same bytes.

    **Privacy**: the project holds the sessions' full text. Pass the pipeline's
    pseudonymised segments (their text is what is written for each turn) and the
    register's ``names``: the export then fails if a name is left in any text.

    Parameters
    ----------
    path
        The ``.qdpx`` to write (atomically).
    sessions
        session_id, and optionally country, campaign_ids (``;``-joined), round, date,
        title, source_file.
    segments
        segment_id, session_id, start, end, text: offsets into the session text.
    codings
        segment_id, code_id, coder, optionally memo; every segment and code must exist.
    codebook
        From :func:`sparklearn.codebook.load_codebook`.
    session_texts
        session_id -> the normalised session text the offsets refer to; by default each
        session's ``source_file`` is read (BOM removed, LF line ends).
    users
        Coders to list besides those in ``codings`` (e.g. a second coder about to start).
    names
        Names from the participants register that must not appear in the export.
    project_name, created
        The project's name (default: the file's stem) and creation time (omitted by
        default, to keep exports byte-stable).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        Codings for unknown segments or codes, segments that do not fit their session
        text, or a registered name in the text.
    """
    path = Path(path)
    require_columns(sessions, ["session_id"], "sessions")
    require_columns(segments, _SEGMENT_COLUMNS, "segments")
    require_columns(codings, ["segment_id", "code_id", "coder"], "codings")
    sessions = sessions.sort_values("session_id", kind="stable").reset_index(drop=True)
    files = dict(zip(sessions["session_id"], sessions.get("source_file", sessions["session_id"])))
    if session_texts is None:
        require_columns(sessions, ["source_file"], "sessions")
        session_texts = {sid: _read_session_text(f) for sid, f in files.items()}
    absent = sessions.loc[~sessions["session_id"].isin(list(session_texts)), "session_id"]
    if len(absent):
        raise InputError(f"no text given for session {absent.iloc[0]}", file=files.get(absent.iloc[0]),
                         fix="pass session_texts for every session, or leave it out to read the session files")

    turns = segments.loc[segments["session_id"].isin(sessions["session_id"])]
    turns = turns.join(_pseudonymised_offsets(turns)).sort_values(["session_id", "start"], kind="stable")
    table = codebook_table(codebook)
    memo = codings["memo"] if "memo" in codings else pd.Series("", index=codings.index)
    codings = codings.assign(memo=memo.fillna("").astype(str))
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

    texts = {sid: _splice(session_texts[sid], group, file=files.get(sid))
             for sid, group in turns.groupby("session_id", sort=True)}
    texts.update({sid: session_texts[sid] for sid in sessions["session_id"] if sid not in texts})
    _check_names({**{f"session {k}": v for k, v in texts.items()},
                  **{f"title of session {k}": str(v) for k, v in zip(sessions["session_id"],
                                                                     sessions.get("title", []))},
                  **{f"a memo on {k}": v for k, v in zip(codings["segment_id"], codings["memo"])}},
                 names, files={f"session {k}": v for k, v in files.items()})

    q = _qualified(PROJECT_NS)
    root = etree.Element(q("Project"), nsmap={None: PROJECT_NS}, name=project_name or path.stem, origin="sparklearn")
    if created is not None:
        root.set("creationDateTime", _dt(created))
    coders = sorted(set(codings["coder"].astype(str)) | set(users))
    users_element = etree.SubElement(root, q("Users")) if coders else None
    for coder in coders:
        etree.SubElement(users_element, q("User"), guid=refi_guid("user", coder), name=coder)
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

    coded = (codings[["segment_id", "code_id", "coder", "memo"]]
             .merge(turns[["segment_id", "session_id", "export_start", "export_end"]], on="segment_id")
             .sort_values(["session_id", "export_start", "code_id", "coder"], kind="stable"))
    coded["key"] = coded["segment_id"] + "|" + coded["code_id"] + "|" + coded["coder"].astype(str)
    members = {}
    sources_element = etree.SubElement(root, q("Sources"))
    by_session = dict(tuple(coded.groupby("session_id", sort=False)))
    # One element per session, selection and coding: building XML is inherently element by element.
    for session in sessions.itertuples():
        guid = refi_guid("source", session.session_id)
        members[f"sources/{guid}.txt"] = texts[session.session_id].encode("utf-8")
        source = etree.SubElement(sources_element, q("TextSource"), guid=guid, name=session.session_id,
                                  plainTextPath=f"internal://{guid}.txt")
        if pd.notna(getattr(session, "title", None)):
            etree.SubElement(source, q("Description")).text = str(session.title)
        for segment_id, selection_rows in by_session.get(session.session_id, coded.iloc[0:0]).groupby(
                "segment_id", sort=False):
            first = selection_rows.iloc[0]
            selection = etree.SubElement(source, q("PlainTextSelection"), guid=refi_guid("selection", segment_id),
                                         name=segment_id, startPosition=str(first["export_start"]),
                                         endPosition=str(first["export_end"]))
            for coding in selection_rows.itertuples():
                element = etree.SubElement(selection, q("Coding"), guid=refi_guid("coding", coding.key),
                                           creatingUser=refi_guid("user", str(coding.coder)))
                etree.SubElement(element, q("CodeRef"), targetGUID=refi_guid("code", coding.code_id))
                if coding.memo:
                    etree.SubElement(element, q("NoteRef"), targetGUID=refi_guid("note", coding.key))
        for name in described:
            value = getattr(session, name)
            if pd.notna(value):
                if isinstance(value, datetime):
                    value = value.date()
                text = value.isoformat() if isinstance(value, date) else (
                    int(value) if kinds[name] == "Integer" else value)
                _variable_value(source, q, name, kinds[name], text)

    memos = coded.loc[coded["memo"] != ""]
    if len(memos):
        notes = etree.SubElement(root, q("Notes"))
        for coding in memos.itertuples():
            note = etree.SubElement(notes, q("Note"), guid=refi_guid("note", coding.key),
                                    name=f"Memo: {coding.segment_id} {coding.code_id}",
                                    creatingUser=refi_guid("user", str(coding.coder)))
            etree.SubElement(note, q("PlainTextContent")).text = coding.memo
    description = f"{getattr(codebook, 'title', 'codebook')} {getattr(codebook, 'version', '')}".strip()
    etree.SubElement(root, q("Description")).text = f"Exported by sparklearn; codebook: {description}"
    members["project.qde"] = _serialise(root)
    write_atomic(path, _zip_bytes(members))
    return path


# --------------------------------------------------------------------------- command-line steps


def export_project(country: str, output: str | Path, *, paths: Paths | None = None) -> Path:
    """Export a country's pseudonymised sessions, codebook and codings as ``.qdpx`` (``sparklearn export-qdpx``).

    Reads the country's processed tables from the store (pseudonymised segments, checked
    codings: :func:`sparklearn.store.country_tables`; prepared in memory when ``paths``
    has no output folder, the default) and refuses to write if a name from its
    participants register is left.
    """
    from sparklearn.ingest.privacy import read_register
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    codebook = load_codebook(paths.codebook_file)
    tables = country_tables(country, paths)
    register = read_register(paths.country_raw(country) / "participants.csv")
    return write_qdpx(output, sessions=tables.sessions, segments=tables.segments, codings=tables.codings,
                      codebook=codebook,
                      names=pd.concat([register.accepted["name"], register.rejected.get("name", pd.Series(dtype=str))]),
                      project_name=f"Learning with SPARK: {country}")


def import_project(file: str | Path, *, country: str, paths: Paths | None = None,
                   output: str | Path | None = None) -> QdaImport:
    """Codings from a ``.qdpx`` or a Taguette highlights sheet, optionally saved as a coding sheet, with a report.

    The sheet (``session_id, segment_id, code, coder, memo``) is what
    :mod:`sparklearn.coding` reads from a country's ``codings/`` folder
    (``sparklearn import-qdpx``). The segments come from the store
    (:func:`sparklearn.store.country_tables`; prepared in memory when ``paths`` has no
    output folder, the default), so nothing but ``output`` is written. A ``.qdc``
    codebook gives no codings: ``output`` gets its codes (guid, name, path, color,
    description, code_id: the codebook code each matched, NA for none) and the report
    counts them. ``report`` is the
    :class:`~sparklearn.ingest.qda_codings.ImportReport` ``import-qdpx`` prints.
    """
    from sparklearn.ingest.codings import CODING_COLUMNS
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    codebook = load_codebook(paths.codebook_file)
    file = Path(file)
    if file.suffix.lower() == ".qdc":
        codes = read_qdc(file, codebook=codebook)
        problems = codes.attrs["problems"]
        report = ImportReport(file=str(file), codes=codes[["name", "path", "code_id"]],
                              sources=pd.DataFrame(columns=["name", "session_id"]),
                              by_coder=pd.DataFrame(columns=["coder", "selections", "rejected", "codings"]),
                              positions="none (a codebook)", n_errors=int((problems["severity"] == "error").sum()),
                              codebook_only=True)
        if output is not None:
            write_csv(Path(output), codes[["guid", "name", "path", "color", "description", "code_id"]])
        return QdaImport(pd.DataFrame(columns=CODING_COLUMNS), pd.DataFrame(), problems, report)
    segments = country_tables(country, paths).segments
    if file.suffix.lower() in {".csv", ".xlsx", ".xlsm"}:
        checked = read_taguette_highlights(file, segments=segments, codebook=codebook, country=country)
        checked = QdaImport(checked.accepted, checked.rejected, checked.problems,
                            highlights_report(file, checked, coder="taguette"))
    else:
        checked = selections_to_codings(read_qdpx(file, codebook=codebook), segments, codebook=codebook,
                                        country=country)
    if output is not None:
        sheet = checked.accepted.rename(columns={"code_id": "code"})[["session_id", "segment_id", "code", "coder",
                                                                      "memo"]]
        write_csv(Path(output), sheet)
    return checked
