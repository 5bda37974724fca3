"""The accountability ecosystem for readers: which actors each campaign engaged, how, with what result.

Stage: report. Over :mod:`sparklearn.analysis.ecosystem`:

- :func:`describe_ecosystem`: per campaign, the actors engaged most, and the outcomes in
  which they changed;
- :func:`plot_ecosystem`: campaigns and actors as a network (edge width: turns and outcomes);
- :func:`ecosystem_for_readers`: the engagement table with labels;
- :func:`describe_actor_combinations`: across campaigns, which engaged actors go with a
  policy or budget change: described as a cross-tab, never as a cause.

Names from the registry, labels from the codebook, no ids.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sparklearn.report.figure_text import describe_figure, wrap_label
from sparklearn.report.tables import with_caption
from sparklearn.wording import and_list, count_noun

#: Said beside every cross-tab of actors and change.
CROSS_TAB_CAVEAT = ("This is a cross-tab of a few campaigns, not a test: it says which actors the campaigns with a "
                    "policy or budget change engaged, not that engaging them brought the change about. The case "
                    "comparison weighs such conditions together.")


def _label(labels: Mapping[str, str], code: str) -> str:
    return labels.get(code, code)


def _how(how: str, labels: Mapping[str, str]) -> str:
    parts = [p for p in str(how).split(";") if p]
    return ", ".join(_label(labels, p) for p in parts)


def describe_ecosystem(engagement: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                       labels: Mapping[str, str] | None = None) -> str:
    """Per campaign, the accountability actors engaged most and the outcomes in which they changed (Markdown).

    Parameters
    ----------
    engagement
        :func:`sparklearn.analysis.ecosystem.actor_engagement`.
    campaigns
        Campaign id -> name.
    labels
        Code id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": ["a", "a"], "code_id": ["AE-LEGISLATURE", "AE-MEDIA"], "n_turns": [14, 0],
    ...                   "how": ["SC-ECOSYSTEM", ""], "n_outcomes": [2, 1], "n_policy_budget": [1, 0],
    ...                   "engaged": [True, True]})
    >>> print(describe_ecosystem(e, campaigns={"a": "Water"}, labels={"AE-LEGISLATURE": "Legislature",
    ...       "AE-MEDIA": "Media", "SC-ECOSYSTEM": "Leverage the ecosystem"}))  # doctest: +ELLIPSIS
    Water engaged 2 accountability actors. Its sessions spoke most of legislature (14 turns, mostly alongside
    leverage the ecosystem); ...
    """
    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    kept = engagement.loc[engagement["engaged"]]
    if kept.empty:
        return "No campaign's sessions or harvest show an accountability actor engaged."
    text = []
    for campaign, rows in kept.groupby("campaign_id", sort=False):
        name = campaigns.get(campaign, campaign)
        said = [f"{name} engaged {count_noun(len(rows), 'accountability actor')}."]
        top = rows.sort_values("n_turns", ascending=False, kind="stable").iloc[0]
        if int(top["n_turns"]):
            how = _how(top["how"], labels)
            said.append(f"Its sessions spoke most of {_label(labels, top['code_id']).lower()} "
                        f"({top['n_turns']} turns" + (f", mostly alongside {how.lower()})" if how else ")") + ";")
        changed = rows.loc[rows["n_outcomes"] > 0].sort_values("n_outcomes", ascending=False, kind="stable")
        if len(changed):
            listed = and_list([f"{_label(labels, c).lower()} ({n})" for c, n in zip(changed["code_id"],
                                                                                     changed["n_outcomes"])], limit=4)
            pb = [_label(labels, c).lower() for c in rows.loc[rows["n_policy_budget"] > 0, "code_id"]]
            said.append(f"the harvest has outcomes in which {listed} changed"
                        + (f"; policy or budget changes came from {and_list(pb)}." if pb
                           else "; none of them a policy or budget change."))
        else:
            said.append("no outcome in the harvest shows one of these actors changing.")
        text.append(" ".join(said))
    text.append("An actor counts as engaged with at least two turns of the campaign's sessions about it, or one "
                "outcome in which it changed.")
    return " ".join(text)


def plot_ecosystem(graph, *, campaigns: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                   ax=None, title: str = "Accountability actors each campaign engaged"):
    """The campaigns and the actors they engaged as a network: campaigns left, actors right, edges weighted.

    Parameters
    ----------
    graph
        :func:`sparklearn.analysis.ecosystem.ecosystem_graph`.
    campaigns
        Campaign id -> name.
    labels
        Code id -> label.
    ax
        Axes to draw on; default a new figure.
    title
        The caption.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_edge(("campaign", "a"), ("actor", "AE-SAI"), n_turns=3, n_outcomes=1, n_policy_budget=0, weight=4)
    >>> fig = plot_ecosystem(g, campaigns={"a": "Water"}, labels={"AE-SAI": "Audit"})
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['Audit', 'Water']
    """
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D

    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    left = sorted((n for n in graph.nodes if n[0] == "campaign"), key=lambda n: campaigns.get(n[1], n[1]))
    right = sorted((n for n in graph.nodes if n[0] == "actor"), key=lambda n: _label(labels, n[1]))
    height = max(len(left), len(right), 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.5 * height), layout="constrained")
    else:
        fig = ax.figure
    pos = {n: (0.0, 1 - (i + 0.5) / max(len(left), 1)) for i, n in enumerate(left)}
    pos |= {n: (1.0, 1 - (i + 0.5) / max(len(right), 1)) for i, n in enumerate(right)}
    edges = list(graph.edges(data=True))
    widths = [0.8 + 4 * np.sqrt(d["weight"] / max(e["weight"] for *_, e in edges)) for *_, d in edges] if edges else []
    colours = ["#009E73" if d.get("n_policy_budget", 0) else ("#0072B2" if d.get("n_outcomes", 0) else "#999999")
               for *_, d in edges]
    nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, edge_color=colours, alpha=0.8)
    nx.draw_networkx_nodes(graph, pos, nodelist=left, node_color="#E69F00", node_shape="s", node_size=120, ax=ax)
    nx.draw_networkx_nodes(graph, pos, nodelist=right, node_color="#56B4E9", node_size=120, ax=ax)
    for n in left:
        ax.text(pos[n][0] - 0.03, pos[n][1], wrap_label(campaigns.get(n[1], n[1]), 30), ha="right", va="center",
                fontsize=8)
    for n in right:
        ax.text(pos[n][0] + 0.03, pos[n][1], wrap_label(_label(labels, n[1]), 30), ha="left", va="center", fontsize=8)
    ax.set_xlim(-0.9, 1.9)
    ax.set_ylim(-0.05, 1.05)
    ax.axis("off")
    ax.legend(handles=[Line2D([], [], color="#009E73", lw=3, label="a policy or budget change in the harvest"),
                       Line2D([], [], color="#0072B2", lw=3, label="other outcomes in the harvest"),
                       Line2D([], [], color="#999999", lw=3, label="sessions only, no outcome")],
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8)
    listing = "; ".join(f"{campaigns.get(n[1], n[1])}: " + ", ".join(_label(labels, m[1]) for m in
                                                                     sorted(graph.neighbors(n)))
                        for n in left)
    describe_figure(fig, "Network of campaigns (left) and the accountability actors they engaged (right); a thicker "
                         "line means more turns and outcomes, green a policy or budget change. "
                         + (f"{listing}." if listing else "No actor engaged."), title)
    return fig


def ecosystem_for_readers(engagement: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                          labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The engagement table as readers read it: campaign, actor, how, and with what result.

    Parameters
    ----------
    engagement
        :func:`sparklearn.analysis.ecosystem.actor_engagement`.
    campaigns
        Campaign id -> name.
    labels
        Code id -> label.

    Returns
    -------
    pandas.DataFrame
        campaign, actor, turns in the sessions, how (themes on those turns), outcomes in which it
        changed, of which policy or budget; captioned.

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": ["a"], "code_id": ["AE-SAI"], "n_turns": [3], "how": ["SC-ECOSYSTEM"],
    ...                   "n_outcomes": [1], "n_policy_budget": [0], "engaged": [True]})
    >>> ecosystem_for_readers(e, campaigns={"a": "Water"}, labels={"AE-SAI": "Audit"}).iloc[0].astype(str).tolist()
    ['Water', 'Audit', '3', 'SC-ECOSYSTEM', '1', '0']
    """
    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    kept = engagement.loc[engagement["engaged"]]
    table = pd.DataFrame({
        "campaign": kept["campaign_id"].map(lambda c: campaigns.get(c, c)),
        "actor": kept["code_id"].map(lambda c: _label(labels, c)),
        "turns in the sessions": kept["n_turns"].astype(int),
        "how (themes on the same turns)": kept["how"].map(lambda h: _how(h, labels)),
        "outcomes in which it changed": kept["n_outcomes"].astype(int),
        "of which policy or budget change": kept["n_policy_budget"].astype(int),
    }).reset_index(drop=True)
    return with_caption(table, "Accountability actors each campaign engaged: how, and with what result")


