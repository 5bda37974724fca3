"""What people said under a theme: quotes in context and the framework matrix.

Analysis stage, beside :mod:`sparklearn.analysis.themes`: where that module counts,
this one picks the words. :func:`quotes` lists every segment coded with a theme
with the turns around it; :func:`framework_matrix` crosses cases (countries,
campaigns or sessions) with themes, each cell holding the counts of
:func:`~sparklearn.analysis.themes.code_frequencies` and representative quotes.

Both are built on the theme engine's public blocks (``code_frequencies``,
``coded_segments``, ``segment_groups``), so a quote is counted, rolled up and placed
in its case exactly as the counts beside it are. Cases by campaign count each turn once
(:func:`sparklearn.analysis.sessions.attribute_turns`): a quote from a session shared by
two campaigns sits under the campaign its turn is tagged with, or under the shared case.

Quotes keep their language: :func:`quote_parts` gives, for the segments chosen, the
text as said, its ``language``, and the ``translation`` the session file gives (with
its ``translation_language``), so a report can show both, each marked with its
language (:mod:`sparklearn.report.quotes`). The text is the pseudonymised
segment text the store gives; it stays plain text here: escaping for HTML is the
report stage's job (:mod:`sparklearn.report.tables`), neutralising for spreadsheets
the writer's (:func:`sparklearn.files.protect_formulas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from sparklearn.analysis.sessions import attribute_turns
from sparklearn.analysis.themes import (
    Level,
    code_frequencies,
    coded_segments,
    segment_groups,
)
from sparklearn.codebook import Codebook, descendants
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import SEGMENT_ID_PATTERN


def _truncate(text: pd.Series, limit: int) -> pd.Series:
    """Cut text at the last space before ``limit`` characters and add an ellipsis."""
    text = text.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    long = text.str.len() > limit
    cut = text.str.slice(0, limit - 1).str.replace(r"\s+\S*$", "", regex=True) + "…"
    return text.where(~long, cut)


def framework_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    case: Literal["country", "campaign_id", "campaign", "session_id"] = "country",
    codes: Sequence[str] | None = None,
    quotes_per_cell: int = 1,
    max_quote_chars: int = 300,
    sessions: pd.DataFrame | None = None,
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A framework matrix: cases by themes, each cell with counts and representative quotes.

    Quotes are the pseudonymised segment text (the segments table prepared by
    :mod:`sparklearn.prepare` carries no names). The choice is deterministic: in each
    cell, segments given the code by the most coders come first, then the longest
    text, then the segment id; the first ``quotes_per_cell`` are kept.

    Parameters
    ----------
    codings, segments
        Codings table; segments table (segment_id, session_id, country, speaker, text).
    case
        ``"country"``, ``"campaign_id"`` (``"campaign"``; needs ``sessions``) or ``"session_id"``.
    codes
        Themes to show, in this order (after any roll-up); default every code used, by id.
    quotes_per_cell
        At most this many quotes per cell (0 for none).
    max_quote_chars
        Longer quotes are cut at a word boundary and end with "…".
    sessions, level, codebook, coders
        As for :func:`~sparklearn.analysis.themes.code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        One row per case and code (empty cells included):

        - the case column, ``code_id``;
        - ``n_codings``, ``n_segments``, ``n_sessions``, ``segments_in_group``,
          ``coverage``: as :func:`~sparklearn.analysis.themes.code_frequencies`
          (``n_segments``: the case's segments coded with the theme;
          ``segments_in_group``: all the case's segments);
        - ``quotes``: the chosen quotes, ``"\\n\\n"``-joined, each
          ``“text” (speaker, segment_id)``; empty for an empty cell;
        - ``quote_segment_ids``: their segment ids, ``";"``-joined (their language
          and translation: :func:`quote_parts`).

        By campaign, each turn is in one case: its campaign, or the shared case
        ``a+b`` of a session on several campaigns that does not say whose the turn is,
        so ``segments_in_group`` adds up to the turns.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002"], "session_id": "S1", "country": "ghana",
    ...                     "speaker": ["staff 1", "partner 2"], "text": ["We wrote to the assembly.", "Yes."]})
    >>> cod = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002"], "code_id": "X", "coder": "a"})
    >>> framework_matrix(cod, seg)[["country", "code_id", "n_segments", "quotes"]].values.tolist()
    [['ghana', 'X', 2, '“We wrote to the assembly.” (staff 1, S1-T001)']]
    """
    case = "campaign_id" if case == "campaign" else case
    if case not in ("country", "campaign_id", "session_id"):
        raise ParameterError(f"case must be 'country', 'campaign_id' or 'session_id', not {case!r}")
    if quotes_per_cell < 0 or max_quote_chars < 2:
        raise ParameterError("quotes_per_cell must be >= 0 and max_quote_chars >= 2")
    require_columns(segments, ["segment_id", "session_id", "speaker", "text"], "segments")
    if case == "campaign_id" and sessions is not None:
        segments = attribute_turns(segments, sessions)  # each turn in one case
    table = code_frequencies(codings, segments, by=case, sessions=sessions, level=level, codebook=codebook,
                             coders=coders)
    pairs = coded_segments(codings, segments, level=level, codebook=codebook, coders=coders)
    if codes is not None:
        codes = list(codes)
        table = table.loc[table["code_id"].isin(codes)]
        table = table.assign(_rank=table["code_id"].map({c: i for i, c in enumerate(codes)})) \
            .sort_values([case, "_rank"], kind="stable").drop(columns="_rank").reset_index(drop=True)
        pairs = pairs.loc[pairs["code_id"].isin(codes)]

    text = segments.drop_duplicates("segment_id")[["segment_id", "speaker", "text"]]
    cases = segment_groups(segments, case, sessions=sessions)[["segment_id", case]].drop_duplicates()
    pairs = pairs.merge(text, on="segment_id").merge(cases, on="segment_id")
    pairs["length"] = pairs["text"].astype("string").str.len()
    pairs = pairs.sort_values([case, "code_id", "n_coders", "length", "segment_id"],
                              ascending=[True, True, False, False, True], kind="stable")
    chosen = pairs.groupby([case, "code_id"], sort=False).head(quotes_per_cell)
    chosen = chosen.assign(quote="“" + _truncate(chosen["text"], max_quote_chars) + "” ("
                           + chosen["speaker"].astype("string") + ", " + chosen["segment_id"].astype("string") + ")")
    cells = chosen.groupby([case, "code_id"], sort=False).agg(
        quotes=("quote", "\n\n".join), quote_segment_ids=("segment_id", ";".join)).reset_index()
    cells["code_id"] = cells["code_id"].astype("string")
    table = table.merge(cells, on=[case, "code_id"], how="left")
    for column in ("quotes", "quote_segment_ids"):
        table[column] = table[column].fillna("").astype("string")
    return table


