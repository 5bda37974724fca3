"""Tests of sparklearn.compare: each statistic against a direct statsmodels/scipy fit or a hand computation."""

from __future__ import annotations

import itertools
from math import comb, log, sqrt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sparklearn import store
from sparklearn.analysis import cases as analysis_cases
from sparklearn.analysis import contingency, qca, themes
from sparklearn.analysis import outcomes as analysis_outcomes
from sparklearn.analysis import rates as analysis_rates
from sparklearn.countries import Registry, load_registry
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.report import comparison_words as report_words


def _registry(rows: list[tuple[str, str, str, str]]) -> Registry:
    """A registry from (campaign_id, country, sector, start_date) rows."""
    campaigns = pd.DataFrame(rows, columns=["campaign_id", "country", "sector", "start_date"])
    campaigns["start_date"] = pd.to_datetime(campaigns["start_date"])
    countries = pd.DataFrame({"slug": campaigns["country"].unique()})
    return Registry(countries, campaigns, Path("countries.yaml"))


def _exposure(months: dict[str, float], sector: dict[str, str], country: dict[str, str] | None = None) -> pd.DataFrame:
    ids = list(months)
    return pd.DataFrame({
        "campaign_id": ids, "country": [(country or {}).get(c, c) for c in ids], "sector": [sector[c] for c in ids],
        "start": pd.Timestamp("2020-01-01"), "end": pd.Timestamp("2030-01-01"),
        "campaign_months": [months[c] for c in ids], "n_sessions": 1, "session_share": 1.0,
    })


def _outcomes_from_counts(counts: dict[str, int], date: str = "2021-06-01") -> pd.DataFrame:
    ids = [c for c, k in counts.items() for _ in range(k)]
    return pd.DataFrame({"outcome_id": [f"O{i:03d}" for i in range(len(ids))], "campaign_id": ids,
                         "date": pd.Timestamp(date)})


# --------------------------------------------------------------------------- exposure and rates


def test_exposure_counts_campaign_months_and_sessions_by_hand():
    reg = _registry([("a1", "x", "health", "2020-01-01"), ("a2", "x", "water", "2020-07-01"),
                     ("b1", "y", "health", "2021-06-01")])
    sessions = pd.DataFrame({
        "session_id": ["S1", "S2", "S3", "S4"],
        "campaign_ids": ["a1;a2", "a1", "a2", "b1"],
        "date": pd.to_datetime(["2020-08-01", "2020-03-01", "2020-12-31", "2020-09-01"]),
    })
    e = analysis_rates.exposure(reg, sessions, period_end="2021-01-01").set_index("campaign_id")
    # 2020-01-01 -> 2021-01-01 is 366 days; 2020-07-01 -> 2021-01-01 is 184; b1 starts after the end.
    assert e.loc["a1", "campaign_months"] == pytest.approx(366 / (365.25 / 12))
    assert e.loc["a2", "campaign_months"] == pytest.approx(184 * 12 / 365.25)
    assert e.loc["b1", "campaign_months"] == 0
    # S1 covers both x campaigns (half a session each); S4 predates b1's start, so it does not count.
    assert e["n_sessions"].to_dict() == {"a1": 2, "a2": 2, "b1": 0}
    assert e["session_share"].to_dict() == {"a1": 1.5, "a2": 1.5, "b1": 0.0}

    later = analysis_rates.exposure(reg, sessions, period_start="2020-06-01", period_end="2021-01-01").set_index(
        "campaign_id")
    assert later.loc["a1", "campaign_months"] == pytest.approx(214 * 12 / 365.25)
    assert later.loc["a1", "n_sessions"] == 1  # S2 (March) is before the period

    only_y = analysis_rates.exposure(reg, sessions, countries=["y"], period_end="2022-01-01")
    assert only_y["campaign_id"].tolist() == ["b1"] and only_y["n_sessions"].item() == 0
    assert analysis_rates.exposure(reg, sessions, sectors=["health"])["campaign_id"].tolist() == ["a1", "b1"]
    with pytest.raises(ParameterError, match="'mining'"):
        analysis_rates.exposure(reg, sessions, sectors=["mining"])

    default_end = analysis_rates.exposure(reg, sessions)
    assert (default_end["end"] == pd.Timestamp("2020-12-31")).all()
    later_harvest = pd.DataFrame({"outcome_id": ["O1"], "date": pd.to_datetime(["2021-03-01"])})
    assert (analysis_rates.exposure(reg, sessions, outcomes=later_harvest)["end"] == pd.Timestamp("2021-03-01")).all()

    bad = sessions.assign(campaign_ids=["a1", "a1", "zz-unknown", "b1"])
    with pytest.raises(InputError, match="S3") as err:
        analysis_rates.exposure(reg, bad)
    assert err.value.value == "zz-unknown"


def test_outcome_rates_count_zeros_and_match_exact_poisson_interval():
    e = _exposure({"a": 12.0, "b": 6.0, "c": 24.0}, {"a": "health", "b": "health", "c": "water"},
                  {"a": "x", "b": "x", "c": "y"})
    o = _outcomes_from_counts({"a": 3, "b": 1})
    o.loc[len(o)] = ["O999", "a", pd.Timestamp("2019-01-01")]  # before the window: counted apart
    rates = analysis_rates.outcome_rates(o, e, by="campaign_id").set_index("campaign_id")
    assert rates["n_outcomes"].to_dict() == {"a": 3, "b": 1, "c": 0}
    assert rates["n_outside"].to_dict() == {"a": 1, "b": 0, "c": 0}
    assert rates.loc["a", "per_campaign_month"] == pytest.approx(3 / 12)
    # Garwood's exact interval from chi-square quantiles, computed directly.
    assert rates.loc["a", "ci_low"] == pytest.approx(stats.chi2.ppf(0.025, 6) / 2 / 12)
    assert rates.loc["a", "ci_high"] == pytest.approx(stats.chi2.ppf(0.975, 8) / 2 / 12)
    assert rates.loc["c", "ci_low"] == 0 and rates.loc["c", "ci_high"] == pytest.approx(
        stats.chi2.ppf(0.975, 2) / 2 / 24)

    by_country = analysis_rates.outcome_rates(o, e, by="country").set_index("country")
    assert by_country.loc["x", "per_campaign_month"] == pytest.approx(4 / 18)
    assert by_country.loc["x", "per_session"] == pytest.approx(2.0)
    assert by_country["n_campaigns"].to_dict() == {"x": 2, "y": 1}

    stray = pd.concat([o, _outcomes_from_counts({"zz": 1}).assign(outcome_id="O500")], ignore_index=True)
    with pytest.raises(InputError, match="O500"):
        analysis_rates.outcome_rates(stray, e)


