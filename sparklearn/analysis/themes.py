"""Themes in coded reflection sessions: how often, with what, for whom, over rounds.

Analysis stage: tidy tables in (codings, segments, sessions as :mod:`sparklearn.store`
gives them), tidy tables out; no files, no prose, no figures. This is the one theme
engine, for a country's report and for the comparison of countries alike:
:func:`code_frequencies` (how often each theme comes up, per country, campaign,
round, session or coder), :func:`themes_over_rounds` (the same, round by round),
:func:`distinctive_themes` (what a country uses more or less than the others, beyond
chance) and :func:`cooccurrence` (which themes go together). The framework matrix and
quotes, which add what people said, are in :mod:`sparklearn.analysis.quotes`.

Counting rules, the same in every function:

- A *segment* is one speaker turn. A coding belongs where its segment is: with the
  segments table, a coding's session and country are its segment's (a coding on a
  segment missing from the table is an error); without it, the coding's own columns.
- ``level="parent"`` or ``"group"`` rolls codes up to their parent code or top-level
  group (via the codebook) before anything is counted, so a segment coded with both
  ``PW-FORM-HIDDEN`` and ``PW-FORM-VISIBLE`` counts once for ``PW-FORM``.
- ``coders=`` keeps only those coders' codings; a segment carries a code when at
  least one of the kept coders applied it.
- Round comes from the sessions table. Campaign comes from the segment's own
  ``campaign_id`` when the segments table has one (each turn counts once: a turn of a
  session shared by two campaigns is in the campaign it is tagged with, or in the
  shared case ``a+b``; see :mod:`sparklearn.ingest.sessions`); without that column, from
  the sessions table, where a session on two campaigns counts for both. A session on
  none is in no campaign's group.
- Codes are listed by id, alphabetically (ids start with their family, so families
  stay together), every code used anywhere in every group, zeros included.

The same column names mean the same thing in every table:

========================  ==================================================================
``n_codings``             coding rows (every coder; two coders on one segment count twice)
``n_segments``            segments coded with the code (by at least one of the coders kept)
``n_sessions``            sessions with at least one such segment
``segments_in_group``     every segment of the group, coded or not: the denominator
``coverage``              ``n_segments / segments_in_group``: share of the group's segments
========================  ==================================================================

Counting works on integer codes (``pandas.factorize``, ``numpy.bincount``,
``scipy.sparse``) rather than on strings, so a million codings take well under a
second (``benchmarks/bench_themes.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from sparklearn.codebook import Codebook, codebook_table
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.frames import require_columns

#: How far codes are rolled up before counting: as coded, to the parent code, to the top-level group.
Level = Literal["code", "parent", "group"]

Measure = Literal["jaccard", "lift"]

#: Grouping columns the theme functions understand; ``campaign`` is an alias of ``campaign_id``.
GROUPINGS = ("country", "session_id", "campaign_id", "round", "coder")

#: Grouping columns that come from the sessions table, not from codings or segments.
_FROM_SESSIONS = ("round", "campaign_id")

#: Grouping columns a coding takes from its segment when the segments table is given
#: (``campaign_id`` only when the segments table has it: each turn's own case).
_FROM_SEGMENTS = ("session_id", "country", "campaign_id")


# --------------------------------------------------------------------------- building blocks


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


def _rolled_codes(code_ids: np.ndarray, level: Level, codebook: Codebook | None) -> np.ndarray:
    """Map distinct code ids to themselves, their parent or their group."""
    if level == "code":
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


def _session_attributes(sessions: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """session_id plus round and/or campaign_id: one row per campaign of a session, none for a session on none."""
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
    """Add round / campaign_id to a table with session_id (rows repeat per campaign, drop for none)."""
    if "campaign_id" in by and "campaign_id" in frame.columns:  # each turn's own case, from the segments
        frame = frame.loc[frame["campaign_id"].fillna("").astype("str") != ""].reset_index(drop=True)
    wanted = [b for b in by if b in _FROM_SESSIONS and b not in frame.columns]
    if not wanted:
        return frame
    if sessions is None:
        raise ParameterError(f"grouping by {', '.join(wanted)} needs the sessions table: pass sessions=")
    attrs = _session_attributes(sessions, wanted)
    missing = ~frame["session_id"].isin(sessions["session_id"])
    if missing.any():
        first = frame.loc[missing, "session_id"].iloc[0]
        raise InputError(f"{int(missing.sum())} {what} belong to sessions missing from the sessions table; the "
                         f"first is {first}", column="session_id", value=first,
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


def _coded_rows(codings: pd.DataFrame, segments: pd.DataFrame | None, *, level: Level,
                codebook: Codebook | None, coders: Sequence[str] | None,
                keep: Sequence[str] = ()) -> pd.DataFrame:
    """The codings that count, one row per coding: segment_id, code_id (rolled up), and the ``keep`` columns.

    The one place where codings are chosen (``coders``), rolled up (``level``) and placed
    (session and country from the segments table when it is given). segment_id and
    code_id come back as categoricals (codes in id order), so that counting works on
    their integer codes without hashing a million strings again.
    """
    from_segments = [c for c in keep if c in _FROM_SEGMENTS] if segments is not None else []
    own = [c for c in keep if c not in from_segments]
    require_columns(codings, list(dict.fromkeys(["segment_id", "code_id", *own,
                                                 *(["coder"] if coders is not None else [])])), "codings")
    if coders is not None:
        codings = codings.loc[codings["coder"].isin(list(coders))]
    frame = codings[list(dict.fromkeys(["segment_id", "code_id", *own]))].reset_index(drop=True)
    seg_f, seg_ids = pd.factorize(frame["segment_id"])
    code_f, code_ids = pd.factorize(frame["code_id"])
    for column, missing in (("segment_id", seg_f < 0), ("code_id", code_f < 0)):
        if missing.any():
            raise InputError(f"{int(missing.sum())} coding(s) have no {column}", column=column,
                             fix="read codings with read_codings(), which rejects such rows")
    if segments is not None:
        require_columns(segments, ["segment_id", *from_segments], "segments")
        table = segments.drop_duplicates("segment_id")
        # Each distinct segment is looked up once, then spread by integer position; take()
        # keeps the columns' dtypes. (Arrow's index_in: a fifth of Index.get_indexer's time.)
        found = pc.index_in(pa.array(seg_ids, type=pa.string()),
                            value_set=pa.array(table["segment_id"], type=pa.string()))
        found = found.fill_null(-1).to_numpy().astype(np.int64)
        if (found < 0).any():
            orphan = found[seg_f] < 0
            first = frame["segment_id"].iloc[int(np.argmax(orphan))]
            raise InputError(f"{int(orphan.sum())} coding(s) refer to segments missing from the segments table; "
                             f"the first is {first}", column="segment_id", value=first,
                             fix="pass the codings and segments of the same countries and period")
        for column in from_segments:
            frame[column] = table[column].array.take(found[seg_f])
    rank, codes = pd.factorize(_rolled_codes(np.asarray(code_ids, dtype=object), level, codebook), sort=True)
    frame["segment_id"] = pd.Categorical.from_codes(seg_f, categories=seg_ids)
    frame["code_id"] = pd.Categorical.from_codes(rank[code_f], categories=codes)
    return frame


def segment_groups(
    segments: pd.DataFrame,
    by: str | Sequence[str] = "country",
    *,
    sessions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which group each segment is in: the denominators of every coverage.

    Parameters
    ----------
    segments
        Segments table (segment_id, session_id; country to group by country).
    by
        Any of ``country``, ``session_id``, ``campaign`` (``campaign_id``) and ``round``.
    sessions
        Sessions table (session_id, round, campaign_ids); needed for round and campaign.

    Returns
    -------
    pandas.DataFrame
        segment_id, session_id and the ``by`` columns: one row per segment and group
        (grouping by campaign: the segment's own ``campaign_id`` when the segments table
        has one, so one row per segment; otherwise a segment of a session on two
        campaigns has two rows; of a session on none, no row).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["s1", "s2"], "session_id": ["A", "B"]})
    >>> ses = pd.DataFrame({"session_id": ["A", "B"], "campaign_ids": ["c1;c2", ""]})
    >>> segment_groups(seg, "campaign", sessions=ses)
      segment_id session_id campaign_id
    0         s1          A          c1
    1         s1          A          c2
    """
    by = _grouping(by)
    if "coder" in by:
        raise ParameterError("segments have no coder: group segments by country, session_id, campaign or round")
    require_columns(segments, ["segment_id", "session_id", *[b for b in by if b == "country"]], "segments")
    columns = list(dict.fromkeys(["segment_id", "session_id", *[b for b in by if b not in _FROM_SESSIONS or (
        b == "campaign_id" and "campaign_id" in segments.columns)]]))
    units = _attach(segments[columns].drop_duplicates("segment_id"), by, sessions, "segment(s)")
    return units[list(dict.fromkeys([*columns, *by]))].reset_index(drop=True)