def describe_actor_combinations(change_table: pd.DataFrame, combinations: pd.DataFrame, *,
                                labels: Mapping[str, str] | None = None) -> str:
    """Across campaigns, which engaged oversight actors go with a policy or budget change (Markdown, descriptive).

    Parameters
    ----------
    change_table
        :func:`sparklearn.analysis.ecosystem.actor_change_table`.
    combinations
        :func:`sparklearn.analysis.ecosystem.actor_combinations`.
    labels
        Code id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["AE-MEDIA"], "engaged": [12], "engaged_with_change": [10], "not_engaged": [2],
    ...                   "not_engaged_with_change": [1]})
    >>> c = pd.DataFrame({"combination": ["AE-MEDIA"], "n_campaigns": [12], "with_change": [10]})
    >>> print(describe_actor_combinations(t, c, labels={"AE-MEDIA": "Media"}))  # doctest: +ELLIPSIS
    Media: 10 of 12 campaigns that engaged it had a policy or budget change, against 1 of 2 that did not. ...
    """
    labels = dict(labels or {})
    if change_table.empty:
        return "No campaign to compare."
    lines = []
    for row in change_table.itertuples():
        if row.engaged == 0 or row.not_engaged == 0:
            who = "every campaign engaged it" if row.not_engaged == 0 else "no campaign engaged it"
            changed = row.engaged_with_change + row.not_engaged_with_change
            lines.append(f"{_label(labels, row.code_id)}: {who} ({changed} of {row.engaged + row.not_engaged} had a "
                         "policy or budget change), so it cannot tell campaigns apart.")
            continue
        lines.append(f"{_label(labels, row.code_id)}: {row.engaged_with_change} of {row.engaged} campaigns that "
                     f"engaged it had a policy or budget change, against {row.not_engaged_with_change} of "
                     f"{row.not_engaged} that did not.")
    shared = combinations.loc[combinations["n_campaigns"] > 1]
    top = shared.iloc[0] if len(shared) else None
    if top is not None:
        lines.append(f"{count_noun(len(shared), 'combination')} of engaged oversight actors "
                     f"{'is' if len(shared) == 1 else 'are'} shared by more than one campaign; the most common, "
                     f"{and_list([_label(labels, c) for c in str(top['combination']).split(';') if c]) or 'none'}"
                     f", by {top['n_campaigns']} campaigns, {top['with_change']} of them with a "
                     "policy or budget change.")
    else:
        lines.append("Every campaign engaged a combination of its own.")
    lines.append(CROSS_TAB_CAVEAT)
    return " ".join(lines)


