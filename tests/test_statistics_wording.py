"""Statistics said as strongly as they stand: each wording rule of the comparison pinned on a small fixture.

The rules (issue 13): Cramér's V with Bergsma's bias correction; effect words ("weak",
"moderate"...) only beside a test that supports them; cell residuals only where the table's
own test stands out after one Holm correction across every test of the report, whose size
the words name; tests called by their right names; the dispersion reported is the one the
intervals use; rate-ratio sentences that give every result, never a selection.
"""

from __future__ import annotations

from fractions import Fraction
from math import sqrt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from sparklearn.analysis import contingency, multiplicity
from sparklearn.analysis import rates as analysis_rates
from sparklearn.exceptions import ParameterError
from sparklearn.report import comparison_words as words

EFFECT_WORDS = ("negligible", "weak", "moderate", "strong")


def _effect_words(text: str) -> list[str]:
    """The effect words a text uses of an association ("a pattern this strong" speaks of chance, not of size)."""
    return [w for w in EFFECT_WORDS if w in text.replace("a pattern this strong", "")]


def _outcomes(table: list[list[int]], rows: list[str], cols: list[str], col: str = "level") -> pd.DataFrame:
    records = [(r, c) for i, r in enumerate(rows) for j, c in enumerate(cols) for _ in range(table[i][j])]
    return pd.DataFrame(records, columns=["country", col])


def _table(table: list[list[int]], col: str = "level") -> contingency.ContingencyResult:
    rows = ["ghana", "kenya", "india", "senegal"][:len(table)]
    cols = ["local", "subnational", "national", "international"][:len(table[0])]
    return contingency.contingency(_outcomes(table, rows, cols, col), "country", col)


def _exposure(months: dict[str, float], group: dict[str, str]) -> pd.DataFrame:
    ids = list(months)
    return pd.DataFrame({
        "campaign_id": ids, "country": [group[c] for c in ids], "sector": [group[c] for c in ids],
        "start": pd.Timestamp("2020-01-01"), "end": pd.Timestamp("2030-01-01"),
        "campaign_months": [months[c] for c in ids], "n_sessions": 1, "session_share": 1.0,
    })


def _outcomes_from_counts(counts: dict[str, int]) -> pd.DataFrame:
    ids = [c for c, k in counts.items() for _ in range(int(k))]
    return pd.DataFrame({"outcome_id": [f"O{i:04d}" for i in range(len(ids))], "campaign_id": ids,
                         "date": pd.Timestamp("2021-06-01")})


# --------------------------------------------------------------------------- bias-corrected Cramér's V


def _chi2_by_hand(table: list[list[int]]) -> Fraction:
    """Pearson's chi-square in exact fractions, from the definition (independent of scipy)."""
    n = sum(map(sum, table))
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    return sum((Fraction(o) - Fraction(rows[i] * cols[j], n)) ** 2 / Fraction(rows[i] * cols[j], n)
               for i, row in enumerate(table) for j, o in enumerate(row))


def test_bias_corrected_cramers_v_follows_bergsma_by_hand_on_a_published_table():
    # lsr::cramersV's documented example (Navarro): two conditions choosing among three options;
    # the documentation says it "returns a value of 0.159" for the plain V.
    table = [[30, 35], [20, 30], [50, 35]]
    result = contingency.contingency(_outcomes(table, ["choice1", "choice2", "choice3"], ["c1", "c2"]),
                                     "country", "level")
    assert round(result.cramers_v, 3) == 0.159
    # Bergsma (2013), as in rcompanion::cramerV(bias.correct = TRUE) (cran/rcompanion R/cramerV.r), in fractions:
    n, r, k = 200, 3, 2
    phi2 = max(Fraction(0), _chi2_by_hand(table) / n - Fraction((r - 1) * (k - 1), n - 1))
    rc, kc = r - Fraction((r - 1) ** 2, n - 1), k - Fraction((k - 1) ** 2, n - 1)
    expected = sqrt(phi2 / min(rc - 1, kc - 1))
    assert result.cramers_v_corrected == pytest.approx(expected, rel=1e-12)
    assert result.cramers_v_corrected == pytest.approx(0.1232, abs=1e-4)
    assert result.cramers_v_corrected < result.cramers_v


