"""One family of tests for a whole report: every p-value it states, Holm-corrected once.

Stage: analysis. A report that tests three tables and twelve rate ratios and reads each
at 0.05 finds "something" by chance far more often than one time in twenty. So the
comparison report puts every test whose p-value it states into one family and corrects
them together (Holm, statsmodels ``multipletests``): :func:`correct_across_report` takes
the results by name and returns copies that carry their report-wide adjusted p-value and
the family's size, which :mod:`sparklearn.report.comparison_words` names in its sentences
("after Holm's correction across the report's 15 tests"). Follow-ups inside one result
(the cells of a table, Holm-corrected within it) are read only when that result's own
test stands out after this correction, so they are not members of the family.

Kept apart from :mod:`~sparklearn.analysis.contingency` and :mod:`~sparklearn.analysis.rates`
because it reads both; nothing here computes a test of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from sparklearn.analysis.contingency import ContingencyResult
from sparklearn.analysis.rates import RateRatios
from sparklearn.exceptions import ParameterError

Result = ContingencyResult | RateRatios


def report_tests(results: Mapping[str, Result | None]) -> pd.DataFrame:
    """Every test the results hold, one row each, with the p-values adjusted together (Holm).

    A contingency result is one test (its table's); a rate-ratio result holds one test
    per level compared with the reference (levels without outcomes have no test). Tests
    that could not be run (NaN p-values) and ``None`` results are not in the family.

    Parameters
    ----------
    results
        Name -> result (:func:`~sparklearn.analysis.contingency.contingency` or
        :func:`~sparklearn.analysis.rates.rate_ratios`), or None for a comparison the
        report could not make.

    Returns
    -------
    pandas.DataFrame
        One row per test: name, term (the level for a rate ratio, "" for a table),
        p_value, p_adjusted (Holm across every row).

    Raises
    ------
    ParameterError
        If a value is neither a contingency nor a rate-ratio result.

    Examples
    --------
    >>> from sparklearn.analysis.contingency import contingency
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21,
    ...                   "valence": ["positive", "negative"] * 30})
    >>> report_tests({"level": contingency(o, "country", "level"),
    ...               "valence": contingency(o, "country", "valence")}).round(4)
          name term  p_value  p_adjusted
    0    level        0.0008      0.0016
    1  valence        1.0000      1.0000
    """
    rows = []
    for name, result in results.items():
        if result is None:
            continue
        if isinstance(result, ContingencyResult):
            rows.append({"name": name, "term": "", "p_value": result.p_value})
        elif isinstance(result, RateRatios):
            tested = result.table.loc[~result.table["reference"] & result.table["p_value"].notna()]
            rows += [{"name": name, "term": str(t), "p_value": float(p)}
                     for t, p in zip(tested["term"], tested["p_value"])]
        else:
            raise ParameterError(f"{name!r} is a {type(result).__name__}: give results of contingency() or "
                                 "rate_ratios()")
    tests = pd.DataFrame(rows, columns=["name", "term", "p_value"]).astype({"p_value": float})
    tests["p_adjusted"] = np.nan
    tested = tests["p_value"].notna().to_numpy()
    if tested.any():
        tests.loc[tested, "p_adjusted"] = multipletests(tests.loc[tested, "p_value"].to_numpy(), method="holm")[1]
    return tests


def correct_across_report(results: Mapping[str, Result | None]) -> dict[str, Result | None]:
    """Copies of ``results`` carrying their p-values Holm-corrected across all of them, and the family's size.

    Parameters
    ----------
    results
        Name -> result, as for :func:`report_tests`; ``None`` stays ``None``.

    Returns
    -------
    dict
        The same names, in the same order. A contingency result gets ``p_adjusted`` and
        ``family_size``; a rate-ratio result gets a ``p_adjusted`` column in its table
        (NaN for the reference and levels without outcomes) and ``family_size``.

    Examples
    --------
    >>> from sparklearn.analysis.contingency import contingency
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21,
    ...                   "valence": ["positive", "negative"] * 30})
    >>> adjusted = correct_across_report({"level": contingency(o, "country", "level"),
    ...                                   "valence": contingency(o, "country", "valence")})
    >>> round(adjusted["level"].p_adjusted, 4), adjusted["level"].family_size
    (0.0016, 2)
    """
    tests = report_tests(results)
    size = int(tests["p_adjusted"].notna().sum())
    out: dict[str, Result | None] = {}
    for name, result in results.items():
        mine = tests.loc[tests["name"] == name]
        if isinstance(result, ContingencyResult):
            out[name] = dataclasses.replace(result, p_adjusted=float(mine["p_adjusted"].iloc[0]), family_size=size)
        elif isinstance(result, RateRatios):
            adjusted = result.table["term"].astype(str).map(dict(zip(mine["term"], mine["p_adjusted"])))
            out[name] = dataclasses.replace(result, table=result.table.assign(p_adjusted=adjusted.astype(float)),
                                            family_size=size)
        else:
            out[name] = result
    return out
