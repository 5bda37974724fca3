"""Fuzzy-set QCA (fsQCA): truth table, sufficiency, and the three solutions.

Stage: analysis. Tables of cases with fuzzy memberships (see
:mod:`~sparklearn.analysis.fuzzy_sets` to calibrate them) in, tidy tables out.
It follows Ragin (2008, ch. 7-9) and Schneider & Wagemann (2012, ch. 4-8), with
the parameters of fit and the notation of the R package QCA (Dusa 2019):

1. :func:`fuzzy_truth_table`: each case sits on the corner of the property space
   where its memberships are above 0.5; each corner (configuration) gets its
   number of cases ``n``, its *inclusion* (sufficiency consistency)
   ``sum(min(X, Y)) / sum(X)`` over **all** cases' memberships ``X`` in the
   corner, its PRI (proportional reduction in inconsistency, which guards
   against corners that are also subsets of the outcome's negation) and
   coverage; ``out`` follows the inclusion, PRI and frequency cut-offs.
2. :func:`fuzzy_minimise`: the Boolean minimisation is
   :func:`sparklearn.analysis.qca.minimise` (the same prime implicants, the same
   exact search for every equally minimal solution); this module feeds it the
   truth table's ``out`` codes and computes the parameters of fit from the
   fuzzy memberships. Three solutions:

   - *complex* (conservative): no remainder is used;
   - *parsimonious*: any remainder that simplifies is used;
   - *intermediate* (Ragin & Sonnett 2005; Ragin 2008, ch. 9): only *easy
     counterfactuals* are used, i.e. remainders that differ from a positive
     configuration only in conditions set to the value the researcher's
     directional expectations say contributes to the outcome, and that the
     parsimonious solution also assumes. So it lies between the complex and
     the parsimonious solution. When the parsimonious solution is not unique,
     an intermediate solution is derived from each (``from_parsimonious``).

   Each result lists its simplifying assumptions (the remainders its terms
   cover) and every prime implicant, so that model ambiguity is visible.
3. :func:`sufficiency`: consistency, PRI, raw and unique coverage of any terms.

Fit formulas (X a term's or solution's membership, Y the outcome's):
consistency ``sum(min(X,Y)) / sum(X)``; PRI ``(sum(min(X,Y)) - sum(min(X,Y,1-Y)))
/ (sum(X) - sum(min(X,Y,1-Y)))``; raw coverage ``sum(min(X,Y)) / sum(Y)``; unique
coverage: the solution's coverage minus its coverage without the term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from sparklearn.analysis import qca
from sparklearn.analysis.fuzzy_sets import memberships, set_membership
from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns

#: Columns :func:`fuzzy_truth_table` adds after the condition columns, in order.
TRUTH_TABLE_COLUMNS = ["out", "n", "n_outcome", "incl", "pri", "coverage", "cases"]

#: Columns of :func:`sufficiency`, in order.
FIT_COLUMNS = ["expression", "consistency", "pri", "raw_coverage", "unique_coverage", "cases", "deviant_cases"]

#: Columns of :attr:`Minimisation.solutions` as :func:`fuzzy_minimise` fills them, in order.
SOLUTION_COLUMNS = [
    "solution", "expression", "term", "consistency", "pri", "raw_coverage", "unique_coverage", "cases",
    "deviant_cases", "solution_consistency", "solution_pri", "solution_coverage", "from_parsimonious",
]

#: Tolerance for cut-offs: an inclusion of 0.8 computed as 0.7999999999 still passes a cut of 0.8.
_EPS = 1e-9

_RESERVED = set(TRUTH_TABLE_COLUMNS) | {"configuration", "solution"}


def check_conditions(conditions: Sequence[str], outcome: str | None = None) -> tuple[list[str], str | None, bool]:
    """Conditions as a list, the outcome's column and whether it is negated (``"~Y"``), or a ParameterError.

    Examples
    --------
    >>> check_conditions(["A", "B"], "~Y")
    (['A', 'B'], 'Y', True)
    """
    conditions = list(conditions)
    if not conditions:
        raise ParameterError("give at least one condition")
    if len(set(conditions)) != len(conditions):
        raise ParameterError(f"conditions are listed twice: {conditions}")
    for name in conditions:
        if not isinstance(name, str) or name in _RESERVED or any(c in name for c in "*+~ "):
            raise ParameterError(
                f"the condition name {name!r} cannot be used: rename the column so that it is not one of "
                f"{sorted(_RESERVED)} and has no '*', '+', '~' or space")
    if outcome is None:
        return conditions, None, False
    column, negate = split_outcome(outcome)
    if column in conditions:
        raise ParameterError(f"'{column}' is both a condition and the outcome")
    return conditions, column, negate


def split_outcome(outcome: str) -> tuple[str, bool]:
    """``"~Y"`` -> ``("Y", True)``, ``"Y"`` -> ``("Y", False)``.

    Examples
    --------
    >>> split_outcome("~SURV")
    ('SURV', True)
    """
    negate = outcome.startswith("~")
    return (outcome[1:] if negate else outcome).strip(), negate


def _outcome(data: pd.DataFrame, column: str, negate: bool) -> np.ndarray:
    require_columns(data, [column], "outcome")
    y = memberships(data, column)
    return 1 - y if negate else y


def _names(data: pd.DataFrame, case: str | None) -> np.ndarray:
    if case is not None:
        require_columns(data, [case], "case")
        return data[case].astype(str).to_numpy()
    return data.index.astype(str).to_numpy()


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consistency, PRI and coverage of the sets in the columns of ``x`` for outcome ``y``."""
    both = np.minimum(x, y[:, None]).sum(axis=0)
    neither = np.minimum(x, np.minimum(y, 1 - y)[:, None]).sum(axis=0)
    total = x.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return both / total, (both - neither) / (total - neither), both / y.sum()


