"""Krippendorff's alpha at every level of measurement, with Hayes and Krippendorff's bootstrap.

Analysis stage: a tidy ratings table (one row per unit, coder and value) in, tidy tables
out. :func:`krippendorff_alpha` gives alpha for nominal, ordinal, interval or ratio data
with a bootstrap confidence interval and the probability that alpha is below the minimum
a study needs; :func:`unit_agreement` says, unit by unit, how far the coders agree.
Typical data: outcome significance or substantiation rated by two harvesters (ordinal,
with the order of the categories given). Coder agreement on coded sessions is
:func:`sparklearn.analysis.agreement.agreement`, which uses this module for alpha.

Decisions (read these before quoting a number)
----------------------------------------------
**Alpha** itself is the ``krippendorff`` package's, at the chosen
``level_of_measurement``. **Missing** is any form a spreadsheet gives: an empty or blank
cell, ``NA``, ``N/A``, ``n/a``, ``#N/A``, ``nan``, ``-`` (and the dashes ``–``, ``—``
that spreadsheets autocorrect it to), None, NaN, pd.NA (:data:`MISSING_MARKERS`, any
case). A missing value is never a category: counting empty cells as a category turns
alpha 0.444 into 0.263 in the test's four-unit example.

**Too few units.** Below :data:`MIN_UNITS` (10) units rated by two or more coders the
coefficients are still computed, but flagged ``too_few_units`` with a note, and reader
text (:func:`sparklearn.report.words.describe_agreement`) says so instead of giving a
figure. Ten is a floor, not enough: one unit then moves alpha by a tenth or more, and
Krippendorff (2004, *Content Analysis*, 2nd ed., section 11.4.2; after Bloch and
Kraemer 1989) asks for far more: dozens of units even for two equally frequent values,
and more as the rarest category gets rarer or the minimum alpha higher (the ATLAS.ti
manual reproduces his table: 81 units for four equally frequent values, alpha_min
0.667, p = 0.05). Whether there are enough shows in the width of the interval.

**Bootstrap** (Hayes and Krippendorff 2007, the KALPHA macro; Krippendorff's "Algorithm
for bootstrapping a distribution of alpha", 2006, revised 2011). The expected
disagreement D_e stays that of the data; each resample draws M pairs of values, with
replacement, from the pairs of values within units, a pair in a unit with m_u values
weighted 1/(m_u - 1) as it is in the coincidence matrix ("weighted by how many
observers judged a given unit"). That is the same as drawing cells of the coincidence
matrix with probability o_ck / n..; the resample's alpha is 1 - D_o* / D_e, with D_o*
the mean metric difference of the drawn pairs. M is the number of pairs in the data,
sum of m_u (m_u - 1) / 2 (239 in Hayes and Krippendorff's example; with two coders, the
number of units). As in the macro, an alpha below -1 counts as -1, and a resample in
which every pair is an agreement on one and the same value (no variation: alpha 0/0)
counts as 0. The interval is the percentile interval of the resampled alphas; q is the
share of them below a minimum (the macro's "probability of failure to achieve an alpha
of at least alphamin").

Where this differs from the macro: (1) the M draws are taken as one multinomial count
over the coincidence cells, which is the same distribution without drawing pairs one by
one; (2) Krippendorff's revised algorithm caps M at 25 times the number of non-empty
coincidence cells, a limit on computing time that for a binary code over thousands of
segments would cap M at 100 and widen the interval; we do not cap M (Hayes and
Krippendorff 2007 draw all 239); (3) the algorithm estimates how many of the resamples
with alpha = 1 had no variation (X times the sum of p_cc^M) and sets that many to 0;
we see in each resample's counts whether it had, and set exactly those.
The default seed (:data:`BOOTSTRAP_SEED`) makes the same data give the same interval.

The bootstrap needs the parts alpha is made of (coincidences, the metric differences,
D_o and D_e), which the ``krippendorff`` package keeps private, so :func:`_parts`
computes them from Krippendorff's (2011) definitions; a test checks that they give the
package's alpha at every level. The ordinal metric is the interval metric on each
value's mid-rank among the pairable values (sum of n_g below c, plus n_c / 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import krippendorff
import numpy as np
import pandas as pd

from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns

#: Levels of measurement (Stevens), as the ``krippendorff`` package names them.
Level = Literal["nominal", "ordinal", "interval", "ratio"]

LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: Krippendorff's (2004) thresholds for alpha: tentative conclusions, reliable data.
ALPHA_TENTATIVE = 0.667

ALPHA_RELIABLE = 0.800

#: Fewer units rated by two or more coders than this: coefficients flagged ``too_few_units``.
MIN_UNITS = 10

#: Resamples for the bootstrap (Hayes and Krippendorff's example drew 10,000).
N_BOOT = 10_000

#: Default seed: the same data give the same interval (pass None for a fresh one).
BOOTSTRAP_SEED = 2007

#: Default level of the confidence interval.
CONFIDENCE = 0.95

#: Text that means "no value" in a spreadsheet cell, compared stripped and case-folded.
MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a", "nan", "-", "\u2013", "\u2014"})

#: Columns of :func:`krippendorff_alpha` (then one ``q_below_<minimum>`` per minimum, before too_few_units).
ALPHA_COLUMNS = [
    "level", "n_units", "n_coders", "n_values", "n_pairs", "alpha", "observed_disagreement",
    "expected_disagreement", "ci_low", "ci_high", "confidence", "n_boot", "too_few_units", "note",
]

#: Columns of :func:`unit_agreement`.
UNIT_AGREEMENT_COLUMNS = ["unit", "n_values", "values", "n_pairs", "n_agreeing_pairs", "percent_agreement"]


def q_column(minimum: float) -> str:
    """The column holding the probability that alpha is below ``minimum``.

    Examples
    --------
    >>> q_column(0.667), q_column(0.8)
    ('q_below_0.667', 'q_below_0.800')
    """
    return f"q_below_{minimum:.3f}"


# --------------------------------------------------------------------------- values


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct numbers, sorted: :func:`numpy.unique` without sorting millions of repeats."""
    return np.sort(pd.unique(np.asarray(values, dtype=float).ravel()))


