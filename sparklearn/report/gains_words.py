"""Who gained and following the money, for readers: sentences, figures and tables.

Stage: report. Over the results of :mod:`sparklearn.analysis.gains` and
:mod:`sparklearn.analysis.money`:

- :func:`describe_gains` / :func:`describe_gains_compared`: which groups the outcomes
  benefit and what kind of change they are, one country or side by side; a country with
  fewer than :data:`~sparklearn.analysis.gains.MIN_N` outcomes naming a group is said
  to be "n too small to compare", never ranked;
- :func:`describe_who_speaks` / :func:`describe_who_speaks_compared`: who speaks in the
  reflection sessions, by role (turns and words);
- :func:`describe_money` / :func:`describe_money_compared`: where in the budget cycle
  the outcomes sit, and the amounts **per currency**. Amounts in different currencies
  are only added when the user gave exchange rates, and the sentence then says whose
  rates, for which year;
- :func:`plot_who_gained`, :func:`plot_budget_stages`: figures (``ax=``, ``labels=``),
  each describing itself (:func:`~sparklearn.report.figure_text.describe_figure`);
- :func:`gains_for_readers`, :func:`speakers_for_readers`, :func:`money_for_readers`:
  captioned tables in the readers' words.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sparklearn.analysis.gains import MIN_N
from sparklearn.analysis.money import ExchangeRates
from sparklearn.report.figure_text import describe_figure, wrap_labels
from sparklearn.report.tables import readable_number, with_caption
from sparklearn.wording import and_list, count_noun

#: Said wherever amounts of several currencies appear without rates.
NO_CROSS_CURRENCY = ("Amounts in different currencies are not added together: no exchange rates were given "
                     "(set the report's money_conversion parameter, with the rates' source and year, to convert them).")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _interval(low: float, high: float) -> str:
    return f"95% interval {low:.0%} to {high:.0%}"


def amount_words(amount: float, currency: str) -> str:
    """An amount as a sentence says it, with its currency code first: ``KES 288 million``.

    Parameters
    ----------
    amount
        The amount.
    currency
        Its ISO 4217 code.

    Returns
    -------
    str

    Examples
    --------
    >>> amount_words(288_020_000, "KES"), amount_words(1.6708e9, "NGN"), amount_words(52_000, "USD")
    ('KES 288 million', 'NGN 1.67 billion', 'USD 52,000')
    """
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(amount) >= size:
            return f"{currency} {amount / size:.3g} {word}"
    return f"{currency} {readable_number(amount)}"


def _label_of(table: pd.DataFrame, column: str, labels: Mapping[str, str] | None) -> pd.Series:
    own = table["label"] if "label" in table else table[column]
    return table[column].map(labels).fillna(own) if labels else own


def _lower(label: object) -> str:
    text = str(label)
    return text if text[:2].isupper() or text.startswith(("Dalit",)) else text[:1].lower() + text[1:]


# ------------------------------------------------------------------ who gained


def describe_gains(groups: pd.DataFrame, kinds: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> str:
    """One country's outcomes by the group that gained and the kind of change, findings first (Markdown).

    Parameters
    ----------
    groups, kinds
        :func:`sparklearn.analysis.gains.who_gained` and
        :func:`~sparklearn.analysis.gains.kinds_of_change` of one country.
    labels
        Id -> reader's label, instead of the codebook's.

    Returns
    -------
    str

    Examples
    --------
    >>> g = pd.DataFrame({"social_group": ["women", "farmers"], "label": ["Women and girls", "Small-scale farmers"],
    ...                   "n_outcomes": [3, 1], "n_recorded": [4, 4], "n_total": [6, 6], "share": [0.75, 0.25],
    ...                   "share_low": [0.3, 0.05], "share_high": [0.95, 0.7], "comparable": [False, False]})
    >>> k = g.iloc[:0].rename(columns={"social_group": "kind_of_change"})
    >>> print(describe_gains(g, k))  # doctest: +NORMALIZE_WHITESPACE
    Most often the outcomes benefit women and girls (3 of the 4 outcomes that name who gained), then small-scale
    farmers (1). 4 of the 6 outcomes name who gained. With 4 outcomes naming a group the shares are too uncertain
    to compare (n too small to compare: fewer than 10). No outcome records its kind of change yet.
    """
    parts = []
    if groups.empty or int(groups["n_recorded"].max()) == 0:
        parts.append("No outcome in the harvest says who gained yet (the optional 'Social group' column of the "
                     "harvest).")
    else:
        g = groups.assign(name=_label_of(groups, "social_group", labels)).sort_values(
            ["n_outcomes", "name"], ascending=[False, True], kind="stable")
        g = g.loc[g["n_outcomes"] > 0]
        n, total, ok = int(g["n_recorded"].iloc[0]), int(g["n_total"].iloc[0]), bool(g["comparable"].iloc[0])
        top = g.iloc[0]
        tied = g.loc[g["n_outcomes"] == top["n_outcomes"]]
        each = " each" if len(tied) > 1 else ""
        first = (f"Most often the outcomes benefit {and_list([_lower(x) for x in tied['name']])} "
                 f"({top['n_outcomes']}{each} of the {n} outcomes that name who gained")
        first += f", {_pct(top['share'])}, {_interval(top['share_low'], top['share_high'])})" if ok else ")"
        rest = [f"{_lower(r['name'])} ({r['n_outcomes']})" for _, r in g.iloc[len(tied):len(tied) + 3].iterrows()]
        parts.append(first + (", then " + and_list(rest) if rest else "") + ".")
        parts.append(f"{n} of the {total} outcomes name who gained" + (
            "; an outcome may benefit several groups, so the shares add up to more than 100%." if
            g["n_outcomes"].sum() > n else "."))
        if not ok:
            parts.append(f"With {count_noun(n, 'outcome')} naming a group the shares are too uncertain to compare "
                         f"(n too small to compare: fewer than {MIN_N}).")
    parts.append(_kinds_sentence(kinds, labels))
    return " ".join(parts)


def _kinds_sentence(kinds: pd.DataFrame, labels: Mapping[str, str] | None) -> str:
    if kinds.empty or int(kinds["n_recorded"].max()) == 0:
        return "No outcome records its kind of change yet."
    k = kinds.assign(name=_label_of(kinds, "kind_of_change", labels))
    k = k.loc[k["n_outcomes"] > 0].sort_values(["n_outcomes", "name"], ascending=[False, True], kind="stable")
    n = int(k["n_recorded"].iloc[0])
    listed = and_list([f"{_lower(r['name'])} {r['n_outcomes']}" for _, r in k.iterrows()])
    money = k.set_index("kind_of_change")["n_outcomes"]
    allocated, spent = int(money.get("budget-allocation", 0)), int(money.get("budget-execution", 0))
    tail = ""
    if allocated or spent:
        tail = (f" Money moved on paper in {count_noun(allocated, 'outcome') if allocated else 'no outcome'} (budget "
                f"allocation) and was released or spent in {spent or 'none'} (budget execution).")
    return f"By kind of change, of the {n} outcomes that record one: {listed}.{tail}"


def describe_gains_compared(groups: pd.DataFrame, kinds: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None) -> str:
    """Countries side by side: the group each country's outcomes benefit most, and the kinds of change (Markdown).

    Countries with fewer than :data:`MIN_N` outcomes naming a group are listed as "n too
    small to compare". The groups follow the campaigns' sectors, which the partners chose:
    the comparison describes the harvests, it tests nothing.

    Parameters
    ----------
    groups, kinds
        :func:`~sparklearn.analysis.gains.who_gained` and
        :func:`~sparklearn.analysis.gains.kinds_of_change` of several countries.
    names, labels
        Country slug -> name; id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> g = pd.DataFrame({"country": ["ghana", "kenya"], "social_group": ["farmers", "patients"],
    ...                   "label": ["Small-scale farmers", "Patients"], "n_outcomes": [12, 3], "n_recorded": [20, 5],
    ...                   "n_total": [30, 30], "share": [0.6, 0.6], "share_low": [0.39, 0.23],
    ...                   "share_high": [0.78, 0.88], "comparable": [True, False]})
    >>> print(describe_gains_compared(g, g.iloc[:0].rename(columns={"social_group": "kind_of_change"})))
    ... # doctest: +NORMALIZE_WHITESPACE
    Who gained follows each campaign's sector: in ghana most outcomes benefit small-scale farmers (12 of 20, 60%,
    95% interval 39% to 78%). n too small to compare (fewer than 10 outcomes naming a group): kenya (5). These are
    descriptions of what each team harvested, not a test of which groups SPARK reaches better.
    """
    names = names or {}
    if groups.empty or int(groups["n_recorded"].max()) == 0:
        return "No country's harvest says who gained yet (the optional 'Social group' column)."
    g = groups.assign(name=_label_of(groups, "social_group", labels))
    parts, small = [], []
    for country, rows in g.groupby("country", sort=False):
        rows = rows.sort_values(["n_outcomes", "name"], ascending=[False, True], kind="stable")
        top, n = rows.iloc[0], int(rows["n_recorded"].iloc[0])
        if n == 0:
            continue
        if not bool(top["comparable"]):
            small.append(f"{names.get(country, country)} ({n})")
            continue
        tied = rows.loc[rows["n_outcomes"] == top["n_outcomes"], "name"]
        parts.append(f"in {names.get(country, country)} most outcomes benefit {and_list([_lower(x) for x in tied])} "
                     f"({top['n_outcomes']}{' each' if len(tied) > 1 else ''} of {n}, {_pct(top['share'])}, "
                     f"{_interval(top['share_low'], top['share_high'])})")
    text = ("Who gained follows each campaign's sector: " + "; ".join(parts) + "." if parts else
            "No country has enough outcomes naming a group to compare.")
    if small:
        text += f" n too small to compare (fewer than {MIN_N} outcomes naming a group): {and_list(small)}."
    text += " These are descriptions of what each team harvested, not a test of which groups SPARK reaches better."
    if not kinds.empty and int(kinds["n_recorded"].max()) > 0:
        k = kinds.loc[kinds["comparable"] & (kinds["n_outcomes"] > 0)]
        budget = k.loc[k["kind_of_change"].isin(["budget-allocation", "budget-execution"])]
        if len(budget):
            by_country = budget.groupby("country", sort=False).agg(n=("n_outcomes", "sum"), of=("n_recorded", "first"))
            by_country = by_country.astype("int64")
            by_country = by_country.assign(share=by_country["n"] / by_country["of"]).sort_values("share", ascending=False)
            text += " Budget changes (allocation or execution) among the outcomes with a kind of change: " + and_list(
                [f"{names.get(r.Index, r.Index)} {r.n} of {r.of}" for r in by_country.itertuples()]) + "."
    return text


def plot_who_gained(groups: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                    labels: Mapping[str, str] | None = None, ax=None, title: str | None = None):
    """The share of outcomes benefiting each group: bars with 95% intervals (one country) or a grid (several).

    Parameters
    ----------
    groups
        :func:`~sparklearn.analysis.gains.who_gained`.
    names, labels
        Country slug -> name; group id -> label.
    ax
        Axes to draw on (a new figure when None).
    title
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sparklearn.report.figure_text import figure_description
    >>> g = pd.DataFrame({"country": ["kenya"] * 2, "social_group": ["women", "farmers"], "label": ["Women", "Farmers"],
    ...                   "n_outcomes": [3, 1], "n_recorded": [4, 4], "n_total": [4, 4], "share": [0.75, 0.25],
    ...                   "share_low": [0.3, 0.05], "share_high": [0.95, 0.7], "comparable": [False, False]})
    >>> figure_description(plot_who_gained(g))[0]
    "Share of the outcomes that name who gained, by group: the highest is 'Women' at 75%, the lowest 'Farmers' at 25% (4 outcomes, n too small to compare)."
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    from sparklearn.report.figure_text import extremes

    names = names or {}
    g = groups.loc[groups["n_recorded"] > 0].assign(name=lambda t: _label_of(t, "social_group", labels))
    countries = list(dict.fromkeys(g["country"]))
    if len(countries) <= 1:
        g = g.loc[g["n_outcomes"] > 0].sort_values("share", kind="stable")
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.45 * max(len(g), 2) + 1.2))
        y = np.arange(len(g))
        ax.barh(y, g["share"], color="#0072B2")
        err = np.vstack([g["share"] - g["share_low"], g["share_high"] - g["share"]])
        ax.errorbar(g["share"], y, xerr=err, fmt="none", ecolor="#333333", capsize=3, linewidth=1)
        ax.set_yticks(y, wrap_labels(g["name"]))
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.set_xlabel("Share of the outcomes that name who gained (95% interval)")
        n = int(g["n_recorded"].max()) if len(g) else 0
        caveat = "" if len(g) and bool(g["comparable"].iloc[0]) else ", n too small to compare"
        alt = (f"Share of the outcomes that name who gained, by group: "
               f"{extremes(list(g['name']), list(g['share']), share=True)} ({n} outcomes{caveat}).")
    else:
        grid = g.pivot_table(index="name", columns="country", values="share", sort=False)
        grid = grid.loc[grid.max(axis=1).sort_values(ascending=False).index, countries]
        small = [c for c in countries if not bool(g.loc[g["country"] == c, "comparable"].iloc[0])]
        if ax is None:
            _, ax = plt.subplots(figsize=(1.2 * len(countries) + 4, 0.4 * len(grid) + 1.8))
        image = ax.imshow(grid.to_numpy(dtype=float), cmap="YlGnBu", vmin=0, vmax=1, aspect="auto")
        from sparklearn.report.figure_text import annotate_cells

        annotate_cells(ax, image, grid.to_numpy(dtype=float), lambda v: f"{v:.0%}" if v > 0 else "–")
        ax.set_xticks(range(len(countries)), wrap_labels([names.get(c, c) + (" *" if c in small else "")
                                                          for c in countries], 14))
        ax.set_yticks(range(len(grid)), wrap_labels(grid.index))
        alt = ("Share of each country's outcomes that benefit each group (of the outcomes naming a group): " + "; ".join(
            f"{names.get(c, c)} most often {and_list(list(grid.index[grid[c] == grid[c].max()]))} at {grid[c].max():.0%}"
            for c in countries) + "." + (
            f" Marked * (n too small to compare, fewer than {MIN_N} outcomes): {and_list([names.get(c, c) for c in small])}."
            if small else ""))
    fig = ax.figure
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return describe_figure(fig, alt, title or "Who gained")


