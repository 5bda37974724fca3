"""Analysis of necessity for QCA: consistency, coverage and relevance of necessity.

Stage: analysis. Done *before* the truth table, as standard practice prescribes
(Schneider & Wagemann 2012, ch. 3 and 9.1): a condition that is necessary for the
outcome can be lost, or wrongly minimised away, in the analysis of sufficiency.
Tables of cases with fuzzy (or crisp) memberships in, one tidy row per tested
set out.

For a condition X and the outcome Y (fuzzy AND = minimum):

- consistency of necessity ``sum(min(X, Y)) / sum(Y)``: how far Y is a subset of X;
- coverage of necessity ``sum(min(X, Y)) / sum(X)``: how far X is no bigger than
  Y, i.e. how relevant rather than trivial it is as a superset;
- relevance of necessity (RoN, Schneider & Wagemann 2012, p. 236)
  ``sum(1 - X) / sum(1 - min(X, Y))``: low when X is close to a constant (almost
  every case in X), which makes it trivially "necessary" for anything.

Each condition is tested with its negation, and optionally as disjunctions of
two literals (``A + ~B``: functional equivalents, Schneider & Wagemann 2012,
p. 74), which are meaningful only when the two stand for one higher-order concept.
The numbers match the R package QCA's ``pof(..., relation = "necessity")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, product

import numpy as np
import pandas as pd

from sparklearn.analysis.fuzzy_qca import check_conditions
from sparklearn.analysis.fuzzy_sets import memberships, set_membership
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns

#: Columns of :func:`necessity`, in order.
NECESSITY_COLUMNS = ["expression", "kind", "consistency", "coverage", "relevance", "necessary", "deviant_cases"]


def necessity(
    data: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    *,
    negations: bool = True,
    disjunctions: bool = False,
    consistency_cut: float = 0.9,
    relevance_cut: float = 0.5,
    case: str | None = None,
) -> pd.DataFrame:
    """Consistency, coverage and relevance of each condition as necessary for the outcome.

    Parameters
    ----------
    data
        One row per case; conditions and outcome hold memberships in [0, 1].
    conditions
        Condition columns to test.
    outcome
        Outcome column; prefix it with ``~`` to test necessity for its absence.
    negations
        Also test each condition's negation (``~A``).
    disjunctions
        Also test every disjunction of two different conditions (``A + B``; with
        ``negations``, also ``A + ~B``, ``~A + B`` and ``~A + ~B``).
    consistency_cut, relevance_cut
        What ``necessary`` requires: consistency of at least ``consistency_cut``
        (0.9 is the usual minimum) and relevance of at least ``relevance_cut``
        (below it the set is close to trivially necessary).
    case
        Column with case names (default: the index).

    Returns
    -------
    pandas.DataFrame
        One row per tested set, in the order conditions, negations, disjunctions;
        columns :data:`NECESSITY_COLUMNS`: ``expression`` (e.g. ``"~STB"``),
        ``kind`` (``"condition"``, ``"negation"`` or ``"disjunction"``),
        ``consistency``, ``coverage``, ``relevance`` (NaN when every case is
        fully in both the set and the outcome: nothing to judge it by),
        ``necessary`` (bool; False where relevance is NaN) and ``deviant_cases`` (cases more in than out of
        the outcome but more out than in the set, which contradict necessity
        in kind; ``";"``-joined).

    Raises
    ------
    InputError
        If a column is missing or holds anything but numbers in [0, 1].
    ParameterError
        If a cut-off is outside [0, 1] or a name cannot be used.

    Examples
    --------
    >>> cases = pd.DataFrame({"A": [1, 1, 1, 0, 1], "B": [1, 1, 1, 0, 1], "C": [0, 1, 0, 0, 1],
    ...                       "O": [1, 1, 1, 0, 1]})
    >>> necessity(cases, ["A", "C"], "O", negations=False).drop(columns="deviant_cases")
      expression       kind  consistency  coverage  relevance  necessary
    0          A  condition          1.0       1.0        1.0       True
    1          C  condition          0.5       1.0        1.0      False
    """
    conditions, column, negate = check_conditions(conditions, outcome)
    for name, cut in (("consistency_cut", consistency_cut), ("relevance_cut", relevance_cut)):
        if not 0 <= cut <= 1:
            raise ParameterError(f"{name} must be in [0, 1], not {cut!r}")
    require_columns(data, [*conditions, column], "condition and outcome")
    y = memberships(data, column)
    y = 1 - y if negate else y
    if case is not None:
        require_columns(data, [case], "case")
    names = (data[case] if case is not None else data.index.to_series()).astype(str).to_numpy()
    tested = [(c, "condition") for c in conditions]
    if negations:
        tested += [(f"~{c}", "negation") for c in conditions]
    if disjunctions:
        for first, second in combinations(conditions, 2):
            for a, b in product(("", "~") if negations else ("",), repeat=2):
                tested.append((f"{a}{first} + {b}{second}", "disjunction"))
    x = np.column_stack([set_membership(data, expression, conditions=conditions).to_numpy()
                         for expression, _ in tested])
    both = np.minimum(x, y[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        consistency = both / y.sum()
        coverage = both / x.sum(axis=0)
        relevance = (1 - x).sum(axis=0) / (1 - np.minimum(x, y[:, None])).sum(axis=0)
    deviant = (x < 0.5) & (y[:, None] > 0.5)
    return pd.DataFrame({
        "expression": [e for e, _ in tested],
        "kind": [kind for _, kind in tested],
        "consistency": consistency,
        "coverage": coverage,
        "relevance": relevance,
        "necessary": (consistency >= consistency_cut - 1e-9) & (relevance >= relevance_cut - 1e-9),
        "deviant_cases": [";".join(names[col]) for col in deviant.T],
    })
