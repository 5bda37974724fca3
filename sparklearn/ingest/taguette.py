"""Taguette highlights exports -> codings of sparklearn segments.

Stage: ingest. Taguette does not export REFI-QDA projects with positions, only a
highlights sheet (id, document, tag, content), so a highlight is placed by finding its
text in the session's turns (see :func:`read_taguette_highlights`). The codings have
the columns of a coding sheet (:data:`sparklearn.ingest.codings.CODING_COLUMNS`);
documents are matched to sessions and repeated codings counted once as for a REFI-QDA
project (:mod:`sparklearn.ingest.qda_codings`). Problems are numbered by the
spreadsheet's rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import html

from sparklearn.codebook import Codebook, lookup_codes
from sparklearn.exceptions import InputError
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.problems import Checked, problems_frame, split_rejected
from sparklearn.ingest.qda_codings import (
    _SEGMENT_COLUMNS,
    _collapse_duplicates,
    _match_sessions,
)
from sparklearn.ingest.refi_qda import _split
from sparklearn.ingest.spreadsheets import read_table

# A speaker label at the start of a line of session Markdown ("**GH-P04 [fr]:**"),
# which is not part of any segment's text, so a highlight spanning turns still matches.
_SPEAKER_LABEL = re.compile(r"^\s*\*{0,2}[\w-]+(?:\s*\[[A-Za-z-]+\])?:\*{0,2}\s*", re.MULTILINE)


_HTML_TAG = re.compile(r"<[A-Za-z/][^>]*>")


def _search_key(text: pd.Series) -> pd.Series:
    """Text as compared for Taguette: no Markdown asterisks (Taguette shows rendered text), single spaces."""
    return text.astype("string").str.replace("*", "", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()


def read_taguette_highlights(path: str | Path, *, segments: pd.DataFrame, codebook: Codebook, country: str,
                             coder: str = "taguette") -> Checked:
    """Codings from a Taguette highlights export (CSV or XLSX: id, document, tag, content).

    Each highlight's ``content`` is looked up in the turns of its document's session
    (document name = session id or session file name): the content is split into lines,
    speaker labels are dropped, and each line is searched as an exact substring of a
    turn's text, comparing with Markdown asterisks removed and whitespace collapsed. A
    highlight spanning turns codes each turn it covers; a line found in several turns
    codes the first and adds a warning. Tags may be codebook ids, labels, or
    Taguette paths ``group/tag`` (the last part is tried when the whole is unknown).

    Parameters
    ----------
    path
        The export, read with :func:`sparklearn.ingest.spreadsheets.read_table`.
    segments
        The country's segments (segment_id, session_id, start, end, text).
    codebook, country
        To check tags, and for the ``country`` column.
    coder
        Taguette's export does not say who highlighted; this is written as the coder.

    Returns
    -------
    Checked
        ``accepted``: codings with :data:`~sparklearn.ingest.codings.CODING_COLUMNS` (source_row = the sheet's
        row); ``rejected``: highlights that gave no coding, as read, with ``problem``;
        ``problems`` (rows as the spreadsheet numbers them).
    """
    require_columns(segments, _SEGMENT_COLUMNS, "segments")
    path = Path(path)
    table = read_table(path, what="the Taguette highlights export")
    missing = [c for c in ("document", "tag", "content") if c not in table.columns]
    if missing:
        header = table.attrs["header_row"]
        raise InputError(f"is not a Taguette highlights export: it has no column '{missing[0]}'", file=path,
                         row=header, column=missing[0],
                         fix="export the highlights from Taguette (columns id, document, tag, content)")
    table["session_id"] = _match_sessions(table["document"], segments["session_id"])
    tags = table["tag"].astype("string").str.strip()
    looked = lookup_codes(tags, codebook)
    retry = looked["code_id"].isna() & tags.str.contains("/", regex=False)
    last = lookup_codes(tags[retry].str.rsplit("/", n=1).str[-1].str.strip(), codebook)
    table["code_id"] = looked["code_id"].fillna(last["code_id"])
    suggestion = last["suggestion"].reindex(table.index).fillna(looked["suggestion"])

    content = table["content"].astype("string")
    is_html = content.str.contains(_HTML_TAG, na=False)
    content = content.mask(is_html, content[is_html].map(lambda c: html.fromstring(c).text_content()))
    lines = (content.str.replace(_SPEAKER_LABEL, "\n", regex=True).str.split("\n")
             .explode().pipe(_search_key))
    lines = lines[lines.fillna("") != ""]
    pieces = pd.DataFrame({"source_row": table.loc[lines.index, "source_row"].to_numpy(),
                           "session_id": table.loc[lines.index, "session_id"].to_numpy(),
                           "piece": lines.to_numpy()})
    pieces["piece_no"] = np.arange(len(pieces))
    turns = segments.sort_values(["session_id", "start"], kind="stable").assign(key=lambda s: _search_key(s["text"]))
    candidates = pieces.merge(turns[["session_id", "segment_id", "key"]], on="session_id")
    # Substring tests pair each line with each turn of its session; there is no vectorised "in" for pairs.
    hits = candidates.loc[[p in t for p, t in zip(candidates["piece"], candidates["key"])]]
    n_hits = hits.groupby("piece_no")["segment_id"].transform("size")
    located = hits.drop_duplicates("piece_no")
    ambiguous = located.loc[n_hits[located.index] > 1]
    found = pd.DataFrame({
        "file": str(path), "row": ambiguous["source_row"], "column": "content", "value": ambiguous["piece"],
        "rule": ("text is found in " + n_hits[ambiguous.index].astype(str) + " turns; coded the first ("
                 + ambiguous["segment_id"] + ")"),
        "fix": "highlight a longer passage in Taguette if another turn was meant", "severity": "warning",
    }).to_dict("records")

    checks = [
        (table["session_id"].isna(), "document", "document", f"document is not a session of {country}",
         "name the document in Taguette after its session id (e.g. GH-S01) or session file (GH-S01.md)"),
        (table["session_id"].notna() & ~table["source_row"].isin(located["source_row"]), "content", "content",
         "highlighted text is not found in the session's turns",
         "check the document is this session's current version; highlight within speakers' turns"),
        (table["code_id"].isna(), "tag", "tag", "tag is not in the codebook",
         "rename the tag in Taguette to a codebook id or label, or add it to codebook.yaml"
         + (" (did you mean '" + suggestion.astype("string") + "'?)").fillna("")),
    ]
    kept, _, problems = _split(table, checks, file=path, row="source_row")
    codings = (kept.drop(columns="session_id")
               .merge(located[["source_row", "session_id", "segment_id"]], on="source_row")
               .drop_duplicates(["source_row", "segment_id"])
               .assign(country=country, coder=coder, memo="", problem_row=lambda t: t["source_row"]))
    codings = _collapse_duplicates(codings, found=found)
    problems = pd.concat([problems, problems_frame(found)], ignore_index=True)
    checked = split_rejected(table.drop(columns=["session_id", "code_id"]), problems)
    accepted = codings.sort_values(["session_id", "segment_id", "code_id"], kind="stable")
    return Checked(accepted[CODING_COLUMNS].reset_index(drop=True), checked.rejected, problems)