def test_sector_comparison_keeps_shared_sectors_only():
    e = _exposure({"a": 10.0, "b": 20.0, "c": 5.0}, {"a": "health", "b": "health", "c": "water"},
                  {"a": "x", "b": "y", "c": "y"})
    table = analysis_rates.sector_comparison(_outcomes_from_counts({"a": 2, "b": 2, "c": 9}), e)
    assert table["sector"].unique().tolist() == ["health"]
    assert table["sector_rate"].iloc[0] == pytest.approx(4 / 30)
    assert table.set_index("country")["ratio_to_sector"].to_dict() == pytest.approx({"x": 1.5, "y": 0.75})


# --------------------------------------------------------------------------- rate ratios

RR_COUNTS = {"h1": 4, "h2": 9, "h3": 2, "w1": 12, "w2": 20, "w3": 15, "e1": 3, "e2": 0}
RR_MONTHS = {"h1": 20.0, "h2": 30.0, "h3": 12.0, "w1": 24.0, "w2": 36.0, "w3": 30.0, "e1": 18.0, "e2": 10.0}
RR_SECTOR = {c: {"h": "health", "w": "water", "e": "education"}[c[0]] for c in RR_COUNTS}


def _direct_frame() -> pd.DataFrame:
    return pd.DataFrame({"y": list(RR_COUNTS.values()), "months": list(RR_MONTHS.values()),
                         "sector": [RR_SECTOR[c] for c in RR_COUNTS]})


def test_rate_ratios_equal_a_direct_poisson_glm_with_offset():
    result = analysis_rates.rate_ratios(_outcomes_from_counts(RR_COUNTS), _exposure(RR_MONTHS, RR_SECTOR), by="sector")
    assert result.reference == "water"  # most campaign-months
    data = _direct_frame()
    direct = smf.glm("y ~ C(sector, Treatment('water'))", data, family=sm.families.Poisson(),
                     offset=np.log(data["months"])).fit()
    table = result.table.set_index("term")
    for level in ("education", "health"):
        name = f"C(sector, Treatment('water'))[T.{level}]"
        assert table.loc[level, "rate_ratio"] == pytest.approx(np.exp(direct.params[name]))
        assert table.loc[level, "ci_low"] == pytest.approx(np.exp(direct.conf_int().loc[name, 0]))
        assert table.loc[level, "ci_high"] == pytest.approx(np.exp(direct.conf_int().loc[name, 1]))
        assert table.loc[level, "p_value"] == pytest.approx(direct.pvalues[name])
    p = table.loc[["education", "health"], "p_value"].to_numpy()
    assert table.loc[["education", "health"], "p_holm"].to_numpy() == pytest.approx(
        multipletests(p, method="holm")[1])
    assert table.loc["water", "rate_ratio"] == 1 and bool(table.loc["water", "reference"])
    assert table["n"].to_dict() == {"education": 2, "health": 3, "water": 3}
    assert result.dispersion == pytest.approx(direct.pearson_chi2 / direct.df_resid)


def test_rate_ratios_negbin_equal_a_direct_negative_binomial_fit():
    counts = {"h1": 1, "h2": 15, "h3": 4, "w1": 30, "w2": 8, "w3": 22, "e1": 2, "e2": 9}
    result = analysis_rates.rate_ratios(_outcomes_from_counts(counts), _exposure(RR_MONTHS, RR_SECTOR), by="sector",
                                 reference="health", family="negbin")
    data = _direct_frame().assign(y=list(counts.values()))
    direct = smf.negativebinomial("y ~ C(sector, Treatment('health'))", data,
                                  offset=np.log(data["months"])).fit(disp=0, maxiter=200)
    name = "C(sector, Treatment('health'))[T.water]"
    water = result.table.set_index("term").loc["water"]
    assert water["rate_ratio"] == pytest.approx(np.exp(direct.params[name]), rel=1e-4)
    assert water["ci_high"] == pytest.approx(np.exp(direct.conf_int().loc[name, 1]), rel=1e-4)
    assert result.alpha_nb == pytest.approx(direct.params["alpha"], rel=1e-3)


def test_rate_ratios_warn_on_overdispersion_and_auto_switches_family():
    counts = {"h1": 1, "h2": 30, "h3": 2, "h4": 25, "w1": 3, "w2": 40, "w3": 1, "w4": 35}
    months = dict.fromkeys(counts, 20.0)
    sectors = {c: "health" if c[0] == "h" else "water" for c in counts}
    o, e = _outcomes_from_counts(counts), _exposure(months, sectors)
    poisson = analysis_rates.rate_ratios(o, e)
    assert poisson.dispersion > 10
    assert any("these Poisson intervals are too narrow" in w for w in poisson.warnings)
    assert not any("family=" in w for w in poisson.warnings)  # readers' words, not code
    auto = analysis_rates.rate_ratios(o, e, family="auto")
    # The quasi-Poisson intervals use exactly the dispersion reported.
    assert auto.family == "quasipoisson" and auto.spread == pytest.approx(poisson.dispersion)

    calm = analysis_rates.rate_ratios(_outcomes_from_counts({"h1": 10, "h2": 11, "w1": 10, "w2": 9}),
                               _exposure({"h1": 20.0, "h2": 20.0, "w1": 20.0, "w2": 20.0},
                                         {"h1": "health", "h2": "health", "w1": "water", "w2": "water"}),
                               family="auto")
    assert calm.family == "poisson" and not any("Poisson" in w for w in calm.warnings)


def test_rate_ratios_report_levels_without_outcomes_and_refuse_a_bad_reference():
    counts = {"h1": 4, "h2": 6, "w1": 0, "w2": 0, "e1": 5}
    months = dict.fromkeys(counts, 10.0)
    sectors = {"h1": "health", "h2": "health", "w1": "water", "w2": "water", "e1": "education"}
    result = analysis_rates.rate_ratios(_outcomes_from_counts(counts), _exposure(months, sectors))
    water = result.table.set_index("term").loc["water"]
    assert water["rate_ratio"] == 0 and np.isnan(water["ci_low"])
    assert any("no outcomes in water" in w for w in result.warnings)
    assert any("single campaign" in w and "education" in w for w in result.warnings)
    with pytest.raises(ParameterError, match="no outcomes"):
        analysis_rates.rate_ratios(_outcomes_from_counts(counts), _exposure(months, sectors), reference="water")


# --------------------------------------------------------------------------- contingency tables


def _outcomes_from_table(table: list[list[int]], rows: list[str], cols: list[str], col: str = "level") -> pd.DataFrame:
    records = [(r, c) for i, r in enumerate(rows) for j, c in enumerate(cols) for _ in range(table[i][j])]
    return pd.DataFrame(records, columns=["country", col])


