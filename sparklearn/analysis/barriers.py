"""Barriers to engagement: when they come up, which persist, and what followed a decision that addressed them.

Stage: analysis. Tidy tables in, tidy tables out; no words, no figures
(:mod:`sparklearn.report.learning_questions` says and draws them).

- :func:`turn_rounds`: every speaker turn with its country, round, session date and
  campaign (a turn of a shared session given to no one campaign, ``a+b``, counts for
  each), and the campaign's sector: the denominators of this module and of
  :mod:`sparklearn.analysis.power` and :mod:`sparklearn.analysis.ecosystem`.
- :func:`barriers_by_round`: per group (country, sector or campaign), round and barrier,
  the turns coded with the barrier and their share of the round's turns, **zeros
  included** (a barrier that did not come up in a round has a row with 0).
- :func:`barrier_persistence`: per group and barrier, the rounds it came up in, the
  first and last, and whether it **persists**: it came up in at least two rounds and
  was still there in the group's last round.
- :func:`barrier_responses`: per country and barrier, the decisions that addressed it
  (the decisions register's ``addresses``), the round of the first, the barrier's share
  of turns in that round and on average in the later rounds (did it **fall**: a lower
  average share afterwards), and the outcomes the team linked to those decisions.

A turn counts for a barrier when any coder applied the barrier's code to it. "Fell" is a
description of what the sessions dwelt on, not a test: talk of a barrier also falls when
a team turns to other matters, so the report sets the addressed barriers beside the ones
no decision addressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from sparklearn.analysis.themes import coded_segments
from sparklearn.frames import require_columns
from sparklearn.ingest.sessions import SHARED_CAMPAIGNS

#: The barrier codes of the SPARK codebook (the children of ``BR``), in the codebook's order.
BARRIER_CODES = ("BR-INFORMATION", "BR-CAPACITY", "BR-CLOSEDSPACE", "BR-COOPTATION", "BR-REPRESSION",
                 "BR-ELITECAPTURE", "BR-FUNDING")

Group = Literal["country", "sector", "campaign_id"]


def is_policy_or_budget(type_of_change: pd.Series) -> pd.Series:
    """Whether each outcome is a policy or budget change (``policy``, ``budget`` or a ``budget-...`` kind).

    Parameters
    ----------
    type_of_change
        The outcomes' ``type_of_change``.

    Returns
    -------
    pandas.Series
        Booleans, same index; missing is False.

    Examples
    --------
    >>> is_policy_or_budget(pd.Series(["policy", "budget-execution", "agenda", None])).tolist()
    [True, True, False, False]
    """
    kind = type_of_change.astype("string").str.strip().str.lower()
    return (kind.isin(["policy", "budget"]) | kind.str.startswith("budget")).fillna(False).astype(bool)


def policy_budget_change(outcomes: pd.DataFrame) -> pd.Series:
    """Whether each outcome is a reported policy or budget win: positive, and no informant disagreed.

    The same rule as the case comparison's "reported" outcome
    (:data:`sparklearn.analysis.cases.REPORTED_OUTCOME_RULE`): a policy or budget change
    (:func:`is_policy_or_budget`) that is positive (when ``valence`` is given) and that
    no independent informant disputed (when ``substantiation`` is given).

    Parameters
    ----------
    outcomes
        The outcomes table (type_of_change; valence and substantiation when present).

    Returns
    -------
    pandas.Series
        Booleans, same index.

    Examples
    --------
    >>> o = pd.DataFrame({"type_of_change": ["policy", "budget", "budget"], "valence": ["positive"] * 3,
    ...                   "substantiation": ["fully", "not-yet", "disagree"]})
    >>> policy_budget_change(o).tolist()
    [True, True, False]
    """
    require_columns(outcomes, ["type_of_change"], "outcomes")
    win = is_policy_or_budget(outcomes["type_of_change"])
    if "valence" in outcomes:
        win &= outcomes["valence"].astype("string").eq("positive").fillna(False).astype(bool)
    if "substantiation" in outcomes:
        win &= ~outcomes["substantiation"].astype("string").eq("disagree").fillna(False).astype(bool)
    return win


def turn_rounds(segments: pd.DataFrame, sessions: pd.DataFrame, *,
                sectors: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every speaker turn with its country, round, session date, campaign and sector.

    Parameters
    ----------
    segments
        The segments table (segment_id, session_id, country, campaign_id).
    sessions
        The sessions table (session_id, round, date).
    sectors
        Campaign id -> sector (the registry's campaigns); without it ``sector`` is NA.

    Returns
    -------
    pandas.DataFrame
        One row per turn and campaign: segment_id, session_id, country, round, date,
        campaign_id, sector. A turn of a shared session given to no one campaign
        (``a+b``) has a row for each campaign; a turn with no campaign keeps one row with
        campaign_id NA. Turns of sessions missing from ``sessions`` are left out.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["S1-T1", "S1-T2"], "session_id": "S1", "country": "kenya",
    ...                     "campaign_id": ["a", "a+b"]})
    >>> ses = pd.DataFrame({"session_id": ["S1"], "round": [1], "date": pd.to_datetime(["2021-01-05"])})
    >>> turn_rounds(seg, ses, sectors={"a": "health"})[["segment_id", "campaign_id", "sector"]].values.tolist()
    [['S1-T1', 'a', 'health'], ['S1-T2', 'a', 'health'], ['S1-T2', 'b', <NA>]]
    """
    require_columns(segments, ["segment_id", "session_id", "country", "campaign_id"], "segments")
    require_columns(sessions, ["session_id", "round", "date"], "sessions")
    about = sessions[["session_id", "round", "date"]].drop_duplicates("session_id")
    turns = segments[["segment_id", "session_id", "country", "campaign_id"]].drop_duplicates("segment_id")
    turns = turns.merge(about, on="session_id", how="inner")
    turns = turns.assign(campaign_id=turns["campaign_id"].astype("string").str.split(SHARED_CAMPAIGNS)) \
        .explode("campaign_id")
    turns["campaign_id"] = turns["campaign_id"].astype("string").str.strip().replace("", pd.NA)
    turns["sector"] = turns["campaign_id"].map(dict(sectors or {})).astype("string")
    turns["round"] = turns["round"].astype("int64")
    columns = ["segment_id", "session_id", "country", "round", "date", "campaign_id", "sector"]
    return turns[columns].sort_values(["country", "round", "segment_id"], kind="stable").reset_index(drop=True)