# --------------------------------------------------------------------------- truth table


def fuzzy_truth_table(
    data: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    *,
    case: str | None = None,
    incl_cut: float = 0.8,
    pri_cut: float = 0.0,
    n_cut: int = 1,
    complete: bool = False,
) -> pd.DataFrame:
    """The fuzzy-set truth table: cases on the corners of the property space.

    Parameters
    ----------
    data
        One row per case; conditions and outcome hold memberships in [0, 1].
    conditions
        Condition columns, in the order they are to be shown.
    outcome
        Outcome column; prefix it with ``~`` to analyse the outcome's absence.
    case
        Column with case names (default: the index).
    incl_cut
        Least inclusion for a configuration to be positive (``out = 1``).
    pri_cut
        Least PRI for a configuration to be positive (0: no PRI cut-off).
    n_cut
        Least number of cases for a configuration to be coded at all; rarer
        ones get ``out = <NA>`` and are minimised as remainders.
    complete
        Also list the configurations no case has (``n = 0``).

    Returns
    -------
    pandas.DataFrame
        One row per configuration, sorted by configuration (read as a binary
        number in the order of ``conditions``; QCA's row number is that plus
        one): the condition columns (0/1); ``out`` (Int8: 1 if ``incl`` and
        ``pri`` reach their cut-offs, else 0; <NA> below ``n_cut``); ``n``
        (cases with membership above 0.5 in the configuration); ``n_outcome``
        (of those, cases with outcome membership above 0.5); ``incl``, ``pri``
        and ``coverage`` of the configuration as a fuzzy set (NaN for
        configurations no case has); ``cases`` (``";"``-joined). A case with a
        membership of exactly 0.5 in a condition sits on no corner: it counts
        in every configuration's ``incl`` and ``pri``, in no ``n``.

    Raises
    ------
    InputError
        If a column is missing or holds anything but numbers in [0, 1] (names the row).
    ParameterError
        If a cut-off is out of range or a name cannot be used.

    Examples
    --------
    >>> cases = pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "B": [0.6, 0.3, 0.4, 0.9],
    ...                       "Y": [0.8, 0.9, 0.1, 0.4]}, index=["a", "b", "c", "d"])
    >>> fuzzy_truth_table(cases, ["A", "B"], "Y", incl_cut=0.75).round(3)
       A  B  out  n  n_outcome   incl    pri  coverage cases
    0  0  0    0  1          0  0.500  0.167     0.227     c
    1  1  0    1  1          1  0.929  0.889     0.591     b
    2  1  1    1  2          1  0.778  0.600     0.636   a;d
    """
    conditions, column, negate = check_conditions(conditions, outcome)
    if not 0 < incl_cut <= 1:
        raise ParameterError(f"incl_cut must be in (0, 1], not {incl_cut!r}")
    if not 0 <= pri_cut <= 1:
        raise ParameterError(f"pri_cut must be in [0, 1], not {pri_cut!r}")
    if n_cut < 1:
        raise ParameterError(f"n_cut must be at least 1, not {n_cut!r}")
    require_columns(data, conditions, "condition")
    k = len(conditions)
    if k > qca.MAX_CONDITIONS:
        raise ParameterError(f"{k} conditions is more than the {qca.MAX_CONDITIONS} QCA minimisation handles")
    x = np.column_stack([memberships(data, c) for c in conditions])
    y = _outcome(data, column, negate)
    names = _names(data, case)
    weights = 1 << np.arange(k - 1, -1, -1)
    placed = (x != 0.5).all(axis=1)
    key = (x > 0.5) @ weights
    grouped = pd.DataFrame({"key": key[placed], "y": y[placed] > 0.5, "name": names[placed]}).groupby(
        "key", sort=True).agg(n=("y", "size"), n_outcome=("y", "sum"), cases=("name", ";".join))
    if complete:
        grouped = grouped.reindex(np.arange(2**k)).fillna({"n": 0, "n_outcome": 0, "cases": ""})
    corners = grouped.index.to_numpy(dtype=np.int64)
    bits = (corners[:, None] >> np.arange(k - 1, -1, -1)) & 1
    # Membership of every case in every listed corner: a condition at a time keeps memory at cases x corners.
    member = np.ones((len(data), len(corners)))
    for j in range(k):
        member = np.minimum(member, np.where(bits[:, j][None, :] == 1, x[:, [j]], 1 - x[:, [j]]))
    incl, pri, coverage = _fit(member, y)
    n = grouped["n"].to_numpy(dtype=np.int64)
    observed = n > 0
    out = pd.array(np.where((incl >= incl_cut - _EPS) & (pri >= pri_cut - _EPS), 1, 0), dtype="Int8")
    out[n < n_cut] = pd.NA
    table = pd.DataFrame(bits, columns=conditions)
    return table.assign(
        out=out, n=n, n_outcome=grouped["n_outcome"].to_numpy(dtype=np.int64),
        incl=np.where(observed, incl, np.nan), pri=np.where(observed, pri, np.nan),
        coverage=np.where(observed, coverage, np.nan), cases=grouped["cases"].to_numpy(),
    )