def test_contingency_chi_square_cramers_v_and_residuals_by_hand():
    observed = np.array([[20, 15, 10], [10, 25, 20]])
    o = _outcomes_from_table(observed.tolist(), ["ghana", "kenya"], ["local", "national", "subnational"])
    result = contingency.contingency(o, "country", "level")
    direct = stats.chi2_contingency(observed, correction=False)
    assert result.test == "chi-square"
    assert result.statistic == pytest.approx(direct.statistic)
    assert result.p_value == pytest.approx(direct.pvalue)
    assert result.dof == 2 and result.n == 100
    assert result.cramers_v == pytest.approx(sqrt(direct.statistic / (100 * 1)))
    # Haberman's adjusted residual: (O - E) / sqrt(E (1 - row/n) (1 - col/n)).
    rows, cols = observed.sum(axis=1), observed.sum(axis=0)
    e = np.outer(rows, cols) / 100
    adjusted = (observed - e) / np.sqrt(e * (1 - rows[:, None] / 100) * (1 - cols[None, :] / 100))
    cell = result.cells.set_index(["country", "level"])
    assert cell.loc[("ghana", "local"), "adjusted_residual"] == pytest.approx(adjusted[0, 0])
    assert cell["adjusted_residual"].to_numpy() == pytest.approx(adjusted.ravel())
    assert cell["p_holm"].to_numpy() == pytest.approx(
        multipletests(2 * stats.norm.sf(np.abs(adjusted.ravel())), method="holm")[1])
    assert result.table.loc["kenya", "national"] == 25
    assert not result.warnings


def test_contingency_uses_fisher_for_a_small_2x2_table_and_warns():
    observed = [[7, 1], [2, 6]]
    o = _outcomes_from_table(observed, ["ghana", "kenya"], ["local", "national"])
    result = contingency.contingency(o, "country", "level")
    assert result.test == "fisher exact"
    assert result.p_value == pytest.approx(stats.fisher_exact(observed).pvalue)
    assert result.odds_ratio == pytest.approx(stats.contingency.odds_ratio(observed).statistic)
    assert any("expected counts below 5" in w and "Fisher" in w for w in result.warnings)
    assert any(w.startswith("n = 16: too few") for w in result.warnings)


def _exact_permutation_p(observed: np.ndarray) -> float:
    """Exact p of Pearson's chi-square over every 2 x c table with the same margins (hypergeometric)."""
    rows, cols = observed.sum(axis=1), observed.sum(axis=0)
    n = observed.sum()
    expected = np.outer(rows, cols) / n
    chi = lambda t: ((t - expected) ** 2 / expected).sum()  # noqa: E731
    target, p = chi(observed), 0.0
    for first in itertools.product(*(range(c + 1) for c in cols)):
        if sum(first) != rows[0]:
            continue
        table = np.array([first, cols - np.array(first)])
        prob = np.prod([comb(int(c), int(a)) for c, a in zip(cols, first)]) / comb(int(n), int(rows[0]))
        if chi(table) >= target - 1e-9:
            p += prob
    return p


def test_contingency_monte_carlo_test_agrees_with_full_enumeration():
    observed = np.array([[5, 1, 0, 2], [1, 4, 3, 0]])
    o = _outcomes_from_table(observed.tolist(), ["ghana", "kenya"], ["a", "b", "c", "d"], col="type_of_change")
    result = contingency.contingency(o, "country", "type_of_change", n_resamples=20000, seed=7)
    assert result.test == "monte-carlo" and result.seed == 7
    exact = _exact_permutation_p(observed)
    assert abs(result.p_value - exact) < 4 * sqrt(exact * (1 - exact) / 20000)
    assert any("8 of 8 cells have expected counts below 5, too many for the chi-square approximation: the p-value "
               "is a Monte-Carlo estimate, the share of 20,000 random tables" in w for w in result.warnings)
    assert not any("exact" in w for w in result.warnings)
    rows, cols = observed.sum(axis=1), observed.sum(axis=0)
    e = np.outer(rows, cols) / 16
    adjusted = (observed - e) / np.sqrt(e * (1 - rows[:, None] / 16) * (1 - cols[None, :] / 16))
    assert result.cells["adjusted_residual"].to_numpy() == pytest.approx(adjusted.ravel())  # zeros not shifted
    again = contingency.contingency(o, "country", "type_of_change", n_resamples=20000, seed=7)
    assert again.p_value == result.p_value  # a fixed seed makes the report reproducible


def test_contingency_counts_rows_left_out_and_refuses_nothing_to_compare():
    o = pd.DataFrame({"country": ["ghana"] * 5 + ["kenya"] * 5, "level": ["local", None, "", "local", "national"] * 2})
    result = contingency.contingency(o, "country", "level")
    assert result.n == 6
    assert any("4 outcomes without a country or level were left out" in w for w in result.warnings)
    one = contingency.contingency(o.iloc[[0, 1, 3, 4, 5, 8, 9]], "country", "level")
    assert one.n == 6 and any("1 outcome without a country or level was left out" in w for w in one.warnings)
    single = contingency.contingency(o.assign(country="ghana"), "country", "level")
    assert single.test == "none" and np.isnan(single.p_value)
    assert any("only 1 value of country and 2 values of level: there is nothing to compare" in w
               for w in single.warnings)


def test_contingency_summary_corrects_across_tables():
    observed = np.array([[20, 15, 10], [10, 25, 20]])
    o = _outcomes_from_table(observed.tolist(), ["ghana", "kenya"], ["local", "national", "subnational"])
    o["valence"] = np.where(np.arange(len(o)) % 3, "positive", "negative")
    results = [contingency.contingency(o, "country", "level"), contingency.contingency(o, "country", "valence")]
    summary = contingency.contingency_summary(results)
    assert summary["p_value"].tolist() == [r.p_value for r in results]
    assert summary["p_holm"].to_numpy() == pytest.approx(multipletests(summary["p_value"], method="holm")[1])


def test_describe_contingency_gives_effect_size_and_caveats_not_a_bare_p_value():
    observed = np.array([[5, 1, 0, 2], [1, 4, 3, 0]])
    o = _outcomes_from_table(observed.tolist(), ["ghana", "kenya"], ["a", "b", "c", "d"], col="type_of_change")
    text = report_words.describe_contingency(contingency.contingency(o, "country", "type_of_change"))
    assert "Cramér's V = 0.65; 0.77 without the correction" in text
    assert "Monte-Carlo test: chi-square = 9.5 set against 9,999 random tables with the same totals" in text
    assert "exact" not in text
    assert "n = 16: too few" in text and "does not show why" in text


NAMES = {"south-africa": "South Africa", "kenya": "Kenya", "india": "India"}
LABELS = {"OA-ACCOUNT": "More meaningful accountability", "OA-POWER": "Shifts in power",
          "OA-SPACES": "Democratised fiscal governance spaces"}