def is_missing(values) -> np.ndarray:
    """True where a value is missing in any form a spreadsheet gives (see :data:`MISSING_MARKERS`).

    Examples
    --------
    >>> is_missing(["fully", "", "  ", "N/A", "#N/A", "-", None, float("nan"), pd.NA, 0]).tolist()
    [False, True, True, True, True, True, True, True, True, False]
    """
    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return np.isnan(array) if array.dtype.kind == "f" else np.zeros(array.shape, dtype=bool)
    # Ids and categories repeat: look at each distinct value once (a million codings, a few thousand values).
    codes, uniques = pd.factorize(array.ravel(), use_na_sentinel=True)
    marker = np.array([isinstance(v, str) and v.strip().casefold() in MISSING_MARKERS for v in uniques]
                      + [True], dtype=bool)
    return marker[codes].reshape(array.shape)


def _key(value):
    """One spelling per value: text stripped, numbers (and text that reads as one) as float."""
    if isinstance(value, str):
        value = value.strip()
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return str(value)


@dataclass(frozen=True)
class Encoded:
    """Values as the numbers the ``krippendorff`` package reads.

    ``codes`` has the shape of the values, NaN where missing; ``domain`` is every value
    a code can take, in order; ``labels`` maps a code to the value it stands for.
    """

    codes: np.ndarray
    domain: np.ndarray
    labels: dict


