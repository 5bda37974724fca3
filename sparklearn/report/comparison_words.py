"""Sentences for the cross-country comparison: careful words for each comparison result.

Stage: report. Seven countries and about fourteen campaigns are a small N, so every
sentence here says what a result can and cannot show, as strongly as its test stands
(after the report-wide correction when it has one): effect words only beside a test that
supports them, each test by its right name, every ratio, every caveat (``warnings``). Values are shown as readers know them: each function takes ``names`` (country
slug -> name) and ``labels`` (code or vocabulary id -> label), and the caveats written
by the analysis functions are relabelled too. The sentences are plain text holding
names and labels from the data: the notebook displays them through
:func:`sparklearn.report.tables.markdown_text`, never as Markdown as they are.

What it reads: :class:`~sparklearn.analysis.contingency.ContingencyResult`,
:class:`~sparklearn.analysis.rates.RateRatios`,
:func:`~sparklearn.analysis.outcomes.substantiation_by`, the distinctive-themes table,
:class:`~sparklearn.analysis.cases.CaseComparison` and the fuzzy-set case comparison
(:func:`describe_necessity`, :func:`describe_fuzzy_case_comparison`,
:func:`describe_robustness`: necessity first, then the intermediate solution beside the
complex and parsimonious ones, then which combinations survive other anchors and
thresholds); plus the small formatters the
comparison notebook's tables use (:func:`format_p`, :func:`as_percent`,
:func:`combination_words`). Kept apart from :mod:`sparklearn.report.words` (the
country report's sentences) because the two reports read different results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sparklearn.analysis.cases import CaseComparison, FuzzyCaseComparison
from sparklearn.analysis.contingency import ContingencyResult
from sparklearn.analysis.rates import NEGLIGIBLE_SPREAD, RateRatios
from sparklearn.analysis.robustness import Robustness
from sparklearn.wording import and_list, count_noun, in_words


def as_percent(share: pd.Series) -> pd.Series:
    """Shares (0 to 1) as percentages with one decimal, as text for report tables; missing -> "".

    Examples
    --------
    >>> as_percent(pd.Series([0.625, float("nan"), 1.0])).tolist()
    ['62.5', '', '100.0']
    """
    return share.map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f}")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def format_score(value: float, kind: str) -> str:
    """A raw case score as readers read it: a share as a percentage, a count as a plain number.

    Parameters
    ----------
    value
        The score.
    kind
        ``"share"`` for a proportion (shown as ``25%``); anything else (a count of kinds of
        actor, say) is shown as the number itself.

    Returns
    -------
    str

    Examples
    --------
    >>> format_score(0.25, "share"), format_score(3.0, "kinds"), format_score(3.5, "kinds")
    ('25%', '3', '3.5')
    """
    return f"{value:.0%}" if kind == "share" else f"{value:g}"


def format_p(p: float) -> str:
    """A p-value for a table cell, as the sentences write it: ``< 0.001``, ``0.012``, ``0.36``; NaN -> ``""``.

    Examples
    --------
    >>> [format_p(p) for p in (0.00004, 0.0123, 0.357, float("nan"))]
    ['< 0.001', '0.012', '0.36', '']
    """
    return "" if pd.isna(p) else _p(float(p)).removeprefix("p = ").removeprefix("p ")


def _shown(value: object, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """A value as readers know it: its country name, else its label, else itself."""
    names, labels = names or {}, labels or {}
    return str(names.get(value, labels.get(value, value)))


def _relabel(text: str, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """``text`` with every whole-word slug or id in ``names`` / ``labels`` replaced by its name or label.

    The caveats are written by the analysis functions, which list values as they are in
    the data (``south-africa``, ``OA-ACCOUNT``); a slug counts as a word only if no
    letter, digit, ``_`` or ``-`` touches it, so ``india`` is not found in ``indonesia``.
    """
    mapping = {str(k): str(v) for k, v in {**(labels or {}), **(names or {})}.items() if str(k)}
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _strength(v: float, rows: int, cols: int) -> str:
    """Cohen's (1988) benchmarks for Cramér's V, scaled by the table's smaller dimension."""
    scale = np.sqrt(max(min(rows, cols) - 1, 1))
    return ("negligible" if v < 0.1 / scale else "weak" if v < 0.3 / scale
            else "moderate" if v < 0.5 / scale else "strong")


def _test_words(result: ContingencyResult) -> str:
    """The test by its right name, with what it computed: chi-square with its df, Monte-Carlo with its draws."""
    freedom = f"{result.dof} degree{'' if result.dof == 1 else 's'} of freedom"
    if result.test == "chi-square":
        return f"Pearson's chi-square test, chi-square = {result.statistic:.1f} with {freedom}, {_p(result.p_value)}"
    if result.test == "fisher exact":
        return f"Fisher's exact test, {_p(result.p_value)}"
    return (f"Monte-Carlo test: chi-square = {result.statistic:.1f} set against {result.n_resamples:,} random tables "
            f"with the same totals, {_p(result.p_value)}")