# --------------------------------------------------------------------------- sufficiency


def sufficiency(
    data: pd.DataFrame, expressions: Sequence[str], outcome: str, *, case: str | None = None
) -> pd.DataFrame:
    """Parameters of fit of terms (or whole expressions) as sufficient for the outcome.

    Parameters
    ----------
    data
        One row per case, memberships in [0, 1].
    expressions
        Terms such as ``"A*~B"`` or sums such as ``"A*~B + C"``; unique coverage
        is computed against the union of all of them.
    outcome
        Outcome column, ``~`` for its negation.
    case
        Column with case names (default: the index).

    Returns
    -------
    pandas.DataFrame
        One row per expression, columns :data:`FIT_COLUMNS`: ``consistency``,
        ``pri``, ``raw_coverage``, ``unique_coverage`` (coverage of the union
        minus coverage of the union without this expression), ``cases`` (names
        with membership above 0.5 in the expression) and ``deviant_cases``
        (those of them with outcome membership below 0.5: deviant in kind).

    Examples
    --------
    >>> cases = pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "B": [0.6, 0.3, 0.4, 0.9],
    ...                       "Y": [0.8, 0.9, 0.1, 0.4]}, index=["a", "b", "c", "d"])
    >>> sufficiency(cases, ["A", "B"], "Y").drop(columns=["cases", "deviant_cases"]).round(3)
      expression  consistency    pri  raw_coverage  unique_coverage
    0          A        0.808  0.722         0.955            0.318
    1          B        0.636  0.429         0.636            0.000
    """
    y = _outcome(data, *split_outcome(outcome))
    names = _names(data, case)
    expressions = list(expressions)
    if not expressions:
        raise ParameterError("give at least one expression")
    x = np.column_stack([set_membership(data, e).to_numpy() for e in expressions])
    consistency, pri, coverage = _fit(x, y)
    union = x.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        unique = np.array([
            (np.minimum(union, y).sum()
             - np.minimum(np.delete(x, j, axis=1).max(axis=1, initial=0), y).sum()) / y.sum()
            for j in range(x.shape[1])
        ])
    inside = x > 0.5
    return pd.DataFrame({
        "expression": expressions, "consistency": consistency, "pri": pri, "raw_coverage": coverage,
        "unique_coverage": unique,
        "cases": [";".join(names[col]) for col in inside.T],
        "deviant_cases": [";".join(names[col & (y < 0.5)]) for col in inside.T],
    })


