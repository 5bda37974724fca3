"""Choices made visible and their weight measured: exposure window, what counts as a QCA win,
calibration thresholds, and skewed conditions flagged where they are used."""

from __future__ import annotations

import pandas as pd
import pytest

from sparklearn.analysis import rates
from sparklearn.analysis.cases import (
    OUTCOME_RULES,
    campaign_conditions,
    fuzzy_case_comparison,
    skewed_conditions,
)
from sparklearn.analysis.choices import (
    choices_summary,
    exposure_alternatives,
    qca_alternatives,
)
from sparklearn.config import resolve_paths
from sparklearn.countries import load_registry
from sparklearn.exceptions import ParameterError
from sparklearn.report.choice_words import choices_for_readers, describe_choices
from sparklearn.store import Stacked, load_processed

REGISTRY = load_registry()
NONE = pd.DataFrame(columns=["session_id", "campaign_ids", "segment_id", "code_id", "coder"])
ANCHORS = {"BROAD_COALITION": [1, 3.5, 5], "MEMBERSHIP_BASE": [0.05, 0.15, 0.40]}


def _two_countries():
    """Ghana's record ends in mid-2021, Kenya's a year later; one outcome each."""
    sessions = pd.DataFrame({"session_id": ["GH-S01", "KE-S01"], "country": ["ghana", "kenya"],
                             "campaign_ids": ["gh-fertiliser", "ke-primary-health"],
                             "date": pd.to_datetime(["2021-06-01", "2022-06-01"])})
    outcomes = pd.DataFrame({"country": ["ghana", "kenya"], "campaign_id": ["gh-fertiliser", "ke-primary-health"],
                             "date": pd.to_datetime(["2021-05-01", "2022-05-01"])})
    return sessions, outcomes


def test_exposure_can_end_each_country_at_its_own_last_harvest():
    sessions, outcomes = _two_countries()
    every = rates.exposure(REGISTRY, sessions, outcomes=outcomes, countries=["ghana", "kenya"])
    own = rates.exposure(REGISTRY, sessions, outcomes=outcomes, countries=["ghana", "kenya"], end_by="country")
    assert set(every["end"]) == {pd.Timestamp("2022-06-01")}
    ends = own.groupby("country")["end"].first()
    assert ends.to_dict() == {"ghana": pd.Timestamp("2021-06-01"), "kenya": pd.Timestamp("2022-06-01")}
    ghana = own["country"] == "ghana"
    # Ghana's months stop a year earlier; Kenya's are unchanged.
    assert (every.loc[ghana, "campaign_months"] - own.loc[ghana, "campaign_months"]).round(2).tolist() == [
        pytest.approx(12.0, abs=0.05)] * ghana.sum()
    assert own.loc[~ghana, "campaign_months"].tolist() == every.loc[~ghana, "campaign_months"].tolist()
    with pytest.raises(ParameterError, match="end_by"):
        rates.exposure(REGISTRY, sessions, outcomes=outcomes, end_by="session")
    # A period end given by the user wins over either rule.
    fixed = rates.exposure(REGISTRY, sessions, outcomes=outcomes, period_end="2021-12-31", end_by="country")
    assert set(fixed["end"]) == {pd.Timestamp("2021-12-31")}


def test_the_exposure_window_can_reverse_a_ranking():
    sessions, outcomes = _two_countries()
    runs = exposure_alternatives(REGISTRY, sessions, outcomes, countries=["ghana", "kenya"])
    ranks = runs.pivot(index="country", columns="setting", values="rank")
    assert ranks.to_dict() == {"all": {"ghana": 2, "kenya": 1}, "country": {"ghana": 1, "kenya": 2}}
    summary = choices_summary(runs, chosen_exposure="country")
    assert summary[["setting", "result", "value", "same_as_chosen"]].values.tolist() == [
        ["country", "ranking", "ghana;kenya", True], ["country", "highest", "ghana", True],
        ["all", "ranking", "kenya;ghana", False], ["all", "highest", "kenya", False]]
    with pytest.raises(ParameterError):
        exposure_alternatives(REGISTRY, sessions, outcomes, settings=["month"])