def test_label(test: str, dof: int, n_resamples: int = 0) -> str:
    """A test's right name for a table cell: the chi-square with its df, the Monte-Carlo test with its draws.

    Parameters
    ----------
    test
        ``test`` of a :class:`~sparklearn.analysis.contingency.ContingencyResult` (or the
        ``test`` column of :func:`~sparklearn.analysis.contingency.contingency_summary`).
    dof, n_resamples
        Degrees of freedom of the chi-square; random tables drawn by a Monte-Carlo test.

    Returns
    -------
    str

    Examples
    --------
    >>> test_label("chi-square", 1), test_label("monte-carlo", 18, 9999), test_label("fisher exact", 1)
    ("Pearson's chi-square, 1 degree of freedom", 'Monte-Carlo, 9,999 random tables', "Fisher's exact")
    """
    if test == "chi-square":
        return f"Pearson's chi-square, {dof} degree{'' if dof == 1 else 's'} of freedom"
    if test == "monte-carlo":
        return f"Monte-Carlo, {int(n_resamples):,} random tables"
    return "Fisher's exact" if test == "fisher exact" else "none possible"


test_label.__test__ = False  # a formatter whose name starts with "test": not for pytest to collect


def _correction_words(p_adjusted: float, family_size: int) -> str:
    """``p = 0.35 after Holm's correction across the report's 15 tests``, or "" outside a family."""
    if family_size > 1:
        return f"; {_p(p_adjusted)} after Holm's correction across the report's {family_size} tests"
    return ""