def gains_for_readers(groups: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                      labels: Mapping[str, str] | None = None, caption: str | None = None) -> pd.DataFrame:
    """Who gained as a reader's table: one row per group, a column per country ("3 of 20 (15%)").

    Parameters
    ----------
    groups
        :func:`~sparklearn.analysis.gains.who_gained` (or ``kinds_of_change``: the
        second column is taken as the category).
    names, labels
        Country slug -> name; id -> label.
    caption
        The table's caption.

    Returns
    -------
    pandas.DataFrame
        Captioned; a country below :data:`MIN_N` shows counts only, its header marked
        "(n too small to compare)".

    Examples
    --------
    >>> g = pd.DataFrame({"country": ["kenya"], "social_group": ["women"], "label": ["Women"], "n_outcomes": [3],
    ...                   "n_recorded": [12], "n_total": [20], "share": [0.25], "share_low": [0.09],
    ...                   "share_high": [0.53], "comparable": [True]})
    >>> gains_for_readers(g, names={"kenya": "Kenya"}).values.tolist()
    [['Women', '3 of 12 (25%)']]
    """
    names = names or {}
    column = groups.columns[1]
    g = groups.assign(name=_label_of(groups, column, labels))
    heads = {c: names.get(c, c) + ("" if bool(rows["comparable"].iloc[0]) else " (n too small to compare)")
             for c, rows in g.groupby("country", sort=False)}
    cell = [f"{k} of {n}" + (f" ({s:.0%})" if ok else "") for k, n, s, ok in
            zip(g["n_outcomes"], g["n_recorded"], g["share"], g["comparable"])]
    table = g.assign(cell=cell, country=g["country"].map(heads)).pivot_table(
        index="name", columns="country", values="cell", aggfunc="first", sort=False)
    table = table.reindex(columns=list(dict.fromkeys(g["country"].map(heads)))).reset_index()
    table.columns.name = None
    what = "Social group" if column == "social_group" else "Kind of change"
    table = table.rename(columns={"name": what})
    return with_caption(table, caption or f"Outcomes by {what.lower()}: outcomes of the group out of those that "
                                          "record one (share)")


