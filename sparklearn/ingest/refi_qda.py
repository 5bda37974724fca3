"""Reading REFI-QDA files: ``.qdpx`` projects and ``.qdc`` codebooks into tidy tables.

Stage: ingest. Country leads code in NVivo, ATLAS.ti, MAXQDA or QualCoder and exchange
projects through the REFI-QDA 1.0 standard (qdasoftware.org). :func:`read_qdpx` reads
a project into a :class:`QdpxProject` (users, codes, sources, coded selections, cases,
variables, sets, notes, problems) without knowing anything about sparklearn's
sessions; :func:`read_qdc` reads a codebook alone. ``.qdc`` files are read here, not in
:mod:`sparklearn.codebook`, so that all REFI-QDA XML reading is in one module.

The steps after reading live beside it, one question each:
:mod:`sparklearn.ingest.qda_codings` places a project's selections on sparklearn's
segments, :mod:`sparklearn.ingest.taguette` does the same for Taguette highlights, and
:mod:`sparklearn.report.refi_qda` writes projects and codebooks for the tools.
:func:`refi_guid` and the namespaces are here because reading and writing must agree
on them.

How positions are read
    REFI-QDA ``startPosition``/``endPosition`` are character positions (zero-based,
    end exclusive) in the source's plain text. sparklearn offsets are Python string
    indices into text without a byte-order mark and with LF line ends. Tools disagree
    on how they count a text stored with CRLF line ends or a BOM: QualCoder counts a
    line break as one character and so, by QualCoder's import code, does ATLAS.ti; NVivo's
    Windows exports count CRLF as two (the text as stored); and
    a BOM may or may not be counted. So each source's positions are tried under every
    convention its text allows (:data:`POSITION_CONVENTIONS`) and read under the one
    with which most selection ends fall inside the text and not inside a word;
    ``QdpxProject.positions`` says which, per source. When fewer than half of a
    source's selections line up under the best convention, each of its selections is
    rejected with an error naming it (the text is not the one coded). Inline
    ``PlainTextContent`` is already LF-normalised by XML parsing and read as it is.

Quirks read with a warning
    Elements in the codebook namespace (or none) inside a project, an
    ``xsi:schemaLocation`` naming another schema, set members given by ``guid`` instead
    of ``targetGUID``, ids that are not GUIDs, texts under ``Sources/`` rather than
    ``sources/``, a BOM or CRLF line ends in a source text. The project file may have
    any name ending in ``.qde`` (ATLAS.ti 26 names it after the project); an archive
    with none or several is refused, naming what it holds. Elements are matched on
    their local name, whatever their namespace.

Problems
    Every problem table has :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; the
    ``row`` is the line in ``project.qde`` (unzip the project to see it). A selection
    with an error (missing source text, positions outside the text, no code) is kept in
    ``QdpxProject.rejected``, never dropped.

What is never read
    Files outside the archive: a source's ``relative://``, ``absolute://`` or
    ``file://`` path (and the project's ``basePath``) only name a member to look for
    inside the ``.qdpx``, so a project from elsewhere cannot make sparklearn copy a local
    file into its output. Archives beyond the limits of :mod:`sparklearn.ingest.archives`
    (files, expanded size, XML nesting) are refused with a message saying which limit.
"""

from __future__ import annotations

import codecs
import re
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np
import pandas as pd
from lxml import etree

from sparklearn.codebook import Codebook, codebook_table, lookup_codes
from sparklearn.exceptions import InputError
from sparklearn.ingest.archives import (
    MAX_UNCOMPRESSED,
    open_archive,
    parse_xml,
    read_member,
)
from sparklearn.ingest.problems import add_problem, apply_checks, problems_frame

PROJECT_NS = "urn:QDA-XML:project:1.0"


CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


#: Namespace of sparklearn's deterministic GUIDs (see :func:`refi_guid`).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:sparklearn:refi-qda")


#: Columns of :attr:`QdpxProject.codes`, in order.
CODE_COLUMNS = ["guid", "code_id", "name", "parent_guid", "path", "depth", "color", "description", "is_codable"]


#: Columns of :attr:`QdpxProject.sources`, in order.
SOURCE_COLUMNS = ["guid", "name", "path_in_zip", "text", "n_chars"]


#: How a tool may count ``startPosition``/``endPosition``, in the order preferred when
#: selections line up equally well under several (the first reads the text as stored).
POSITION_CONVENTIONS = {
    "CRLF": "a Windows line break (CRLF) counts as two characters, as the text is stored (NVivo's Windows exports)",
    "LF": "a line break counts as one character (QualCoder's and ATLAS.ti's way, and sparklearn's)",
    "CRLF+BOM": "CRLF as two characters and the byte-order mark as one",
    "LF+BOM": "a line break as one character and the byte-order mark as one",
}


#: Columns of :attr:`QdpxProject.positions`, in order.
POSITION_COLUMNS = ["source_guid", "source_name", "convention", "tried", "n_selections", "n_lined_up"]