def combinations_for_readers(combinations: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                             labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The combinations of engaged oversight actors as a reader's table.

    Parameters
    ----------
    combinations
        :func:`sparklearn.analysis.ecosystem.actor_combinations`.
    names
        Country slug -> name.
    labels
        Code id -> label.

    Returns
    -------
    pandas.DataFrame
        oversight actors engaged, campaigns, with a policy or budget change, countries; captioned.

    Examples
    --------
    >>> c = pd.DataFrame({"combination": ["AE-SAI;AE-MEDIA"], "n_campaigns": [2], "with_change": [1],
    ...                   "countries": ["ghana;kenya"]})
    >>> t = combinations_for_readers(c, names={"ghana": "Ghana", "kenya": "Kenya"}, labels={"AE-SAI": "Audit"})
    >>> t.iloc[0].astype(str).tolist()
    ['Audit, AE-MEDIA', '2', '1', 'Ghana, Kenya']
    """
    names, labels = dict(names or {}), dict(labels or {})
    table = pd.DataFrame({
        "oversight actors engaged": combinations["combination"].map(
            lambda c: ", ".join(_label(labels, p) for p in str(c).split(";") if p) or "none"),
        "campaigns": combinations["n_campaigns"].astype(int),
        "with a policy or budget change": combinations["with_change"].astype(int),
        "countries": combinations["countries"].map(lambda c: ", ".join(names.get(p, p) for p in str(c).split(";"))),
    })
    return with_caption(table, "Combinations of oversight actors engaged, and the campaigns with a policy or budget "
                               "change (a cross-tab, not a test)")