def encode(values, level: Level = "nominal", order: Sequence | None = None, *,
           where: Callable[[int], dict] | None = None) -> Encoded:
    """Turn ratings into numbers: categories by their place in ``order``, numbers as they are.

    Parameters
    ----------
    values
        Ratings of any shape: text, numbers, or both; missing in any spreadsheet form.
    level
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    order
        The categories, lowest first (ordinal) or simply all of them (nominal: they make
        the category count of Bennett's S). Required for ordinal text; not allowed for
        interval or ratio data, which must be numbers.
    where
        Flat position -> ``{"row": ..., "column": ...}`` for error messages.

    Returns
    -------
    Encoded

    Raises
    ------
    InputError
        A value outside ``order``, or not a number for interval or ratio data, or a
        negative number for ratio data; the message names where it is.
    ParameterError
        Unknown level, ordinal text without ``order``, ``order`` with repeats or for
        interval or ratio data.

    Examples
    --------
    >>> e = encode([["not-yet", "fully"], ["", "partially"]], "ordinal",
    ...            order=["not-yet", "partially", "fully"])
    >>> e.codes.tolist(), e.domain.tolist()
    ([[0.0, 2.0], [nan, 1.0]], [0.0, 1.0, 2.0])
    """
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        array = array.astype(object)
    flat = array.ravel()
    present = ~is_missing(flat)
    codes = np.full(flat.shape, np.nan)

    def bad(position: int, message: str, fix: str) -> InputError:
        return InputError(message, value=flat[position], fix=fix, **(where(position) if where else {}))

    if order is not None and level in ("interval", "ratio"):
        raise ParameterError(f"order is for nominal or ordinal data; {level} data must be numbers. "
                             f"Fix: drop order, or use level='ordinal'")
    if flat.dtype.kind in "biuf" and order is None:
        # Numbers need no spelling rules: skip the loop over every value (a million codings).
        codes[present] = flat[present]
    else:
        keys = np.array([_key(v) if p else None for v, p in zip(flat, present)], dtype=object)
        numeric = np.array([isinstance(k, float) for k in keys], dtype=bool)
        if order is not None:
            order_keys = [_key(o) for o in order]
            if len(set(order_keys)) != len(order_keys):
                raise ParameterError(f"order lists a category twice: {list(order)!r}. Fix: name each category once")
            place = {k: i for i, k in enumerate(order_keys)}
            for i in np.flatnonzero(present):
                if keys[i] not in place:
                    raise bad(i, "a rating that is not one of the categories in order",
                              f"correct it to one of {', '.join(map(str, order))}, or add it to order")
                codes[i] = place[keys[i]]
            return Encoded(codes.reshape(array.shape), np.arange(len(order_keys), dtype=float),
                           {float(i): str(o) for i, o in enumerate(order)})
        if level == "nominal" and not numeric[present].all():
            names = np.array([k if isinstance(k, str) else f"{k:g}" for k in keys[present]], dtype=object)
            categories = sorted(set(names))
            codes[present] = np.searchsorted(np.array(categories, dtype=object), names)
            return Encoded(codes.reshape(array.shape), np.arange(len(categories), dtype=float),
                           {float(i): c for i, c in enumerate(categories)})
        text = np.flatnonzero(present & ~numeric)
        if len(text) and level == "ordinal":
            raise ParameterError(f"ordinal ratings given as text (such as {flat[text[0]]!r}) need their order. "
                                 f"Fix: pass order=[...] with the categories, lowest first")
        if len(text):
            raise bad(text[0], f"a rating that is not a number, which {level} data must be",
                      "write the number, leave the cell empty if there is none, or use level='nominal'/'ordinal'")
        codes[present] = keys[present].astype(float)
    negative = np.flatnonzero(present & (np.nan_to_num(codes) < 0))
    if level == "ratio" and len(negative):
        raise bad(int(negative[0]), "a negative rating, which ratio data cannot have (zero means none)",
                  "correct the value, or use level='interval'")
    domain = distinct(codes[present])
    return Encoded(codes.reshape(array.shape), domain, {float(v): f"{v:g}" for v in domain})


# --------------------------------------------------------------------------- alpha and its parts


@dataclass(frozen=True)
class _Parts:
    """What alpha is made of (Krippendorff 2011): coincidences, metric differences, D_o, D_e."""

    coincidences: np.ndarray
    delta2: np.ndarray
    n_values: int
    n_pairs: int
    observed: float
    expected: float