def test_bias_corrected_cramers_v_keeps_a_perfect_association_and_zeroes_chance():
    assert contingency.bias_corrected_cramers_v(np.array([[10, 0], [0, 10]])) == pytest.approx(1.0)
    assert contingency.bias_corrected_cramers_v(np.array([[5, 5, 5], [5, 5, 5]])) == 0.0
    assert np.isnan(contingency.bias_corrected_cramers_v(np.array([[1, 0], [0, 1]])))  # n too small to correct
    # Under independence the plain V of sparse 4 x 5 tables of 60 runs well above 0; the corrected one much less.
    rng = np.random.default_rng(13)
    plain, corrected = [], []
    for _ in range(200):
        counts = rng.multinomial(60, np.full(20, 1 / 20)).reshape(4, 5)
        if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
            continue
        plain.append(float(np.sqrt(sm.stats.Table(counts).test_nominal_association().statistic / (60 * 3))))
        corrected.append(contingency.bias_corrected_cramers_v(counts))
    assert np.mean(plain) > 0.2 and np.mean(corrected) < 0.1


# --------------------------------------------------------------------------- effect words beside a test


NOT_SIGNIFICANT = [[10, 9, 11], [11, 10, 9], [9, 11, 10]]
SIGNIFICANT = [[30, 8], [9, 28]]


def test_no_effect_word_beside_a_test_that_does_not_support_one():
    # The case: a plain V that Cohen's benchmarks would call something, with a p-value near 1.
    small = _table([[4, 2, 1], [2, 4, 2], [1, 2, 4]])
    assert small.p_value > 0.05 and small.cramers_v > 0.2
    text = words.describe_contingency(small)
    assert "is not distinguishable from none" in text
    assert f"Cramér's V = {small.cramers_v:.2f} ({small.cramers_v_corrected:.2f} after bias correction)" in text
    assert _effect_words(text) == [], text
    assert "associated in these" not in text

    flat = words.describe_contingency(_table(NOT_SIGNIFICANT))
    assert "not distinguishable from none" in flat and "(0.00 after bias correction)" in flat
    assert _effect_words(flat) == []


def test_an_effect_word_only_with_a_test_that_supports_it_and_read_from_the_corrected_v():
    result = _table(SIGNIFICANT)
    assert result.p_value < 0.001
    text = words.describe_contingency(result)
    assert "Country and level are associated in these 75 outcomes, more than chance easily produces" in text
    assert (f"The association is strong (bias-corrected Cramér's V = {result.cramers_v_corrected:.2f}; "
            f"{result.cramers_v:.2f} without the correction)") in text
    assert "not distinguishable" not in text


# --------------------------------------------------------------------------- one family for the report

# Significant on its own (p = 0.018) with two cells that stand out, but not after a correction over 3 tests.
BORDERLINE = [[30, 20, 20], [20, 20, 40]]


def test_report_tests_adjust_every_p_value_once_with_holm():
    rr = _one_campaign_each({"india": 20, "ghana": 60, "kenya": 2, "senegal": 22})
    tables = {"a": _table(BORDERLINE), "b": _table(NOT_SIGNIFICANT)}
    tests = multiplicity.report_tests({"rates": rr, "none": None, **tables})
    assert tests["name"].tolist() == ["rates"] * 3 + ["a", "b"]
    assert tests["p_adjusted"].to_numpy() == pytest.approx(multipletests(tests["p_value"], method="holm")[1])
    adjusted = multiplicity.correct_across_report({"rates": rr, "none": None, **tables})
    assert list(adjusted) == ["rates", "none", "a", "b"] and adjusted["none"] is None
    assert adjusted["a"].family_size == adjusted["rates"].family_size == 5
    assert adjusted["a"].p_adjusted == pytest.approx(tests.loc[tests["name"] == "a", "p_adjusted"].item())
    table = adjusted["rates"].table.set_index("term")
    assert np.isnan(table.loc["india", "p_adjusted"])  # the reference is no test
    assert table.loc["ghana", "p_adjusted"] == pytest.approx(
        tests.query("name == 'rates' and term == 'ghana'")["p_adjusted"].item())
    with pytest.raises(ParameterError, match="contingency"):
        multiplicity.report_tests({"x": 0.05})