# --------------------------------------------------------------- who speaks


def describe_who_speaks(speakers: pd.DataFrame) -> str:
    """Who speaks in one country's reflection sessions, by role (Markdown).

    Parameters
    ----------
    speakers
        :func:`sparklearn.analysis.gains.who_speaks` of one country.

    Returns
    -------
    str

    Examples
    --------
    >>> s = pd.DataFrame({"speaker_role": ["community monitor", "research lead"], "n_sessions": [5, 6],
    ...                   "n_turns": [20, 30], "n_words": [900, 300], "turn_share": [0.4, 0.6],
    ...                   "word_share": [0.75, 0.25], "words_per_turn": [45.0, 10.0]})
    >>> print(describe_who_speaks(s))  # doctest: +NORMALIZE_WHITESPACE
    Community monitors spoke most in the reflection sessions: 75% of the words (40% of the turns), then research
    leads (25% of the words). Research leads took 60% of the turns with 10 words a turn on average, against 45 for
    community monitors. Counted over 50 turns of 2 roles; a role's share depends on who was invited, so this
    describes the sessions, not how much each group matters.
    """
    if speakers.empty:
        return "No reflection-session turns to count yet."
    s = speakers.sort_values("n_words", ascending=False, kind="stable")
    top = s.iloc[0]
    first = (f"{_upper(_plural(top['speaker_role']))} spoke most in the reflection sessions: "
             f"{_pct(top['word_share'])} of the words ({_pct(top['turn_share'])} of the turns)")
    rest = [f"{_plural(r['speaker_role'])} ({_pct(r['word_share'])} of the words)" for _, r in s.iloc[1:3].iterrows()]
    text = first + (", then " + and_list(rest) if rest else "") + "."
    most_turns = s.sort_values("n_turns", ascending=False, kind="stable").iloc[0]
    if most_turns["speaker_role"] != top["speaker_role"]:
        text += (f" {_upper(_plural(most_turns['speaker_role']))} took {_pct(most_turns['turn_share'])} of the "
                 f"turns with {most_turns['words_per_turn']:.0f} words a turn on average, against "
                 f"{top['words_per_turn']:.0f} for {_plural(top['speaker_role'])}.")
    text += (f" Counted over {int(s['n_turns'].sum())} turns of {count_noun(len(s), 'role')}; a role's share depends "
             "on who was invited, so this describes the sessions, not how much each group matters.")
    return text


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(role: object) -> str:
    role = str(role)
    if role.endswith(("team", "staff", "recorded", "s")):
        return role
    if role.endswith("y") and role[-2:-1] not in tuple("aeiou"):
        return role[:-1] + "ies"
    if role.endswith(("ch", "sh", "x")):
        return role + "es"
    return role + "s"