def test_describe_contingency_names_countries_and_codes_as_readers_know_them():
    o = _outcomes_from_table([[40, 5, 5], [5, 25, 10], [10, 10, 20]], ["south-africa", "kenya", "ghana"],
                             ["OA-ACCOUNT", "OA-POWER", "OA-SPACES"], col="outcome_area")
    result = contingency.contingency(o, "country", "outcome_area")
    text = report_words.describe_contingency(result, names=NAMES, labels=LABELS)
    # The largest residual: 40 observed against 50 * 55 / 130 = 21.15 expected.
    assert ("South Africa has more outcomes in 'More meaningful accountability' than expected if every country "
            "spread its outcomes alike (40 observed, 21.2 expected") in text
    assert "Kenya has more outcomes in 'Shifts in power' than expected" in text
    assert "south-africa" not in text and "kenya" not in text and "OA-" not in text
    assert "more More" not in text.replace("more outcomes", "")
    # Without the mappings the sentence keeps the values as they are in the data.
    assert "south-africa has more outcomes in 'OA-ACCOUNT'" in report_words.describe_contingency(result)


def test_describe_rate_ratios_names_reference_terms_and_caveats():
    counts = {"za1": 30, "ke1": 10, "ke2": 12, "in1": 8, "in2": 9, "id1": 11}
    months = {"za1": 20.0, "ke1": 30.0, "ke2": 30.0, "in1": 25.0, "in2": 25.0, "id1": 20.0}
    country = {"za1": "south-africa", "ke1": "kenya", "ke2": "kenya", "in1": "india", "in2": "india",
               "id1": "indonesia"}
    result = analysis_rates.rate_ratios(_outcomes_from_counts(counts), _exposure(months, dict.fromkeys(counts, "health"),
                                                                          country), by="country")
    assert result.reference == "kenya"  # 60 campaign-months
    assert any("south-africa" in w for w in result.warnings)  # single campaign
    text = report_words.describe_rate_ratios(result, names=NAMES)
    # South Africa: 30 / 20 against 22 / 60 outcomes per campaign-month.
    assert "each set against the reference, Kenya (0.37 outcomes per campaign-month)" in text
    assert f"South Africa {(30 / 20) / (22 / 60):.2f} (" in text
    # South Africa 30 of 20 months (CI far above 1); indonesia 11 / 20 = 1.50 and India 17 / 50 = 0.93 times
    # Kenya's rate, both with intervals around 1: the sentence names every country on the right side of 1.
    table = result.table.set_index("term")
    assert table.loc["south-africa", "ci_low"] > 1
    assert table.loc["indonesia", "ci_low"] < 1 < table.loc["indonesia", "ci_high"]
    assert table.loc["india", "ci_low"] < 1 < table.loc["india", "ci_high"]
    assert ("South Africa differs from the reference rate by more than chance easily produces (p < 0.001 after "
            "Holm's correction across the model's 3 ratios). For the others (indonesia and India) the data are "
            "compatible with the reference rate.") in text
    # Every ratio is given, none left to a figure.
    assert "All 3 rate ratios (times the reference rate)" in text
    assert "indonesia 1.50 (0.73 to 3.09; p = 0.54); India 0.93 (0.49 to 1.75; p = 0.82)" in text
    assert "not described one by one" not in text
    # A country without a name stays as it is, and "india" is not replaced inside "indonesia".
    assert "2 countries have a single campaign, so their 'rate' is one campaign's: indonesia, South Africa" in text
    assert "south-africa" not in text and "kenya" not in text and "Indiaonesia" not in text


def _one_campaign_each(counts: dict[str, int], months: float = 100.0) -> analysis_rates.RateRatios:
    """Rate ratios by country for one campaign per country (campaign id = country), reference ``india``."""
    o = _outcomes_from_counts(counts)
    e = _exposure(dict.fromkeys(counts, months), dict.fromkeys(counts, "health"))
    return analysis_rates.rate_ratios(o, e, by="country", reference="india")


def test_describe_rate_ratios_says_which_intervals_exclude_one():
    # Reference 20 outcomes in 100 months. ghana: 60 (ratio 3), kenya: 2 (ratio 0.1), senegal: 22 (ratio 1.1).
    result = _one_campaign_each({"india": 20, "ghana": 60, "kenya": 2, "senegal": 22})
    table = result.table.set_index("term")
    assert table.loc[["ghana", "kenya", "senegal"], "rate_ratio"].tolist() == pytest.approx([3.0, 0.1, 1.1])
    assert table.loc["ghana", "ci_low"] > 1 and table.loc["kenya", "ci_high"] < 1
    assert table.loc["senegal", "ci_low"] < 1 < table.loc["senegal", "ci_high"]
    names = {"ghana": "Ghana", "kenya": "Kenya", "senegal": "Senegal", "india": "India"}
    text = report_words.describe_rate_ratios(result, names=names)
    assert ("Ghana (p < 0.001) and Kenya (p = 0.004) differ from the reference rate by more than chance easily "
            "produces (after Holm's correction across the model's 3 ratios). For the other (Senegal) the data are "
            "compatible with the reference rate.") in text
    # Every ratio, largest first.
    assert text.index("Ghana 3.00 (") < text.index("Senegal 1.10 (") < text.index("Kenya 0.10 (")
    assert "not described one by one" not in text
    assert "4 countries have a single campaign, so their 'rate' is one campaign's" in text

    none = report_words.describe_rate_ratios(_one_campaign_each({"india": 20, "ghana": 22, "kenya": 18}))
    assert ("Neither ratio is distinguishable from 1: for every country the data are compatible with the reference "
            "rate.") in none
    alone = report_words.describe_rate_ratios(_one_campaign_each({"india": 20, "ghana": 22}))
    assert "The ratio of ghana is not distinguishable from 1: the data are compatible with the reference rate." in alone
    assert "The rate ratio (times the reference rate), with its 95% interval and its p-value: ghana 1.10" in alone
    every = report_words.describe_rate_ratios(_one_campaign_each({"india": 20, "ghana": 60, "kenya": 70}))
    assert "Kenya (p < 0.001) and ghana (p < 0.001) differ from the reference rate" in every
    assert "Both rate ratios" in every and "kenya 3.50 (" in every and "ghana 3.00 (" in every


def test_rate_ratio_caveat_is_singular_for_one_level_with_a_single_campaign():
    counts = {"k1": 10, "k2": 12, "g1": 30}
    months = dict.fromkeys(counts, 20.0)
    result = analysis_rates.rate_ratios(_outcomes_from_counts(counts), _exposure(
        months, dict.fromkeys(counts, "health"), {"k1": "kenya", "k2": "kenya", "g1": "ghana"}), by="country")
    text = report_words.describe_rate_ratios(result, names={"ghana": "Ghana", "kenya": "Kenya"})
    assert "Caveat: 1 country has a single campaign, so its 'rate' is one campaign's: Ghana." in text
    assert "value(s)" not in text and "(s)" not in text


