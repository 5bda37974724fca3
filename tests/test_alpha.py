"""Krippendorff's alpha at four levels and its bootstrap: published values, hand computations, a second implementation."""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pandas as pd
import pytest

from sparklearn.analysis.alpha import (
    ALPHA_COLUMNS,
    MIN_UNITS,
    _bootstrap,
    _parts,
    alpha_summary,
    encode,
    is_missing,
    krippendorff_alpha,
    q_column,
    unit_agreement,
    value_counts,
)
from sparklearn.exceptions import InputError, ParameterError

nan = np.nan

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C: observers
# A-D (rows) x units 1-12, missing values as NaN.
KRIPPENDORFF_2011_C = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
])

# Hayes and Krippendorff (2007), Table 1: 40 news stories (rows) rated 0-3 by five observers
# (columns), NaN where an observer did not rate the story. Transcribed twice, independently,
# in public repositories (jucor/krippendorff data-raw/hayes2007table1.csv and a Python port of
# the bootstrap); both agree with the rows below.
HAYES_KRIPPENDORFF_2007 = np.array([
    [1, 1, 2, nan, 2], [1, 1, 0, 1, nan], [2, 3, 3, 3, nan], [nan, 0, 0, nan, 0],
    [0, 0, 0, nan, 0], [0, 0, 0, nan, 0], [1, 0, 2, nan, 1], [1, nan, 2, 0, nan],
    [2, 2, 2, nan, 2], [2, 1, 1, 1, nan], [nan, 1, 0, 0, nan], [0, 0, 0, 0, nan],
    [1, 2, 2, 2, nan], [3, 3, 2, 2, 3], [1, 1, 1, nan, 1], [1, 1, 1, nan, 1],
    [2, 1, 2, nan, 2], [1, 2, 3, 3, nan], [1, 1, 0, 1, nan], [0, 0, 0, nan, 0],
    [0, 0, 1, 1, nan], [0, 0, nan, 0, 0], [2, 3, 3, 3, nan], [0, 0, 0, 0, nan],
    [1, 2, nan, 2, 2], [0, 1, 1, 1, nan], [0, 0, 0, 1, 0], [1, 2, 1, 2, nan],
    [1, 1, 2, 2, nan], [1, 1, 2, nan, 2], [1, 1, 0, nan, 0], [2, 1, 2, 1, nan],
    [2, 2, nan, 2, 2], [3, 2, 2, 2, nan], [2, 2, 2, nan, 2], [2, 2, 3, nan, 2],
    [2, 2, 2, nan, 2], [2, 2, nan, 1, 2], [2, 2, 2, 2, nan], [1, 1, 1, nan, 1],
])


def long_table(units_by_coders: np.ndarray) -> pd.DataFrame:
    """A units x coders matrix as the tidy table a spreadsheet gives: unit, coder, value."""
    return pd.DataFrame([(f"u{u + 1:02d}", f"c{c + 1}", v) for (u, c), v in np.ndenumerate(units_by_coders)],
                        columns=["unit", "coder", "value"])


