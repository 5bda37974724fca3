"""Robustness of fsQCA solutions to calibration anchors and the consistency threshold.

Stage: analysis. A QCA solution rests on choices: where the anchors of each
calibration lie and which inclusion a configuration needs to count as
sufficient. Oana & Schneider (2021, "A robustness test protocol for applied
QCA", *Sociological Methods & Research*) and the R package SetMethods
(``rob.calibrange``, ``rob.inclrange``, ``rob.fit``) ask how far a solution
survives plausible alternatives. :func:`robustness` re-runs the whole analysis
(calibrate, truth table, minimise) over a grid of such alternatives and says, in
one tidy table, which terms of the reference solution survive in what share of
the runs; a second table keeps every run's solution and fit.

The grid is either *one at a time* (each alternative anchor set is tried with
every other column at its reference anchors, as SetMethods' range tests do) or
*full* (every combination, which grows fast). A run that finds no positive
configuration, or too many equally minimal solutions, is kept with its reason:
there, no term survives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from sparklearn.analysis.fuzzy_qca import (
    check_conditions,
    check_expectations,
    fuzzy_minimise,
    fuzzy_truth_table,
)
from sparklearn.analysis.fuzzy_sets import (
    Anchors,
    calibrate_fuzzy,
    check_anchors,
    memberships,
)
from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns

#: Columns of :attr:`Robustness.runs`, in order.
RUN_COLUMNS = [
    "run", "incl_cut", "changed", "status", "solution", "expression", "term", "consistency", "raw_coverage",
    "solution_consistency", "solution_coverage",
]

#: Columns of :attr:`Robustness.terms`, in order.
TERM_COLUMNS = [
    "term", "in_reference", "runs", "runs_in_every_model", "runs_in_some_model", "share",
    "consistency_min", "consistency_max",
]


class Robustness(NamedTuple):
    """What :func:`robustness` returns.

    Attributes
    ----------
    runs
        One row per term of each solution of each run (one row with an empty
        ``term`` for a run that found none); see :data:`RUN_COLUMNS`. Run 1 is
        the reference; ``changed`` says how a run departs from it (e.g.
        ``"DEV 350/600/850"``, ``"incl_cut 0.85"`` or ``"reference"``);
        ``status`` is ``"ok"`` or why the run found no solution.
    terms
        One row per term found in any run; see :data:`TERM_COLUMNS`.
        ``runs_in_every_model`` counts runs where every equally minimal solution
        has the term, ``runs_in_some_model`` runs where at least one has it;
        ``share`` is ``runs_in_every_model / runs``; ``consistency_min`` and
        ``consistency_max`` bound the term's consistency over the runs that have it.
        Reference terms first, then by share.
    """

    runs: pd.DataFrame
    terms: pd.DataFrame


def _settings(
    alternatives: Mapping[str, list[Anchors]], incl_cuts: list[float], grid: str
) -> list[tuple[dict[str, int], float, str]]:
    """(anchor choice per column, inclusion cut, what changed) for each run; the reference first."""
    columns = list(alternatives)
    reference = {c: 0 for c in columns}
    if grid == "full":
        choices = [dict(zip(columns, pick)) for pick in product(*(range(len(alternatives[c])) for c in columns))]
    else:
        choices = [reference] + [{**reference, c: i} for c in columns for i in range(1, len(alternatives[c]))]
    runs = []
    for cut in incl_cuts:
        for choice in choices:
            changed = [f"{c} {alternatives[c][i]}" for c, i in choice.items() if i]
            if cut != incl_cuts[0]:
                changed.append(f"incl_cut {cut:g}")
            runs.append((choice, cut, "; ".join(changed) or "reference"))
    return runs


def robustness(
    raw: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    anchors: Mapping[str, Sequence[Sequence[float]]],
    *,
    incl_cuts: Sequence[float] = (0.8,),
    pri_cut: float = 0.0,
    n_cut: int = 1,
    include: Literal["complex", "parsimonious", "intermediate"] = "intermediate",
    directional_expectations: Mapping[str, int] | None = None,
    row_dominance: bool = False,
    grid: Literal["one_at_a_time", "full"] = "one_at_a_time",
    case: str | None = None,
    full_membership: float = 0.95,
    max_runs: int = 1000,
) -> Robustness:
    """Solutions across a grid of calibration anchors and inclusion cut-offs, and which terms survive.

    Parameters
    ----------
    raw
        One row per case: raw scores for the columns in ``anchors``, memberships
        in [0, 1] for the other conditions and the outcome.
    conditions, outcome
        As for :func:`~sparklearn.analysis.fuzzy_qca.fuzzy_truth_table`.
    anchors
        ``{column: [reference anchors, alternative anchors, ...]}``, each a
        ``(full non-membership, crossover, full membership)`` triple; the first
        is the reference. The outcome may be calibrated too.
    incl_cuts
        Inclusion cut-offs to try; the first is the reference.
    pri_cut, n_cut
        As for :func:`~sparklearn.analysis.fuzzy_qca.fuzzy_truth_table` (fixed across runs).
    include, directional_expectations, row_dominance
        Which solution to compare; see :func:`~sparklearn.analysis.fuzzy_qca.fuzzy_minimise`.
    grid
        ``"one_at_a_time"``: vary one column's anchors at a time (others at the
        reference), under each cut-off; ``"full"``: every combination.
    case
        Column with case names (default: the index).
    full_membership
        As for :func:`~sparklearn.analysis.fuzzy_sets.calibrate_fuzzy`.
    max_runs
        Refuse grids larger than this (a full grid multiplies quickly).

    Returns
    -------
    Robustness
        ``runs`` and ``terms``; see :class:`Robustness`.

    Raises
    ------
    ParameterError
        If anchors are malformed, a cut-off is out of range or the grid is too large.
    InputError
        If a column is missing or holds values that cannot be calibrated or are not memberships.

    Examples
    --------
    Survival of democracy (Y) with development calibrated from GDP per capita at
    two sets of anchors; stability is already a membership:

    >>> cases = pd.DataFrame({"GDP": [300, 450, 700, 900, 1000, 600],
    ...                       "STB": [0.1, 0.9, 0.2, 0.9, 0.8, 0.7],
    ...                       "Y": [0.1, 0.2, 0.3, 0.9, 0.8, 0.6]})
    >>> result = robustness(cases, ["GDP", "STB"], "Y", {"GDP": [(350, 550, 850), (400, 650, 900)]},
    ...                     incl_cuts=[0.8, 0.9], include="complex")
    >>> result.terms[["term", "in_reference", "runs", "runs_in_every_model", "share"]]
          term  in_reference  runs  runs_in_every_model  share
    0  GDP*STB          True     4                    4    1.0
    """
    conditions, column, _ = check_conditions(conditions, outcome)
    if grid not in ("one_at_a_time", "full"):
        raise ParameterError(f"grid must be 'one_at_a_time' or 'full', not {grid!r}")
    incl_cuts = [float(c) for c in incl_cuts]
    if not incl_cuts or not all(0 < c <= 1 for c in incl_cuts):
        raise ParameterError(f"incl_cuts must be one or more numbers in (0, 1], not {incl_cuts!r}")
    unknown = sorted(set(anchors) - {*conditions, column})
    if unknown:
        raise ParameterError(f"anchors are given for columns that are neither a condition nor the outcome: {unknown}")
    alternatives = {c: [check_anchors(a, c) for a in options] for c, options in anchors.items()}
    empty = [c for c, options in alternatives.items() if not options]
    if empty:
        raise ParameterError(f"give at least the reference anchors for {empty}")
    require_columns(raw, [*conditions, column], "raw score")
    for name in sorted({*conditions, column} - set(anchors)):
        memberships(raw, name)  # not calibrated here, so it must already be a membership
    if include == "intermediate":
        check_expectations(directional_expectations, conditions)
    settings = _settings(alternatives, incl_cuts, grid)
    if len(settings) > max_runs:
        raise ParameterError(f"the grid has {len(settings)} runs, more than max_runs={max_runs}: "
                             "use grid='one_at_a_time', fewer alternatives, or raise max_runs")
    calibrated = {(c, i): calibrate_fuzzy(raw, c, a, full_membership=full_membership)
                  for c, options in alternatives.items() for i, a in enumerate(options)}
    records = []
    for run, (choice, cut, changed) in enumerate(settings, start=1):
        data = raw.assign(**{c: calibrated[(c, i)] for c, i in choice.items()})
        base = {"run": run, "incl_cut": cut, "changed": changed}
        table = fuzzy_truth_table(data, conditions, outcome, case=case, incl_cut=cut, pri_cut=pri_cut, n_cut=n_cut)
        try:
            found = fuzzy_minimise(table, data, conditions, outcome, include=include,
                                   directional_expectations=directional_expectations,
                                   row_dominance=row_dominance, case=case).solutions
        except InputError as error:  # no positive configuration, or too ambiguous to report
            records.append(pd.DataFrame([{**base, "status": error.message}]))
            continue
        records.append(found[["solution", "expression", "term", "consistency", "raw_coverage",
                              "solution_consistency", "solution_coverage"]].assign(**base, status="ok"))
    runs = pd.concat(records, ignore_index=True).reindex(columns=RUN_COLUMNS).astype({"solution": "Int64"})
    return Robustness(runs, _survival(runs, len(settings)))


def _survival(runs: pd.DataFrame, n_runs: int) -> pd.DataFrame:
    """Per term: in how many runs every (or some) model has it, and its consistency range."""
    found = runs.dropna(subset=["term"])
    if found.empty:
        return pd.DataFrame(columns=TERM_COLUMNS)
    models = found.groupby("run")["solution"].nunique()
    per_run = found.groupby(["term", "run"]).agg(models=("solution", "nunique"))
    per_run["every"] = per_run["models"].to_numpy() == models.reindex(
        per_run.index.get_level_values("run")).to_numpy()
    reference = set(found.loc[found["run"] == 1, "term"])
    terms = per_run.groupby("term").agg(runs_in_every_model=("every", "sum"),
                                        runs_in_some_model=("models", "size"))
    fit = found.groupby("term")["consistency"].agg(consistency_min="min", consistency_max="max")
    terms = terms.join(fit).reset_index().assign(
        in_reference=lambda t: t["term"].isin(reference), runs=n_runs,
        share=lambda t: t["runs_in_every_model"] / n_runs)
    terms = terms.sort_values(["in_reference", "share", "term"], ascending=[False, False, True], ignore_index=True)
    return terms[TERM_COLUMNS].astype({"runs_in_every_model": np.int64, "runs_in_some_model": np.int64})