def value_counts(codes: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Units x values: how many coders gave each value to each unit (the ``krippendorff`` package's input)."""
    return np.stack([(codes == value).sum(axis=1) for value in domain], axis=1)


def _parts(counts: np.ndarray, domain: np.ndarray, level: Level) -> _Parts:
    """Coincidence matrix, metric differences and disagreements from pairable units' value counts."""
    counts = counts.astype(float)
    m_u = counts.sum(axis=1)
    weight = 1.0 / (m_u - 1.0)
    o = (counts * weight[:, None]).T @ counts - np.diag((counts * weight[:, None]).sum(axis=0))
    n_c = o.sum(axis=0)
    n = float(n_c.sum())
    if level == "nominal":
        delta2 = 1.0 - np.eye(len(domain))
    elif level == "ratio":
        total = domain[:, None] + domain[None, :]
        delta2 = np.divide((domain[:, None] - domain[None, :]) ** 2, total ** 2,
                           out=np.zeros((len(domain), len(domain))), where=total != 0)
    else:
        # Ordinal: the interval metric on mid-ranks, so only how often values are used counts.
        x = np.cumsum(n_c) - n_c / 2.0 if level == "ordinal" else domain
        delta2 = (x[:, None] - x[None, :]) ** 2
    observed = float((o * delta2).sum() / n)
    expected = float(n_c @ delta2 @ n_c / (n * (n - 1.0)))
    return _Parts(o, delta2, int(n), int((m_u * (m_u - 1) / 2).sum()), observed, expected)


def _bootstrap(parts: _Parts, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Hayes and Krippendorff's resampled alphas (see the module docstring)."""
    rows, cols = np.triu_indices(len(parts.delta2))
    # An unordered pair of different values fills two cells of the coincidence matrix.
    p = parts.coincidences[rows, cols] * np.where(rows == cols, 1.0, 2.0) / parts.n_values
    keep = p > 0
    p, delta2, diagonal = p[keep] / p[keep].sum(), parts.delta2[rows, cols][keep], (rows == cols)[keep]
    drawn = rng.multinomial(parts.n_pairs, p, size=n_boot)
    alphas = np.maximum(1.0 - (drawn @ delta2) / parts.n_pairs / parts.expected, -1.0)
    # Every pair an agreement on one value: no variation, alpha 0/0, which the macro counts as 0.
    alphas[(drawn[:, diagonal] == parts.n_pairs).any(axis=1)] = 0.0
    return alphas


def alpha_summary(codes: np.ndarray, domain: np.ndarray, level: Level = "nominal", *,
                  labels: dict | None = None, n_boot: int = N_BOOT, seed: int | None = BOOTSTRAP_SEED,
                  confidence: float = CONFIDENCE,
                  minimums: Sequence[float] = (ALPHA_TENTATIVE, ALPHA_RELIABLE)) -> dict:
    """Alpha, its parts, its bootstrap interval and q for a units x coders matrix of codes.

    Parameters
    ----------
    codes, domain, labels
        As :func:`encode` returns them (units in rows, coders in columns).
    level
        Level of measurement.
    n_boot
        Resamples; 0 for no interval.
    seed
        Seed of the resampling (an int, or None for a fresh one).
    confidence
        Level of the interval (0.95: the 2.5th and 97.5th percentiles).
    minimums
        The q columns: probability that alpha is below each.

    Returns
    -------
    dict
        n_units (units with two or more values), n_values (pairable values n..), n_pairs,
        alpha, observed_disagreement, expected_disagreement, ci_low, ci_high, one
        ``q_below_<minimum>`` per minimum, too_few_units, note (why something is
        undefined or doubtful, in words; "" if nothing is).

    Examples
    --------
    >>> e = encode([[1, 1], [2, 2], [3, 2], [1, 1], [3, 3]], "interval")
    >>> s = alpha_summary(e.codes, e.domain, "interval", n_boot=0)
    >>> round(s["alpha"], 3), s["n_pairs"], s["too_few_units"]
    (0.87, 5, True)
    """
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be between 0 and 1, got {confidence!r}")
    codes = np.asarray(codes, dtype=float).reshape(len(codes), -1)
    pairable = codes[(~np.isnan(codes)).sum(axis=1) >= 2]
    out = {"n_units": len(pairable), "n_values": int((~np.isnan(pairable)).sum()),
           "n_pairs": 0, "alpha": np.nan, "observed_disagreement": np.nan,
           "expected_disagreement": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           **{q_column(m): np.nan for m in minimums},
           "too_few_units": len(pairable) < MIN_UNITS, "note": ""}
    notes = []
    used = distinct(pairable[~np.isnan(pairable)])
    if len(pairable) == 0:
        out["note"] = "no unit was rated by two or more coders: alpha is undefined"
        return out
    if len(used) < 2:
        shown = (labels or {}).get(float(used[0]), f"{used[0]:g}")
        out["note"] = f"no variation (every value is {shown}): alpha is undefined"
        return out
    if len(pairable) < 2:
        out["note"] = "only one unit to compare: alpha is undefined"
        return out
    domain = np.asarray(domain, dtype=float)
    counts = value_counts(pairable, domain)
    parts = _parts(counts, domain, level)
    out |= {"n_pairs": parts.n_pairs, "observed_disagreement": parts.observed,
            "expected_disagreement": parts.expected,
            "alpha": float(krippendorff.alpha(value_counts=counts, value_domain=domain,
                                              level_of_measurement=level))}
    if n_boot > 0:
        alphas = _bootstrap(parts, n_boot, np.random.default_rng(seed))
        tail = (1.0 - confidence) / 2.0
        out["ci_low"], out["ci_high"] = (float(v) for v in np.quantile(alphas, [tail, 1.0 - tail]))
        out |= {q_column(m): float(np.mean(alphas < m)) for m in minimums}
    if out["too_few_units"]:
        notes.append(f"only {len(pairable)} unit(s) rated by two or more coders, fewer than {MIN_UNITS}: "
                     f"too few for the coefficients to mean much")
    out["note"] = "; ".join(notes)
    return out


# --------------------------------------------------------------------------- tidy tables


def _ratings_matrix(ratings: pd.DataFrame, unit: str, coder: str, value: str, level: Level,
                    order: Sequence | None) -> tuple[pd.DataFrame, Encoded]:
    """Units x coders matrix of codes from a long ratings table, with errors that name the row."""
    require_columns(ratings, [unit, coder, value], "ratings")
    frame = ratings[[unit, coder, value]].reset_index(drop=True)
    # A spreadsheet numbers rows from 1 with the header in row 1.
    rows = pd.Series(np.arange(len(frame)) + 2)
    lost = is_missing(frame[unit]) | is_missing(frame[coder])
    rated = ~is_missing(frame[value])
    if (lost & rated).any():
        i = int(np.flatnonzero(lost & rated)[0])
        which = unit if is_missing(frame[unit])[i] else coder
        raise InputError(f"a rating without its {which}", row=int(rows[i]), column=which,
                         value=frame.loc[i, value], fix=f"fill in the {which}, or delete the row")
    frame, rows = frame.loc[~lost].copy(), rows[~lost]
    for c in (unit, coder):
        frame[c] = frame[c].map(lambda v: v.strip() if isinstance(v, str) else v).astype(str)
    encoded = encode(frame[value].to_numpy(dtype=object), level, order,
                     where=lambda i: {"row": int(rows.iloc[i]), "column": value})
    frame["code"] = encoded.codes
    frame = frame.loc[~np.isnan(frame["code"])]
    twice = frame.duplicated([unit, coder], keep=False)
    clash = frame.loc[twice].groupby([unit, coder])["code"].nunique()
    if (clash > 1).any():
        u, c = clash.index[clash > 1][0]
        both = frame.loc[(frame[unit] == u) & (frame[coder] == c)]
        said = ", ".join(f"{encoded.labels[v]!r} in row {rows[i]}" for i, v in both["code"].items())
        raise InputError(f"coder {c!r} rated unit {u!r} more than once, differently ({said})",
                         row=int(rows[both.index[1]]), column=value,
                         fix="keep one rating per unit and coder")
    matrix = frame.drop_duplicates([unit, coder]).pivot(index=unit, columns=coder, values="code")
    return matrix, encoded


def krippendorff_alpha(ratings: pd.DataFrame, *, unit: str = "unit", coder: str = "coder",
                       value: str = "value", level: Level = "nominal", order: Sequence | None = None,
                       n_boot: int = N_BOOT, seed: int | None = BOOTSTRAP_SEED,
                       confidence: float = CONFIDENCE,
                       minimums: Sequence[float] = (ALPHA_TENTATIVE, ALPHA_RELIABLE)) -> pd.DataFrame:
    """Krippendorff's alpha with a bootstrap interval, for nominal, ordinal, interval or ratio ratings.

    Parameters
    ----------
    ratings
        Long table: one row per unit, coder and value (other columns ignored). Missing
        values in any spreadsheet form are skipped, never counted as a category.
    unit, coder, value
        Its column names.
    level
        Level of measurement: ``"nominal"`` (categories), ``"ordinal"`` (ordered
        categories, e.g. substantiation ``not-yet < partially < fully``), ``"interval"``
        or ``"ratio"`` (numbers; ratio: zero means none).
    order
        The categories, lowest first; needed for ordinal text.
    n_boot, seed, confidence, minimums
        The bootstrap (see the module docstring): resamples (0: none), seed, level of
        the interval, and the minimums for the q columns.

    Returns
    -------
    pandas.DataFrame
        One row: level, n_units (units rated by two or more coders), n_coders, n_values
        (pairable values), n_pairs (pairs of values within units: the bootstrap's M),
        alpha, observed_disagreement (D_o), expected_disagreement (D_e), ci_low, ci_high,
        confidence, n_boot, ``q_below_<minimum>`` (probability that alpha is below it,
        default q_below_0.667 and q_below_0.800), too_few_units (fewer than
        :data:`MIN_UNITS` units), note (why a value is undefined or doubtful; "" if none).

    Raises
    ------
    InputError
        A rating outside ``order``, not a number where one is needed, without its unit
        or coder, or two different ratings of one unit by one coder; the message names
        the row (as a spreadsheet with a header row numbers it).
    ParameterError
        Unknown level, ordinal text without ``order``.

    Examples
    --------
    Krippendorff (2011), reliability data with missing values: 4 coders, 12 units.

    >>> rows = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> long = pd.DataFrame([(u + 1, c, v) for c, row in zip("ABCD", rows) for u, v in enumerate(row)],
    ...                     columns=["unit", "coder", "value"])
    >>> [round(float(krippendorff_alpha(long, level=level, n_boot=0).loc[0, "alpha"]), 3)
    ...  for level in ("nominal", "ordinal", "interval", "ratio")]
    [0.743, 0.815, 0.849, 0.797]
    """
    matrix, encoded = _ratings_matrix(ratings, unit, coder, value, level, order)
    summary = alpha_summary(matrix.to_numpy(dtype=float), encoded.domain, level, labels=encoded.labels,
                            n_boot=n_boot, seed=seed, confidence=confidence, minimums=minimums)
    row = {**summary, "level": level, "n_coders": int(matrix.notna().any().sum()),
           "confidence": confidence, "n_boot": int(n_boot)}
    columns = ALPHA_COLUMNS[:-2] + [q_column(m) for m in minimums] + ALPHA_COLUMNS[-2:]
    return pd.DataFrame([row]).reindex(columns=columns)


def unit_agreement(ratings: pd.DataFrame, *, unit: str = "unit", coder: str = "coder",
                   value: str = "value", level: Level = "nominal",
                   order: Sequence | None = None) -> pd.DataFrame:
    """How far the coders agree on each unit: the pairs of values that are the same.

    Parameters
    ----------
    ratings, unit, coder, value, level, order
        As for :func:`krippendorff_alpha` (the level only decides how values are read).

    Returns
    -------
    pandas.DataFrame
        One row per unit rated by two or more coders: unit, n_values, values (the
        values given, ";"-joined in the order given, else sorted), n_pairs, n_agreeing_pairs (pairs of
        coders giving the same value), percent_agreement (their share, 0-100: Fleiss'
        1971 per-unit agreement); least agreement first, then by unit.

    Examples
    --------
    >>> r = pd.DataFrame({"unit": ["O1", "O1", "O2", "O2", "O3"], "coder": ["ann", "bo"] * 2 + ["ann"],
    ...                   "value": ["fully", "fully", "partially", "fully", "fully"]})
    >>> unit_agreement(r, level="ordinal", order=["not-yet", "partially", "fully"])
      unit  n_values           values  n_pairs  n_agreeing_pairs  percent_agreement
    0   O2         2  partially;fully        1                 0                0.0
    1   O1         2      fully;fully        1                 1              100.0
    """
    matrix, encoded = _ratings_matrix(ratings, unit, coder, value, level, order)
    codes = matrix.to_numpy(dtype=float)
    counts = (codes[:, :, None] == encoded.domain[None, None, :]).sum(axis=1)
    n = counts.sum(axis=1)
    keep = n >= 2
    names = np.array([encoded.labels[v] for v in encoded.domain], dtype=object)
    values = [";".join(np.repeat(names, row)) for row in counts[keep]]
    out = pd.DataFrame({
        "unit": matrix.index[keep], "n_values": n[keep], "values": values,
        "n_pairs": n[keep] * (n[keep] - 1) // 2,
        "n_agreeing_pairs": (counts[keep] * (counts[keep] - 1) // 2).sum(axis=1),
    })
    out["percent_agreement"] = 100.0 * out["n_agreeing_pairs"] / out["n_pairs"]
    return out.sort_values(["percent_agreement", "unit"], kind="stable").reset_index(drop=True) \
        .reindex(columns=UNIT_AGREEMENT_COLUMNS)
