"""SPARK's learning questions on barriers and power, for readers: sentences, figures and tables.

Stage: report. Over the results of :mod:`sparklearn.analysis.barriers` and
:mod:`sparklearn.analysis.power` (the accountability ecosystem is in
:mod:`sparklearn.report.ecosystem`):

- :func:`describe_barriers`, :func:`plot_barriers_by_round`, :func:`barriers_for_readers`:
  which barriers came up, which persist, which a decision addressed and what followed;
- :func:`describe_barriers_compared`: the countries (or sectors) side by side;
- :func:`describe_power`, :func:`plot_spaces_by_round`, :func:`power_for_readers`: spaces,
  levels and forms of power per campaign, and the moves from closed to claimed spaces.

Findings first, in the codebook's labels and the registry's names (no ids). These are
descriptions of what the reflection sessions dwelt on and what the harvest holds: no
sentence here claims that a decision or a move brought an outcome about, and each says
how few the numbers are.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sparklearn.report.figure_text import annotate_cells, describe_figure, wrap_labels
from sparklearn.report.tables import with_caption
from sparklearn.wording import and_list, count_noun

#: Said beside any "what followed" sentence.
SEQUENCE_CAVEAT = ("This says what came after, not what caused it: talk of a barrier also fades when a team turns "
                   "to other matters, and the numbers are small.")

#: Colours of the three spaces (Okabe-Ito, colour-blind safe).
SPACE_COLOURS = {"PW-SPACE-CLOSED": "#D55E00", "PW-SPACE-INVITED": "#56B4E9", "PW-SPACE-CLAIMED": "#009E73"}


def _label(labels: Mapping[str, str], code: str) -> str:
    return labels.get(code, code)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def describe_barriers(persistence: pd.DataFrame, responses: pd.DataFrame, *,
                      labels: Mapping[str, str] | None = None) -> str:
    """One country's barriers in a few sentences (Markdown): the main ones, which persist, which a decision addressed.

    Parameters
    ----------
    persistence
        :func:`sparklearn.analysis.barriers.barrier_persistence` by country (one country).
    responses
        :func:`sparklearn.analysis.barriers.barrier_responses` (one country).
    labels
        Code id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> p = pd.DataFrame({"code_id": ["BR-REPRESSION", "BR-FUNDING"], "rounds_held": 5, "rounds_present": [5, 1],
    ...                   "n_turns": [48, 2], "share": [0.24, 0.01], "persists": [True, False]})
    >>> r = pd.DataFrame({"code_id": ["BR-REPRESSION"], "addressed": [True], "n_decisions": [13], "decision_round": [1],
    ...                   "share_then": [0.30], "share_after": [0.24], "rounds_after": [4], "fell": [True],
    ...                   "n_outcomes": [3], "n_policy_budget": [0]})
    >>> print(describe_barriers(p, r, labels={"BR-REPRESSION": "Repression", "BR-FUNDING": "Funding gaps"}))
    ... # doctest: +ELLIPSIS
    The barrier the sessions dwelt on most was repression (48 turns, 24% of all turns), ...
    """
    labels = dict(labels or {})
    came = persistence.loc[persistence["n_turns"] > 0].sort_values("n_turns", ascending=False)
    if came.empty:
        return "No turn of the reflection sessions was coded with a barrier to engagement."
    top = came.iloc[0]
    text = [(f"The barrier the sessions dwelt on most was {_lower(_label(labels, top['code_id']))} "
             f"({top['n_turns']} turns, {top['share']:.0%} of all turns), in {top['rounds_present']} of "
             f"{top['rounds_held']} rounds.")]
    others = [f"{_lower(_label(labels, c))} ({n})" for c, n in zip(came["code_id"].iloc[1:4],
                                                                   came["n_turns"].iloc[1:4])]
    if others:
        text.append(f"Next came {and_list(others)} turns.")
    persist = came.loc[came["persists"], "code_id"].tolist()
    text.append(f"Still raised in the last round after coming up in earlier ones: "
                f"{and_list([_lower(_label(labels, c)) for c in persist])}." if persist
                else "No barrier came up in two or more rounds and was still raised in the last round.")
    met = responses.loc[responses["addressed"]]
    if met.empty:
        text.append("No decision in the register says it addresses a barrier.")
        return " ".join(text)
    n_met = int(met["n_decisions"].sum())
    text.append(f"{count_noun(n_met, 'decision')} in the register {'addresses' if n_met == 1 else 'address'} "
                f"{count_noun(len(met), 'barrier')}.")
    told = met.dropna(subset=["share_after"])
    fell = told.loc[told["fell"].astype(bool)]
    if len(told):
        text.append(f"Of the {count_noun(len(told), 'addressed barrier')} with later rounds to look at, "
                    f"{len(fell)} took up a smaller share of the turns afterwards"
                    + (f" ({and_list([_lower(_label(labels, c)) for c in fell['code_id']])})" if len(fell) else "")
                    + ".")
    unmet = responses.loc[~responses["addressed"]].dropna(subset=["share_after"])
    if len(unmet):
        text.append(f"For comparison, of the {count_noun(len(unmet), 'barrier')} no decision addressed, "
                    f"{int(unmet['fell'].astype(bool).sum())} also took up a smaller share after the round "
                    f"{'it' if len(unmet) == 1 else 'they'} first came up in.")
    linked = int(met["n_outcomes"].sum())
    if linked:
        pb = int(met["n_policy_budget"].sum())
        text.append(f"The team linked {count_noun(linked, 'outcome')} to the decisions that addressed barriers"
                    + (f", {pb} of them a policy or budget change." if pb else ", none of them a policy or budget "
                       "change."))
    text.append(SEQUENCE_CAVEAT)
    return " ".join(text)


def describe_barriers_compared(persistence: pd.DataFrame, *, by: str = "country",
                               names: Mapping[str, str] | None = None,
                               labels: Mapping[str, str] | None = None) -> str:
    """The barriers each country (or sector) dwelt on most and the ones that persist, side by side (Markdown).

    Parameters
    ----------
    persistence
        :func:`sparklearn.analysis.barriers.barrier_persistence` by country or sector.
    by
        ``"country"`` or ``"sector"``.
    names
        Country slug (or sector id) -> name.
    labels
        Code id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> p = pd.DataFrame({"country": ["kenya", "indonesia"], "code_id": ["BR-INFORMATION", "BR-REPRESSION"],
    ...                   "n_turns": [8, 48], "share": [0.06, 0.24], "persists": [False, True]})
    >>> print(describe_barriers_compared(p, names={"kenya": "Kenya", "indonesia": "Indonesia"},
    ...       labels={"BR-INFORMATION": "Lack of information", "BR-REPRESSION": "Repression"}))
    The barrier each country's sessions dwelt on most: Indonesia, repression (24% of turns, persists);
    Kenya, lack of information (6% of turns). These are shares of what was said in each team's sessions,
    described, not ranked by a test.
    """
    names, labels = dict(names or {}), dict(labels or {})
    came = persistence.loc[persistence["n_turns"] > 0]
    if came.empty:
        return "No turn of the reflection sessions was coded with a barrier to engagement."
    top = came.sort_values("n_turns", ascending=False).drop_duplicates(by).sort_values(by)
    parts = [f"{names.get(g, g)}, {_lower(_label(labels, c))} ({s:.0%} of turns" + (", persists)" if p else ")")
             for g, c, s, p in zip(top[by], top["code_id"], top["share"], top["persists"])]
    what = "country's" if by == "country" else "sector's"
    return (f"The barrier each {what} sessions dwelt on most: {'; '.join(parts)}. These are shares of "
            "what was said in each team's sessions, described, not ranked by a test.")


def barriers_compared_for_readers(persistence: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                                  labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Barriers down, countries across: each barrier's share of the country's turns, marked when it persists.

    Parameters
    ----------
    persistence
        :func:`sparklearn.analysis.barriers.barrier_persistence` by country.
    names
        Country slug -> name.
    labels
        Code id -> label.

    Returns
    -------
    pandas.DataFrame
        barrier, then one column per country ("24% (persists)"); captioned.

    Examples
    --------
    >>> p = pd.DataFrame({"country": ["kenya", "ghana"], "code_id": "BR-FUNDING", "share": [0.05, 0.1],
    ...                   "persists": [False, True]})
    >>> barriers_compared_for_readers(p, names={"kenya": "Kenya", "ghana": "Ghana"}).iloc[0].tolist()
    ['BR-FUNDING', '10% (persists)', '5%']
    """
    names, labels = dict(names or {}), dict(labels or {})
    cells = persistence.assign(country=persistence["country"].map(lambda c: names.get(c, c)),
                               barrier=persistence["code_id"].map(lambda c: _label(labels, c)),
                               cell=[f"{s:.0%}" + (" (persists)" if p else "") for s, p in
                                     zip(persistence["share"], persistence["persists"])])
    order = list(dict.fromkeys(cells["barrier"]))
    table = cells.pivot(index="barrier", columns="country", values="cell").reindex(order).fillna("")
    return with_caption(table.reset_index().rename_axis(columns=None),
                        "Each barrier's share of each country's turns (all rounds), and whether it persists")


