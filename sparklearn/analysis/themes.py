"""(from coding.py)
Codings of reflection-session segments: coding sheets in, themes out.

Two halves:

**Coding sheets.** :func:`read_codings` reads the sheets coders fill in (CSV or
Excel; ``session_id, segment_id, code, coder, memo``) and checks every row against
the codebook and the segments table; :func:`coding_templates` writes a blank Excel
sheet per session, one row per speaker turn with its pseudonymised text and a
dropdown of codebook codes, which :func:`read_codings` reads back.

**Themes.** Tidy tables for the questions researchers ask of coded material:
how often each theme comes up (:func:`code_frequencies`), which themes go together
(:func:`cooccurrence`), a framework matrix of cases by themes with representative
quotes (:func:`framework_matrix`, :func:`framework_matrix_to_excel`), what people
said about a theme (:func:`quotes`) and how themes move across rounds
(:func:`themes_over_rounds`).

Counting rules, the same in every function:

- A *coded segment* is a (segment, code) pair that at least one coder applied:
  two coders giving a segment the same code count once, except when ``coder`` is one
  of the grouping columns.
- With ``level="parent"`` or ``level="group"`` codes are first rolled up to their
  parent or their top-level group (via the codebook), then de-duplicated per segment,
  so a segment coded with both ``PW-FORM-HIDDEN`` and ``PW-FORM-VISIBLE`` counts once
  for ``PW-FORM``.
- Coverage is coded segments divided by all segments in the group (coded or not),
  so it needs the segments table; without it coverage is missing, never guessed.

Counting works on integer codes (``pandas.factorize``, ``numpy.bincount``,
``scipy.sparse``) rather than on strings, so a million codings take well under
a second (``benchmarks/bench_themes.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from sparklearn.codebook import Codebook, codebook_table, descendants
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.frames import require_columns
from sparklearn.ingest.codings import _SEGMENT_ID

Level = Literal["code", "parent", "group"]


Measure = Literal["jaccard", "lift"]


#: Grouping columns :func:`code_frequencies` understands; ``campaign`` is an alias of ``campaign_id``.
GROUPINGS = ("country", "session_id", "campaign_id", "round", "coder")


# --------------------------------------------------------------------------- counting core


def _grouping(by: str | Sequence[str]) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    by = ["campaign_id" if b == "campaign" else b for b in by]
    unknown = [b for b in by if b not in GROUPINGS]
    if unknown:
        raise ParameterError(f"cannot group by {', '.join(unknown)}; use any of {', '.join(GROUPINGS)} "
                             "('campaign' for campaign_id)")
    if len(set(by)) < len(by):
        raise ParameterError(f"a grouping column is repeated in by={by}")
    return by


def _rolled_codes(code_ids: np.ndarray, level: Level | None, codebook: Codebook | None) -> np.ndarray:
    """Map distinct code ids to their parent or group; unchanged for level None or 'code'."""
    if level in (None, "code"):
        return code_ids
    if level not in ("parent", "group"):
        raise ParameterError(f"level must be 'code', 'parent' or 'group', not {level!r}")
    if codebook is None:
        raise ParameterError(f"level={level!r} needs the codebook: pass codebook=")
    table = codebook_table(codebook).set_index("code_id")
    target = table["group_id"] if level == "group" else table["parent_id"].fillna(pd.Series(table.index,
                                                                                          index=table.index))
    rolled = pd.Series(code_ids).map(target)
    if rolled.isna().any():
        raise CodebookError(f"code {code_ids[rolled.isna().to_numpy()][0]!r} is not in the codebook",
                            file=codebook.source, fix="code against the codebook the data was prepared with")
    return rolled.to_numpy(dtype=object)


def _session_attributes(sessions: pd.DataFrame | None, wanted: Sequence[str]) -> pd.DataFrame:
    """session_id plus round and/or campaign_id (one row per campaign of a session)."""
    if sessions is None:
        raise ParameterError(f"grouping by {', '.join(wanted)} needs the sessions table: pass sessions=")
    needed = ["campaign_ids" if w == "campaign_id" else w for w in wanted]
    require_columns(sessions, ["session_id", *needed], "sessions")
    table = sessions[["session_id", *needed]].drop_duplicates("session_id")
    if "campaign_id" in wanted:
        table = table.assign(campaign_id=table["campaign_ids"].astype("string").str.split(";")) \
            .explode("campaign_id")
        table["campaign_id"] = table["campaign_id"].str.strip().astype("string")
        table = table.loc[table["campaign_id"].fillna("") != ""]
    return table[["session_id", *wanted]].reset_index(drop=True)


def _attach(frame: pd.DataFrame, by: Sequence[str], sessions: pd.DataFrame | None, what: str) -> pd.DataFrame:
    """Add round / campaign_id to a table with session_id (rows repeat per campaign)."""
    wanted = [b for b in by if b in ("round", "campaign_id")]
    if not wanted:
        return frame
    attrs = _session_attributes(sessions, wanted)
    missing = ~frame["session_id"].isin(attrs["session_id"])
    if missing.any():
        first = frame.loc[missing, "session_id"].iloc[0]
        raise InputError(f"{int(missing.sum())} {what} belong to sessions missing from the sessions table (or "
                         f"without a campaign); the first is {first}", column="session_id", value=first,
                         fix="pass the sessions, segments and codings of the same countries and period")
    # Join on the (few) distinct sessions, then spread over the rows by integer position.
    sess_codes, sess_ids = pd.factorize(frame["session_id"])
    lookup = pd.DataFrame({"_sess": np.arange(len(sess_ids)), "session_id": sess_ids}).merge(attrs, on="session_id")
    rows = pd.DataFrame({"_row": np.arange(len(frame)), "_sess": sess_codes}).merge(lookup[["_sess", *wanted]],
                                                                                   on="_sess", sort=False)
    out = frame.iloc[rows["_row"].to_numpy()].reset_index(drop=True)
    for w in wanted:
        out[w] = rows[w].to_numpy()
    return out


def _encode_groups(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """One integer per row for the combination of ``by`` values, and the values per column."""
    if not by:
        return np.zeros(len(frame), dtype=np.int64), [], []
    codes, uniques = zip(*(pd.factorize(frame[b], sort=True, use_na_sentinel=False) for b in by))
    sizes = [max(len(u), 1) for u in uniques]
    return np.ravel_multi_index(codes, sizes).astype(np.int64), [np.asarray(u) for u in uniques], sizes


def _distinct_counts(key: np.ndarray, item: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key, how many distinct items occur with it (bincount over unique key-item pairs)."""
    n_items = int(item.max()) + 1 if len(item) else 1
    # A sparse keys-by-items matrix merges repeated pairs; its row lengths are the counts.
    # (Faster than np.unique, which sorts or hashes every pair.)
    pairs = sparse.csr_matrix((np.ones(len(key), dtype=np.int32), (key, item)), shape=(n_keys, n_items))
    pairs.sum_duplicates()
    return np.diff(pairs.indptr)


