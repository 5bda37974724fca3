"""Power (the IDS power cube): spaces, levels and forms of power per campaign and over rounds.

Stage: analysis. Tidy tables in, tidy tables out; no words, no figures.

- :func:`power_by_round`: per group (country, or country and campaign), round, dimension
  (space, level, form) and code: the turns coded with it and its **share of the turns
  coded with any code of that dimension** in that round (so a round where the team spoke
  of spaces three times, twice of closed ones, gives closed spaces 2 of 3).
- :func:`power_profile`: the same over all rounds together (the three dimensions side by
  side, per campaign).
- :func:`space_moves`: per campaign, whether it **moved from closed to claimed spaces**
  and whether outcomes followed. The rule: a round in which closed spaces made up more
  of the campaign's space-coded turns than claimed ones, followed by a later round in
  which claimed spaces made up more than closed ones. The move is dated at the first
  session of that later round for the campaign; the campaign's outcomes dated on or after
  it are "after the move". Which came first is all this says: outcomes after a move are
  not shown to come from it.

Turns come from :func:`sparklearn.analysis.barriers.turn_rounds` (a turn of a shared
session given to no one campaign counts for each); a turn carries a code when any coder
applied it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sparklearn.analysis.barriers import coded_turns, policy_budget_change
from sparklearn.frames import require_columns

#: The power cube's dimensions and their codes, in the codebook's order.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "space": ("PW-SPACE-CLOSED", "PW-SPACE-INVITED", "PW-SPACE-CLAIMED"),
    "level": ("PW-LEVEL-LOCAL", "PW-LEVEL-NATIONAL", "PW-LEVEL-GLOBAL"),
    "form": ("PW-FORM-VISIBLE", "PW-FORM-HIDDEN", "PW-FORM-INVISIBLE"),
}

CLOSED, CLAIMED = "PW-SPACE-CLOSED", "PW-SPACE-CLAIMED"

_GROUPS = {"country": ["country"], "campaign_id": ["country", "campaign_id"]}


def _long_codes(dimensions: dict[str, Sequence[str]]) -> pd.DataFrame:
    return pd.DataFrame([(d, c, i) for d, codes in dimensions.items() for i, c in enumerate(codes)],
                        columns=["dimension", "code_id", "_order"]).astype({"code_id": "string"})


def power_by_round(codings: pd.DataFrame, turns: pd.DataFrame, *, by: str = "campaign_id",
                   dimensions: dict[str, Sequence[str]] | None = None, rounds: bool = True) -> pd.DataFrame:
    """Per group, round, dimension and code: turns coded and their share of the dimension's coded turns.

    Parameters
    ----------
    codings
        The codings table.
    turns
        :func:`sparklearn.analysis.barriers.turn_rounds`.
    by
        ``"campaign_id"`` (with country) or ``"country"``.
    dimensions
        Dimension -> codes (default :data:`DIMENSIONS`).
    rounds
        False: all rounds together (see :func:`power_profile`).

    Returns
    -------
    pandas.DataFrame
        The group columns, round (when ``rounds``), dimension, code_id, n_turns,
        dimension_turns (turns coded with any code of the dimension), turns_in_round
        (all the group's turns in the round), share (n_turns / dimension_turns; NaN when
        no turn of the round touched the dimension). One row per group, round with turns,
        and code. A turn with two codes of one dimension counts for both, so shares can
        add up to more than 1.

    Examples
    --------
    >>> turns = pd.DataFrame({"segment_id": ["t1", "t2", "t3", "t4"], "country": "kenya", "round": [1, 1, 2, 2],
    ...                       "campaign_id": "a", "date": None, "sector": None})
    >>> c = pd.DataFrame({"segment_id": ["t1", "t2", "t3"], "coder": "a",
    ...                   "code_id": ["PW-SPACE-CLOSED", "PW-SPACE-CLOSED", "PW-SPACE-CLAIMED"]})
    >>> t = power_by_round(c, turns, dimensions={"space": ("PW-SPACE-CLOSED", "PW-SPACE-CLAIMED")})
    >>> t[["round", "code_id", "n_turns", "dimension_turns", "share"]]
       round           code_id  n_turns  dimension_turns  share
    0      1   PW-SPACE-CLOSED        2                2    1.0
    1      1  PW-SPACE-CLAIMED        0                2    0.0
    2      2   PW-SPACE-CLOSED        0                1    0.0
    3      2  PW-SPACE-CLAIMED        1                1    1.0
    """
    if by not in _GROUPS:
        raise ValueError(f"by must be 'campaign_id' or 'country', not {by!r}")
    require_columns(turns, ["segment_id", "country", "round", "campaign_id"], "turns")
    keys = _GROUPS[by] + (["round"] if rounds else [])
    codes = _long_codes(dict(dimensions or DIMENSIONS))
    units = turns.dropna(subset=_GROUPS[by]).drop_duplicates(["segment_id", *_GROUPS[by]])[["segment_id", *keys]]
    sizes = units.groupby(keys).size().rename("turns_in_round").reset_index()
    hits = units.merge(coded_turns(codings, codes["code_id"]), on="segment_id").merge(codes, on="code_id")
    counts = hits.groupby([*keys, "dimension", "code_id"]).size().rename("n_turns").reset_index()
    touched = hits.drop_duplicates(["segment_id", *keys, "dimension"]).groupby([*keys, "dimension"]).size() \
        .rename("dimension_turns").reset_index()
    table = sizes.merge(codes, how="cross").merge(counts, on=[*keys, "dimension", "code_id"], how="left")
    table = table.merge(touched, on=[*keys, "dimension"], how="left")
    table[["n_turns", "dimension_turns"]] = table[["n_turns", "dimension_turns"]].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share"] = np.where(table["dimension_turns"] > 0,
                                  table["n_turns"] / table["dimension_turns"].clip(lower=1), np.nan)
    dim_order = {d: i for i, d in enumerate(dict(dimensions or DIMENSIONS))}
    table = table.assign(_d=table["dimension"].map(dim_order)).sort_values([*keys, "_d", "_order"], kind="stable")
    return table[[*keys, "dimension", "code_id", "n_turns", "dimension_turns", "turns_in_round", "share"]] \
        .reset_index(drop=True)


def power_profile(codings: pd.DataFrame, turns: pd.DataFrame, *, by: str = "campaign_id",
                  dimensions: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Spaces, levels and forms of power together, per campaign (or country), over all rounds.

    Parameters
    ----------
    codings, turns, by, dimensions
        As for :func:`power_by_round`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`power_by_round` without round (``turns_in_round`` is then
        all the group's turns).

    Examples
    --------
    >>> turns = pd.DataFrame({"segment_id": ["t1", "t2"], "country": "kenya", "round": [1, 2], "campaign_id": "a"})
    >>> c = pd.DataFrame({"segment_id": ["t1", "t2"], "coder": "a", "code_id": ["PW-LEVEL-LOCAL", "PW-LEVEL-LOCAL"]})
    >>> power_profile(c, turns).query("n_turns > 0")[["dimension", "code_id", "n_turns", "share"]].values.tolist()
    [['level', 'PW-LEVEL-LOCAL', 2, 1.0]]
    """
    return power_by_round(codings, turns, by=by, dimensions=dimensions, rounds=False)