# --------------------------------------------------------------------------- minimisation


def _boolean_view(truth_table: pd.DataFrame, conditions: list[str]) -> pd.DataFrame:
    """The truth table as :func:`qca.minimise` reads it: out codes, one nominal case per coded row.

    The Boolean step needs only ``out``; rows coded 0 or 1 get ``n = 1`` and
    ``n_outcome = out`` so that qca's crisp parameters of fit are defined (they
    are replaced by the fuzzy ones), remainders keep their ``n`` for the list of
    simplifying assumptions.
    """
    require_columns(truth_table, [*conditions, "out", "n"], "truth table")
    out = pd.array(truth_table["out"], dtype="Int8")
    coded = ~pd.isna(out)
    n = truth_table["n"].to_numpy(dtype=np.int64)
    return truth_table[conditions].assign(
        out=out, n=np.where(coded, 1, n), n_outcome=out.fillna(0).to_numpy(dtype=np.int64), cases="")


def _keys(table: pd.DataFrame, conditions: list[str]) -> np.ndarray:
    k = len(conditions)
    return table[conditions].to_numpy(dtype=np.int64) @ (1 << np.arange(k - 1, -1, -1))


def _easy_counterfactuals(
    remainders: np.ndarray, positives: np.ndarray, expectations: Mapping[str, int], conditions: list[str]
) -> np.ndarray:
    """Remainders that differ from some positive configuration only towards the expected values."""
    k = len(conditions)
    weight = {c: 1 << (k - 1 - i) for i, c in enumerate(conditions)}
    expected = sum(weight[c] for c in expectations)
    present = sum(weight[c] for c, v in expectations.items() if v == 1)
    easy = np.zeros(len(remainders), dtype=bool)
    for start in range(0, len(positives), 256):  # chunks keep the pair matrix small with many conditions
        diff = remainders[:, None] ^ positives[None, start:start + 256]
        towards = ((diff & ~expected) == 0) & (((remainders[:, None] ^ present) & diff) == 0)
        easy |= towards.any(axis=1)
    return remainders[easy]


def check_expectations(expectations: Mapping[str, int] | None, conditions: Sequence[str]) -> dict[str, int]:
    """Directional expectations as ``{condition: 0 or 1}``, or a ParameterError saying what is wrong.

    Examples
    --------
    >>> check_expectations({"DEV": 1, "URB": 0}, ["DEV", "URB", "LIT"])
    {'DEV': 1, 'URB': 0}
    """
    if expectations is None:
        raise ParameterError(
            "the intermediate solution needs directional_expectations, e.g. {'DEV': 1, 'STB': 1} "
            "(1: the condition's presence is expected to contribute to the outcome, 0: its absence); "
            "leave out conditions without an expectation")
    unknown = sorted(set(expectations) - set(conditions))
    if unknown:
        raise ParameterError(f"directional_expectations name conditions not in the analysis: {unknown}")
    bad = {c: v for c, v in expectations.items() if v not in (0, 1)}
    if bad:
        raise ParameterError(f"a directional expectation is 1 (present) or 0 (absent), not {bad}; "
                             "leave out conditions without an expectation")
    return {c: int(v) for c, v in expectations.items()}