#: Columns of :attr:`QdpxProject.selections`, in order (``rejected`` adds ``problem``).
SELECTION_COLUMNS = ["ordinal", "line", "selection_guid", "source_guid", "source_name", "start", "end",
                     "code_guid", "code_name", "coder", "created", "memo"]


_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")


_ID_ATTRIBUTES = ("guid", "targetGUID", "creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID")


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


#: What a sparklearn GUID can name.
GuidKind = Literal["project", "user", "code", "variable", "case", "source", "selection", "coding", "note"]


def refi_guid(kind: GuidKind, key: str) -> str:
    """The GUID sparklearn gives a thing in REFI-QDA files: same thing, same GUID.

    GUIDs are UUID5s of ``kind:key`` under :data:`GUID_NAMESPACE`, so exports are
    byte-stable and a code keeps its GUID across countries and re-exports.

    Examples
    --------
    >>> refi_guid("code", "OA-POWER") == refi_guid("code", "OA-POWER") != refi_guid("code", "OA")
    True
    >>> len(refi_guid("source", "GH-S01"))
    36
    """
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class QdpxProject:
    """A REFI-QDA project read into tidy tables.

    Attributes
    ----------
    path, name
        The ``.qdpx`` file and the project's name.
    users
        guid, name (``User/@name``, else ``@id``, else the GUID).
    codes
        guid, code_id (the codebook's id when a codebook was given and the code's GUID
        or name matches, else NA), name, parent_guid, path (names joined by ``/``),
        depth, color, description, is_codable.
    sources
        guid, name, path_in_zip (``""`` for inline text; the ``plainTextPath`` as
        written when the text is not in the archive), text (BOM removed, LF line ends;
        missing when not in the archive), n_chars.
    selections
        One row per ``Coding`` of a ``PlainTextSelection`` (a ``Coding`` directly on a
        source covers the whole text): ordinal (1-based, document order, counting
        rejected ones), line (in ``project.qde``), selection_guid, source_guid,
        source_name, start, end (positions in ``sources.text``), code_guid, code_name,
        coder (``Coding/@creatingUser`` resolved to the user's name), created (UTC),
        memo (the selection's description and notes).
    rejected
        Selections that cannot be used, with the same columns plus ``problem``.
    cases
        guid, name, description, source_guids (``;``-joined).
    variables
        owner_guid, owner (``"case"`` or ``"source"``), variable, type, value (as text).
    sets
        guid, name, description, member_guid, member_kind (``"code"``, ``"source"`` or
        ``"note"``; NA for an empty set): one row per member.
    notes
        guid, name, text, coder, created.
    positions
        One row per source with text: source_guid, source_name, convention (the key of
        :data:`POSITION_CONVENTIONS` its positions were read under, ``"none"`` when its
        selections line up under none), tried (the conventions its text allows),
        n_selections (rows of ``selections`` with positions: one per ``Coding``),
        n_lined_up (those with both ends inside the text and not inside a word).
    problems
        :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; ``row`` is the line in
        ``project.qde``.
    """

    path: Path
    name: str
    users: pd.DataFrame
    codes: pd.DataFrame
    sources: pd.DataFrame
    selections: pd.DataFrame
    rejected: pd.DataFrame
    cases: pd.DataFrame
    variables: pd.DataFrame
    sets: pd.DataFrame
    notes: pd.DataFrame
    positions: pd.DataFrame
    problems: pd.DataFrame


def _norm_id(value: str | None) -> str | None:
    """GUIDs compare without braces and case; other ids are kept as written."""
    if value is None:
        return None
    value = value.strip()
    return value.strip("{}").lower() if _GUID.fullmatch(value) else value


def _text_of(element: etree._Element | None) -> str:
    return "" if element is None else "".join(element.itertext()).strip()


_EXPORT_FIX = "export the project from the QDA tool as a REFI-QDA project (.qdpx), which is a zip file"


def _open_zip(path: Path) -> zipfile.ZipFile:
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("the file is empty", file=path,
                         fix="export the project again from the QDA tool (File > Export > REFI-QDA project)")
    return open_archive(path, expected="a REFI-QDA project (.qdpx)", fix=_EXPORT_FIX)


def _check_namespaces(root: etree._Element, *, expected: str, schema: str, file: Path, found: list[dict]) -> None:
    """Warn about namespaces and schema locations that disagree with ``expected``, then drop them.

    Tools mix the project and codebook namespaces, or use none; all elements are
    matched on their local name afterwards.
    """
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    if location:
        tokens = location.split()
        if tokens[0] != expected or not any(schema.lower() in t.lower() for t in tokens[1:]):
            add_problem(found, file, root.sourceline, "xsi:schemaLocation", location,
                   f"schema location does not name {expected} {schema}",
                   "nothing to do; elements were read by name (tell the tool's makers if codings are missing)")
    others: dict[str | None, list[etree._Element]] = {}
    for element in root.iter(tag=etree.Element):
        namespace = etree.QName(element).namespace
        if namespace != expected:
            others.setdefault(namespace, []).append(element)
        element.tag = etree.QName(element).localname
    for namespace, elements in others.items():
        first = elements[0]
        what = f"namespace '{namespace}'" if namespace else "no namespace"
        add_problem(found, file, first.sourceline, first.tag, namespace or "",
               f"{len(elements)} element(s), from <{first.tag}>, are in {what} instead of {expected}",
               "nothing to do; elements were read by name")
    etree.cleanup_namespaces(root)


