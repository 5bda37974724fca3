"""The accountability ecosystem: engagement, network, condition table, cross-tab, and their words."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from sparklearn.analysis.barriers import turn_rounds
from sparklearn.analysis.ecosystem import (
    actor_change_table,
    actor_combinations,
    actor_engagement,
    ecosystem_graph,
    engaged_actors,
)
from sparklearn.report.ecosystem import (
    combinations_for_readers,
    describe_actor_combinations,
    describe_ecosystem,
    ecosystem_for_readers,
    plot_ecosystem,
)
from sparklearn.report.figure_text import figure_description

LABELS = {"AE-SAI": "Supreme audit institution", "AE-LEGISLATURE": "Legislature", "AE-MEDIA": "Media",
          "SC-ECOSYSTEM": "Strengthen and leverage the accountability ecosystem", "ARC-ENFORCEMENT": "Enforcement"}
NAMES = {"a": "Clean water", "b": "Primary health care", "c": "Fertiliser"}


@pytest.fixture()
def data():
    sessions = pd.DataFrame({"session_id": ["S1"], "round": [1], "date": pd.to_datetime(["2021-01-01"])})
    segments = pd.DataFrame({"segment_id": ["T1", "T2", "T3", "T4"], "session_id": "S1", "country": "kenya",
                             "campaign_id": ["a", "a", "b", "a+b"]})
    codings = pd.DataFrame({"segment_id": ["T1", "T1", "T1", "T2", "T2", "T3", "T4"],
                            "code_id": ["AE-LEGISLATURE", "SC-ECOSYSTEM", "ARC-ENFORCEMENT", "AE-LEGISLATURE",
                                        "SC-ECOSYSTEM", "AE-MEDIA", "AE-SAI"],
                            "coder": ["a", "a", "b", "a", "b", "a", "a"]})
    outcomes = pd.DataFrame({"country": "kenya", "campaign_id": ["a", "a", "b", "c"], "outcome_id": list("WXYZ"),
                             "actor_type": ["legislature", "media", "audit-institution", "community"],
                             "type_of_change": ["budget", "agenda", "policy", "action"],
                             "valence": ["positive", "positive", "negative", "positive"],
                             "substantiation": ["fully", "not-yet", "fully", "not-yet"]})
    campaigns = pd.DataFrame({"campaign_id": ["a", "b", "c"], "country": ["kenya", "kenya", "ghana"]})
    return turn_rounds(segments, sessions), codings, outcomes, campaigns


def test_engagement_how_and_result(data):
    turns, codings, outcomes, _ = data
    table = actor_engagement(codings, turns, outcomes).set_index(["campaign_id", "code_id"])
    legislature = table.loc[("a", "AE-LEGISLATURE")]
    assert (legislature["n_turns"], legislature["n_outcomes"], legislature["n_policy_budget"]) == (2, 1, 1)
    assert legislature["how"] == "SC-ECOSYSTEM;ARC-ENFORCEMENT"  # most frequent first
    assert table.loc[("a", "AE-MEDIA"), ["n_turns", "n_outcomes", "engaged"]].tolist() == [0, 1, True]
    # The shared turn counts for both campaigns, once each: one turn is not "engaged" without an outcome.
    assert table.loc[("b", "AE-SAI"), ["n_turns", "n_outcomes", "n_policy_budget"]].tolist() == [1, 1, 0]
    assert table.loc[("a", "AE-SAI"), ["n_turns", "engaged"]].tolist() == [1, False]
    assert table.loc[("b", "AE-MEDIA"), ["n_turns", "engaged"]].tolist() == [1, False]


def test_a_disputed_win_is_no_win(data):
    turns, codings, outcomes, _ = data
    disputed = outcomes.assign(substantiation=["disagree", "not-yet", "fully", "not-yet"])
    table = actor_engagement(codings, turns, disputed).set_index(["campaign_id", "code_id"])
    assert table.loc[("a", "AE-LEGISLATURE"), ["n_outcomes", "n_policy_budget"]].tolist() == [1, 0]


def test_network_conditions_and_cross_tab(data):
    turns, codings, outcomes, campaigns = data
    engagement = actor_engagement(codings, turns, outcomes)
    graph = ecosystem_graph(engagement)
    assert graph.edges[("campaign", "a"), ("actor", "AE-LEGISLATURE")]["weight"] == 3
    assert not graph.has_edge(("campaign", "a"), ("actor", "AE-SAI"))
    conditions = engaged_actors(engagement, outcomes, campaigns, codes=["AE-SAI", "AE-LEGISLATURE", "AE-MEDIA"])
    assert conditions[["campaign_id", "AE-SAI", "AE-LEGISLATURE", "AE-MEDIA", "combination",
                       "POLICY_BUDGET_CHANGE"]].values.tolist() == [
        ["a", 0, 1, 1, "AE-LEGISLATURE;AE-MEDIA", 1], ["b", 1, 0, 0, "AE-SAI", 0], ["c", 0, 0, 0, "", 0]]
    combos = actor_combinations(conditions)
    assert combos[["combination", "n_campaigns", "with_change"]].values.tolist() == [
        ["AE-LEGISLATURE;AE-MEDIA", 1, 1], ["AE-SAI", 1, 0], ["", 1, 0]]
    crosstab = actor_change_table(conditions, codes=["AE-SAI", "AE-LEGISLATURE"]).set_index("code_id")
    assert crosstab.loc["AE-LEGISLATURE"].tolist() == [1, 1, 2, 0]


def test_words_tables_and_figure(data):
    turns, codings, outcomes, campaigns = data
    engagement = actor_engagement(codings, turns, outcomes)
    text = describe_ecosystem(engagement, campaigns=NAMES, labels=LABELS)
    assert text.startswith("Clean water engaged 2 accountability actors. Its sessions spoke most of legislature "
                           "(2 turns, mostly alongside strengthen and leverage the accountability ecosystem, "
                           "enforcement);")
    assert "policy or budget changes came from legislature" in text
    conditions = engaged_actors(engagement, outcomes, campaigns, codes=["AE-SAI", "AE-LEGISLATURE", "AE-MEDIA"])
    cross = describe_actor_combinations(actor_change_table(conditions, codes=["AE-SAI", "AE-LEGISLATURE"]),
                                        actor_combinations(conditions), labels=LABELS)
    assert "Legislature: 1 of 1 campaigns that engaged it had a policy or budget change, against 0 of 2" in cross
    assert "Every campaign engaged a combination of its own." in cross
    assert "not a test" in cross
    for words in (text, cross):
        assert not re.search(r"\bAE-|\bSC-|\beffect|\bled to\b|\bcaused\b", words)
    readers = ecosystem_for_readers(engagement, campaigns=NAMES, labels=LABELS)
    assert readers.iloc[0].tolist()[:3] == ["Clean water", "Legislature", 2]
    assert "caption" in readers.attrs
    combos = combinations_for_readers(actor_combinations(conditions), names={"kenya": "Kenya", "ghana": "Ghana"},
                                      labels=LABELS)
    assert combos["oversight actors engaged"].tolist() == ["Legislature, Media", "Supreme audit institution", "none"]
    fig = plot_ecosystem(ecosystem_graph(engagement), campaigns=NAMES, labels=LABELS, title="Ecosystem")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"Clean water", "Primary health care", "Legislature", "Media"} <= texts
    assert len(fig.axes[0].get_legend().get_texts()) == 3
    alt, caption = figure_description(fig)
    assert caption == "Ecosystem" and "Clean water: Legislature, Media" in alt


@pytest.mark.slow
def test_demo_countries_differ():
    """On the demo data, Kenya and Indonesia differ in their barriers, spaces of power and actors engaged."""
    from sparklearn.analysis.barriers import barrier_persistence, barriers_by_round
    from sparklearn.analysis.power import power_profile
    from sparklearn.config import resolve_paths
    from sparklearn.store import load_processed

    stacked = load_processed(resolve_paths(default_out=False), ["kenya", "indonesia"])
    turns = turn_rounds(stacked.segments, stacked.sessions)
    staying = barrier_persistence(barriers_by_round(stacked.codings, turns))
    top = staying.sort_values("n_turns", ascending=False).drop_duplicates("country").set_index("country")["code_id"]
    assert top["indonesia"] == "BR-REPRESSION" and top["kenya"] != "BR-REPRESSION"
    spaces = power_profile(stacked.codings, turns, by="country").query("dimension == 'space'")
    lead = spaces.sort_values("n_turns", ascending=False).drop_duplicates("country").set_index("country")["code_id"]
    assert lead.to_dict() == {"indonesia": "PW-SPACE-CLOSED", "kenya": "PW-SPACE-INVITED"}
    engagement = actor_engagement(stacked.codings, turns, stacked.outcomes)
    talked = engagement.groupby(["country", "code_id"])["n_turns"].sum()
    assert talked["kenya"].idxmax() == "AE-LEGISLATURE" and talked["indonesia"].idxmax() != "AE-LEGISLATURE"