def test_describe_substantiation_and_distinctive_use_country_names_and_code_labels():
    o = pd.DataFrame({"country": ["south-africa"] * 5 + ["kenya"] * 2,
                      "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet", "fully", "not-yet"]})
    text = report_words.describe_substantiation(analysis_outcomes.substantiation_by(o), names=NAMES)
    assert "By country: Kenya 1 of 2 checked" in text and "South Africa 3 of 5 checked, 2 confirmed (67%" in text
    assert "south-africa" not in text and "kenya" not in text

    t = pd.DataFrame({"country": ["south-africa", "south-africa", "ghana"], "code_id": ["OA-ACCOUNT", "OA-POWER", "X"],
                      "z": [3.2, -2.9, 0.1], "coverage": [0.3, 0.01, 0.2], "coverage_rest": [0.1, 0.08, 0.2],
                      "direction": ["more", "less", ""]})
    text = report_words.describe_distinctive(t, labels=LABELS, names=NAMES)
    assert text.startswith("ghana has no code that stands out beyond chance. South Africa's segments are coded "
                           "more often with 'More meaningful accountability' (30% of segments against 10% elsewhere, z = +3.2); "
                           "and less often with 'Shifts in power' (1% against 8%, z = -2.9).")
    assert "south-africa" not in text and "OA-" not in text


def test_describe_case_comparison_names_the_cases_listed_and_in_caveats():
    cases = pd.DataFrame({
        "campaign_id": ["za-sanitation", "ke-water", "gh-fertiliser", "in-scholarships", "ng-health", "sn-water"],
        "A": [1, 1, 0, 1, 1, 0], "B": [1, 0, 1, 0, 1, 1], "Y": [1, 0, 0, 0, 1, 0]})
    campaigns = {"za-sanitation": "Sanitation budgets", "ng-health": "Primary health care"}
    words = {"Y": "a win", "A": "a coalition", "B": "media work"}
    text = report_words.describe_case_comparison(analysis_cases.case_comparison(cases, ["A", "B"], "Y"), labels=words,
                                            names=campaigns)
    assert ("a win where a coalition AND media work (consistency 1.00, coverage 1.00; cases Sanitation budgets, "
            "Primary health care)") in text
    assert "za-sanitation" not in text and "ng-health" not in text

    # A*B now holds a win and a loss: the contradiction caveat lists the cases by name too.
    mixed = analysis_cases.case_comparison(cases.assign(Y=[1, 0, 0, 0, 0, 0]), ["A", "B"], "Y")
    assert any("za-sanitation;ng-health" in w for w in mixed.warnings)
    text = report_words.describe_case_comparison(mixed, labels=words, names=campaigns)
    assert "Sanitation budgets;Primary health care" in text and "za-sanitation" not in text
    assert "No configuration of conditions is consistently linked to a win." in text

# --------------------------------------------------------------------------- substantiation and Holm


def test_substantiation_by_uses_wilson_intervals():
    o = pd.DataFrame({"country": ["ghana"] * 10 + ["kenya"] * 4,
                      "substantiation": ["fully"] * 3 + ["partially"] + ["disagree"] + ["not-yet"] * 5
                      + ["not-yet"] * 4})
    table = analysis_outcomes.substantiation_by(o).set_index("country")
    assert table.loc["ghana", ["n_checked", "n_fully", "n_partially", "n_disagree"]].tolist() == [5, 3, 1, 1]

    def wilson(k: int, n: int, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
        centre = (k + z * z / 2) / (n + z * z)
        half = z * sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
        return centre - half, centre + half

    assert table.loc["ghana", "share_confirmed"] == pytest.approx(0.8)
    assert (table.loc["ghana", "confirmed_low"], table.loc["ghana", "confirmed_high"]) == pytest.approx(wilson(4, 5))
    assert (table.loc["ghana", "checked_low"], table.loc["ghana", "checked_high"]) == pytest.approx(wilson(5, 10))
    assert np.isnan(table.loc["kenya", "share_confirmed"]) and table.loc["kenya", "share_checked"] == 0
    text = report_words.describe_substantiation(table.reset_index())
    assert "4 confirmed (80%, 95% CI 38% to 96%)" in text and "kenya 0 of 4 checked" in text


def test_holm_matches_multipletests_and_keeps_nan():
    p = np.array([0.001, 0.2, np.nan, 0.03, 0.04])
    expected = multipletests(p[~np.isnan(p)], method="holm")[1]
    adjusted = contingency.holm(p)
    assert np.isnan(adjusted[2])
    assert adjusted[~np.isnan(p)] == pytest.approx(expected)


def test_holm_by_group_matches_multipletests_per_group():
    rng = np.random.default_rng(5)
    p = np.round(rng.beta(0.5, 3, size=300), 3)  # rounded: ties too
    p[rng.integers(0, 300, 20)] = np.nan
    groups = rng.choice(["ghana", "kenya", "india", "senegal"], size=300)
    adjusted = contingency.holm(p, groups=groups)
    for group in np.unique(groups):
        mine = (groups == group) & ~np.isnan(p)
        assert adjusted[mine] == pytest.approx(multipletests(p[mine], method="holm")[1])
    assert np.isnan(adjusted[np.isnan(p)]).all()


# --------------------------------------------------------------------------- themes


SEGMENTS = pd.DataFrame({
    "segment_id": [f"s{i}" for i in range(1, 9)],
    "session_id": ["A", "A", "A", "B", "C", "C", "C", "C"],
    "country": ["ghana"] * 4 + ["kenya"] * 4,
})
SESSIONS = pd.DataFrame({"session_id": ["A", "B", "C"], "round": [1, 2, 1],
                         "campaign_ids": ["g1;g2", "g2", "k1"]})
CODINGS = pd.DataFrame({
    "segment_id": ["s1", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s8"],
    "code_id": ["SC-AGENCY", "SC-AGENCY", "SC-AGENCY", "BR-REPRESSION", "SC-AGENCY", "BR-REPRESSION",
                "BR-REPRESSION", "BR-REPRESSION", "SC-AGENCY", "BR-INFORMATION"],
    "coder": ["a", "b", "a", "a", "a", "a", "a", "a", "a", "b"],
})


def test_code_frequencies_by_country_count_segments_once_and_by_campaign():
    # The codings carry neither country nor session: each coding is placed by its segment.
    m = themes.code_frequencies(CODINGS, SEGMENTS).set_index(["country", "code_id"])
    assert m.loc[("ghana", "SC-AGENCY"), "n_segments"] == 3  # s1 coded by two coders counts once
    assert m.loc[("ghana", "SC-AGENCY"), "segments_in_group"] == 4
    assert m.loc[("ghana", "SC-AGENCY"), "coverage"] == pytest.approx(3 / 4)
    assert m.loc[("ghana", "BR-INFORMATION"), "n_segments"] == 0  # zeros are listed
    only_a = themes.code_frequencies(CODINGS, SEGMENTS, coders=["a"]).set_index(["country", "code_id"])
    assert "BR-INFORMATION" not in set(only_a.index.get_level_values("code_id"))  # only coder b used it
    # Coder b's second coding of s1 drops out of the codings, not out of the segments.
    assert m.loc[("ghana", "SC-AGENCY"), "n_codings"] == 4
    assert only_a.loc[("ghana", "SC-AGENCY"), ["n_codings", "n_segments"]].tolist() == [3, 3]
    by_campaign = themes.code_frequencies(CODINGS, SEGMENTS, by="campaign_id", sessions=SESSIONS).set_index(
        ["campaign_id", "code_id"])
    # Session A covers g1 and g2, so its three segments count for both.
    assert by_campaign.loc[("g2", "SC-AGENCY"), ["n_segments", "segments_in_group"]].tolist() == [3, 4]
    assert by_campaign.loc[("g1", "SC-AGENCY"), ["n_segments", "segments_in_group"]].tolist() == [2, 3]
    with pytest.raises(ParameterError, match="sessions"):
        themes.code_frequencies(CODINGS, SEGMENTS, by="round")
    with pytest.raises(InputError, match="s99"):
        themes.code_frequencies(pd.concat([CODINGS, CODINGS.iloc[:1].assign(segment_id="s99")]), SEGMENTS)


def test_code_frequencies_roll_codes_up_to_groups():
    from sparklearn.codebook import load_codebook

    m = themes.code_frequencies(CODINGS, SEGMENTS, codebook=load_codebook(), level="group").set_index(
        ["country", "code_id"])
    assert m.loc[("kenya", "BR"), "n_segments"] == 4  # s5-s7's BR-REPRESSION and s8's BR-INFORMATION
    assert m.loc[("kenya", "BR"), "n_codings"] == 4
    with pytest.raises(ParameterError, match="codebook"):
        themes.code_frequencies(CODINGS, SEGMENTS, level="group")


def test_distinctive_themes_match_fightin_words_by_hand():
    d = themes.distinctive_themes(CODINGS, SEGMENTS, prior_strength=10).set_index(["country", "code_id"])
    # (segment, code) pairs: ghana SC-AGENCY 3 (s1 once), BR-REPRESSION 1 (n = 4); kenya SC-AGENCY 1,
    # BR-REPRESSION 3, BR-INFORMATION 1 (n = 5). SC-AGENCY's pooled share is 4/9, so a_w = 40/9 with a_0 = 10.
    a = 40 / 9
    delta = log((3 + a) / (4 + 10 - 3 - a)) - log((1 + a) / (5 + 10 - 1 - a))
    se = sqrt(1 / (3 + a) + 1 / (1 + a))
    row = d.loc[("ghana", "SC-AGENCY")]
    assert row["log_odds_ratio"] == pytest.approx(delta)
    assert row["se"] == pytest.approx(se)
    assert row["z"] == pytest.approx(delta / se)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(delta / se)))
    ghana_p = d.loc["ghana", "p_value"].to_numpy()
    assert d.loc["ghana", "p_holm"].to_numpy() == pytest.approx(multipletests(ghana_p, method="holm")[1])
    assert row["coverage"] == pytest.approx(3 / 4) and row["coverage_rest"] == pytest.approx(1 / 4)
    assert d.loc[("kenya", "BR-INFORMATION"), "n_segments_rest"] == 0
    assert d.loc[("ghana", "SC-AGENCY"), ["n_segments", "n_segments_rest"]].tolist() == [3, 1]