def coded_segments(
    codings: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    *,
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which codes each segment carries, and how many coders gave it.

    Parameters
    ----------
    codings
        Codings table (segment_id, code_id, coder).
    segments
        Segments table; when given, a coding on a segment missing from it is an error.
    level, codebook, coders
        As for :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        One row per segment and (rolled-up) code: segment_id, code_id, n_coders (how
        many of the kept coders applied it).

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s1", "s2"], "code_id": ["X", "X", "Y"], "coder": ["a", "b", "a"]})
    >>> coded_segments(cod)
      segment_id code_id  n_coders
    0         s1       X         2
    1         s2       Y         1
    """
    frame = _coded_rows(codings, segments, level=level, codebook=codebook, coders=coders, keep=("coder",))
    pairs = frame.groupby(["segment_id", "code_id"], sort=False, observed=True)["coder"].nunique()
    return pairs.rename("n_coders").reset_index().astype({"segment_id": "str", "code_id": "string"})


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


# --------------------------------------------------------------------------- how often


def code_frequencies(
    codings: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] = "country",
    sessions: pd.DataFrame | None = None,
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How often each code comes up, per group: codings, segments, sessions, coverage.

    Parameters
    ----------
    codings
        Codings table (segment_id, code_id, coder; session_id and country unless
        ``segments`` is given).
    segments
        Segments table (segment_id, session_id, country): places each coding and gives
        the denominator of coverage. Without it ``segments_in_group`` and ``coverage``
        are missing, never guessed.
    by
        Grouping columns, any of ``country``, ``session_id``, ``campaign`` (or
        ``campaign_id``), ``round`` and ``coder``; ``()`` for one overall group.
        Round comes from ``sessions``; campaign from the segments' ``campaign_id`` if they have it, else ``sessions``.
    sessions
        Sessions table (session_id, round, campaign_ids); needed for round and campaign.
    level
        ``"code"``: codes as coded; ``"parent"``: rolled up to the parent code;
        ``"group"``: to the top-level group. The last two need ``codebook``.
    codebook
        The codebook the codes come from (for ``level``).
    coders
        Coders whose codings count; default all.

    Returns
    -------
    pandas.DataFrame
        One row per group and code used anywhere (zeros included), sorted by group
        then code id:

        - the ``by`` columns;
        - ``code_id``: the code (or its parent or group);
        - ``n_codings``: coding rows with the code, every coder;
        - ``n_segments``: segments coded with the code, by at least one coder;
        - ``n_sessions``: sessions with at least one such segment;
        - ``segments_in_group``: all segments of the group, coded or not (for
          ``coder``: the segments of the sessions that coder coded); missing
          without ``segments``;
        - ``coverage``: ``n_segments / segments_in_group``.

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["S1-T001", "S1-T001", "S1-T002"],
    ...                     "code_id": ["X", "X", "Y"], "coder": ["a", "b", "a"]})
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S1-T003", "S1-T004"],
    ...                     "session_id": "S1", "country": "ghana"})
    >>> print(code_frequencies(cod, seg).to_string())
      country code_id  n_codings  n_segments  n_sessions  segments_in_group  coverage
    0   ghana       X          2           1           1                  4      0.25
    1   ghana       Y          1           1           1                  4      0.25
    """
    by = _grouping(by)
    own_case = "campaign_id" in by and segments is not None and "campaign_id" in segments.columns
    frame = _coded_rows(codings, segments, level=level, codebook=codebook, coders=coders,
                        keep=["session_id", *[b for b in by if b in ("country", "coder")],
                              *(["campaign_id"] if own_case else [])])
    frame = _attach(frame, by, sessions, "coding(s)")
    code_f, code_ids = frame["code_id"].cat.codes.to_numpy(), frame["code_id"].cat.categories
    n_codes = max(len(code_ids), 1)
    group, values, sizes = _encode_groups(frame, by)
    n_groups = int(np.prod(sizes)) if sizes else 1
    cell = group * n_codes + code_f
    n_cells = n_groups * n_codes
    n_codings = np.bincount(cell, minlength=n_cells)
    n_segments = _distinct_counts(cell, frame["segment_id"].cat.codes.to_numpy(), n_cells)
    n_sessions = _distinct_counts(cell, pd.factorize(frame["session_id"])[0], n_cells)
    used = np.flatnonzero(n_codings)
    index = np.unravel_index(used // n_codes, sizes) if sizes else []
    counts = pd.DataFrame({**{b: values[k][index[k]] for k, b in enumerate(by)},
                           "code_id": np.asarray(code_ids, dtype=object)[used % n_codes],
                           "n_codings": n_codings[used], "n_segments": n_segments[used],
                           "n_sessions": n_sessions[used]})

    if segments is not None:
        denominators = _group_sizes(segments, by, sessions, frame)
        groups = denominators[by] if by else pd.DataFrame(index=[0])
        groups = pd.concat([groups, counts[by].drop_duplicates()], ignore_index=True).drop_duplicates() \
            if by else groups
    else:
        denominators = None
        groups = counts[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    codes = pd.DataFrame({"code_id": sorted(pd.unique(counts["code_id"]))})
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
    table = table.sort_values([*by, "code_id"], kind="stable")
    table["code_id"] = table["code_id"].astype("string")
    return table.reset_index(drop=True)[
        [*by, "code_id", "n_codings", "n_segments", "n_sessions", "segments_in_group", "coverage"]]


def _group_sizes(segments: pd.DataFrame, by: Sequence[str], sessions: pd.DataFrame | None,
                 counted: pd.DataFrame) -> pd.DataFrame:
    """Segments per group, the denominator of coverage (``counted``: the codings counted, for coders)."""
    units = segment_groups(segments, [b for b in by if b != "coder"], sessions=sessions)
    if "coder" in by:
        # A coder's denominator is the segments of the sessions they coded.
        units = units.merge(counted[["coder", "session_id"]].drop_duplicates(), on="session_id")
    if not by:
        return pd.DataFrame({"segments_in_group": [len(units)]})
    return units.groupby(list(by), sort=True).size().rename("segments_in_group").reset_index()


def themes_over_rounds(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    by: str | Sequence[str] = (),
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How often each code comes up round by round: :func:`code_frequencies` by ``(*by, "round")``.

    Rounds are each country's own action-learning cycles (round 1 is its first), so
    "round 2" of two countries is comparable in sequence, not in calendar time.

    Parameters
    ----------
    codings, segments, sessions
        Codings, segments and sessions (session_id, round) tables.
    by
        Grouping beside the round: ``()`` for one country's report; ``"country"``
        (or ``"campaign"``) for one line per country (or campaign) side by side.
    level, codebook, coders
        As for :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`code_frequencies`, grouped by the ``by`` columns and
        ``round``: ``n_segments`` are the round's segments coded with the code,
        ``segments_in_group`` all the round's segments, ``coverage`` their ratio.
        A group without a session in a round has no row for that round.

    Examples
    --------
    >>> ses = pd.DataFrame({"session_id": ["S1", "S2"], "round": [1, 2]})
    >>> seg = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S2-T001"], "session_id": ["S1", "S1", "S2"]})
    >>> cod = pd.DataFrame({"segment_id": ["S1-T001", "S2-T001"], "code_id": ["X", "X"], "coder": "a"})
    >>> themes_over_rounds(cod, seg, ses)[["round", "code_id", "n_segments", "segments_in_group", "coverage"]]
       round code_id  n_segments  segments_in_group  coverage
    0      1       X           1                  2       0.5
    1      2       X           1                  1       1.0
    """
    return code_frequencies(codings, segments, by=[*_grouping(by), "round"], sessions=sessions, level=level,
                            codebook=codebook, coders=coders)


# --------------------------------------------------------------------------- what stands out, what goes together


def distinctive_themes(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    by: str = "country",
    *,
    sessions: pd.DataFrame | None = None,
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
    prior_strength: float = 100.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Which codes a group (a country) uses more, or less, than the others, beyond chance.

    The "Fightin' Words" measure of Monroe, Colaresi and Quinn (2008, *Political
    Analysis* 16(4), 372-403, eq. 22): the log-odds ratio of a code in the group
    against all other groups, with an informative Dirichlet prior that shrinks
    rare codes toward the pooled share, divided by its approximate standard error:

    ``delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w)) - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))``,
    ``var = 1 / (y_i + a_w) + 1 / (y_j + a_w)``, ``z = delta / sqrt(var)``,

    where ``y_i`` counts the group's segments coded with the code (``n_segments``),
    ``n_i`` all the group's (segment, code) pairs, ``j`` is every other group
    together, ``a_w = a_0 * pi_w`` and ``pi_w`` is the code's pooled share. Two-sided
    normal p-values are Holm-corrected within each group (a code is called
    distinctive when ``p_holm < alpha``). Codings are treated as independent, which
    they are not quite (a session's segments share a topic): read ``z`` as a ranking
    with a chance yardstick, not an exact test.

    Parameters
    ----------
    codings, segments, sessions, level, codebook, coders
        As for :func:`code_frequencies`.
    by
        One grouping column (default ``"country"``).
    prior_strength
        ``a_0``, the prior's weight in pseudo-codings (100: enough to steady rare
        codes, small beside a country's few hundred codings).
    alpha
        Level for ``direction`` after Holm correction.

    Returns
    -------
    pandas.DataFrame
        One row per group and code, sorted by group and ``z``, highest first:

        - ``by``, ``code_id``;
        - ``n_segments``: the group's segments coded with the code (``y_i``);
        - ``n_segments_rest``: the other groups' segments coded with it (``y_j``);
        - ``coverage``: ``n_segments`` over the group's segments;
        - ``coverage_rest``: ``n_segments_rest`` over the other groups' segments;
        - ``log_odds_ratio`` (``delta``), ``se``, ``z``;
        - ``p_value`` (two-sided, normal), ``p_holm`` (Holm-corrected within the group);
        - ``direction``: ``"more"``, ``"less"`` or ``""`` (not beyond chance).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)], "session_id": "S",
    ...                     "country": ["ghana"] * 4 + ["kenya"] * 4})
    >>> cod = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)], "coder": "a",
    ...                     "code_id": ["X", "X", "X", "Y", "Y", "Y", "Y", "X"]})
    >>> d = distinctive_themes(cod, seg, prior_strength=2)
    >>> d.loc[d["country"] == "ghana", ["code_id", "log_odds_ratio", "z"]].round(3)
      code_id  log_odds_ratio      z
    0       X           1.386  1.601
    1       Y          -1.386 -1.601
    """
    # Here, not at the top: scipy.stats (also behind holm's module) costs half a second to import,
    # and only the comparison asks which themes are distinctive: a country's kernel need not pay.
    from scipy import stats

    from sparklearn.analysis.contingency import holm

    if not isinstance(by, str):
        raise ParameterError("distinctive_themes compares one grouping at a time: give by as one column name")
    if prior_strength <= 0:
        raise ParameterError(f"prior_strength must be positive, not {prior_strength!r}")
    by = _grouping(by)[0]
    matrix = code_frequencies(codings, segments, by=by, sessions=sessions, level=level, codebook=codebook,
                              coders=coders)
    y_i = matrix["n_segments"].to_numpy(dtype=float)
    code_total = matrix.groupby("code_id")["n_segments"].transform("sum").to_numpy(dtype=float)
    n_i = matrix.groupby(by)["n_segments"].transform("sum").to_numpy(dtype=float)
    n_all = y_i.sum()
    a_w = prior_strength * code_total / n_all
    y_j, n_j = code_total - y_i, n_all - n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y_i + a_w) / (n_i + prior_strength - y_i - a_w))
                 - np.log((y_j + a_w) / (n_j + prior_strength - y_j - a_w)))
        se = np.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
        group_size = matrix["segments_in_group"].to_numpy(dtype=float)
        rest_segments = matrix.groupby("code_id")["segments_in_group"].transform("sum").to_numpy(dtype=float) \
            - group_size
        coverage_rest = np.where(rest_segments > 0, y_j / rest_segments, np.nan)
    z = delta / se
    table = matrix[[by, "code_id", "n_segments"]].assign(
        n_segments_rest=y_j.astype(np.int64), coverage=matrix["coverage"], coverage_rest=coverage_rest,
        log_odds_ratio=delta, se=se, z=z, p_value=2 * stats.norm.sf(np.abs(z)),
    )
    table["p_holm"] = holm(table["p_value"], groups=table[by])
    table["direction"] = np.select([(table["p_holm"] < alpha) & (table["z"] > 0),
                                    (table["p_holm"] < alpha) & (table["z"] < 0)], ["more", "less"], "")
    return table.sort_values([by, "z"], ascending=[True, False], ignore_index=True)


def cooccurrence(
    codings: pd.DataFrame,
    *,
    measure: Measure = "jaccard",
    segments: pd.DataFrame | None = None,
    level: Level = "code",
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which codes are applied to the same segments: counts, Jaccard index and lift.

    A pair counts once per segment, however many coders applied either code.

    - **jaccard**: ``n_together / (n_a + n_b - n_together)``, the share of segments
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
    level, codebook, coders
        As for :func:`code_frequencies`.

    Returns
    -------
    pandas.DataFrame
        One row per pair coded together at least once (``code_a`` before ``code_b``
        alphabetically):

        - ``code_a``, ``code_b``;
        - ``n_together``: segments coded with both;
        - ``n_a``, ``n_b``: segments coded with each;
        - ``jaccard``, ``lift``: as above.

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
    frame = _coded_rows(codings, segments, level=level, codebook=codebook, coders=coders)
    seg_f, n_segments = frame["segment_id"].cat.codes.to_numpy(), len(frame["segment_id"].cat.categories)
    code_f, codes = frame["code_id"].cat.codes.to_numpy(), frame["code_id"].cat.categories
    n_codes = len(codes)
    coded = sparse.csr_matrix((np.ones(len(code_f), dtype=np.int32), (seg_f, code_f)),
                              shape=(n_segments, n_codes))
    coded.data[:] = 1  # duplicates (several coders) were summed: a segment counts once
    together = (coded.T @ coded).tocoo()
    per_code = np.asarray(coded.sum(axis=0)).ravel()
    upper = together.row < together.col
    a, b, n = together.row[upper], together.col[upper], together.data[upper].astype(np.int64)
    n_all = segments["segment_id"].nunique() if segments is not None else n_segments
    codes = np.asarray(codes, dtype=object)
    table = pd.DataFrame({"code_a": pd.array(codes[a], dtype="string"), "code_b": pd.array(codes[b], dtype="string"),
                          "n_together": n, "n_a": per_code[a].astype(np.int64), "n_b": per_code[b].astype(np.int64)})
    table["jaccard"] = table["n_together"] / (table["n_a"] + table["n_b"] - table["n_together"])
    table["lift"] = table["n_together"] * n_all / (table["n_a"] * table["n_b"])
    table = table.assign(_a=a, _b=b).sort_values([measure, "n_together", "_a", "_b"],
                                                 ascending=[False, False, True, True], kind="stable")
    return table.drop(columns=["_a", "_b"]).reset_index(drop=True)