def test_cells_are_named_only_where_the_table_stands_out_after_the_report_wide_correction():
    alone = _table(BORDERLINE)
    assert 0.01 < alone.p_value < 0.05 and alone.cells["notable"].sum() == 2
    text = words.describe_contingency(alone)
    assert "Cells that stand out (adjusted residuals, Holm-corrected over the table's 6 cells)" in text
    assert "kenya has more outcomes in 'national'" in text

    family = multiplicity.correct_across_report({"levels": alone, "flat": _table(NOT_SIGNIFICANT),
                                                 "also flat": _table([[10, 10], [10, 11]])})
    assert family["levels"].p_adjusted == pytest.approx(3 * alone.p_value)
    corrected = words.describe_contingency(family["levels"])
    assert "Cells that stand out" not in corrected and "has more outcomes" not in corrected
    assert "No single cell is read on its own, since the table as a whole does not stand out." in corrected
    assert ("is not distinguishable from none once the report's other tests are allowed for: with 3 tests made, a "
            "pattern this strong in one of them is within what chance produces") in corrected
    assert "p = 0.018; p = 0.054 after Holm's correction across the report's 3 tests" in corrected
    assert _effect_words(corrected) == []


# --------------------------------------------------------------------------- the tests' right names


def test_tests_are_called_by_their_right_names():
    chi = _table(SIGNIFICANT)
    assert chi.test == "chi-square"
    assert "Pearson's chi-square test, chi-square = " in words.describe_contingency(chi)
    assert "with 1 degree of freedom" in words.describe_contingency(chi)
    three = _table(BORDERLINE)
    assert "with 2 degrees of freedom" in words.describe_contingency(three)

    fisher = _table([[7, 1], [2, 6]])
    assert fisher.test == "fisher exact" and "Fisher's exact test, p = " in words.describe_contingency(fisher)

    sparse = _table([[5, 1, 0, 2], [1, 4, 3, 0]])
    text = words.describe_contingency(sparse)
    assert sparse.test == "monte-carlo"
    assert "Monte-Carlo test: chi-square = 9.5 set against 9,999 random tables with the same totals" in text
    assert "exact" not in text and "Fisher" not in text

    assert words.test_label("monte-carlo", 3, 9999) == "Monte-Carlo, 9,999 random tables"
    assert words.test_label("chi-square", 2) == "Pearson's chi-square, 2 degrees of freedom"
    summary = contingency.contingency_summary([chi, sparse])
    assert summary[["test", "dof", "n_resamples"]].values.tolist() == [["chi-square", 1, 0], ["monte-carlo", 3, 9999]]


# --------------------------------------------------------------------------- dispersion: reported = used


def _campaigns(counts: np.ndarray, groups: int = 3, months: float = 20.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"c{i:02d}" for i in range(len(counts))]
    group = {c: ["health", "water", "education"][i % groups] for i, c in enumerate(ids)}
    return _outcomes_from_counts(dict(zip(ids, counts))), _exposure(dict.fromkeys(ids, months), group)