def _code_order(code_ids: Iterable[str], codebook: Codebook | None) -> list[str]:
    code_ids = list(dict.fromkeys(code_ids))
    if codebook is None:
        return sorted(code_ids)
    rank = {c: i for i, c in enumerate(codebook_table(codebook)["code_id"])}
    return sorted(code_ids, key=lambda c: (rank.get(c, len(rank)), c))


# --------------------------------------------------------------------------- themes


def code_frequencies(
    codings: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("country",),
    segments: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
    level: Level | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """How often each code comes up, per group: codings, segments, sessions, coverage.

    Parameters
    ----------
    codings
        Codings table (segment_id, session_id, code_id, coder, and the ``by`` columns
        that codings carry: country, session_id, coder).
    by
        Grouping columns, any of ``country``, ``session_id``, ``campaign`` (or
        ``campaign_id``: a session on two campaigns counts for both), ``round`` and
        ``coder``; ``()`` for one overall group. Campaign and round come from ``sessions``.
    segments
        Segments table (segment_id, session_id, country); gives the denominator of
        coverage. Without it ``segments_in_group`` and ``coverage`` are missing.
    sessions
        Sessions table (session_id, round, campaign_ids); needed for round and campaign.
    level
        ``None`` or ``"code"``: codes as coded; ``"parent"``: rolled up to the parent
        code; ``"group"``: to the top-level group. Needs ``codebook``.
    codebook
        Also orders the codes as in the codebook (else alphabetical).

    Returns
    -------
    pandas.DataFrame
        One row per group and code used anywhere (zeros included): the ``by`` columns,
        code_id, n_codings (rows, every coder), n_segments (distinct segments with the
        code, any coder), n_sessions (distinct sessions with the code),
        segments_in_group (all segments of the group; for ``coder``, the segments of
        the sessions that coder coded), coverage (n_segments / segments_in_group).

    Examples
    --------
    >>> cod = pd.DataFrame({"country": ["ghana"] * 3, "session_id": ["S1"] * 3,
    ...                     "segment_id": ["S1-T001", "S1-T001", "S1-T002"],
    ...                     "code_id": ["X", "X", "Y"], "coder": ["a", "b", "a"]})
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S1-T003", "S1-T004"],
    ...                     "session_id": "S1", "country": "ghana"})
    >>> print(code_frequencies(cod, segments=seg).to_string())
      country code_id  n_codings  n_segments  n_sessions  segments_in_group  coverage
    0   ghana       X          2           1           1                  4      0.25
    1   ghana       Y          1           1           1                  4      0.25
    """
    by = _grouping(by)
    require_columns(codings, ["segment_id", "session_id", "code_id", *[b for b in by if b in ("country", "coder")]],
             "codings")
    frame = _attach(codings[list(dict.fromkeys(["segment_id", "session_id", "code_id",
                                                 *[b for b in by if b in codings.columns]]))],
                    by, sessions, "coding(s)")
    code_f, code_ids = pd.factorize(frame["code_id"])
    if (code_f < 0).any():
        raise InputError("some codings have no code_id", column="code_id",
                         fix="read codings with read_codings(), which rejects rows without a known code")
    rolled = _rolled_codes(np.asarray(code_ids, dtype=object), level, codebook)
    roll_f, code_ids = pd.factorize(rolled)
    code_f = roll_f[code_f]
    n_codes = max(len(code_ids), 1)
    group, values, sizes = _encode_groups(frame, by)
    n_groups = int(np.prod(sizes)) if sizes else 1
    cell = group * n_codes + code_f
    n_cells = n_groups * n_codes
    seg_f = pd.factorize(frame["segment_id"])[0]
    sess_f = pd.factorize(frame["session_id"])[0]
    n_codings = np.bincount(cell, minlength=n_cells)
    n_segments = _distinct_counts(cell, seg_f, n_cells)
    n_sessions = _distinct_counts(cell, sess_f, n_cells)
    used = np.flatnonzero(n_codings)
    index = np.unravel_index(used // n_codes, sizes) if sizes else []
    counts = pd.DataFrame({**{b: values[k][index[k]] for k, b in enumerate(by)},
                           "code_id": np.asarray(code_ids, dtype=object)[used % n_codes],
                           "n_codings": n_codings[used], "n_segments": n_segments[used],
                           "n_sessions": n_sessions[used]})

    if segments is not None:
        denominators = _group_sizes(segments, by, sessions, codings)
        groups = denominators[by] if by else pd.DataFrame(index=[0])
        groups = pd.concat([groups, counts[by].drop_duplicates()], ignore_index=True).drop_duplicates() \
            if by else groups
    else:
        denominators = None
        groups = counts[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    codes = pd.DataFrame({"code_id": _code_order(counts["code_id"], codebook)})
    grid = groups.merge(codes, how="cross")
    table = grid.merge(counts, on=[*by, "code_id"], how="left") if len(counts) else grid.assign(
        n_codings=0, n_segments=0, n_sessions=0)
    for column in ("n_codings", "n_segments", "n_sessions"):
        table[column] = table[column].fillna(0).astype("int64")
    if denominators is not None:
        table = table.merge(denominators, on=by, how="left") if by else table.assign(
            segments_in_group=int(denominators["segments_in_group"].iloc[0]))
        table["segments_in_group"] = table["segments_in_group"].astype("Int64")
        table["coverage"] = (table["n_segments"] / table["segments_in_group"]).astype("float64")
    else:
        table["segments_in_group"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table["coverage"] = np.nan
    code_rank = {c: i for i, c in enumerate(codes["code_id"])}
    table = table.assign(_rank=table["code_id"].map(code_rank)).sort_values([*by, "_rank"], kind="stable")
    table["code_id"] = table["code_id"].astype("string")
    return table.drop(columns="_rank").reset_index(drop=True)[
        [*by, "code_id", "n_codings", "n_segments", "n_sessions", "segments_in_group", "coverage"]]


def _group_sizes(segments: pd.DataFrame, by: Sequence[str], sessions: pd.DataFrame | None,
                 codings: pd.DataFrame) -> pd.DataFrame:
    """Segments per group, the denominator of coverage."""
    require_columns(segments, ["segment_id", "session_id", *[b for b in by if b == "country"]], "segments")
    units = segments[list(dict.fromkeys(["segment_id", "session_id", *[b for b in by if b == "country"]]))]
    units = units.drop_duplicates("segment_id")
    units = _attach(units, by, sessions, "segment(s)")
    if "coder" in by:
        # A coder's denominator is the segments of the sessions they coded.
        seen = codings[["coder", "session_id"]].drop_duplicates()
        units = units.merge(seen, on="session_id")
    if not by:
        return pd.DataFrame({"segments_in_group": [len(units)]})
    return units.groupby(list(by), sort=True).size().rename("segments_in_group").reset_index()


def cooccurrence(
    codings: pd.DataFrame,
    *,
    measure: Measure = "jaccard",
    segments: pd.DataFrame | None = None,
    level: Level | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Pairs of codes given to the same segment, with how strongly they go together.

    A segment carries a code if any coder applied it (coders are pooled and each
    segment counts once per pair). Counting is a sparse product: with X the
    segments-by-codes 0/1 matrix, ``X.T @ X`` holds every pair's count.

    Two normalised measures, both in the table:

    - **Jaccard**: ``n_together / (n_a + n_b - n_together)``, the share of segments
      with either code that carry both; 1 when two codes always come together, 0
      when never. Does not depend on how many segments were left uncoded.
    - **lift** (observed / expected): ``n_together * N / (n_a * n_b)``, where N is
      the number of segments (all segments if ``segments`` is given, else those with
      any code). 1 is what independent codes would give; above 1 they go together
      more than chance.

    Parameters
    ----------
    codings
        Codings table (segment_id, code_id).
    measure
        ``"jaccard"`` or ``"lift"``: the rows are sorted by it, strongest pair first.
    segments
        Segments table; its size is N for lift.
    level, codebook
        Roll codes up before counting, as in :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        One row per pair coded together at least once (code_a before code_b in
        codebook or alphabetical order): code_a, code_b, n_together, n_a, n_b (segments
        with each code), jaccard, lift.

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s1", "s2", "s2", "s3", "s3"],
    ...                     "code_id": ["A", "B", "A", "B", "A", "C"]})
    >>> cooccurrence(cod)
      code_a code_b  n_together  n_a  n_b   jaccard  lift
    0      A      B           2    3    2  0.666667   1.0
    1      A      C           1    3    1  0.333333   1.0
    """
    if measure not in ("jaccard", "lift"):
        raise ParameterError(f"measure must be 'jaccard' or 'lift', not {measure!r}")
    require_columns(codings, ["segment_id", "code_id"], "codings")
    seg_f, seg_ids = pd.factorize(codings["segment_id"])
    code_f, code_ids = pd.factorize(codings["code_id"])
    rolled = _rolled_codes(np.asarray(code_ids, dtype=object), level, codebook)
    roll_f, code_ids = pd.factorize(rolled)
    code_f = roll_f[code_f]
    order = _code_order(code_ids, codebook)
    position = pd.Series(np.arange(len(order)), index=order)
    code_f = position.reindex(np.asarray(code_ids, dtype=object)).to_numpy()[code_f]
    n_codes = len(order)
    coded = sparse.csr_matrix((np.ones(len(code_f), dtype=np.int32), (seg_f, code_f)),
                              shape=(len(seg_ids), n_codes))
    coded.data[:] = 1  # duplicates (several coders) were summed: a segment counts once
    together = (coded.T @ coded).tocoo()
    per_code = np.asarray(coded.sum(axis=0)).ravel()
    upper = together.row < together.col
    a, b, n = together.row[upper], together.col[upper], together.data[upper].astype(np.int64)
    n_all = segments["segment_id"].nunique() if segments is not None else len(seg_ids)
    codes = np.asarray(order, dtype=object)
    table = pd.DataFrame({"code_a": pd.array(codes[a], dtype="string"), "code_b": pd.array(codes[b], dtype="string"),
                          "n_together": n, "n_a": per_code[a].astype(np.int64), "n_b": per_code[b].astype(np.int64)})
    table["jaccard"] = table["n_together"] / (table["n_a"] + table["n_b"] - table["n_together"])
    table["lift"] = table["n_together"] * n_all / (table["n_a"] * table["n_b"])
    table = table.assign(_a=a, _b=b).sort_values([measure, "n_together", "_a", "_b"],
                                                 ascending=[False, False, True, True], kind="stable")
    return table.drop(columns=["_a", "_b"]).reset_index(drop=True)


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
    level: Level | None = None,
    codebook: Codebook | None = None,
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
        Themes to show, in this order (after any roll-up); default every code used.
    quotes_per_cell
        At most this many quotes per cell (0 for none).
    max_quote_chars
        Longer quotes are cut at a word boundary and end with "…".
    sessions, level, codebook
        As for :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        One row per case and code (empty cells included): the case column, code_id,
        n_codings, n_segments, n_sessions, segments_in_group, coverage (as
        :func:`code_frequencies`), quotes (``"\\n\\n"``-joined, each ``“text” (speaker,
        segment_id)``), quote_segment_ids (``";"``-joined).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002"], "session_id": "S1", "country": "ghana",
    ...                     "speaker": ["staff 1", "partner 2"], "text": ["We wrote to the assembly.", "Yes."]})
    >>> cod = pd.DataFrame({"country": "ghana", "session_id": "S1", "segment_id": ["S1-T001", "S1-T002"],
    ...                     "code_id": "X", "coder": "a"})
    >>> framework_matrix(cod, seg)[["country", "code_id", "n_segments", "quotes"]].values.tolist()
    [['ghana', 'X', 2, '“We wrote to the assembly.” (staff 1, S1-T001)']]
    """
    case = "campaign_id" if case == "campaign" else case
    if case not in ("country", "campaign_id", "session_id"):
        raise ParameterError(f"case must be 'country', 'campaign_id' or 'session_id', not {case!r}")
    if quotes_per_cell < 0 or max_quote_chars < 2:
        raise ParameterError("quotes_per_cell must be >= 0 and max_quote_chars >= 2")
    require_columns(segments, ["segment_id", "session_id", "speaker", "text"], "segments")
    table = code_frequencies(codings, by=(case,), segments=segments, sessions=sessions, level=level,
                             codebook=codebook)
    if codes is not None:
        codes = list(codes)
        table = table.loc[table["code_id"].isin(codes)]
        table = table.assign(_rank=table["code_id"].map({c: i for i, c in enumerate(codes)})) \
            .sort_values([case, "_rank"], kind="stable").drop(columns="_rank").reset_index(drop=True)

    pairs = codings[["segment_id", "code_id", "coder"]].copy()
    distinct = pd.unique(pairs["code_id"])
    pairs["code_id"] = pairs["code_id"].map(dict(zip(distinct, _rolled_codes(np.asarray(distinct, dtype=object),
                                                                              level, codebook))))
    if codes is not None:
        pairs = pairs.loc[pairs["code_id"].isin(codes)]
    pairs = (pairs.groupby(["segment_id", "code_id"], sort=False)["coder"].nunique().rename("n_coders")
             .reset_index())
    text = segments.drop_duplicates("segment_id")[["segment_id", "session_id", "speaker", "text",
                                                  *(["country"] if case == "country" else [])]]
    pairs = pairs.merge(text, on="segment_id")
    pairs = _attach(pairs, (case,), sessions, "segment(s)")
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
        One row per segment, by date (when known), session and turn: country,
        session_id, date, segment_id, turn, speaker, speaker_role, text, codes (the
        matching codes applied, ``";"``-joined), coders (``";"``-joined), n_coders,
        context_before, context_after (the neighbouring turns as ``speaker: text``
        lines, oldest first).

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
        ordered = ordered.assign(turn=ordered["segment_id"].str.extract(_SEGMENT_ID)["turn"].astype("Int64"))
    ordered = ordered.sort_values(["session_id", "turn"], kind="stable").reset_index(drop=True)
    line = ordered["speaker"].astype("string") + ": " + ordered["text"].astype("string")
    by_session = line.groupby(ordered["session_id"], sort=False)
    before = [by_session.shift(k) for k in range(context, 0, -1)]
    after = [by_session.shift(-k) for k in range(1, context + 1)]
    ordered["context_before"] = _join_lines(before, len(ordered))
    ordered["context_after"] = _join_lines(after, len(ordered))
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
    columns = ["country", "session_id", "date", "segment_id", "turn", "speaker", "speaker_role", "text", "codes",
               "coders", "n_coders", "context_before", "context_after"]
    return table[columns].reset_index(drop=True)


def _join_lines(columns: list[pd.Series], n: int) -> pd.Series:
    """Join the non-missing entries of each row across ``columns`` with newlines."""
    joined = pd.Series("", index=range(n), dtype="string")
    for column in columns:
        present = column.notna()
        joined = joined.where(~present, joined + np.where(joined != "", "\n", "") + column.fillna(""))
    return joined


def themes_over_rounds(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    by: str | Sequence[str] = (),
    level: Level | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Share of each round's segments coded with each code.

    Parameters
    ----------
    codings, segments, sessions
        Codings, segments and sessions (session_id, round) tables.
    by
        Extra grouping, e.g. ``"country"`` for one line per country (rounds are each
        country's own cycles).
    level, codebook
        As for :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, round, code_id, n_segments (coded), segments_in_round,
        share (n_segments / segments_in_round); zeros included.

    Examples
    --------
    >>> ses = pd.DataFrame({"session_id": ["S1", "S2"], "round": [1, 2]})
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S2-T001"], "session_id": ["S1", "S1", "S2"]})
    >>> cod = pd.DataFrame({"segment_id": ["S1-T001", "S2-T001"], "session_id": ["S1", "S2"],
    ...                     "code_id": ["X", "X"], "coder": "a"})
    >>> themes_over_rounds(cod, seg, ses)
       round code_id  n_segments  segments_in_round  share
    0      1       X           1                  2    0.5
    1      2       X           1                  1    1.0
    """
    by = _grouping(by)
    table = code_frequencies(codings, by=(*by, "round"), segments=segments, sessions=sessions, level=level,
                             codebook=codebook)
    table = table.rename(columns={"segments_in_group": "segments_in_round", "coverage": "share"})
    return table[[*by, "round", "code_id", "n_segments", "segments_in_round", "share"]]