def _harvest(substantiation: list[str]) -> pd.DataFrame:
    n = len(substantiation)
    return pd.DataFrame({"outcome_id": [f"KE-O{i}" for i in range(n)], "country": "kenya",
                         "campaign_id": ["ke-baringo-water", "ke-primary-health", "ke-primary-health"][:n],
                         "actor_type": "executive", "type_of_change": "policy", "strategic_components": "",
                         "valence": "positive", "substantiation": substantiation})


def test_a_win_needs_substantiation_only_under_the_strict_rule():
    data = Stacked(("kenya",), NONE, NONE, NONE, _harvest(["fully", "not-yet", "disagree"]))
    wins = {name: campaign_conditions(data, REGISTRY, outcome=rule).set_index("campaign_id")["POLICY_BUDGET_CHANGE"]
            for name, rule in OUTCOME_RULES.items()}
    assert wins["substantiated"].to_dict() == {"ke-primary-health": 0, "ke-baringo-water": 1}
    # Not checked yet is not a failure; a disputed change is not a win under either rule.
    assert wins["reported"].to_dict() == {"ke-primary-health": 1, "ke-baringo-water": 1}
    disputed = Stacked(("kenya",), NONE, NONE, NONE, _harvest(["disagree"]))
    assert campaign_conditions(disputed, REGISTRY, outcome=OUTCOME_RULES["reported"])["POLICY_BUDGET_CHANGE"].sum() == 0


def test_qca_is_rerun_under_each_outcome_rule_and_threshold():
    data = Stacked(("kenya",), NONE, NONE, NONE, _harvest(["fully", "not-yet"]))
    runs = qca_alternatives(data, REGISTRY, None, anchors=ANCHORS, expectations={}, outcome="reported",
                            alternative_anchors={"BROAD_COALITION": [[1, 2.5, 5]]}, alternative_incl_cuts=[0.8, 0.9])
    assert runs[["choice", "setting", "chosen", "n_wins"]].values.tolist() == [
        ["chosen", "reported", True, 2], ["outcome", "substantiated", False, 1],
        ["anchors", "BROAD_COALITION 1/2.5/5", False, 2], ["incl_cut", "0.9", False, 2]]
    summary = choices_summary(qca_runs=runs)
    wins = summary.loc[summary["result"] == "wins"].set_index("setting")["same_as_chosen"]
    assert wins.to_dict() == {"reported": True, "substantiated": False, "BROAD_COALITION 1/2.5/5": True, "0.9": True}
    with pytest.raises(ParameterError, match="QCA outcome"):
        qca_alternatives(data, REGISTRY, None, anchors=ANCHORS, expectations={}, outcome="claimed")


def test_terms_kept_counts_the_chosen_solutions_combinations():
    runs = pd.DataFrame({"choice": ["chosen", "anchors"], "setting": ["reported", "A 1/2/3"], "chosen": [True, False],
                         "n_wins": [3, 3], "necessary": ["", ""], "solution": ["A*B + C | A*B + D", "A*B + E"]})
    summary = choices_summary(qca_runs=runs)
    kept = summary.loc[summary["result"] == "terms_kept"].set_index("setting")
    assert kept["value"].to_dict() == {"reported": "3/3", "A 1/2/3": "1/3"}
    assert kept["same_as_chosen"].to_dict() == {"reported": True, "A 1/2/3": False}


