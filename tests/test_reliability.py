"""Inter-coder agreement: published values, independent implementations, hand-made fixtures."""

from __future__ import annotations

import itertools
import re
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from sparklearn.analysis.agreement import (
    AGREEMENT_COLUMNS,
    ALL_CODES,
    DISAGREEMENT_COLUMNS,
    agreement,
    coder_summary,
    coefficients,
    disagreements,
    reliability_matrix,
)
from sparklearn.exceptions import InputError, ParameterError
from sparklearn.report.words import describe_agreement, interpret_alpha, interpret_kappa

nan = np.nan

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C (nominal
# data, any number of observers, missing values): observers A-D (rows) x units 1-12.
KRIPPENDORFF_2011_C = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
])

# Krippendorff (2011) section A (binary data, two observers, no missing values).
KRIPPENDORFF_2011_A = np.array([
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
])

# Fleiss (1971): 30 patients, 6 psychiatrists, 5 diagnoses (R irr::diagnoses as raw
# ratings, as in statsmodels' tests); published kappa 0.430 (irr: 0.4302445).
FLEISS_1971 = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
])


def units_from_table(table) -> np.ndarray:
    """Units x 2 coders from a confusion matrix (rows coder 1, columns coder 2)."""
    table = np.asarray(table)
    pairs = [(i, j) for i, j in itertools.product(range(table.shape[0]), repeat=2)
             for _ in range(table[i, j])]
    return np.array(pairs, dtype=float)


