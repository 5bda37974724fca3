"""Taguette highlights exports -> codings of sparklearn segments.

Stage: ingest. Taguette (1.4, 1.5) exports no REFI-QDA project and no positions, only
a highlights sheet (CSV or XLSX: ``id, document, tag, content``; one row per highlight
and tag), so a highlight is placed by finding its text in the session's turns (see
:func:`read_taguette_highlights`). The codings have the columns of a coding sheet
(:data:`sparklearn.ingest.codings.CODING_COLUMNS`); documents are matched to sessions
and repeated codings counted once as for a REFI-QDA project
(:mod:`sparklearn.ingest.qda_codings`). Problems are numbered by the spreadsheet's rows.

Taguette's quirks, as its code (1.5.2) shows them
    - ``content`` is the highlight's HTML made plain by joining every text node with
      one space (``convert.html_to_plaintext``): paragraphs, and so speaker turns, run
      on in one line, and the speaker label of the next turn stands in the middle of
      the text (``"... own eyes. budget analyst 735f: The committee ..."``).
    - A highlight is a free selection: it may start or end inside a speaker label, and
      it may cover several turns.
    - A document is named as the user typed it, or after its file, cut to 50
      characters (``"KE-S01 Round 1 reflection: working with legislat"``).
    - Tags are flat paths; :mod:`sparklearn.report.taguette` names them
      ``"<code id> <label>"`` so that Taguette's list sorts them by framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import html

from sparklearn.codebook import Codebook, lookup_codes
from sparklearn.exceptions import InputError
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.problems import (
    Checked,
    apply_checks,
    problems_frame,
    split_rejected,
)
from sparklearn.ingest.qda_codings import (
    PLACED_SEGMENT_COLUMNS,
    ImportReport,
    collapse_duplicates,
    document_key,
    highlights_report,
    match_sessions,
)
from sparklearn.ingest.spreadsheets import read_table

# A speaker label at the start of a line of session Markdown ("**GH-P04 [fr]:**"),
# which is not part of any segment's text, so a highlight spanning turns still matches.
_SPEAKER_LABEL = re.compile(r"^\s*\*{0,2}[\w-]+(?:\s*\[[A-Za-z-]+\])?:\*{0,2}\s*", re.MULTILINE)
# The same label inside a line, for participant ids only ("... the budget. KE-P03: We ..."): Taguette
# joins paragraphs with spaces, and a session file uploaded as it is labels turns with ids.
_ID_LABEL = re.compile(r"\*{0,2}\b[A-Z]{2,3}-P\d{1,4}\b(?:\s*\[[A-Za-z-]+\])?:\*{0,2}")
_HTML_TAG = re.compile(r"<[A-Za-z/][^>]*>")
# What a speaker label becomes while cutting highlighted text: a line break, and a mark that the
# piece after it is in a later turn than the piece before it.
_NEXT_TURN = "\n\x1e"
#: Words dropped from either end of a piece of highlighted text not found as it is: a
#: highlight that starts or ends inside a speaker label ("lead e9cc: Welcome ...").
_EDGE_WORDS = 4


def _search_key(text: pd.Series) -> pd.Series:
    """Text as compared for Taguette: no Markdown asterisks (Taguette shows rendered text), single spaces."""
    return text.astype("string").str.replace("*", "", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()


def _plain(content: pd.Series) -> pd.Series:
    """Highlighted text as plain text: HTML (older exports) as its text nodes, one line each."""
    content = content.astype("string").fillna("")
    is_html = content.str.contains(_HTML_TAG, na=False)
    lines = content[is_html].map(lambda c: "\n".join(html.fromstring(f"<div>{c}</div>").itertext()))
    return content.mask(is_html, lines)


def _session_of_documents(names: pd.Series, session_ids: pd.Series) -> pd.Series:
    """Session id of each document name: as a whole or file name, else the session id it starts with.

    ``"KE-S01 Round 1 reflection"``, ``"KE-S01_round1.html"`` and Taguette's cut names all
    start with the id; the id must end there (``KE-S010`` is not ``KE-S01``), the longest id wins.
    """
    matched = match_sessions(names, session_ids)
    keys = document_key(names)
    ids = pd.Series(pd.unique(session_ids.astype("string"))).dropna()
    for sid in sorted(ids, key=len, reverse=True):
        starts = keys.str.match(re.escape(sid.casefold()) + r"(?![0-9a-z])", na=False)
        matched = matched.mask(matched.isna() & starts, sid)
    return matched.astype("string")


def _tag_codes(tags: pd.Series, codebook: Codebook) -> tuple[pd.Series, pd.Series]:
    """Code id (NA when none) and suggestion of each tag: whole, last part of a path, or leading code id.

    Taguette paths are flat text: ``"OA-POWER Countervailing power ..."`` (sparklearn's
    export), ``"Strategic components/Bolster agency"`` (a user's grouping), or a label.
    """
    tags = tags.astype("string").str.strip()
    looked = lookup_codes(tags, codebook)
    code_id, suggestion = looked["code_id"], looked["suggestion"]
    last = tags.str.rsplit("/", n=1).str[-1].str.strip()
    for attempt in (last, last.str.extract(r"^([^\s:]+)", expand=False)):  # "OA-POWER: Countervailing ..."
        retry = code_id.isna() & attempt.ne(tags).fillna(False)
        if retry.any():
            again = lookup_codes(attempt[retry], codebook)
            code_id = code_id.fillna(again["code_id"])
            suggestion = again["suggestion"].reindex(tags.index).fillna(suggestion)
    return code_id.astype("string"), suggestion.where(code_id.isna()).astype("string")


def _label_pattern(speakers: pd.Series) -> re.Pattern | None:
    """A pattern for the session's own speaker labels (``"budget analyst 735f:"``) anywhere in a line."""
    names = sorted({s.strip() for s in speakers.dropna().astype(str) if s.strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"\*{0,2}(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")\s*:\*{0,2}")


def _pieces(table: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """The highlighted text of each row cut at line breaks and speaker labels.

    Returns source_row, session_id, piece, after_label (a speaker label stood before
    it: it is in a later turn than the piece before), piece_no (in text order, so the
    pieces of one highlight are consecutive).
    """
    content = _plain(table["content"])
    labels = turns.groupby("session_id")["speaker"].agg(_label_pattern) if "speaker" in turns else pd.Series()
    for session_id, pattern in labels.dropna().items():
        mine = table["session_id"] == session_id
        content = content.mask(mine, content[mine].str.replace(pattern, _NEXT_TURN, regex=True))
    lines = (content.str.replace(_ID_LABEL, _NEXT_TURN, regex=True)
             .str.replace(_SPEAKER_LABEL, _NEXT_TURN, regex=True).str.split("\n").explode())
    after_label = lines.str.startswith(_NEXT_TURN[-1], na=False)
    lines = _search_key(lines.str.replace(_NEXT_TURN[-1], "", regex=False))
    keep = lines.fillna("") != ""
    lines, after_label = lines[keep], after_label[keep]
    pieces = pd.DataFrame({"source_row": table.loc[lines.index, "source_row"].to_numpy(),
                           "session_id": table.loc[lines.index, "session_id"].to_numpy(),
                           "piece": lines.to_numpy(dtype=object), "after_label": after_label.to_numpy(dtype=bool)})
    pieces["piece_no"] = np.arange(len(pieces))
    return pieces


def _hits(pieces: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """piece_no, ordinal, segment_id: each turn a piece is found in, trimming up to :data:`_EDGE_WORDS` end words.

    A piece is looked for as it is first; one found nowhere is tried again with words
    dropped from its end (a highlight ending inside the next speaker's label), then from
    its start (one starting inside a label), the fewest words first.
    """
    words = pieces["piece"].str.split(" ")
    variants = [pieces["piece"]]
    for n in range(1, _EDGE_WORDS + 1):
        enough = words.str.len() > n + 2  # at least three words left: fewer would be found anywhere
        variants += [words[enough].str[:-n].str.join(" "), words[enough].str[n:].str.join(" ")]
    found, out = pd.Index([]), []
    for text in variants:
        text = text[~pieces.loc[text.index, "piece_no"].isin(found)]
        candidates = (pieces.loc[text.index, ["piece_no", "session_id"]].assign(piece=text.to_numpy())
                      .merge(turns[["session_id", "ordinal", "segment_id", "key"]], on="session_id"))
        # Substring tests pair each piece with each turn of its session; there is no vectorised "in" for pairs.
        hits = candidates.loc[[p in t for p, t in zip(candidates["piece"], candidates["key"])]]
        out.append(hits[["piece_no", "ordinal", "segment_id"]])
        found = found.union(pd.Index(hits["piece_no"].unique()))
    return pd.concat(out, ignore_index=True).sort_values(["piece_no", "ordinal"], kind="stable")


def _choose(candidates: list[np.ndarray], after_label: list[bool]) -> tuple[list[int], bool]:
    """One turn for each found piece of a highlight, in text order, as close together as they can be.

    The pieces of one highlight lie in turns that follow each other, so each piece takes
    the first of its turns at or after the previous piece's (after it, when a speaker
    label stands between them); the first piece takes the turn that gives the shortest
    span. Returns the turns and whether another first turn gives as short a span (the
    text is in several places: the first is taken).

    Examples
    --------
    >>> _choose([np.array([0, 4]), np.array([1, 2])], [False, True])
    ([0, 1], False)
    """
    best: list[int] | None = None
    ties = 0
    for start in candidates[0]:
        chosen = [int(start)]
        for turns, strict in zip(candidates[1:], after_label[1:]):
            later = turns[turns > chosen[-1]] if strict else turns[turns >= chosen[-1]]
            if not len(later):
                break
            chosen.append(int(later[0]))
        else:
            if best is None or chosen[-1] - chosen[0] < best[-1] - best[0]:
                best, ties = chosen, 0
            elif chosen[-1] - chosen[0] == best[-1] - best[0]:
                ties += 1
    if best is None:  # the pieces are not in text order (an edited session): each at its first place
        return [int(t[0]) for t in candidates], True
    return best, ties > 0


def _place(pieces: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """Where each highlight lies: source_row, first, last (turn ordinals), ambiguous, n_places, lost.

    ``lost`` lists the pieces found nowhere; ``n_places`` is how many turns hold the first piece found.
    """
    candidates = hits.groupby("piece_no")["ordinal"].agg(lambda o: np.unique(o.to_numpy()))
    pieces = pieces.assign(candidates=pieces["piece_no"].map(candidates))
    rows = []
    # One small search per highlight (a handful of pieces each): choosing turns in order is sequential by nature.
    for source_row, group in pieces.groupby("source_row", sort=False):
        found = group.loc[group["candidates"].notna()]
        lost = group.loc[group["candidates"].isna(), "piece"].tolist()
        if found.empty:
            rows.append({"source_row": source_row, "first": pd.NA, "last": pd.NA, "ambiguous": False,
                         "n_places": 0, "lost": lost})
            continue
        chosen, ambiguous = _choose(found["candidates"].tolist(), found["after_label"].tolist())
        rows.append({"source_row": source_row, "first": min(chosen), "last": max(chosen), "ambiguous": ambiguous,
                     "n_places": len(found["candidates"].iloc[0]), "lost": lost})
    return pd.DataFrame(rows, columns=["source_row", "first", "last", "ambiguous", "n_places", "lost"])


@dataclass(frozen=True)
class TaguetteHighlights(Checked):
    """:class:`~sparklearn.ingest.problems.Checked` codings from a Taguette export, with the highlights split.

    ``split`` has one row per highlight (``id``, else the sheet's row) that covers
    several turns: highlight, document, session_id, segment_ids (``";"``-joined, in
    turn order), n_turns. Each of those turns got the highlight's codings.
    """

    split: pd.DataFrame | None = None

    @property
    def n_split(self) -> int:
        """Highlights that covered several turns and were split onto each."""
        return 0 if self.split is None else len(self.split)


def read_taguette_highlights(path: str | Path, *, segments: pd.DataFrame, codebook: Codebook, country: str,
                             coder: str = "taguette") -> TaguetteHighlights:
    """Codings from a Taguette highlights export (CSV or XLSX: id, document, tag, content).

    Each highlight's ``content`` is looked up in the turns of its document's session.
    The document name is the session id, the session's file name (``KE-S01.html``), or
    starts with the session id (``KE-S01 Round 1 ...``). The content is cut into pieces
    at line breaks and speaker labels, wherever they stand (Taguette joins paragraphs
    with spaces): the session's own speakers (``"budget analyst 735f:"``, as
    :mod:`sparklearn.report.taguette` labels turns), participant ids (``KE-P03:``) and any
    one-word label at the start of a line. Each piece is searched as an exact substring
    of a turn's text, comparing with Markdown asterisks removed and whitespace
    collapsed; a piece found nowhere is tried again without up to four words at either
    end (a highlight starting or ending inside a label). The pieces of a highlight are
    placed in turn order, as close together as they fit, and the highlight codes every
    turn from its first piece's to its last piece's: a highlight spanning turns is
    split onto each (they are listed in ``split``). A text found in several places
    codes the first and adds a warning, and so does a piece found nowhere when the rest
    of its highlight was placed. Tags may be codebook ids, labels, Taguette paths
    ``group/tag`` (the last part is tried when the whole is unknown) or
    ``"<code id> <label>"``.

    Parameters
    ----------
    path
        The export, read with :func:`sparklearn.ingest.spreadsheets.read_table`.
    segments
        The country's segments (segment_id, session_id, start, end, text, and
        speaker: the pseudonyms that label turns in the exported documents).
    codebook, country
        To check tags, and for the ``country`` column.
    coder
        Taguette's export does not say who highlighted; this is written as the coder.

    Returns
    -------
    TaguetteHighlights
        ``accepted``: codings with :data:`~sparklearn.ingest.codings.CODING_COLUMNS` (source_row = the sheet's
        row); ``rejected``: highlights that gave no coding, as read, with ``problem``;
        ``problems`` (rows as the spreadsheet numbers them); ``split``: the highlights
        that covered several turns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sparklearn.codebook import codebook_from_dict
    >>> cb = codebook_from_dict({"version": "1", "codes": [{"id": "BR", "label": "Barriers"}]})
    >>> turns = pd.DataFrame({"segment_id": ["KE-S01-T001", "KE-S01-T002"], "session_id": "KE-S01",
    ...                       "start": [0, 30], "end": [20, 50], "speaker": ["monitor 1a2b", "lead 3c4d"],
    ...                       "text": ["The clinic had no drugs.", "Who did you ask?"]})
    >>> sheet = pathlib.Path(tempfile.mkdtemp()) / "highlights.csv"
    >>> _ = sheet.write_text("id,document,tag,content\\n"
    ...                      "7,KE-S01 Round 1,BR Barriers,no drugs. lead 3c4d: Who did\\n")
    >>> got = read_taguette_highlights(sheet, segments=turns, codebook=cb, country="kenya")
    >>> got.accepted["segment_id"].tolist(), got.n_split
    (['KE-S01-T001', 'KE-S01-T002'], 1)
    """
    require_columns(segments, PLACED_SEGMENT_COLUMNS, "segments")
    path = Path(path)
    table = read_table(path, what="the Taguette highlights export")
    missing = [c for c in ("document", "tag", "content") if c not in table.columns]
    if missing:
        header = table.attrs["header_row"]
        raise InputError(f"is not a Taguette highlights export: it has no column '{missing[0]}'", file=path,
                         row=header, column=missing[0],
                         fix="export the highlights from Taguette (columns id, document, tag, content)")
    table["session_id"] = _session_of_documents(table["document"], segments["session_id"])
    table["code_id"], suggestion = _tag_codes(table["tag"], codebook)

    turns = segments.sort_values(["session_id", "start"], kind="stable").assign(key=lambda s: _search_key(s["text"]))
    turns["ordinal"] = turns.groupby("session_id").cumcount()
    pieces = _pieces(table, turns)
    placed = _place(pieces, _hits(pieces, turns)).merge(table[["source_row", "session_id"]], on="source_row")
    located = placed.loc[placed["first"].notna()]
    covered = (located.assign(ordinal=[list(range(int(a), int(b) + 1)) for a, b in zip(located["first"],
                                                                                          located["last"])])
               .explode("ordinal").astype({"ordinal": "int64"})
               .merge(turns[["session_id", "ordinal", "segment_id"]], on=["session_id", "ordinal"]))
    found = _placement_warnings(path, located, pieces, covered, turns)

    example = str(segments["session_id"].min()) if len(segments) else "KE-S01"  # this country's own first id
    checks = [
        (table["session_id"].isna(), "document", "document", f"document is not a session of {country}",
         (f"name the document in Taguette after its session id (e.g. {example}), or start its name with it "
          f"({example} Round 1 ...)")),
        (table["session_id"].notna() & ~table["source_row"].isin(located["source_row"]), "content", "content",
         "highlighted text is not found in the session's turns",
         "check the document is this session's current version; highlight within speakers' turns"),
        (table["code_id"].isna(), "tag", "tag", "tag is not in the codebook",
         "rename the tag in Taguette to a codebook id or label, or add it to codebook.yaml"
         + (" (did you mean '" + suggestion + "'?)").fillna("")),
    ]
    kept, _, problems = apply_checks(table, checks, file=path, row="source_row")
    codings = (kept.drop(columns="session_id")
               .merge(covered[["source_row", "session_id", "segment_id"]], on="source_row")
               .drop_duplicates(["source_row", "segment_id"])
               .assign(country=country, coder=coder, memo="", problem_row=lambda t: t["source_row"]))
    codings = collapse_duplicates(codings, found=found)
    problems = pd.concat([problems, problems_frame(found)], ignore_index=True)
    checked = split_rejected(table.drop(columns=["session_id", "code_id"]), problems)
    accepted = codings.sort_values(["session_id", "segment_id", "code_id"], kind="stable")
    return TaguetteHighlights(accepted[CODING_COLUMNS].reset_index(drop=True), checked.rejected, problems,
                              _split_highlights(table.loc[table["source_row"].isin(kept["source_row"])], covered))


def _placement_warnings(path: Path, located: pd.DataFrame, pieces: pd.DataFrame, covered: pd.DataFrame,
                        turns: pd.DataFrame) -> list[dict]:
    """Warnings for highlights placed in the first of several places, or with a piece found nowhere."""
    first_turn = covered.drop_duplicates("source_row").set_index("source_row")["segment_id"]
    ambiguous = located.loc[located["ambiguous"]]
    text = pieces.drop_duplicates("source_row").set_index("source_row")["piece"]
    found = [{"file": str(path), "row": row, "column": "content", "value": text[row],
              "rule": f"text is found in {n} turns; coded the first ({first_turn[row]})",
              "fix": "highlight a longer passage in Taguette if another turn was meant", "severity": "warning"}
             for row, n in zip(ambiguous["source_row"], ambiguous["n_places"])]
    lost = located[["source_row", "session_id", "lost"]].explode("lost").dropna()
    if "speaker" in turns:  # the rest of a speaker's label, cut where the highlight started or ended
        speakers = turns.groupby("session_id")["speaker"].agg(lambda s: " | ".join(s.dropna().astype(str)))
        label = [p.rstrip(": ") in speakers.get(s, "") for p, s in zip(lost["lost"], lost["session_id"])]
        lost = lost.loc[~np.array(label, dtype=bool)]
    found += [{"file": str(path), "row": row, "column": "content", "value": piece[:80],
               "rule": "part of the highlighted text is not in any turn; coded the turns where the rest was found",
               "fix": "nothing to do if it is a title or a speaker's label; otherwise check the document is this "
                      "session's current version", "severity": "warning"}
              for row, piece in zip(lost["source_row"], lost["lost"])]
    return found


def _split_highlights(table: pd.DataFrame, covered: pd.DataFrame) -> pd.DataFrame:
    """One row per highlight covering several turns (see :class:`TaguetteHighlights`)."""
    highlight = table["id"].astype("string").str.strip() if "id" in table else pd.Series(pd.NA, index=table.index)
    highlight = highlight.replace("", pd.NA).fillna("row " + table["source_row"].astype(str))
    turns = (covered.loc[covered["source_row"].isin(table["source_row"])]
             .groupby("source_row")["segment_id"].agg(lambda s: ";".join(s)))
    rows = table.assign(highlight=highlight, segment_ids=table["source_row"].map(turns).astype("string"))
    rows = rows.loc[rows["segment_ids"].str.contains(";", regex=False, na=False)]
    rows = rows.drop_duplicates(["highlight", "document"])
    return (rows.assign(n_turns=rows["segment_ids"].str.count(";") + 1)
            [["highlight", "document", "session_id", "segment_ids", "n_turns"]].reset_index(drop=True))


def taguette_report(file: str | Path, checked: Checked, *, coder: str) -> ImportReport:
    """The :class:`~sparklearn.ingest.qda_codings.ImportReport` of a Taguette import, with the highlights split.

    :func:`~sparklearn.ingest.qda_codings.highlights_report`, with the number of
    highlights that covered several turns (and were split onto each) in its
    ``positions`` line.

    Parameters
    ----------
    file
        The highlights export, named in the report.
    checked
        From :func:`read_taguette_highlights`.
    coder
        The coder the codings were written under.

    Returns
    -------
    ImportReport
        What ``import-qdpx`` prints.

    Examples
    --------
    >>> empty = pd.DataFrame(columns=CODING_COLUMNS)
    >>> got = TaguetteHighlights(empty, pd.DataFrame(columns=["tag", "document"]), problems_frame(),
    ...                          pd.DataFrame({"highlight": ["7"], "n_turns": [2]}))
    >>> taguette_report("h.csv", got, coder="lead").positions.split("; ")[-1]
    '1 highlight covered several turns and was split onto the 2 turns it covers'
    """
    report = highlights_report(file, checked, coder=coder)
    split = getattr(checked, "split", None)
    if split is None or split.empty:
        return replace(report, positions=report.positions + "; no highlight covered several turns")
    n, turns = len(split), int(split["n_turns"].sum())
    said = ("1 highlight covered several turns and was split onto the {} turns it covers" if n == 1
            else f"{n} highlights covered several turns and were split onto the {{}} turns they cover")
    return replace(report, positions=f"{report.positions}; {said.format(turns)}")
