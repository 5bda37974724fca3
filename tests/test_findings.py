"""Key findings (sparklearn.report.findings): each sentence's numbers are the analysis's, worded as its test allows."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from sparklearn.analysis.contingency import contingency
from sparklearn.analysis.outcomes import substantiation_by, substantiation_rates
from sparklearn.analysis.rates import outcome_rates
from sparklearn.analysis.themes import code_frequencies
from sparklearn.report import findings
from sparklearn.report.findings import (
    Finding,
    agreement_finding,
    association_finding,
    distinctive_finding,
    harvest_finding,
    key_findings_html,
    percent,
    quality_finding,
    rates_finding,
    substantiation_comparison_finding,
    substantiation_finding,
    theme_finding,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame({
        "campaign_id": ["a", "a", "a", "b", "b", "b", "b", "b"],
        "country": ["gh", "gh", "gh", "ke", "ke", "ke", "ke", "ke"],
        "date": pd.to_datetime(["2021-02-01", "2021-05-01", "2022-01-01", "2021-03-01", "2021-08-01", "2022-02-01",
                                "2022-06-01", "2023-04-01"]),
        "outcome_area": ["OA-POWER"] * 5 + ["OA-EQUITY"] * 3,
        "type_of_change": ["action", "policy", "budget", "action", "agenda", "policy", "action", "action"],
        "level": ["local", "national", "local", "subnational", "local", "local", "local", "international"],
        "substantiation": ["fully", "partially", "disagree", "not-yet", "fully", "fully", "not-yet", "not-yet"],
    })


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d,.]*%?", text)


def test_harvest_sentence_counts_what_the_table_holds():
    o = _outcomes()
    text = harvest_finding(o, {"OA-POWER": "Power"}).text
    assert text.startswith("8 outcomes harvested for 2 campaigns (Feb 2021 to Apr 2023): 3 are changes in policy "
                           "or budgets and 3 are above the local level; the most frequent outcome area is Power (5 of 8).")
    assert "not a census" in text
    assert "nothing yet" in harvest_finding(o.iloc[:0]).text


def test_substantiation_sentence_numbers_are_the_analysis_numbers():
    overall = substantiation_rates(_outcomes(), by=None)
    row = overall.iloc[0]
    text = substantiation_finding(overall).text
    confirmed = int(row["n_fully"] + row["n_partially"])
    assert (row["n_checked"], confirmed) == (5, 4)
    assert (f"asked about 5 of the 8 outcomes and confirmed 4 of them fully or partly ({percent(row['share_confirmed'])}, "
            f"95% interval {percent(row['confirmed_low'])} to {percent(row['confirmed_high'])})") in text
    assert percent(row["share_confirmed"]) == "80%"
    assert "team chose which outcomes to check" in text  # the caveat
    none_checked = substantiation_rates(_outcomes().assign(substantiation="not-yet"), by=None)
    assert "None of the 8 outcomes" in substantiation_finding(none_checked).text
    assert substantiation_finding(substantiation_rates(_outcomes().iloc[:0], by=None)) is None


def test_theme_sentence_is_the_top_row_of_code_frequencies():
    segments = pd.DataFrame({"segment_id": [f"S1-T{i:03d}" for i in range(1, 11)], "session_id": "S1",
                             "country": "gh"})
    codings = pd.DataFrame({"segment_id": ["S1-T001", "S1-T002", "S1-T003", "S1-T001", "S1-T004"],
                            "session_id": "S1", "code_id": ["X", "X", "X", "Y", "Y"], "coder": ["a"] * 5})
    frequencies = code_frequencies(codings, segments)
    top = frequencies.set_index("code_id").loc["X"]
    text = theme_finding(frequencies, {"X": "Coalitions"}).text
    assert f"Coalitions: {top['n_segments']} of {top['segments_in_group']} speaker turns (30%)" in text
    assert "any coder" in text
    assert theme_finding(frequencies.assign(n_segments=0)) is None


def test_agreement_sentence_gives_alpha_its_interval_n_and_what_it_allows():
    table = pd.DataFrame({"code_id": ["all codes", "X"], "with_uncoded": [True, True], "n_units": [1943, 40],
                          "krippendorff_alpha": [0.852, 0.2], "alpha_ci_low": [0.81, 0.0],
                          "alpha_ci_high": [0.89, 0.4]})
    text = agreement_finding(table).text
    assert "alpha 0.85 (95% interval 0.81 to 0.89, over 1,943 turn-by-theme decisions): reliable" in text
    low = agreement_finding(table.assign(krippendorff_alpha=0.5)).text
    assert "unreliable" in low and "do not draw conclusions" in low
    assert "cannot be measured yet" in agreement_finding(table.assign(n_units=6)).text


def test_quality_sentence_only_when_rows_were_kept_out():
    manifest = {"tables": {"codings": {"read": 10, "accepted": 7, "rejected": 3},
                           "outcomes": {"read": 5, "accepted": 5, "rejected": 0}}}
    assert quality_finding(manifest, pd.DataFrame()).text.startswith("3 of 15 rows in the country's files were kept out")
    assert quality_finding({"tables": {"codings": {"read": 4, "accepted": 4, "rejected": 0}}}, pd.DataFrame()) is None


def test_rates_sentence_names_lowest_and_highest_with_the_analysis_intervals():
    exposure = pd.DataFrame({"campaign_id": ["a", "b"], "country": ["gh", "ke"], "sector": ["health", "water"],
                             "start": pd.to_datetime(["2020-01-01"] * 2), "end": pd.Timestamp("2022-01-01"),
                             "campaign_months": [24.0, 12.0], "n_sessions": [4, 2], "session_share": [4.0, 2.0]})
    rates = outcome_rates(_outcomes(), exposure, by="country")
    text = rates_finding(rates, {"gh": "Ghana", "ke": "Kenya"}).text
    gh, ke = rates.set_index("country").loc["gh"], rates.set_index("country").loc["ke"]
    assert gh["per_campaign_month"] < ke["per_campaign_month"]
    assert (f"from {gh['per_campaign_month']:.2f} in Ghana (95% interval {gh['ci_low']:.2f} to {gh['ci_high']:.2f}) "
            f"to {ke['per_campaign_month']:.2f} in Kenya ({ke['ci_low']:.2f} to {ke['ci_high']:.2f})") in text
    # Outcomes dated after a campaign's window are not in its rate, nor in the sentence's count.
    assert rates["n_outcomes"].sum() == 5 and "over 5 outcomes of 2 campaigns" in text
    assert "more thorough harvest" in text


def _table() -> pd.DataFrame:
    return pd.DataFrame({"country": ["gh"] * 30 + ["ke"] * 30,
                         "outcome_area": ["A"] * 22 + ["B"] * 8 + ["A"] * 9 + ["B"] * 21})


def test_a_difference_is_said_only_when_the_corrected_test_supports_it():
    result = contingency(_table(), "country", "outcome_area")
    assert result.p_value < 0.01
    text = association_finding(result).text
    assert "differently, more than chance would explain" in text and "p < 0.001" in text
    # The same table, its p-value raised past 0.05 by the report-wide correction: no difference is claimed.
    corrected = dataclasses.replace(result, p_adjusted=0.08, family_size=15)
    text = association_finding(corrected).text
    assert "differs no more than chance would explain" in text and "do not show" in text
    assert "p = 0.080 after Holm's correction across the report's 15 tests" in text
    # No effect size is worded in the key findings at all: the section words it beside its test.
    for word in ("weak", "moderate", "strong", "negligible", "Cramér"):
        assert word not in text and word not in association_finding(result).text
    assert association_finding(None) is None


def test_comparison_substantiation_and_distinctive_sentences():
    o = _outcomes()
    overall, by_country = substantiation_rates(o, by=None), substantiation_by(o)
    text = substantiation_comparison_finding(overall, by_country, {"gh": "Ghana", "ke": "Kenya"}).text
    shares = by_country.set_index("country")["share_checked"]
    assert text.startswith(f"5 of 8 outcomes (62%) were put to an independent informant, from "
                           f"{percent(shares['ke'])} in Kenya to {percent(shares['gh'])} in Ghana")
    d = pd.DataFrame({"country": ["gh", "gh", "ke", "ke", "sn"], "code_id": list("ABABA"),
                      "direction": ["more", "less", "", "", ""]})
    text = distinctive_finding(d).text
    assert text.startswith("2 theme-country pairs stand out beyond chance") and "in 1 of 3 countries" in text
    assert "lists them all" in text
    assert distinctive_finding(d.loc[d["country"] == "gh"]) is None  # one country: nothing to compare with


def test_the_box_is_escaped_lists_each_finding_and_links_to_its_section():
    page = key_findings_html([Finding("Kenya <b>won</b> & more.", "What kinds of outcomes, where"), None,
                              Finding("Second.", "Themes")])
    root = lxml.html.fragment_fromstring(page)
    assert root.tag == "section" and root.get("class") == "sl-key-findings-box"
    assert root.xpath("string(h2)") == "Key findings"
    items = root.xpath("ul[@class='sl-key-findings']/li")
    assert [li.text for li in items] == ["Kenya <b>won</b> & more. ", "Second. "]
    assert root.xpath("//a/@href") == ["#What-kinds-of-outcomes,-where", "#Themes"]
    assert "<b>" not in page
    empty = lxml.html.fragment_fromstring(key_findings_html([]))
    assert len(empty.xpath("//ul[@class='sl-key-findings']/li")) == 1


def _headings(notebook: Path) -> set[str]:
    return set(re.findall(r"^# #{2,3} (.+)$", notebook.read_text(encoding="utf-8"), flags=re.MULTILINE))


@pytest.mark.parametrize(("notebook", "functions"), [
    ("country.py", ["harvest_finding", "substantiation_finding", "theme_finding", "agreement_finding",
                    "quality_finding"]),
    ("comparison.py", ["rates_finding", "association_finding", "substantiation_comparison_finding",
                       "distinctive_finding"]),
])
def test_every_finding_links_to_a_heading_its_notebook_has(notebook, functions):
    import inspect

    headings = _headings(NOTEBOOKS / notebook)
    text = (NOTEBOOKS / notebook).read_text(encoding="utf-8")
    for name in functions:
        assert f"{name}(" in text, f"{notebook} does not show {name}"
        section = inspect.signature(getattr(findings, name)).parameters["section"].default
        assert section in headings, f"{name} links to '{section}', not a heading of {notebook}"
