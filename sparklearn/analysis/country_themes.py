"""(from compare.py)
Cross-country comparison: comparable denominators, careful statistics, case comparison.

Seven countries and about fourteen campaigns are a small N, so this module keeps the
comparison honest in four ways:

1. **Comparable denominators.** Counts are read against campaign-months active and
   reflection sessions held (:func:`exposure`, :func:`outcome_rates`), so that no
   country looks bigger for having more campaigns or a longer harvest.
2. **Statistics that say what they can.** Contingency tables switch to an exact test
   when cells are small (:func:`contingency`); rates are compared with a Poisson or
   negative-binomial GLM with the exposure as offset (:func:`rate_ratios`); every
   family of tests is Holm-corrected; every result carries plain-words ``warnings``
   and a ``describe_*`` helper turns it into a careful sentence (effect size,
   interval, caveat; never a bare p-value).
3. **Themes** by country or campaign (:func:`theme_matrix`), what is distinctive for a
   country beyond chance (:func:`distinctive_themes`), and over rounds
   (:func:`themes_over_rounds`).
4. **Case comparison**: campaign conditions calibrated from the harvest and the
   session codings with documented rules (:func:`campaign_conditions`), then
   crisp-set QCA through :mod:`sparklearn.qca` (:func:`case_comparison`).

Every function takes tidy tables and returns new ones; none plots or rounds
(figures are in :mod:`sparklearn.plots`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from sparklearn.analysis.contingency import holm
from sparklearn.codebook import Codebook, codebook_table
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.frames import require_columns

# --------------------------------------------------------------------------- themes

Level = Literal["code", "group"]


def _segment_units(segments: pd.DataFrame, sessions: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    """segment_id plus the ``by`` columns; a segment of a session on k campaigns appears k times."""
    require_columns(segments, ["segment_id", "session_id"], "segments")
    units = segments[["segment_id", "session_id", *[b for b in by if b in segments.columns and b != "session_id"]]]
    wanted = [b for b in by if b not in units.columns]
    if wanted:
        if sessions is None:
            raise ParameterError(f"grouping by {wanted} needs the sessions table: pass sessions=")
        needed = ["campaign_ids" if b == "campaign_id" else b for b in wanted]
        require_columns(sessions, ["session_id", *needed], "sessions")
        extra = sessions[["session_id", *needed]]
        if "campaign_id" in wanted:
            extra = extra.assign(campaign_id=extra["campaign_ids"].astype(str).str.split(";")).explode("campaign_id")
            extra["campaign_id"] = extra["campaign_id"].str.strip()
        units = units.merge(extra[["session_id", *wanted]], on="session_id", how="left", validate="many_to_many")
        missing = units[wanted].isna().any(axis=1)
        if missing.any():
            raise InputError(f"{int(missing.sum())} segment(s) belong to sessions missing from the sessions table; "
                             f"the first is {units.loc[missing, 'segment_id'].iloc[0]}", column="session_id",
                             value=units.loc[missing, "session_id"].iloc[0],
                             fix="pass the sessions and segments of the same countries and period")
    return units[["segment_id", *by]]


def _coded_segments(codings: pd.DataFrame, segments: pd.DataFrame, codebook: Codebook | None, level: Level,
                    coders: Sequence[str] | None) -> pd.DataFrame:
    """Unique (segment_id, code_id) pairs: a segment carries a code if any chosen coder applied it."""
    require_columns(codings, ["segment_id", "code_id", "coder"], "codings")
    coded = codings if coders is None else codings.loc[codings["coder"].isin(coders)]
    coded = coded[["segment_id", "code_id"]]
    if level == "group":
        if codebook is None:
            raise ParameterError("level='group' needs the codebook: pass codebook=")
        group_of = codebook_table(codebook).set_index("code_id")["group_id"]
        group = coded["code_id"].map(group_of)
        if group.isna().any():
            raise CodebookError(f"code {coded.loc[group.isna(), 'code_id'].iloc[0]!r} is not in the codebook",
                                file=codebook.source, fix="code against the same codebook the data was prepared with")
        coded = coded.assign(code_id=group.to_numpy())
    elif level != "code":
        raise ParameterError(f"level must be 'code' or 'group', not {level!r}")
    orphan = ~coded["segment_id"].isin(segments["segment_id"])
    if orphan.any():
        raise InputError(f"{int(orphan.sum())} coding(s) refer to segments missing from the segments table; the "
                         f"first is {coded.loc[orphan, 'segment_id'].iloc[0]}", column="segment_id",
                         value=coded.loc[orphan, "segment_id"].iloc[0],
                         fix="pass the codings and segments of the same countries and period")
    return coded.drop_duplicates()


def theme_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    by: str | Sequence[str] = "country",
    *,
    sessions: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    level: Level = "code",
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Framework matrix, tidy: how many of a group's segments carry each code.

    A segment counts once per code however many coders applied it (restrict to
    some coders with ``coders=``). Coverage is the share of the group's segments
    (coded or not) that carry the code, so groups with more sessions do not look
    bigger.

    Parameters
    ----------
    codings, segments
        Codings and segments tables.
    by
        Column(s) of segments or sessions: ``"country"``, ``"session_id"``,
        ``"round"``, or ``"campaign_id"`` (a session on several campaigns counts
        for each).
    sessions
        Needed to group by ``round`` or ``campaign_id``.
    codebook, level
        ``level="group"`` rolls codes up to their top-level group (``BR``, ``SC``,
        ...); needs the codebook.
    coders
        Coders whose codings count; default all.

    Returns
    -------
    pandas.DataFrame
        One row per (group, code), zeros included for every code used anywhere:
        the ``by`` column(s), code_id, n_coded, n_segments, coverage.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "session_id": ["A", "A", "B"],
    ...                     "country": ["ghana", "ghana", "kenya"]})
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s1", "s3"], "code_id": ["X", "X", "Y"],
    ...                     "coder": ["a", "b", "a"]})
    >>> theme_matrix(cod, seg)
      country code_id  n_coded  n_segments  coverage
    0   ghana       X        1           2       0.5
    1   ghana       Y        0           2       0.0
    2   kenya       X        0           1       0.0
    3   kenya       Y        1           1       1.0
    """
    by = [by] if isinstance(by, str) else list(by)
    units = _segment_units(segments, sessions, by)
    coded = _coded_segments(codings, segments, codebook, level, coders)
    n_segments = units.groupby(by, sort=True).size().rename("n_segments")
    hits = coded.merge(units, on="segment_id").groupby([*by, "code_id"]).size()
    codes = sorted(coded["code_id"].unique())
    groups = n_segments.index.to_frame(index=False)
    grid = groups.merge(pd.DataFrame({"code_id": codes}), how="cross")
    matrix = grid.join(hits.rename("n_coded"), on=[*by, "code_id"]).join(n_segments, on=by)
    matrix["n_coded"] = matrix["n_coded"].fillna(0).astype(np.int64)
    return matrix.assign(coverage=matrix["n_coded"] / matrix["n_segments"])


