"""Fuzzy sets for QCA: direct calibration and membership in Boolean expressions.

Stage: analysis. The shared ground of fuzzy-set QCA (:mod:`~sparklearn.analysis.fuzzy_qca`),
the analysis of necessity (:mod:`~sparklearn.analysis.necessity`) and the robustness
tests (:mod:`~sparklearn.analysis.robustness`): tables of cases in, memberships out,
nothing about campaigns.

- :func:`calibrate_fuzzy` / :func:`calibrate_fuzzy_columns`: Ragin's (2008, ch. 5)
  *direct method*. Three qualitative anchors (full non-membership, the crossover,
  full membership) are mapped to log-odds of membership through a linear scaling
  on each side of the crossover, so that the anchors land on 0.05, 0.5 and 0.95
  (``full_membership=0.95``, as the R package QCA's ``calibrate(idm = 0.95)``;
  Ragin's tables use 0.953, i.e. log-odds of 3). Anchors in decreasing order
  calibrate a set whose membership falls as the raw score rises (many cabinets:
  *not* a stable government).
- :func:`set_membership`: membership of every case in a sum of products such as
  ``"A*~B + C"`` (fuzzy AND is the minimum, OR the maximum, NOT is 1 - x), in the
  notation of :mod:`~sparklearn.analysis.qca`.

A case scored exactly at the crossover gets 0.5: it is neither more in nor more
out of the set and sits on no corner of the truth table; choose anchors so that
no case sits on it (Ragin 2008, p. 90).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns


class Anchors(NamedTuple):
    """The three qualitative anchors of a direct calibration, in raw-score units."""

    full_non_membership: float
    crossover: float
    full_membership: float

    def __str__(self) -> str:
        return f"{self.full_non_membership:g}/{self.crossover:g}/{self.full_membership:g}"


def _where(data: pd.DataFrame, position: int) -> tuple[str | None, int]:
    """File and row of a case as the user's spreadsheet numbers it (header = row 1)."""
    file = str(data["source_file"].iloc[position]) if "source_file" in data.columns else None
    row = int(data["source_row"].iloc[position]) if "source_row" in data.columns else position + 2
    return file, row