def describe_who_speaks_compared(speakers: pd.DataFrame, *, names: Mapping[str, str] | None = None) -> str:
    """Who speaks most in each country's sessions (Markdown): the role with most words, and its share.

    Parameters
    ----------
    speakers
        :func:`~sparklearn.analysis.gains.who_speaks` of several countries.
    names
        Country slug -> name.

    Returns
    -------
    str

    Examples
    --------
    >>> s = pd.DataFrame({"country": ["ghana", "kenya"], "speaker_role": ["farmer leader", "research lead"],
    ...                   "n_sessions": [3, 4], "n_turns": [10, 12], "n_words": [500, 300], "turn_share": [0.3, 0.5],
    ...                   "word_share": [0.4, 0.35], "words_per_turn": [50.0, 25.0]})
    >>> describe_who_speaks_compared(s, names={"ghana": "Ghana", "kenya": "Kenya"})  # doctest: +ELLIPSIS
    'The role that spoke most: Ghana farmer leaders (40% of the words), Kenya research leads (35%). Roles are...'
    """
    names = names or {}
    if speakers.empty:
        return "No reflection-session turns to count yet."
    top = speakers.sort_values(["country", "n_words"], ascending=[True, False], kind="stable").groupby(
        "country", sort=False).head(1)
    listed = [f"{names.get(c, c)} {_plural(r)} ({_pct(w)}{' of the words' if i == 0 else ''})"
              for i, (c, r, w) in enumerate(zip(top["country"], top["speaker_role"], top["word_share"]))]
    return ("The role that spoke most: " + ", ".join(listed) + ". Roles are named by each team, so they are compared "
            "within a country, not across countries; shares depend on who was invited to the sessions.")