def _check_ids(root: etree._Element, *, file: Path, found: list[dict]) -> None:
    """One warning per id attribute whose values are not GUIDs (some tools write plain ids)."""
    bad: dict[str, list[tuple[int, str]]] = {}
    for element in root.iter(tag=etree.Element):
        for name in _ID_ATTRIBUTES:
            value = element.get(name)
            if value is not None and not _GUID.fullmatch(value.strip()):
                bad.setdefault(name, []).append((element.sourceline, value))
    for name, hits in bad.items():
        add_problem(found, file, hits[0][0], f"@{name}", hits[0][1],
               f"{len(hits)} @{name} value(s) are not GUIDs", "nothing to do; they were read as plain ids")


def _separate_sources(root: etree._Element, *, file: Path, found: list[dict]) -> None:
    """Give each TextSource a GUID of its own: a repeated (or missing) one gets its place appended, with a warning.

    Selections are tied to the source they sit in; two sources sharing a GUID would
    otherwise pool their texts and selections.
    """
    seen: set[str | None] = set()
    for number, source in enumerate(root.iterfind("Sources/TextSource"), start=1):
        guid = _norm_id(source.get("guid"))
        if guid in seen or not guid:
            source.set("guid", f"{guid or 'no guid'} (source {number})")
            add_problem(found, file, source.sourceline, "TextSource/@guid", guid or "",
                   "source has no GUID of its own" + (" (another source has the same)" if guid else ""),
                   "nothing to do; it was read as a source of its own (export the project again if codings are "
                   "missing)")
        seen.add(guid)


def _find_member(archive: zipfile.ZipFile, wanted: str) -> str | None:
    """Zip member by path, ignoring case (tools write ``sources/`` or ``Sources/``)."""
    wanted = wanted.lstrip("/").lower()
    by_lower = {name.lower(): name for name in archive.namelist()}
    return by_lower.get(wanted) or by_lower.get(f"sources/{wanted}")


