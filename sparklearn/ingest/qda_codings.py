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

The import report
    Every import returns an :class:`ImportReport` with its codings (:class:`QdaImport`):
    codes read and matched to the codebook, sources matched to sessions, selections
    read and rejected and codings imported by coder, and the position convention used,
    so that a project that matches nothing says so instead of giving zero codings
    silently (``import-qdpx`` prints it and exits 0 only when codings were imported
    and nothing was in error).

Problems
    A selection that gives no coding (no session, no turn, a code not in the codebook)
    is kept in ``rejected`` with the project's own rejected selections; ``row`` in the
    problems is the line in ``project.qde``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.problems import Checked, problems_frame
from sparklearn.ingest.refi_qda import (
    POSITION_CONVENTIONS,
    QdpxProject,
    _code_ids,
    _issue,
    _split,
)

_SEGMENT_COLUMNS = ["segment_id", "session_id", "start", "end", "text"]


@dataclass(frozen=True)
class ImportReport:
    """What an import took in and left out, for the person who ran it (``import-qdpx`` prints it).

    Attributes
    ----------
    file
        The imported file.
    codes
        name, path, code_id: one row per code read; ``code_id`` is NA for a code that
        matched no codebook code.
    sources
        name, session_id: one row per document read; ``session_id`` is NA when it
        matched no session.
    by_coder
        coder, selections (coded selections read, one per ``Coding``, or highlights), rejected (those that
        gave no coding), codings (codings imported, after splitting a selection onto
        the turns it covers and counting a repeat once).
    positions
        The position convention(s) used (keys of
        :data:`~sparklearn.ingest.refi_qda.POSITION_CONVENTIONS`, one per source when
        they differ), or how positions were found.
    n_errors
        Error-level problems.
    codebook_only
        The file was a ``.qdc`` codebook: codes are what it imports, no codings.
    """

    file: str
    codes: pd.DataFrame
    sources: pd.DataFrame
    by_coder: pd.DataFrame
    positions: str
    n_errors: int
    codebook_only: bool = False

    @property
    def codes_matched(self) -> list[str]:
        return self.codes.loc[self.codes["code_id"].notna(), "name"].tolist()

    @property
    def codes_unmatched(self) -> list[str]:
        return self.codes.loc[self.codes["code_id"].isna(), "name"].tolist()

    @property
    def sources_matched(self) -> list[str]:
        return self.sources.loc[self.sources["session_id"].notna(), "name"].tolist()

    @property
    def sources_unmatched(self) -> list[str]:
        return self.sources.loc[self.sources["session_id"].isna(), "name"].tolist()

    @property
    def n_codings(self) -> int:
        return int(self.by_coder["codings"].sum())

    @property
    def ok(self) -> bool:
        """Something was imported and nothing was in error (``import-qdpx`` exits 0 only then)."""
        return (len(self.codes) if self.codebook_only else self.n_codings) > 0 and self.n_errors == 0

    def lines(self, *, limit: int = 10) -> list[str]:
        """The report as short lines, longest lists cut at ``limit`` names."""
        def names(items: list[str]) -> str:
            more = f", ... and {len(items) - limit} more" if len(items) > limit else ""
            return ": " + ", ".join(items[:limit]) + more if items else ""

        selections, rejected = int(self.by_coder["selections"].sum()), int(self.by_coder["rejected"].sum())
        out = [f"import report for {self.file}"]
        codes = (f"  codes: {len(self.codes)} read, {len(self.codes_matched)} matched to the codebook, "
                 f"{len(self.codes_unmatched)} unmatched{names(self.codes_unmatched)}")
        sources = (f"  sources: {len(self.sources)} read, {len(self.sources_matched)} matched a session, "
                   f"{len(self.sources_unmatched)} unmatched{names(self.sources_unmatched)}")
        if self.codebook_only:
            return [*out, codes]
        if not self.n_codings:
            why = [f"none of {len(self.sources)} source(s) matched a session"] if not self.sources_matched else []
            why += [f"none of {len(self.codes)} code(s) matched the codebook"] if not self.codes_matched else []
            why += [f"all {selections} coded selection(s) were rejected"] if selections else ["no coded selections"]
            out.append("  NOTHING IMPORTED: " + "; ".join(why))
        out += [
            f"  positions: {self.positions}", codes, sources,
            f"  selections: {selections} read, {rejected} rejected; codings: {self.n_codings} imported",
        ]
        out += [f"    {r.coder}: {r.selections} selection(s), {r.rejected} rejected, {r.codings} coding(s)"
                for r in self.by_coder.itertuples()]
        return out