def numeric_scores(data: pd.DataFrame, column: str, what: str = "raw score") -> np.ndarray:
    """The column as floats, or an :class:`InputError` naming the first row that is not a number.

    Examples
    --------
    >>> numeric_scores(pd.DataFrame({"gdp": ["720", 1098]}), "gdp").tolist()
    [720.0, 1098.0]
    """
    require_columns(data, [column], what)
    given = data[column]
    if given.dtype == np.float64 or given.dtype == np.int64:
        # Plain numbers already (calibrated memberships, 0/1 crisp sets): the same floats without
        # pd.to_numeric's round trip, run for every set of every term in a QCA robustness grid.
        values = given.to_numpy(dtype=np.float64, copy=True)
    else:
        values = pd.to_numeric(given, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        file, row = _where(data, int(bad[0]))
        raise InputError(
            f"a {what} must be a number; {bad.size} row(s) are empty or not numbers, the first is row {row}",
            file=file, row=row, column=column, value=data[column].iloc[bad[0]],
            fix="enter a number (use '.' for decimals), or leave the case out of the comparison explicitly",
        )
    return values


def memberships(data: pd.DataFrame, column: str) -> np.ndarray:
    """Fuzzy memberships of a column as floats in [0, 1], or an :class:`InputError` naming the first bad row.

    Examples
    --------
    >>> memberships(pd.DataFrame({"DEV": [0.81, 1, 0]}), "DEV").tolist()
    [0.81, 1.0, 0.0]
    """
    values = numeric_scores(data, column, "set membership")
    bad = np.flatnonzero((values < 0) | (values > 1))
    if bad.size:
        file, row = _where(data, int(bad[0]))
        raise InputError(
            f"set memberships lie between 0 and 1; {bad.size} row(s) do not, the first is row {row}",
            file=file, row=row, column=column, value=data[column].iloc[bad[0]],
            fix="calibrate raw scores first with calibrate_fuzzy()",
        )
    return values


def check_anchors(anchors: Sequence[float], column: str = "") -> Anchors:
    """Three finite anchors, strictly increasing or strictly decreasing, as :class:`Anchors`.

    Examples
    --------
    >>> check_anchors((300, 600, 800))
    Anchors(full_non_membership=300.0, crossover=600.0, full_membership=800.0)
    >>> check_anchors((10, 5, 12), "cabinets")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.ParameterError: the anchors for 'cabinets' must run ...
    """
    where = f" for '{column}'" if column else ""
    values = tuple(anchors)
    if len(values) != 3:
        raise ParameterError(f"give three anchors{where} (full non-membership, crossover, full membership), "
                             f"not {len(values)}: {values!r}")
    try:
        e, c, i = (float(v) for v in values)
    except (TypeError, ValueError):
        raise ParameterError(f"the anchors{where} must be numbers, not {values!r}") from None
    if not np.isfinite([e, c, i]).all():
        raise ParameterError(f"the anchors{where} must be finite numbers, not {values!r}")
    if not (e < c < i or e > c > i):
        raise ParameterError(
            f"the anchors{where} must run in one direction: full non-membership, crossover, full membership "
            f"either all increasing or all decreasing, with no two equal; got {e:g}, {c:g}, {i:g}"
        )
    return Anchors(e, c, i)


def calibrate_fuzzy(
    data: pd.DataFrame,
    column: str,
    anchors: Sequence[float],
    *,
    full_membership: float = 0.95,
) -> pd.Series:
    """Fuzzy membership of each case from a raw score: Ragin's direct method.

    Parameters
    ----------
    data
        One row per case.
    column
        Raw numeric score.
    anchors
        ``(full non-membership, crossover, full membership)`` in raw units.
        Increasing anchors: more is more in the set; decreasing: more is less.
    full_membership
        Membership given to a case at the full-membership anchor (and
        ``1 - full_membership`` at full non-membership); between 0.5 and 1.

    Returns
    -------
    pandas.Series
        Memberships in (0, 1), same index and name as ``data[column]``: the
        logistic of ``log(full_membership / (1 - full_membership))`` times the
        distance from the crossover, scaled by the distance from the crossover
        to the anchor on the score's side.

    Raises
    ------
    ParameterError
        If the anchors are not three numbers running in one direction, or
        ``full_membership`` is not between 0.5 and 1.
    InputError
        If the column is missing or a score is not a number (names the row).

    Examples
    --------
    GDP per capita of three of Lipset's inter-war countries, anchors 300/600/800 USD:

    >>> gdp = pd.DataFrame({"DEV": [720, 586, 1098]})
    >>> calibrate_fuzzy(gdp, "DEV", (300, 600, 800)).round(2).tolist()
    [0.85, 0.47, 1.0]
    >>> cabinets = pd.DataFrame({"STB": [5, 10, 25]})
    >>> calibrate_fuzzy(cabinets, "STB", (20, 10, 5)).round(2).tolist()
    [0.95, 0.5, 0.01]
    """
    e, c, i = check_anchors(anchors, column)
    if not 0.5 < full_membership < 1:
        raise ParameterError(f"full_membership must lie between 0.5 and 1, not {full_membership!r}")
    x = numeric_scores(data, column)
    # Distance from the crossover in units of "crossover to the anchor on this side":
    # +1 at full membership, -1 at full non-membership, whichever way the anchors run.
    towards_member = (x - c) * (i - c) >= 0
    distance = np.where(towards_member, (x - c) / (i - c), (x - c) / (c - e))
    log_odds = distance * np.log(full_membership / (1 - full_membership))
    return pd.Series(1 / (1 + np.exp(-log_odds)), index=data.index, name=data[column].name)


def calibrate_fuzzy_columns(
    data: pd.DataFrame, anchors: Mapping[str, Sequence[float]], *, full_membership: float = 0.95
) -> pd.DataFrame:
    """Calibrate several columns at once; the others are copied unchanged.

    Parameters
    ----------
    data
        One row per case.
    anchors
        ``{column: (full non-membership, crossover, full membership)}``; see
        :func:`calibrate_fuzzy`.
    full_membership
        As in :func:`calibrate_fuzzy`.

    Returns
    -------
    pandas.DataFrame
        A new table with the same columns, those in ``anchors`` replaced by memberships.

    Examples
    --------
    >>> raw = pd.DataFrame({"case": ["AU", "BE"], "DEV": [720, 1098], "STB": [13, 5]})
    >>> calibrate_fuzzy_columns(raw, {"DEV": (300, 600, 800), "STB": (20, 10, 5)}).round(2)
      case   DEV   STB
    0   AU  0.85  0.29
    1   BE  1.00  0.95
    """
    return data.assign(**{
        column: calibrate_fuzzy(data, column, triple, full_membership=full_membership)
        for column, triple in anchors.items()
    })


def _literals(term: str, conditions: Sequence[str] | None) -> list[tuple[str, bool]]:
    """``"A*~B"`` -> ``[("A", False), ("B", True)]``; ``"1"`` (the whole space) -> ``[]``."""
    if term == "1":
        return []
    literals = []
    for literal in term.split("*"):
        literal = literal.strip()
        negated = literal.startswith("~")
        name = literal[1:].strip() if negated else literal
        if not name or any(ch in name for ch in "~+*") or (conditions is not None and name not in conditions):
            raise ParameterError(
                f"'{literal}' in '{term}' is not a condition" + (f"; the conditions are {list(conditions)}"
                                                                   if conditions is not None else "")
                + "; write terms as e.g. 'A*~B + C'")
        literals.append((name, negated))
    return literals


def set_membership(data: pd.DataFrame, expression: str, *, conditions: Sequence[str] | None = None) -> pd.Series:
    """Membership of each case in a sum of products, e.g. ``"DEV*~URB + STB"``.

    Parameters
    ----------
    data
        One row per case; the columns named in ``expression`` hold memberships in [0, 1].
    expression
        Terms joined by ``+`` (OR: maximum), literals joined by ``*`` (AND: minimum),
        ``~`` for negation (1 - x); ``"1"`` is the whole space.
    conditions
        If given, the names the expression may use.

    Returns
    -------
    pandas.Series
        Memberships in [0, 1], indexed like ``data`` and named ``expression``.

    Examples
    --------
    >>> cases = pd.DataFrame({"A": [0.9, 0.3], "B": [0.2, 0.6], "C": [0.1, 0.7]})
    >>> set_membership(cases, "A*~B + C").tolist()
    [0.8, 0.7]
    """
    terms = [t.strip() for t in expression.split("+")]
    if not all(terms):
        raise ParameterError(f"the expression '{expression}' has an empty term")
    parsed = [_literals(term, conditions) for term in terms]
    names = sorted({name for literals in parsed for name, _ in literals})
    require_columns(data, names, "set membership")
    values = {name: memberships(data, name) for name in names}
    total = np.zeros(len(data))
    for literals in parsed:
        term = np.ones(len(data))
        for name, negated in literals:
            term = np.minimum(term, 1 - values[name] if negated else values[name])
        total = np.maximum(total, term)
    return pd.Series(total, index=data.index, name=expression)