def test_distinctive_themes_find_a_designed_difference():
    rng = np.random.default_rng(3)
    n = 400
    segments = pd.DataFrame({"segment_id": [f"s{i}" for i in range(2 * n)], "session_id": "S",
                             "country": ["ghana"] * n + ["kenya"] * n})
    p_ghana, p_kenya = [0.4, 0.3, 0.3], [0.1, 0.45, 0.45]
    codes = np.concatenate([rng.choice(["X", "Y", "Z"], n, p=p_ghana), rng.choice(["X", "Y", "Z"], n, p=p_kenya)])
    codings = pd.DataFrame({"segment_id": segments["segment_id"], "code_id": codes, "coder": "a"})
    d = themes.distinctive_themes(codings, segments).set_index(["country", "code_id"])
    assert d.loc[("ghana", "X"), "direction"] == "more" and d.loc[("kenya", "X"), "direction"] == "less"
    text = report_words.describe_distinctive(d.reset_index(), labels={"X": "Code X"})
    assert text.startswith("ghana's segments are coded more often with 'Code X' (")


def test_themes_over_rounds_are_side_by_side_per_country():
    t = themes.themes_over_rounds(CODINGS, SEGMENTS, SESSIONS, by="country").set_index(
        ["country", "round", "code_id"])
    assert t.loc[("ghana", 1, "SC-AGENCY"), ["n_segments", "segments_in_group"]].tolist() == [2, 3]
    assert t.loc[("ghana", 2, "SC-AGENCY"), "coverage"] == 1.0
    assert ("kenya", 2, "SC-AGENCY") not in t.index  # kenya held no round-2 session


# --------------------------------------------------------------------------- case comparison