def kappa_by_hand(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen (1960): (p_o - p_e) / (1 - p_e) from the confusion matrix."""
    cats = np.union1d(a, b)
    table = np.array([[np.sum((a == i) & (b == j)) for j in cats] for i in cats], float)
    table /= table.sum()
    p_o = np.trace(table)
    p_e = table.sum(axis=1) @ table.sum(axis=0)
    return (p_o - p_e) / (1 - p_e)


def alpha_by_hand(units_by_coders: np.ndarray) -> float:
    """Nominal alpha from the coincidence matrix, written out as in Krippendorff (2011)."""
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
    d_o = o.sum() - np.trace(o)
    d_e = (n * n - (n_c ** 2).sum()) / (n - 1)
    return 1 - d_o / d_e


# --------------------------------------------------------------------------- published values


def test_krippendorff_2011_nominal_example_with_missing_values():
    result = coefficients(KRIPPENDORFF_2011_C.T)
    assert round(result["krippendorff_alpha"], 3) == 0.743
    # Unit 12 has one value only, so 11 units are pairable; units 1-9 have all four observers
    # except unit 1 (C missing): complete units are 2-9.
    assert (result["n_units"], result["n_complete"]) == (11, 8)
    assert np.isnan(result["cohen_kappa"])
    assert alpha_by_hand(KRIPPENDORFF_2011_C.T) == pytest.approx(result["krippendorff_alpha"])


def test_krippendorff_2011_binary_example():
    result = coefficients(KRIPPENDORFF_2011_A.T)
    assert round(result["krippendorff_alpha"], 3) == 0.095
    # Six of the ten units agree.
    assert result["percent_agreement"] == pytest.approx(60.0)
    a, b = KRIPPENDORFF_2011_A
    assert result["cohen_kappa"] == pytest.approx(kappa_by_hand(a, b))


def test_fleiss_1971_kappa():
    result = coefficients(FLEISS_1971)
    assert result["fleiss_kappa"] == pytest.approx(0.4302445, abs=1e-7)
    assert round(result["fleiss_kappa"], 3) == 0.430
    table, _ = aggregate_raters(FLEISS_1971)
    assert result["fleiss_kappa"] == pytest.approx(fleiss_kappa(table))


@pytest.mark.parametrize("table, published", [
    # Wikipedia "Cohen's kappa", worked example: 50 grant proposals, kappa 0.4.
    ([[20, 5], [10, 15]], 0.4),
    # SAS PROC FREQ agreement example (the table statsmodels checks), kappa 0.4842.
    ([[0, 4, 1], [0, 8, 0], [0, 1, 5]], 0.4842),
])
def test_cohen_kappa_published(table, published):
    units = units_from_table(table)
    result = coefficients(units)
    assert result["cohen_kappa"] == pytest.approx(published, abs=5e-5)
    assert result["cohen_kappa"] == pytest.approx(kappa_by_hand(units[:, 0], units[:, 1]))
    assert result["percent_agreement"] == pytest.approx(100 * np.trace(table) / np.sum(table))


def test_coefficients_agree_with_independent_implementations_on_random_data():
    rng = np.random.default_rng(7)
    for _ in range(5):
        m = rng.integers(0, 3, size=(60, 3)).astype(float)
        m[rng.random(m.shape) < 0.15] = nan
        result = coefficients(m)
        assert result["krippendorff_alpha"] == pytest.approx(alpha_by_hand(m))
        complete = m[~np.isnan(m).any(axis=1)]
        table, _ = aggregate_raters(complete.astype(int))
        assert result["fleiss_kappa"] == pytest.approx(fleiss_kappa(table))
        two = m[:, :2][~np.isnan(m[:, :2]).any(axis=1)]
        assert coefficients(two)["cohen_kappa"] == pytest.approx(kappa_by_hand(two[:, 0], two[:, 1]))


def test_coefficients_accept_text_categories():
    text = np.where(KRIPPENDORFF_2011_C.T == 1, "one", KRIPPENDORFF_2011_C.T.astype(str))
    frame = pd.DataFrame(text).replace("nan", None)
    assert round(coefficients(frame)["krippendorff_alpha"], 3) == 0.743


def test_cohen_kappa_standard_error_and_interval_sas():
    """SAS PROC FREQ's agreement printout for the table [[0, 4, 1], [0, 8, 0], [0, 1, 5]], as
    statsmodels' tests quote it (statsmodels/stats/tests/test_inter_rater.py, TestUnweightedCohens):
    kappa 0.4842, ASE 0.1380, 95% confidence limits 0.2137 and 0.7547."""
    result = coefficients(units_from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]]))
    assert result["cohen_kappa"] == pytest.approx(0.4842, abs=5e-5)
    assert result["cohen_kappa_se"] == pytest.approx(0.1380, abs=5e-5)
    assert result["cohen_kappa_ci_low"] == pytest.approx(0.2137, abs=5e-5)
    assert result["cohen_kappa_ci_high"] == pytest.approx(0.7547, abs=5e-5)


def kappa_se_by_hand(table) -> float:
    """Fleiss, Cohen and Everitt (1969): the large-sample standard error of kappa, term by term."""
    p = np.asarray(table, float) / np.sum(table)
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = np.trace(p), row @ col
    kappa = (p_o - p_e) / (1 - p_e)
    k = len(p)
    a = sum(p[i, i] * (1 - (row[i] + col[i]) * (1 - kappa)) ** 2 for i in range(k))
    b = (1 - kappa) ** 2 * sum(p[i, j] * (col[i] + row[j]) ** 2 for i in range(k) for j in range(k) if i != j)
    c = (kappa - p_e * (1 - kappa)) ** 2
    return float(np.sqrt((a + b - c) / ((1 - p_e) ** 2 * np.sum(table))))


def test_cohen_kappa_standard_error_by_hand_and_chance_agreement():
    rng = np.random.default_rng(3)
    for table in ([[20, 5], [10, 15]], *(rng.integers(1, 30, size=(3, 3)) for _ in range(4))):
        units = units_from_table(table)
        result = coefficients(units, n_boot=0)
        assert result["cohen_kappa_se"] == pytest.approx(kappa_se_by_hand(table))
        half = 1.959964 * result["cohen_kappa_se"]
        assert (result["cohen_kappa_ci_low"], result["cohen_kappa_ci_high"]) == pytest.approx(
            (result["cohen_kappa"] - half, result["cohen_kappa"] + half), abs=1e-6)
        # kappa = (Po - Pe) / (1 - Pe), Pe from each coder's own shares.
        p = np.asarray(table, float) / np.sum(table)
        assert result["expected_agreement"] == pytest.approx(100 * p.sum(axis=1) @ p.sum(axis=0))
        p_o, p_e = result["percent_agreement"] / 100, result["expected_agreement"] / 100
        assert result["cohen_kappa"] == pytest.approx((p_o - p_e) / (1 - p_e))
        # Bennett, Alpert and Goldstein (1954): S = (Po - 1/q) / (1 - 1/q), q categories.
        q = len(table)
        assert result["bennett_s"] == pytest.approx((p_o - 1 / q) / (1 - 1 / q))
    # Wikipedia's worked example: Po 0.7, Pe 0.5, kappa 0.4; two categories, so S is 0.4 too.
    wiki = coefficients(units_from_table([[20, 5], [10, 15]]), n_boot=0)
    assert (wiki["expected_agreement"], wiki["bennett_s"]) == pytest.approx((50.0, 0.4))


def test_fleiss_chance_agreement_and_randolph_s_by_hand():
    """Six raters, so Pe is Fleiss' (sum of squared category shares) and S is Randolph's
    free-marginal kappa: mean pairwise agreement against 1/q."""
    result = coefficients(FLEISS_1971, n_boot=0)
    _, counts = np.unique(FLEISS_1971, return_counts=True)
    shares = counts / counts.sum()
    assert result["expected_agreement"] == pytest.approx(100 * (shares ** 2).sum())
    per_unit = np.array([(np.unique(row, return_counts=True)[1] * (np.unique(row, return_counts=True)[1] - 1)).sum()
                         / (6 * 5) for row in FLEISS_1971])
    assert result["bennett_s"] == pytest.approx((per_unit.mean() - 1 / 5) / (1 - 1 / 5))
    assert result["fleiss_kappa"] == pytest.approx((per_unit.mean() - (shares ** 2).sum()) / (1 - (shares ** 2).sum()))
    assert np.isnan([result["cohen_kappa"], result["cohen_kappa_se"]]).all()


@pytest.mark.parametrize("missing", ["", " ", "NA", "N/A", "n/a", "-", "#N/A", None, nan, pd.NA], ids=repr)
def test_coefficients_never_count_a_missing_value_as_a_category(missing):
    """Issue 15's example as a units x coders matrix: alpha 4/9 = 0.444, not 5/19 = 0.263."""
    ratings = pd.DataFrame({"ann": ["a", "a", "a", "b"], "bo": ["a", "b", missing, "b"]})
    result = coefficients(ratings, n_boot=0)
    assert result["krippendorff_alpha"] == pytest.approx(4 / 9)
    assert (result["n_units"], result["n_complete"]) == (3, 3)
    assert result["too_few_units"] and "fewer than 10" in result["note"]


def test_coefficients_at_the_ordinal_level_with_the_order_given():
    order = ["not-yet", "partially", "fully"]
    a = ["fully", "partially", "not-yet", "fully", "partially", "fully", "fully", "not-yet", "partially", "fully"]
    b = ["fully", "fully", "not-yet", "fully", "partially", "partially", "fully", "partially", "partially", "fully"]
    result = coefficients(pd.DataFrame({"ann": a, "bo": b}), level="ordinal", order=order, n_boot=2000)
    assert result["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha([a, b], level_of_measurement="ordinal", value_domain=order))
    assert result["alpha_ci_low"] <= result["krippendorff_alpha"] <= result["alpha_ci_high"]
    assert result["cohen_kappa"] == pytest.approx(kappa_by_hand(np.array(a), np.array(b)))
    assert not result["too_few_units"]
    with pytest.raises(InputError, match=r"row 3, column 'bo'.*'done'"):
        coefficients(pd.DataFrame({"ann": a[:3], "bo": ["fully", "done", "fully"]}), level="ordinal", order=order)


# --------------------------------------------------------------------------- hand-made codings


def _codings(rows):
    return pd.DataFrame(rows, columns=["session_id", "segment_id", "code_id", "coder", "memo"]) \
        .assign(country="testland")


@pytest.fixture
def codings():
    """ann and bo double-code S1 and S2; S3 is coded by ann only."""
    return _codings([
        ("S1", "S1-T001", "A", "ann", None), ("S1", "S1-T002", "A", "ann", None),
        ("S1", "S1-T002", "B", "ann", None), ("S1", "S1-T003", "B", "ann", None),
        ("S2", "S2-T001", "A", "ann", None), ("S2", "S2-T002", "B", "ann", None),
        ("S3", "S3-T001", "A", "ann", None),
        ("S1", "S1-T001", "A", "bo", None), ("S1", "S1-T002", "A", "bo", None),
        ("S1", "S1-T003", "B", "bo", None), ("S1", "S1-T003", "A", "bo", "close to B, kept both"),
        ("S2", "S2-T001", "B", "bo", None), ("S2", "S2-T002", "B", "bo", None),
    ])


@pytest.fixture
def segments():
    ids = ["S1-T001", "S1-T002", "S1-T003", "S1-T004", "S2-T001", "S2-T002", "S2-T003",
           "S3-T001", "S3-T002"]
    return pd.DataFrame({"segment_id": ids, "session_id": [i[:2] for i in ids],
                         "text": [f"Turn {i}: " + "words " * 20 for i in ids]})


def pooled_note_is_empty(table) -> bool:
    return bool(table.loc[table["code_id"] == ALL_CODES, "note"].eq("").all())


def _row(table, code, with_uncoded=True):
    hit = table.loc[(table["code_id"] == code) & (table["with_uncoded"] == with_uncoded)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_agreement_end_to_end_with_uncoded_segments(codings, segments):
    # Seven units: S1-T001..T004 and S2-T001..T003 (S3 is single-coded); T004 and S2-T003
    # are uncoded. Code A: ann 1100100, bo 1110000 -> 5/7 agree; 2x2 table [[3,1],[1,2]]:
    # kappa = (5/7 - 25/49) / (1 - 25/49) = 10/24; alpha = 1 - 13 * 2 / (8 * 6) = 22/48.
    # Code B: ann 0110010, bo 0010110 -> the same counts.
    t = agreement(codings, segments, include_uncoded=True)
    assert list(t.columns) == AGREEMENT_COLUMNS
    assert list(t["code_id"]) == ["A", "B", ALL_CODES]
    for code in ("A", "B"):
        r = _row(t, code)
        assert (r["unit"], r["n_units"], r["n_complete"], r["n_uncoded"], r["n_coders"]) == \
            ("segment", 7, 7, 2, 2)
        assert r["percent_agreement"] == pytest.approx(100 * 5 / 7)
        assert r["cohen_kappa"] == pytest.approx(10 / 24)
        assert r["fleiss_kappa"] == pytest.approx(10 / 24)  # equal marginals: Scott's pi = kappa
        assert r["krippendorff_alpha"] == pytest.approx(22 / 48)
        # Seven units: fewer than ten, so flagged as well as rare.
        assert r["too_few_units"]
        assert r["note"] == ("applied on only 4 segment(s): the coefficients rest on very few cases; "
                             "only 7 unit(s) coded by two or more coders, fewer than 10: too few for the "
                             "coefficients to mean much")
    assert _row(t, "A")["n_applied"] == 4
    assert pooled_note_is_empty(t)
    pooled = _row(t, ALL_CODES)
    assert (pooled["unit"], pooled["n_units"], pooled["n_uncoded"], pooled["too_few_units"]) == \
        ("segment x code", 14, 4, False)
    assert pooled["percent_agreement"] == pytest.approx(100 * 10 / 14)
    assert pooled["cohen_kappa"] == pytest.approx(40 / 96)
    assert pooled["krippendorff_alpha"] == pytest.approx(alpha_by_hand(np.vstack([
        reliability_matrix(codings, c, segments).to_numpy() for c in ("A", "B")])))


def test_agreement_without_uncoded_segments(codings, segments):
    # Five units remain. Code A: ann 11010, bo 11100 -> 3/5; table [[1,1],[1,2]]:
    # kappa = (3/5 - 13/25) / (12/25) = 1/6; alpha = 1 - 9 * 2 / (4 * 6) = 0.25.
    t = agreement(codings, segments, include_uncoded="both")
    assert list(t["with_uncoded"]) == [True] * 3 + [False] * 3
    r = _row(t, "A", with_uncoded=False)
    assert (r["n_units"], r["n_uncoded"]) == (5, 0)
    assert r["percent_agreement"] == pytest.approx(60.0)
    assert r["cohen_kappa"] == pytest.approx(1 / 6)
    assert r["krippendorff_alpha"] == pytest.approx(0.25)
    # Without the segments table uncoded segments are unknown: same units, and a note says so.
    no_segments = agreement(codings)
    assert _row(no_segments, "A")["cohen_kappa"] == pytest.approx(1 / 6)
    assert "segments no coder coded are unknown" in _row(no_segments, "A")["note"]
    assert not agreement(codings, include_uncoded=False)["note"].str.contains("unknown").any()


def test_reliability_matrix_marks_missing_sessions(codings, segments):
    third = _codings([("S1", "S1-T001", "A", "cy", None), ("S1", "S1-T003", "B", "cy", None)])
    m = reliability_matrix(pd.concat([codings, third]), "A", segments)
    assert list(m.columns) == ["ann", "bo", "cy"]
    assert list(m.index) == ["S1-T001", "S1-T002", "S1-T003", "S1-T004",
                             "S2-T001", "S2-T002", "S2-T003"]
    expected = np.array([[1, 1, 1], [1, 1, 0], [0, 1, 0], [0, 0, 0],
                         [1, 0, nan], [0, 0, nan], [0, 0, nan]])
    np.testing.assert_array_equal(m.to_numpy(), expected)


def test_agreement_with_a_coder_missing_some_sessions(codings, segments):
    third = _codings([("S1", "S1-T001", "A", "cy", None), ("S1", "S1-T003", "B", "cy", None)])
    both = pd.concat([codings, third])
    t = agreement(both, segments)
    r = _row(t, "A")
    assert (r["n_units"], r["n_complete"], r["n_coders"], r["coders"]) == (7, 4, 3, "ann;bo;cy")
    matrix = reliability_matrix(both, "A", segments).to_numpy()
    assert r["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(matrix.T, level_of_measurement="nominal"))
    assert r["krippendorff_alpha"] == pytest.approx(alpha_by_hand(matrix))
    table, _ = aggregate_raters(matrix[:4].astype(int))
    assert r["fleiss_kappa"] == pytest.approx(fleiss_kappa(table))
    assert np.isnan(r["cohen_kappa"]) and "exactly two coders" in r["note"]
    # Choosing two of the three coders brings Cohen's kappa back.
    pair = agreement(both, segments, coders=["ann", "cy"])
    assert _row(pair, "A")["n_units"] == 4
    assert not np.isnan(_row(pair, "A")["cohen_kappa"])


def test_no_variation_and_small_n_give_nan_and_words_without_warnings():
    codings = _codings([("S1", "S1-T001", "A", "ann", None), ("S1", "S1-T001", "A", "bo", None),
                        ("S1", "S1-T002", "A", "ann", None), ("S1", "S1-T002", "A", "bo", None)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = agreement(codings)
        one = agreement(codings.iloc[[0, 1]])
    r = _row(t, "A")
    assert r["percent_agreement"] == 100.0
    assert np.isnan([r["cohen_kappa"], r["fleiss_kappa"], r["krippendorff_alpha"]]).all()
    assert "no variation (every coder applied it to every segment)" in r["note"]
    assert _row(one, "A")["n_units"] == 1
    assert np.isnan(_row(one, "A")["krippendorff_alpha"])
    assert "undefined" in _row(one, "A")["note"]


def test_single_coder_gets_a_clear_message(codings):
    ann = codings.loc[codings["coder"] == "ann"]
    t = agreement(ann)
    assert list(t["code_id"]) == [ALL_CODES]
    assert np.isnan(t.loc[0, "krippendorff_alpha"])
    assert "only one coder (ann)" in t.loc[0, "note"]
    assert disagreements(ann).empty
    with pytest.raises(ParameterError, match="at least two coders"):
        agreement(codings, coders=["ann"])


def test_no_overlap_between_coders_is_reported_not_raised():
    codings = _codings([("S1", "S1-T001", "A", "ann", None), ("S2", "S2-T001", "A", "bo", None)])
    t = agreement(codings)
    assert list(t["code_id"]) == [ALL_CODES]
    assert t.loc[0, "n_units"] == 0
    assert "no session was coded by two or more" in t.loc[0, "note"]


def test_unknown_coder_and_missing_column_are_clear_errors(codings):
    with pytest.raises(ParameterError, match=r"'zed' has no codings.*ann, bo"):
        agreement(codings, coders=["ann", "zed"])
    with pytest.raises(InputError, match="no 'coder' column"):
        agreement(codings.drop(columns="coder"))
    with pytest.raises(ParameterError, match="include_uncoded"):
        agreement(codings, include_uncoded="sometimes")


def test_disagreements_for_the_reconciliation_meeting(codings, segments):
    d = disagreements(codings, segments, excerpt_chars=30)
    assert list(d.columns) == DISAGREEMENT_COLUMNS
    got = d[["segment_id", "code_id", "applied_by", "not_applied_by"]].values.tolist()
    assert got == [["S1-T002", "B", "ann", "bo"], ["S1-T003", "A", "bo", "ann"],
                   ["S2-T001", "A", "ann", "bo"], ["S2-T001", "B", "bo", "ann"]]
    assert d.loc[1, "memos"] == "bo: close to B, kept both"
    assert d.loc[0, "text"] == "Turn S1-T002: words words…"
    assert d["country"].eq("testland").all()
    # As many disagreements as per-code units on which the coders did not agree.
    t = agreement(codings, segments)
    missed = (t.loc[t["code_id"] != ALL_CODES, "n_units"]
              * (1 - t.loc[t["code_id"] != ALL_CODES, "percent_agreement"] / 100)).round().sum()
    assert len(d) == missed


def test_disagreements_name_the_coders_who_did_not_apply_with_three_coders(codings):
    third = _codings([("S1", "S1-T001", "A", "cy", None), ("S1", "S1-T003", "B", "cy", None)])
    d = disagreements(pd.concat([codings, third]))
    row = d.loc[(d["segment_id"] == "S1-T002") & (d["code_id"] == "A")].iloc[0]
    assert (row["applied_by"], row["not_applied_by"], row["n_coders"]) == ("ann;bo", "cy", 3)
    # S2 was not coded by cy, so cy is neither for nor against there.
    row = d.loc[(d["segment_id"] == "S2-T001") & (d["code_id"] == "A")].iloc[0]
    assert (row["not_applied_by"], row["n_coders"]) == ("bo", 2)
    assert d["text"].isna().all()


def test_coder_summary(codings):
    s = coder_summary(codings)
    assert s.values.tolist() == [["ann", 3, 6, 7, 2, 2], ["bo", 2, 5, 6, 2, 2]]


def test_codings_without_a_code_are_no_codings(codings, segments):
    blank = _codings([("S1", "S1-T004", " ", "ann", None), ("S1", "S1-T004", "N/A", "bo", None),
                      ("S2", "S2-T003", None, "bo", None)])
    t = agreement(pd.concat([codings, blank]), segments)
    assert list(t["code_id"]) == ["A", "B", ALL_CODES]
    pd.testing.assert_frame_equal(t, agreement(codings, segments))


def test_agreement_intervals_are_reproducible_and_hold_the_estimate(codings, segments):
    t = agreement(codings, segments, n_boot=4000)
    again = agreement(codings, segments, n_boot=4000)
    pd.testing.assert_frame_equal(t, again)
    defined = t.dropna(subset=["krippendorff_alpha"])
    assert (defined["alpha_ci_low"] <= defined["krippendorff_alpha"]).all()
    assert (defined["krippendorff_alpha"] <= defined["alpha_ci_high"]).all()
    assert (defined["q_below_0.667"] <= defined["q_below_0.800"]).all()
    assert t["too_few_units"].dtype == bool
    none = agreement(codings, segments, n_boot=0)
    assert none[["alpha_ci_low", "alpha_ci_high", "q_below_0.667"]].isna().all().all()
    assert not none["cohen_kappa_se"].isna().all()


def _rendered_agreement_paragraphs(codings, segments):
    """describe_agreement on every kind of table it can meet, including undefined coefficients."""
    same = _codings([("S1", f"S1-T00{i}", "A", c, None) for i in range(1, 4) for c in ("ann", "bo")])
    third = _codings([("S1", "S1-T001", "A", "cy", None), ("S1", "S1-T003", "B", "cy", None)])
    tables = [
        agreement(codings, segments), agreement(codings, segments, include_uncoded="both"),
        agreement(codings, segments, n_boot=0), agreement(same), agreement(same.iloc[:2]),
        agreement(codings.loc[codings["coder"] == "ann"]),
        agreement(_codings([("S1", "S1-T001", "A", "ann", None), ("S2", "S2-T001", "A", "bo", None)])),
        agreement(pd.concat([codings, third]), segments),
        agreement(codings.iloc[:0]),
    ]
    pooled = agreement(codings, segments).query("code_id == @ALL_CODES")
    numbers = [c for c in AGREEMENT_COLUMNS if c.startswith(("percent", "expected", "bennett", "cohen", "fleiss",
                                                                "krippendorff", "alpha", "q_below"))]
    tables.append(pooled.assign(**{c: nan for c in numbers if c != "percent_agreement"}))
    tables.append(pooled.assign(cohen_kappa=nan, alpha_ci_low=nan, **{"q_below_0.800": nan}))
    tables.append(pooled.assign(krippendorff_alpha=nan, too_few_units=False, n_units=40))
    tables.append(pooled[["code_id", "n_units", "krippendorff_alpha", "percent_agreement", "coders", "note"]])
    return [describe_agreement(t) for t in tables]


def test_reader_text_never_says_nan(codings, segments):
    texts = _rendered_agreement_paragraphs(codings, segments)
    for text in texts:
        assert not re.search(r"\b(nan|none|inf|null)\b|<NA>", text, flags=re.IGNORECASE), text
    assert any("not defined" in t for t in texts)
    assert any("95% interval" in t for t in texts)
    assert any("of ann, bo and cy, Krippendorff's alpha is" in t for t in texts)


def test_reader_text_gives_no_figure_for_too_few_units():
    few = _codings([("S1", f"S1-T00{i}", "A" if i % 2 else "B", c, None) for i in range(1, 4) for c in ("ann", "bo")]
                   + [("S1", "S1-T002", "A", "ann", None)])
    t = agreement(few)
    assert t.loc[t["code_id"] == ALL_CODES, "too_few_units"].all()
    text = describe_agreement(t)
    assert text.startswith("Agreement between coders cannot be measured yet: ann and bo made only 6 ")
    assert "fewer than the 10 needed" in text
    assert not re.search(r"\d\.\d", text), text


@pytest.mark.parametrize("value, words", [
    (-0.05, "poor (less than chance)"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"),
    (0.41, "moderate"), (0.61, "substantial"), (0.80, "substantial"), (0.81, "almost perfect"),
    (nan, "undefined"),
])
def test_interpret_kappa_landis_koch_bands(value, words):
    assert interpret_kappa(value) == words


def test_interpret_alpha_thresholds():
    assert interpret_alpha(0.800).startswith("reliable")
    assert interpret_alpha(0.667).startswith("acceptable for tentative")
    assert interpret_alpha(0.666).startswith("unreliable")
    assert interpret_alpha(None) == "undefined"


def test_agreement_dots_figure(codings, segments):
    import matplotlib.pyplot as plt

    from sparklearn.report.figures import agreement_dots

    t = agreement(codings, segments, include_uncoded="both")
    fig = agreement_dots(t, with_uncoded=False)
    ax = fig.axes[0]
    assert [l.get_text() for l in ax.get_yticklabels()] == ["A", "B", ALL_CODES]
    lines = {round(l.get_xdata()[0], 3) for l in ax.get_lines()}
    assert {0.667, 0.8} <= lines
    alpha_dots = ax.collections[0].get_offsets()
    np.testing.assert_allclose(alpha_dots[:, 0], t.loc[~t["with_uncoded"], "krippendorff_alpha"])
    plt.close(fig)
