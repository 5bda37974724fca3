"""Who changed and who gained: the optional harvest columns social_group and kind_of_change, their
summaries with small-number caveats, who speaks in reflection sessions, and the report's words."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from sparklearn.analysis.gains import (
    MIN_N,
    gains_by_kind,
    kinds_of_change,
    who_gained,
    who_speaks,
)
from sparklearn.codebook import load_codebook
from sparklearn.config import find_project
from sparklearn.countries import load_registry
from sparklearn.ingest.harvest import read_harvest
from sparklearn.report.figure_text import figure_description
from sparklearn.report.gains_words import (
    describe_gains,
    describe_gains_compared,
    describe_who_speaks,
    gains_for_readers,
    plot_who_gained,
)

matplotlib.use("Agg")

DATA = find_project(__file__).data
REGISTRY = load_registry(DATA / "countries.yaml")
CODEBOOK = load_codebook(DATA / "codebook.yaml")
HEADER = "Outcome ID,Campaign ID,Date,Outcome,Type of change,Social group,Kind of change\n"


def _read(tmp_path: Path, rows: list[str]):
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK)


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# ----------------------------------------------------------------- reading


def test_groups_and_kinds_are_read_leniently_and_bad_values_named_at_their_row(tmp_path):
    c = _read(tmp_path, [
        "KE-O1,ke-primary-health,2023-03-01,A,policy,Women and girls; FARMERS,Budget allocation",
        "KE-O2,ke-primary-health,2023-03-01,B,policy,women;pupils,policy",
        "KE-O3,ke-primary-health,2023-03-01,C,policy,,budget",
        "KE-O4,ke-primary-health,2023-03-01,D,policy,,",
    ])
    assert c.accepted[["outcome_id", "social_group", "kind_of_change"]].fillna("").values.tolist() == [
        ["KE-O1", "women;farmers", "budget-allocation"], ["KE-O4", "", ""]]
    errors = c.problems.query("severity == 'error'")[["row", "column", "value", "rule"]].values.tolist()
    assert errors == [[3, "Social group", "pupils", "not in the codebook list"],  # as the file heads them
                      [4, "Kind of change", "budget", "not in the codebook list"]]
    fix = c.problems.set_index(["row", "column"]).loc[(4, "Kind of change"), "fix"]
    assert fix.startswith("did you mean 'budget-allocation'?")
    # Empty optional cells are never a problem.
    assert not c.problems["column"].isin(["Social group", "Kind of change"]).loc[c.problems["row"] == 5].any()


def test_the_template_header_kind_of_change_alone_still_means_the_type_of_change(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("Outcome ID,Campaign ID,Outcome,Kind of change\nKE-O1,ke-primary-health,A,Action\n")
    c = read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK)
    assert c.accepted["type_of_change"].tolist() == ["action"] and c.accepted["kind_of_change"].isna().all()


# ----------------------------------------------------------------- analysis


def _outcomes() -> pd.DataFrame:
    groups = (["patients;women"] * 6 + ["patients"] * 4 + ["children"] * 2 + [pd.NA] * 3  # kenya: 12 named of 15
              + ["farmers"] * 3 + ["women;farmers"] + [pd.NA])  # ghana: 4 named of 5
    kinds = (["service-delivery"] * 5 + ["budget-allocation"] * 3 + ["budget-execution"] * 2 + [pd.NA] * 5
             + ["policy"] * 2 + [pd.NA] * 3)
    return pd.DataFrame({"country": ["kenya"] * 15 + ["ghana"] * 5, "social_group": groups, "kind_of_change": kinds})


def test_who_gained_counts_each_group_once_per_outcome_with_wilson_intervals():
    t = who_gained(_outcomes(), CODEBOOK).set_index(["country", "social_group"])
    kenya = t.loc["kenya"]
    assert kenya.loc["patients", ["n_outcomes", "n_recorded", "n_total"]].tolist() == [10, 12, 15]
    assert kenya.loc["women", "n_outcomes"] == 6 and kenya.loc["farmers", "n_outcomes"] == 0
    low, high = _wilson(10, 12)
    assert kenya.loc["patients", "share"] == pytest.approx(10 / 12)
    assert (kenya.loc["patients", "share_low"], kenya.loc["patients", "share_high"]) == (
        pytest.approx(low), pytest.approx(high))
    assert bool(kenya["comparable"].all()) and not bool(t.loc["ghana", "comparable"].any())
    assert t.loc[("ghana", "farmers"), "n_outcomes"] == 4
    assert kenya.loc["patients", "label"] == "Patients and health service users"


def test_kinds_of_change_and_the_group_by_kind_table():
    k = kinds_of_change(_outcomes(), CODEBOOK).set_index(["country", "kind_of_change"])
    assert k.loc[("kenya", "service-delivery"), ["n_outcomes", "n_recorded"]].tolist() == [5, 10]
    assert k.loc["kenya", "share"].sum() == pytest.approx(1.0)
    table = gains_by_kind(_outcomes(), CODEBOOK)
    assert table.loc["Women and girls", "Service delivery"] == 5 and table.loc["Small-scale farmers", "Policy"] == 2


def test_sentences_say_the_top_group_and_the_small_number_caveat():
    t, k = who_gained(_outcomes(), CODEBOOK), kinds_of_change(_outcomes(), CODEBOOK)
    kenya = describe_gains(t[t["country"] == "kenya"], k[k["country"] == "kenya"])
    assert kenya.startswith("Most often the outcomes benefit patients and health service users (10 of the 12 "
                            "outcomes that name who gained, 83%")
    assert "then women and girls (6) and children (2)" in kenya and "more than 100%" in kenya
    assert "budget allocation) and was released or spent in 2 (budget execution)" in kenya
    ghana = describe_gains(t[t["country"] == "ghana"], k[k["country"] == "ghana"])
    assert f"n too small to compare: fewer than {MIN_N}" in ghana and "%" not in ghana.split(".")[0]
    compared = describe_gains_compared(t, k, names={"kenya": "Kenya", "ghana": "Ghana"})
    assert "in Kenya most outcomes benefit patients and health service users (10 of 12, 83%" in compared
    assert "n too small to compare (fewer than 10 outcomes naming a group): Ghana (4)" in compared
    assert "not a test" in compared


def test_reader_table_and_figure_use_labels_and_mark_small_countries():
    t = who_gained(_outcomes(), CODEBOOK)
    table = gains_for_readers(t, names={"kenya": "Kenya", "ghana": "Ghana"})
    assert list(table.columns) == ["Social group", "Ghana (n too small to compare)", "Kenya"]
    row = table.set_index("Social group").loc["Patients and health service users"]
    assert row["Kenya"] == "10 of 12 (83%)" and row["Ghana (n too small to compare)"] == "0 of 4"
    assert table.attrs["caption"].startswith("Outcomes by social group")
    alt, _ = figure_description(plot_who_gained(t, names={"kenya": "Kenya", "ghana": "Ghana"}, title="Who"))
    assert "Kenya most often Patients and health service users at 83%" in alt and "Marked * " in alt
    alt_one, _ = figure_description(plot_who_gained(t[t["country"] == "kenya"]))
    assert "'Patients and health service users' at 83%" in alt_one and "12 outcomes)" in alt_one
    import matplotlib.pyplot as plt

    plt.close("all")


def test_no_group_recorded_says_so_without_shares():
    empty = pd.DataFrame({"country": ["kenya"] * 3, "social_group": [pd.NA] * 3, "kind_of_change": [pd.NA] * 3})
    text = describe_gains(who_gained(empty, CODEBOOK), kinds_of_change(empty, CODEBOOK))
    assert text == ("No outcome in the harvest says who gained yet (the optional 'Social group' column of the "
                    "harvest). No outcome records its kind of change yet.")


# ----------------------------------------------------------------- who speaks


def test_who_speaks_counts_turns_and_words_by_role_per_country():
    seg = pd.DataFrame({
        "country": ["kenya"] * 5 + ["ghana"] * 2, "session_id": ["S1", "S1", "S1", "S2", "S2", "G1", "G1"],
        "speaker_role": ["research lead", "community monitor", "community monitor", "research lead", pd.NA,
                         "farmer", "farmer"],
        "text": ["Welcome", "The clinic had no drugs in March", "We asked the ward", "Thanks all", "Yes", "a b", "c"]})
    t = who_speaks(seg).set_index(["country", "speaker_role"])
    assert t.loc[("kenya", "community monitor"), ["n_sessions", "n_turns", "n_words"]].tolist() == [1, 2, 11]
    assert t.loc[("kenya", "research lead"), ["n_turns", "n_words"]].tolist() == [2, 3]
    assert t.loc[("kenya", "role not recorded"), "n_words"] == 1
    assert t.loc[("kenya", "community monitor"), "word_share"] == pytest.approx(11 / 15)
    assert t.loc[("kenya", "research lead"), "turn_share"] == pytest.approx(2 / 5)
    assert t.loc[("ghana", "farmer"), "word_share"] == 1.0
    text = describe_who_speaks(who_speaks(seg[seg["country"] == "kenya"]))
    assert text.startswith("Community monitors spoke most in the reflection sessions: 73% of the words "
                           "(40% of the turns)")


def test_a_tie_for_the_top_group_names_both():
    o = pd.DataFrame({"country": ["kenya"] * 12, "social_group": ["patients"] * 5 + ["ethnic-minorities"] * 5
                      + ["women"] * 2, "kind_of_change": [pd.NA] * 12})
    t = who_gained(o, CODEBOOK)
    text = describe_gains(t, kinds_of_change(o, CODEBOOK))
    assert text.startswith("Most often the outcomes benefit ethnic minorities and patients and health service users "
                           "(5 each of the 12 outcomes that name who gained, 42%")
    assert "then women and girls (2)." in text
    assert "benefit ethnic minorities and patients and health service users (5 each of 12" in describe_gains_compared(
        t, kinds_of_change(o, CODEBOOK))


def test_budget_changes_compared_are_whole_numbers():
    o = pd.DataFrame({"country": ["kenya"] * 10 + ["ghana"] * 10, "social_group": ["women"] * 20,
                      "kind_of_change": (["budget-allocation"] * 3 + ["policy"] * 7) * 2})
    text = describe_gains_compared(who_gained(o, CODEBOOK), kinds_of_change(o, CODEBOOK),
                                   names={"kenya": "Kenya", "ghana": "Ghana"})
    assert "Budget changes (allocation or execution) among the outcomes with a kind of change: Ghana 3 of 10 and " \
           "Kenya 3 of 10." in text