def _intermediate(
    view: pd.DataFrame, conditions: list[str], expectations: dict[str, int], row_dominance: bool, max_solutions: int
) -> qca.Minimisation:
    """Intermediate solutions: minimise the positives with the easy counterfactuals of each parsimonious solution."""
    k = len(conditions)
    keys = _keys(view, conditions)
    out = view["out"]
    positives = keys[(out == 1).fillna(False).to_numpy(dtype=bool)]
    coded = np.zeros(2**k, dtype=bool)
    coded[keys[out.notna().to_numpy()]] = True
    easy = _easy_counterfactuals(np.flatnonzero(~coded), positives, expectations, conditions)
    parsimonious = qca.minimise(view, conditions, include="parsimonious", row_dominance=row_dominance,
                                max_solutions=max_solutions)
    assumed = parsimonious.simplifying_assumptions.assign(key=lambda t: _keys(t, conditions))
    full = pd.DataFrame(((np.arange(2**k)[:, None] >> np.arange(k - 1, -1, -1)) & 1), columns=conditions)
    n_of = pd.Series(view["n"].to_numpy(), index=keys).reindex(np.arange(2**k), fill_value=0).to_numpy()
    found: dict[frozenset[str], list] = {}
    # Parsimonious solutions often use the same easy counterfactuals, hence the same table:
    # each table is minimised once (half the minimisations of a robustness grid were repeats).
    minimised: dict[tuple[int, ...], qca.Minimisation] = {}
    for number in sorted(parsimonious.solutions["solution"].unique()):
        counterfactuals = np.intersect1d(easy, assumed.loc[assumed["solution"] == number, "key"].to_numpy())
        key = tuple(counterfactuals.tolist())
        result = minimised.get(key)
        if result is None:
            # Positives stay positive, this model's easy counterfactuals are "don't cares";
            # every other configuration (difficult counterfactuals included) counts as negative.
            status = np.zeros(2**k, dtype=np.int8)
            status[positives] = 1
            table = full.assign(out=pd.array(status, dtype="Int8"), n=np.where(status == 1, 1, n_of),
                                n_outcome=status.astype(np.int64), cases="")
            table.loc[counterfactuals, "out"] = pd.NA
            result = qca.minimise(table, conditions, include="parsimonious", row_dominance=row_dominance,
                                  max_solutions=max_solutions)
            minimised[key] = result
        for solution, rows in result.solutions.groupby("solution", sort=True):
            entry = found.setdefault(frozenset(rows["term"]), [rows, result, solution, []])
            entry[3].append(str(number))
        if len(found) > max_solutions:
            raise InputError(
                f"more than {max_solutions} intermediate solutions (from {number} of the "
                f"{parsimonious.solutions['solution'].nunique()} parsimonious ones) fit the truth table, "
                "too many to report",
                fix="use fewer conditions, a higher incl_cut or pri_cut, or the complex solution")
    solutions, assumptions, primes = [], [], []
    for new, (rows, result, old, sources) in enumerate(found.values(), start=1):
        solutions.append(rows.assign(solution=new, from_parsimonious=";".join(sources)))
        sa = result.simplifying_assumptions
        assumptions.append(sa.loc[sa["solution"] == old].assign(solution=new))
        primes.append(result.prime_implicants)
    terms_of = {new: set(rows["term"]) for new, (rows, *_rest) in enumerate(found.values(), start=1)}
    prime_table = pd.concat(primes, ignore_index=True).drop_duplicates("term", ignore_index=True)
    prime_table["solutions"] = [";".join(str(s) for s, terms in terms_of.items() if t in terms)
                                for t in prime_table["term"]]
    return qca.Minimisation(pd.concat(solutions, ignore_index=True),
                            pd.concat(assumptions, ignore_index=True), prime_table)


