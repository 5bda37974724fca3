"""Outcome harvests summarised: counts, timelines, substantiation, contributions, chains.

Stage: analysis. Each function takes the accepted outcomes table
(:data:`sparklearn.ingest.harvest_schema.OUTCOME_COLUMNS`, one row per outcome, as
:func:`sparklearn.store.country_tables` or :func:`sparklearn.store.load_processed`
return it) and returns a new tidy table (or, for :func:`outcome_graph`, a networkx
graph); none reads files, rounds, words or draws (sentences are in
:mod:`sparklearn.report.words`, figures in :mod:`sparklearn.report.figures`).

- :func:`counts_by`, :func:`timeline`, :func:`contribution_matrix`: how many outcomes
  in each category, period, or strategic component x outcome area (multi-value
  ``strategic_components`` cells count once per component).
- :func:`substantiation_rates` (a country's harvest by a classification) and
  :func:`substantiation_by` (countries side by side): how many outcomes were put to an
  independent informant and how many they confirmed, with Wilson intervals.
  ``substantiated`` means the informant agreed **fully or partially** (:data:`CONFIRMED`),
  counted among the outcomes put to an informant (substantiation other than
  ``not-yet``).
- :func:`outcome_graph`, :func:`outcome_chains`: the ``builds_on`` links as a graph
  and as pathways from a first outcome to a last one.

Vocabularies (the order of levels, the labels of outcome areas) come from the codebook
when one is given, so the tables list categories in the codebook's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from sparklearn.codebook import Codebook, load_codebook, vocabulary
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns
from sparklearn.ingest.harvest_schema import CONTROLLED, MULTI_VALUE

# ------------------------------------------------------------------- summaries


def _explode(outcomes: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per value of ``column`` (multi-value columns split on ';')."""
    if column not in MULTI_VALUE and column != "builds_on":
        return outcomes
    # Split each distinct cell once, then join the parts back to the rows by code.
    codes, uniques = pd.factorize(outcomes[column].astype("string"))
    parts = pd.Series(uniques, dtype="string").str.split(";").explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    pairs = pd.DataFrame({"code": codes, "pos": np.arange(len(codes))}).merge(
        pd.DataFrame({"code": parts.index.to_numpy(), "value": parts.to_numpy()}), on="code", how="left")
    pairs = pairs.sort_values("pos", kind="stable")
    exploded = outcomes.iloc[pairs["pos"].to_numpy()].copy()
    exploded[column] = pd.array(pairs["value"].to_numpy(), dtype="string")
    return exploded


