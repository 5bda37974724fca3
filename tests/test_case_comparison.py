"""Fuzzy-set case comparison of campaigns (issue 15, item 5): degree scores, the analysis, and its words.

The methods themselves (calibration, necessity, minimisation, robustness) are checked against
published values in test_fuzzy_sets, test_necessity, test_fuzzy_qca and test_robustness; here we
check that the campaign layer scores, wires and words them as documented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sparklearn import store
from sparklearn.analysis import cases
from sparklearn.analysis.fuzzy_qca import fuzzy_minimise, fuzzy_truth_table
from sparklearn.analysis.fuzzy_sets import calibrate_fuzzy
from sparklearn.analysis.necessity import necessity
from sparklearn.analysis.robustness import Robustness
from sparklearn.codebook import load_codebook
from sparklearn.countries import Registry
from sparklearn.exceptions import CodebookError, ParameterError
from sparklearn.report import comparison_words as words
from sparklearn.report.comparison_figures import style_fuzzy_truth_table


def _stacked() -> tuple[store.Stacked, Registry]:
    campaigns = pd.DataFrame({"campaign_id": ["a", "b", "c"], "country": ["x", "x", "y"],
                              "sector": ["health", "water", "health"],
                              "start_date": pd.to_datetime(["2020-01-01"] * 3)})
    registry = Registry(pd.DataFrame({"slug": ["x", "y"]}), campaigns, Path("countries.yaml"))
    # a: 5 outcomes, 4 kinds of non-state actor (community twice, cso, media, donor) and one executive;
    # b: 4 outcomes, community in 1 (25 %), one kind of non-state actor; c: no outcomes at all.
    outcomes = pd.DataFrame({
        "campaign_id": ["a"] * 6 + ["b"] * 4,
        "actor_type": ["community", "community", "cso", "media", "donor", "executive",
                       "community", "executive", "legislature", "executive"],
    })
    none = pd.DataFrame(columns=["session_id", "campaign_ids", "segment_id", "code_id", "coder"])
    return store.Stacked(("x", "y"), none, none, none, outcomes), registry


def test_campaign_degrees_count_kinds_of_ally_and_share_of_community_outcomes():
    stacked, registry = _stacked()
    degrees = cases.campaign_degrees(stacked, registry, load_codebook())
    assert list(degrees.columns) == ["campaign_id", "condition", "raw", "n_outcomes"]
    wide = degrees.pivot(index="campaign_id", columns="condition", values="raw")
    assert wide["BROAD_COALITION"].to_dict() == {"a": 4.0, "b": 1.0, "c": 0.0}
    assert wide["MEMBERSHIP_BASE"].to_dict() == pytest.approx({"a": 2 / 6, "b": 1 / 4, "c": 0.0})
    assert degrees.set_index(["condition", "campaign_id"]).loc[("BROAD_COALITION", "c"), "n_outcomes"] == 0
    assert set(cases.campaign_degrees(stacked, registry, sectors=["water"])["campaign_id"]) == {"b"}


def test_campaign_degrees_check_measures():
    stacked, registry = _stacked()
    wrong = [cases.DegreeMeasure("BROAD_COALITION", "allies", ("no-such-actor",))]
    with pytest.raises(CodebookError, match="no-such-actor"):
        cases.campaign_degrees(stacked, registry, load_codebook(), measures=wrong)
    with pytest.raises(ParameterError, match="'kinds' or 'share'"):
        cases.campaign_degrees(stacked, registry, measures=[cases.DegreeMeasure("X", "x", ("cso",), "mean")])


def test_case_scores_put_raw_scores_in_place_of_the_crisp_columns():
    crisp = pd.DataFrame({"campaign_id": ["a", "b"], "country": "x", "sector": "health", "A": [1, 0], "B": [0, 1],
                          "Y": [1, 0], "B_outcomes": [3, 2], "B_share": [0.5, 0.2]})
    degrees = pd.DataFrame({"campaign_id": ["b", "a"], "condition": "B", "raw": [5.0, 3.0], "n_outcomes": 4})
    scores = cases.case_scores(crisp, degrees, "Y")
    assert list(scores.columns) == ["campaign_id", "country", "sector", "A", "B", "Y"]
    assert scores["B"].tolist() == [3.0, 5.0] and scores["A"].tolist() == [1, 0]
    with pytest.raises(ParameterError, match="not conditions"):
        cases.case_scores(crisp, degrees.assign(condition="Z"), "Y")


def _scores() -> pd.DataFrame:
    return pd.DataFrame({
        "campaign_id": [f"c{i}" for i in range(8)],
        "A": [5, 4, 5, 1, 2, 1, 4, 3], "B": [1, 1, 0, 1, 0, 0, 0, 1], "C": [1, 0, 1, 1, 0, 1, 0, 0],
        "Y": [1, 1, 1, 0, 0, 0, 1, 0],
    })


def test_fuzzy_case_comparison_is_the_methods_wired_in_order():
    scores = _scores()
    expectations = {"A": 1, "B": 1, "C": 1}
    result = cases.fuzzy_case_comparison(scores, {"A": (1, 2.5, 4)}, expectations, ["A", "B", "C"], "Y")
    members = scores.assign(A=calibrate_fuzzy(scores, "A", (1, 2.5, 4)))
    pd.testing.assert_frame_equal(result.memberships, members)
    pd.testing.assert_frame_equal(result.necessity, necessity(members, ["A", "B", "C"], "Y", case="campaign_id"))
    table = fuzzy_truth_table(members, ["A", "B", "C"], "Y", case="campaign_id", incl_cut=0.8, pri_cut=0.5)
    pd.testing.assert_frame_equal(result.truth_table, table)
    for kind in ("complex", "parsimonious", "intermediate"):
        direct = fuzzy_minimise(table, members, ["A", "B", "C"], "Y", include=kind, case="campaign_id",
                                directional_expectations=expectations).solutions
        ours = result.solutions.loc[result.solutions["kind"] == kind].drop(columns="kind").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, direct)
    assert list(result.solutions["kind"].unique()) == ["intermediate", "complex", "parsimonious"]
    # The intermediate solution's easy counterfactuals are among the parsimonious solution's assumptions.
    assumed = result.simplifying_assumptions
    assert set(assumed.loc[assumed["kind"] == "intermediate", "configuration"]) <= set(
        assumed.loc[assumed["kind"] == "parsimonious", "configuration"])
    assert result.expectations == expectations and (result.incl_cut, result.pri_cut) == (0.8, 0.5)
    assert any("limited diversity" in w for w in result.warnings)
    assert any("8 cases and 3 conditions" in w for w in result.warnings)


def test_fuzzy_case_comparison_warns_of_a_case_on_the_crossover_and_of_no_solution():
    scores = _scores()
    on_crossover = cases.fuzzy_case_comparison(scores, {"A": (1, 3, 4)}, {"A": 1}, ["A", "B", "C"], "Y")
    assert any(w.startswith("c7 sits exactly on the crossover of A") for w in on_crossover.warnings)
    none = cases.fuzzy_case_comparison(scores.assign(Y=0), {"A": (1, 2.5, 4)}, {"A": 1}, ["A", "B", "C"], "Y")
    assert none.solutions.empty and any(w.startswith("no intermediate solution") for w in none.warnings)
    assert words.describe_fuzzy_case_comparison(none).startswith(
        "No combination of conditions is consistently enough linked to Y to count as sufficient (consistency at "
        "least 0.80, PRI at least 0.50).")


def _necessity(consistency, relevance) -> pd.DataFrame:
    expressions = ["A", "B", "~A", "~B"]
    consistency, relevance = np.array(consistency), np.array(relevance)
    return pd.DataFrame({"expression": expressions, "consistency": consistency, "coverage": 0.6,
                         "relevance": relevance, "necessary": (consistency >= 0.9) & (relevance >= 0.5)})


def test_describe_necessity_wording():
    labels = {"A": "a broad coalition", "B": "media work"}
    one = words.describe_necessity(_necessity([0.93, 0.7, 0.3, 0.4], [0.61, 0.8, 0.9, 0.9]), n_cases=14,
                                   labels=labels)
    assert one.startswith("A broad coalition is necessary (consistency 0.93, relevance 0.61): the campaigns with the "
                          "outcome are (almost) all among those with it.")
    assert one.endswith("With 14 campaigns, one campaign more or less can move a consistency by several points.")
    two = words.describe_necessity(_necessity([0.93, 0.3, 0.3, 0.95], [0.61, 0.8, 0.9, 0.7]), n_cases=14,
                                   labels=labels)
    assert two.startswith("A broad coalition (consistency 0.93, relevance 0.61) and the absence of media work "
                          "(consistency 0.95, relevance 0.70) are necessary")
    none = words.describe_necessity(_necessity([0.85, 0.7, 0.3, 0.4], [0.35, 0.8, 0.9, 0.9]), n_cases=14,
                                    labels=labels)
    assert none.startswith("No condition is necessary: a condition counts as necessary when its consistency reaches "
                           "0.90 and its relevance 0.50, and none does. The closest is a broad coalition (consistency "
                           "0.85, below 0.90; relevance 0.35: nearly every campaign has it, so it is close to trivial).")
    trivial = words.describe_necessity(_necessity([0.97, 0.7, 0.3, 0.4], [0.2, 0.8, 0.9, 0.9]), n_cases=14,
                                       labels=labels)
    assert "The closest is a broad coalition (consistency 0.97, but relevance 0.20: so common" in trivial
    assert all("nan" not in text for text in (one, two, none, trivial))


def test_describe_fuzzy_case_comparison_reads_first_the_intermediate_solution_and_names_cases():
    result = cases.fuzzy_case_comparison(_scores(), {"A": (1, 2.5, 4)}, {"A": 1, "B": 1, "C": 1},
                                         ["A", "B", "C"], "Y")
    labels = {"A": "a broad coalition", "B": "inside allies", "C": "media work", "Y": "a win"}
    text = words.describe_fuzzy_case_comparison(result, labels=labels, names={"c0": "Fertiliser"})
    assert text.startswith("Intermediate solution, assuming only what the expectations make plausible (a broad "
                           "coalition, inside allies and media work each help towards a win): a win where ")
    assert text.index("Intermediate") < text.index("Complex solution, assuming nothing") < text.index(
        "Parsimonious solution, assuming whatever simplifies")
    assert "Fertiliser" in text and "Caveats: " in text and "*" not in text and "~" not in text


def test_describe_robustness_says_when_nothing_holds_up():
    runs = pd.DataFrame({"run": [1, 2, 3], "status": "ok"})
    terms = pd.DataFrame({"term": ["A*~B", "A"], "in_reference": [True, True], "runs": 3,
                          "runs_in_every_model": [1, 0], "runs_in_some_model": [1, 2], "share": [1 / 3, 0.0]})
    text = words.describe_robustness(Robustness(runs, terms), labels={"A": "a broad coalition", "B": "media work"})
    assert text.startswith("Over 3 runs of the analysis with other anchors and consistency thresholds: a broad "
                           "coalition AND NOT media work is in every model of 1 of the 3 runs (33%); a broad coalition "
                           "is in every model of no run and in at least one model of 2. None holds up in three runs "
                           "in four or more: which combinations appear depends on the anchors and threshold chosen.")
    empty = words.describe_robustness(Robustness(runs.assign(status="no positive configuration"),
                                                 terms.iloc[0:0]))
    assert "the reference analysis found no sufficient combination to follow" in empty
    assert "3 runs found no sufficient combination." in empty


def test_style_fuzzy_truth_table_marks_rows_with_too_few_cases():
    table = pd.DataFrame({"A": [1, 0], "out": pd.array([1, pd.NA], dtype="Int8"), "n": [3, 1], "n_outcome": [3, 0],
                          "incl": [0.912, 0.2], "pri": [0.9, 0.1], "coverage": [0.5, 0.1], "cases": ["a;b;c", "d"]})
    styled = style_fuzzy_truth_table(table, ["A"], labels={"A": "coalition"}, outcome_label="a win")
    shown = styled.data
    assert 'id="T_fuzzy-truth-table"' in styled.to_html()  # fixed, unlike pandas' random id
    assert shown["sufficient for a win"].tolist() == ["yes", "too few cases"]
    assert shown["consistency"].tolist() == ["0.91", "0.20"] and shown["cases"].tolist() == ["a, b, c", "d"]