def _decode_text(data: bytes, *, file: Path, line: int, where: str,
                 found: list[dict]) -> tuple[str, np.ndarray, bool]:
    """Text without BOM and with LF line ends, the positions of the CRs dropped from CRLFs, whether it had a BOM."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
        add_problem(found, file, line, "plainTextPath", where, "source text starts with a byte-order mark",
               "nothing to do; positions were tried with and without it (see the position convention)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = data.decode("utf-8", errors="replace")
        add_problem(found, file, line, "plainTextPath", where, f"source text is not valid UTF-8 ({err.reason} at byte "
               f"{err.start})", "save the source as UTF-8 in the QDA tool and export again; invalid bytes were "
               "replaced by U+FFFD", severity="warning")
    crlf = np.array([m.start() for m in re.finditer("\r\n", text)], dtype="int64")
    if len(crlf):
        add_problem(found, file, line, "plainTextPath", where,
               f"source text has {len(crlf)} CRLF line end(s)",
               "nothing to do; positions were tried with a line break as one and as two characters (see the "
               "position convention)")
    return text.replace("\r\n", "\n").replace("\r", "\n"), crlf, bom


def _source_text(source: etree._Element, archive: zipfile.ZipFile, *, qdpx: Path,
                 found: list[dict]) -> tuple[str | None, str, np.ndarray, bool]:
    """(text or None, where it was looked for, CRLF positions, had a BOM) of a TextSource or Note.

    Only the archive is read: a ``relative://``, ``absolute://`` or ``file://`` path is
    looked up inside the ``.qdpx`` (by its path, then its file name under ``sources/``),
    never on disk, so a project from elsewhere cannot make sparklearn copy a local file.
    """
    inline = source.find("PlainTextContent")
    if inline is not None:
        return (inline.text or "").lstrip("\ufeff"), "", np.array([], dtype=int), False
    location = source.get("plainTextPath") or ""
    scheme, _, rest = location.partition("://")
    if not rest:
        scheme, rest = "internal", location
    member = _find_member(archive, rest) if rest else None
    if member is None and rest and scheme.lower() != "internal":
        member = _find_member(archive, PurePosixPath(rest.replace("\\", "/")).name)
    if member is None:
        return None, location, np.array([], dtype=int), False
    data = read_member(archive, member, file=qdpx)
    rule = "source texts are in 'Sources/' rather than 'sources/'"
    if member.split("/")[0] == "Sources" and not any(f["rule"] == rule for f in found):
        add_problem(found, qdpx, source.sourceline, "plainTextPath", member, rule,
               "nothing to do; the folder was matched ignoring case")
    text, crlf, bom = _decode_text(data, file=qdpx, line=source.sourceline, where=member, found=found)
    return text, member, crlf, bom


def _read_codes(codes_element: etree._Element | None, *, file: Path, found: list[dict]) -> pd.DataFrame:
    rows: list[dict] = []

    def visit(parent: etree._Element, parent_guid: str | None, parent_path: str, depth: int) -> None:
        for code in parent.iterfind("Code"):
            guid = _norm_id(code.get("guid")) or f"(no guid, line {code.sourceline})"
            name = code.get("name") or ""
            if code.get("guid") is None:
                add_problem(found, file, code.sourceline, "Code/@guid", name, "code has no guid",
                       "nothing to do; codings cannot refer to it")
            path = f"{parent_path}/{name}" if parent_path else name
            rows.append({"guid": guid, "name": name, "parent_guid": parent_guid, "path": path, "depth": depth,
                         "color": code.get("color"), "description": _text_of(code.find("Description")) or None,
                         "is_codable": (code.get("isCodable") or "true").strip().lower() in {"true", "1"}})
            visit(code, guid, path, depth + 1)

    if codes_element is not None:
        visit(codes_element, None, "", 0)
    codes = pd.DataFrame(rows, columns=[c for c in CODE_COLUMNS if c != "code_id"])
    codes.insert(1, "code_id", pd.Series(pd.NA, index=codes.index, dtype="string"))
    text_columns = ["guid", "name", "parent_guid", "path", "color", "description"]
    return codes.astype({**dict.fromkeys(text_columns, "string"), "depth": "int64", "is_codable": bool})


def match_code_ids(codes: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Codebook ids for project codes: by sparklearn's GUID first, then by name (id or label).

    Returns the ``lookup_codes`` columns (value, code_id, suggestion, matched_by) indexed
    like ``codes``; ``matched_by`` is ``"guid"`` for GUID matches.
    """
    ids = codebook_table(codebook)["code_id"]
    by_guid = codes["guid"].map(pd.Series(ids.array, index=[refi_guid("code", i) for i in ids]))
    looked = lookup_codes(codes["name"].astype("string"), codebook)
    looked["code_id"] = by_guid.astype("string").fillna(looked["code_id"])
    looked["matched_by"] = looked["matched_by"].mask(by_guid.notna(), "guid")
    looked["suggestion"] = looked["suggestion"].mask(looked["code_id"].notna())
    return looked


def _read_selections(root: etree._Element, sources: pd.DataFrame, users: Mapping[str, str],
                     notes: Mapping[str, str]) -> pd.DataFrame:
    """One row per Coding, positions as written (mapped later)."""
    rows: list[dict] = []
    for source in root.iterfind("Sources/TextSource"):
        source_guid = _norm_id(source.get("guid"))
        # A Coding on the source itself codes the whole text; its end is filled in once the text is known.
        spans = [(sel, sel.get("startPosition"), sel.get("endPosition"), sel.iterfind("Coding"))
                 for sel in source.iterfind("PlainTextSelection")]
        spans.append((source, "0", None, source.iterfind("Coding")))
        for selection, start, end, codings in spans:
            memo = [_text_of(selection.find("Description"))] if selection is not source else []
            for coding in codings:
                ref = coding.find("CodeRef")
                coder = _norm_id(coding.get("creatingUser") or selection.get("creatingUser"))
                note_refs = chain(coding.iterfind("NoteRef"), selection.iterfind("NoteRef"))
                texts = memo + [notes.get(_norm_id(r.get("targetGUID")) or "", "") for r in note_refs]
                rows.append({
                    "line": coding.sourceline, "selection_guid": _norm_id(selection.get("guid")),
                    "source_guid": source_guid, "start": start, "end": end, "whole_source": selection is source,
                    "code_guid": _norm_id(ref.get("targetGUID")) if ref is not None else None,
                    "coder": users.get(coder, coder) if coder else None,
                    "created": coding.get("creationDateTime") or selection.get("creationDateTime"),
                    "memo": "\n\n".join(t for t in texts if t),
                })
    frame = pd.DataFrame(rows, columns=[*(c for c in SELECTION_COLUMNS if c not in {"source_name", "code_name",
                                                                                      "ordinal"}), "whole_source"])
    frame.insert(0, "ordinal", np.arange(1, len(frame) + 1))
    return frame.merge(sources[["guid", "name"]].rename(columns={"guid": "source_guid", "name": "source_name"}),
                       on="source_guid", how="left")


def _to_lf(positions: np.ndarray, crs: np.ndarray, convention: str) -> np.ndarray:
    """Positions counted under ``convention`` -> positions in the text without BOM and with LF line ends."""
    stored = positions - ("BOM" in convention)
    if convention.startswith("CRLF"):
        # Each CR dropped before a position moves it back by one.
        stored = stored - np.searchsorted(crs, stored, side="left")
    return stored


