"""Barriers to engagement: rounds, persistence, responses (sparklearn.analysis.barriers) and their words."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from sparklearn.analysis.barriers import (
    barrier_persistence,
    barrier_responses,
    barriers_by_round,
    turn_rounds,
)
from sparklearn.report.figure_text import figure_description
from sparklearn.report.learning_questions import (
    barriers_for_readers,
    describe_barriers,
    describe_barriers_compared,
    plot_barriers_by_round,
)

LABELS = {"BR-FUNDING": "Funding gaps rooted in the PFM system", "BR-REPRESSION": "Repression and shrinking civic space"}
CODES = ("BR-FUNDING", "BR-REPRESSION")


@pytest.fixture()
def data():
    sessions = pd.DataFrame({"session_id": ["S1", "S2", "S3"], "country": "kenya", "round": [1, 2, 3],
                             "date": pd.to_datetime(["2021-01-01", "2021-07-01", "2022-01-01"])})
    # Four turns a round; the third round's last turn is shared by two campaigns.
    segments = pd.DataFrame({"segment_id": [f"S{r}-T{t}" for r in (1, 2, 3) for t in range(1, 5)],
                             "session_id": [f"S{r}" for r in (1, 2, 3) for _ in range(4)], "country": "kenya",
                             "campaign_id": ["a"] * 4 + ["b"] * 4 + ["a"] * 3 + ["a+b"]})
    codings = pd.DataFrame({"segment_id": ["S1-T1", "S1-T1", "S1-T2", "S1-T3", "S2-T1", "S3-T4"],
                            "code_id": ["BR-FUNDING", "BR-FUNDING", "BR-FUNDING", "BR-REPRESSION", "BR-REPRESSION",
                                        "BR-REPRESSION"],
                            "coder": ["a", "b", "a", "a", "a", "b"]})
    decisions = pd.DataFrame({"country": "kenya", "decision_id": ["D1", "D2"], "session_id": ["S1", "S1"],
                              "addresses": ["BR-FUNDING", "SC-AGENCY"], "outcome_ids": ["O1;O2", "O3"]})
    outcomes = pd.DataFrame({"country": "kenya", "outcome_id": ["O1", "O2", "O3"],
                             "type_of_change": ["budget", "agenda", "policy"]})
    return sessions, segments, codings, decisions, outcomes


def test_turns_per_round_and_shares_with_zeros(data):
    sessions, segments, codings, *_ = data
    turns = turn_rounds(segments, sessions, sectors={"a": "health", "b": "water"})
    assert len(turns) == 13  # the shared turn counts for both campaigns
    table = barriers_by_round(codings, turns, codes=CODES)
    funding = table.loc[table["code_id"] == "BR-FUNDING"]
    assert funding[["round", "n_turns", "turns_in_round"]].values.tolist() == [[1, 2, 4], [2, 0, 4], [3, 0, 4]]
    assert funding["share"].tolist() == [0.5, 0.0, 0.0]
    by_sector = barriers_by_round(codings, turns, by="sector", codes=CODES)
    water = by_sector.query("sector == 'water' and code_id == 'BR-REPRESSION'")
    assert water[["round", "n_turns", "turns_in_round"]].values.tolist() == [[2, 1, 4], [3, 1, 1]]


def test_persistence_rule(data):
    sessions, segments, codings, *_ = data
    table = barrier_persistence(barriers_by_round(codings, turn_rounds(segments, sessions), codes=CODES))
    rows = table.set_index("code_id")
    assert rows.loc["BR-REPRESSION", ["rounds_present", "first_round", "last_round", "persists"]].tolist() == [
        3, 1, 3, True]
    assert rows.loc["BR-FUNDING", ["rounds_present", "persists"]].tolist() == [1, False]
    assert rows.loc["BR-FUNDING", "share"] == pytest.approx(2 / 12)


def test_responses_before_after_and_linked_outcomes(data):
    sessions, segments, codings, decisions, outcomes = data
    by_round = barriers_by_round(codings, turn_rounds(segments, sessions), codes=CODES)
    table = barrier_responses(by_round, decisions, sessions, outcomes, codes=CODES).set_index("code_id")
    funding = table.loc["BR-FUNDING"]
    assert bool(funding["addressed"]) and funding["n_decisions"] == 1 and funding["decision_round"] == 1
    assert funding["share_then"] == 0.5 and funding["share_after"] == 0.0 and bool(funding["fell"])
    assert (funding["n_outcomes"], funding["n_policy_budget"]) == (2, 1)  # O3 answers no barrier
    repression = table.loc["BR-REPRESSION"]
    assert not repression["addressed"] and repression["share_after"] == pytest.approx(0.25)


def test_words_name_labels_not_ids_and_claim_no_cause(data):
    sessions, segments, codings, decisions, outcomes = data
    by_round = barriers_by_round(codings, turn_rounds(segments, sessions), codes=CODES)
    staying, answers = barrier_persistence(by_round), barrier_responses(by_round, decisions, sessions, outcomes,
                                                                        codes=CODES)
    text = describe_barriers(staying, answers, labels=LABELS)
    assert "repression and shrinking civic space (3 turns, 25% of all turns), in 3 of 3 rounds" in text
    assert "1 decision in the register addresses 1 barrier" in text
    assert "of the 1 barrier no decision addressed, 0 also took up a smaller share after the round it first" in text
    assert "2 outcomes" in text and "1 of them a policy or budget change" in text
    assert "not what caused it" in text
    assert not re.search(r"\bBR-|\beffect|\bled to\b|\bcaused by\b", text)
    compared = describe_barriers_compared(staying, names={"kenya": "Kenya"}, labels=LABELS)
    assert compared.startswith("The barrier each country's sessions dwelt on most: Kenya, repression and shrinking "
                               "civic space (25% of turns, persists).")
    assert "not ranked by a test" in compared
    readers = barriers_for_readers(staying, answers, labels=LABELS)
    assert readers.attrs["caption"].startswith("Barriers to engagement")
    assert not readers.astype(str).apply(lambda c: c.str.contains("BR-")).any().any()
    funding = readers.set_index("barrier").loc["Funding gaps rooted in the PFM system"]
    assert funding[["share in the decision's round", "average share in later rounds"]].tolist() == ["50%", "0%"]


def test_figure_describes_itself(data):
    sessions, segments, codings, *_ = data
    by_round = barriers_by_round(codings, turn_rounds(segments, sessions), codes=CODES)
    fig = plot_barriers_by_round(by_round, labels=LABELS, title="Barriers round by round")
    alt, caption = figure_description(fig)
    assert caption == "Barriers round by round"
    assert "Repression and shrinking civic space: 3 turns" in alt
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["50%", "0%", "0%"]