def quotes(
    code: str,
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    context: int = 1,
    sessions: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """What was said under a code: each coded segment with the turns around it.

    Parameters
    ----------
    code
        A code id. With ``codebook``, segments coded with any code under it count too
        (``PW-FORM`` also finds ``PW-FORM-HIDDEN``).
    codings, segments
        Codings table; pseudonymised segments table (segment_id, session_id, turn,
        speaker, text; country and speaker_role used when present).
    context
        Turns of the same session shown before and after (0 for none).
    sessions
        Sessions table; adds each session's date.

    Returns
    -------
    pandas.DataFrame
        One row per segment, by date (when known), session and turn:

        - ``country``, ``session_id``, ``date`` (missing without ``sessions``);
        - ``segment_id``, ``turn``, ``speaker``, ``speaker_role``, ``text``;
        - ``language``, ``translation``, ``translation_language`` (``""`` when
          unknown or not given);
        - ``codes``: the matching codes applied, ``";"``-joined;
        - ``coders``: who applied them, ``";"``-joined; ``n_coders``: how many;
        - ``context_before``, ``context_after``: the neighbouring turns of the same
          session as ``speaker: text`` lines, oldest first;
        - ``context_before_language``, ``context_after_language``: the language those
          lines are in, when they share one (``""`` when unknown or mixed).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S1-T003"], "session_id": "S1",
    ...                     "turn": [1, 2, 3], "speaker": ["staff 1", "partner 2", "staff 1"],
    ...                     "text": ["What changed?", "The clinic opened.", "Why?"]})
    >>> cod = pd.DataFrame({"segment_id": ["S1-T002"], "code_id": ["X"], "coder": ["a"]})
    >>> q = quotes("X", cod, seg)
    >>> q[["segment_id", "context_before", "context_after"]].values.tolist()
    [['S1-T002', 'staff 1: What changed?', 'staff 1: Why?']]
    """
    if context < 0:
        raise ParameterError("context must be 0 or more turns")
    require_columns(codings, ["segment_id", "code_id", "coder"], "codings")
    require_columns(segments, ["segment_id", "session_id", "speaker", "text"], "segments")
    wanted = descendants(codebook, code) if codebook is not None else [code]
    hits = codings.loc[codings["code_id"].isin(wanted)]
    found = hits.groupby("segment_id", sort=False).agg(
        codes=("code_id", lambda s: ";".join(sorted(set(s)))), coders=("coder", lambda s: ";".join(sorted(set(s)))),
        n_coders=("coder", "nunique")).reset_index()
    ordered = segments.drop_duplicates("segment_id")
    if "turn" not in ordered.columns:
        ordered = ordered.assign(turn=ordered["segment_id"].str.extract(SEGMENT_ID_PATTERN)["turn"].astype("Int64"))
    ordered = ordered.sort_values(["session_id", "turn"], kind="stable").reset_index(drop=True)
    line = ordered["speaker"].astype("string") + ": " + ordered["text"].astype("string")
    by_session = line.groupby(ordered["session_id"], sort=False)
    before = [by_session.shift(k) for k in range(context, 0, -1)]
    after = [by_session.shift(-k) for k in range(1, context + 1)]
    ordered["context_before"] = _join_lines(before, len(ordered))
    ordered["context_after"] = _join_lines(after, len(ordered))
    # The context's language, so that a report can mark it as it marks the quote (a screen reader then
    # reads French context in French); one tag for the lines together, none when they mix languages.
    language = (ordered["language"].astype("string").fillna("") if "language" in ordered.columns
                else pd.Series("", index=ordered.index, dtype="string"))
    said_in = language.groupby(ordered["session_id"], sort=False)
    ordered["context_before_language"] = _shared_language([said_in.shift(k) for k in range(context, 0, -1)],
                                                          len(ordered))
    ordered["context_after_language"] = _shared_language([said_in.shift(-k) for k in range(1, context + 1)],
                                                         len(ordered))
    table = found.merge(ordered, on="segment_id", how="left", validate="one_to_one")
    for column, default in (("country", pd.NA), ("speaker_role", pd.NA)):
        if column not in table.columns:
            table[column] = default
    if sessions is not None:
        require_columns(sessions, ["session_id", "date"], "sessions")
        table = table.merge(sessions.drop_duplicates("session_id")[["session_id", "date"]], on="session_id",
                            how="left")
    else:
        table["date"] = pd.NaT
    table["date"] = pd.to_datetime(table["date"])
    table = table.sort_values(["date", "session_id", "turn"], kind="stable", na_position="last")
    for column in ("language", "translation", "translation_language"):
        table[column] = table[column].fillna("").astype("string") if column in table.columns else ""
    columns = ["country", "session_id", "date", "segment_id", "turn", "speaker", "speaker_role", "text", "language",
               "translation", "translation_language", "codes", "coders", "n_coders", "context_before",
               "context_after", "context_before_language", "context_after_language"]
    return table[columns].reset_index(drop=True)


#: Columns of :func:`quote_parts`.
QUOTE_PART_COLUMNS = ["segment_id", "speaker", "text", "language", "translation", "translation_language"]


def quote_parts(segments: pd.DataFrame, segment_ids: Sequence[str] | str | None = None) -> pd.DataFrame:
    """What a report needs to show quotes in their language: text, language and translation.

    Parameters
    ----------
    segments
        Segments table (segment_id, speaker, text; language, translation and
        translation_language when the session files give them).
    segment_ids
        The segments wanted, in this order: a list, or a ``";"``-joined string such as
        :func:`framework_matrix`'s ``quote_segment_ids``; default all.

    Returns
    -------
    pandas.DataFrame
        :data:`QUOTE_PART_COLUMNS`: segment_id, speaker, text (as said), language
        (``""`` when unknown), translation and translation_language (``""`` when the
        session file gives no translation). Unknown ids are left out.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001"], "speaker": ["staff 1"], "text": ["Nous avons écrit."],
    ...                     "language": ["fr"], "translation": ["We wrote."], "translation_language": ["en"]})
    >>> quote_parts(seg, "S1-T001").iloc[0][["language", "translation", "translation_language"]].tolist()
    ['fr', 'We wrote.', 'en']
    """
    require_columns(segments, ["segment_id", "speaker", "text"], "segments")
    table = segments.drop_duplicates("segment_id")
    table = table.assign(**{c: table[c].fillna("").astype("string") if c in table.columns else ""
                            for c in ("language", "translation", "translation_language")})
    if segment_ids is not None:
        wanted = [i for i in (segment_ids.split(";") if isinstance(segment_ids, str) else segment_ids) if i]
        table = table.set_index("segment_id").reindex(wanted).dropna(subset=["text"]).reset_index()
    return table[QUOTE_PART_COLUMNS].reset_index(drop=True)


def _shared_language(columns: list[pd.Series], n: int) -> pd.Series:
    """Per row, the one language of the non-missing entries across ``columns``; ``""`` if none or several."""
    if not columns:
        return pd.Series("", index=range(n), dtype="string")
    languages = pd.concat(columns, axis=1, ignore_index=True)
    one = languages.nunique(axis=1, dropna=True).eq(1)
    first = languages.bfill(axis=1).iloc[:, 0]
    return first.where(one, "").fillna("").astype("string")


def _join_lines(columns: list[pd.Series], n: int) -> pd.Series:
    """Join the non-missing entries of each row across ``columns`` with newlines."""
    joined = pd.Series("", index=range(n), dtype="string")
    for column in columns:
        present = column.notna()
        joined = joined.where(~present, joined + np.where(joined != "", "\n", "") + column.fillna(""))
    return joined
