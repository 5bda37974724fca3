"""Power (the power cube): shares per dimension, the closed-to-claimed rule, and their words."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from sparklearn.analysis.barriers import turn_rounds
from sparklearn.analysis.power import power_by_round, power_profile, space_moves
from sparklearn.report.figure_text import figure_description
from sparklearn.report.learning_questions import (
    barriers_compared_for_readers,
    describe_power,
    describe_space_moves,
    plot_spaces_by_round,
    power_for_readers,
)

LABELS = {"PW-SPACE-CLOSED": "Closed spaces", "PW-SPACE-INVITED": "Invited spaces",
          "PW-SPACE-CLAIMED": "Claimed or created spaces", "PW-LEVEL-LOCAL": "Local level",
          "PW-FORM-HIDDEN": "Hidden power"}
NAMES = {"a": "Clean water", "b": "Primary health care"}


@pytest.fixture()
def data():
    sessions = pd.DataFrame({"session_id": ["S1", "S2", "S3"], "round": [1, 2, 3],
                             "date": pd.to_datetime(["2021-01-01", "2021-07-01", "2022-01-01"])})
    segments = pd.DataFrame({"segment_id": [f"S{r}-T{t}" for r in (1, 2, 3) for t in range(1, 4)],
                             "session_id": [f"S{r}" for r in (1, 2, 3) for _ in range(3)], "country": "kenya",
                             "campaign_id": ["a", "a", "b"] * 3})
    codes = {"S1-T1": ["PW-SPACE-CLOSED", "PW-LEVEL-LOCAL"], "S1-T2": ["PW-SPACE-CLOSED", "PW-SPACE-CLAIMED"],
             "S2-T1": ["PW-SPACE-CLOSED"], "S3-T1": ["PW-SPACE-CLAIMED", "PW-FORM-HIDDEN"],
             "S3-T2": ["PW-SPACE-CLAIMED"], "S1-T3": ["PW-SPACE-INVITED"], "S3-T3": ["PW-SPACE-INVITED"]}
    codings = pd.DataFrame([(s, c, "coder-a") for s, cs in codes.items() for c in cs],
                           columns=["segment_id", "code_id", "coder"])
    outcomes = pd.DataFrame({"country": "kenya", "campaign_id": ["a", "a", "a", "b"],
                             "outcome_id": ["O1", "O2", "O3", "O4"],
                             "date": pd.to_datetime(["2021-03-01", "2022-02-01", "2022-05-01", "2022-02-01"]),
                             "type_of_change": ["agenda", "budget", "policy", "policy"],
                             "valence": ["positive", "positive", "negative", "positive"]})
    return turn_rounds(segments, sessions), codings, outcomes


def test_shares_are_of_the_dimensions_turns(data):
    turns, codings, _ = data
    table = power_by_round(codings, turns)
    first = table.query("campaign_id == 'a' and round == 1 and dimension == 'space'").set_index("code_id")
    assert first["n_turns"].tolist() == [2, 0, 1] and set(first["dimension_turns"]) == {2}
    assert first["share"].tolist() == [1.0, 0.0, 0.5]
    empty = table.query("campaign_id == 'a' and round == 2 and dimension == 'level'")
    assert empty["share"].isna().all()  # no turn about levels in that round
    profile = power_profile(codings, turns).query("campaign_id == 'a' and dimension == 'space'")
    assert profile.set_index("code_id")["n_turns"].to_dict() == {"PW-SPACE-CLOSED": 3, "PW-SPACE-INVITED": 0,
                                                                  "PW-SPACE-CLAIMED": 3}


def test_closed_to_claimed_move_and_what_followed(data):
    turns, codings, outcomes = data
    moves = space_moves(power_by_round(codings, turns), turns, outcomes).set_index("campaign_id")
    a = moves.loc["a"]
    assert bool(a["moved"]) and a["closed_led"] == 1 and a["move_round"] == 3
    assert a["move_date"] == pd.Timestamp("2022-01-01")
    # O1 came before; O2 (budget, positive) and O3 (policy, negative) after: one positive policy or budget change.
    assert (a["outcomes_before"], a["outcomes_after"], a["policy_budget_after"]) == (1, 2, 1)
    b = moves.loc["b"]
    assert not b["moved"] and pd.isna(b["outcomes_after"]) and b["n_policy_budget"] == 1


def test_words_state_the_rule_and_no_cause(data):
    turns, codings, outcomes = data
    rounds = power_by_round(codings, turns)
    text = describe_power(power_profile(codings, turns), space_moves(rounds, turns, outcomes), campaigns=NAMES,
                          labels=LABELS)
    assert "Clean water: mostly closed spaces (3 of 5 turns about spaces), the local level (1 of 1 turns about levels)" \
        in text
    assert "1 of 2 campaigns moved from closed to claimed spaces (a round where closed spaces outnumbered claimed" in text
    assert "Clean water (in round 3; 2 outcomes harvested after it, 1 of them a policy or budget change)" in text
    assert "not shown to come from it" in text
    assert not re.search(r"\bPW-|\beffect|\bled to\b|\bcaused\b", text)
    table = power_for_readers(power_profile(codings, turns), campaigns=NAMES, labels=LABELS)
    assert table.set_index("campaign").at["Clean water", "Closed spaces"] == "3 (60%)"
    assert "caption" in table.attrs


def test_figure_has_legend_and_alt_text(data):
    turns, codings, _ = data
    fig = plot_spaces_by_round(power_by_round(codings, turns), campaigns=NAMES, labels=LABELS, title="Spaces")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Closed spaces", "Invited spaces", "Claimed or created spaces"]
    alt, caption = figure_description(fig)
    assert caption == "Spaces" and "Clean water: 3 closed spaces, 0 invited spaces, 3 claimed or created spaces" in alt


def test_moves_across_countries_and_barrier_table_by_country(data):
    turns, codings, outcomes = data
    moves = space_moves(power_by_round(codings, turns), turns, outcomes)
    text = describe_space_moves(moves.assign(moved=False), campaigns=NAMES)
    assert text.startswith("No campaign moved from closed to claimed spaces by the rule used here (a round where")
    assert "Primary health care: too few to read a move in" in text and "PW-" not in text
    persistence = pd.DataFrame({"country": ["kenya", "kenya", "ghana"], "code_id": ["BR-FUNDING", "BR-CAPACITY",
                                                                                   "BR-FUNDING"],
                                "share": [0.05, 0.2, 0.1], "persists": [False, True, False]})
    table = barriers_compared_for_readers(persistence, names={"kenya": "Kenya", "ghana": "Ghana"},
                                          labels={"BR-FUNDING": "Funding gaps", "BR-CAPACITY": "Capacity gaps"})
    assert table.columns.tolist() == ["barrier", "Ghana", "Kenya"]
    assert table.values.tolist() == [["Funding gaps", "10%", "5%"], ["Capacity gaps", "", "20% (persists)"]]
    assert table.attrs["caption"].startswith("Each barrier's share")


def test_reader_table_by_country(data):
    turns, codings, _ = data
    table = power_for_readers(power_profile(codings, turns, by="country"), campaigns={"kenya": "Kenya"},
                              labels=LABELS, by="country")
    assert table.columns[0] == "country" and table.iloc[0]["country"] == "Kenya"
    assert table.iloc[0]["Closed spaces"] == "3 (43%)"  # 3 of the 7 turns about spaces
    assert table.attrs["caption"].startswith("Spaces, levels and forms of power per country")
