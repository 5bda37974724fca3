"""A REFI-QDA project's coded selections -> codings of sparklearn segments.

Stage: ingest. :func:`sparklearn.ingest.refi_qda.read_qdpx` reads what a QDA tool
wrote; this module answers the next question, which speaker turns those selections
code, and returns codings with the same columns as a coding sheet
(:data:`sparklearn.ingest.codings.CODING_COLUMNS`), so the rest of sparklearn cannot
tell where a coding came from. The helpers that match documents to sessions and count
a repeated coding once are shared with :mod:`sparklearn.ingest.taguette`.

How selections become codings
    A source is matched to a session by name: the session id, or the session's file
    name (``GH-S01`` or ``GH-S01.md``, ignoring case); failing that, by its text
    (:func:`~sparklearn.ingest.qda_sources.match_by_text`: most of a session's turns
    appear in it, whitespace squeezed). A selection codes every speaker turn (segment)
    it overlaps by at least one character, so a selection spanning two turns codes
    both. Segments are located in the source text at their offsets, or at the offsets
    :func:`sparklearn.report.refi_qda.write_qdpx` gives them (a project sparklearn
    exported), or, when neither fits, by searching each turn's text
    (:func:`~sparklearn.ingest.qda_sources.locate_turns`).

Codes
    A code is a SPARK code when its GUID is sparklearn's or its name is a codebook id or
    label; a filled code map (:mod:`sparklearn.ingest.code_map`) gives the others their
    SPARK code, or ignores them: codings on ignored codes are counted, not imported and
    not rejected.

The import report
    Every import returns an :class:`ImportReport` with its codings (:class:`QdaImport`):
    codes read, matched, mapped, ignored and unmapped; sources matched to sessions (and
    how) and unmatched; codings read = imported + ignored + rejected, by coder, and the
    turn codings written; the position convention used. A project that matches nothing
    says so instead of giving zero codings silently (``import-qdpx`` prints it and exits
    0 only when codings were imported and nothing was in error).

Problems
    A selection that gives no coding (no session, no turn, a code not in the codebook)
    is kept in ``rejected`` with the project's own rejected selections; ``row`` in the
    problems is the line in ``project.qde``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook
from sparklearn.frames import require_columns
from sparklearn.ingest.code_map import CodeMap, apply_code_map
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.problems import (
    Checked,
    add_problem,
    apply_checks,
    problems_frame,
)
from sparklearn.ingest.qda_sources import locate_turns, match_by_text
from sparklearn.ingest.refi_qda import (
    POSITION_CONVENTIONS,
    QdpxProject,
    match_code_ids,
)

PLACED_SEGMENT_COLUMNS = ["segment_id", "session_id", "start", "end", "text"]


@dataclass(frozen=True)
class ImportReport:
    """What an import took in and left out, for the person who ran it (``import-qdpx`` prints it).

    Attributes
    ----------
    file
        The imported file.
    codes
        name, path, code_id, how: one row per code read; ``code_id`` is the SPARK code
        (NA when ignored or unmapped); ``how`` is ``"guid"``, ``"id"`` or ``"label"``
        (matched the codebook), ``"map"`` (mapped by the code map), ``"ignored"`` (the map
        says ignore) or NA (unmapped).
    sources
        name, session_id, matched_by: one row per document read; ``session_id`` is NA
        when it matched no session; ``matched_by`` is ``"session id"``, ``"file name"``
        or ``"text"``.
    by_coder
        coder, read (codings read: one per ``Coding``, or per highlight), imported
        (those that gave a turn coding), ignored (on codes the map ignores), rejected
        (in error), turn_codings (codings of speaker turns written, after splitting a
        selection onto the turns it covers and counting a repeat once). read =
        imported + ignored + rejected.
    positions
        The position convention(s) used (keys of
        :data:`~sparklearn.ingest.refi_qda.POSITION_CONVENTIONS`, one per source when
        they differ), or how positions were found.
    n_errors
        Error-level problems.
    codebook_only
        The file was a ``.qdc`` codebook: codes are what it imports, no codings.
    map_file
        The code map written because codes with codings are not SPARK codes (nothing
        was imported); None otherwise.
    """

    file: str
    codes: pd.DataFrame
    sources: pd.DataFrame
    by_coder: pd.DataFrame
    positions: str
    n_errors: int
    codebook_only: bool = False
    map_file: str | None = None

    def _codes(self, how: set[str | None]) -> list[str]:
        how_ = self.codes["how"] if "how" in self.codes else self.codes["code_id"].notna().map({True: "id",
                                                                                               False: None})
        return self.codes.loc[how_.astype(object).where(how_.notna(), None).isin(how), "name"].tolist()

    @property
    def codes_matched(self) -> list[str]:
        """Codes that are SPARK codes (by GUID, id or label)."""
        return self._codes({"guid", "id", "label"})

    @property
    def codes_mapped(self) -> list[str]:
        return self._codes({"map"})

    @property
    def codes_ignored(self) -> list[str]:
        return self._codes({"ignored"})

    @property
    def codes_unmapped(self) -> list[str]:
        return self._codes({None})

    codes_unmatched = codes_unmapped

    @property
    def sources_matched(self) -> list[str]:
        return self.sources.loc[self.sources["session_id"].notna(), "name"].tolist()

    @property
    def sources_unmatched(self) -> list[str]:
        return self.sources.loc[self.sources["session_id"].isna(), "name"].tolist()

    @property
    def n_codings(self) -> int:
        """Turn codings imported."""
        return int(self.by_coder["turn_codings"].sum())

    @property
    def ok(self) -> bool:
        """Something was imported and nothing was in error (``import-qdpx`` exits 0 only then)."""
        imported = len(self.codes) if self.codebook_only else self.n_codings
        return imported > 0 and self.n_errors == 0 and (self.codebook_only or self.map_file is None)

    def lines(self, *, limit: int = 10) -> list[str]:
        """The report as short lines, longest lists cut at ``limit`` names."""
        def names(items: list[str]) -> str:
            more = f", ... and {len(items) - limit} more" if len(items) > limit else ""
            return ": " + ", ".join(items[:limit]) + more if items else ""

        totals = self.by_coder[["read", "imported", "ignored", "rejected"]].sum().astype(int)
        out = [f"import report for {self.file}"]
        codes = (f"  codes: {len(self.codes)} read, {len(self.codes_matched)} matched to the codebook, "
                 f"{len(self.codes_mapped)} mapped, {len(self.codes_ignored)} ignored, "
                 f"{len(self.codes_unmapped)} unmapped{names(self.codes_unmapped)}")
        how = self.sources.get("matched_by", pd.Series(dtype="string")).dropna().value_counts()
        by = f" ({', '.join(f'{n} by {k}' for k, n in how.items())})" if len(how) else ""
        sources = (f"  sources: {len(self.sources)} read, {len(self.sources_matched)} matched a session{by}, "
                   f"{len(self.sources_unmatched)} unmatched{names(self.sources_unmatched)}")
        if self.codebook_only:
            return [*out, codes]
        if self.map_file is not None:
            return [*out, (f"  NOTHING IMPORTED: {len(self.codes_unmapped)} code(s) are not SPARK codes; fill in the "
                          f"code map {self.map_file} and run again with --map {self.map_file}"),
                    f"  positions: {self.positions}", codes, sources]
        if not self.n_codings:
            why = [f"none of {len(self.sources)} source(s) matched a session"] if not self.sources_matched else []
            why += [f"none of {len(self.codes)} code(s) is a SPARK code or mapped to one"] if not (
                self.codes_matched or self.codes_mapped) else []
            why += [f"all {totals['read']} coding(s) were rejected or ignored"] if totals["read"] else ["no codings"]
            out.append("  NOTHING IMPORTED: " + "; ".join(why))
        out += [
            f"  positions: {self.positions}", codes, sources,
            (f"  codings: {totals['read']} read = {totals['imported']} imported + {totals['ignored']} ignored + "
            f"{totals['rejected']} rejected; {self.n_codings} turn coding(s) written"),
        ]
        out += [f"    {r.coder}: {r.read} read = {r.imported} imported + {r.ignored} ignored + {r.rejected} rejected; "
                f"{r.turn_codings} turn coding(s)" for r in self.by_coder.itertuples()]
        return out


def _by_coder(read: pd.Series, ignored: pd.Series, rejected: pd.Series, codings: pd.Series) -> pd.DataFrame:
    """coder, read, imported, ignored, rejected, turn_codings from the coder of each row read, ignored, ... ."""
    counts = pd.DataFrame({"read": read.value_counts(), "ignored": ignored.value_counts(),
                           "rejected": rejected.value_counts(), "turn_codings": codings.value_counts()})
    counts = counts.fillna(0).astype("int64").rename_axis("coder").reset_index()
    counts.insert(2, "imported", counts["read"] - counts["ignored"] - counts["rejected"])
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
    codes = codes.assign(path=codes["name"], how=codes["code_id"].notna().map({True: "id", False: pd.NA}))
    return ImportReport(file=str(file), codes=codes[["name", "path", "code_id", "how"]].astype("string"),
                        sources=sources.assign(matched_by=pd.Series(pd.NA, index=sources.index, dtype="string")),
                        by_coder=_by_coder(read, pd.Series(dtype=object),
                                           pd.Series(coder, index=checked.rejected.index), checked.accepted["coder"]),
                        positions="found by searching the highlighted text (Taguette exports no positions)",
                        n_errors=int((checked.problems["severity"] == "error").sum()))


@dataclass(frozen=True)
class QdaImport(Checked):
    """:class:`~sparklearn.ingest.problems.Checked` codings with the :class:`ImportReport` of the import."""

    report: ImportReport | None = None


_DOC_SUFFIX = re.compile(r"\.(md|markdown|txt|text|docx?|odt|rtf|pdf|html?|qdpx)$", re.IGNORECASE)


def document_key(names: pd.Series) -> pd.Series:
    """Matching key for a document or session name: no folder, no file extension, case folded."""
    stem = names.astype("string").str.strip().str.rsplit("/", n=1).str[-1].str.replace(_DOC_SUFFIX, "", regex=True)
    return stem.str.casefold()


def match_sessions(names: pd.Series, session_ids: pd.Series) -> pd.Series:
    """Session id of each document name (NA when none matches).

    A name matches as a whole (``KE-S01``, ``KE-S01.md``) or by its first word, the way
    sparklearn's exports name sources (``KE-S01 Round 1 reflection - ...``).
    """
    ids = pd.Series(pd.unique(session_ids.astype("string")))
    lookup = pd.Series(ids.array, index=document_key(ids).array)
    keys = document_key(names)
    return keys.map(lookup).fillna(keys.str.split(n=1).str[0].map(lookup)).astype("string")


def pseudonymised_offsets(segments: pd.DataFrame) -> pd.DataFrame:
    """Where each segment lies in the text :func:`~sparklearn.report.refi_qda.write_qdpx` exports for its session.

    The export holds only the (pseudonymised) turns, in turn order, one paragraph each:
    ``"<speaker>: <text>"`` (the speaker's pseudonym; no label when ``speaker`` is blank
    or absent), paragraphs separated by a blank line. Returns ``export_start``,
    ``export_end`` and ``export_label`` (the ``"<speaker>: "`` before the turn) indexed
    like ``segments``; the writer and the reader both place turns with it.
    """
    ordered = segments.sort_values(["session_id", "start"], kind="stable")
    speaker = ordered["speaker"] if "speaker" in ordered else pd.Series("", index=ordered.index)
    speaker = speaker.fillna("").astype(str).str.strip()
    label = speaker.where(speaker == "", speaker + ": ")
    length = ordered["text"].str.len().astype("int64")
    block = label.str.len().astype("int64") + length + 2  # the paragraph and the blank line after it
    start = block.groupby(ordered["session_id"], sort=False).cumsum() - block + label.str.len()
    return pd.DataFrame({"export_start": start, "export_end": start + length,
                         "export_label": label}).reindex(segments.index)


def _segments_in_sources(segments: pd.DataFrame, sources: pd.DataFrame, *, file: Path,
                         found: list[dict]) -> pd.DataFrame:
    """Where each segment lies in each matched source: source_guid, segment_id, seg_start, seg_end.

    Takes the session offsets, or the export offsets when they fit the source text better
    (a project sparklearn wrote from pseudonymised segments); when some turns fit at
    neither, every turn is searched for by its text (:func:`~sparklearn.ingest.qda_sources.locate_turns`).
    """
    placed = segments.join(pseudonymised_offsets(segments))
    out = []
    for source in sources.itertuples():
        turns = placed.loc[placed["session_id"] == source.session_id]
        # Comparing texts at both candidate offsets is per segment by nature (string slices).
        fits = {prefix: sum(source.text[s:e] == t for s, e, t in zip(turns[f"{prefix}start"], turns[f"{prefix}end"],
                                                                      turns["text"]))
                for prefix in ("", "export_")}
        prefix = "export_" if fits["export_"] > fits[""] else ""
        where = turns[[f"{prefix}start", f"{prefix}end", "text"]].set_axis(["start", "end", "text"], axis=1)
        if fits[prefix] < len(turns):
            # A tool's own copy of the session (no front matter, rewrapped): find each turn by its text.
            where = locate_turns(source.text, where)
            lost = int((~where["found"]).sum())
            if lost:
                add_problem(found, file, None, "TextSource", source.name,
                       f"{lost} of {len(turns)} turns of session {source.session_id} were not found in source "
                       f"'{source.name}'; they were placed between the turns around them",
                       "expected where names were pseudonymised; otherwise the source was edited after export or "
                       "is another version of the session: check its codings")
        out.append(pd.DataFrame({"source_guid": source.guid, "segment_id": turns["segment_id"].to_numpy(),
                                 "seg_start": where["start"].to_numpy(dtype="int64"),
                                 "seg_end": where["end"].to_numpy(dtype="int64")}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["source_guid", "segment_id", "seg_start", "seg_end"])


def collapse_duplicates(codings: pd.DataFrame, *, found: list[dict]) -> pd.DataFrame:
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


def _match_sources(sources: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """session_id and matched_by (``"session id"``, ``"file name"``, ``"text"`` or NA) of each source."""
    by_name = match_sessions(sources["name"], segments["session_id"])
    exact = sources["name"].astype("string").str.strip().str.casefold() == by_name.str.casefold()
    by_text = match_by_text(sources.loc[by_name.isna()], segments).reindex(sources.index)
    matched_by = pd.Series(np.select([by_name.notna() & exact.fillna(False), by_name.notna(), by_text.notna()],
                                     ["session id", "file name", "text"], ""), index=sources.index, dtype="string")
    return pd.DataFrame({"session_id": by_name.fillna(by_text).astype("string"),
                         "matched_by": matched_by.replace("", pd.NA)}, index=sources.index)


def selections_to_codings(project: QdpxProject, segments: pd.DataFrame, *, codebook: Codebook,
                          country: str, code_map: CodeMap | None = None) -> QdaImport:
    """Turn a project's coded selections into codings of sparklearn segments.

    Parameters
    ----------
    project
        From :func:`~sparklearn.ingest.refi_qda.read_qdpx`.
    segments
        The country's segments (segment_id, session_id, start, end, text), as read by
        :func:`sparklearn.ingest.sessions.read_sessions` (pseudonymised or not).
        Sources are matched to sessions by session id, by file name, else by text
        (:func:`~sparklearn.ingest.qda_sources.match_by_text`).
    codebook
        Codes are matched by sparklearn's GUID, else by name (a codebook id or label,
        ignoring case); near misses are suggested.
    country
        Country slug written in the ``country`` column.
    code_map
        A filled code map (:func:`~sparklearn.ingest.code_map.read_code_map`): the
        codes it names take the SPARK code chosen there, and codings on codes it
        ignores are counted as ignored, not imported and not rejected.

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
    require_columns(segments, PLACED_SEGMENT_COLUMNS, "segments")
    found: list[dict] = []
    sources = project.sources.join(_match_sources(project.sources, segments))
    matched = sources.loc[sources["session_id"].notna() & sources["text"].notna()]
    positions = _segments_in_sources(segments, matched, file=project.path, found=found)

    selections = project.selections.assign(session_id=project.selections["source_guid"].map(
        sources.set_index("guid")["session_id"]))
    pairs = selections[["ordinal", "source_guid", "start", "end"]].merge(positions, on="source_guid")
    overlap = pairs.loc[(pairs["start"].to_numpy() < pairs["seg_end"].to_numpy())
                        & (pairs["seg_start"].to_numpy() < pairs["end"].to_numpy())]

    codes = project.codes.drop_duplicates("guid").reset_index(drop=True)
    looked = match_code_ids(codes, codebook).set_index(codes["guid"])
    mapped = apply_code_map(codes, codebook, code_map).set_index(codes["guid"])
    how = project.rejected["code_guid"].map(mapped["how"])
    ignored_rejects = project.rejected.loc[how.eq("ignored").fillna(False).astype(bool)]
    ignore = selections["code_guid"].map(mapped["how"]).eq("ignored").fillna(False).astype(bool)
    ignored = pd.concat([selections.loc[ignore, "coder"], ignored_rejects["coder"]])
    selections = selections.loc[~ignore].reset_index(drop=True)
    selections["code_id"] = selections["code_guid"].map(mapped["code_id"])
    selections["map_row"] = selections["code_guid"].map(mapped["map_row"]).astype("Int64")
    suggestion = " (did you mean '" + selections["code_guid"].map(looked["suggestion"]).astype("string") + "'?)"
    if code_map is None:
        code_rule = "code is not in the codebook"
        code_fix = ("map the project's codes with a code map (import-qdpx without --map writes one), or rename the "
                    "code in the QDA tool to a codebook id or label" + suggestion.fillna(""))
    else:
        code_rule = "code is not mapped to a SPARK code"
        code_fix = (f"choose a SPARK code or 'ignore' for it in the code map {code_map.file}"
                    + (", row " + selections["map_row"].astype("string")).fillna(" (add a row for it)"))
    checks = [
        (selections["session_id"].isna(), "TextSource/@name", "source_name",
         f"source is not a session of {country}",
         ("name the document in the QDA tool after its session id (e.g. GH-S01) or session file (GH-S01.md), or "
         "import the session's text unchanged")),
        (selections["session_id"].notna() & ~selections["ordinal"].isin(overlap["ordinal"]),
         "PlainTextSelection", "span", "selection covers no speaker turn (only a title, header or blank lines)",
         "code the speakers' turns in the QDA tool, not the session header"),
        (selections["code_id"].isna(), "CodeRef/@targetGUID", "code_name", code_rule, code_fix),
    ]
    kept, rejected, problems = apply_checks(selections.assign(span=selections["start"].astype(str) + "-"
                                                        + selections["end"].astype(str)),
                                      checks, file=project.path, row="line")
    codings = kept.merge(overlap[["ordinal", "segment_id"]], on="ordinal").assign(
        country=country, source_file=str(project.path), source_row=lambda t: t["ordinal"],
        problem_row=lambda t: t["line"])
    codings = collapse_duplicates(codings, found=found)
    codings = codings.sort_values(["session_id", "segment_id", "code_id", "coder"], kind="stable")
    project_rejected = project.rejected.drop(index=ignored_rejects.index)
    rejected = pd.concat([project_rejected, rejected.drop(columns=["session_id", "code_id", "map_row", "span"])],
                         ignore_index=True)
    # Errors of the project's own rejected codings on codes the map ignores no longer matter.
    moot = (project.problems["severity"] == "error") & project.problems["row"].isin(ignored_rejects["line"])
    problems = pd.concat([project.problems.loc[~moot], problems_frame(found), problems], ignore_index=True)
    report = ImportReport(
        file=str(project.path),
        codes=codes[["name", "path"]].assign(code_id=mapped["code_id"].to_numpy(), how=mapped["how"].to_numpy()),
        sources=sources[["name", "session_id", "matched_by"]].reset_index(drop=True),
        by_coder=_by_coder(pd.concat([project.selections["coder"], project.rejected["coder"]]), ignored,
                           rejected["coder"], codings["coder"]),
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