def speakers_for_readers(speakers: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                         caption: str | None = None) -> pd.DataFrame:
    """Who speaks as a reader's table: role, sessions, turns, words and their shares.

    Parameters
    ----------
    speakers
        :func:`~sparklearn.analysis.gains.who_speaks`.
    names
        Country slug -> name (a Country column when there are several).
    caption
        The table's caption.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> s = pd.DataFrame({"country": ["kenya"], "speaker_role": ["research lead"], "n_sessions": [4],
    ...                   "n_turns": [12], "n_words": [300], "turn_share": [1.0], "word_share": [1.0],
    ...                   "words_per_turn": [25.0]})
    >>> speakers_for_readers(s).values.tolist()
    [['research lead', 4, 12, '100%', 300, '100%', 25]]
    """
    names = names or {}
    table = pd.DataFrame({
        "Country": speakers["country"].map(lambda c: names.get(c, c)) if "country" in speakers else "",
        "Role": speakers["speaker_role"], "Sessions": speakers["n_sessions"], "Turns": speakers["n_turns"],
        "Share of turns": speakers["turn_share"].map(_pct), "Words": speakers["n_words"],
        "Share of words": speakers["word_share"].map(_pct),
        "Words a turn": speakers["words_per_turn"].round().astype("int64")})
    if "country" not in speakers or speakers["country"].nunique() <= 1:
        table = table.drop(columns="Country")
    return with_caption(table.reset_index(drop=True),
                        caption or "Who speaks in the reflection sessions, by role: turns and words")