def _simulated(overdispersed: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """24 campaigns of 20 months at about one outcome a month; gamma-mixed (NB2, alpha 0.4) or plain Poisson."""
    rng = np.random.default_rng(2024)
    mean = np.full(24, 20.0)
    if overdispersed:
        mean = rng.gamma(shape=1 / 0.4, scale=0.4 * mean)
    return _campaigns(rng.poisson(mean))


def test_overdispersed_counts_get_quasi_poisson_intervals_widened_by_the_dispersion_reported():
    o, e = _simulated(overdispersed=True)
    auto = analysis_rates.rate_ratios(o, e, by="sector", family="auto")
    assert auto.family == "quasipoisson" and auto.dispersion > 3
    assert auto.spread == pytest.approx(auto.dispersion)
    # The same intervals as statsmodels' quasi-Poisson fit (scale = Pearson chi-square / df, t intervals).
    counts = o.groupby("campaign_id").size().reindex(e["campaign_id"], fill_value=0)
    exog = pd.get_dummies(e["sector"]).drop(columns=auto.reference).astype(float)
    exog.insert(0, "const", 1.0)
    direct = sm.GLM(counts.to_numpy(), exog.to_numpy(), family=sm.families.Poisson(),
                    offset=np.log(e["campaign_months"].to_numpy())).fit(scale="X2", use_t=True)
    assert direct.scale == pytest.approx(auto.dispersion)
    first = exog.columns[1]
    row = auto.table.set_index("term").loc[first]
    assert row["ci_low"] == pytest.approx(np.exp(direct.conf_int()[1, 0]))
    assert row["ci_high"] == pytest.approx(np.exp(direct.conf_int()[1, 1]))

    text = words.describe_rate_ratios(auto)
    assert (f"a quasi-Poisson model: the counts vary between campaigns about {auto.dispersion:.1f} times as much as a "
            "Poisson model expects (Pearson chi-square / df), and the intervals are widened to allow for exactly that"
            ) in text
    assert "negative-binomial" not in text

    plain = analysis_rates.rate_ratios(o, e, by="sector", family="poisson")
    assert any("these Poisson intervals are too narrow" in w for w in plain.warnings)
    assert plain.spread == 1.0
    assert f"about {plain.dispersion:.1f} times as much as it expects" in words.describe_rate_ratios(plain)

    negbin = analysis_rates.rate_ratios(o, e, by="sector", family="negbin")
    assert negbin.spread == pytest.approx(1 + negbin.alpha_nb * negbin.mean_count) and negbin.spread > 2
    said = words.describe_rate_ratios(negbin)
    assert f"a variance {negbin.spread:.2f} times Poisson's" in said and "practically Poisson's" not in said
    assert f"{negbin.dispersion:.1f} times" not in said  # the Pearson figure is not the one its intervals use


def test_counts_without_extra_spread_are_said_to_have_poisson_intervals():
    o, e = _simulated(overdispersed=False)
    auto = analysis_rates.rate_ratios(o, e, by="sector", family="auto")
    assert auto.family == "poisson" and auto.dispersion < 1.5 and auto.spread == 1.0
    text = words.describe_rate_ratios(auto)
    assert "a Poisson model (the standard model for counts" in text and "quasi" not in text

    negbin = analysis_rates.rate_ratios(o, e, by="sector", family="negbin")
    assert negbin.spread < analysis_rates.NEGLIGIBLE_SPREAD
    said = words.describe_rate_ratios(negbin)
    assert "which estimated almost no extra spread between campaigns" in said
    assert "so its intervals are practically Poisson's" in said
    assert "allows the counts to vary" not in said

    quasi = analysis_rates.rate_ratios(o, e, by="sector", family="quasipoisson")
    assert quasi.spread == 1.0  # never narrower than Poisson's
    assert "so its intervals are Poisson's" in words.describe_rate_ratios(quasi)


# --------------------------------------------------------------------------- every rate ratio, none selected


def _one_campaign_each(counts: dict[str, int], months: float = 100.0) -> analysis_rates.RateRatios:
    o = _outcomes_from_counts(counts)
    e = _exposure(dict.fromkeys(counts, months), {c: c for c in counts})
    return analysis_rates.rate_ratios(o, e, by="country", reference="india")


def test_rate_ratio_sentences_give_every_ratio_and_every_one_that_stands_out():
    # Seven ratios against India's 20: four well above, one well below, two close to 1.
    counts = {"india": 20, "ghana": 70, "kenya": 65, "nigeria": 60, "senegal": 55, "south-africa": 2,
              "indonesia": 22, "benin": 19}
    result = _one_campaign_each(counts)
    text = words.describe_rate_ratios(result)
    assert "All 7 rate ratios (times the reference rate)" in text
    for country, k in counts.items():
        if country != "india":
            assert f"{country} {k / 20:.2f} (" in text, country
    # The fifth that stands out is the smallest ratio, the last of the seven: it is named with the others.
    assert ("Ghana (p < 0.001), kenya (p < 0.001), nigeria (p < 0.001), senegal (p < 0.001) and south-africa "
            "(p = 0.006) differ from the reference rate by more than chance easily produces (after Holm's correction "
            "across the model's 7 ratios).") in text
    assert "For the others (indonesia and benin) the data are compatible with the reference rate." in text
    assert "not described one by one" not in text and "shown in the figure" not in text

    # In the report's family the p-values and the family's size are the report's.
    family = multiplicity.correct_across_report({"rates": result, "table": _table(NOT_SIGNIFICANT)})
    text = words.describe_rate_ratios(family["rates"])
    assert "after Holm's correction across the report's 8 tests" in text


def test_an_interval_that_excludes_one_but_not_after_correction_is_said_to_be_possibly_chance():
    result = _one_campaign_each({"india": 40, "ghana": 62, "kenya": 41})
    table = result.table.set_index("term")
    assert table.loc["ghana", "ci_low"] > 1 and table.loc["ghana", "p_value"] < 0.05
    family = multiplicity.correct_across_report({"rates": result, **{f"t{i}": _table(NOT_SIGNIFICANT)
                                                                     for i in range(4)}})
    assert family["rates"].table.set_index("term").loc["ghana", "p_adjusted"] >= 0.05
    text = words.describe_rate_ratios(family["rates"])
    assert ("The 95% interval of ghana excludes 1, but it does not stand out after Holm's correction across the "
            "report's 6 tests: the difference could be chance.") in text
    assert "differs from the reference rate" not in text
    assert "For the other (kenya) the data are compatible with the reference rate." in text
