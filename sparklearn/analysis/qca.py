"""Crisp-set Qualitative Comparative Analysis (csQCA): calibration, truth table, minimisation.

Stage: analysis. The method alone: it takes a table of cases (one row each) with
0/1 condition columns and knows nothing of campaigns, codebooks or harvests
(:mod:`sparklearn.analysis.cases` calibrates the campaigns and calls it), so it can be
checked on its own against Ragin's published examples and the R package QCA.

Three steps, one function each, as in Ragin (1987) and Rihoux & De Meur (2009):

1. :func:`calibrate_crisp` / :func:`calibrate_crisp_columns` turn raw scores into
   crisp set memberships (0/1) with explicit thresholds;
2. :func:`truth_table` groups cases into configurations of conditions, with the
   number of cases, their consistency with the outcome and the outcome value;
3. :func:`minimise` reduces the positive configurations to the minimal sums of
   prime implicants, returning *every* equally minimal solution, as QCA software
   does when the evidence supports several models.

Notation follows the R package QCA: ``*`` is AND, ``+`` is OR, ``~`` is NOT, so
``DEV*~URB + STB`` reads "developed and not urban, or stable".

Why not a library: no well-kept Python package does QCA minimisation with all
minimal solutions and the bookkeeping of remainders (``quine-mccluskey`` and
``sympy.logic.SOPform`` return one minimal form; ``pyeda`` is a heuristic; the
QCA-specific packages on PyPI are young single-author projects). So the
Quine–McCluskey step is written here, bit-vectorised with numpy: every cube of
the Boolean space is an index of a ternary array (digit 0 = condition absent,
1 = present, 2 = either), so implicants and prime implicants are found for all
cubes at once. The prime-implicant chart is then solved exactly: essential
primes first, then the chart is split into parts that share no prime, and each
part is searched by branch and bound for all its minimum covers. That returns
the same solutions as Petrick's method without expanding its product of sums.
Sparse data with many conditions can give charts of hundreds of rows with
thousands of equally minimal covers; there scipy's HiGHS proves the minimum
and ``max_solutions`` stops the listing with an error rather than a hang
(see ``benchmarks/bench_qca.py``). The ternary array has ``3**k`` cells, hence
the limit of :data:`MAX_CONDITIONS` conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, islice, product
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns

#: Most conditions :func:`minimise` accepts: the ternary cube array takes ``3**k`` bytes.
MAX_CONDITIONS = 15


#: Columns :func:`truth_table` adds after the condition columns, in order.
TRUTH_TABLE_COLUMNS = ["out", "n", "n_outcome", "incl", "contradictory", "cases"]


#: Columns of :attr:`Minimisation.solutions`, in order.
SOLUTION_COLUMNS = [
    "solution", "expression", "term", "consistency", "raw_coverage", "unique_coverage",
    "cases", "solution_consistency", "solution_coverage",
]


_RESERVED = set(TRUTH_TABLE_COLUMNS) | {"configuration"}


class Minimisation(NamedTuple):
    """What :func:`minimise` returns: the solutions and the remainders they assume.

    Attributes
    ----------
    solutions
        One row per term of each minimal solution; see :data:`SOLUTION_COLUMNS`.
    simplifying_assumptions
        One row per remainder configuration a solution's terms cover (empty for
        the complex solution): ``solution``, the condition columns (0/1),
        ``configuration`` (e.g. ``"DEV*~URB*LIT*~IND*STB"``) and ``n`` (cases in
        it: 0 if unobserved, else fewer than the truth table's ``n_cut``).
    prime_implicants
        Every prime implicant of the chart, minimal or not (QCA's "PI chart"), so
        that a reader sees which terms compete when the solution is not unique:
        ``term``, ``configurations`` (the positive configurations it covers,
        ``";"``-joined), ``solutions`` (the solutions that use it, ``";"``-joined,
        ``""`` if none) and ``dominated`` (dropped by ``row_dominance``).
    """

    solutions: pd.DataFrame
    simplifying_assumptions: pd.DataFrame
    prime_implicants: pd.DataFrame


# --------------------------------------------------------------------------- input checks


def _user_rows(data: pd.DataFrame, positions: np.ndarray) -> list[int]:
    """Rows as the user's spreadsheet numbers them (header = row 1)."""
    if "source_row" in data.columns:
        return [int(r) for r in data["source_row"].to_numpy()[positions]]
    return [int(p) + 2 for p in positions]


def _source_file(data: pd.DataFrame) -> str | None:
    if "source_file" in data.columns and len(data):
        return str(data["source_file"].iloc[0])
    return None


def _as_crisp(data: pd.DataFrame, column: str) -> np.ndarray:
    """The column as 0/1 integers, or an InputError naming the first bad row."""
    values = data[column]
    if values.dtype == np.int64 or values.dtype == np.float64:
        # Plain numbers already (truth tables built here are): the same floats without
        # pd.to_numeric's round trip, run for every condition of every minimisation.
        numeric = values.to_numpy(dtype=np.float64, copy=True)
    else:
        numeric = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = np.flatnonzero(~np.isin(numeric, (0.0, 1.0)))
    if bad.size:
        rows = _user_rows(data, bad)
        raise InputError(
            f"crisp sets take only 0 or 1; {bad.size} row(s) hold something else, the first is row {rows[0]}",
            file=_source_file(data), row=rows[0], column=column, value=values.iloc[bad[0]],
            fix="recode the column as 0/1, or calibrate raw scores with calibrate_crisp()",
        )
    return numeric.astype(np.int64)


def _check_conditions(conditions: Sequence[str]) -> list[str]:
    conditions = list(conditions)
    if not conditions:
        raise ParameterError("give at least one condition")
    if len(set(conditions)) != len(conditions):
        raise ParameterError(f"conditions are listed twice: {conditions}")
    for name in conditions:
        if name in _RESERVED or any(c in str(name) for c in "*+~"):
            raise ParameterError(
                f"the condition name '{name}' cannot be used: rename the column so that it is not one of "
                f"{sorted(_RESERVED)} and has no '*', '+' or '~'"
            )
    return conditions


# --------------------------------------------------------------------------- calibration


def calibrate_crisp(data: pd.DataFrame, column: str, threshold: float, *, above: bool = True) -> pd.Series:
    """Crisp set membership (0/1) of each case from a raw score and a threshold.

    Parameters
    ----------
    data
        One row per case.
    column
        Raw numeric score.
    threshold
        With ``above=True`` a case is in the set (1) when its score is at least
        ``threshold``; with ``above=False`` when its score is below it.
    above
        Which side of the threshold is membership.

    Returns
    -------
    pandas.Series
        Integers 0/1, same index and name as ``data[column]``.

    Raises
    ------
    InputError
        If the column is missing or a score is not a number (names the row).

    Examples
    --------
    >>> cases = pd.DataFrame({"gdp": [400, 550, 1098], "cabinets": [12, 10, 5]})
    >>> calibrate_crisp(cases, "gdp", 550).tolist()
    [0, 1, 1]
    >>> calibrate_crisp(cases, "cabinets", 10, above=False).tolist()
    [0, 0, 1]
    """
    require_columns(data, [column], "score")
    if not np.isfinite(threshold):
        raise ParameterError(f"the threshold for '{column}' must be a finite number, not {threshold!r}")
    score = pd.to_numeric(data[column], errors="coerce").astype("float64")
    bad = np.flatnonzero(score.isna().to_numpy())
    if bad.size:
        rows = _user_rows(data, bad)
        raise InputError(
            f"a score must be a number; {bad.size} row(s) are empty or not numbers, the first is row {rows[0]}",
            file=_source_file(data), row=rows[0], column=column, value=data[column].iloc[bad[0]],
            fix="enter a number (use '.' for decimals), or leave the case out of the comparison explicitly",
        )
    member = score >= threshold if above else score < threshold
    return member.astype(np.int64).rename(data[column].name)


def calibrate_crisp_columns(
    data: pd.DataFrame, thresholds: Mapping[str, float], *, below: Iterable[str] = ()
) -> pd.DataFrame:
    """Calibrate several columns at once; the others are copied unchanged.

    Parameters
    ----------
    data
        One row per case (case names, raw scores, perhaps an outcome already 0/1).
    thresholds
        ``{column: threshold}``; see :func:`calibrate_crisp`.
    below
        Columns where *low* scores mean membership (``above=False``).

    Returns
    -------
    pandas.DataFrame
        A new table with the same columns as ``data``, those in ``thresholds``
        replaced by 0/1 integers.

    Examples
    --------
    >>> raw = pd.DataFrame({"case": ["AU", "BE"], "gdp": [720, 1098], "cabinets": [13, 5]})
    >>> calibrate_crisp_columns(raw, {"gdp": 550, "cabinets": 10}, below=["cabinets"])
      case  gdp  cabinets
    0   AU    1         0
    1   BE    1         1
    """
    below = set(below)
    unknown = below - set(thresholds)
    if unknown:
        raise ParameterError(f"'below' names columns without a threshold: {sorted(unknown)}")
    return data.assign(**{
        column: calibrate_crisp(data, column, threshold, above=column not in below)
        for column, threshold in thresholds.items()
    })


# --------------------------------------------------------------------------- truth table


def _term(care: int, value: int, conditions: Sequence[str]) -> str:
    """QCA notation of one cube, e.g. ``A*~B``; ``1`` for the whole space."""
    k = len(conditions)
    literals = [
        (name if value >> (k - 1 - i) & 1 else f"~{name}")
        for i, name in enumerate(conditions) if care >> (k - 1 - i) & 1
    ]
    return "*".join(literals) or "1"


def _bits(keys: np.ndarray, k: int) -> np.ndarray:
    """Configuration numbers to a (rows, k) 0/1 matrix; condition 0 is the top bit."""
    return (np.asarray(keys, dtype=np.int64)[:, None] >> np.arange(k - 1, -1, -1)) & 1


def truth_table(
    data: pd.DataFrame,
    conditions: Sequence[str],
    outcome: str,
    *,
    case: str | None = None,
    incl_cut: float = 0.8,
    n_cut: int = 1,
    complete: bool = False,
) -> pd.DataFrame:
    """Group cases into configurations of conditions: the crisp-set truth table.

    Parameters
    ----------
    data
        One row per case; conditions and outcome coded 0/1 (see :func:`calibrate_crisp`).
    conditions
        Condition columns, in the order they are to be shown.
    outcome
        Outcome column; prefix it with ``~`` to analyse the outcome's absence.
    case
        Column with case names (default: the index).
    incl_cut
        Least consistency for a configuration to count as positive (``out = 1``).
    n_cut
        Least number of cases for a configuration to be coded at all; rarer ones
        get ``out = <NA>`` and are minimised as remainders.
    complete
        Also list the remainders: configurations no case has (``n = 0``).

    Returns
    -------
    pandas.DataFrame
        One row per configuration, sorted by configuration (as a binary number
        read in the order of ``conditions``): the condition columns (0/1);
        ``out`` (Int8: 1 if ``incl >= incl_cut``, 0 if below, <NA> for remainders);
        ``n`` (cases); ``n_outcome`` (cases with the outcome); ``incl`` (consistency
        ``n_outcome / n``; NaN for remainders; for crisp sets PRI equals it);
        ``contradictory`` (cases both with and without the outcome, whatever
        ``out`` says) and ``cases`` (names, ``";"``-joined).

    Raises
    ------
    InputError
        If a column is missing or holds anything but 0/1 (names the row and the fix).

    Examples
    --------
    >>> cases = pd.DataFrame({"name": ["a", "b", "c", "d"], "A": [1, 1, 1, 0],
    ...                       "B": [1, 1, 0, 0], "Y": [1, 0, 1, 0]})
    >>> truth_table(cases, ["A", "B"], "Y", case="name", incl_cut=0.5)
       A  B  out  n  n_outcome  incl  contradictory cases
    0  0  0    0  1          0   0.0          False     d
    1  1  0    1  1          1   1.0          False     c
    2  1  1    1  2          1   0.5           True   a;b
    """
    conditions = _check_conditions(conditions)
    negate = outcome.startswith("~")
    outcome_column = outcome[1:] if negate else outcome
    if outcome_column in conditions:
        raise ParameterError(f"'{outcome_column}' is both a condition and the outcome")
    if not 0 < incl_cut <= 1:
        raise ParameterError(f"incl_cut must be in (0, 1], not {incl_cut!r}")
    if n_cut < 1:
        raise ParameterError(f"n_cut must be at least 1, not {n_cut!r}")
    require_columns(data, conditions, "condition")
    require_columns(data, [outcome_column], "outcome")
    if case is not None:
        require_columns(data, [case], "case")
    k = len(conditions)
    members = np.column_stack([_as_crisp(data, c) for c in conditions])
    y = _as_crisp(data, outcome_column)
    names = (data[case] if case is not None else data.index.to_series()).astype(str).to_numpy()
    grouped = pd.DataFrame({
        "key": members @ (1 << np.arange(k - 1, -1, -1)),
        "y": 1 - y if negate else y,
        "name": names,
    }).groupby("key", sort=True).agg(n=("y", "size"), n_outcome=("y", "sum"), cases=("name", ";".join))
    if complete:
        grouped = grouped.reindex(np.arange(2**k)).fillna({"n": 0, "n_outcome": 0, "cases": ""})
    n = grouped["n"].to_numpy(dtype=np.int64)
    n_outcome = grouped["n_outcome"].to_numpy(dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = n_outcome / n
    out = pd.array(np.where(incl >= incl_cut, 1, 0), dtype="Int8")
    out[n < n_cut] = pd.NA
    table = pd.DataFrame(_bits(grouped.index.to_numpy(), k), columns=conditions)
    return table.assign(
        out=out, n=n, n_outcome=n_outcome, incl=np.where(n > 0, incl, np.nan),
        contradictory=(n_outcome > 0) & (n_outcome < n), cases=grouped["cases"].to_numpy(),
    )


# --------------------------------------------------------------------------- minimisation


def _prime_implicants(allowed: np.ndarray, wanted: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Prime implicants of the configurations ``allowed`` that cover one ``wanted``.

    Both arguments are boolean arrays over the ``2**k`` configurations. Returns
    ``(care, value)`` bit masks of the primes, in ternary order.
    """
    shape = (3,) * k
    ok = np.zeros(shape, dtype=bool)
    has = np.zeros(shape, dtype=bool)
    ok[(slice(0, 2),) * k] = allowed.reshape((2,) * k)
    has[(slice(0, 2),) * k] = wanted.reshape((2,) * k)

    def along(axis: int, digit: int) -> tuple[slice | int, ...]:
        return (slice(None),) * axis + (digit,)

    # A cube free in one more condition is the union of its two halves: after
    # axis a, every cube whose free conditions are among 0..a is filled in.
    for axis in range(k):
        ok[along(axis, 2)] = ok[along(axis, 0)] & ok[along(axis, 1)]
        has[along(axis, 2)] = has[along(axis, 0)] | has[along(axis, 1)]
    # Prime = an implicant that no implicant one condition larger contains;
    # checking one-step parents suffices since implicants are closed under subcubes.
    covered_by_larger = np.zeros(shape, dtype=bool)
    for axis in range(k):
        for digit in (0, 1):
            covered_by_larger[along(axis, digit)] |= ok[along(axis, 2)]
    flat = np.flatnonzero(ok & has & ~covered_by_larger)
    digits = (flat[:, None] // 3 ** np.arange(k - 1, -1, -1)) % 3
    weights = 1 << np.arange(k - 1, -1, -1)
    return (digits != 2) @ weights, (digits == 1) @ weights


def _covers(care: np.ndarray, value: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Boolean (cubes, configurations) matrix: does each cube contain each configuration."""
    return (keys[None, :] & care[:, None]) == value[:, None]


def _bitsets(matrix: np.ndarray) -> list[int]:
    """Each row of a boolean matrix as a Python int whose bit j is column j."""
    packed = np.packbits(matrix, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _minimum_covers(chart: np.ndarray, limit: int) -> list[tuple[int, ...]]:
    """All covers of the chart's columns by the fewest rows (prime implicants).

    Essential primes are taken first; a configuration whose primes include all
    primes of another is dropped (covering the other covers it). Primes that are
    dominated are *kept*, because dropping them can lose equally minimal models.
    What is left splits into parts that share no prime; each part is solved
    exactly and the solutions are every combination of the parts' covers.
    At most ``limit + 1`` covers are returned: more than ``limit`` means "too many".
    """
    essential = np.unique(np.argmax(chart[:, chart.sum(axis=0) == 1], axis=0))
    todo = ~chart[essential].any(axis=0)
    sub = chart[:, todo].T.astype(np.float32)  # configurations x primes
    size = sub.sum(axis=1)
    shared = sub @ sub.T
    # Configuration j is implied by i when primes(i) <= primes(j); keep one of equal pairs.
    implied = (shared == size[:, None]) & ((size[:, None] < size[None, :]) | np.tri(len(size), k=-1, dtype=bool).T)
    rows = sub[~implied.any(axis=0)].astype(bool)
    n_rows = len(rows)
    links = sparse.csr_array(rows)
    _, part = connected_components(sparse.block_array([[None, links], [links.T, None]]), directed=False)
    per_part = []
    for label in np.unique(part[:n_rows]):
        primes = np.flatnonzero(part[n_rows:] == label)
        local = rows[np.ix_(part[:n_rows] == label, primes)]
        per_part.append([tuple(primes[list(cover)]) for cover in _exact_covers(local, limit)])
    combinations = islice(product(*per_part), limit + 1)
    return [tuple(sorted({*map(int, essential), *map(int, chain(*c))})) for c in combinations]


class _OverBudget(Exception):
    """The branch-and-bound search visited more nodes than it was allowed."""


def _exact_covers(
    rows: np.ndarray, limit: int, *, quick_budget: int = 5_000, proof_budget: int = 500_000
) -> list[tuple[int, ...]]:
    """All minimum covers of the ``rows`` (configurations) by columns (primes).

    A quick branch and bound solves the small charts that real comparisons give.
    When it needs more than ``quick_budget`` nodes, HiGHS (through scipy) proves the
    minimum and finds one cover; swapping one prime at a time then finds others
    cheaply, which settles the common hard case: "more than ``limit``". Only if
    swaps find ``limit`` or fewer does the search run again, bounded by the proved
    minimum (and at most ``proof_budget`` nodes), to be sure no cover is missed.
    """
    try:
        return _branch_and_bound(rows, limit, budget=quick_budget)
    except _OverBudget:
        pass
    minimum = milp(np.ones(rows.shape[1]), integrality=np.ones(rows.shape[1]), bounds=Bounds(0, 1),
                   constraints=LinearConstraint(rows.astype(np.float64), lb=1), options={"mip_rel_gap": 0})
    if not minimum.success:  # pragma: no cover - a feasible 0/1 cover always exists
        raise RuntimeError(f"HiGHS could not solve the prime-implicant chart: {minimum.message}")
    first = tuple(int(p) for p in np.flatnonzero(minimum.x > 0.5))
    seen, queue = {first}, [first]
    while queue and len(seen) <= limit:
        cover = queue.pop()
        count = rows[:, cover].sum(axis=1)
        for p in cover:
            alone = (count == 1) & rows[:, p]
            for q in np.flatnonzero(rows[alone].all(axis=0)):
                swapped = tuple(sorted({*cover, int(q)} - {p}))
                if len(swapped) == len(cover) and swapped not in seen:
                    seen.add(swapped)
                    queue.append(swapped)
    if len(seen) > limit:
        return sorted(seen)
    try:
        return _branch_and_bound(rows, limit, budget=proof_budget, best=len(first))
    except _OverBudget:
        raise InputError(
            f"a prime-implicant chart of {rows.shape[0]} configurations and {rows.shape[1]} prime implicants "
            "is too large to list every minimal solution", value=f"{len(seen)} minimal solutions found so far",
            fix="use fewer conditions or the complex solution",
        ) from None


def _branch_and_bound(rows: np.ndarray, limit: int, *, budget: int, best: int | None = None) -> list[tuple[int, ...]]:
    """Exact search for every minimum cover, given at most ``best`` primes if known.

    Branches on the configuration with fewest primes left, and forbids in later
    branches the primes tried earlier, so that each cover is found once. Past
    ``limit`` covers it only looks for smaller ones (which would reset the count).
    Raises :class:`_OverBudget` after ``budget`` nodes.
    """
    n_primes = rows.shape[1]
    primes_of, cover_of = _bitsets(rows), _bitsets(rows.T)
    widest = max(c.bit_count() for c in cover_of)
    bound = len(rows) if best is None else best
    found: list[tuple[int, ...]] = []
    nodes = 0

    def lower_bound(uncovered: int, forbidden: int) -> int:
        # Configurations with pairwise disjoint prime sets each need their own prime.
        used, count, rest = 0, 0, uncovered
        while rest:
            j = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            options = primes_of[j] & ~forbidden
            if not options:
                return n_primes + 1  # this configuration can no longer be covered
            if not options & used:
                used |= options
                count += 1
        return max(count, -(-uncovered.bit_count() // widest))

    def search(uncovered: int, chosen: tuple[int, ...], forbidden: int) -> None:
        nonlocal bound, nodes
        nodes += 1
        if nodes > budget:
            raise _OverBudget
        if not uncovered:
            if len(chosen) < bound:
                bound = len(chosen)
                found.clear()
            found.append(chosen)
            return
        slack = 0 if len(found) > limit else 1
        if len(chosen) + lower_bound(uncovered, forbidden) >= bound + slack:
            return
        rest, target, fewest = uncovered, 0, n_primes + 1
        while rest:
            j = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            count = (primes_of[j] & ~forbidden).bit_count()
            if count < fewest:
                target, fewest = j, count
        options = primes_of[target] & ~forbidden
        while options:
            p = (options & -options).bit_length() - 1
            options &= options - 1
            search(uncovered & ~cover_of[p], chosen + (p,), forbidden)
            forbidden |= 1 << p

    search((1 << len(rows)) - 1, (), 0)
    return found


def minimise(
    truth_table: pd.DataFrame,
    conditions: Sequence[str],
    *,
    include: Literal["complex", "parsimonious"] = "complex",
    row_dominance: bool = False,
    max_solutions: int = 100,
) -> Minimisation:
    """Boolean minimisation of a truth table's positive configurations.

    Parameters
    ----------
    truth_table
        As returned by :func:`truth_table` (with or without ``complete=True``).
    conditions
        The condition columns, in the order given to :func:`truth_table`.
    include
        ``"complex"`` (conservative): only the positive configurations are
        minimised; remainders are treated as negative. ``"parsimonious"``:
        remainders (unobserved configurations and those below ``n_cut``) may be
        used as "don't cares" wherever they simplify; each one used is a
        simplifying assumption, listed in the result.
    row_dominance
        Drop every prime implicant whose positive configurations another prime
        also covers before choosing covers (as QCA's ``row.dom``): fewer, but
        possibly not all, equally minimal solutions.
    max_solutions
        Most equally minimal solutions to return; more is an error, because so
        ambiguous a result cannot be reported (with few cases and many
        conditions, the parsimonious solution often is).

    Returns
    -------
    Minimisation
        ``solutions``: one row per term of each minimal solution, with columns
        ``solution`` (1, 2, ...; several when the prime-implicant chart has more
        than one cover with the fewest terms), ``expression`` (the whole
        solution, e.g. ``"A*C + B*~C"``), ``term`` (``"1"`` if the outcome
        needs no condition at all), ``consistency``
        (|X∩Y|/|X| for the cases X in the term and Y with the outcome),
        ``raw_coverage`` (|X∩Y|/|Y|), ``unique_coverage`` (share of Y covered by
        this term and no other term of the same solution), ``cases`` (the cases
        in the configurations the term covers, ``";"``-joined), and
        ``solution_consistency`` and ``solution_coverage`` (the same formulas for
        the union of the solution's terms).
        ``simplifying_assumptions`` and ``prime_implicants``: see :class:`Minimisation`.

    Raises
    ------
    InputError
        If no configuration is positive, the table is not a truth table, or more
        than ``max_solutions`` solutions are equally minimal.

    Examples
    --------
    Ragin's (1987, ch. 6) hypothetical strikes: A booming market, B threat of
    sympathy strikes, C large strike fund; success S = AC + Bc.

    >>> strikes = pd.DataFrame({"A": [1, 0, 1, 1, 1, 0, 0, 0], "B": [0, 1, 1, 1, 0, 0, 1, 0],
    ...                         "C": [1, 0, 0, 1, 0, 1, 1, 0], "S": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> tt = truth_table(strikes, ["A", "B", "C"], "S")
    >>> minimise(tt, ["A", "B", "C"]).solutions[["expression", "term", "raw_coverage"]]
        expression   term  raw_coverage
    0  A*C + B*~C    A*C           0.5
    1  A*C + B*~C   B*~C           0.5
    """
    conditions = _check_conditions(conditions)
    if include not in ("complex", "parsimonious"):
        raise ParameterError(f"include must be 'complex' or 'parsimonious', not {include!r}")
    if max_solutions < 1:
        raise ParameterError(f"max_solutions must be at least 1, not {max_solutions!r}")
    k = len(conditions)
    if k > MAX_CONDITIONS:
        raise ParameterError(
            f"{k} conditions is more than the {MAX_CONDITIONS} this minimisation handles; "
            "fewer conditions also make the comparison more robust with few cases"
        )
    require_columns(truth_table, [*conditions, "out", "n", "n_outcome", "cases"], "truth table")
    keys = np.column_stack([_as_crisp(truth_table, c) for c in conditions]) @ (1 << np.arange(k - 1, -1, -1))
    repeated = pd.Index(keys).duplicated()
    if repeated.any():
        raise InputError(
            "the truth table lists a configuration twice", row=_user_rows(truth_table, np.flatnonzero(repeated))[0],
            value=_term((1 << k) - 1, int(keys[repeated][0]), conditions),
            fix="pass the same conditions, in the same order, as to truth_table()",
        )
    out = pd.array(truth_table["out"], dtype="Int8")
    positive = keys[(out == 1).fillna(False).to_numpy(dtype=bool)]
    negative = keys[(out == 0).fillna(False).to_numpy(dtype=bool)]
    if positive.size == 0:
        raise InputError(
            "no configuration is positive (out = 1), so there is nothing to minimise",
            column="out", fix="check the outcome's coding, lower incl_cut or n_cut in truth_table(), "
            "or analyse the outcome's absence with outcome='~NAME'",
        )
    is_positive = np.zeros(2**k, dtype=bool)
    is_positive[positive] = True
    allowed = is_positive.copy()
    if include == "parsimonious":
        allowed[:] = True
        allowed[negative] = False
    care, value = _prime_implicants(allowed, is_positive, k)
    # Order primes as QCA software prints them: fewer literals first, then by condition.
    order = np.lexsort((value, -care, np.bitwise_count(care.astype(np.uint64))))
    care, value = care[order], value[order]
    chart = _covers(care, value, positive)
    dominated = _dominated(chart) if row_dominance else np.zeros(len(chart), dtype=bool)
    kept = np.flatnonzero(~dominated)
    covers = [tuple(int(p) for p in kept[list(c)]) for c in _minimum_covers(chart[kept], max_solutions)]
    if len(covers) > max_solutions:
        raise InputError(
            f"more than {max_solutions} {include} solutions with {len(covers[0])} terms each fit the truth table "
            "equally well, too many to report",
            fix="use fewer conditions or the complex solution, or raise max_solutions to list them all",
        )

    observed = truth_table["n"].to_numpy(dtype=np.int64) > 0
    in_term = _covers(care, value, keys[observed])
    n_rows = truth_table["n"].to_numpy(dtype=np.int64)[observed]
    y_rows = truth_table["n_outcome"].to_numpy(dtype=np.int64)[observed]
    case_rows = truth_table["cases"].astype(str).to_numpy()[observed]
    n_y = y_rows.sum()
    covers.sort()
    records, assumptions = [], []
    for number, cover in enumerate(covers, start=1):
        terms = in_term[list(cover)]
        union = terms.any(axis=0)
        only = terms & (terms.sum(axis=0) == 1)
        names = [_term(int(care[p]), int(value[p]), conditions) for p in cover]
        records.append(pd.DataFrame({
            "solution": number,
            "expression": " + ".join(names),
            "term": names,
            "consistency": terms @ y_rows / (terms @ n_rows),
            "raw_coverage": terms @ y_rows / n_y,
            "unique_coverage": only @ y_rows / n_y,
            "cases": [";".join(case_rows[t]) for t in terms],
            "solution_consistency": y_rows[union].sum() / n_rows[union].sum(),
            "solution_coverage": y_rows[union].sum() / n_y,
        }))
        if include == "parsimonious":
            used = np.flatnonzero(_covers(care[list(cover)], value[list(cover)], np.arange(2**k)).any(axis=0)
                                  & ~is_positive)
            assumptions.append(pd.DataFrame({"solution": number, "key": used}))
    solutions = pd.concat(records, ignore_index=True)[SOLUTION_COLUMNS]
    primes = pd.DataFrame({
        "term": [_term(int(c), int(v), conditions) for c, v in zip(care, value)],
        "configurations": [";".join(_term((1 << k) - 1, int(key), conditions) for key in positive[row])
                           for row in chart],
        "solutions": [";".join(str(n) for n, cover in enumerate(covers, start=1) if p in cover)
                      for p in range(len(care))],
        "dominated": dominated,
    })
    return Minimisation(solutions, _assumptions_frame(assumptions, truth_table, keys, conditions), primes)


def _dominated(chart: np.ndarray) -> np.ndarray:
    """Primes whose covered configurations another prime also covers (of two equal, the later one)."""
    rows = chart.astype(np.float32)
    size = rows.sum(axis=1)
    inside = (rows @ rows.T) == size[:, None]  # inside[i, j]: prime i's columns are among prime j's
    larger = (size[None, :] > size[:, None]) | np.tri(len(size), k=-1, dtype=bool)
    return (inside & larger).any(axis=1)


def _assumptions_frame(
    parts: list[pd.DataFrame], truth_table: pd.DataFrame, keys: np.ndarray, conditions: list[str]
) -> pd.DataFrame:
    k = len(conditions)
    used = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"solution": [], "key": []}, dtype=np.int64)
    cases_in = pd.Series(truth_table["n"].to_numpy(dtype=np.int64), index=keys)
    return pd.concat([
        used[["solution"]],
        pd.DataFrame(_bits(used["key"].to_numpy(), k), columns=conditions),
        pd.DataFrame({
            "configuration": [_term((1 << k) - 1, int(key), conditions) for key in used["key"]],
            "n": cases_in.reindex(used["key"].to_numpy(), fill_value=0).to_numpy(),
        }),
    ], axis=1)