def _edges(text: str) -> np.ndarray:
    """``edges[p]``: position ``p`` (0..len) is not inside a word, where a tool's selection starts or ends."""
    word = np.fromiter((c.isalnum() for c in text), dtype=bool, count=len(text))
    return ~(np.r_[False, word] & np.r_[word, False])


def _place_selections(selections: pd.DataFrame, sources: pd.DataFrame, layout: Mapping[str, tuple[np.ndarray, bool]],
                      *, file: Path, found: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map positions onto the LF text under the convention each source's selections line up with.

    A selection lines up when both its ends are inside the text and not inside a word.
    For each source the conventions its text allows are tried (CRLF ones only when the
    stored text has CRLFs, BOM ones only when it had a BOM); the one under which most
    selections fall inside the text and line up wins, ties going to the earlier in
    :data:`POSITION_CONVENTIONS` (with a warning when they would place selections
    differently). When fewer than half of a source's selections line up under the best
    one, no convention can be trusted for it: all its selections are marked
    ``misaligned`` (rejected with an error naming each).

    Returns the selections with ``start``/``end`` mapped and ``misaligned``, and the
    :attr:`QdpxProject.positions` table.
    """
    # Positions that are not whole numbers, or too large to be a place in any text, become NA
    # (rejected later as such).
    start, end = (pd.to_numeric(selections[c], errors="coerce").pipe(lambda v: v.where((v % 1 == 0) & (v.abs() < 2**53)))
                  for c in ("start", "end"))
    selections = selections.assign(start=start.astype("Int64"), end=end.astype("Int64"), misaligned=False)
    rows = []
    for source in sources.loc[sources["text"].notna()].itertuples():
        crs, bom = layout.get(source.guid, (np.array([], dtype="int64"), False))
        placed = (selections["source_guid"] == source.guid) & ~selections["whole_source"] & start.notna() & end.notna()
        raw_start, raw_end = start[placed].to_numpy("int64"), end[placed].to_numpy("int64")
        edges, n = _edges(source.text), len(source.text)
        scores = {}
        for convention in POSITION_CONVENTIONS:
            if ("CRLF" in convention and not len(crs)) or ("BOM" in convention and not bom):
                continue
            s, e = _to_lf(raw_start, crs, convention), _to_lf(raw_end, crs, convention)
            inside = (s >= 0) & (e <= n) & (s <= e)
            lined_up = inside & edges[s.clip(0, n)] & edges[e.clip(0, n)]
            scores[convention] = (int(inside.sum() + lined_up.sum()), s, e, lined_up)
        best = max(scores, key=lambda c: scores[c][0])  # max keeps the first of equal scores
        _, s, e, lined_up = scores[best]
        selections.loc[placed, "start"], selections.loc[placed, "end"] = s, e
        if placed.any() and lined_up.sum() * 2 < len(lined_up):
            selections.loc[placed, "misaligned"] = True
            best = "none"
        tied = [c for c, score in scores.items() if c != best and score[0] == scores.get(best, (None,))[0]
                and not (np.array_equal(score[1], s) and np.array_equal(score[2], e))]
        if tied and best != "none":
            add_problem(found, file, source.line, "PlainTextSelection", source.name,
                   f"selections of source '{source.name}' line up equally well counting positions as {best} or "
                   f"{', '.join(tied)}; {best} was used", "check a few codings of this source in the QDA tool")
        rows.append({"source_guid": source.guid, "source_name": source.name, "convention": best,
                     "tried": ", ".join(scores), "n_selections": int(placed.sum()),
                     "n_lined_up": int(lined_up.sum())})
    return selections, pd.DataFrame(rows, columns=POSITION_COLUMNS)


def _check_selections(selections: pd.DataFrame, codes: pd.DataFrame, *,
                      file: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(kept, rejected with ``problem``, problems) for selection rows with ``n_chars``/``has_text``."""
    has_text = selections["has_text"]
    numeric = selections["start"].notna() & selections["end"].notna()
    checks = [
        (~has_text, "TextSource/@plainTextPath", "source_name",
         "selection is in a source whose text is missing from the project",
         "export the project again with its sources (the .qdpx must hold sources/<GUID>.txt)"),
        (has_text & ~numeric, "PlainTextSelection/@startPosition", "start_raw",
         "selection positions are not whole numbers (or are too large to be a place in any text)", "export the project again from the QDA tool"),
        (has_text & numeric & ((selections["start"] < 0) | (selections["end"] > selections["n_chars"])),
         "PlainTextSelection/@endPosition", "span",
         "selection positions are outside the source text",
         "the source text differs from the one coded: export the project again with its sources"),
        (selections["misaligned"], "PlainTextSelection/@startPosition", "span",
         ("selection does not line up with the source text under any position convention (line breaks as one or two "
          "characters, with or without the byte-order mark)"),
         "the source text differs from the one coded: export the project again with its sources"),
        (has_text & numeric & (selections["start"] >= selections["end"]),
         "PlainTextSelection/@endPosition", "span", "selection is empty (end is not after start)",
         "delete the empty coding in the QDA tool or ignore this row"),
        (selections["code_guid"].isna(), "Coding/CodeRef", "code_guid", "coding has no CodeRef",
         "export the project again from the QDA tool"),
        (selections["code_guid"].notna() & ~selections["code_guid"].isin(codes["guid"]),
         "CodeRef/@targetGUID", "code_guid", "coding refers to a code that is not in the project's codebook",
         "export the project again; the code may have been deleted without its codings"),
    ]
    return apply_checks(selections, checks, file=file, row="line")


def _read_variables(root: etree._Element) -> pd.DataFrame:
    names = {_norm_id(v.get("guid")): (v.get("name"), v.get("typeOfVariable"))
             for v in root.iterfind("Variables/Variable")}
    rows = []
    for owner, path in (("case", "Cases/Case"), ("source", "Sources/TextSource")):
        for element in root.iterfind(path):
            for value in element.iterfind("VariableValue"):
                ref = value.find("VariableRef")
                key = _norm_id(ref.get("targetGUID")) if ref is not None else None
                name, kind = names.get(key, (key, None))
                holder = next((c for c in value if c.tag != "VariableRef"), None)
                rows.append({"owner_guid": _norm_id(element.get("guid")), "owner": owner, "variable": name,
                             "type": kind or (holder.tag.removesuffix("Value") if holder is not None else None),
                             "value": holder.text if holder is not None else None})
    return pd.DataFrame(rows, columns=["owner_guid", "owner", "variable", "type", "value"])


def _read_sets(root: etree._Element, *, file: Path, found: list[dict], reference: str) -> pd.DataFrame:
    """Set members; ``reference`` is the attribute the schema wants (``targetGUID`` or ``guid``)."""
    other = "guid" if reference == "targetGUID" else "targetGUID"
    kinds = {"MemberCode": "code", "MemberSource": "source", "MemberNote": "note"}
    rows, misnamed = [], []
    for item in root.iterfind("Sets/Set"):
        members = [m for m in item if m.tag in kinds]
        about = {"guid": _norm_id(item.get("guid")), "name": item.get("name"),
                 "description": _text_of(item.find("Description")) or None}
        for member in members:
            if member.get(reference) is None and member.get(other) is not None:
                misnamed.append(member)
            rows.append({**about, "member_guid": _norm_id(member.get(reference) or member.get(other)),
                         "member_kind": kinds[member.tag]})
        if not members:
            rows.append({**about, "member_guid": None, "member_kind": None})
    if misnamed:
        add_problem(found, file, misnamed[0].sourceline, f"{misnamed[0].tag}/@{other}", misnamed[0].get(other),
               f"{len(misnamed)} set member(s) use @{other} where the schema has @{reference}",
               "nothing to do; both were read")
    return pd.DataFrame(rows, columns=["guid", "name", "description", "member_guid", "member_kind"])


def read_qdpx(path: str | Path, *, codebook: Codebook | None = None) -> QdpxProject:
    """Read a REFI-QDA project (``.qdpx``) into tidy tables.

    Parameters
    ----------
    path
        The ``.qdpx`` file: a zip holding one ``.qde`` project file (``project.qde``;
        ATLAS.ti 26 names it after the project) and ``sources/``.
    codebook
        Optional; when given, ``codes.code_id`` is filled where a code's GUID is the
        one sparklearn exports for a codebook code, or its name is a codebook id or
        label.

    Returns
    -------
    QdpxProject
        Tables described in :class:`QdpxProject`; selections with problems are in
        ``rejected``, and every problem and tolerated quirk is in ``problems``.

    Raises
    ------
    InputError
        The file is missing, empty or not a zip, holds no ``.qde`` or several, or its XML is
        malformed (the message gives the line and column) or has no ``Project`` root.

    Examples
    --------
    >>> import tempfile, zipfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.qdpx"
    >>> g = "8a4e6b52-7a57-4b3c-9d43-5ac2e0a1b001"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("project.qde", f'''<Project xmlns="urn:QDA-XML:project:1.0" name="t">
    ...       <CodeBook><Codes><Code guid="{g[:-1]}2" name="Power" isCodable="true"/></Codes></CodeBook>
    ...       <Sources><TextSource guid="{g}" name="GH-S01" plainTextPath="internal://{g}.txt">
    ...         <PlainTextSelection guid="{g[:-1]}3" startPosition="0" endPosition="5">
    ...           <Coding guid="{g[:-1]}4"><CodeRef targetGUID="{g[:-1]}2"/></Coding>
    ...         </PlainTextSelection></TextSource></Sources></Project>''')
    ...     z.writestr(f"sources/{g}.txt", "Hello world")
    >>> project = read_qdpx(p)
    >>> project.selections[["source_name", "start", "end", "code_name", "coder"]].values.tolist()
    [['GH-S01', 0, 5, 'Power', 'unknown']]
    >>> project.problems[["row", "rule", "severity"]].values.tolist()
    [[5, '1 coding(s) have no creatingUser', 'warning']]
    """
    path = Path(path)
    found: list[dict] = []
    with _open_zip(path) as archive:
        # The project file is named project.qde by most tools, after the project by ATLAS.ti 26; macOS
        # zips add __MACOSX/._<name> resource forks, which are not projects.
        members = [n for n in archive.namelist()
                   if n.lower().endswith(".qde") and not n.startswith("__MACOSX/") and not n.endswith("/")]
        if len(members) != 1:
            listed = ", ".join((members or archive.namelist())[:8]) or "nothing"
            what = f"holds {len(members)} .qde project files ({listed})" if members else (
                f"has no .qde project file such as project.qde (the zip holds: {listed})")
            raise InputError(what, file=path, fix="export the project from the QDA tool as one REFI-QDA project "
                                                  "(.qdpx); a .qdpx holds exactly one .qde file")
        member = members[0]
        fix = "export the project again from the QDA tool; if it persists, report the line to the tool's makers"
        root = parse_xml(read_member(archive, member, file=path), file=path, member=member, fix=fix)
        _check_namespaces(root, expected=PROJECT_NS, schema="Project.xsd", file=path, found=found)
        if root.tag != "Project":
            raise InputError(f"{member} holds <{root.tag}>, not a REFI-QDA <Project>", file=path, row=1,
                             fix="export a REFI-QDA project (.qdpx); for a codebook alone use read_qdc")
        _check_ids(root, file=path, found=found)
        _separate_sources(root, file=path, found=found)

        users = pd.DataFrame([{"guid": _norm_id(u.get("guid")),
                               "name": u.get("name") or u.get("id") or _norm_id(u.get("guid"))}
                              for u in root.iterfind("Users/User")], columns=["guid", "name"])
        user_names = dict(zip(users["guid"], users["name"]))
        codes = _read_codes(root.find("CodeBook/Codes"), file=path, found=found)
        if codebook is not None and len(codes):
            codes["code_id"] = match_code_ids(codes, codebook)["code_id"]

        source_rows, layout = [], {}
        for source in root.iterfind("Sources/TextSource"):
            guid = _norm_id(source.get("guid"))
            text, where, crs, bom = _source_text(source, archive, qdpx=path, found=found)
            layout[guid] = (crs, bom)
            source_rows.append({"guid": guid, "name": source.get("name") or guid, "path_in_zip": where,
                                "text": text, "n_chars": len(text) if text is not None else pd.NA,
                                "line": source.sourceline})
        sources = pd.DataFrame(source_rows, columns=[*SOURCE_COLUMNS, "line"])
        missing = sources.loc[sources["text"].isna()]
        found.extend(pd.DataFrame({
            "file": str(path), "row": missing["line"], "column": "TextSource/@plainTextPath",
            "value": missing["path_in_zip"],
            "rule": "text of source '" + missing["name"] + "' is missing from the project",
            "fix": "export the project again with its sources inside (the .qdpx must hold sources/<GUID>.txt); "
                   "texts kept outside the project are not read",
            "severity": "error"}).to_dict("records"))
        others = [e for e in root.iterfind("Sources/*") if e.tag != "TextSource"]
        if others:
            add_problem(found, path, others[0].sourceline, others[0].tag, len(others),
                   f"{len(others)} non-text source(s) (PDF, picture, audio or video) were not read",
                   "code reflection sessions as text sources")

        note_rows = []
        for note in root.iterfind("Notes/Note"):
            text, *_ = _source_text(note, archive, qdpx=path, found=found)
            creator = _norm_id(note.get("creatingUser"))
            note_rows.append({"guid": _norm_id(note.get("guid")), "name": note.get("name"), "text": text or "",
                              "coder": user_names.get(creator, creator),
                              "created": note.get("creationDateTime")})
        notes = pd.DataFrame(note_rows, columns=["guid", "name", "text", "coder", "created"])
        notes["created"] = pd.to_datetime(notes["created"], utc=True, errors="coerce", format="ISO8601")

        selections = _read_selections(root, sources, user_names, dict(zip(notes["guid"], notes["text"])))
        uncoded = sum(1 for s in root.iterfind("Sources/TextSource/PlainTextSelection") if s.find("Coding") is None)
        if uncoded:
            add_problem(found, path, None, "PlainTextSelection", uncoded,
                   f"{uncoded} selection(s) carry no Coding (e.g. anchors for notes)", "nothing to do")
        cases = pd.DataFrame([{
            "guid": _norm_id(c.get("guid")), "name": c.get("name"), "description": _text_of(c.find("Description")),
            "source_guids": ";".join(_norm_id(r.get("targetGUID")) or "" for r in c.iterfind("SourceRef")),
        } for c in root.iterfind("Cases/Case")], columns=["guid", "name", "description", "source_guids"])
        variables = _read_variables(root)
        sets = _read_sets(root, file=path, found=found, reference="targetGUID")
        project_name = root.get("name") or path.stem

    unknown_coders = selections["coder"].notna() & ~selections["coder"].isin(users["name"])
    if len(users) and unknown_coders.any():
        first = selections.loc[unknown_coders].iloc[0]
        add_problem(found, path, first["line"], "Coding/@creatingUser", first["coder"],
               f"{int(unknown_coders.sum())} coding(s) name a user that is not in <Users>",
               "nothing to do; the user's GUID is used as the coder")
    no_coder = selections["coder"].isna()
    if no_coder.any():
        add_problem(found, path, selections.loc[no_coder, "line"].iloc[0], "Coding/@creatingUser", "",
               f"{int(no_coder.sum())} coding(s) have no creatingUser", "nothing to do; their coder is 'unknown'")
    selections["coder"] = selections["coder"].fillna("unknown")
    selections["start_raw"] = selections["start"]
    selections, positions = _place_selections(selections, sources, layout, file=path, found=found)
    text_info = sources.set_index("guid")
    selections["n_chars"] = pd.to_numeric(selections["source_guid"].map(text_info["n_chars"]), errors="coerce")
    selections["has_text"] = selections["source_guid"].map(text_info["text"].notna()).fillna(False).astype(bool)
    selections["end"] = selections["end"].mask(selections["whole_source"], selections["n_chars"])
    selections["span"] = selections["start_raw"].astype(str) + "-" + selections["end"].astype(str)
    kept, rejected, problems = _check_selections(selections, codes, file=path)
    code_names = codes.drop_duplicates("guid").set_index("guid")["name"]
    extra = ["start_raw", "n_chars", "has_text", "span", "whole_source", "misaligned"]
    kept = kept.drop(columns=extra).astype({"start": "int64", "end": "int64"})
    rejected = rejected.drop(columns=extra)
    for table in (kept, rejected):
        table["code_name"] = table["code_guid"].map(code_names)
        table["created"] = pd.to_datetime(table["created"], utc=True, errors="coerce", format="ISO8601")
    issues = pd.concat([problems_frame(found), problems], ignore_index=True)
    return QdpxProject(
        path=path, name=project_name, users=users, codes=codes,
        sources=sources.drop(columns="line"),
        selections=kept[SELECTION_COLUMNS], rejected=rejected[[*SELECTION_COLUMNS, "problem"]],
        cases=cases, variables=variables, sets=sets, notes=notes, positions=positions,
        problems=issues.sort_values("row", kind="stable", na_position="first").reset_index(drop=True),
    )


def read_qdc(path: str | Path, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Read a REFI-QDA codebook (``.qdc``): nested codes flattened, each with its parent.

    Parameters
    ----------
    path
        The ``.qdc`` file. A ``project.qde`` is accepted too (its codebook is read).
    codebook
        Optional; fills ``code_id`` as in :func:`read_qdpx`.

    Returns
    -------
    pandas.DataFrame
        guid, code_id, name, parent_guid, path (names joined by ``/``), depth, color,
        description, is_codable, in document order. The codebook's sets are in
        ``frame.attrs["sets"]`` (guid, name, description, member_guid, member_kind: one
        row per member code, as :attr:`QdpxProject.sets`); tolerated quirks are listed
        in ``frame.attrs["problems"]``.

    Raises
    ------
    InputError
        Missing or empty file, malformed XML (with line and column), no ``CodeBook``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path, fix="check the path")
    fix = "export the codebook again from the QDA tool (REFI-QDA codebook, .qdc)"
    if path.stat().st_size > MAX_UNCOMPRESSED:
        raise InputError(f"the file is larger than the {MAX_UNCOMPRESSED // 2**20} MB sparklearn reads", file=path,
                         fix=fix)
    root = parse_xml(path.read_bytes(), file=path, member=path.name, fix=fix)
    found: list[dict] = []
    _check_namespaces(root, expected=CODEBOOK_NS, schema="Codebook.xsd", file=path, found=found)
    book = root if root.tag == "CodeBook" else root.find("CodeBook")
    if book is None:
        raise InputError(f"holds <{root.tag}>, not a REFI-QDA <CodeBook>", file=path, row=root.sourceline, fix=fix)
    _check_ids(root, file=path, found=found)
    codes = _read_codes(book.find("Codes"), file=path, found=found)
    sets = _read_sets(book, file=path, found=found, reference="guid")
    if codebook is not None and len(codes):
        codes["code_id"] = match_code_ids(codes, codebook)["code_id"]
    codes.attrs["sets"] = sets
    codes.attrs["problems"] = problems_frame(found)
    return codes