# --------------------------------------------------------------- the money


def _stage_sentence(stages: pd.DataFrame, labels: Mapping[str, str] | None) -> str:
    s = stages.assign(name=_label_of(stages, "budget_stage", labels))
    placed = s.loc[s["budget_stage"].notna()]
    n_placed, n_all = int(placed["n_outcomes"].sum()), int(s["n_outcomes"].sum())
    if n_placed == 0:
        return "No outcome is placed in the budget cycle yet (the optional 'Budget stage' column)."
    order = placed.loc[placed["n_outcomes"] > 0].sort_values("n_outcomes", ascending=False, kind="stable")
    tied = order.loc[order["n_outcomes"] == order["n_outcomes"].iloc[0]]
    rest = order.iloc[len(tied):]
    return (f"{n_placed} of the {n_all} outcomes are placed in the budget cycle, most at "
            f"{and_list([_lower(x) for x in tied['name']])} ({order['n_outcomes'].iloc[0]}"
            f"{' each' if len(tied) > 1 else ''})" + (", then " + and_list(
                [f"{_lower(n)} ({k})" for n, k in zip(rest["name"], rest["n_outcomes"])]) if len(rest) else "")
            + (f"; {int(placed['n_with_amount'].sum())} of them say how much money."
               if placed["n_with_amount"].sum() else "; none of them says how much money."))


def _currency_list(money: pd.DataFrame) -> str:
    return and_list([f"{amount_words(t, c)} over {count_noun(int(n), 'outcome')}" + (
        f" (budget years {a} to {b})" if pd.notna(a) and a != b else f" ({a})" if pd.notna(a) else "")
        for c, t, n, a, b in zip(money["currency"], money["total"], money["n_outcomes"], money["first_year"],
                                 money["last_year"])])


def describe_money(stages: pd.DataFrame, money: pd.DataFrame, *, converted: pd.DataFrame | None = None,
                   rates: ExchangeRates | None = None, labels: Mapping[str, str] | None = None) -> str:
    """Following the money in one country: the budget stages of its outcomes and the amounts, per currency (Markdown).

    Amounts of different currencies are only added with ``rates`` (the user's), and the
    sentence then names their source and year.

    Parameters
    ----------
    stages
        :func:`sparklearn.analysis.money.budget_stages` of the country.
    money
        :func:`~sparklearn.analysis.money.money_by_currency` of the country.
    converted, rates
        :func:`~sparklearn.analysis.money.converted_totals` and the rates it used, or None.
    labels
        Stage id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> st = pd.DataFrame({"budget_stage": ["approval", pd.NA], "label": ["Approval", "stage not recorded"],
    ...                    "n_outcomes": [3, 5], "n_with_amount": [2, 0]})
    >>> m = pd.DataFrame({"currency": ["GHS", "USD"], "n_outcomes": [2, 1], "total": [3e6, 5e5],
    ...                   "first_year": ["2022", "2023"], "last_year": ["2023", "2023"]})
    >>> print(describe_money(st, m))  # doctest: +NORMALIZE_WHITESPACE
    3 of the 8 outcomes are placed in the budget cycle, most at approval (3); 2 of them say how much money.
    The amounts recorded are in 2 currencies, each summed on its own: GHS 3 million over 2 outcomes (budget years
    2022 to 2023) and USD 500,000 over 1 outcome (2023). Amounts in different currencies are not added together: no
    exchange rates were given (set the report's money_conversion parameter, with the rates' source and year, to
    convert them). Amounts are nominal, as the harvest gives them, in the budget year stated.
    """
    parts = [_stage_sentence(stages, labels)]
    if money.empty:
        parts.append("No outcome gives an amount yet (the optional 'Amount', 'Currency' and 'Amount year' columns).")
        return " ".join(parts)
    if money["currency"].nunique() == 1:
        parts.append(f"The amounts recorded add up to {_currency_list(money)}.")
    else:
        parts.append(f"The amounts recorded are in {money['currency'].nunique()} currencies, each summed on its own: "
                     f"{_currency_list(money)}.")
        if converted is not None and rates is not None and len(converted):
            parts.append(f"Together, {rates.describe()} (the rates given for this report): about "
                         f"{amount_words(float(converted['total'].sum()), rates.to)}.")
        else:
            parts.append(NO_CROSS_CURRENCY)
    parts.append("Amounts are nominal, as the harvest gives them, in the budget year stated.")
    return " ".join(parts)