def coded_turns(codings: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """The (segment, code) pairs with one of ``codes``, by any coder.

    Parameters
    ----------
    codings
        The codings table (segment_id, code_id, coder).
    codes
        The codes kept.

    Returns
    -------
    pandas.DataFrame
        segment_id, code_id: one row per turn and code.

    Examples
    --------
    >>> c = pd.DataFrame({"segment_id": ["t1", "t1", "t2"], "code_id": ["BR-FUNDING", "BR-FUNDING", "X"],
    ...                   "coder": ["a", "b", "a"]})
    >>> coded_turns(c, ["BR-FUNDING"]).values.tolist()
    [['t1', 'BR-FUNDING']]
    """
    require_columns(codings, ["segment_id", "code_id", "coder"], "codings")
    kept = codings.loc[codings["code_id"].isin(list(codes))]
    if kept.empty:
        return pd.DataFrame({"segment_id": pd.Series(dtype="str"), "code_id": pd.Series(dtype="string")})
    pairs = coded_segments(kept)
    return pairs[["segment_id", "code_id"]].astype({"segment_id": "str", "code_id": "string"}).reset_index(drop=True)


def _units(turns: pd.DataFrame, by: Group) -> pd.DataFrame:
    """One row per turn and group (a turn counts once per country; once per campaign or sector it is in)."""
    keys = ["country"] if by == "country" else (["country", "campaign_id"] if by == "campaign_id" else ["sector"])
    kept = turns.dropna(subset=[k for k in keys if k != "country"])
    return kept.drop_duplicates(["segment_id", *keys])[["segment_id", *keys, "round"]], keys


def barriers_by_round(codings: pd.DataFrame, turns: pd.DataFrame, *, by: Group = "country",
                      codes: Sequence[str] = BARRIER_CODES) -> pd.DataFrame:
    """Per group, round and barrier: the turns coded with it and their share of the round's turns, zeros included.

    Parameters
    ----------
    codings
        The codings table.
    turns
        :func:`turn_rounds`.
    by
        ``"country"``, ``"sector"`` (rounds are each country's own: sector rounds pool
        the countries' round 1, round 2...) or ``"campaign_id"`` (with ``country``).
    codes
        The barrier codes (default :data:`BARRIER_CODES`).

    Returns
    -------
    pandas.DataFrame
        The group columns (country; sector; country and campaign_id), round, code_id,
        n_turns, turns_in_round, share (n_turns / turns_in_round): one row per group,
        round with turns, and barrier.

    Examples
    --------
    >>> turns = pd.DataFrame({"segment_id": ["t1", "t2", "t3"], "session_id": "S", "country": "kenya",
    ...                       "round": [1, 1, 2], "date": None, "campaign_id": "a", "sector": "health"})
    >>> c = pd.DataFrame({"segment_id": ["t1"], "code_id": ["BR-FUNDING"], "coder": ["a"]})
    >>> barriers_by_round(c, turns, codes=["BR-FUNDING"])[["round", "n_turns", "turns_in_round", "share"]]
       round  n_turns  turns_in_round  share
    0      1        1               2    0.5
    1      2        0               1    0.0
    """
    require_columns(turns, ["segment_id", "country", "round", "campaign_id", "sector"], "turns")
    units, keys = _units(turns, by)
    sizes = units.groupby([*keys, "round"]).size().rename("turns_in_round").reset_index()
    grid = sizes.merge(pd.DataFrame({"code_id": pd.Series(list(codes), dtype="string")}), how="cross")
    hits = units.merge(coded_turns(codings, codes), on="segment_id")
    counts = hits.groupby([*keys, "round", "code_id"]).size().rename("n_turns").reset_index()
    table = grid.merge(counts, on=[*keys, "round", "code_id"], how="left")
    table["n_turns"] = table["n_turns"].fillna(0).astype("int64")
    table["share"] = table["n_turns"] / table["turns_in_round"]
    order = {c: i for i, c in enumerate(codes)}
    table = table.assign(_o=table["code_id"].map(order)).sort_values([*keys, "_o", "round"], kind="stable")
    return table[[*keys, "round", "code_id", "n_turns", "turns_in_round", "share"]].reset_index(drop=True)


def barrier_persistence(by_round: pd.DataFrame) -> pd.DataFrame:
    """Per group and barrier: the rounds it came up in, first and last, and whether it persists.

    A barrier **persists** when it came up in at least two rounds and was still there in
    the group's last round.

    Parameters
    ----------
    by_round
        :func:`barriers_by_round`.

    Returns
    -------
    pandas.DataFrame
        The group columns, code_id, rounds_held (rounds of the group), rounds_present,
        first_round, last_round (NA when it never came up), n_turns (all rounds),
        share (of all the group's turns), in_last_round, persists.

    Examples
    --------
    >>> t = pd.DataFrame({"country": "kenya", "round": [1, 2, 3], "code_id": "BR-FUNDING", "n_turns": [2, 0, 1],
    ...                   "turns_in_round": [10, 10, 10], "share": [0.2, 0.0, 0.1]})
    >>> barrier_persistence(t)[["rounds_present", "first_round", "last_round", "persists"]].values.tolist()
    [[2, 1, 3, True]]
    """
    keys = [k for k in ("country", "sector", "campaign_id") if k in by_round.columns]
    require_columns(by_round, [*keys, "round", "code_id", "n_turns", "turns_in_round"], "barriers by round")
    present = by_round.assign(_present=by_round["n_turns"] > 0,
                              _round=by_round["round"].where(by_round["n_turns"] > 0))
    last_held = by_round.groupby(keys)["round"].max().rename("_last_held")
    table = present.groupby([*keys, "code_id"], sort=False).agg(
        rounds_held=("round", "nunique"), rounds_present=("_present", "sum"), first_round=("_round", "min"),
        last_round=("_round", "max"), n_turns=("n_turns", "sum"), all_turns=("turns_in_round", "sum")).reset_index()
    table = table.merge(last_held.reset_index(), on=keys)
    table["share"] = table["n_turns"] / table["all_turns"]
    table["first_round"] = table["first_round"].astype("Int64")
    table["last_round"] = table["last_round"].astype("Int64")
    table["rounds_present"] = table["rounds_present"].astype("int64")
    table["in_last_round"] = (table["last_round"] == table["_last_held"]).fillna(False).astype(bool)
    table["persists"] = (table["in_last_round"] & (table["rounds_present"] >= 2)).astype(bool)
    return table[[*keys, "code_id", "rounds_held", "rounds_present", "first_round", "last_round", "n_turns",
                  "share", "in_last_round", "persists"]]


def barrier_responses(by_round: pd.DataFrame, decisions: pd.DataFrame, sessions: pd.DataFrame,
                      outcomes: pd.DataFrame | None = None, *, codes: Sequence[str] = BARRIER_CODES) -> pd.DataFrame:
    """Per country and barrier: the decisions that addressed it and what happened next.

    Parameters
    ----------
    by_round
        :func:`barriers_by_round` by country.
    decisions
        The decisions table (country, decision_id, session_id, addresses, outcome_ids).
    sessions
        The sessions table (each decision's round is its session's).
    outcomes
        The outcomes table: with it, the linked outcomes are counted (only those in the
        harvest) with their policy or budget changes.
    codes
        The barrier codes.

    Returns
    -------
    pandas.DataFrame
        One row per country and barrier that came up or was addressed: country, code_id,
        addressed (bool), n_decisions, decision_round (of the first decision),
        share_then (the barrier's share of turns in that round), share_after (its mean
        share in the later rounds; NA when none came after), rounds_after, change
        (share_after - share_then), fell (share_after < share_then; NA without later
        rounds), n_outcomes (distinct outcomes linked to the decisions), n_policy_budget
        (of which positive policy or budget changes no informant disputed,
        :func:`policy_budget_change`); for a barrier no decision addressed,
        share_then is its share in its first round and share_after the mean of the
        rounds after it, so the two kinds can be set side by side.

    Examples
    --------
    >>> r = pd.DataFrame({"country": "kenya", "round": [1, 2, 3], "code_id": "BR-FUNDING", "n_turns": [4, 1, 1],
    ...                   "turns_in_round": [10, 10, 10], "share": [0.4, 0.1, 0.1]})
    >>> d = pd.DataFrame({"country": "kenya", "decision_id": ["D1"], "session_id": ["S1"],
    ...                   "addresses": ["BR-FUNDING"], "outcome_ids": ["O1"]})
    >>> s = pd.DataFrame({"country": "kenya", "session_id": ["S1"], "round": [1]})
    >>> o = pd.DataFrame({"country": "kenya", "outcome_id": ["O1"], "type_of_change": ["budget"]})
    >>> barrier_responses(r, d, s, o, codes=["BR-FUNDING"])[["n_decisions", "share_then", "share_after", "fell",
    ...                                                       "n_policy_budget"]].values.tolist()
    [[1, 0.4, 0.1, True, 1]]
    """
    require_columns(by_round, ["country", "round", "code_id", "n_turns", "share"], "barriers by round")
    require_columns(decisions, ["country", "decision_id", "session_id", "addresses", "outcome_ids"], "decisions")
    require_columns(sessions, ["country", "session_id", "round"], "sessions")
    rounds = sessions[["country", "session_id", "round"]].drop_duplicates(["country", "session_id"])
    addressed = decisions.assign(code_id=decisions["addresses"].astype("string").str.split(";")).explode("code_id")
    addressed["code_id"] = addressed["code_id"].astype("string").str.strip()
    addressed = addressed.loc[addressed["code_id"].isin(list(codes))].merge(rounds, on=["country", "session_id"],
                                                                           how="inner")
    first = addressed.groupby(["country", "code_id"]).agg(n_decisions=("decision_id", "nunique"),
                                                           decision_round=("round", "min")).reset_index()
    came_up = by_round.loc[by_round["n_turns"] > 0].groupby(["country", "code_id"])["round"].min() \
        .rename("first_round").reset_index()
    table = came_up.merge(first, on=["country", "code_id"], how="outer")
    table["addressed"] = table["n_decisions"].notna()
    table["n_decisions"] = table["n_decisions"].fillna(0).astype("int64")
    table["anchor"] = table["decision_round"].fillna(table["first_round"])
    shares = by_round[["country", "code_id", "round", "share"]].merge(table[["country", "code_id", "anchor"]],
                                                                      on=["country", "code_id"])
    then = shares.loc[shares["round"] == shares["anchor"]].groupby(["country", "code_id"])["share"].mean()
    later = shares.loc[shares["round"] > shares["anchor"]].groupby(["country", "code_id"])["share"] \
        .agg(["mean", "size"])
    table = table.merge(then.rename("share_then").reset_index(), on=["country", "code_id"], how="left")
    table = table.merge(later.rename(columns={"mean": "share_after", "size": "rounds_after"}).reset_index(),
                        on=["country", "code_id"], how="left")
    table["rounds_after"] = table["rounds_after"].fillna(0).astype("int64")
    table["change"] = table["share_after"] - table["share_then"]
    table["fell"] = pd.array(np.where(table["share_after"].isna(), None, table["share_after"] < table["share_then"]),
                             dtype="boolean")
    table["decision_round"] = table["decision_round"].astype("Int64")
    links = addressed.assign(outcome_id=addressed["outcome_ids"].astype("string").str.split(";")).explode("outcome_id")
    links["outcome_id"] = links["outcome_id"].astype("string").str.strip()
    links = links.loc[links["outcome_id"].fillna("") != "", ["country", "code_id", "outcome_id"]].drop_duplicates()
    if outcomes is not None:
        require_columns(outcomes, ["country", "outcome_id", "type_of_change"], "outcomes")
        known = outcomes[["country", "outcome_id", "type_of_change",
                          *[c for c in ("valence", "substantiation") if c in outcomes]]] \
            .drop_duplicates(["country", "outcome_id"])
        links = links.merge(known, on=["country", "outcome_id"], how="inner")
        links["policy_budget"] = policy_budget_change(links)
    else:
        links["policy_budget"] = False
    linked = links.groupby(["country", "code_id"]).agg(n_outcomes=("outcome_id", "nunique"),
                                                        n_policy_budget=("policy_budget", "sum")).reset_index()
    table = table.merge(linked, on=["country", "code_id"], how="left")
    table[["n_outcomes", "n_policy_budget"]] = table[["n_outcomes", "n_policy_budget"]].fillna(0).astype("int64")
    order = {c: i for i, c in enumerate(codes)}
    table = table.assign(_o=table["code_id"].map(order)).sort_values(["country", "_o"], kind="stable")
    return table[["country", "code_id", "addressed", "n_decisions", "decision_round", "share_then", "share_after",
                  "rounds_after", "change", "fell", "n_outcomes", "n_policy_budget"]].reset_index(drop=True)