def space_moves(space_rounds: pd.DataFrame, turns: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per campaign: did it move from closed to claimed spaces, and which outcomes came after?

    Parameters
    ----------
    space_rounds
        :func:`power_by_round` by campaign (its ``space`` rows are used).
    turns
        :func:`sparklearn.analysis.barriers.turn_rounds` (the date of each campaign's rounds).
    outcomes
        The outcomes table (country, campaign_id, outcome_id, date, type_of_change; valence
        and substantiation when present: a policy or budget change counts when positive and not
        disputed, :func:`~sparklearn.analysis.barriers.policy_budget_change`).

    Returns
    -------
    pandas.DataFrame
        One row per campaign with turns: country, campaign_id, rounds (with turns),
        space_turns (turns coded with a space), closed, invited, claimed (turns, all rounds),
        closed_led (first round where closed outnumbered claimed; NA if none),
        moved (bool), move_round, move_date (NA without a move), outcomes_before,
        outcomes_after (the campaign's dated outcomes before / on or after the move;
        NA without a move), policy_budget_after (positive policy or budget changes after
        the move; NA without a move), n_outcomes, n_policy_budget (all the campaign's).

    Examples
    --------
    >>> r = pd.DataFrame({"country": "kenya", "campaign_id": "a", "round": [1, 1, 2, 2], "dimension": "space",
    ...                   "code_id": ["PW-SPACE-CLOSED", "PW-SPACE-CLAIMED"] * 2, "n_turns": [3, 0, 1, 2],
    ...                   "dimension_turns": [3, 3, 3, 3], "turns_in_round": 10, "share": [1, 0, 1 / 3, 2 / 3]})
    >>> turns = pd.DataFrame({"segment_id": ["t1", "t2"], "country": "kenya", "campaign_id": "a", "round": [1, 2],
    ...                       "date": pd.to_datetime(["2021-01-01", "2021-07-01"])})
    >>> o = pd.DataFrame({"country": "kenya", "campaign_id": "a", "outcome_id": ["O1", "O2"],
    ...                   "date": pd.to_datetime(["2021-03-01", "2021-09-01"]), "type_of_change": ["agenda", "policy"]})
    >>> space_moves(r, turns, o)[["moved", "move_round", "outcomes_before", "outcomes_after",
    ...                           "policy_budget_after"]].values.tolist()
    [[True, 2, 1, 1, 1]]
    """
    require_columns(space_rounds, ["country", "campaign_id", "round", "dimension", "code_id", "n_turns",
                                   "dimension_turns"], "power by round")
    require_columns(turns, ["country", "campaign_id", "round", "date"], "turns")
    require_columns(outcomes, ["country", "campaign_id", "outcome_id", "date", "type_of_change"], "outcomes")
    keys = ["country", "campaign_id"]
    space = space_rounds.loc[space_rounds["dimension"] == "space"]
    wide = space.pivot_table(index=[*keys, "round"], columns="code_id", values="n_turns", aggfunc="sum",
                             fill_value=0)
    for code in DIMENSIONS["space"]:
        if code not in wide:
            wide[code] = 0
    wide = wide.reset_index().sort_values([*keys, "round"])
    wide["closed_leads"] = wide[CLOSED] > wide[CLAIMED]
    wide["claimed_leads"] = wide[CLAIMED] > wide[CLOSED]
    led = wide.loc[wide["closed_leads"]].groupby(keys)["round"].min().rename("closed_led")
    wide = wide.merge(led.reset_index(), on=keys, how="left")
    after = wide.loc[wide["claimed_leads"] & (wide["round"] > wide["closed_led"])]
    move = after.groupby(keys)["round"].min().rename("move_round")
    starts = turns.dropna(subset=["campaign_id"]).groupby([*keys, "round"])["date"].min().rename("move_date")
    table = wide.groupby(keys).agg(rounds=("round", "nunique"), closed=(CLOSED, "sum"),
                                   invited=(DIMENSIONS["space"][1], "sum"), claimed=(CLAIMED, "sum")).reset_index()
    space_turns = space.drop_duplicates([*keys, "round"]).groupby(keys)["dimension_turns"].sum()
    table = table.merge(space_turns.rename("space_turns").reset_index(), on=keys, how="left")
    table = table.merge(led.reset_index(), on=keys, how="left").merge(move.reset_index(), on=keys, how="left")
    table = table.merge(starts.reset_index().rename(columns={"round": "move_round"}), on=[*keys, "move_round"],
                        how="left")
    table["moved"] = table["move_round"].notna()
    dated = outcomes.assign(_pb=policy_budget_change(outcomes), date=pd.to_datetime(outcomes["date"]))
    dated = dated.merge(table[[*keys, "move_date"]], on=keys, how="inner")
    dated["_after"] = dated["date"] >= dated["move_date"]
    dated["_before"] = dated["date"] < dated["move_date"]
    totals = dated.groupby(keys).agg(n_outcomes=("outcome_id", "nunique"), n_policy_budget=("_pb", "sum"),
                                     outcomes_after=("_after", "sum"), outcomes_before=("_before", "sum"),
                                     policy_budget_after=("_pb", lambda s: int((s & dated.loc[s.index, "_after"])
                                                                               .sum())))
    table = table.merge(totals.reset_index(), on=keys, how="left")
    for column in ("n_outcomes", "n_policy_budget", "outcomes_after", "outcomes_before", "policy_budget_after"):
        table[column] = table[column].fillna(0).astype("Int64")
    for column in ("outcomes_after", "outcomes_before", "policy_budget_after"):
        table.loc[~table["moved"], column] = pd.NA
    for column in ("closed_led", "move_round"):
        table[column] = table[column].astype("Int64")
    for column in ("closed", "invited", "claimed", "space_turns"):
        table[column] = table[column].fillna(0).astype("int64")
    return table[[*keys, "rounds", "space_turns", "closed", "invited", "claimed", "closed_led", "moved",
                  "move_round", "move_date", "outcomes_before", "outcomes_after", "policy_budget_after",
                  "n_outcomes", "n_policy_budget"]].reset_index(drop=True)