def describe_money_compared(stages: pd.DataFrame, money: pd.DataFrame, *, converted: pd.DataFrame | None = None,
                            rates: ExchangeRates | None = None, names: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None) -> str:
    """Following the money across countries (Markdown): each country's totals in its own currencies, never added across.

    Parameters
    ----------
    stages, money
        :func:`~sparklearn.analysis.money.budget_stages` and
        :func:`~sparklearn.analysis.money.money_by_currency` of several countries.
    converted, rates
        :func:`~sparklearn.analysis.money.converted_totals` and the rates, or None.
    names, labels
        Country slug -> name; stage id -> label.

    Returns
    -------
    str

    Examples
    --------
    >>> st = pd.DataFrame({"country": ["ghana", "kenya"], "budget_stage": ["execution", "approval"],
    ...                    "label": ["Execution", "Approval"], "n_outcomes": [4, 3], "n_with_amount": [2, 1]})
    >>> m = pd.DataFrame({"country": ["ghana", "kenya"], "currency": ["GHS", "KES"], "n_outcomes": [2, 1],
    ...                   "total": [3e6, 5e7], "first_year": ["2022", "2023/24"], "last_year": ["2023", "2023/24"]})
    >>> print(describe_money_compared(st, m, names={"ghana": "Ghana", "kenya": "Kenya"}))
    ... # doctest: +NORMALIZE_WHITESPACE
    Where in the budget cycle: Ghana most at execution (4 of 4 outcomes placed) and Kenya most at approval (3 of 3).
    Amounts recorded, per country and currency: Ghana GHS 3 million (2 outcomes); Kenya KES 50 million (1 outcome).
    Each country's amounts stay in their own currency: without exchange rates they are not added up or compared in
    size across countries (set the report's money_conversion parameter, with the rates' source and year, to
    convert them).
    """
    names = names or {}
    s = stages.assign(name=_label_of(stages, "budget_stage", labels))
    placed = s.loc[s["budget_stage"].notna()]
    parts = []
    tops = []
    for country, rows in placed.groupby("country", sort=False):
        total = int(rows["n_outcomes"].sum())
        if total:
            top = rows.sort_values("n_outcomes", ascending=False, kind="stable").iloc[0]
            tops.append(f"{names.get(country, country)} most at {_lower(top['name'])} ({top['n_outcomes']} of {total}"
                        + (" outcomes placed)" if not tops else ")"))
    parts.append("Where in the budget cycle: " + and_list(tops) + "." if tops else
                 "No outcome is placed in the budget cycle yet.")
    if money.empty:
        parts.append("No outcome gives an amount yet.")
        return " ".join(parts)
    listed = [f"{names.get(c, c)} " + and_list([f"{amount_words(t, cur)} ({count_noun(int(n), 'outcome')})" for cur, t, n in
                                             zip(rows["currency"], rows["total"], rows["n_outcomes"])])
              for c, rows in money.groupby("country", sort=False)]
    parts.append("Amounts recorded, per country and currency: " + "; ".join(listed) + ".")
    if converted is not None and rates is not None and len(converted):
        parts.append(f"For comparison, {rates.describe()} (the rates given for this report): " + and_list(
            [f"{names.get(c, c)} about {amount_words(t, rates.to)}" for c, t in
             zip(converted["country"], converted["total"])]) + ". The conversion is only as good as those rates; "
            "the amounts in their own currencies are in the table.")
    else:
        parts.append("Each country's amounts stay in their own currency: without exchange rates they are not added up "
                     "or compared in size across countries (set the report's money_conversion parameter, with the "
                     "rates' source and year, to convert them).")
    return " ".join(parts)


