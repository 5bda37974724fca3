"""Following the money: the optional harvest columns budget_stage, amount, currency and amount_year, the
per-currency summaries, explicit conversions only, and the report's words (never a cross-currency sum)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from sparklearn.analysis.money import (
    budget_stages,
    converted_totals,
    exchange_rates,
    money_by_currency,
    rates_from_parameter,
)
from sparklearn.codebook import load_codebook
from sparklearn.config import find_project
from sparklearn.countries import load_registry
from sparklearn.exceptions import ParameterError
from sparklearn.ingest.harvest import read_harvest
from sparklearn.report.figure_text import figure_description
from sparklearn.report.gains_words import (
    NO_CROSS_CURRENCY,
    describe_money,
    describe_money_compared,
    money_for_readers,
    plot_budget_stages,
)
from sparklearn.report.sheets import write_harvest

matplotlib.use("Agg")

DATA = find_project(__file__).data
REGISTRY = load_registry(DATA / "countries.yaml")
CODEBOOK = load_codebook(DATA / "codebook.yaml")
HEADER = "Outcome ID,Campaign ID,Date,Outcome,Budget stage,Amount,Currency,Amount year\n"


def _read(tmp_path: Path, rows: list[str]):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK)


# ----------------------------------------------------------------- reading


def test_amounts_currencies_and_years_are_read_in_common_spellings(tmp_path):
    c = _read(tmp_path, [
        'KE-O1,ke-primary-health,2023-03-01,A,Approval,"1,250,000",kes,2023-24',
        "KE-O2,ke-primary-health,2023-03-01,B,oversight and audit,2500000.50,USD,FY2023/24",
        "KE-O3,ke-primary-health,2023-03-01,C,execution,1 000 000,KES,2022",
        "KE-O4,ke-primary-health,2023-03-01,D,,,,",
    ])
    a = c.accepted.set_index("outcome_id")
    assert a["budget_stage"].fillna("").tolist() == ["approval", "oversight-audit", "execution", ""]
    assert a["amount"].tolist()[:3] == [1_250_000.0, 2_500_000.5, 1_000_000.0] and pd.isna(a.loc["KE-O4", "amount"])
    assert a["currency"].fillna("").tolist() == ["KES", "USD", "KES", ""]
    assert a["amount_year"].fillna("").tolist() == ["2023/24", "2023/24", "2022", ""]
    assert a["amount"].dtype == "float64"
    assert not c.problems["column"].isin(["Budget stage", "Amount", "Currency", "Amount year"]).any()


def test_bad_money_values_are_errors_at_their_row_with_a_fix(tmp_path):
    c = _read(tmp_path, [
        "KE-O1,ke-primary-health,2023-03-01,A,approval,KES 5m,,",          # row 2: not a number, no currency
        "KE-O2,ke-primary-health,2023-03-01,B,approval,-300,KES,2023",     # row 3: negative
        "KE-O3,ke-primary-health,2023-03-01,C,approval,500,KSh,2023",      # row 4: not ISO 4217
        "KE-O4,ke-primary-health,2023-03-01,D,approval,500,,2023",         # row 5: amount without currency
        "KE-O5,ke-primary-health,2023-03-01,E,approval,500,KES,1985",      # row 6: year before 1990
        "KE-O6,ke-primary-health,2023-03-01,F,budgeting,,USD,2023",        # row 7: stage; currency/year alone warn
    ])
    # Columns are named as the file heads them.
    found = set(c.problems[["row", "column", "rule", "severity"]].itertuples(index=False, name=None))
    assert {(2, "Amount", "not a number", "error"), (2, "Currency", "amount without a currency", "error"),
            (3, "Amount", "negative amount", "error"),
            (4, "Currency", "not an ISO 4217 currency code", "error"),
            (5, "Currency", "amount without a currency", "error"),
            (6, "Amount year", "year before 1990 or in the future", "error"),
            (7, "Budget stage", "not in the codebook list", "error"),
            (7, "Currency", "currency without an amount", "warning"),
            (7, "Amount year", "budget year without an amount", "warning")} <= found
    fixes = c.problems.set_index(["row", "column", "rule"])["fix"]
    assert fixes[(4, "Currency", "not an ISO 4217 currency code")] == "write the code 'KES'"
    assert fixes[(5, "Currency", "amount without a currency")].startswith("add the currency of the amount")
    assert set(c.rejected["source_row"]) == {2, 3, 4, 5, 6, 7} and c.accepted.empty


def test_template_round_trip_keeps_the_money_columns(tmp_path):
    c = _read(tmp_path, ['KE-O1,ke-primary-health,2023-03-01,A,approval,"1,250,000",KES,2023/24'])
    path = write_harvest(c.accepted, tmp_path / "h.xlsx", country="kenya", registry=REGISTRY, codebook=CODEBOOK)
    back = read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK).accepted
    assert back[["budget_stage", "amount", "currency", "amount_year"]].values.tolist() == [
        ["approval", 1_250_000.0, "KES", "2023/24"]]


# ----------------------------------------------------------------- analysis


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame({
        "country": ["ghana"] * 4 + ["kenya"] * 3,
        "budget_stage": ["execution", "execution", "approval", pd.NA, "approval", "oversight-audit", pd.NA],
        "amount": [2e6, 1e6, 5e5, float("nan"), 4e7, 1e7, float("nan")],
        "currency": ["GHS", "GHS", "USD", pd.NA, "KES", "KES", pd.NA],
        "amount_year": ["2022", "2023", "2023", pd.NA, "2022/23", "2023/24", pd.NA]})


def test_money_is_summed_per_country_and_currency_only():
    m = money_by_currency(_outcomes())
    assert m[["country", "currency", "n_outcomes", "total", "largest", "first_year", "last_year"]].values.tolist() == [
        ["ghana", "GHS", 2, 3e6, 2e6, "2022", "2023"], ["ghana", "USD", 1, 5e5, 5e5, "2023", "2023"],
        ["kenya", "KES", 2, 5e7, 4e7, "2022/23", "2023/24"]]
    by_stage = money_by_currency(_outcomes(), by="budget_stage")
    assert by_stage[["country", "budget_stage", "currency", "total"]].values.tolist()[:2] == [
        ["ghana", "approval", "USD", 5e5], ["ghana", "execution", "GHS", 3e6]]
    stages = budget_stages(_outcomes(), CODEBOOK).set_index(["country", "label"])
    assert stages.loc[("ghana", "Execution"), ["n_outcomes", "n_with_amount"]].tolist() == [2, 2]
    assert stages.loc[("kenya", "stage not recorded"), "n_outcomes"] == 1
    assert stages.loc[("kenya", "Formulation"), "n_outcomes"] == 0


def test_conversion_only_with_explicit_rates_that_cover_every_currency():
    rates = exchange_rates({"ghs": 0.08, "KES": 0.007}, to="usd", source="IMF IFS annual averages", year=2023)
    c = converted_totals(_outcomes(), rates).set_index("country")
    assert c.loc["ghana", "total"] == pytest.approx(3e6 * 0.08 + 5e5) and c.loc["ghana", "currencies"] == "GHS;USD"
    assert c.loc["kenya", ["to", "rate_source", "rate_year"]].tolist() == ["USD", "IMF IFS annual averages", "2023"]
    with pytest.raises(ParameterError, match="no exchange rate for KES"):
        converted_totals(_outcomes(), exchange_rates({"GHS": 0.08}, to="USD", source="x", year=2023))
    with pytest.raises(ParameterError, match="source and year"):
        exchange_rates({"GHS": 0.08}, to="USD", source="", year=2023)
    with pytest.raises(ParameterError, match="positive"):
        exchange_rates({"GHS": -1}, to="USD", source="x", year=2023)
    with pytest.raises(ParameterError, match="money_conversion must be"):
        rates_from_parameter({"rates": {"GHS": 0.08}})
    assert rates_from_parameter(None) is None


# ----------------------------------------------------------------- words


def _sums(text: str) -> list[str]:
    return re.findall(r"\b[A-Z]{3} [\d.,]+(?: (?:million|billion|trillion))?", text)


def test_sentences_never_add_across_currencies_without_rates():
    o = _outcomes()
    stages, money = budget_stages(o, CODEBOOK), money_by_currency(o)
    ghana = describe_money(stages[stages["country"] == "ghana"], money[money["country"] == "ghana"])
    assert "3 of the 4 outcomes are placed in the budget cycle, most at execution (2), then approval (1)" in ghana
    assert "in 2 currencies, each summed on its own: GHS 3 million over 2 outcomes" in ghana
    assert _sums(ghana) == ["GHS 3 million", "USD 500,000"]  # no total in any one currency of both
    assert NO_CROSS_CURRENCY in ghana
    kenya = describe_money(stages[stages["country"] == "kenya"], money[money["country"] == "kenya"])
    assert "add up to KES 50 million over 2 outcomes (budget years 2022/23 to 2023/24)" in kenya
    compared = describe_money_compared(stages, money, names={"ghana": "Ghana", "kenya": "Kenya"})
    assert "Ghana GHS 3 million (2 outcomes) and USD 500,000 (1 outcome); Kenya KES 50 million (2 outcomes)" in compared
    assert "not added up or compared in size across countries" in compared
    assert _sums(compared) == ["GHS 3 million", "USD 500,000", "KES 50 million"]


def test_with_rates_the_sentence_names_their_source_and_year():
    o = _outcomes()
    rates = exchange_rates({"GHS": 0.08, "KES": 0.007}, to="USD", source="IMF IFS annual averages", year=2023)
    money = money_by_currency(o)
    text = describe_money_compared(budget_stages(o, CODEBOOK), money, converted=converted_totals(o, rates),
                                   rates=rates, names={"ghana": "Ghana", "kenya": "Kenya"})
    assert ("For comparison, converted to USD at rates from IMF IFS annual averages, 2023 (the rates given "
            "for this report): Ghana about USD 740,000 and Kenya about USD 350,000.") in text
    ghana = describe_money(budget_stages(o[o["country"] == "ghana"], CODEBOOK), money[money["country"] == "ghana"],
                           converted=converted_totals(o[o["country"] == "ghana"], rates), rates=rates)
    assert "Together, converted to USD at rates from IMF IFS annual averages, 2023" in ghana
    assert NO_CROSS_CURRENCY not in ghana


def test_money_table_and_stage_figure():
    table = money_for_readers(money_by_currency(_outcomes()), names={"ghana": "Ghana", "kenya": "Kenya"})
    assert table["Currency"].tolist() == ["GHS", "USD", "KES"]
    assert table["Total (this currency only)"].tolist() == ["3,000,000", "500,000", "50,000,000"]
    assert "never added across currencies" in table.attrs["caption"]
    alt, _ = figure_description(plot_budget_stages(budget_stages(_outcomes(), CODEBOOK),
                                                         names={"ghana": "Ghana", "kenya": "Kenya"}))
    assert alt == ("Outcomes at each stage of the budget cycle. Ghana: approval 1, execution 2. "
                   "Kenya: approval 1, oversight and audit 1.")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_tie_for_the_most_frequent_stage_names_both():
    o = pd.DataFrame({"country": ["kenya"] * 5, "budget_stage": ["approval", "approval", "execution", "execution",
                                                                 "formulation"],
                      "amount": [float("nan")] * 5, "currency": [pd.NA] * 5, "amount_year": [pd.NA] * 5})
    text = describe_money(budget_stages(o, CODEBOOK), money_by_currency(o))
    assert text.startswith("5 of the 5 outcomes are placed in the budget cycle, most at approval and execution "
                           "(2 each), then formulation (1); none of them says how much money.")
    assert "No outcome gives an amount yet" in text