def alpha_by_hand(units_by_coders: np.ndarray, delta2) -> float:
    """Alpha written out as in Krippendorff (2011): coincidences by looping over pairs within units."""
    values = np.unique(units_by_coders[~np.isnan(units_by_coders)])
    o = np.zeros((len(values), len(values)))
    for row in units_by_coders:
        v = row[~np.isnan(row)]
        if len(v) < 2:
            continue
        for i, j in itertools.permutations(range(len(v)), 2):
            o[np.searchsorted(values, v[i]), np.searchsorted(values, v[j])] += 1 / (len(v) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d = np.array([[delta2(c, k, values, n_c) for k in range(len(values))] for c in range(len(values))])
    return 1 - (o * d).sum() / n / ((np.outer(n_c, n_c) * d).sum() / (n * (n - 1)))


def interval_delta2(c, k, values, n_c):
    return (values[c] - values[k]) ** 2


# --------------------------------------------------------------------------- published values


@pytest.mark.parametrize("level, published", [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_example_at_every_level(level, published):
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (repository.upenn.edu/asc_papers/43),
    section C: 4 observers x 12 units with missing values; alpha nominal 0.743, ordinal 0.815,
    interval 0.849, ratio 0.797. The nominal, ordinal and ratio values are also quoted from the
    paper in the ``krippendorff`` package's documentation; the interval value is checked here by
    hand as well (coincidences looped pair by pair, interval metric)."""
    table = long_table(KRIPPENDORFF_2011_C.T)
    row = krippendorff_alpha(table, level=level, n_boot=0).iloc[0]
    assert round(row["alpha"], 3) == published
    # Unit 12 has one value: 11 units, 3 + 8 * 4 + 3 + 2 = 40 pairable values (Krippendorff's n..).
    assert (row["n_units"], row["n_coders"], row["n_values"], row["level"]) == (11, 4, 40, level)
    if level == "interval":
        assert row["alpha"] == pytest.approx(alpha_by_hand(KRIPPENDORFF_2011_C.T, interval_delta2))


def test_krippendorff_2011_ordinal_as_text_with_the_order_given():
    """The same data as words (very low ... very high), as the ``krippendorff`` package's own
    documentation runs it: ordinal alpha 0.815 once the order of the categories is given."""
    words = np.array(["very low", "low", "mid", "high", "very high"], dtype=object)
    text = np.where(np.isnan(KRIPPENDORFF_2011_C), None, words[np.nan_to_num(KRIPPENDORFF_2011_C).astype(int) - 1])
    table = long_table(text.T)
    row = krippendorff_alpha(table, level="ordinal", order=list(words), n_boot=0).iloc[0]
    assert round(row["alpha"], 3) == 0.815
    # An independent path: the package reading the text itself with the same order.
    assert row["alpha"] == pytest.approx(krippendorff.alpha(
        np.where(is_missing(text), "nan", text).astype(str), level_of_measurement="ordinal",
        value_domain=list(words)))
    with pytest.raises(ParameterError, match="need their order"):
        krippendorff_alpha(table, level="ordinal")


def test_hayes_krippendorff_2007_example():
    """Hayes and Krippendorff (2007), Communication Methods and Measures 1(1): 77-89, Table 1:
    40 units, 5 observers, ordinal; the paper's bootstrap draws "239 pairs of judgments"
    (quoted in Gwet 2015, inter-rater-reliability.blogspot.com). The paper's own alpha and
    bootstrap printout could not be retrieved, so alpha is checked against the ``krippendorff``
    package and the bootstrap against a second implementation below."""
    row = krippendorff_alpha(long_table(HAYES_KRIPPENDORFF_2007), level="ordinal", n_boot=0).iloc[0]
    assert (row["n_units"], row["n_coders"], row["n_pairs"]) == (40, 5, 239)
    assert row["alpha"] == pytest.approx(krippendorff.alpha(HAYES_KRIPPENDORFF_2007.T, level_of_measurement="ordinal"))
    assert row["alpha"] == pytest.approx(1 - row["observed_disagreement"] / row["expected_disagreement"])


def test_parts_reproduce_the_package_alpha_at_every_level():
    rng = np.random.default_rng(11)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        for _ in range(4):
            m = rng.integers(0, 6, size=(50, 3)).astype(float)
            m[rng.random(m.shape) < 0.25] = nan
            pairable = m[(~np.isnan(m)).sum(axis=1) >= 2]
            domain = np.unique(pairable[~np.isnan(pairable)])
            parts = _parts(value_counts(pairable, domain), domain, level)
            assert 1 - parts.observed / parts.expected == pytest.approx(
                krippendorff.alpha(pairable.T, level_of_measurement=level, value_domain=domain), abs=1e-12)
            assert parts.coincidences.sum() == parts.n_values


# --------------------------------------------------------------------------- the bootstrap


def test_bootstrap_moments_match_their_closed_form():
    """Each resample's D_o* is the mean of M independent draws of delta^2 with probabilities
    p_ck = o_ck / n.., so alpha* has mean alpha and standard deviation
    sqrt((sum p delta^4 - D_o^2) / M) / D_e (no resample of this example is corrected)."""
    data = HAYES_KRIPPENDORFF_2007
    domain = np.unique(data[~np.isnan(data)])
    parts = _parts(value_counts(data, domain), domain, "ordinal")
    p = parts.coincidences / parts.n_values
    sd = np.sqrt(((p * parts.delta2 ** 2).sum() - parts.observed ** 2) / parts.n_pairs) / parts.expected
    alphas = _bootstrap(parts, 40_000, np.random.default_rng(1))
    alpha = 1 - parts.observed / parts.expected
    assert alphas.mean() == pytest.approx(alpha, abs=4 * sd / np.sqrt(len(alphas)))
    assert alphas.std() == pytest.approx(sd, rel=0.02)


def kalpha_by_pairs(units_by_coders: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """A second implementation of the macro's bootstrap, interval metric: list every pair of
    values within a unit, weight it 2 / (m_u - 1), draw M of them one by one, alpha = 1 - D_o* / D_e."""
    pairs, weights = [], []
    for row in units_by_coders:
        v = row[~np.isnan(row)]
        for i, j in itertools.combinations(range(len(v)), 2):
            pairs.append((v[i] - v[j]) ** 2)
            weights.append(2 / (len(v) - 1))
    values = units_by_coders[(~np.isnan(units_by_coders)).sum(axis=1) >= 2]
    values = values[~np.isnan(values)]
    d_e = np.mean([(a - b) ** 2 for a, b in itertools.permutations(values, 2)])
    weights = np.array(weights) / np.sum(weights)
    drawn = rng.choice(np.array(pairs), size=(n_boot, len(pairs)), p=weights)
    return np.maximum(1 - drawn.mean(axis=1) / d_e, -1)


def test_bootstrap_agrees_with_drawing_pairs_one_by_one():
    data = HAYES_KRIPPENDORFF_2007
    ours = alpha_summary(data, np.unique(data[~np.isnan(data)]), "interval", n_boot=20_000, seed=5)
    theirs = kalpha_by_pairs(data, 20_000, np.random.default_rng(6))
    low, high = np.quantile(theirs, [0.025, 0.975])
    assert ours["ci_low"] == pytest.approx(low, abs=0.01)
    assert ours["ci_high"] == pytest.approx(high, abs=0.01)
    for m in (0.667, 0.8):
        assert ours[q_column(m)] == pytest.approx(np.mean(theirs < m), abs=0.015)
    assert ours["ci_low"] < ours["alpha"] < ours["ci_high"]


def test_a_resample_without_variation_counts_as_zero():
    """Five units, all agreeing: three on 0, two on 1 (alpha = 1). A resample of M = 5 pairs
    has no variation when all five fall on the same value: probability 0.6^5 + 0.4^5 = 0.088;
    those count as alpha 0, every other resample as 1."""
    data = np.array([[0, 0], [0, 0], [0, 0], [1, 1], [1, 1]], dtype=float)
    s = alpha_summary(data, np.array([0.0, 1.0]), n_boot=200_000, seed=3)
    assert s["alpha"] == 1.0
    assert s[q_column(0.667)] == pytest.approx(0.6 ** 5 + 0.4 ** 5, abs=0.003)
    assert s[q_column(0.667)] == s[q_column(0.8)]
    assert (s["ci_low"], s["ci_high"]) == (0.0, 1.0)


def test_resampled_alpha_is_bounded_at_minus_one():
    # Nineteen 0s and one 1: alpha 0, and a resample with two or more disagreements goes to -1 or below.
    data = np.array([[0, 0]] * 9 + [[0, 1]], dtype=float)
    parts = _parts(value_counts(data, np.array([0.0, 1.0])), np.array([0.0, 1.0]), "nominal")
    alphas = _bootstrap(parts, 20_000, np.random.default_rng(0))
    assert alphas.min() == -1.0
    assert (alphas == -1.0).mean() == pytest.approx(1 - 0.9 ** 10 - 10 * 0.1 * 0.9 ** 9, abs=0.01)


def test_the_seed_makes_the_interval_reproducible():
    table = long_table(HAYES_KRIPPENDORFF_2007)
    a = krippendorff_alpha(table, level="ordinal", n_boot=2000, seed=7)
    b = krippendorff_alpha(table, level="ordinal", n_boot=2000, seed=7)
    c = krippendorff_alpha(table, level="ordinal", n_boot=2000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "ci_low"] != c.loc[0, "ci_low"]
    assert list(a.columns) == ALPHA_COLUMNS[:-2] + ["q_below_0.667", "q_below_0.800"] + ALPHA_COLUMNS[-2:]
    assert 0 <= a.loc[0, "q_below_0.667"] <= a.loc[0, "q_below_0.800"] <= 1
    wide = krippendorff_alpha(table, level="ordinal", n_boot=2000, seed=7, confidence=0.99, minimums=[-2, 2])
    assert wide.loc[0, "ci_low"] < a.loc[0, "ci_low"] and wide.loc[0, "ci_high"] > a.loc[0, "ci_high"]
    assert (wide.loc[0, "q_below_-2.000"], wide.loc[0, "q_below_2.000"]) == (0.0, 1.0)
    none = krippendorff_alpha(table, level="ordinal", n_boot=0)
    assert np.isnan(none.loc[0, ["ci_low", "ci_high", "q_below_0.800"]].astype(float)).all()


# --------------------------------------------------------------------------- missing values and small samples


MISSING_FORMS = ["", "   ", "NA", "N/A", "n/a", "-", "#N/A", "nan", None, nan, pd.NA]


@pytest.mark.parametrize("missing", MISSING_FORMS, ids=repr)
def test_an_empty_cell_is_missing_not_a_category(missing):
    """Issue 15's example: four units, two coders, one cell empty. Empty is missing: units 1, 2
    and 4 are pairable (a-a, a-b, b-b): D_o = 2/6, D_e = 2*3*3/(6*5), alpha = 4/9 = 0.444.
    Counted as a category ("(empty)") it would add a disagreement: alpha = 5/19 = 0.263."""
    table = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["ann", "bo"] * 4,
                          "value": ["a", "a", "a", "b", "a", missing, "b", "b"]})
    row = krippendorff_alpha(table, n_boot=0).iloc[0]
    assert row["alpha"] == pytest.approx(4 / 9)
    assert round(row["alpha"], 3) == 0.444
    assert row["n_units"] == 3
    as_category = table.assign(value=table["value"].where(~is_missing(table["value"]), "(empty)"))
    assert round(krippendorff_alpha(as_category, n_boot=0).loc[0, "alpha"], 3) == 0.263
    assert krippendorff_alpha(as_category, n_boot=0).loc[0, "alpha"] == pytest.approx(5 / 19)


def test_missing_markers_and_real_values():
    assert is_missing(MISSING_FORMS).all()
    assert not is_missing(["none", "0", 0, "na-ive", "N/A yet", "—x"]).any()
    assert is_missing(np.array([1.0, nan])).tolist() == [False, True]
    e = encode([" 1", "2 ", 3, "", "n/a"], "interval")
    assert e.codes.tolist()[:3] == [1.0, 2.0, 3.0] and np.isnan(e.codes[3:]).all()


@pytest.mark.parametrize("n, flagged", [(MIN_UNITS - 1, True), (MIN_UNITS, False)])
def test_too_few_units_are_flagged_not_hidden(n, flagged):
    data = np.array([[i % 3, i % 3 if i % 4 else (i + 1) % 3] for i in range(n)], dtype=float)
    row = krippendorff_alpha(long_table(data), n_boot=0).iloc[0]
    assert bool(row["too_few_units"]) is flagged
    assert np.isfinite(row["alpha"])
    assert ("fewer than 10" in row["note"]) is flagged


def test_undefined_alpha_says_why_in_words():
    same = krippendorff_alpha(long_table(np.array([["fully", "fully"]] * 12, dtype=object)), n_boot=100).iloc[0]
    assert np.isnan(same["alpha"]) and np.isnan(same["ci_low"])
    assert same["note"] == "no variation (every value is fully): alpha is undefined"
    alone = krippendorff_alpha(pd.DataFrame({"unit": [1, 2], "coder": ["ann", "bo"], "value": [1, 2]})).iloc[0]
    assert alone["n_units"] == 0 and "no unit was rated by two or more coders" in alone["note"]


# --------------------------------------------------------------------------- errors that say where


def test_errors_name_the_row_the_value_and_the_fix():
    table = pd.DataFrame({"unit": ["O1", "O1", "O2", "O2"], "coder": ["ann", "bo", "ann", "bo"],
                          "value": ["fully", "partly", "fully", "not-yet"]})
    order = ["not-yet", "partially", "fully"]
    with pytest.raises(InputError, match=r"row 3, column 'value'.*'partly'.*not-yet, partially, fully"):
        krippendorff_alpha(table, level="ordinal", order=order)
    with pytest.raises(InputError, match=r"row 2, column 'value'.*not a number.*'fully'"):
        krippendorff_alpha(table, level="interval")
    twice = pd.concat([table.replace("partly", "partially"), table.iloc[[0]].assign(value="not-yet")])
    with pytest.raises(InputError, match=r"coder 'ann' rated unit 'O1' more than once.*'fully' in row 2.*row 6"):
        krippendorff_alpha(twice, level="ordinal", order=order)
    # The same rating twice is one rating.
    again = pd.concat([table.replace("partly", "partially"), table.iloc[[0]]])
    assert krippendorff_alpha(again, level="ordinal", order=order, n_boot=0).loc[0, "n_values"] == 4
    with pytest.raises(InputError, match=r"row 4, column 'unit'.*without its unit"):
        krippendorff_alpha(table.assign(unit=["O1", "O1", " ", "O2"]), level="nominal")
    with pytest.raises(InputError, match="negative"):
        krippendorff_alpha(table.assign(value=[1, -2, 3, 4]), level="ratio")
    with pytest.raises(ParameterError, match="level must be one of"):
        krippendorff_alpha(table, level="circular")
    with pytest.raises(ParameterError, match="twice"):
        krippendorff_alpha(table, level="ordinal", order=["fully", "fully"])


# --------------------------------------------------------------------------- harvesters and units


def test_two_harvesters_rating_substantiation():
    """The case this module is for: two harvesters rate how far an informant substantiated each
    outcome (ordinal). Checked against the package reading the same text with the same order."""
    order = ["disagree", "not-yet", "partially", "fully"]
    a = ["fully", "fully", "partially", "not-yet", "fully", "partially", "disagree", "fully", "partially", "fully",
         "not-yet", "fully"]
    b = ["fully", "partially", "partially", "not-yet", "fully", "fully", "disagree", "fully", "", "fully",
         "partially", "fully"]
    table = pd.DataFrame({"outcome_id": [f"O{i}" for i in range(12)] * 2, "harvester": ["ann"] * 12 + ["bo"] * 12,
                          "substantiation": a + b})
    row = krippendorff_alpha(table, unit="outcome_id", coder="harvester", value="substantiation",
                             level="ordinal", order=order, n_boot=5000).iloc[0]
    expected = krippendorff.alpha(np.array([a, [v or "nan" for v in b]], dtype=str), level_of_measurement="ordinal",
                                  value_domain=order)
    assert row["alpha"] == pytest.approx(expected)
    assert (row["n_units"], row["n_pairs"], bool(row["too_few_units"])) == (11, 11, False)
    assert row["ci_low"] <= row["alpha"] <= row["ci_high"]


def test_unit_agreement_counts_agreeing_pairs():
    # A: 1, 1, 2 -> one of three pairs agrees; B: 3, 3, 3 -> all three; C and D have one value each.
    table = pd.DataFrame({"unit": ["A"] * 3 + ["B"] * 3 + ["C"] * 2 + ["D"],
                          "coder": ["x", "y", "z", "x", "y", "z", "x", "y", "x"],
                          "value": [1, 1, 2, 3, 3, 3, 2, "", 1]})
    u = unit_agreement(table, level="interval")
    assert u[["unit", "n_values", "values", "n_pairs", "n_agreeing_pairs"]].values.tolist() == [
        ["A", 3, "1;1;2", 3, 1], ["B", 3, "3;3;3", 3, 3]]
    assert u["percent_agreement"].tolist() == pytest.approx([100 / 3, 100.0])
    # With two coders the mean per-unit agreement is percent agreement.
    two = long_table(HAYES_KRIPPENDORFF_2007[:, :2])
    per_unit = unit_agreement(two)["percent_agreement"].mean()
    pairable = HAYES_KRIPPENDORFF_2007[:, :2][~np.isnan(HAYES_KRIPPENDORFF_2007[:, :2]).any(axis=1)]
    assert per_unit == pytest.approx(100 * np.mean(pairable[:, 0] == pairable[:, 1]))