def plot_barriers_by_round(by_round: pd.DataFrame, *, labels: Mapping[str, str] | None = None, ax=None,
                           title: str = "Barriers round by round"):
    """Heat map: each barrier's share of the round's turns, round by round.

    Parameters
    ----------
    by_round
        :func:`sparklearn.analysis.barriers.barriers_by_round` for one group (country).
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
    >>> t = pd.DataFrame({"round": [1, 2], "code_id": "BR-FUNDING", "n_turns": [2, 0], "turns_in_round": 10,
    ...                   "share": [0.2, 0.0]})
    >>> fig = plot_barriers_by_round(t, labels={"BR-FUNDING": "Funding gaps"})
    >>> fig.axes[0].get_yticklabels()[0].get_text()
    'Funding gaps'
    """
    import matplotlib.pyplot as plt

    labels = dict(labels or {})
    codes = list(dict.fromkeys(by_round["code_id"]))
    grid = by_round.pivot_table(index="code_id", columns="round", values="share", aggfunc="sum").reindex(codes)
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.6 + 0.9 * max(grid.shape[1], 1) + 2.2, 0.8 + 0.45 * max(len(codes), 1)),
                               layout="constrained")
    else:
        fig = ax.figure
    data = grid.to_numpy(dtype=float)
    image = ax.imshow(data, cmap="YlOrRd", vmin=0, vmax=max(float(np.nanmax(data)) if data.size else 0, 0.05),
                      aspect="auto")
    annotate_cells(ax, image, data, lambda v: f"{v:.0%}")
    ax.set_xticks(range(grid.shape[1]), [f"round {r}" for r in grid.columns])
    ax.set_yticks(range(len(codes)), wrap_labels([_label(labels, c) for c in codes], 30))
    ax.set_xlabel("share of the round's turns")
    fig.colorbar(image, ax=ax, format=lambda v, _: f"{v:.0%}", shrink=0.8)
    totals = by_round.groupby("code_id")["n_turns"].sum().reindex(codes)
    listing = "; ".join(f"{_label(labels, c)}: {count_noun(int(n), 'turn')}" for c, n in totals.items())
    describe_figure(fig, f"Heat map of each barrier's share of each round's turns. Turns over all rounds: {listing}.",
                    title)
    return fig