def _case_fixture() -> tuple[store.Stacked, Registry]:
    reg = _registry([(c, "x" if c < "c" else "y", "health", "2020-01-01") for c in ("a1", "a2", "b1", "c1", "c2")])
    outcome = {"strategic_components": "SC-AGENCY", "valence": "positive", "substantiation": "not-yet",
               "type_of_change": "action", "actor_type": "community"}
    rows = [
        # a1: a CSO with coalition work, the legislature, a new executive relationship, media, a confirmed budget win
        {"campaign_id": "a1", "actor_type": "cso", "strategic_components": "SC-COALITION;SC-AGENCY"},
        {"campaign_id": "a1", "actor_type": "legislature"},
        {"campaign_id": "a1", "actor_type": "executive", "type_of_change": "relationship"},
        {"campaign_id": "a1", "actor_type": "media"},
        {"campaign_id": "a1", "actor_type": "executive", "type_of_change": "budget", "substantiation": "partially"},
        # a2: a CSO without coalition work, an executive action (not a relationship), a win not yet confirmed,
        # a confirmed negative budget change, and 1 community outcome in 8 (12.5 % < 15 %)
        {"campaign_id": "a2", "actor_type": "cso"},
        {"campaign_id": "a2", "actor_type": "executive"},
        {"campaign_id": "a2", "actor_type": "executive", "type_of_change": "policy"},
        {"campaign_id": "a2", "actor_type": "executive", "type_of_change": "budget", "valence": "negative",
         "substantiation": "fully"},
        *[{"campaign_id": "a2", "actor_type": "local-government"}] * 3,
        {"campaign_id": "a2"},
        # b1: community groups in 2 of 2 outcomes; c1: none; c2: no outcomes at all
        {"campaign_id": "b1"}, {"campaign_id": "b1"},
        {"campaign_id": "c1", "actor_type": "audit-institution", "type_of_change": "policy",
         "substantiation": "fully"},
    ]
    outcomes = pd.DataFrame([{**outcome, **r} for r in rows])
    outcomes.insert(0, "outcome_id", [f"O{i:02d}" for i in range(len(outcomes))])
    sessions = pd.DataFrame({"session_id": ["S1", "S2"], "campaign_ids": ["c1", "c1;c2"],
                             "date": pd.Timestamp("2021-01-01"), "country": "y"})
    segments = pd.DataFrame({"segment_id": [f"S1-{i}" for i in range(20)] + [f"S2-{i}" for i in range(20)],
                             "session_id": ["S1"] * 20 + ["S2"] * 20, "country": "y"})
    # c1 has 40 segments: 6 coded ARC-SANDWICH (15 %: in); c2 has S2's 20: 2 sandwich (10 %: out), 3 AE-MEDIA (15 %).
    codes = {**{f"S1-{i}": "ARC-SANDWICH" for i in range(4)}, **{f"S2-{i}": "ARC-SANDWICH" for i in range(2)},
             **{f"S2-{i}": "AE-MEDIA" for i in range(10, 13)}, "S1-10": "AE-MEDIA"}
    codings = pd.DataFrame({"segment_id": list(codes), "code_id": list(codes.values()), "coder": "coder-a",
                            "session_id": [s.split("-")[0] for s in codes]})
    return store.Stacked(("x", "y"), sessions, segments, codings, outcomes), reg


def test_campaign_conditions_are_calibrated_as_documented():
    from sparklearn.codebook import load_codebook

    stacked, reg = _case_fixture()
    c = analysis_cases.campaign_conditions(stacked, reg, load_codebook()).set_index("campaign_id")
    assert c["BROAD_COALITION"].to_dict() == {"a1": 1, "a2": 0, "b1": 0, "c1": 0, "c2": 0}
    assert c["AUDIT_OR_PARLIAMENT"].to_dict() == {"a1": 1, "a2": 0, "b1": 0, "c1": 1, "c2": 0}
    assert c["INSIDE_ALLIES"].to_dict() == {"a1": 1, "a2": 0, "b1": 0, "c1": 1, "c2": 0}
    assert c["MEMBERSHIP_BASE"].to_dict() == {"a1": 0, "a2": 0, "b1": 1, "c1": 0, "c2": 0}
    assert c["MEDIA"].to_dict() == {"a1": 1, "a2": 0, "b1": 0, "c1": 0, "c2": 1}
    assert c["POLICY_BUDGET_CHANGE"].to_dict() == {"a1": 1, "a2": 0, "b1": 0, "c1": 1, "c2": 0}
    assert c.loc["c1", "INSIDE_ALLIES_coverage"] == pytest.approx(6 / 40)
    assert c.loc["c2", "INSIDE_ALLIES_coverage"] == pytest.approx(2 / 20)
    assert c.loc["a2", "MEMBERSHIP_BASE_share"] == pytest.approx(1 / 8)
    assert np.isnan(c.loc["c2", "MEMBERSHIP_BASE_share"]) and np.isnan(c.loc["a1", "MEDIA_coverage"])
    assert c.loc["a1", ["country", "sector"]].tolist() == ["x", "health"]
    assert analysis_cases.campaign_conditions(stacked, reg, sectors=["water"]).empty


def test_campaign_conditions_check_rules_against_the_codebook():
    from dataclasses import replace

    from sparklearn.codebook import load_codebook

    stacked, reg = _case_fixture()
    renamed = [replace(analysis_cases.CONDITION_RULES[0], codes=("CO-NO-SUCH-CODE",))]
    with pytest.raises(CodebookError, match="CO-NO-SUCH-CODE"):
        analysis_cases.campaign_conditions(stacked, reg, load_codebook(), rules=renamed)
    stricter = [replace(analysis_cases.CONDITION_RULES[1], min_outcomes=2, min_coverage=None)]
    c = analysis_cases.campaign_conditions(stacked, reg, rules=stricter).set_index("campaign_id")
    assert c["AUDIT_OR_PARLIAMENT"].sum() == 0 and "AUDIT_OR_PARLIAMENT_coverage" not in c


def test_case_comparison_wraps_qca_and_warns_in_words():
    cases = pd.DataFrame({
        "campaign_id": [f"c{i}" for i in range(8)],
        "A": [1, 1, 1, 0, 0, 0, 1, 1], "B": [1, 1, 0, 1, 0, 0, 0, 1], "C": [0, 1, 0, 0, 1, 0, 0, 1],
        "Y": [1, 1, 0, 0, 0, 0, 1, 0],
    })
    result = analysis_cases.case_comparison(cases, ["A", "B", "C"], "Y")
    direct_tt = qca.truth_table(cases, ["A", "B", "C"], "Y", case="campaign_id", incl_cut=1.0)
    pd.testing.assert_frame_equal(result.truth_table, direct_tt)
    complex_ = qca.minimise(direct_tt, ["A", "B", "C"], include="complex").solutions
    parsimonious = qca.minimise(direct_tt, ["A", "B", "C"], include="parsimonious")
    assert result.solutions.loc[result.solutions["kind"] == "complex", "expression"].tolist() == \
        complex_["expression"].tolist()
    assert result.solutions.loc[result.solutions["kind"] == "parsimonious", "term"].tolist() == \
        parsimonious.solutions["term"].tolist()
    pd.testing.assert_frame_equal(result.simplifying_assumptions, parsimonious.simplifying_assumptions)
    assert any("contradictions" in w and "c1;c7" in w for w in result.warnings)
    assert any("logical remainders" in w for w in result.warnings)
    text = report_words.describe_case_comparison(result, labels={"Y": "a win"})
    assert "a win where A AND B AND NOT C" in text and "Caveats:" in text

    none = analysis_cases.case_comparison(cases.assign(Y=0), ["A", "B", "C"], "Y")
    assert none.solutions.empty and any("no complex solution" in w for w in none.warnings)
    assert "No configuration" in report_words.describe_case_comparison(none)


def test_condition_rules_table_lists_every_rule():
    rules = analysis_cases.condition_rules()
    assert rules["name"].tolist() == [r.name for r in analysis_cases.CONDITION_RULES] + ["POLICY_BUDGET_CHANGE"]
    assert rules.loc[rules["name"] == "MEMBERSHIP_BASE", "harvest"].item().endswith(
        "making up at least 15% of the campaign's outcomes")
    assert rules.loc[rules["name"] == "POLICY_BUDGET_CHANGE", "sessions"].item() == ""


