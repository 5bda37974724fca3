"""Turns are attributed to campaigns once: a session shared by two campaigns is not counted twice.

A tiny two-campaign fixture: one session on campaign A (2 turns), one on campaign B
(1 turn), one shared by A and B (4 turns: one tagged A, one tagged B, two untagged).
Counts by campaign must add up to the 7 turns, and each quote sits under the campaign
its turn belongs to.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sparklearn.analysis.cases import campaign_conditions
from sparklearn.analysis.quotes import framework_matrix
from sparklearn.analysis.sessions import (
    attribute_turns,
    campaign_case_names,
    turns_by_campaign,
)
from sparklearn.analysis.themes import code_frequencies, segment_groups
from sparklearn.countries import load_registry
from sparklearn.ingest.sessions import read_sessions
from sparklearn.store import Stacked

HEAD = """---
session_id: {sid}
title: t
date: 2021-0{month}-02
round: 1
country: kenya
campaigns: [{campaigns}]
language: en
facilitator: research lead
participants:
  - {{participant_id: KE-P01, role: research lead}}
  - {{participant_id: KE-P02, role: monitor}}
---
# t

"""

HEALTH, WATER = "ke-primary-health", "ke-baringo-water"


@pytest.fixture()
def read(tmp_path: Path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "KE-S01.md").write_text(HEAD.format(sid="KE-S01", month=1, campaigns=HEALTH)
                                      + "**KE-P01:** Clinics first.\n\n**KE-P02:** Medicines are short.\n")
    (folder / "KE-S02.md").write_text(HEAD.format(sid="KE-S02", month=2, campaigns=WATER)
                                      + "**KE-P02:** Boreholes stalled.\n")
    (folder / "KE-S03.md").write_text(
        HEAD.format(sid="KE-S03", month=3, campaigns=f"{HEALTH}, {WATER}")
        + "**KE-P01:** Welcome to both teams.\n\n"
        + f"**KE-P02 ({WATER}):** The water committee met the county assembly.\n\n"
        + f"**KE-P02 [sw] ({HEALTH}):** Dispensaries have no medicines.\n\n"
        + "**KE-P01:** Let us agree on next steps.\n")
    return read_sessions(folder, registry=load_registry(), country="kenya")


def _codings(segments: pd.DataFrame) -> pd.DataFrame:
    turns = segments.loc[segments["turn"] > 0, "segment_id"]
    return pd.DataFrame({"segment_id": turns, "code_id": "AE-LEGISLATURE", "coder": "coder-a"})


def test_each_turn_has_one_campaign_case(read):
    seg = read.segments.set_index("segment_id")["campaign_id"]
    assert seg.to_dict() == {
        "KE-S01-T001": HEALTH, "KE-S01-T002": HEALTH, "KE-S02-T001": WATER,
        "KE-S03-T001": f"{HEALTH}+{WATER}", "KE-S03-T002": WATER, "KE-S03-T003": HEALTH,
        "KE-S03-T004": f"{HEALTH}+{WATER}"}
    assert read.problems.empty


def test_counts_by_campaign_add_up_to_the_turns(read):
    counted = turns_by_campaign(read.segments)
    assert counted.set_index("campaign_id")["n_turns"].to_dict() == {HEALTH: 3, f"{HEALTH}+{WATER}": 2, WATER: 2}
    assert counted["n_turns"].sum() == len(read.segments) == 7
    groups = segment_groups(read.segments, "campaign", sessions=read.sessions)
    assert len(groups) == 7 and groups["segment_id"].is_unique
    freq = code_frequencies(_codings(read.segments), read.segments, by="campaign", sessions=read.sessions)
    assert freq["segments_in_group"].sum() == 7 and freq["n_segments"].sum() == 7


def test_old_rule_counted_shared_turns_twice(read):
    # Without the turns' own campaign (a segments table from before), the session rule alone still counts once.
    old = read.segments.drop(columns="campaign_id")
    assert segment_groups(old, "campaign", sessions=read.sessions)["segment_id"].duplicated().sum() == 4
    again = attribute_turns(old, read.sessions)
    assert turns_by_campaign(again)["n_turns"].sum() == 7


def test_quotes_sit_under_the_campaign_their_turn_belongs_to(read):
    matrix = framework_matrix(_codings(read.segments), read.segments, case="campaign_id", sessions=read.sessions,
                              quotes_per_cell=5)
    ids = matrix.set_index("campaign_id")["quote_segment_ids"].str.split(";").map(set).to_dict()
    assert "KE-S03-T002" in ids[WATER] and "KE-S03-T002" not in ids[HEALTH]
    assert "KE-S03-T003" in ids[HEALTH] and "KE-S03-T003" not in ids[WATER]
    assert ids[f"{HEALTH}+{WATER}"] == {"KE-S03-T001", "KE-S03-T004"}
    assert matrix["segments_in_group"].sum() == 7


def test_shared_cases_are_named_for_readers():
    names = {HEALTH: "Primary health care", WATER: "Baringo water"}
    assert campaign_case_names([f"{HEALTH}+{WATER}", WATER], names) == {
        f"{HEALTH}+{WATER}": "Primary health care and Baringo water (shared sessions)", WATER: "Baringo water"}


def test_case_comparison_counts_a_shared_turn_as_evidence_for_both(read):
    codings = pd.DataFrame({"segment_id": ["KE-S03-T001", "KE-S03-T004"], "code_id": "AE-MEDIA", "coder": "a"})
    none = pd.DataFrame(columns=["outcome_id", "country", "campaign_id", "actor_type", "type_of_change",
                                 "strategic_components", "valence", "substantiation"])
    data = Stacked(("kenya",), read.sessions, read.segments, codings, none)
    conditions = campaign_conditions(data, load_registry()).set_index("campaign_id")
    # Health: 2 shared of 5 turns it took part in; water: 2 of 4.
    assert conditions.loc[HEALTH, "MEDIA_coverage"] == pytest.approx(2 / 5)
    assert conditions.loc[WATER, "MEDIA_coverage"] == pytest.approx(2 / 4)


def test_a_tag_naming_another_campaign_is_a_warning_and_the_turn_stays_shared(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "KE-S09.md").write_text(HEAD.format(sid="KE-S09", month=4, campaigns=f"{HEALTH}, {WATER}")
                                      + "**KE-P02 (gh-mining):** Not ours.\n")
    read = read_sessions(folder)
    assert read.segments["campaign_id"].tolist() == [f"{HEALTH}+{WATER}"]
    problem = read.problems.iloc[0]
    assert (problem["row"], problem["value"], problem["severity"]) == (16, "gh-mining", "warning")
    assert "not one of the session's campaigns" in problem["rule"]