def describe_contingency(result: ContingencyResult, *, alpha: float = 0.05, max_cells: int = 3,
                         names: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`contingency`: test, effect size, notable cells, caveats.

    Worded as strongly as the test allows: the p-value read is the report-wide one
    (``p_adjusted``) when the result has one, else the table's own. Only below ``alpha``
    is the association called weak, moderate or strong (Cohen's (1988) benchmarks for the
    table's smaller dimension, on the bias-corrected V) and are single cells named by
    their adjusted residuals (Holm-corrected over the cells); otherwise it is not
    distinguishable from none, with V and the test beside it. Tests go by their right
    names (:func:`test_label`). A 2 x 2 table is also described by its odds ratio.

    Parameters
    ----------
    result
        From :func:`~sparklearn.analysis.contingency.contingency`, ideally through
        :func:`~sparklearn.analysis.multiplicity.correct_across_report`.
    alpha
        Level the p-value is read against.
    max_cells
        Most cells that stand out named.
    names, labels
        Country slug -> name and code or vocabulary id -> label: every value named
        (cells that stand out, values in the caveats) is looked up in ``names``,
        then ``labels``, and shown as it is if in neither.

    Returns
    -------
    str
        Plain text (names and labels from the data are not escaped).

    Examples
    --------
    >>> from sparklearn.analysis.contingency import contingency
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> print(describe_contingency(contingency(o, "country", "level")))
    Country and level are associated in these 60 outcomes, more than chance easily produces with these totals
    (Pearson's chi-square test, chi-square = 11.3 with 1 degree of freedom, p < 0.001). The association is moderate
    (bias-corrected Cramér's V = 0.42; 0.43 without the correction). The odds ratio is 6.2 (95% CI 1.8 to 23.1).
    An association describes these harvests; it does not show why they differ.
    """
    row, col = in_words(result.row), in_words(result.col)
    caveats = " ".join(f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings)
    if result.test == "none":
        return f"No test of {row} against {col} was possible. {caveats}".strip()
    in_family = result.family_size > 0 and not np.isnan(result.p_adjusted)
    p_read = result.p_adjusted if in_family else result.p_value
    test = _test_words(result) + (_correction_words(result.p_adjusted, result.family_size) if in_family else "")
    lost_to_correction = in_family and result.p_value < alpha <= result.p_adjusted
    corrected = result.cramers_v_corrected
    standing = bool(p_read < alpha)
    if standing:
        strength = _strength(corrected, *result.table.shape) if not np.isnan(corrected) else None
        text = (f"{row.capitalize()} and {col} are associated in these {result.n} outcomes, more than chance easily "
                f"produces with these totals ({test}).")
        if strength is None:
            text += f" Cramér's V = {result.cramers_v:.2f} (the table is too small for the bias correction)."
        else:
            size = "negligible in size" if strength == "negligible" else strength
            text += (f" The association is {size} (bias-corrected Cramér's V = {corrected:.2f}; "
                     f"{result.cramers_v:.2f} without the correction).")
    else:
        after = "" if np.isnan(corrected) else f" ({corrected:.2f} after bias correction)"
        if lost_to_correction:
            text = (f"The association between {row} and {col} in these {result.n} outcomes is not distinguishable "
                    f"from none once the report's other tests are allowed for: with {result.family_size} tests made, "
                    f"a pattern this strong in one of them is within what chance produces ({test}).")
        else:
            text = (f"The association between {row} and {col} in these {result.n} outcomes is not distinguishable "
                    f"from none: chance easily produces a pattern this strong with these totals ({test}).")
        text += f" Cramér's V = {result.cramers_v:.2f}{after}."
    if not np.isnan(result.odds_ratio):
        low, high = result.odds_ratio_ci
        text += f" The odds ratio is {result.odds_ratio:.1f} (95% CI {low:.1f} to {high:.1f})."
    elif not standing:
        text += " No single cell is read on its own, since the table as a whole does not stand out."
    else:
        notable = result.cells.loc[result.cells["notable"].astype(bool)]
        notable = notable.reindex(notable["adjusted_residual"].abs().sort_values(ascending=False).index)
        if len(notable):
            described = [
                f"{_shown(r[result.row], names, labels)} has {'more' if r['adjusted_residual'] > 0 else 'fewer'} "
                f"outcomes in '{_shown(r[result.col], names, labels)}' "
                f"than expected if every {in_words(result.row)} spread its outcomes alike ({r['observed']} observed, "
                f"{r['expected']:.1f} expected; adjusted residual {r['adjusted_residual']:+.1f})"
                for r in notable.head(max_cells).to_dict("records")]
            more = len(notable) - min(len(notable), max_cells)
            rest = f"; and {count_noun(more, 'other cell')}, standing out less" if more else ""
            text += (f" Cells that stand out (adjusted residuals, Holm-corrected over the table's {len(result.cells)} "
                     "cells): " + "; ".join(described) + rest + ".")
        else:
            text += f" No single cell stands out after Holm correction over the table's {len(result.cells)} cells."
    text += " An association describes these harvests; it does not show why they differ."
    return f"{text} {caveats}".strip()


def _model_words(result: RateRatios) -> str:
    """The count model, with the extra spread its intervals allow for (never another one)."""
    pearson = "Pearson chi-square / df"
    if result.family == "quasipoisson":
        if result.spread <= 1:
            return (f"a quasi-Poisson model; the counts vary between campaigns no more than a Poisson model expects "
                    f"({pearson} = {result.dispersion:.2f}), so its intervals are Poisson's")
        return (f"a quasi-Poisson model: the counts vary between campaigns about {result.spread:.1f} times as much as "
                f"a Poisson model expects ({pearson}), and the intervals are widened to allow for exactly that")
    if result.family == "negbin":
        alpha = (f"dispersion {result.alpha_nb:.3f}: at the mean of {result.mean_count:.0f} outcomes per campaign, "
                 f"a variance {result.spread:.2f} times Poisson's")
        if result.spread < NEGLIGIBLE_SPREAD:
            return (f"a negative-binomial model, which estimated almost no extra spread between campaigns ({alpha}), "
                    "so its intervals are practically Poisson's")
        return (f"a negative-binomial model, which allows the counts to vary between campaigns more than chance "
                f"alone would ({alpha})")
    if np.isnan(result.dispersion):
        return "a Poisson model (the standard model for counts)"
    spread = ("no more than it expects" if result.dispersion <= NEGLIGIBLE_SPREAD
              else f"about {result.dispersion:.1f} times as much as it expects")
    return f"a Poisson model (the standard model for counts; the counts vary between campaigns {spread}: {pearson} = " \
           f"{result.dispersion:.2f})"


def describe_rate_ratios(result: RateRatios, *, alpha: float = 0.05, names: Mapping[str, str] | None = None,
                         labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`rate_ratios`: every ratio, with its interval, test and caveats.

    First the model, with the extra spread its intervals allow for. Then, all named, the
    levels whose p-value after Holm's correction (report-wide when the result has it,
    else across this model's ratios) is below ``alpha``; those whose 95% interval
    excludes 1 but not after the correction; and the others. Then every ratio, none
    left out, with its interval and corrected p-value.

    Parameters
    ----------
    result
        From :func:`~sparklearn.analysis.rates.rate_ratios`, ideally through
        :func:`~sparklearn.analysis.multiplicity.correct_across_report`.
    alpha
        Level the corrected p-values are read against.
    names, labels
        Country slug -> name and id -> label: every level named (the reference,
        each term, levels in the caveats) is looked up in ``names``, then
        ``labels``, and shown as it is if in neither.

    Returns
    -------
    str
        Plain text (names and labels from the data are not escaped).

    Examples
    --------
    >>> from sparklearn.analysis.rates import rate_ratios
    >>> e = pd.DataFrame({"campaign_id": list("abcdef"), "country": list("uvwxyz"),
    ...                   "sector": ["health"] * 3 + ["water"] * 3, "start": pd.Timestamp("2020-01-01"),
    ...                   "end": pd.Timestamp("2024-01-01"), "campaign_months": [10.0, 20, 30, 10, 20, 40],
    ...                   "n_sessions": 1, "session_share": 1.0})
    >>> o = pd.DataFrame({"campaign_id": list("a" * 2 + "b" * 4 + "c" * 6 + "d" * 4 + "e" * 8 + "f" * 16),
    ...                   "date": pd.Timestamp("2021-01-01")})
    >>> print(describe_rate_ratios(rate_ratios(o, e, by="sector")))
    Outcomes per campaign-month by sector over 6 campaigns, each set against the reference, water (0.40 outcomes
    per campaign-month). The comparison uses a Poisson model (the standard model for counts; the counts vary between
    campaigns no more than it expects: Pearson chi-square / df = 0.00). Health differs from the reference rate by
    more than chance easily produces (p = 0.045). The rate ratio (times the reference rate), with its 95% interval
    and its p-value: health 0.50 (0.25 to 0.98; p = 0.045). An interval that excludes 1 means the data are hard to
    reconcile with equal rates; one that includes 1 means they are compatible with no difference (and with a
    sizeable one).
    """
    table = result.table
    ref = table.loc[table["reference"]].iloc[0]
    in_family = result.family_size > 0 and "p_adjusted" in table.columns
    p_column = "p_adjusted" if in_family else "p_holm"
    terms = table.loc[~table["reference"] & table["ci_low"].notna()].assign(
        excludes=lambda t: (t["ci_low"] > 1) | (t["ci_high"] < 1), p_read=lambda t: t[p_column])
    terms = terms.assign(standing=terms["p_read"] < alpha).sort_values("rate_ratio", ascending=False)
    correction = (f" after Holm's correction across the report's {result.family_size} tests" if in_family
                  else f" after Holm's correction across the model's {len(terms)} ratios" if len(terms) > 1 else "")
    sentences = [(f"Outcomes per campaign-month by {in_words(result.by)} over {result.n} campaigns, each set against "
                  f"the reference, {_shown(ref['term'], names, labels)} ({ref['rate']:.2f} outcomes per "
                  "campaign-month)."), f"The comparison uses {_model_words(result)}."]
    shown = {t: _shown(t, names, labels) for t in terms["term"]}
    standing = terms.loc[terms["standing"]]
    leads = terms.loc[terms["excludes"] & ~terms["standing"]]
    others = [shown[t] for t in terms.loc[~terms["excludes"] & ~terms["standing"], "term"]]
    compatible = "the data are compatible with the reference rate"
    if len(standing):
        if len(standing) == 1:
            first = shown[standing["term"].iloc[0]]
            sentences.append(f"{first[:1].upper()}{first[1:]} differs from the reference rate by more than chance "
                             f"easily produces ({_p(standing['p_read'].iloc[0])}{correction}).")
        else:
            listed = and_list([f"{shown[t]} ({_p(p)})" for t, p in zip(standing["term"], standing["p_read"])],
                              limit=len(standing))
            sentences.append(f"{listed[:1].upper()}{listed[1:]} differ from the reference rate by more than chance "
                             f"easily produces ({correction.strip()}).")
    if len(leads):
        many = len(leads) > 1
        sentences.append(f"The 95% interval{'s' if many else ''} of {and_list([shown[t] for t in leads['term']], limit=len(leads))} "
                         f"exclude{'' if many else 's'} 1, but {'none' if many else 'it does not'} stand"
                         f"{'s' if many else ''} out{correction or ' once the p-value is read'}: "
                         f"{'these differences' if many else 'the difference'} could be chance.")
    if others and (len(standing) or len(leads)):
        sentences.append(f"For {'the other' if len(others) == 1 else 'the others'} ({and_list(others, limit=len(others))}) "
                         f"{compatible}.")
    elif len(others) == 1:
        sentences.append(f"The ratio of {others[0]} is not distinguishable from 1: {compatible}.")
    elif others:
        none = "Neither ratio" if len(others) == 2 else f"None of the {len(others)} ratios"
        sentences.append(f"{none} is distinguishable from 1: for every {in_words(result.by)} {compatible}.")
    if len(terms):
        listed = "; ".join(f"{shown[r['term']]} {r['rate_ratio']:.2f} ({r['ci_low']:.2f} to {r['ci_high']:.2f}; "
                           f"{_p(r['p_read'])})" for r in terms.to_dict("records"))
        one = len(terms) == 1
        what = "The rate ratio" if one else "Both rate ratios" if len(terms) == 2 else f"All {len(terms)} rate ratios"
        sentences.append(f"{what} (times the reference rate), with {'its' if one else 'their'} 95% "
                         f"interval{'' if one else 's'} and {'its' if one else 'their'} p-value{'' if one else 's'}"
                         f"{' after the correction' if correction else ''}: {listed}.")
    sentences.append("An interval that excludes 1 means the data are hard to reconcile with equal rates; one that "
                     "includes 1 means they are compatible with no difference (and with a sizeable one).")
    sentences += [f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings]
    return " ".join(sentences)


def describe_substantiation(table: pd.DataFrame, by: str = "country", *, names: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`~sparklearn.analysis.outcomes.substantiation_by`, group by group.

    Parameters
    ----------
    table
        From :func:`~sparklearn.analysis.outcomes.substantiation_by`.
    by
        Its grouping column.
    names, labels
        Country slug -> name and id -> label: each group is looked up in
        ``names``, then ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> from sparklearn.analysis.outcomes import substantiation_by
    >>> o = pd.DataFrame({"country": ["ghana"] * 5,
    ...                   "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet"]})
    >>> print(describe_substantiation(substantiation_by(o)))
    Of 5 outcomes, 3 (60%) have been checked with an independent informant, who confirmed 2 fully or partially.
    By country: ghana 3 of 5 checked, 2 confirmed (67%, 95% CI 21% to 94%). Outcomes are not picked for checking
    at random, so a high confirmation rate may reflect which outcomes were checked as much as how sound the
    harvest is.
    """
    total, checked = int(table["n_outcomes"].sum()), int(table["n_checked"].sum())
    confirmed = int((table["n_fully"] + table["n_partially"]).sum())
    parts = []
    for r in table.to_dict("records"):
        part = f"{_shown(r[by], names, labels)} {r['n_checked']} of {r['n_outcomes']} checked"
        if r["n_checked"]:
            part += (f", {r['n_fully'] + r['n_partially']} confirmed ({r['share_confirmed']:.0%}, 95% CI "
                     f"{r['confirmed_low']:.0%} to {r['confirmed_high']:.0%})")
        parts.append(part)
    return (f"Of {total} outcomes, {checked} ({checked / total:.0%}) have been checked with an independent informant, "
            f"who confirmed {confirmed} fully or partially. By {in_words(by)}: " + "; ".join(parts) + ". Outcomes are "
            "not picked for checking at random, so a high confirmation rate may reflect which outcomes were checked "
            "as much as how sound the harvest is.")


def describe_distinctive(table: pd.DataFrame, by: str = "country", *, labels: Mapping[str, str] | None = None,
                         top: int = 3, names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`distinctive_themes`: each group's most distinctive codes.

    Parameters
    ----------
    table
        From :func:`~sparklearn.analysis.themes.distinctive_themes`.
    by
        Its grouping column.
    labels
        Code id -> label, for the codes named.
    top
        Most codes named per group and direction.
    names
        Country slug -> name, for the groups; a group not in it is looked up in
        ``labels``, then shown as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["ghana", "ghana"], "code_id": ["X", "Y"], "z": [3.2, -2.9],
    ...                   "coverage": [0.3, 0.01], "coverage_rest": [0.1, 0.08], "direction": ["more", "less"]})
    >>> print(describe_distinctive(t, labels={"X": "Follow the money"}))
    ghana's segments are coded more often with 'Follow the money' (30% of segments against 10% elsewhere, z =
    +3.2); and less often with 'Y' (1% against 8%, z = -2.9). Distinctive means the difference is larger than chance would make it after Holm correction
    within each country (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking
    distinctive by chance); segments of one session are
    not independent, so read this as a ranking.
    """
    labels = labels or {}
    sentences = []
    for group, part in table.groupby(by, sort=True):
        group = _shown(group, names, labels)
        def listed(rows: pd.DataFrame, first: bool) -> str:
            items = [f"'{labels.get(r['code_id'], r['code_id'])}' ({r['coverage']:.0%}"
                     + (" of segments against " if first and i == 0 else " against ")
                     + f"{r['coverage_rest']:.0%}{' elsewhere' if first and i == 0 else ''}, z = {r['z']:+.1f})"
                     for i, r in enumerate(rows.to_dict("records"))]
            return and_list(items, limit=len(items))

        more = part.loc[part["direction"] == "more"].sort_values("z", ascending=False).head(top)
        less = part.loc[part["direction"] == "less"].sort_values("z").head(top)
        if not len(more) and not len(less):
            sentences.append(f"{group} has no code that stands out beyond chance.")
            continue
        clauses = ([f"more often with {listed(more, True)}"] if len(more) else []) + (
            [f"less often with {listed(less, not len(more))}"] if len(less) else [])
        sentences.append(f"{group}'s segments are coded " + "; and ".join(clauses) + ".")
    return " ".join(sentences) + (
        " Distinctive means the difference is larger than chance would make it after Holm correction within each "
        f"{in_words(by)} (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking distinctive "
        "by chance); segments of one session are not "
        "independent, so read this as a ranking.")


def combination_words(expression: str, labels: Mapping[str, str] | None = None, *, capitals: bool = True) -> str:
    """A QCA expression in words: ``*`` reads "and", ``~`` "not", ``+`` "or".

    Parameters
    ----------
    expression
        A combination (``A*~B``) or a solution (``A*~B + C``), as in the ``term`` and
        ``expression`` columns of :attr:`~sparklearn.analysis.cases.CaseComparison.solutions`.
    labels
        Condition name -> words (``{"MEDIA": "media work"}``); a name not in it is shown as it is.
    capitals
        Write the connectives AND, NOT, OR in capitals, so that they stand out from
        the conditions' own words in a table.

    Examples
    --------
    >>> combination_words("BROAD_COALITION*~AUDIT_OR_PARLIAMENT", {"BROAD_COALITION": "a broad coalition",
    ...                   "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament"})
    'a broad coalition AND NOT engagement with audit or parliament'
    >>> combination_words("A*~B + C", capitals=False)
    'A and not B, or C'
    """
    labels = labels or {}
    and_, not_, or_ = ("AND", "NOT", "OR") if capitals else ("and", "not", "or")

    def literal(lit: str) -> str:
        name = lit.strip().lstrip("~")
        return (f"{not_} " if lit.strip().startswith("~") else "") + labels.get(name, name)

    return f", {or_} ".join(f" {and_} ".join(literal(x) for x in term.split("*"))
                            for term in expression.split(" + "))


def _boolean_words(expression: str, labels: Mapping[str, str]) -> str:
    """QCA notation in a sentence: ``A*~B + C`` -> ``A AND NOT B, OR C``.

    Capitals keep the logic apart from the conditions' own words ("engagement with audit or parliament").
    """
    return combination_words(expression, labels)


def describe_case_comparison(result: CaseComparison, *, labels: Mapping[str, str] | None = None,
                             names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`case_comparison`: solutions, their fit and the caveats.

    Parameters
    ----------
    result
        From :func:`~sparklearn.analysis.cases.case_comparison`.
    labels
        Condition or outcome name -> words (``{"MEDIA": "media work"}``).
    names
        Case (campaign) id or country slug -> name, for the cases listed (looked up in
        ``names``, then ``labels``) and the values named in the caveats; a case in
        neither mapping is shown as it is.

    Examples
    --------
    >>> from sparklearn.analysis.cases import case_comparison
    >>> cases = pd.DataFrame({"campaign_id": list("abcdef"), "A": [1, 1, 0, 1, 1, 0], "B": [1, 0, 1, 0, 1, 1],
    ...                       "Y": [1, 0, 0, 0, 1, 0]})
    >>> print(describe_case_comparison(case_comparison(cases, ["A", "B"], "Y"), labels={"Y": "a win"}))
    Complex solution (no assumptions about configurations no case has): a win where A AND B (consistency 1.00,
    coverage 1.00; cases a, e). Parsimonious solution: A AND B (consistency 1.00, coverage 1.00). Caveats: 3 of
    the 4 possible configurations of 2 conditions are observed in 6 cases; the other 1 are logical remainders
    (limited diversity). 6 cases and 2 conditions: with few cases per condition, random data too can give
    contradiction-free truth tables (Marx and Dusa 2011); read the solutions as hypotheses to check in the
    cases, not as findings.
    """
    labels = labels or {}
    outcome = labels.get(result.outcome.lstrip("~"), result.outcome.lstrip("~"))
    if result.outcome.startswith("~"):
        outcome = f"no {outcome}"
    text = []
    for kind in ("complex", "parsimonious"):
        part = result.solutions.loc[result.solutions["kind"] == kind]
        if not len(part):
            continue
        first = part.loc[part["solution"] == 1].iloc[0]
        fit = f"consistency {first['solution_consistency']:.2f}, coverage {first['solution_coverage']:.2f}"
        if kind == "complex":
            cases = ", ".join(_shown(c, names, labels) for c in dict.fromkeys(
                ";".join(part.loc[part["solution"] == 1, "cases"]).split(";")))
            text.append(f"Complex solution (no assumptions about configurations no case has): {outcome} where "
                        f"{_boolean_words(first['expression'], labels)} ({fit}; cases {cases}).")
        else:
            n_solutions = int(part["solution"].max())
            models = "; ".join(_boolean_words(e, labels) for e in part["expression"].unique())
            n_assumed = result.simplifying_assumptions["configuration"].nunique()
            assumed = f", resting on {count_noun(n_assumed, 'simplifying assumption')} about configurations no case has" \
                if n_assumed else ""
            text.append(f"Parsimonious solution{'s' if n_solutions > 1 else ''}"
                        f"{f' ({n_solutions}, equally minimal)' if n_solutions > 1 else ''}: {models} ({fit}"
                        f"{assumed}).")
    if not text:
        text.append(f"No configuration of conditions is consistently linked to {outcome}.")
    # Caveats name cases, not conditions; short condition names ("A") could match ordinary words.
    caveats = [_relabel(w, names, None) for w in result.warnings]
    return " ".join(text) + " Caveats: " + " ".join(f"{w[:1].upper()}{w[1:]}." for w in caveats)


def _literal_words(expression: str, labels: Mapping[str, str]) -> str:
    """A condition or its negation in words: ``~MEDIA`` -> "the absence of media work"."""
    name = expression.lstrip("~")
    return f"the absence of {labels.get(name, name)}" if expression.startswith("~") else labels.get(name, name)


def describe_necessity(table: pd.DataFrame, *, n_cases: int, labels: Mapping[str, str] | None = None,
                       consistency_cut: float = 0.9, relevance_cut: float = 0.5) -> str:
    """A plain-language account of :func:`~sparklearn.analysis.necessity.necessity`: which condition, if any, is necessary.

    A condition is called necessary only when its consistency reaches ``consistency_cut``
    and its relevance ``relevance_cut``; otherwise the text names the closest one and
    why it falls short.

    Parameters
    ----------
    table
        From :func:`~sparklearn.analysis.necessity.necessity` (conditions and negations).
    n_cases
        Cases compared, for the small-N caveat.
    labels
        Condition name -> words.
    consistency_cut, relevance_cut
        The thresholds the table's ``necessary`` column used.

    Examples
    --------
    >>> t = pd.DataFrame({"expression": ["A", "~A", "B"], "consistency": [0.93, 0.2, 0.85],
    ...                   "coverage": [0.7, 0.3, 0.6], "relevance": [0.61, 0.9, 0.35],
    ...                   "necessary": [True, False, False]})
    >>> print(describe_necessity(t, n_cases=14, labels={"A": "a broad coalition"}))
    A broad coalition is necessary (consistency 0.93, relevance 0.61): the campaigns with the outcome are (almost)
    all among those with it. With 14 campaigns, one campaign more or less can move a consistency by several
    points.
    """
    labels = labels or {}
    rules = (f"a condition counts as necessary when its consistency reaches {consistency_cut:.2f} and its relevance "
             f"{relevance_cut:.2f}")
    caveat = (f"With {n_cases} campaigns, one campaign more or less can move a consistency by several points.")
    passing = table.loc[table["necessary"].astype(bool)]
    if len(passing):
        named = [(_literal_words(r["expression"], labels),
                  f"consistency {r['consistency']:.2f}, relevance {r['relevance']:.2f}")
                 for r in passing.to_dict("records")]
        if len(named) == 1:
            text = (f"{named[0][0]} is necessary ({named[0][1]}): the campaigns with the outcome are (almost) all "
                    "among those with it.")
        else:
            listed = and_list([f"{name} ({fit})" for name, fit in named], limit=len(named))
            text = (f"{listed} are necessary: the campaigns with the outcome are (almost) all among those with "
                    "each.")
        return f"{text[:1].upper()}{text[1:]} {caveat}"
    best = table.sort_values("consistency", ascending=False).iloc[0]
    closest = f"{_literal_words(best['expression'], labels)} (consistency {best['consistency']:.2f}"
    if best["consistency"] >= consistency_cut - 1e-9:
        reason = (f", but relevance {best['relevance']:.2f}: so common among all the campaigns that it is close to "
                  "trivially necessary)")
    else:
        reason = f", below {consistency_cut:.2f}"
        if best["relevance"] < relevance_cut - 1e-9:
            reason += f"; relevance {best['relevance']:.2f}: nearly every campaign has it, so it is close to trivial"
        reason += ")"
    return f"No condition is necessary: {rules}, and none does. The closest is {closest}{reason}. {caveat}"


def _fit_words(row: Mapping) -> str:
    return (f"consistency {row['solution_consistency']:.2f}, PRI {row['solution_pri']:.2f}, "
            f"coverage {row['solution_coverage']:.2f}")


def describe_fuzzy_case_comparison(result: FuzzyCaseComparison, *, labels: Mapping[str, str] | None = None,
                                   names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`~sparklearn.analysis.cases.fuzzy_case_comparison`'s solutions.

    The intermediate solution first (with the expectations and the simplifying
    assumptions it used), then the complex and parsimonious ones beside it, then the
    caveats. Fit is worded as consistency, PRI and coverage (two decimals).

    Parameters
    ----------
    result
        From :func:`~sparklearn.analysis.cases.fuzzy_case_comparison`.
    labels
        Condition or outcome name -> words.
    names
        Case (campaign) id -> name, for the cases listed.

    Examples
    --------
    >>> from sparklearn.analysis.cases import fuzzy_case_comparison
    >>> scores = pd.DataFrame({"campaign_id": list("abcdef"), "A": [5, 4, 1, 1, 5, 1], "B": [1, 1, 0, 0, 0, 1],
    ...                        "Y": [1, 1, 0, 0, 1, 0]})
    >>> r = fuzzy_case_comparison(scores, {"A": (1, 2.5, 4)}, {"A": 1, "B": 1}, ["A", "B"], "Y")
    >>> print(describe_fuzzy_case_comparison(r, labels={"A": "a broad coalition", "B": "media work", "Y": "a win"}))
    Intermediate solution, assuming only what the expectations make plausible (a broad coalition and media work
    each help towards a win): a win where a broad coalition (consistency 0.95, PRI 0.95, coverage 0.98; cases
    a, b, e); it needs no assumption about combinations no campaign has. Complex solution, assuming nothing
    about combinations no campaign has: a broad coalition (consistency 0.95, PRI 0.95, coverage 0.98).
    Parsimonious solution, assuming whatever simplifies: a broad coalition (consistency 0.95, PRI 0.95,
    coverage 0.98). Caveats: 6 cases and 2
    conditions: with so few cases per condition, even random data can give tidy solutions (Marx and Dusa 2011);
    read the solutions as hypotheses to check in the cases.
    """
    labels = labels or {}
    outcome = labels.get(result.outcome.lstrip("~"), result.outcome.lstrip("~"))
    if result.outcome.startswith("~"):
        outcome = f"no {outcome}"
    helps = [labels.get(c, c) if v == 1 else f"the absence of {labels.get(c, c)}" for c, v in result.expectations.items()]
    text = []
    for kind in ("intermediate", "complex", "parsimonious"):
        part = result.solutions.loc[result.solutions["kind"] == kind]
        if not len(part):
            continue
        models = part.groupby("solution", sort=True).first()
        several = len(models) > 1
        listed = "; ".join(f"{'model ' + str(n) + ': ' if several else ''}{_boolean_words(r['expression'], labels)} "
                           f"({_fit_words(r)})" for n, r in models.iterrows())
        if kind == "intermediate":
            if not several:
                cases = ", ".join(_shown(c, names, None) for c in dict.fromkeys(
                    ";".join(part["cases"]).split(";")) if c)
                first = models.iloc[0]
                listed = (f"{outcome} where {_boolean_words(first['expression'], labels)} ({_fit_words(first)}; "
                          f"cases {cases})")
            assumed = result.simplifying_assumptions.query("kind == 'intermediate'")["configuration"].nunique()
            uses = (f"it assumes that {count_noun(assumed, 'combination')} no campaign has would show the outcome "
                    "(listed below)" if assumed else "it needs no assumption about combinations no campaign has")
            expected = f"{and_list(helps, limit=len(helps))} each help towards {outcome}"
            if several:
                text.append(f"Intermediate solution, assuming only what the expectations make plausible ({expected}): "
                            f"{len(models)} models fit equally well, and the data cannot choose between them. "
                            f"{listed[:1].upper()}{listed[1:]}; {uses}.")
            else:
                text.append(f"Intermediate solution, assuming only what the expectations make plausible ({expected}): "
                            f"{listed}; {uses}.")
        else:
            what = ("Complex solution, assuming nothing about combinations no campaign has" if kind == "complex"
                    else "Parsimonious solution, assuming whatever simplifies")
            text.append(f"{what}: {len(models)} models fit equally well. {listed[:1].upper()}{listed[1:]}."
                        if several else f"{what}: {listed}.")
    if not text:
        text.append(f"No combination of conditions is consistently enough linked to {outcome} to count as "
                    f"sufficient (consistency at least {result.incl_cut:.2f}, PRI at least {result.pri_cut:.2f}).")
    caveats = [_relabel(w, names, None) for w in result.warnings]
    return " ".join(text) + " Caveats: " + " ".join(f"{w[:1].upper()}{w[1:]}." for w in caveats)


def describe_robustness(result: Robustness, *, labels: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`~sparklearn.analysis.robustness.robustness`: which terms survive.

    Each term of the reference solution is named with the share of runs in which every
    equally fitting model has it (and, if more, the runs in which some model has it);
    a term is said to hold up when it is in every model of at least three runs in four,
    to depend on the choices when it is in fewer than half.

    Parameters
    ----------
    result
        From :func:`~sparklearn.analysis.robustness.robustness`.
    labels
        Condition name -> words.

    Examples
    --------
    >>> from sparklearn.analysis.robustness import Robustness
    >>> runs = pd.DataFrame({"run": [1, 2, 3, 4], "status": ["ok"] * 3 + ["no positive configuration"]})
    >>> terms = pd.DataFrame({"term": ["A*B", "C"], "in_reference": [True, False], "runs": 4,
    ...                       "runs_in_every_model": [3, 1], "runs_in_some_model": [3, 2], "share": [0.75, 0.25]})
    >>> print(describe_robustness(Robustness(runs, terms), labels={"A": "a broad coalition", "B": "media work"}))
    Over 4 runs of the analysis with other anchors and consistency thresholds: a broad coalition AND media work
    is in every model of 3 of the 4 runs (75%). A broad coalition AND media work holds up (in every model of at
    least three runs in four). 1 run found no sufficient combination. One combination that the
    reference solution lacks appears in some runs: C (in 2 runs). A combination that holds up across plausible
    choices rests less on any one of them; it is still a hypothesis about these campaigns.
    """
    labels = labels or {}
    terms, runs = result.terms, result.runs
    n_runs = int(runs["run"].nunique())
    sentences = [f"Over {count_noun(n_runs, 'run')} of the analysis with other anchors and consistency thresholds:"]
    reference = terms.loc[terms["in_reference"]]
    parts = []
    for r in reference.to_dict("records"):
        every = r["runs_in_every_model"]
        text = (f"{combination_words(r['term'], labels)} is in every model of {every} of the {n_runs} runs "
                f"({r['share']:.0%})" if every else f"{combination_words(r['term'], labels)} is in every model of no run")
        if r["runs_in_some_model"] > every:
            text += f" and in at least one model of {r['runs_in_some_model']}"
        parts.append(text)
    if parts:
        sentences[0] += " " + "; ".join(parts) + "."
        holding = [combination_words(t, labels) for t in reference.loc[reference["share"] >= 0.75, "term"]]
        if holding:
            verb = "holds" if len(holding) == 1 else "hold"
            listed = and_list(holding, limit=len(holding))
            sentences.append(f"{listed[:1].upper()}{listed[1:]} {verb} up (in every model of at least three runs in "
                             "four).")
        if len(holding) < len(parts):
            sentences.append("The other combinations depend on the anchors and threshold chosen." if holding else
                             "None holds up in three runs in four or more: which combinations appear depends on the "
                             "anchors and threshold chosen.")
    else:
        sentences[0] += " the reference analysis found no sufficient combination to follow."
    failed = runs.loc[runs["status"] != "ok", "run"].nunique()
    if failed:
        sentences.append(f"{count_noun(failed, 'run')} found no sufficient combination.")
    others = terms.loc[~terms["in_reference"]]
    if len(others):
        listed = "; ".join(f"{combination_words(r['term'], labels)} (in {count_noun(r['runs_in_some_model'], 'run')})"
                           for r in others.to_dict("records"))
        sentences.append(f"{'One combination' if len(others) == 1 else f'{len(others)} combinations'} that the "
                         f"reference solution lacks {'appears' if len(others) == 1 else 'appear'} in some runs: "
                         f"{listed}.")
    sentences.append("A combination that holds up across plausible choices rests less on any one of them; it is "
                     "still a hypothesis about these campaigns.")
    return " ".join(sentences)