def fuzzy_minimise(
    truth_table: pd.DataFrame,
    data: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    *,
    include: Literal["complex", "parsimonious", "intermediate"] = "complex",
    directional_expectations: Mapping[str, int] | None = None,
    row_dominance: bool = False,
    case: str | None = None,
    max_solutions: int = 100,
) -> qca.Minimisation:
    """Minimise a fuzzy truth table: complex, parsimonious or intermediate solution.

    Parameters
    ----------
    truth_table
        As returned by :func:`fuzzy_truth_table` (any table with the condition
        columns, ``out`` and ``n`` will do, e.g. a crisp :func:`qca.truth_table`).
    data
        The cases it was built from (memberships), for the parameters of fit.
    conditions
        The condition columns, in the order given to :func:`fuzzy_truth_table`.
    outcome
        The outcome given to :func:`fuzzy_truth_table` (``~`` for its absence).
    include
        ``"complex"`` (no remainders), ``"parsimonious"`` (any remainder that
        simplifies) or ``"intermediate"`` (only easy counterfactuals; needs
        ``directional_expectations``).
    directional_expectations
        ``{condition: 1}`` if its presence is expected to contribute to the
        outcome, ``{condition: 0}`` if its absence is; conditions left out have
        no expectation. Used only for the intermediate solution.
    row_dominance
        Drop dominated prime implicants before choosing covers (QCA's ``row.dom``).
    case
        Column of ``data`` with case names (default: the index).
    max_solutions
        Most equally minimal solutions; more is an :class:`~sparklearn.exceptions.InputError`.

    Returns
    -------
    sparklearn.analysis.qca.Minimisation
        ``solutions``: one row per term of each solution, columns
        :data:`SOLUTION_COLUMNS`: ``solution``, ``expression``, ``term``, the
        term's ``consistency``, ``pri``, ``raw_coverage``, ``unique_coverage``
        (within its solution), ``cases`` and ``deviant_cases`` (see
        :func:`sufficiency`), the whole solution's ``solution_consistency``,
        ``solution_pri`` and ``solution_coverage``, and ``from_parsimonious``
        (intermediate only: the parsimonious solutions it was derived from,
        ``";"``-joined; ``""`` otherwise).
        ``simplifying_assumptions``: the remainders each solution's terms cover
        (for the intermediate solution: the easy counterfactuals it uses),
        ``solution``, the condition columns, ``configuration`` and ``n``.
        ``prime_implicants``: every prime implicant (``term``,
        ``configurations``, ``solutions``, ``dominated``).

    Raises
    ------
    InputError
        If no configuration is positive or too many solutions are equally minimal.
    ParameterError
        If ``include`` is unknown or the directional expectations are not usable.

    Examples
    --------
    >>> cases = pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "B": [0.6, 0.3, 0.4, 0.9],
    ...                       "Y": [0.8, 0.9, 0.1, 0.4]}, index=["a", "b", "c", "d"])
    >>> tt = fuzzy_truth_table(cases, ["A", "B"], "Y", incl_cut=0.8)
    >>> fuzzy_minimise(tt, cases, ["A", "B"], "Y").solutions[["term", "consistency", "pri", "raw_coverage"]].round(3)
       term  consistency    pri  raw_coverage
    0  A*~B        0.929  0.889         0.591
    """
    conditions, _, _ = check_conditions(conditions, outcome)
    if include not in ("complex", "parsimonious", "intermediate"):
        raise ParameterError(f"include must be 'complex', 'parsimonious' or 'intermediate', not {include!r}")
    view = _boolean_view(truth_table, conditions)
    if include == "intermediate":
        expectations = check_expectations(directional_expectations, conditions)
        boolean = _intermediate(view, conditions, expectations, row_dominance, max_solutions)
    else:
        boolean = qca.minimise(view, conditions, include=include, row_dominance=row_dominance,
                               max_solutions=max_solutions)
        boolean = boolean._replace(solutions=boolean.solutions.assign(from_parsimonious=""))
    parts = []
    for _, rows in boolean.solutions.groupby("solution", sort=True):
        terms = sufficiency(data, list(rows["term"]), outcome, case=case)
        whole = sufficiency(data, [rows["expression"].iloc[0]], outcome, case=case).iloc[0]
        parts.append(rows[["solution", "expression", "term", "from_parsimonious"]].reset_index(drop=True).assign(
            **terms.drop(columns="expression"),
            solution_consistency=whole["consistency"], solution_pri=whole["pri"],
            solution_coverage=whole["raw_coverage"]))
    solutions = pd.concat(parts, ignore_index=True)[SOLUTION_COLUMNS]
    return boolean._replace(solutions=solutions)