@pytest.mark.slow
def test_demo_batch_calibration_recovers_the_designed_conditions(demo_batch):
    """End to end: the demo's processed tables give back the conditions designed into the demo."""
    from sparklearn.codebook import load_codebook
    from sparklearn.demo import demo_campaign_conditions

    registry = load_registry(demo_batch.paths.countries_file)
    stacked = store.load_processed(demo_batch.paths.processed, registry.slugs)
    calibrated = analysis_cases.campaign_conditions(stacked, registry, load_codebook(demo_batch.paths.codebook_file))
    designed = demo_campaign_conditions(registry)
    names = dict(zip([r.name for r in analysis_cases.CONDITION_RULES] + ["POLICY_BUDGET_CHANGE"],
                     ["broad_coalition", "oversight_engagement", "inside_allies", "membership_base", "media_work",
                      "policy_win"]))
    for ours, theirs in names.items():
        assert calibrated[ours].tolist() == designed[theirs].tolist(), ours
    parsimonious = analysis_cases.case_comparison(calibrated).solutions.query("kind == 'parsimonious'")
    assert "BROAD_COALITION*AUDIT_OR_PARLIAMENT + BROAD_COALITION*INSIDE_ALLIES" in set(parsimonious["expression"])


def test_rate_ratios_when_every_other_country_has_no_outcomes():
    # A country whose harvest could not be read has campaign-months but no outcomes.
    e = pd.DataFrame({"campaign_id": ["a", "b", "c"], "country": ["ghana", "ghana", "kenya"],
                      "sector": "health", "start": pd.Timestamp("2020-01-01"), "end": pd.Timestamp("2024-01-01"),
                      "campaign_months": [10.0, 30.0, 20.0], "n_sessions": 1, "session_share": 1.0})
    o = pd.DataFrame({"campaign_id": ["a"] * 4 + ["b"] * 8, "date": pd.Timestamp("2021-01-01")})
    rr = analysis_rates.rate_ratios(o, e, by="country", family="poisson")
    table = rr.table.set_index("term")
    assert rr.reference == "ghana"
    assert table.loc["kenya", "rate_ratio"] == 0.0 and np.isnan(table.loc["kenya", "ci_low"])
    assert table.loc["ghana", "rate"] == pytest.approx(12 / 40)
    assert any("no outcomes in kenya" in note for note in rr.warnings)


def test_condition_rules_speak_in_labels_when_given():
    plain = analysis_cases.condition_rules()
    worded = analysis_cases.condition_rules(labels={"SC-AGENCY": "Bolster agency from the bottom up"})
    assert plain["sessions"].str.contains("SC-AGENCY").any()
    assert not worded["sessions"].str.contains("SC-AGENCY").any()
    assert worded["sessions"].str.contains("Bolster agency from the bottom up").any()
    untouched = ~plain["harvest"].str.contains("SC-AGENCY")
    assert (plain.loc[untouched, "harvest"] == worded.loc[untouched, "harvest"]).all()


def test_contingency_orders_values_as_asked_in_table_and_cells():
    o = _outcomes_from_table([[3, 1, 2, 1], [1, 4, 0, 2]], ["ghana", "kenya"],
                             ["international", "local", "national", "subnational"])
    plain = contingency.contingency(o, "country", "level")
    assert plain.table.columns.tolist() == ["international", "local", "national", "subnational"]
    # The codebook's order; a value not listed ("regional" is not in the data, "international" not listed) follows.
    result = contingency.contingency(o, "country", "level", col_order=["local", "regional", "subnational", "national"],
                                 row_order=["kenya"])
    assert result.table.columns.tolist() == ["local", "subnational", "national", "international"]
    assert result.table.index.tolist() == ["kenya", "ghana"]
    assert result.table.loc["kenya"].tolist() == [4, 2, 0, 1]
    assert result.cells["level"].drop_duplicates().tolist() == ["local", "subnational", "national", "international"]
    # Ordering changes neither the statistic nor the residuals; the Monte-Carlo p-value only by its random error.
    assert result.test == plain.test == "monte-carlo"
    assert result.statistic == pytest.approx(plain.statistic) and result.p_value == pytest.approx(plain.p_value, abs=0.02)
    merged = result.cells.merge(plain.cells, on=["country", "level"])
    assert merged["adjusted_residual_x"].to_numpy() == pytest.approx(merged["adjusted_residual_y"].to_numpy())


def test_condition_rules_read_as_words_with_vocabulary_labels():
    vocabulary = {"cso": "Civil society organisation", "SC-COALITION": "Support broader reform coalitions",
                  "policy": "Policy", "budget": "Budget", "positive": "Positive", "fully": "Fully agrees",
                  "partially": "Partially agrees"}
    rules = analysis_cases.condition_rules(labels=vocabulary).set_index("name")
    assert rules.loc["BROAD_COALITION", "harvest"] == (
        "at least one outcome where the social actor is 'Civil society organisation' and the strategic components "
        "include 'Support broader reform coalitions'")
    assert rules.loc["POLICY_BUDGET_CHANGE", "harvest"] == (
        "at least one outcome where the type of change is 'Policy' or 'Budget', the valence is 'Positive' and the "
        "informant's verdict is 'Fully agrees' or 'Partially agrees'")
    two = analysis_cases.ConditionRule("TWO", "two media outcomes", actor_types=("media",), min_outcomes=2)
    assert analysis_cases.condition_rules([two]).loc[0, "harvest"] == "at least 2 outcomes where the social actor is 'media'"
    text = " ".join(analysis_cases.condition_rules().to_numpy(dtype=str).ravel())
    assert "(s)" not in text and "actor_type" not in text and "type_of_change" not in text


def test_combination_words_read_a_qca_term_in_plain_words():
    words = {"BROAD_COALITION": "a broad coalition", "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament",
             "MEDIA": "media work"}
    assert report_words.combination_words("BROAD_COALITION*~AUDIT_OR_PARLIAMENT*MEDIA", words) == (
        "a broad coalition AND NOT engagement with audit or parliament AND media work")
    assert report_words.combination_words("BROAD_COALITION + ~MEDIA", words) == "a broad coalition, OR NOT media work"
    assert report_words.combination_words("~X", capitals=False) == "not X"


def test_case_comparison_caveats_are_singular_or_plural():
    cases = pd.DataFrame({"campaign_id": list("abcd"), "A": [1, 1, 0, 0], "B": [1, 1, 1, 0], "Y": [1, 0, 0, 0]})
    result = analysis_cases.case_comparison(cases, ["A", "B"], "Y")
    assert any(w.startswith("1 configuration holds cases both with and without the outcome") for w in result.warnings)
    assert not any("(s)" in w for w in result.warnings)