def counts_by(
    outcomes: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """How many outcomes fall in each category of ``column`` (optionally per ``by`` group).

    An outcome counts once per value; for ``strategic_components`` an outcome crediting
    two components counts for both. ``share`` is of all outcomes in the group, so the
    shares of a multi-value column may sum to more than 1 and unclassified outcomes
    (not counted) make them sum to less.

    Parameters
    ----------
    outcomes
        The accepted outcomes table.
    column
        e.g. ``outcome_area``, ``type_of_change``, ``actor_type``, ``level``,
        ``strategic_components``.
    by
        Optional grouping column (``country``, ``campaign_id``...).
    codebook
        If given, every vocabulary value appears (0 when unused), in codebook order,
        with its ``label``.

    Returns
    -------
    pandas.DataFrame
        [by,] ``column``, [label,] n_outcomes, share.

    Examples
    --------
    >>> o = pd.DataFrame({"level": ["local", "local", "national", None]})
    >>> counts_by(o, "level")
          level  n_outcomes  share
    0     local           2   0.50
    1  national           1   0.25
    """
    require_columns(outcomes, [column, *([by] if by else [])], "outcomes")
    keys = [by] if by else []
    exploded = _explode(outcomes[[*keys, column]], column)
    totals = outcomes.groupby(keys).size() if by else len(outcomes)
    counts = exploded.dropna(subset=[column]).groupby([*keys, column]).size().rename("n_outcomes")
    if codebook is not None and (column in CONTROLLED or column in MULTI_VALUE):
        table = vocabulary(codebook, MULTI_VALUE.get(column, column))
        groups = pd.unique(outcomes[by].dropna()) if by else None
        index = pd.MultiIndex.from_product([groups, table["id"]], names=[by, column]) if by \
            else pd.Index(table["id"], name=column)
        extra = counts.index.difference(index) if not by else None
        counts = counts.reindex(index.append(extra) if extra is not None and len(extra) else index, fill_value=0)
    table_out = counts.reset_index()
    denominator = table_out[by].map(totals) if by else totals
    table_out["share"] = (table_out["n_outcomes"] / denominator).astype(float) if len(table_out) else pd.Series(dtype=float)
    table_out["n_outcomes"] = table_out["n_outcomes"].astype("int64")
    if codebook is not None and (column in CONTROLLED or column in MULTI_VALUE):
        labels = vocabulary(codebook, MULTI_VALUE.get(column, column)).set_index("id")["label"]
        table_out.insert(len(keys) + 1, "label", table_out[column].map(labels).astype("string"))
    return table_out


def timeline(
    outcomes: pd.DataFrame,
    freq: Literal["M", "Q", "Y"] = "Q",
    *,
    by: str | None = None,
) -> pd.DataFrame:
    """Outcomes per period (quarter by default), with empty periods as 0.

    Month-precision dates fall in their month's period. Undated outcomes are not
    placed; their number is in ``attrs["undated"]``.

    Returns
    -------
    pandas.DataFrame
        [by,] period (e.g. ``2023Q1``), start (first day), n_outcomes, cumulative.

    Examples
    --------
    >>> o = pd.DataFrame({"date": pd.to_datetime(["2023-01-05", "2023-02-01", "2023-07-30", None])})
    >>> t = timeline(o)
    >>> t[["period", "n_outcomes", "cumulative"]].values.tolist()
    [['2023Q1', 2, 2], ['2023Q2', 0, 2], ['2023Q3', 1, 3]]
    >>> t.attrs["undated"]
    1
    """
    if freq not in ("M", "Q", "Y"):
        raise ParameterError(f"freq must be 'M', 'Q' or 'Y', not {freq!r}")
    require_columns(outcomes, ["date", *([by] if by else [])], "outcomes")
    dates = pd.to_datetime(outcomes["date"], errors="coerce")
    dated = outcomes.loc[dates.notna()].assign(_period=dates[dates.notna()].dt.to_period(freq))
    columns = [*([by] if by else []), "period", "start", "n_outcomes", "cumulative"]
    if dated.empty:
        out = pd.DataFrame(columns=columns)
    else:
        periods = pd.period_range(dated["_period"].min(), dated["_period"].max(), freq=freq)
        keys = [by] if by else []
        counts = dated.groupby([*keys, "_period"]).size()
        index = pd.MultiIndex.from_product([sorted(pd.unique(dated[by].dropna())), periods], names=[by, "_period"]) \
            if by else pd.Index(periods, name="_period")
        counts = counts.reindex(index, fill_value=0).rename("n_outcomes").reset_index()
        counts["cumulative"] = counts.groupby(keys)["n_outcomes"].cumsum() if by else counts["n_outcomes"].cumsum()
        out = counts.assign(period=counts["_period"].astype(str), start=counts["_period"].dt.start_time)
        out = out[columns].astype({"n_outcomes": "int64", "cumulative": "int64"})
    out.attrs["undated"] = int(dates.isna().sum())
    return out


def substantiation_rates(
    outcomes: pd.DataFrame,
    by: str | None = "outcome_area",
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of outcomes put to an informant, and the share of those substantiated, with Wilson intervals.

    **Substantiated** means the informant agreed fully or partially
    (:data:`sparklearn.analysis.outcomes.CONFIRMED`); a disagreement is checked but not
    substantiated. Intervals are statsmodels ``proportion_confint(method="wilson")``
    (via :func:`sparklearn.analysis.outcomes.substantiation_by`). A multi-value ``by``
    (``strategic_components``) counts an outcome once in each of its groups.

    Parameters
    ----------
    by
        Grouping column; ``None`` for the whole harvest (one row, ``by`` = "all").

    Returns
    -------
    pandas.DataFrame
        ``by``, n_outcomes, n_checked, n_fully, n_partially, n_disagree,
        share_checked, checked_low, checked_high, share_confirmed (substantiated
        among those checked; NaN when none), confirmed_low, confirmed_high.

    Examples
    --------
    >>> o = pd.DataFrame({"substantiation": ["fully", "partially", "disagree", "not-yet"]})
    >>> substantiation_rates(o, by=None)[["all", "n_checked", "share_confirmed"]].round(3)
       all  n_checked  share_confirmed
    0  all          3            0.667
    """

    require_columns(outcomes, ["substantiation", *([by] if by else [])], "outcomes")
    if by is None:
        return substantiation_by(outcomes.assign(all="all"), "all", alpha=alpha)
    return substantiation_by(_explode(outcomes, by), by, alpha=alpha)


def contribution_matrix(outcomes: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Strategic components by outcome areas: how many outcomes each component contributed to.

    An outcome crediting several components counts once for each. ``share_of_area``
    is the share of the area's outcomes that credit the component.

    Parameters
    ----------
    codebook
        If given, the full grid in codebook order (zeros included).

    Returns
    -------
    pandas.DataFrame
        strategic_component, outcome_area, n_outcomes, share_of_area (long; pivot for a heat map).

    Examples
    --------
    >>> o = pd.DataFrame({"strategic_components": ["SC-AGENCY;SC-COALITION", "SC-AGENCY"],
    ...                   "outcome_area": ["OA-POWER", "OA-POWER"]})
    >>> contribution_matrix(o).values.tolist()
    [['SC-AGENCY', 'OA-POWER', 2, 1.0], ['SC-COALITION', 'OA-POWER', 1, 0.5]]
    """
    require_columns(outcomes, ["strategic_components", "outcome_area"], "outcomes")
    exploded = _explode(outcomes[["strategic_components", "outcome_area"]], "strategic_components").dropna(
        subset=["strategic_components", "outcome_area"])
    counts = exploded.groupby(["strategic_components", "outcome_area"]).size()
    if codebook is not None:
        index = pd.MultiIndex.from_product([vocabulary(codebook, "strategic_component")["id"],
                                            vocabulary(codebook, "outcome_area")["id"]],
                                           names=["strategic_components", "outcome_area"])
        counts = counts.reindex(index, fill_value=0)
    table = counts.rename("n_outcomes").reset_index().rename(columns={"strategic_components": "strategic_component"})
    per_area = outcomes.groupby("outcome_area").size()
    table["n_outcomes"] = table["n_outcomes"].astype("int64")
    table["share_of_area"] = (table["n_outcomes"] / table["outcome_area"].map(per_area)).astype(float)
    return table


_NODE_ATTRS = ("campaign_id", "date", "level", "type_of_change", "outcome_area", "actor_type", "valence")


def outcome_graph(outcomes: pd.DataFrame) -> nx.DiGraph:
    """The outcomes as a directed graph: an edge from each earlier outcome to the one that built on it.

    Nodes are outcome ids with the attributes campaign_id, date, level,
    type_of_change, outcome_area, actor_type, valence (those present). Links to ids
    not in ``outcomes`` are left out; their number is ``graph.graph["missing_links"]``.

    Examples
    --------
    >>> o = pd.DataFrame({"outcome_id": ["A", "B", "C"], "builds_on": [None, "A", "A;X"]})
    >>> g = outcome_graph(o)
    >>> sorted(g.edges), g.graph["missing_links"]
    ([('A', 'B'), ('A', 'C')], 1)
    """
    require_columns(outcomes, ["outcome_id", "builds_on"], "outcomes")
    graph = nx.DiGraph()
    attrs = [c for c in _NODE_ATTRS if c in outcomes.columns]
    nodes = outcomes[["outcome_id", *attrs]].drop_duplicates("outcome_id")
    graph.add_nodes_from(zip(nodes["outcome_id"], nodes[attrs].to_dict("records")))
    links = _explode(outcomes[["outcome_id", "builds_on"]], "builds_on").dropna(subset=["builds_on"])
    links = links[links["builds_on"] != ""]
    present = links["builds_on"].isin(nodes["outcome_id"])
    graph.add_edges_from(zip(links.loc[present, "builds_on"], links.loc[present, "outcome_id"]))
    graph.graph["missing_links"] = int((~present).sum())
    return graph


def outcome_chains(
    outcomes: pd.DataFrame,
    *,
    levels: Sequence[str] | None = None,
    policy_types: Sequence[str] = ("policy", "budget"),
    min_length: int = 2,
) -> pd.DataFrame:
    """Pathways of outcomes that built on each other, from a first outcome to a last one.

    A pathway runs from a root (an outcome that built on none in the table) to a leaf
    (one nothing built on) along the ``builds_on`` links; an outcome that built on two
    earlier ones lies on two pathways.

    Parameters
    ----------
    levels
        The levels of governance from lowest to highest; default the codebook's
        ``level`` vocabulary order (local, subnational, national, international).
    policy_types
        Types of change that count as policy or budget change.
    min_length
        Shortest pathway listed (2: single outcomes are not chains).

    Returns
    -------
    pandas.DataFrame
        pathway (1, 2...), campaign_id (of the root), root, leaf, length (outcomes),
        outcome_ids (``;``-joined, in order), levels (``;``-joined), level_path (the
        levels with repeats collapsed, e.g. ``local → national``), start_level,
        top_level, climbs (the pathway reaches a higher level than it started at),
        reaches_policy_budget (a positive outcome of ``policy_types`` on the pathway),
        start_date, end_date.

    Examples
    --------
    >>> o = pd.DataFrame({"outcome_id": ["A", "B", "C"], "builds_on": [None, "A", "B"],
    ...                   "level": ["local", "local", "national"], "campaign_id": "x",
    ...                   "type_of_change": ["action", "agenda", "budget"], "valence": "positive",
    ...                   "date": pd.to_datetime(["2021-01-01", "2021-06-01", "2022-01-01"])})
    >>> outcome_chains(o, levels=["local", "subnational", "national"])[
    ...     ["outcome_ids", "length", "level_path", "climbs", "reaches_policy_budget"]].values.tolist()
    [['A;B;C', 3, 'local → national', True, True]]
    """
    require_columns(outcomes, ["outcome_id", "builds_on"], "outcomes")
    if levels is None:
        levels = vocabulary(load_codebook(), "level")["id"].tolist()
    rank = {lev: i for i, lev in enumerate(levels)}
    graph = outcome_graph(outcomes)
    columns = ["pathway", "campaign_id", "root", "leaf", "length", "outcome_ids", "levels", "level_path",
               "start_level", "top_level", "climbs", "reaches_policy_budget", "start_date", "end_date"]
    if not nx.is_directed_acyclic_graph(graph):
        raise ParameterError("the builds_on links go round in a circle; read the harvest with read_harvest, "
                             "which rejects such rows")
    # Paths ending at each node, built in topological order (each node once).
    ends: dict[str, list[tuple[str, ...]]] = {}
    for node in nx.topological_sort(graph):
        parents = list(graph.predecessors(node))
        ends[node] = [p + (node,) for parent in parents for p in ends[parent]] if parents else [(node,)]
    paths = [p for node, deg in graph.out_degree() if deg == 0 for p in ends[node] if len(p) >= min_length]
    if not paths:
        return pd.DataFrame(columns=columns)
    paths.sort(key=lambda p: (p[0], p))
    flat = pd.DataFrame({"pathway": np.repeat(np.arange(1, len(paths) + 1), [len(p) for p in paths]),
                         "outcome_id": [n for p in paths for n in p]})
    info = outcomes.drop_duplicates("outcome_id").set_index("outcome_id")
    get = lambda c: flat["outcome_id"].map(info[c]) if c in info.columns else pd.Series(pd.NA, index=flat.index)  # noqa: E731
    flat["level"] = get("level").astype("string")
    flat["rank"] = flat["level"].map(rank).astype("Float64")
    flat["date"] = pd.to_datetime(get("date"), errors="coerce")
    policy = get("type_of_change").isin(list(policy_types)) & (get("valence").astype("string") != "negative")
    flat["policy"] = policy.fillna(False).to_numpy()
    flat["campaign_id"] = get("campaign_id").astype("string")
    level_text = flat["level"].fillna("?")
    previous = level_text.groupby(flat["pathway"]).shift()
    collapsed = flat.loc[(previous.isna() | (level_text != previous)).to_numpy(dtype=bool)]
    grouped = flat.groupby("pathway")
    start_rank = grouped["rank"].first()
    table = pd.DataFrame({
        "campaign_id": grouped["campaign_id"].first(),
        "root": grouped["outcome_id"].first(),
        "leaf": grouped["outcome_id"].last(),
        "length": grouped.size().astype("int64"),
        "outcome_ids": grouped["outcome_id"].agg(";".join),
        "levels": level_text.groupby(flat["pathway"]).agg(";".join),
        "level_path": collapsed.assign(level=collapsed["level"].fillna("?")).groupby("pathway")["level"].agg(
            " → ".join),
        "start_level": grouped["level"].first(),
        "top_level": flat.loc[flat["rank"].notna()].sort_values("rank", kind="stable").groupby("pathway")[
            "level"].last(),
        "climbs": (grouped["rank"].max() > start_rank).fillna(False).astype(bool),
        "reaches_policy_budget": grouped["policy"].any().astype(bool),
        "start_date": grouped["date"].min(),
        "end_date": grouped["date"].max(),
    }).reset_index()
    return table[columns]


# --------------------------------------------------------------------------- substantiation

#: Substantiation values meaning an informant confirmed the outcome.
CONFIRMED = ("fully", "partially")


def substantiation_by(
    outcomes: pd.DataFrame,
    by: str = "country",
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How many outcomes were checked with an independent informant, and how many confirmed.

    Two proportions per group, each with a Wilson interval (statsmodels
    ``proportion_confint(method="wilson")``, which behaves well near 0 and 1 and
    with small n): the share of outcomes checked (substantiation other than
    ``not-yet``) and, among those, the share confirmed (``fully`` or ``partially``).

    Parameters
    ----------
    outcomes
        Outcomes with ``substantiation`` and the ``by`` column.
    by
        Any column (``country``, ``sector`` after :func:`add_sector`, ``type_of_change``...).
    alpha
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        ``by``, n_outcomes, n_checked, n_fully, n_partially, n_disagree,
        share_checked, checked_low, checked_high, share_confirmed (of those
        checked; NaN if none), confirmed_low, confirmed_high.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 5,
    ...                   "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet"]})
    >>> substantiation_by(o)[["country", "n_checked", "share_checked", "share_confirmed"]].round(2)
      country  n_checked  share_checked  share_confirmed
    0   ghana          3            0.6             0.67
    """
    require_columns(outcomes, [by, "substantiation"], "outcomes")
    value = outcomes["substantiation"].astype("string").str.strip().str.lower()
    flags = pd.DataFrame({
        by: outcomes[by].to_numpy(),
        "n_outcomes": 1,
        "n_checked": (value.notna() & (value != "not-yet") & (value != "")).to_numpy(dtype=int),
        "n_fully": (value == "fully").fillna(False).to_numpy(dtype=int),
        "n_partially": (value == "partially").fillna(False).to_numpy(dtype=int),
        "n_disagree": (value == "disagree").fillna(False).to_numpy(dtype=int),
    })
    table = flags.groupby(by, sort=True).sum().reset_index()
    checked = table["n_checked"].to_numpy()
    confirmed = (table["n_fully"] + table["n_partially"]).to_numpy()
    low_c, high_c = proportion_confint(checked, table["n_outcomes"].to_numpy(), alpha=alpha, method="wilson")
    with np.errstate(divide="ignore", invalid="ignore"):
        low_f, high_f = proportion_confint(confirmed, checked, alpha=alpha, method="wilson")
        share_confirmed = np.where(checked > 0, confirmed / checked, np.nan)
    return table.assign(
        share_checked=checked / table["n_outcomes"], checked_low=low_c, checked_high=high_c,
        share_confirmed=share_confirmed,
        confirmed_low=np.where(checked > 0, low_f, np.nan), confirmed_high=np.where(checked > 0, high_f, np.nan),
    )
