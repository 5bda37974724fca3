"""A REFI-QDA project's coded selections -> codings of sparklearn segments.

Stage: ingest. :func:`sparklearn.ingest.refi_qda.read_qdpx` reads what a QDA tool
wrote; this module answers the next question, which speaker turns those selections
code, and returns codings with the same columns as a coding sheet
(:data:`sparklearn.ingest.codings.CODING_COLUMNS`), so the rest of sparklearn cannot
tell where a coding came from. The helpers that match documents to sessions and count
a repeated coding once are shared with :mod:`sparklearn.ingest.taguette`.

How selections become codings
    A source is matched to a session by name: the session id, or the session's file
    name (``GH-S01`` or ``GH-S01.md``, ignoring case). A selection codes every speaker
    turn (segment) it overlaps by at least one character, so a selection spanning two
    turns codes both. Segments are located in the source text at their offsets; when
    the text there is not the segment's text but is found at the offsets
    :func:`sparklearn.report.refi_qda.write_qdpx` would give it (a project that
    sparklearn exported with pseudonymised turns), those offsets are used.

Problems
    A selection that gives no coding (no session, no turn, a code not in the codebook)
    is kept in ``rejected`` with the project's own rejected selections; ``row`` in the
    problems is the line in ``project.qde``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.problems import Checked, problems_frame
from sparklearn.ingest.refi_qda import QdpxProject, _code_ids, _issue, _split

_SEGMENT_COLUMNS = ["segment_id", "session_id", "start", "end", "text"]


_DOC_SUFFIX = re.compile(r"\.(md|markdown|txt|text|docx?|odt|rtf|pdf|html?|qdpx)$", re.IGNORECASE)


def _document_key(names: pd.Series) -> pd.Series:
    """Matching key for a document or session name: no folder, no file extension, case folded."""
    stem = names.astype("string").str.strip().str.rsplit("/", n=1).str[-1].str.replace(_DOC_SUFFIX, "", regex=True)
    return stem.str.casefold()


def _match_sessions(names: pd.Series, session_ids: pd.Series) -> pd.Series:
    """Session id of each document name (NA when none matches)."""
    ids = pd.Series(pd.unique(session_ids.astype("string")))
    return _document_key(names).map(pd.Series(ids.array, index=_document_key(ids).array)).astype("string")


def _pseudonymised_offsets(segments: pd.DataFrame) -> pd.DataFrame:
    """Offsets of each segment once every turn's span is replaced by the segment's text.

    Segments are turns with offsets into the session file, while their ``text`` may be
    pseudonymised (another length); :func:`~sparklearn.report.refi_qda.write_qdpx` writes that text, so later
    turns move by the lengths changed before them. Returns ``export_start``,
    ``export_end`` indexed like ``segments``.
    """
    ordered = segments.sort_values(["session_id", "start"], kind="stable")
    length = ordered["text"].str.len().astype("int64")
    delta = length - (ordered["end"] - ordered["start"])
    shift = delta.groupby(ordered["session_id"], sort=False).cumsum() - delta
    start = ordered["start"] + shift
    return pd.DataFrame({"export_start": start, "export_end": start + length}).reindex(segments.index)


def _segments_in_sources(segments: pd.DataFrame, sources: pd.DataFrame, *, file: Path,
                         found: list[dict]) -> pd.DataFrame:
    """Where each segment lies in each matched source: source_guid, segment_id, seg_start, seg_end.

    Takes the session offsets, or the export offsets when they fit the source text better
    (a project sparklearn wrote from pseudonymised segments).
    """
    placed = segments.join(_pseudonymised_offsets(segments))
    out = []
    for source in sources.itertuples():
        turns = placed.loc[placed["session_id"] == source.session_id]
        # Comparing texts at both candidate offsets is per segment by nature (string slices).
        fits = {prefix: sum(source.text[s:e] == t for s, e, t in zip(turns[f"{prefix}start"], turns[f"{prefix}end"],
                                                                      turns["text"]))
                for prefix in ("", "export_")}
        prefix = "export_" if fits["export_"] > fits[""] else ""
        if fits[prefix] < len(turns):
            _issue(found, file, None, "TextSource", source.name,
                   f"{len(turns) - fits[prefix]} of {len(turns)} turns of session {source.session_id} differ from "
                   f"source '{source.name}' at their offsets",
                   "expected where names were pseudonymised; otherwise the source was edited after export or is "
                   "another version of the session: check its codings")
        out.append(pd.DataFrame({"source_guid": source.guid, "segment_id": turns["segment_id"].to_numpy(),
                                 "seg_start": turns[f"{prefix}start"].to_numpy(dtype="int64"),
                                 "seg_end": turns[f"{prefix}end"].to_numpy(dtype="int64")}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["source_guid", "segment_id", "seg_start", "seg_end"])


def _collapse_duplicates(codings: pd.DataFrame, *, found: list[dict]) -> pd.DataFrame:
    """One coding per (segment, code, coder): memos joined, the first entry kept, a warning per repeat.

    ``codings`` carries ``problem_row``, the row reported for a repeat.
    """
    key = ["segment_id", "code_id", "coder"]
    codings = codings.sort_values([*key, "source_row"], kind="stable")
    dup = codings.duplicated(key)
    repeats = codings.loc[dup]
    first = codings.groupby(key, sort=False)["source_row"].transform("first")[dup].astype(str)
    found.extend(pd.DataFrame({
        "file": repeats["source_file"], "row": repeats["problem_row"], "column": "code", "value": repeats["code_id"],
        "rule": ("codes " + repeats["segment_id"] + " with " + repeats["code_id"] + " for coder "
                 + repeats["coder"].astype(str) + " again (as entry " + first + ")"),
        "fix": "nothing to do; the segment is counted once", "severity": "warning"}).to_dict("records"))
    memo = codings.groupby(key, sort=False)["memo"].agg(lambda m: "\n\n".join(dict.fromkeys(t for t in m if t)))
    return codings.loc[~dup].drop(columns="memo").merge(memo.rename("memo").reset_index(), on=key)


def selections_to_codings(project: QdpxProject, segments: pd.DataFrame, *, codebook: Codebook,
                          country: str) -> Checked:
    """Turn a project's coded selections into codings of sparklearn segments.

    Parameters
    ----------
    project
        From :func:`~sparklearn.ingest.refi_qda.read_qdpx`.
    segments
        The country's segments (segment_id, session_id, start, end, text), as read by
        :func:`sparklearn.ingest.sessions.read_sessions` (pseudonymised or not).
    codebook
        Codes are matched by sparklearn's GUID, else by name (a codebook id or label,
        ignoring case); near misses are suggested.
    country
        Country slug written in the ``country`` column.

    Returns
    -------
    Checked
        ``accepted``: codings with :data:`~sparklearn.ingest.codings.CODING_COLUMNS` (source_file is the
        ``.qdpx``, source_row the selection's ``ordinal``), one per (segment, code,
        coder), sorted; ``rejected``: selections that gave no coding (the project's
        rejected ones too) with ``problem``; ``problems``: the project's plus the
        mapping's (``row`` = line in ``project.qde``).
    """
    require_columns(segments, _SEGMENT_COLUMNS, "segments")
    found: list[dict] = []
    sources = project.sources.assign(session_id=_match_sessions(project.sources["name"], segments["session_id"]))
    matched = sources.loc[sources["session_id"].notna() & sources["text"].notna()]
    positions = _segments_in_sources(segments, matched, file=project.path, found=found)

    selections = project.selections.assign(session_id=project.selections["source_guid"].map(
        sources.set_index("guid")["session_id"]))
    pairs = selections[["ordinal", "source_guid", "start", "end"]].merge(positions, on="source_guid")
    overlap = pairs.loc[(pairs["start"].to_numpy() < pairs["seg_end"].to_numpy())
                        & (pairs["seg_start"].to_numpy() < pairs["end"].to_numpy())]

    codes = project.codes.drop_duplicates("guid").reset_index(drop=True)
    looked = _code_ids(codes, codebook).set_index(codes["guid"])
    selections["code_id"] = selections["code_guid"].map(looked["code_id"])
    selections["suggestion"] = selections["code_guid"].map(looked["suggestion"])
    suggestion = " (did you mean '" + selections["suggestion"].astype("string") + "'?)"
    checks = [
        (selections["session_id"].isna(), "TextSource/@name", "source_name",
         f"source is not a session of {country}",
         "name the document in the QDA tool after its session id (e.g. GH-S01) or session file (GH-S01.md)"),
        (selections["session_id"].notna() & ~selections["ordinal"].isin(overlap["ordinal"]),
         "PlainTextSelection", "span", "selection covers no speaker turn (only a title, header or blank lines)",
         "code the speakers' turns in the QDA tool, not the session header"),
        (selections["code_id"].isna(), "CodeRef/@targetGUID", "code_name", "code is not in the codebook",
         "rename the code in the QDA tool to a codebook id or label, or add it to codebook.yaml"
         + suggestion.fillna("")),
    ]
    kept, rejected, problems = _split(selections.assign(span=selections["start"].astype(str) + "-"
                                                        + selections["end"].astype(str)),
                                      checks, file=project.path, row="line")
    codings = kept.merge(overlap[["ordinal", "segment_id"]], on="ordinal").assign(
        country=country, source_file=str(project.path), source_row=lambda t: t["ordinal"],
        problem_row=lambda t: t["line"])
    codings = _collapse_duplicates(codings, found=found)
    codings = codings.sort_values(["session_id", "segment_id", "code_id", "coder"], kind="stable")
    rejected = pd.concat([project.rejected, rejected.drop(columns=["session_id", "code_id", "suggestion", "span"])],
                         ignore_index=True)
    problems = pd.concat([project.problems, problems_frame(found), problems], ignore_index=True)
    return Checked(codings[CODING_COLUMNS].reset_index(drop=True), rejected, problems)