def test_a_condition_true_for_13_of_14_cases_is_flagged_where_it_is_used():
    cases = pd.DataFrame({"campaign_id": [f"c{i}" for i in range(14)], "A": [1] * 13 + [0],
                          "B": [1, 0] * 7, "Y": [1, 1, 0, 0] * 3 + [1, 0]})
    flags = skewed_conditions(cases, ["A", "B", "Y"]).set_index("condition")
    assert flags.loc["A", ["n_in", "n_cases", "skewed", "side"]].tolist() == [13, 14, True, "in"]
    assert not flags.loc["B", "skewed"] and not flags.loc["Y", "skewed"]
    flipped = skewed_conditions(cases.assign(A=1 - cases["A"]), ["A"])
    assert flipped.loc[0, ["skewed", "side"]].tolist() == [True, "out"]
    # 12 of 14 (86%) is below the default 90% but above 80%.
    twelve = cases.assign(A=[1] * 12 + [0, 0])
    assert not skewed_conditions(twelve, ["A"]).loc[0, "skewed"]
    assert skewed_conditions(twelve, ["A"], threshold=0.8).loc[0, "skewed"]
    result = fuzzy_case_comparison(cases, {}, {}, ["A", "B"], "Y")
    note = [w for w in result.warnings if "skewed" in w]
    assert note == [("A is present in 13 of 14 cases (skewed): it can hardly tell the cases apart, so it looks "
                     "necessary (or irrelevant) whatever the truth; read results that rest on it with care")]
    with pytest.raises(ParameterError):
        skewed_conditions(cases, ["A"], threshold=0.4)


def test_readers_see_which_conclusions_hold():
    runs = pd.DataFrame({"setting": ["country", "country", "all", "all"], "country": ["za", "gh", "za", "gh"],
                         "per_campaign_month": [0.6, 0.34, 0.55, 0.28], "rank": [1, 2, 1, 2]})
    qca = pd.DataFrame({"choice": ["chosen", "outcome"], "setting": ["reported", "substantiated"],
                        "chosen": [True, False], "n_wins": [11, 8], "necessary": ["", ""],
                        "solution": ["MEDIA", "~MEDIA"]})
    summary = choices_summary(runs, qca)
    shown = choices_for_readers(summary, names={"za": "South Africa", "gh": "Ghana"}, conditions={"MEDIA": "media work"})
    row = shown.loc[(shown["result"] == "intermediate solution") & (shown["same as the report"] == "no")].iloc[0]
    assert row["value"] == "NOT media work"
    assert shown.loc[shown["result"].str.startswith("countries"), "value"].tolist() == [
        "South Africa > Ghana", "South Africa > Ghana"]
    text = describe_choices(summary, conditions={"MEDIA": "media work"})
    assert text.startswith("Holds under every alternative tried: countries from the highest outcomes per "
                           "campaign-month to the lowest; highest outcomes per campaign-month; necessary conditions.")
    assert "campaigns with a win (when only changes an informant confirmed count as wins" in text
    assert "intermediate solution (when only changes an informant confirmed" in text


@pytest.mark.slow
def test_demo_data_ghana_moves_from_0_28_to_0_34_and_up_the_ranking(tmp_path):
    paths = resolve_paths(out=tmp_path / "out")
    stacked = load_processed(paths, REGISTRY.slugs)
    runs = exposure_alternatives(REGISTRY, stacked.sessions, stacked.outcomes).set_index(["setting", "country"])
    assert runs.loc[("all", "ghana"), "per_campaign_month"] == pytest.approx(0.28, abs=0.005)
    assert runs.loc[("country", "ghana"), "per_campaign_month"] == pytest.approx(0.34, abs=0.005)
    assert runs.loc[("all", "ghana"), "rank"] == 6 and runs.loc[("country", "ghana"), "rank"] == 2


def test_anchors_of_a_share_read_as_percentages():
    summary = pd.DataFrame({"choice": ["outcome", "anchors"], "setting": ["reported", "MEMBERSHIP_BASE 0.05/0.1/0.4"],
                            "chosen": [True, False], "result": "wins", "value": ["3", "3"],
                            "same_as_chosen": [True, True]})
    shown = choices_for_readers(summary, conditions={"MEMBERSHIP_BASE": "a membership base"},
                                shares=["MEMBERSHIP_BASE"])
    assert shown.loc[1, "setting"] == "a membership base: fully out / crossover / fully in at 5% / 10% / 40%"