def barriers_for_readers(persistence: pd.DataFrame, responses: pd.DataFrame, *,
                         labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One country's barriers as a reader's table: when they came up, whether they persist, what followed.

    Parameters
    ----------
    persistence, responses
        As for :func:`describe_barriers`.
    labels
        Code id -> label.

    Returns
    -------
    pandas.DataFrame
        barrier, turns, share of all turns, rounds (present of held), first and last round, persists,
        decisions addressing it, share in the decision's round, average share in later rounds,
        outcomes linked; captioned.

    Examples
    --------
    >>> p = pd.DataFrame({"country": "kenya", "code_id": ["BR-FUNDING"], "rounds_held": [3], "rounds_present": [1],
    ...                   "first_round": [1], "last_round": [1], "n_turns": [6], "share": [0.05], "persists": [False]})
    >>> r = pd.DataFrame({"country": "kenya", "code_id": ["BR-FUNDING"], "n_decisions": [0], "share_then": [0.13],
    ...                   "share_after": [0.0], "n_outcomes": [0], "addressed": [False]})
    >>> barriers_for_readers(p, r, labels={"BR-FUNDING": "Funding gaps"}).iloc[0].astype(str).tolist()[:5]
    ['Funding gaps', '6', '5%', '1 of 3', '1 to 1']
    """
    labels = dict(labels or {})
    table = persistence.merge(responses[["code_id", "n_decisions", "share_then", "share_after", "n_outcomes",
                                         "addressed"]], on="code_id", how="left")
    table = table.loc[(table["n_turns"] > 0) | table["addressed"].fillna(False).astype(bool)]

    def pct(v) -> str:
        return "" if pd.isna(v) else f"{v:.0%}"

    addressed = table["addressed"].fillna(False).astype(bool)
    out = pd.DataFrame({
        "barrier": table["code_id"].map(lambda c: _label(labels, c)),
        "turns": table["n_turns"].astype(int),
        "share of all turns": table["share"].map(pct),
        "rounds it came up in": [f"{p} of {h}" for p, h in zip(table["rounds_present"], table["rounds_held"])],
        "first to last round": [f"{f} to {ll}" if pd.notna(f) else "" for f, ll in zip(table["first_round"],
                                                                                        table["last_round"])],
        "still raised (persists)": table["persists"].map({True: "yes", False: "no"}),
        "decisions addressing it": table["n_decisions"].fillna(0).astype(int),
        "share in the decision's round": table["share_then"].where(addressed).map(pct),
        "average share in later rounds": table["share_after"].where(addressed).map(pct),
        "outcomes linked to those decisions": table["n_outcomes"].fillna(0).astype(int),
    }).reset_index(drop=True)
    return with_caption(out, "Barriers to engagement: when they came up, whether they persist, and what followed "
                             "the decisions that addressed them")


# --------------------------------------------------------------------------- power


def describe_power(profile: pd.DataFrame, moves: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                   labels: Mapping[str, str] | None = None) -> str:
    """Spaces, levels and forms of power per campaign, and the moves from closed to claimed spaces (Markdown).

    Parameters
    ----------
    profile
        :func:`sparklearn.analysis.power.power_profile` by campaign.
    moves
        :func:`sparklearn.analysis.power.space_moves`.
    campaigns
        Campaign id -> name.
    labels
        Code id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> prof = pd.DataFrame({"campaign_id": "a", "dimension": ["space", "space", "level"],
    ...                      "code_id": ["PW-SPACE-CLOSED", "PW-SPACE-INVITED", "PW-LEVEL-LOCAL"],
    ...                      "n_turns": [1, 4, 2], "dimension_turns": [5, 5, 2], "share": [0.2, 0.8, 1.0]})
    >>> mv = pd.DataFrame({"campaign_id": ["a"], "space_turns": [5], "moved": [False]})
    >>> print(describe_power(prof, mv, campaigns={"a": "Water"}, labels={"PW-SPACE-INVITED": "Invited spaces",
    ...       "PW-LEVEL-LOCAL": "Local level"}))  # doctest: +ELLIPSIS
    Water: mostly invited spaces (4 of 5 turns about spaces) and the local level (2 of 2 turns about levels). ...
    """
    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    if profile.empty or int(profile["n_turns"].sum()) == 0:
        return "No turn of the reflection sessions was coded with the power cube's spaces, levels or forms."
    text = []
    nouns = {"space": "spaces", "level": "levels", "form": "forms"}
    for campaign, rows in profile.groupby("campaign_id", sort=False):
        parts = []
        for dimension, dim_rows in rows.groupby("dimension", sort=False):
            top = dim_rows.sort_values("n_turns", ascending=False, kind="stable").iloc[0]
            if int(top["n_turns"]) == 0:
                continue
            label = _lower(_label(labels, top["code_id"]))
            label = label if dimension != "level" else f"the {label}"
            parts.append(f"{label} ({top['n_turns']} of {top['dimension_turns']} turns about "
                         f"{nouns.get(dimension, dimension)})")
        if parts:
            text.append(f"{campaigns.get(campaign, campaign)}: mostly {and_list(parts)}.")
    text.append(describe_space_moves(moves, campaigns=campaigns))
    return " ".join(text)


#: The rule for a move from closed to claimed spaces, in the readers' words.
MOVE_RULE = ("a round where closed spaces outnumbered claimed ones among the turns about spaces, followed by a later "
             "round where claimed spaces outnumbered closed ones")


def describe_space_moves(moves: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None) -> str:
    """The campaigns that moved from closed to claimed spaces, the rule, and the outcomes harvested after (Markdown).

    Parameters
    ----------
    moves
        :func:`sparklearn.analysis.power.space_moves` (one country or several).
    campaigns
        Campaign id -> name.

    Returns
    -------
    str

    Examples
    --------
    >>> mv = pd.DataFrame({"campaign_id": ["a", "b"], "space_turns": [9, 2], "moved": [True, False],
    ...                    "move_round": [3, None], "outcomes_after": [2, None], "policy_budget_after": [1, None]})
    >>> print(describe_space_moves(mv, campaigns={"a": "Water", "b": "Health"}))  # doctest: +ELLIPSIS
    1 of 2 campaigns moved from closed to claimed spaces (a round where ...): Water (in round 3; 2 outcomes harvested
    after it, 1 of them a policy or budget change). Fewer than five turns were about spaces for Health: too few to
    read a move in. Outcomes after a move came after it; they are not shown to come from it.
    """
    campaigns = dict(campaigns or {})
    moved = moves.loc[moves["moved"].astype(bool)]
    if moved.empty:
        text = [f"No campaign moved from closed to claimed spaces by the rule used here ({MOVE_RULE})."]
    else:
        said = [f"{campaigns.get(row.campaign_id, row.campaign_id)} (in round {int(row.move_round)}; "
                f"{count_noun(int(row.outcomes_after), 'outcome')} harvested after it, "
                f"{int(row.policy_budget_after)} of them a policy or budget change)" for row in moved.itertuples()]
        text = [(f"{len(moved)} of {count_noun(len(moves), 'campaign')} moved from closed to claimed spaces "
                f"({MOVE_RULE}): {and_list(said, limit=len(said))}.")]
    few = moves.loc[moves["space_turns"] < 5, "campaign_id"]
    if len(few):
        text.append(f"Fewer than five turns were about spaces for "
                    f"{and_list([campaigns.get(c, c) for c in few], limit=len(few))}: too few to read a move in.")
    text.append("Outcomes after a move came after it; they are not shown to come from it.")
    return " ".join(text)


def plot_spaces_by_round(space_rounds: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                         labels: Mapping[str, str] | None = None, ax=None,
                         title: str = "Spaces of power round by round"):
    """Stacked bars: per campaign and round, the turns about closed, invited and claimed spaces.

    Parameters
    ----------
    space_rounds
        :func:`sparklearn.analysis.power.power_by_round` by campaign (its ``space`` rows are drawn).
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
    >>> r = pd.DataFrame({"campaign_id": "a", "round": [1, 1, 1], "dimension": "space",
    ...                   "code_id": ["PW-SPACE-CLOSED", "PW-SPACE-INVITED", "PW-SPACE-CLAIMED"], "n_turns": [2, 0, 1]})
    >>> fig = plot_spaces_by_round(r, campaigns={"a": "Water"}, labels={"PW-SPACE-CLOSED": "Closed spaces"})
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'Closed spaces'
    """
    import matplotlib.pyplot as plt

    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    space = space_rounds.loc[space_rounds["dimension"] == "space"]
    wide = space.pivot_table(index=["campaign_id", "round"], columns="code_id", values="n_turns", aggfunc="sum",
                             fill_value=0).reindex(columns=list(SPACE_COLOURS), fill_value=0)
    rows = [f"{campaigns.get(c, c)}, round {r}" for c, r in wide.index]
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * max(len(rows), 1)), layout="constrained")
    else:
        fig = ax.figure
    left = np.zeros(len(wide))
    positions = np.arange(len(wide))[::-1]
    for code, colour in SPACE_COLOURS.items():
        ax.barh(positions, wide[code].to_numpy(), left=left, color=colour, label=_label(labels, code))
        left = left + wide[code].to_numpy()
    ax.set_yticks(positions, rows, fontsize=8)
    ax.set_xlabel("turns about each space")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    totals = wide.groupby(level=0).sum()
    listing = "; ".join(f"{campaigns.get(c, c)}: " + ", ".join(f"{int(totals.at[c, k])} {_lower(_label(labels, k))}"
                                                            for k in SPACE_COLOURS) for c in totals.index)
    describe_figure(fig, f"Stacked bars of the turns about closed, invited and claimed spaces, per campaign and round. "
                         f"All rounds: {listing}." if listing else "No turn about spaces of power.", title)
    return fig


def power_for_readers(profile: pd.DataFrame, *, campaigns: Mapping[str, str] | None = None,
                      labels: Mapping[str, str] | None = None, by: str = "campaign_id") -> pd.DataFrame:
    """Spaces, levels and forms of power per campaign as a reader's table: turns and share within each dimension.

    Parameters
    ----------
    profile
        :func:`sparklearn.analysis.power.power_profile` by campaign (or by country).
    campaigns
        Campaign id (or country slug) -> name.
    labels
        Code id -> label.
    by
        ``"campaign_id"`` or ``"country"``: the profile's grouping.

    Returns
    -------
    pandas.DataFrame
        campaign (or country), then one column per code ("Closed spaces" ...) holding
        "turns (share)"; captioned.

    Examples
    --------
    >>> prof = pd.DataFrame({"campaign_id": "a", "code_id": ["PW-SPACE-CLOSED"], "n_turns": [2], "share": [0.5]})
    >>> power_for_readers(prof, campaigns={"a": "Water"}, labels={"PW-SPACE-CLOSED": "Closed"}).iloc[0].tolist()
    ['Water', '2 (50%)']
    """
    campaigns, labels = dict(campaigns or {}), dict(labels or {})
    cells = profile.assign(cell=[f"{n} ({s:.0%})" if pd.notna(s) else f"{n}" for n, s in
                                 zip(profile["n_turns"], profile["share"])])
    codes = list(dict.fromkeys(profile["code_id"]))
    wide = cells.pivot(index=by, columns="code_id", values="cell").reindex(columns=codes)
    wide.columns = [_label(labels, c) for c in wide.columns]
    heading = "country" if by == "country" else "campaign"
    wide = wide.reset_index().rename(columns={by: heading})
    wide[heading] = wide[heading].map(lambda c: campaigns.get(c, c))
    return with_caption(wide, f"Spaces, levels and forms of power per {heading}: turns, and their share of the turns "
                              "about that dimension")