def _by_coder(read: pd.Series, rejected: pd.Series, codings: pd.Series) -> pd.DataFrame:
    """coder, selections, rejected, codings from the coder of each row read, rejected and imported."""
    counts = pd.DataFrame({"selections": read.value_counts(), "rejected": rejected.value_counts(),
                           "codings": codings.value_counts()})
    counts = counts.fillna(0).astype("int64").rename_axis("coder").reset_index()
    return counts.sort_values("coder", kind="stable").reset_index(drop=True)


def _found_and_lost(found: pd.Series, lost: pd.Series, *, key: str) -> pd.DataFrame:
    """name, ``key``: each distinct matched value (its own key), then each unmatched name (key NA)."""
    found = pd.Series(pd.unique(found.astype("string")), dtype="string")
    lost = pd.Series(pd.unique(lost.astype("string")), dtype="string")
    none = pd.Series(pd.NA, index=lost.index, dtype="string")
    return pd.DataFrame({"name": pd.concat([found, lost], ignore_index=True),
                         key: pd.concat([found, none], ignore_index=True)})


def highlights_report(file: str | Path, checked: Checked, *, coder: str) -> ImportReport:
    """The :class:`ImportReport` of a Taguette highlights import (Taguette names no coder and no positions)."""
    problem = checked.rejected.get("problem", pd.Series(dtype="string")).astype("string")
    unknown_tag = checked.rejected.loc[problem.str.contains("tag is not in the codebook", regex=False), "tag"]
    unknown_doc = checked.rejected.loc[problem.str.contains("is not a session", regex=False), "document"]
    codes = _found_and_lost(checked.accepted["code_id"], unknown_tag, key="code_id")
    sources = _found_and_lost(checked.accepted["session_id"], unknown_doc, key="session_id")
    # Highlights that gave a coding (a repeat is counted once) or were rejected.
    read = pd.Series(coder, index=range(checked.accepted["source_row"].nunique() + len(checked.rejected)))
    return ImportReport(file=str(file), codes=codes.assign(path=codes["name"])[["name", "path", "code_id"]],
                        sources=sources, by_coder=_by_coder(read, pd.Series(coder, index=checked.rejected.index),
                                                            checked.accepted["coder"]),
                        positions="found by searching the highlighted text (Taguette exports no positions)",
                        n_errors=int((checked.problems["severity"] == "error").sum()))


@dataclass(frozen=True)
class QdaImport(Checked):
    """:class:`~sparklearn.ingest.problems.Checked` codings with the :class:`ImportReport` of the import."""

    report: ImportReport | None = None


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
                          country: str) -> QdaImport:
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
    QdaImport
        ``accepted``: codings with :data:`~sparklearn.ingest.codings.CODING_COLUMNS` (source_file is the
        ``.qdpx``, source_row the selection's ``ordinal``), one per (segment, code,
        coder), sorted; ``rejected``: selections that gave no coding (the project's
        rejected ones too) with ``problem``; ``problems``: the project's plus the
        mapping's (``row`` = line in ``project.qde``); ``report``: the
        :class:`ImportReport` (codes and sources matched, counts by coder, the position
        convention).
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
    report = ImportReport(
        file=str(project.path), codes=codes[["name", "path"]].assign(code_id=looked["code_id"].to_numpy()),
        sources=sources[["name", "session_id"]].reset_index(drop=True),
        by_coder=_by_coder(pd.concat([project.selections["coder"], project.rejected["coder"]]), rejected["coder"],
                           codings["coder"]),
        positions=_positions_used(project.positions), n_errors=int((problems["severity"] == "error").sum()))
    return QdaImport(codings[CODING_COLUMNS].reset_index(drop=True), rejected, problems, report)


def _positions_used(positions: pd.DataFrame) -> str:
    """The convention of the sources with selections: named once when they agree, per source when not."""
    used = positions.loc[positions["n_selections"] > 0]
    conventions = pd.unique(used["convention"])
    if len(conventions) == 1:
        return f"{conventions[0]}: {POSITION_CONVENTIONS.get(conventions[0], 'selections line up under none')}"
    if not len(conventions):
        return "no selections with positions"
    return "; ".join(f"{c} for {n}" for n, c in zip(used["source_name"], used["convention"]))

