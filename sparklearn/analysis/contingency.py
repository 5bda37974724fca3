"""Contingency tables of outcome classifications, and the multiple-comparison correction.

Stage: analysis. :func:`contingency` crosses two classifications of outcomes (country
by outcome area, sector by level...) and tests their association with the test the
expected counts allow: Pearson's chi-square when Cochran's rule holds, Fisher's exact
test for a sparse 2 x 2 table, a seeded Monte-Carlo test otherwise (its p-value is an
estimate from random tables, not an exact one, and is named so). It reports the effect
size (Cramér's V with Bergsma's (2013) bias correction beside the plain one, and the odds
ratio of a 2 x 2 table), each cell's adjusted residual with the cells that stand out after
Holm correction within the table, and plain-words ``warnings`` (empty values left out, a
table too small to say anything). :func:`contingency_summary` lists several tests side by
side, Holm-adjusted across them; :func:`sparklearn.analysis.multiplicity.correct_across_report`
puts them in one family with every other test a report makes.

:func:`holm` is here, not in a module of its own, because contingency tables are its
first user; :mod:`sparklearn.analysis.rates` imports it for the rate ratios. It adjusts
many families at once (``groups``: one per country, say) in one vectorised pass, which
statsmodels' ``multipletests`` does one family per call; a test checks the two agree.
Nothing here plots, rounds or words a result beyond its caveats
(:mod:`sparklearn.report.comparison_words` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import association, odds_ratio
from statsmodels.stats.contingency_tables import Table

from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns
from sparklearn.wording import count_noun, in_words

# --------------------------------------------------------------------------- multiple comparisons


def holm(pvalues: Sequence[float] | np.ndarray | pd.Series, groups: Sequence[object] | None = None) -> np.ndarray:
    """Holm-adjusted p-values, within each group if ``groups`` is given; NaN kept as NaN.

    The same numbers as statsmodels ``multipletests(pvalues, method="holm")[1]`` (the
    tests check it), computed for every group at once: statsmodels runs a full
    garbage collection on each call, which costs a tenth of a second per group in
    a large session. NaN p-values (tests that could not be run) are not part of
    any family.

    Parameters
    ----------
    pvalues
        Unadjusted p-values.
    groups
        One label per p-value: each group is a family of its own. Default: one family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Examples
    --------
    >>> holm([0.01, 0.04, np.nan, 0.03]).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    >>> holm([0.01, 0.04, 0.01, 0.04], groups=["a", "a", "b", "b"]).tolist()
    [0.02, 0.04, 0.02, 0.04]
    """
    p = np.asarray(pvalues, dtype=float)
    family = np.zeros(len(p), dtype=np.int64) if groups is None else pd.factorize(np.asarray(groups))[0]
    adjusted = np.full(len(p), np.nan)
    kept = np.flatnonzero(~np.isnan(p))
    order = kept[np.lexsort((p[kept], family[kept]))]
    family_sorted = family[order]
    starts = np.flatnonzero(np.r_[True, family_sorted[1:] != family_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    raw = (np.repeat(sizes, sizes) - rank) * p[order]
    stepped = pd.Series(raw).groupby(family_sorted).cummax().to_numpy()
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


# --------------------------------------------------------------------------- effect size


def bias_corrected_cramers_v(observed: np.ndarray | pd.DataFrame) -> float:
    """Cramér's V with Bergsma's (2013) bias correction; NaN when the table is too small to correct.

    Plain Cramér's V, sqrt(chi-square / (n (min(r, k) - 1))), runs high in small and
    sparse tables: under independence its square has expectation about
    (r - 1)(k - 1) / (n - 1) / (min(r, k) - 1), not 0. Bergsma subtracts that expectation
    from phi-square (floored at 0) and shrinks the table's dimensions to match:
    phi2c = max(0, chi2 / n - (r - 1)(k - 1) / (n - 1)), rc = r - (r - 1)^2 / (n - 1),
    kc = k - (k - 1)^2 / (n - 1), V = sqrt(phi2c / min(rc - 1, kc - 1)). This is the
    formula of R's ``rcompanion::cramerV(bias.correct = TRUE)`` and
    ``effectsize::cramers_v(adjust = TRUE)``; scipy's ``association`` has no correction.

    Parameters
    ----------
    observed
        A two-way table of counts (at least 2 x 2).

    Returns
    -------
    float
        Between 0 and 1; 0 when the association is no larger than chance makes it on average.

    Examples
    --------
    >>> round(bias_corrected_cramers_v(np.array([[22, 8], [9, 21]])), 3)
    0.417
    >>> bias_corrected_cramers_v(np.array([[10, 0], [0, 10]]))
    1.0
    """
    table = np.asarray(observed, dtype=float)
    n = table.sum()
    r, k = table.shape
    if n <= max(r, k) or min(r, k) < 2:
        return float("nan")
    chi2 = float(stats.chi2_contingency(table, correction=False).statistic)
    phi2 = max(0.0, chi2 / n - (r - 1) * (k - 1) / (n - 1))
    rows, cols = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    return float(np.sqrt(phi2 / min(rows - 1, cols - 1)))


# --------------------------------------------------------------------------- contingency tables

#: The tests :func:`contingency` chooses from, by the expected counts.
TestName = Literal["chi-square", "fisher exact", "monte-carlo", "none"]


@dataclass(frozen=True)
class ContingencyResult:
    """What :func:`contingency` returns.

    Attributes
    ----------
    row, col
        The two classifications compared (column names of the outcomes table).
    n
        Outcomes in the table.
    table
        Observed counts, ``row`` values as index and ``col`` values as columns.
    cells
        One row per cell: ``row``, ``col`` (named after them), observed, expected,
        adjusted_residual (Haberman's adjusted standardised residual, from
        statsmodels ``Table.standardized_resids``), p_cell (two-sided normal),
        p_holm (Holm over all cells) and notable (``p_holm < alpha``).
    test
        ``"chi-square"`` (Pearson's, asymptotic), ``"fisher exact"`` (2 x 2 only),
        ``"monte-carlo"`` (p-value estimated from ``n_resamples`` random tables) or ``"none"``.
    statistic, dof
        Pearson chi-square (without continuity correction) and its degrees of freedom.
    p_value
        From ``test``, unadjusted; NaN when no test could be run.
    cramers_v
        Cramér's V (scipy ``association``; no bias correction, so it runs high in
        small tables).
    cramers_v_corrected
        Cramér's V with Bergsma's bias correction (:func:`bias_corrected_cramers_v`):
        the one to read.
    odds_ratio, odds_ratio_ci
        2 x 2 tables only: conditional maximum-likelihood odds ratio and its interval.
    min_expected, n_small_expected
        Smallest expected count and number of cells expected below 5.
    n_resamples, seed
        Monte-Carlo test only: random tables drawn and the seed.
    warnings
        Plain-words caveats for the reader.
    p_adjusted, family_size
        Set by :func:`sparklearn.analysis.multiplicity.correct_across_report`: the
        p-value after Holm's correction across every test of the report, and how many
        tests that family holds (NaN and 0 until then).
    """

    row: str
    col: str
    n: int
    table: pd.DataFrame
    cells: pd.DataFrame
    test: TestName
    statistic: float
    dof: int
    p_value: float
    cramers_v: float
    odds_ratio: float = np.nan
    odds_ratio_ci: tuple[float, float] = (np.nan, np.nan)
    min_expected: float = np.nan
    n_small_expected: int = 0
    n_resamples: int = 0
    seed: int | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    cramers_v_corrected: float = np.nan
    p_adjusted: float = np.nan
    family_size: int = 0


def _ordered(present: pd.Index, order: Sequence[str] | None) -> list:
    """The values ``present`` in the data, those in ``order`` first and in its order, the others sorted."""
    listed = [v for v in dict.fromkeys(order or ()) if v in set(present)]
    return listed + sorted(v for v in present if v not in set(listed))


def contingency(
    outcomes: pd.DataFrame,
    row: str = "country",
    col: str = "outcome_area",
    *,
    alpha: float = 0.05,
    min_n: int = 20,
    n_resamples: int = 9999,
    seed: int = 2019,
    row_order: Sequence[str] | None = None,
    col_order: Sequence[str] | None = None,
) -> ContingencyResult:
    """Cross-tabulate two classifications of outcomes and test their association.

    The test follows the expected counts: Pearson's chi-square when they are large
    enough by Cochran's (1954) rule (none below 1, at most 20 % below 5); for a
    2 x 2 table with any expected count below 5, Fisher's exact test; for larger
    sparse tables, a Monte-Carlo test: the p-value is estimated as the share of
    ``n_resamples`` random tables with the same margins (Patefield's algorithm, scipy
    ``random_table``) whose chi-square is at least the observed one, as R's
    ``chisq.test(simulate.p.value = TRUE)`` does, with a fixed seed so the report
    is reproducible. It is an estimate of the exact p-value, not the exact p-value.

    Parameters
    ----------
    outcomes
        One row per outcome.
    row, col
        Columns to cross (``"country"``, ``"sector"`` (see :func:`add_sector`),
        ``"outcome_area"``, ``"type_of_change"``, ``"level"``...). Rows with either
        value empty are left out and the warnings say how many.
    alpha
        Level at which a cell's adjusted residual is called notable (after Holm).
    min_n
        Fewer outcomes than this and the warnings say the table is too small to say anything.
    n_resamples, seed
        For the Monte-Carlo test.
    row_order, col_order
        The order of the values in ``table`` and ``cells`` (and so in the figures drawn
        from them), e.g. a codebook vocabulary's ids (``local``, ``subnational``,
        ``national``, ``international``); values not listed follow, sorted. Default: sorted.

    Returns
    -------
    ContingencyResult

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> r = contingency(o, "country", "level")
    >>> r.test, round(r.statistic, 2), r.dof, round(r.cramers_v, 2), round(r.cramers_v_corrected, 2)
    ('chi-square', 11.28, 1, 0.43, 0.42)
    """
    require_columns(outcomes, [row, col], "outcomes")
    if row == col:
        raise ParameterError(f"row and col are both {row!r}: cross two different classifications")
    values = outcomes[[row, col]].astype("string").apply(lambda s: s.str.strip())
    present = values.notna().all(axis=1) & (values != "").all(axis=1)
    notes = []
    if not present.all():
        missing = int((~present).sum())
        notes.append(f"{count_noun(missing, 'outcome')} without a {in_words(row)} or {in_words(col)} "
                     f"{'was' if missing == 1 else 'were'} left out of the table")
    table = pd.crosstab(values.loc[present, row], values.loc[present, col]).rename_axis(index=row, columns=col)
    table = table.reindex(index=_ordered(table.index, row_order), columns=_ordered(table.columns, col_order))
    table = table.astype(np.int64)
    n = int(table.to_numpy().sum())
    empty_cells = pd.DataFrame(columns=[row, col, "observed", "expected", "adjusted_residual", "p_cell", "p_holm",
                                        "notable"])
    if n < min_n:
        notes.append(f"n = {n}: too few outcomes to say anything about an association; read the counts, not a test")
    if table.shape[0] < 2 or table.shape[1] < 2:
        notes.append(f"the table has only {count_noun(table.shape[0], 'value')} of {in_words(row)} and "
                     f"{count_noun(table.shape[1], 'value')} of {in_words(col)}: "
                     "there is nothing to compare")
        return ContingencyResult(row, col, n, table, empty_cells, "none", np.nan, 0, np.nan, np.nan,
                                 warnings=tuple(notes))

    observed = table.to_numpy()
    # No 0.5 added to empty cells (statsmodels' default): residuals must be those of the observed table.
    fitted = Table(table, shift_zeros=False)
    expected = fitted.fittedvalues.to_numpy()
    chi2 = stats.chi2_contingency(observed, correction=False)
    dof = int(chi2.dof)
    small = int((expected < 5).sum())
    n_cells = expected.size
    cochran_ok = expected.min() >= 1 and small <= 0.2 * n_cells
    result: dict = {}
    if table.shape == (2, 2):
        ratio = odds_ratio(observed)
        result.update(odds_ratio=float(ratio.statistic), odds_ratio_ci=tuple(map(float, ratio.confidence_interval(
            1 - alpha))))
    if table.shape == (2, 2) and small:
        test, p_value = "fisher exact", float(stats.fisher_exact(observed).pvalue)
        notes.append(f"{small} of 4 cells have expected counts below 5: Fisher's exact test was used")
    elif not cochran_ok:
        test = "monte-carlo"
        method = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        p_value = float(stats.chi2_contingency(observed, correction=False, method=method).pvalue)
        result.update(n_resamples=n_resamples, seed=seed)
        notes.append(f"{small} of {n_cells} cells have expected counts below 5, too many for the chi-square "
                     f"approximation: the p-value is a Monte-Carlo estimate, the share of {n_resamples:,} random tables "
                     f"with the same row and column totals whose chi-square is at least this table's (random seed "
                     f"{seed}, so that every run of the report gives the same p-value)")
    else:
        test, p_value = "chi-square", float(chi2.pvalue)
        if small:
            notes.append(f"{small} of {n_cells} cells have expected counts below 5, few enough (Cochran's rule) "
                         "for the chi-square approximation")
    cramers_v = float(association(observed, method="cramer"))
    if n < 5 * n_cells:
        notes.append(f"{n} outcomes in {n_cells} cells: the plain Cramér's V runs high in tables this sparse, so "
                     "read the bias-corrected one")

    residuals = fitted.standardized_resids
    cells = residuals.stack().rename("adjusted_residual").reset_index()
    cells.columns = [row, col, "adjusted_residual"]
    cells.insert(2, "observed", observed.ravel())
    cells.insert(3, "expected", expected.ravel())
    p_cell = 2 * stats.norm.sf(np.abs(cells["adjusted_residual"].to_numpy()))
    p_adjusted = holm(p_cell)
    cells = cells.assign(p_cell=p_cell, p_holm=p_adjusted, notable=p_adjusted < alpha)
    return ContingencyResult(
        row, col, n, table, cells, test, float(chi2.statistic), dof, p_value, cramers_v,
        min_expected=float(expected.min()), n_small_expected=small, warnings=tuple(notes),
        cramers_v_corrected=bias_corrected_cramers_v(observed), **result,
    )


def contingency_summary(results: Sequence[ContingencyResult]) -> pd.DataFrame:
    """Several contingency tests side by side, with Holm-adjusted p-values across them.

    Tests run on the same outcomes are one family: the more tables one looks at, the
    more likely one of them shows a pattern by chance.

    Parameters
    ----------
    results
        From :func:`contingency`, possibly through
        :func:`~sparklearn.analysis.multiplicity.correct_across_report`.

    Returns
    -------
    pandas.DataFrame
        One row per result: row, col, n, test, statistic, dof, p_value, p_holm (Holm
        across these tables only), cramers_v, cramers_v_corrected, p_adjusted and
        family_size (the report-wide correction, NaN and 0 without it), n_resamples
        (Monte-Carlo tests; 0 otherwise), min_expected, n_small_expected, n_warnings.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21,
    ...                   "valence": ["positive", "negative"] * 30})
    >>> s = contingency_summary([contingency(o, "country", "level"), contingency(o, "country", "valence")])
    >>> s[["col", "test", "p_holm"]].round(3)
           col        test  p_holm
    0    level  chi-square   0.002
    1  valence  chi-square   1.000
    """
    table = pd.DataFrame([{
        "row": r.row, "col": r.col, "n": r.n, "test": r.test, "statistic": r.statistic, "dof": r.dof,
        "p_value": r.p_value, "cramers_v": r.cramers_v, "cramers_v_corrected": r.cramers_v_corrected,
        "p_adjusted": r.p_adjusted, "family_size": r.family_size, "n_resamples": r.n_resamples,
        "min_expected": r.min_expected,
        "n_small_expected": r.n_small_expected, "n_warnings": len(r.warnings),
    } for r in results])
    table.insert(7, "p_holm", holm(table["p_value"]))
    return table