def plot_budget_stages(stages: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                       labels: Mapping[str, str] | None = None, ax=None, title: str | None = None):
    """Outcomes at each stage of the budget cycle, per country: horizontal stacked bars (counts).

    Parameters
    ----------
    stages
        :func:`~sparklearn.analysis.money.budget_stages` (one country or several).
    names, labels
        Country slug -> name; stage id -> label.
    ax
        Axes to draw on (a new figure when None).
    title
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sparklearn.report.figure_text import figure_description
    >>> st = pd.DataFrame({"country": ["kenya"] * 2, "budget_stage": ["approval", "execution"],
    ...                    "label": ["Approval", "Execution"], "n_outcomes": [3, 1], "n_with_amount": [1, 0]})
    >>> figure_description(plot_budget_stages(st, names={"kenya": "Kenya"}))[0]
    'Outcomes at each stage of the budget cycle. Kenya: approval 3, execution 1.'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    names = names or {}
    s = stages.loc[stages["budget_stage"].notna()].assign(name=lambda t: _label_of(t, "budget_stage", labels))
    grid = s.pivot_table(index="country", columns="name", values="n_outcomes", aggfunc="sum", sort=False).fillna(0)
    grid = grid.reindex(columns=list(dict.fromkeys(s["name"])))
    countries = list(grid.index)[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * max(len(countries), 2) + 1.5))
    colours = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00"]
    left = np.zeros(len(countries))
    for i, stage in enumerate(grid.columns):
        values = grid.loc[countries, stage].to_numpy(dtype=float)
        ax.barh(range(len(countries)), values, left=left, color=colours[i % len(colours)], label=stage)
        left += values
    ax.set_yticks(range(len(countries)), [names.get(c, c) for c in countries])
    ax.set_xlabel("Outcomes")
    ax.legend(title="Budget stage", loc="lower right", fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    fig = ax.figure
    fig.tight_layout()
    alt = "Outcomes at each stage of the budget cycle. " + " ".join(
        f"{names.get(c, c)}: " + ", ".join(f"{_lower(st)} {int(v)}" for st, v in grid.loc[c].items() if v) + "."
        for c in grid.index)
    return describe_figure(fig, alt, title or "Outcomes by stage of the budget cycle")


def money_for_readers(money: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                      labels: Mapping[str, str] | None = None, caption: str | None = None) -> pd.DataFrame:
    """The amounts as a reader's table: one row per country and currency (and stage, if split by it); no cross-currency total.

    Parameters
    ----------
    money
        :func:`~sparklearn.analysis.money.money_by_currency`.
    names, labels
        Country slug -> name; stage or campaign id -> label.
    caption
        The table's caption.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> m = pd.DataFrame({"country": ["kenya"], "currency": ["KES"], "n_outcomes": [2], "total": [5.2e7],
    ...                   "median": [2.6e7], "largest": [3e7], "first_year": ["2022/23"], "last_year": ["2023/24"]})
    >>> money_for_readers(m, names={"kenya": "Kenya"}).values.tolist()
    [['Kenya', 'KES', 2, '52,000,000', '26,000,000', '30,000,000', '2022/23 to 2023/24']]
    """
    names = names or {}
    labels = labels or {}
    extra = [c for c in money.columns if c not in ("country", "currency", "n_outcomes", "total", "median", "largest",
                                                    "first_year", "last_year")]
    table = pd.DataFrame({"Country": money["country"].map(lambda c: names.get(c, c))})
    for column in extra:
        table[column.replace("_", " ")] = money[column].map(lambda v: labels.get(v, v)).fillna("not recorded")
    table = table.assign(**{
        "Currency": money["currency"], "Outcomes with an amount": money["n_outcomes"],
        "Total (this currency only)": money["total"].map(readable_number),
        "Median": money["median"].map(readable_number), "Largest": money["largest"].map(readable_number),
        "Budget years": [a if a == b else f"{a} to {b}" for a, b in zip(money["first_year"].fillna(""),
                                                                        money["last_year"].fillna(""))]})
    return with_caption(table.reset_index(drop=True), caption or
                        "Amounts recorded in the harvest, per currency (never added across currencies)")
