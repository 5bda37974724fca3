"""The accountability ecosystem: which oversight actors each campaign engaged, how, and with what result.

Stage: analysis. Tidy tables (and a networkx graph) in and out; no words, no drawing.

- :func:`actor_engagement`: per campaign and actor (the codebook's ``AE-*`` codes), the
  turns of the campaign's reflection sessions coded with the actor, **how** (the codes
  most often on those same turns, other actors left out), and the **result**: the
  campaign's outcomes in which that kind of actor changed (the harvest's
  ``actor_type``, matched to the code by the codebook's ``actor_type`` vocabulary), and
  how many of them were positive policy or budget changes.
- :func:`ecosystem_graph`: campaigns and actors as a network, an edge where a campaign
  engaged an actor, weighted by turns and outcomes.
- :func:`engaged_actors`: per campaign, a 0/1 column per actor (engaged: at least
  ``min_turns`` turns or one outcome) and whether it had a positive policy or budget
  change: a condition table the case comparison can use.
- :func:`actor_combinations`: across campaigns, the combinations of engaged oversight
  actors with the campaigns having each and how many had a policy or budget change: a
  descriptive cross-tab, not a test of cause.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from sparklearn.analysis.barriers import coded_turns, policy_budget_change
from sparklearn.frames import require_columns

#: The accountability ecosystem actors of the codebook (children of ``AE``).
ACTOR_CODES = ("AE-SAI", "AE-LEGISLATURE", "AE-EXECUTIVE", "AE-LOCALGOV", "AE-MEDIA", "AE-COURTS", "AE-CSO",
               "AE-TRADFAITH", "AE-DONOR", "AE-COMMUNITY", "AE-PRIVATE")

#: The oversight actors whose combinations are compared (state oversight, courts, media, executive reformers).
OVERSIGHT_CODES = ("AE-SAI", "AE-LEGISLATURE", "AE-COURTS", "AE-MEDIA", "AE-EXECUTIVE", "AE-LOCALGOV")

#: The harvest's actor types and the ecosystem codes they match (the codebook vocabulary ``actor_type``'s ``code``).
ACTOR_TYPE_CODES = {"executive": "AE-EXECUTIVE", "legislature": "AE-LEGISLATURE", "audit-institution": "AE-SAI",
                    "local-government": "AE-LOCALGOV", "media": "AE-MEDIA", "courts": "AE-COURTS",
                    "community": "AE-COMMUNITY", "cso": "AE-CSO", "traditional-faith": "AE-TRADFAITH",
                    "private-sector": "AE-PRIVATE", "donor": "AE-DONOR"}

COLUMNS = ["country", "campaign_id", "code_id", "n_turns", "how", "n_outcomes", "n_policy_budget", "engaged"]


def actor_engagement(codings: pd.DataFrame, turns: pd.DataFrame, outcomes: pd.DataFrame, *,
                     actor_types: Mapping[str, str] | None = None, codes: Sequence[str] = ACTOR_CODES,
                     min_turns: int = 2, how_many: int = 3) -> pd.DataFrame:
    """Per campaign and actor: turns engaging it, how (co-occurring codes) and the outcomes where it changed.

    Parameters
    ----------
    codings
        The codings table.
    turns
        :func:`sparklearn.analysis.barriers.turn_rounds`.
    outcomes
        The outcomes table (country, campaign_id, actor_type, type_of_change; valence and
        substantiation when present: a policy or budget change counts when positive and not
        disputed, :func:`~sparklearn.analysis.barriers.policy_budget_change`).
    actor_types
        Harvest actor type -> ecosystem code (default :data:`ACTOR_TYPE_CODES`; pass the
        codebook vocabulary's ``id`` -> ``code``).
    codes
        The actor codes.
    min_turns
        Turns enough for "engaged" without an outcome (2: more than a passing mention).
    how_many
        The co-occurring codes kept in ``how``.

    Returns
    -------
    pandas.DataFrame
        One row per campaign and actor with a turn or an outcome: country, campaign_id,
        code_id, n_turns, how (the most frequent other codes on those turns, ``;``-joined,
        most first; actor codes left out), n_outcomes, n_policy_budget, engaged (n_turns
        >= ``min_turns`` or n_outcomes >= 1).

    Examples
    --------
    >>> turns = pd.DataFrame({"segment_id": ["t1", "t2"], "country": "kenya", "campaign_id": "a", "round": 1})
    >>> c = pd.DataFrame({"segment_id": ["t1", "t1", "t2"], "coder": "a",
    ...                   "code_id": ["AE-LEGISLATURE", "SC-ECOSYSTEM", "AE-LEGISLATURE"]})
    >>> o = pd.DataFrame({"country": "kenya", "campaign_id": ["a"], "actor_type": ["legislature"],
    ...                   "type_of_change": ["budget"], "valence": ["positive"]})
    >>> actor_engagement(c, turns, o).values.tolist()
    [['kenya', 'a', 'AE-LEGISLATURE', 2, 'SC-ECOSYSTEM', 1, 1, True]]
    """
    require_columns(turns, ["segment_id", "country", "campaign_id"], "turns")
    require_columns(outcomes, ["country", "campaign_id", "actor_type", "type_of_change"], "outcomes")
    keys = ["country", "campaign_id"]
    units = turns.dropna(subset=["campaign_id"]).drop_duplicates(["segment_id", *keys])[["segment_id", *keys]]
    actors = units.merge(coded_turns(codings, codes), on="segment_id")
    counted = actors.groupby([*keys, "code_id"]).size().rename("n_turns").reset_index()
    require_columns(codings, ["segment_id", "code_id"], "codings")
    others = coded_turns(codings.loc[codings["segment_id"].isin(actors["segment_id"])
                                     & ~codings["code_id"].isin(list(codes))],
                         codings["code_id"].dropna().unique()).rename(columns={"code_id": "other"})
    pairs = actors.merge(others, on="segment_id")
    pair_counts = pairs.groupby([*keys, "code_id", "other"]).size().rename("n").reset_index() \
        .sort_values([*keys, "code_id", "n", "other"], ascending=[True, True, True, False, True])
    how = pair_counts.groupby([*keys, "code_id"]).head(how_many).groupby([*keys, "code_id"])["other"] \
        .agg(";".join).rename("how").reset_index()
    mapping = dict(actor_types or ACTOR_TYPE_CODES)
    found = outcomes.assign(code_id=outcomes["actor_type"].astype("string").str.strip().map(mapping),
                            _pb=policy_budget_change(outcomes))
    found = found.dropna(subset=["code_id", "campaign_id"])
    results = found.groupby([*keys, "code_id"]).agg(n_outcomes=("_pb", "size"), n_policy_budget=("_pb", "sum")) \
        .reset_index()
    table = counted.merge(results, on=[*keys, "code_id"], how="outer").merge(how, on=[*keys, "code_id"], how="left")
    for column in ("n_turns", "n_outcomes", "n_policy_budget"):
        table[column] = table[column].fillna(0).astype("int64")
    table["how"] = table["how"].fillna("")
    table["engaged"] = ((table["n_turns"] >= min_turns) | (table["n_outcomes"] >= 1)).astype(bool)
    table["code_id"] = table["code_id"].astype("string")
    order = {c: i for i, c in enumerate(codes)}
    table = table.assign(_o=table["code_id"].map(order).fillna(len(order))).sort_values([*keys, "_o"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def ecosystem_graph(engagement: pd.DataFrame, *, engaged_only: bool = True) -> nx.Graph:
    """Campaigns and actors as a network: an edge where a campaign engaged an actor.

    Parameters
    ----------
    engagement
        :func:`actor_engagement`.
    engaged_only
        Keep only the pairs marked engaged.

    Returns
    -------
    networkx.Graph
        Nodes ``("campaign", id)`` (attribute country) and ``("actor", code)``, each with
        ``kind``; edges with n_turns, n_outcomes, n_policy_budget and weight
        (n_turns + n_outcomes).

    Examples
    --------
    >>> e = pd.DataFrame({"country": "kenya", "campaign_id": ["a", "b"], "code_id": "AE-SAI", "n_turns": [3, 1],
    ...                   "how": "", "n_outcomes": [1, 0], "n_policy_budget": [0, 0], "engaged": [True, False]})
    >>> g = ecosystem_graph(e)
    >>> g.number_of_nodes(), g.edges[("campaign", "a"), ("actor", "AE-SAI")]["weight"]
    (2, 4)
    """
    require_columns(engagement, COLUMNS, "actor engagement")
    kept = engagement.loc[engagement["engaged"]] if engaged_only else engagement
    graph = nx.Graph()
    for row in kept.itertuples(index=False):
        graph.add_node(("campaign", row.campaign_id), kind="campaign", country=row.country)
        graph.add_node(("actor", row.code_id), kind="actor")
        graph.add_edge(("campaign", row.campaign_id), ("actor", row.code_id), n_turns=int(row.n_turns),
                       n_outcomes=int(row.n_outcomes), n_policy_budget=int(row.n_policy_budget),
                       weight=int(row.n_turns) + int(row.n_outcomes))
    return graph


def engaged_actors(engagement: pd.DataFrame, outcomes: pd.DataFrame, campaigns: pd.DataFrame, *,
                   codes: Sequence[str] = OVERSIGHT_CODES) -> pd.DataFrame:
    """Per campaign: a 0/1 column per actor engaged and whether it had a positive policy or budget change.

    A condition table for the case comparison (one row per campaign of ``campaigns``,
    zeros without data).

    Parameters
    ----------
    engagement
        :func:`actor_engagement`.
    outcomes
        The outcomes table (campaign_id, type_of_change; valence and substantiation when present).
    campaigns
        The campaigns compared (campaign_id, country; sector when present).
    codes
        The actors given a column.

    Returns
    -------
    pandas.DataFrame
        campaign_id, country, (sector), one 0/1 column per code, n_engaged,
        combination (the engaged codes ``;``-joined in ``codes`` order; ``""`` for none),
        n_outcomes, POLICY_BUDGET_CHANGE (0/1).

    Examples
    --------
    >>> e = pd.DataFrame({"country": "kenya", "campaign_id": ["a"], "code_id": ["AE-SAI"], "n_turns": [3], "how": "",
    ...                   "n_outcomes": [0], "n_policy_budget": [0], "engaged": [True]})
    >>> o = pd.DataFrame({"campaign_id": ["a", "b"], "type_of_change": ["policy", "agenda"], "valence": "positive"})
    >>> cam = pd.DataFrame({"campaign_id": ["a", "b"], "country": "kenya"})
    >>> engaged_actors(e, o, cam, codes=["AE-SAI", "AE-MEDIA"]).values.tolist()
    [['a', 'kenya', 1, 0, 1, 'AE-SAI', 1, 1], ['b', 'kenya', 0, 0, 0, '', 1, 0]]
    """
    require_columns(campaigns, ["campaign_id", "country"], "campaigns")
    require_columns(outcomes, ["campaign_id", "type_of_change"], "outcomes")
    base = campaigns[[c for c in ("campaign_id", "country", "sector") if c in campaigns]].drop_duplicates(
        "campaign_id").reset_index(drop=True)
    kept = engagement.loc[engagement["engaged"] & engagement["code_id"].isin(list(codes))]
    for code in codes:
        base[code] = base["campaign_id"].isin(kept.loc[kept["code_id"] == code, "campaign_id"]).astype("int64")
    flags = base[list(codes)].to_numpy(dtype=bool)
    base["n_engaged"] = flags.sum(axis=1).astype("int64")
    names = np.array(list(codes), dtype=object)
    base["combination"] = [";".join(names[row]) for row in flags]
    pb = outcomes.loc[policy_budget_change(outcomes), "campaign_id"]
    base["n_outcomes"] = base["campaign_id"].map(outcomes.groupby("campaign_id").size()).fillna(0).astype("int64")
    base["POLICY_BUDGET_CHANGE"] = base["campaign_id"].isin(pb).astype("int64")
    return base


def actor_combinations(conditions: pd.DataFrame) -> pd.DataFrame:
    """The combinations of engaged oversight actors, with how many campaigns had each and a policy or budget change.

    Descriptive: a cross-tab of campaigns, not a test (with about fourteen campaigns no
    combination could be shown to cause anything; the case comparison weighs them).

    Parameters
    ----------
    conditions
        :func:`engaged_actors`.

    Returns
    -------
    pandas.DataFrame
        combination, n_actors, n_campaigns, with_change (campaigns with a positive policy
        or budget change), share_with_change, countries (``;``-joined), campaigns
        (``;``-joined); most campaigns first.

    Examples
    --------
    >>> c = pd.DataFrame({"campaign_id": ["a", "b", "c"], "country": ["kenya", "ghana", "ghana"],
    ...                   "combination": ["AE-SAI", "AE-SAI", ""], "n_engaged": [1, 1, 0],
    ...                   "POLICY_BUDGET_CHANGE": [1, 0, 0]})
    >>> actor_combinations(c)[["combination", "n_campaigns", "with_change", "countries"]].values.tolist()
    [['AE-SAI', 2, 1, 'ghana;kenya'], ['', 1, 0, 'ghana']]
    """
    require_columns(conditions, ["campaign_id", "country", "combination", "n_engaged", "POLICY_BUDGET_CHANGE"],
                    "engaged actors")
    table = conditions.groupby("combination", sort=False).agg(
        n_actors=("n_engaged", "first"), n_campaigns=("campaign_id", "nunique"),
        with_change=("POLICY_BUDGET_CHANGE", "sum"),
        countries=("country", lambda c: ";".join(sorted(set(c)))),
        campaigns=("campaign_id", lambda c: ";".join(c))).reset_index()
    table["with_change"] = table["with_change"].astype("int64")
    table["share_with_change"] = table["with_change"] / table["n_campaigns"]
    table = table.sort_values(["n_campaigns", "n_actors", "combination"], ascending=[False, False, True],
                              kind="stable")
    return table[["combination", "n_actors", "n_campaigns", "with_change", "share_with_change", "countries",
                  "campaigns"]].reset_index(drop=True)


def actor_change_table(conditions: pd.DataFrame, *, codes: Sequence[str] = OVERSIGHT_CODES) -> pd.DataFrame:
    """Per oversight actor: campaigns that engaged it and not, and how many of each had a policy or budget change.

    Parameters
    ----------
    conditions
        :func:`engaged_actors`.
    codes
        The actors.

    Returns
    -------
    pandas.DataFrame
        code_id, engaged, engaged_with_change, not_engaged, not_engaged_with_change.

    Examples
    --------
    >>> c = pd.DataFrame({"campaign_id": ["a", "b"], "AE-SAI": [1, 0], "POLICY_BUDGET_CHANGE": [1, 1]})
    >>> actor_change_table(c, codes=["AE-SAI"]).values.tolist()
    [['AE-SAI', 1, 1, 1, 1]]
    """
    require_columns(conditions, [*codes, "POLICY_BUDGET_CHANGE"], "engaged actors")
    change = conditions["POLICY_BUDGET_CHANGE"].astype(bool)
    rows = []
    for code in codes:
        yes = conditions[code].astype(bool)
        rows.append({"code_id": code, "engaged": int(yes.sum()), "engaged_with_change": int((yes & change).sum()),
                     "not_engaged": int((~yes).sum()), "not_engaged_with_change": int((~yes & change).sum())})
    return pd.DataFrame(rows, columns=["code_id", "engaged", "engaged_with_change", "not_engaged",
                                       "not_engaged_with_change"])