def distinctive_themes(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    by: str = "country",
    *,
    sessions: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    level: Level = "code",
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

    where ``y_i`` counts the group's coded segments with the code, ``n_i`` all the
    group's (segment, code) pairs, ``j`` is every other group together,
    ``a_w = a_0 * pi_w`` and ``pi_w`` is the code's pooled share. Two-sided normal
    p-values are Holm-corrected within each group (a code is called distinctive
    when ``p_holm < alpha``). Codings are treated as independent, which they are
    not quite (a session's segments share a topic): read ``z`` as a ranking with a
    chance yardstick, not an exact test.

    Parameters
    ----------
    codings, segments, by, sessions, codebook, level, coders
        As for :func:`theme_matrix` (one ``by`` column).
    prior_strength
        ``a_0``, the prior's weight in pseudo-codings (100: enough to steady rare
        codes, small beside a country's few hundred codings).
    alpha
        Level for ``direction`` after Holm correction.

    Returns
    -------
    pandas.DataFrame
        One row per (group, code): ``by``, code_id, n_coded, n_coded_rest,
        coverage, coverage_rest (shares of segments), log_odds_ratio, se, z,
        p_value, p_holm, direction (``"more"``, ``"less"`` or ``""``); sorted by
        group and z, highest first.

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
    if not isinstance(by, str):
        raise ParameterError("distinctive_themes compares one grouping at a time: give by as one column name")
    if prior_strength <= 0:
        raise ParameterError(f"prior_strength must be positive, not {prior_strength!r}")
    matrix = theme_matrix(codings, segments, by, sessions=sessions, codebook=codebook, level=level, coders=coders)
    y_i = matrix["n_coded"].to_numpy(dtype=float)
    code_total = matrix.groupby("code_id")["n_coded"].transform("sum").to_numpy(dtype=float)
    n_i = matrix.groupby(by)["n_coded"].transform("sum").to_numpy(dtype=float)
    n_all = y_i.sum()
    a_w = prior_strength * code_total / n_all
    y_j, n_j = code_total - y_i, n_all - n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y_i + a_w) / (n_i + prior_strength - y_i - a_w))
                 - np.log((y_j + a_w) / (n_j + prior_strength - y_j - a_w)))
        se = np.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
    z = delta / se
    p = 2 * stats.norm.sf(np.abs(z))
    rest_segments = matrix.groupby("code_id")["n_segments"].transform("sum") - matrix["n_segments"]
    table = matrix[[by, "code_id", "n_coded"]].assign(
        n_coded_rest=(code_total - y_i).astype(np.int64), coverage=matrix["coverage"],
        coverage_rest=np.where(rest_segments > 0, (code_total - y_i) / rest_segments, np.nan),
        log_odds_ratio=delta, se=se, z=z, p_value=p,
    )
    table["p_holm"] = holm(table["p_value"], groups=table[by])
    table["direction"] = np.select([(table["p_holm"] < alpha) & (table["z"] > 0),
                                    (table["p_holm"] < alpha) & (table["z"] < 0)], ["more", "less"], "")
    return table.sort_values([by, "z"], ascending=[True, False], ignore_index=True)


def themes_over_rounds(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    sessions: pd.DataFrame,
    by: str = "country",
    *,
    codebook: Codebook | None = None,
    level: Level = "code",
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Coverage of each code (or code group) round by round, side by side for each country.

    Rounds are each country's own action-learning cycles (round 1 is its first),
    so "round 2" is comparable in sequence, not in calendar time.

    Parameters
    ----------
    codings, segments, sessions
        Codings, segments and sessions tables.
    by
        ``"country"`` or ``"campaign_id"``.
    codebook, level, coders
        As for :func:`theme_matrix`.

    Returns
    -------
    pandas.DataFrame
        ``by``, round, code_id, n_coded, n_segments, coverage.

    Examples
    --------
    >>> ses = pd.DataFrame({"session_id": ["A", "B"], "round": [1, 2]})
    >>> seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "session_id": ["A", "B", "B"], "country": "ghana"})
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s2"], "code_id": ["X", "X"], "coder": "a"})
    >>> themes_over_rounds(cod, seg, ses)
      country  round code_id  n_coded  n_segments  coverage
    0   ghana      1       X        1           1       1.0
    1   ghana      2       X        1           2       0.5
    """
    return theme_matrix(codings, segments, [by, "round"], sessions=sessions, codebook=codebook, level=level,
                        coders=coders)
