"""(from plots.py)
Figures, with one consistent look and one country palette.

Every function takes the tidy table a computing function returned (plus column
names where useful) and returns a matplotlib ``Figure``; none computes statistics
or reads files. Countries are always drawn in their ``colour`` from
``countries.yaml`` (:meth:`sparklearn.countries.Registry.colours`), so Kenya is
the same green in every report. Titles and labels are in plain words; no figure
ever shows a participant's name (speakers are pseudonyms by the time a table
reaches here).

Sections: shared helpers; reflection themes and coding; coder agreement; outcome
harvests; cross-country comparison.
"""

from __future__ import annotations

import textwrap  # noqa: E402
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402
import pandas as pd
from matplotlib.ticker import FixedLocator, NullFormatter  # noqa: E402
from pandas.io.formats.style import Styler  # noqa: E402

#: Fallback palette for categories that are not countries (colour-blind safe, Okabe-Ito).
CATEGORY_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


#: Sequential colour map for heat maps (counts, shares).
HEAT_CMAP = "YlGnBu"


def new_figure(width: float = 8.0, height: float = 4.2, **kwargs) -> tuple[plt.Figure, plt.Axes]:
    """A figure and axes in the house style (no top/right spines, light grid)."""
    fig, ax = plt.subplots(figsize=(width, height), **kwargs)
    axes = ax.flat if hasattr(ax, "flat") else [ax]
    for a in axes:
        a.spines[["top", "right"]].set_visible(False)
    return fig, ax


def category_colours(categories, colours: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per category: the given ones (e.g. country colours) first, then the fallback palette.

    Examples
    --------
    >>> category_colours(["kenya", "other"], {"kenya": "#006600"})
    {'kenya': '#006600', 'other': '#0072B2'}
    """
    colours = dict(colours or {})
    spare = iter(c for c in CATEGORY_COLOURS * 8 if c not in colours.values())
    return {c: colours.get(c) or next(spare) for c in pd.unique(pd.Series(list(categories), dtype=object))}


def _compare_names(values, names: Mapping[str, str] | None) -> list[str]:
    """Display names for slugs (``names`` maps slug -> name), the slug itself otherwise."""
    names = names or {}
    return [str(names.get(v, v)) for v in values]


def _compare_grid(n_panels: int, ncols: int, width: float, height: float, **kwargs) -> tuple[plt.Figure, np.ndarray]:
    """Small multiples: a grid of ``n_panels`` axes (spare cells hidden), in the house style."""
    ncols = max(1, min(ncols, n_panels))
    nrows = -(-n_panels // ncols)
    fig, axes = new_figure(width * ncols, height * nrows, nrows=nrows, ncols=ncols, squeeze=False, **kwargs)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat[:n_panels]


def _compare_errors(value: np.ndarray, low: pd.Series, high: pd.Series) -> np.ndarray:
    """Error-bar lengths below and above ``value``; rounding (an interval end 1e-17 past the estimate) clipped to 0."""
    low, high = low.to_numpy(dtype=float), high.to_numpy(dtype=float)
    return np.clip(np.vstack([value - low, high - value]), 0, None)


def plot_country_shares(
    counts: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    row: str = "country",
    col: str = "outcome_area",
    count: str = "observed",
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    ncols: int = 4,
    title: str | None = None,
) -> plt.Figure:
    """Small multiples: for each country (``row``), the share of its outcomes in each ``col`` category.

    Shares, not counts, so that a country with a larger harvest does not look bigger;
    each panel's title gives its number of outcomes. Every panel lists the categories
    in the same order and is drawn in the country's colour.

    Parameters
    ----------
    counts
        Tidy counts, one row per (row, col) pair: e.g. ``ContingencyResult.cells``
        from :func:`sparklearn.analysis.contingency.contingency`.
    colours
        Country slug -> hex colour (``Registry.colours()``).
    row, col, count
        The panel column, the category column and the count column.
    labels
        Category id -> label for the axis (e.g. outcome-area labels).
    names
        Slug -> display name for the panel titles.
    ncols
        Panels per row of the grid.
    title
        Figure title; default from ``col``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per ``row`` value, one horizontal bar per category (width = share).
    """
    groups = list(pd.unique(counts[row]))
    categories = list(pd.unique(counts[col]))
    wide = counts.pivot_table(index=row, columns=col, values=count, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=groups, columns=categories, fill_value=0)
    totals = wide.sum(axis=1)
    shares = wide.div(totals.where(totals > 0), axis=0).fillna(0.0)
    palette = category_colours(groups, colours)
    fig, axes = _compare_grid(len(groups), ncols, 2.4, 2.2 + 0.12 * len(categories), sharex=True, sharey=True)
    positions = np.arange(len(categories))
    for ax, group, name in zip(axes, groups, _compare_names(groups, names)):
        ax.barh(positions, shares.loc[group].to_numpy(), color=palette[group])
        ax.set_title(f"{name} (n = {int(totals[group])})", fontsize=9)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, [textwrap.fill(c, 32) for c in _compare_names(categories, labels)])
    axes[0].invert_yaxis()
    for ax in axes:
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(title or f"{col.replace('_', ' ').capitalize()}: share of each {row.replace('_', ' ')}'s outcomes")
    fig.tight_layout()
    return fig


def plot_country_rates(
    rates: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    names: Mapping[str, str] | None = None,
    title: str = "Outcomes per campaign-month, with 95% intervals",
) -> plt.Figure:
    """Outcomes per campaign-month for each country (or sector), bars with their exact intervals.

    Parameters
    ----------
    rates
        :func:`sparklearn.analysis.rates.outcome_rates` output: ``by``, per_campaign_month,
        ci_low, ci_high, n_outcomes, campaign_months.
    colours
        Slug -> colour; other values take the fallback palette.
    by
        The grouping column.
    names
        Slug -> display name for the axis.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per row (in table order) with an error bar from ci_low to ci_high.
    """
    groups = rates[by].tolist()
    value = rates["per_campaign_month"].to_numpy(dtype=float)
    error = _compare_errors(value, rates["ci_low"], rates["ci_high"])
    palette = category_colours(groups, colours)
    fig, ax = new_figure(7.5, 0.9 + 0.4 * len(groups))
    positions = np.arange(len(groups))
    ax.barh(positions, value, xerr=error, color=[palette[g] for g in groups], error_kw={"ecolor": "#333333",
                                                                                        "capsize": 3})
    ax.set_yticks(positions, [f"{n} ({int(k)} in {m:.0f} months)" for n, k, m in zip(
        _compare_names(groups, names), rates["n_outcomes"], rates["campaign_months"])])
    ax.invert_yaxis()
    ax.set_xlabel("outcomes per campaign-month")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_sector_rates(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    ncols: int = 2,
    title: str = "Outcomes per campaign-month in sectors several countries work in",
) -> plt.Figure:
    """Small multiples, one panel per sector: each country's rate with its interval, the sector's pooled rate dashed.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.rates.sector_comparison` output: sector, country,
        per_campaign_month, ci_low, ci_high, sector_rate.
    colours
        Country slug -> colour.
    names
        Slug -> display name for the axis.
    ncols
        Panels per row.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per sector (table order), one bar per country, a dashed line at sector_rate.
    """
    sectors = list(pd.unique(table["sector"]))
    palette = category_colours(pd.unique(table["country"]), colours)
    fig, axes = _compare_grid(len(sectors), ncols, 3.9, 2.8, sharey=True)
    for ax, sector in zip(axes, sectors):
        part = table.loc[table["sector"] == sector]
        value = part["per_campaign_month"].to_numpy(dtype=float)
        error = _compare_errors(value, part["ci_low"], part["ci_high"])
        positions = np.arange(len(part))
        ax.bar(positions, value, yerr=error, color=[palette[c] for c in part["country"]],
               error_kw={"ecolor": "#333333", "capsize": 3})
        ax.axhline(float(part["sector_rate"].iloc[0]), color="#555555", linestyle="--", linewidth=1,
                   label="all countries in the sector")
        ax.set_xticks(positions, _compare_names(part["country"], names), rotation=30, ha="right", fontsize=8)
        ax.set_title(sector, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("outcomes per campaign-month")
    axes[0].legend(fontsize=8, frameon=False, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_rate_ratios(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    title: str = "Outcome rates compared with the reference (rate ratio, 95% interval)",
) -> plt.Figure:
    """Rate ratios with their intervals on a log scale, with a reference line at 1.

    On a log scale half and double the reference rate sit at equal distances from 1.
    The reference level is drawn at 1 without an interval; a level without outcomes
    (rate ratio 0, no interval) cannot be placed on a log scale and is named on the
    axis as "no outcomes" instead.

    Parameters
    ----------
    table
        ``RateRatios.table`` from :func:`sparklearn.analysis.rates.rate_ratios`: term,
        reference, rate_ratio, ci_low, ci_high.
    colours
        Slug -> colour (countries); sectors take the fallback palette.
    names
        Term -> display name.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One row per term (table order): a point at rate_ratio and a line from ci_low to ci_high.
    """
    terms = table["term"].tolist()
    palette = category_colours(terms, colours)
    shown = table["rate_ratio"].to_numpy(dtype=float) > 0
    positions = np.arange(len(terms))
    labels = []
    for name, is_reference, ok in zip(_compare_names(terms, names), table["reference"], shown):
        labels.append(f"{name} (reference)" if is_reference else name if ok else f"{name} (no outcomes)")
    fig, ax = new_figure(7.5, 1.0 + 0.4 * len(terms))
    interval = shown & table["ci_low"].notna().to_numpy()
    ax.hlines(positions[interval], table["ci_low"].to_numpy(dtype=float)[interval],
              table["ci_high"].to_numpy(dtype=float)[interval],
              colors=[palette[t] for t, k in zip(terms, interval) if k], linewidth=2.5)
    ax.scatter(table["rate_ratio"].to_numpy(dtype=float)[shown], positions[shown],
               c=[palette[t] for t, k in zip(terms, shown) if k], s=45, zorder=3,
               edgecolors="#333333", linewidths=0.5)
    ax.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    # Doublings read better than powers of ten: ticks at 1/8, 1/4, ..., 1, 2, 4, ... labelled plainly.
    ax.xaxis.set_major_locator(FixedLocator([2.0 ** k for k in range(-10, 11)]))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:g}" if x >= 1 else f"1/{1 / x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel("rate ratio (1 = same rate as the reference; log scale)")
    ax.set_title(title)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_substantiation_by(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    names: Mapping[str, str] | None = None,
    title: str = "Outcomes checked with an independent informant, and confirmed (95% intervals)",
) -> plt.Figure:
    """Two panels: the share of outcomes checked, and the share confirmed of those checked, with Wilson intervals.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.outcomes.substantiation_by` output: ``by``, n_outcomes,
        n_checked, share_checked, checked_low, checked_high, share_confirmed,
        confirmed_low, confirmed_high.
    colours
        Slug -> colour.
    by
        The grouping column.
    names
        Slug -> display name.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels of horizontal bars (one per group, table order) with error bars.
        A group with nothing checked has no confirmed bar.
    """
    groups = table[by].tolist()
    palette = category_colours(groups, colours)
    fig, axes = new_figure(9.0, 1.0 + 0.4 * len(groups), ncols=2, sharey=True)
    positions = np.arange(len(groups))
    panels = (("share_checked", "checked_low", "checked_high", "checked with an informant", "n_outcomes"),
              ("share_confirmed", "confirmed_low", "confirmed_high", "confirmed, of those checked", "n_checked"))
    for ax, (value, low, high, label, n) in zip(axes, panels):
        v = table[value].to_numpy(dtype=float)
        keep = ~np.isnan(v)
        error = _compare_errors(v, table[low], table[high])[:, keep]
        ax.barh(positions[keep], v[keep], xerr=error, color=[palette[g] for g, k in zip(groups, keep) if k],
                error_kw={"ecolor": "#333333", "capsize": 3})
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
        ax.set_title(f"{label}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, [f"{name} ({int(k)} of {int(n)})" for name, k, n in zip(
        _compare_names(groups, names), table["n_checked"], table["n_outcomes"])])
    axes[0].invert_yaxis()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_country_themes(
    matrix: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    value: str = "coverage",
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    top: int | None = None,
    title: str = "Share of each country's reflection segments carrying each theme",
) -> plt.Figure:
    """Heat map of the framework matrix: themes (rows) by countries (columns), each cell annotated.

    Parameters
    ----------
    matrix
        :func:`sparklearn.analysis.country_themes.theme_matrix` output: ``by``, code_id, ``value``.
    colours
        Slug -> colour: the column labels are written in the country's colour.
    by, value
        Column of the matrix and the measure drawn (``coverage``: shares 0-1, shown
        as percentages; ``n_coded``: counts).
    labels
        Code id -> label for the rows.
    names
        Slug -> display name for the columns.
    top
        Keep only the ``top`` codes with the highest mean ``value`` across groups
        (most used first); default every code, in code order.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        An image whose array is the (code x group) pivot of ``value``.
    """
    wide = matrix.pivot_table(index="code_id", columns=by, values=value, aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(pd.unique(matrix[by])))
    if top is not None:
        wide = wide.loc[wide.mean(axis=1).sort_values(ascending=False, kind="stable").index[:top]]
    data = wide.to_numpy(dtype=float)
    fig, ax = new_figure(1.6 + 0.85 * wide.shape[1], 1.4 + 0.38 * wide.shape[0])
    image = ax.imshow(data, cmap=HEAT_CMAP, aspect="auto", vmin=0)
    share = value == "coverage"
    threshold = np.nanmax(data) / 2 if data.size else 0
    for (i, j), v in np.ndenumerate(data):
        ax.text(j, i, f"{v:.0%}" if share else f"{v:g}", ha="center", va="center", fontsize=7,
                color="white" if v > threshold else "#222222")
    ax.set_xticks(np.arange(wide.shape[1]), _compare_names(wide.columns, names), rotation=30, ha="right")
    palette = category_colours(wide.columns, colours)
    for tick, group in zip(ax.get_xticklabels(), wide.columns):
        tick.set_color(palette[group])
    row_labels = [(label if len(label) <= 48 else label[:47] + "…") for label in _compare_names(wide.index, labels)]
    ax.set_yticks(np.arange(wide.shape[0]), row_labels, fontsize=8)
    ax.spines[["left", "bottom"]].set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("share of segments" if share else value.replace("_", " "))
    if share:
        bar.formatter = plt.FuncFormatter(lambda x, _: f"{x:.0%}")
        bar.update_ticks()
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_country_themes_over_rounds(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    ncols: int = 3,
    title: str = "Themes round by round: share of each round's segments",
) -> plt.Figure:
    """Small multiples, one panel per theme: each country's coverage round by round, one line per country.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.country_themes.themes_over_rounds` output: ``by``, round, code_id, coverage.
    colours
        Slug -> colour.
    by
        The line grouping (``country`` or ``campaign_id``).
    labels
        Code id -> label for the panel titles.
    names
        Slug -> display name for the legend.
    ncols
        Panels per row.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per code (table order), one line per group with a point per round.
    """
    codes = list(pd.unique(table["code_id"]))
    groups = list(pd.unique(table[by]))
    palette = category_colours(groups, colours)
    fig, axes = _compare_grid(len(codes), ncols, 3.2, 2.4, sharex=True, sharey=True)
    for ax, code, code_label in zip(axes, codes, _compare_names(codes, labels)):
        part = table.loc[table["code_id"] == code]
        for group, name in zip(groups, _compare_names(groups, names)):
            line = part.loc[part[by] == group].sort_values("round")
            ax.plot(line["round"].to_numpy(), line["coverage"].to_numpy(dtype=float), marker="o", markersize=3,
                    color=palette[group], label=name)
        ax.set_title(code_label if len(code_label) <= 40 else code_label[:39] + "…", fontsize=9)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
        ax.grid(alpha=0.3)
    rounds = sorted(pd.unique(table["round"]))
    axes[0].set_xticks(rounds)
    for ax in axes[-ncols:]:
        ax.set_xlabel("round")
    handles, legend_labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="lower center", ncol=min(len(groups), 7), frameon=False, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


#: Fill of a truth-table cell: the condition (or outcome) present / absent.
TRUTH_TABLE_FILL = {1: "#1f4e79", 0: "#e8eef4"}


def style_truth_table(
    truth_table: pd.DataFrame,
    conditions: list[str] | tuple[str, ...],
    *,
    labels: Mapping[str, str] | None = None,
    outcome_label: str = "outcome",
) -> Styler:
    """The QCA truth table as a readable styled table (HTML, no scripts).

    One row per observed configuration: each condition and the outcome as "yes"/"no"
    on a dark/light fill, then the number of cases, how consistently they show the
    outcome, and which cases they are. Contradictory rows (cases with and without the
    outcome) are marked in the outcome cell as "mixed".

    Parameters
    ----------
    truth_table
        :func:`sparklearn.analysis.qca.truth_table` output (``CaseComparison.truth_table``):
        the condition columns then out, n, n_outcome, incl, contradictory, cases.
    conditions
        The condition columns, in order.
    labels
        Condition name -> short label for the column headers.
    outcome_label
        Header of the outcome column.

    Returns
    -------
    pandas.io.formats.style.Styler
        ``.data`` holds the displayed table; ``.to_html()`` renders it.

    Examples
    --------
    >>> tt = pd.DataFrame({"A": [1, 0], "B": [1, 1], "out": [1, 0], "n": [2, 1], "n_outcome": [2, 0],
    ...                    "incl": [1.0, 0.0], "contradictory": [False, False], "cases": ["a;b", "c"]})
    >>> style_truth_table(tt, ["A", "B"], outcome_label="win").data.to_dict("records")[0]
    {'A': 'yes', 'B': 'yes', 'win': 'yes', 'cases (n)': 2, 'consistency': '1.00', 'cases': 'a, b'}
    """
    labels = dict(labels or {})
    flags = [*conditions, "out"]
    shown = truth_table[flags].astype(int).replace({1: "yes", 0: "no"})
    shown.loc[truth_table["contradictory"].to_numpy(dtype=bool), "out"] = "mixed"
    shown = shown.assign(**{
        "cases (n)": truth_table["n"].astype(int).to_numpy(),
        "consistency": truth_table["incl"].map(lambda v: f"{v:.2f}").to_numpy(),
        "cases": truth_table["cases"].astype(str).str.replace(";", ", ").to_numpy(),
    })
    shown = shown.rename(columns={**{c: labels.get(c, c) for c in conditions}, "out": outcome_label})
    shown = shown.reset_index(drop=True)
    flag_columns = [labels.get(c, c) for c in conditions] + [outcome_label]

    def fill(value: str) -> str:
        if value == "yes":
            return f"background-color: {TRUTH_TABLE_FILL[1]}; color: white; text-align: center"
        if value == "no":
            return f"background-color: {TRUTH_TABLE_FILL[0]}; color: #333333; text-align: center"
        return "background-color: #f4d58d; color: #333333; text-align: center"

    return (shown.style.hide(axis="index").map(fill, subset=flag_columns)
            .set_table_styles([{"selector": "th", "props": "text-align: center; padding: 4px 8px;"},
                               {"selector": "td", "props": "padding: 3px 8px;"}])
            .set_caption("Truth table: each row is a combination of conditions seen in at least one campaign"))


# --- coder agreement


def agreement_dots(table: pd.DataFrame, *, with_uncoded: bool = True,
                   measures: tuple[str, ...] = ("krippendorff_alpha", "cohen_kappa"),
                   title: str = "How far the coders agree, code by code") -> plt.Figure:
    """Dot plot of agreement per code with Krippendorff's 0.667 and 0.800 reference lines.

    Parameters
    ----------
    table
        From :func:`sparklearn.analysis.agreement.agreement` (columns code_id, with_uncoded and
        the ``measures``). The pooled "all codes" row is drawn on top, in bold.
    with_uncoded
        Which version to draw when the table holds both.
    measures
        Columns to draw, one marker each; codes where a measure is undefined (NaN)
        get "undefined" at the right edge instead of a dot.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["A", "B", "all codes"], "with_uncoded": True,
    ...                   "krippendorff_alpha": [0.9, float("nan"), 0.7], "cohen_kappa": [0.88, 0.1, 0.69]})
    >>> fig = agreement_dots(t)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['B', 'A', 'all codes']
    >>> plt.close(fig)
    """
    labels = {"krippendorff_alpha": "Krippendorff's alpha", "cohen_kappa": "Cohen's kappa",
              "fleiss_kappa": "Fleiss' kappa"}
    rows = table.loc[table["with_uncoded"] == with_uncoded] if "with_uncoded" in table else table
    pooled = rows["code_id"] == "all codes"
    # Weakest codes at the bottom, the pooled row above all codes.
    per_code = rows.loc[~pooled].sort_values(list(measures[:1]), na_position="first")
    rows = pd.concat([per_code, rows.loc[pooled]], ignore_index=True)
    fig, ax = new_figure(8.0, max(2.5, 0.28 * len(rows) + 1.4))
    y = range(len(rows))
    colours = category_colours(measures)
    for offset, measure in zip((0.12, -0.12, 0.0), measures):
        values = rows[measure].astype(float)
        ax.scatter(values, [i + offset for i in y], s=28, color=colours[measure], zorder=3,
                   label=labels.get(measure, measure.replace("_", " ")))
    undefined = rows[list(measures)].isna().any(axis=1)
    for i in [i for i in y if undefined.iloc[i]]:
        ax.text(1.02, i, "undefined", va="center", fontsize=8, color="grey")
    for x, text, side in ((0.667, "tentative 0.667 ", "right"), (0.8, " 0.800 reliable", "left")):
        ax.axvline(x, color="grey", linestyle="--", linewidth=0.8, zorder=1)
        ax.text(x, len(rows) - 0.4, text, ha=side, va="bottom", fontsize=8, color="grey")
    ax.axvline(0, color="black", linewidth=0.6, zorder=1)
    ax.set_yticks(list(y), rows["code_id"].astype(str))
    if pooled.any():
        ax.get_yticklabels()[-1].set_fontweight("bold")
    lowest = rows[list(measures)].astype(float).min().min()
    low = min(-0.1, (0.0 if pd.isna(lowest) else float(lowest)) - 0.05)
    ax.set_xlim(low, 1.15)
    ax.set_ylim(-0.7, len(rows) + 0.3)
    ax.set_xlabel("agreement beyond chance (1 = perfect, 0 = chance)")
    ax.set_title(title)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    fig.legend(loc="lower center", ncol=len(measures), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))
    return fig


def _theme_names(codes, labels: Mapping[str, str] | None, width: int = 28) -> list[str]:
    import textwrap

    labels = dict(labels or {})

    # Two lines of ``width`` characters: long SPARK labels stay readable instead of cut at 28.
    def two_lines(text: str) -> str:
        lines = textwrap.wrap(text, width=width)
        if len(lines) <= 2:
            return "\n".join(lines)
        return lines[0] + "\n" + textwrap.shorten(" ".join(lines[1:]), width=width, placeholder="…")

    return [two_lines(str(labels.get(c, c))) for c in codes]


def _theme_panels(table: pd.DataFrame, before: str) -> tuple[str | None, list]:
    """The one grouping column before ``before`` (for small multiples), and its values."""
    groups = list(table.columns[:list(table.columns).index(before)])
    if len(groups) > 1:
        raise ValueError(f"one grouping column at most, not {groups}: filter the table first")
    if not groups:
        return None, [None]
    return groups[0], list(pd.unique(table[groups[0]]))


def plot_code_frequencies(freq: pd.DataFrame, *, value: str = "n_segments", top: int = 15,
                          labels: Mapping[str, str] | None = None, colours: Mapping[str, str] | None = None,
                          title: str = "How often each theme comes up") -> plt.Figure:
    """Horizontal bars of the ``top`` codes, one panel per group (e.g. country).

    Parameters
    ----------
    freq
        From :func:`sparklearn.analysis.themes.code_frequencies` (zero, one grouping column).
    value
        Column to draw: ``n_segments`` (default), ``n_codings``, ``n_sessions`` or ``coverage``.
    top
        Codes per panel, largest first.
    labels, colours
        Code labels; group colours (country colours from the registry).
    """
    group, values = _theme_panels(freq, "code_id")
    palette = category_colours([v for v in values if v is not None], colours)
    # Room for theme labels on two lines (see _theme_names).
    fig, axes = new_figure(max(6.0, 4.6 * len(values)), 0.42 * top + 1.6, ncols=len(values), squeeze=False)
    for ax, name in zip(axes.flat, values):
        part = freq if group is None else freq.loc[freq[group] == name]
        part = part.sort_values(value, ascending=False, kind="stable").head(top)[::-1]
        ax.barh(_theme_names(part["code_id"], labels), part[value],
                color=palette.get(name, CATEGORY_COLOURS[0]))
        ax.set_xlabel("share of segments" if value == "coverage" else value.replace("n_", "").replace("_", " "))
        if name is not None:
            ax.set_title(str(name))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_cooccurrence(pairs: pd.DataFrame, *, value: str = "jaccard", codes=None,
                      labels: Mapping[str, str] | None = None,
                      title: str = "Themes that come up together") -> plt.Figure:
    """Heat map of a co-occurrence measure, codes by codes (symmetric; the diagonal is blank).

    Parameters
    ----------
    pairs
        From :func:`sparklearn.analysis.themes.cooccurrence`.
    value
        ``jaccard`` (default), ``lift`` or ``n_together``.
    codes
        Codes to show, in order; default every code in a pair, sorted.
    """
    codes = list(codes) if codes is not None else sorted(set(pairs["code_a"]) | set(pairs["code_b"]))
    grid = pd.DataFrame(np.nan, index=codes, columns=codes)
    shown = pairs.loc[pairs["code_a"].isin(codes) & pairs["code_b"].isin(codes)]
    for a, b, v in shown[["code_a", "code_b", value]].itertuples(index=False):
        grid.loc[a, b] = grid.loc[b, a] = v
    size = 2.5 + 0.35 * len(codes)
    fig, ax = new_figure(size + 1.5, size)
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap=HEAT_CMAP)
    names = _theme_names(codes, labels)
    ax.set_xticks(range(len(codes)), names, rotation=60, ha="right")
    ax.set_yticks(range(len(codes)), names)
    fig.colorbar(image, ax=ax, label={"jaccard": "Jaccard (share of segments with either that have both)",
                                      "lift": "observed / expected"}.get(value, value.replace("_", " ")))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_framework_matrix(matrix: pd.DataFrame, *, value: str = "n_segments",
                          labels: Mapping[str, str] | None = None,
                          title: str = "Themes by case") -> plt.Figure:
    """Heat map of a framework matrix: cases (rows) by themes (columns), cells annotated.

    Parameters
    ----------
    matrix
        From :func:`sparklearn.analysis.themes.framework_matrix` (its first column is the case).
    value
        ``n_segments`` (default) or ``coverage``.
    """
    case = matrix.columns[0]
    grid = matrix.pivot(index=case, columns="code_id", values=value)
    grid = grid.loc[list(pd.unique(matrix[case])), list(pd.unique(matrix["code_id"]))]
    fig, ax = new_figure(2.5 + 0.55 * grid.shape[1], 1.5 + 0.45 * grid.shape[0])
    data = grid.to_numpy(dtype=float)
    image = ax.imshow(data, cmap=HEAT_CMAP, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), _theme_names(grid.columns, labels), rotation=60, ha="right")
    ax.set_yticks(range(grid.shape[0]), [str(c) for c in grid.index])
    high = np.nanmax(data) if data.size else 0
    for (i, j), v in np.ndenumerate(data):
        text = f"{v:.0%}" if value == "coverage" else f"{v:.0f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if v > high / 2 else "black")
    fig.colorbar(image, ax=ax, label="share of segments" if value == "coverage" else "coded segments")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_themes_over_rounds(table: pd.DataFrame, *, value: str = "share", codes=None, top: int = 6,
                            labels: Mapping[str, str] | None = None,
                            title: str = "Themes across rounds") -> plt.Figure:
    """One line per code across rounds; one panel per group when the table has one (e.g. country).

    Parameters
    ----------
    table
        From :func:`sparklearn.analysis.themes.themes_over_rounds`.
    value
        ``share`` (default) or ``n_segments``.
    codes
        Codes to draw; default the ``top`` codes with the most coded segments overall.
    """
    if codes is None:
        totals = table.groupby("code_id", sort=False)["n_segments"].sum()
        codes = totals.sort_values(ascending=False, kind="stable").head(top).index.tolist()
    group, values = _theme_panels(table, "round")
    palette = category_colours(codes)
    # One panel alone gets a report's width; several share it (legend to the right of the last).
    fig, axes = new_figure(max(7.0, 4.5 * len(values)), 3.8, ncols=len(values), squeeze=False, sharey=True)
    for ax, name in zip(axes.flat, values):
        part = table if group is None else table.loc[table[group] == name]
        for code, label in zip(codes, _theme_names(codes, labels)):
            line = part.loc[part["code_id"] == code].sort_values("round")
            ax.plot(line["round"], line[value], marker="o", color=palette[code], label=label)
        ax.set_xlabel("round")
        ax.set_xticks(sorted(pd.unique(part["round"])))
        if name is not None:
            ax.set_title(str(name))
    axes.flat[0].set_ylabel("share of the round's segments" if value == "share" else value.replace("_", " "))
    axes.flat[-1].legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- outcome harvests
# Figures for the tables of sparklearn.outcomes (counts_by, timeline, substantiation_rates,
# contribution_matrix, outcome_graph). Outcome text never reaches a figure: only ids and categories.


def plot_outcome_counts(counts: pd.DataFrame, column: str, *, title: str | None = None) -> plt.Figure:
    """Horizontal bars of ``counts_by(outcomes, column)`` (labels when the table has them).

    Examples
    --------
    >>> fig = plot_outcome_counts(pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 1]}), "level")
    >>> [float(p.get_width()) for p in fig.axes[0].patches]
    [3.0, 1.0]
    """
    names = counts["label"] if "label" in counts.columns else counts[column]
    fig, ax = new_figure(7.5, 0.45 * len(counts) + 1.4)
    ax.barh(names.astype(str).to_numpy(), counts["n_outcomes"].to_numpy(dtype=float), color=CATEGORY_COLOURS[0])
    ax.invert_yaxis()
    ax.set_xlabel("outcomes")
    ax.set_title(title or f"Outcomes by {column.replace('_', ' ')}")
    fig.tight_layout()
    return fig


def plot_outcome_timeline(table: pd.DataFrame, *, by: str | None = None,
                          colours: Mapping[str, str] | None = None, title: str | None = None) -> plt.Figure:
    """Outcomes per period from ``timeline(outcomes, ...)``: bars, or one line per ``by`` group.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2023Q1", "2023Q2"], "n_outcomes": [2, 0]})
    >>> len(plot_outcome_timeline(t).axes[0].patches)
    2
    """
    fig, ax = new_figure(8, 3.6)
    if by is None:
        ax.bar(table["period"].astype(str).to_numpy(), table["n_outcomes"].to_numpy(dtype=float),
               color=CATEGORY_COLOURS[0])
    else:
        palette = category_colours(table[by], colours)
        for group, part in table.groupby(by, sort=True):
            ax.plot(part["period"].astype(str).to_numpy(), part["n_outcomes"].to_numpy(dtype=float),
                    marker="o", label=str(group), color=palette[group])
        ax.legend(frameon=False, fontsize=8)
    ax.set_ylabel("outcomes")
    ax.set_title(title or "Outcomes harvested per period")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_substantiation(rates: pd.DataFrame, by: str, *, title: str | None = None) -> plt.Figure:
    """Share of checked outcomes substantiated (fully or partially), with Wilson intervals.

    Takes ``substantiation_rates(outcomes, by)``; groups with no checked outcome show no point.

    Examples
    --------
    >>> r = pd.DataFrame({"level": ["local"], "n_checked": [5], "share_confirmed": [0.8],
    ...                   "confirmed_low": [0.38], "confirmed_high": [0.96]})
    >>> tuple(map(float, plot_substantiation(r, "level").axes[0].get_xlim()))
    (0.0, 1.0)
    """
    fig, ax = new_figure(7.5, 0.45 * len(rates) + 1.4)
    y = range(len(rates))
    share = rates["share_confirmed"].to_numpy(dtype=float)
    low = share - rates["confirmed_low"].to_numpy(dtype=float)
    high = rates["confirmed_high"].to_numpy(dtype=float) - share
    ax.errorbar(share, list(y), xerr=[low, high], fmt="o", color=CATEGORY_COLOURS[0], capsize=3)
    ax.set_yticks(list(y), [f"{g} (n={n})" for g, n in zip(rates[by].astype(str), rates["n_checked"])])
    ax.invert_yaxis()
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("share substantiated, of outcomes put to an informant (95% interval)")
    ax.set_title(title or f"Substantiation by {by.replace('_', ' ')}")
    fig.tight_layout()
    return fig


def plot_contribution_matrix(matrix: pd.DataFrame, *, value: str = "n_outcomes",
                             title: str | None = None) -> plt.Figure:
    """Heat map of ``contribution_matrix(outcomes)``: strategic components by outcome areas.

    Examples
    --------
    >>> m = pd.DataFrame({"strategic_component": ["SC-AGENCY", "SC-AGENCY"],
    ...                   "outcome_area": ["OA-POWER", "OA-SPACES"], "n_outcomes": [2, 0]})
    >>> plot_contribution_matrix(m).axes[0].images[0].get_array().shape
    (1, 2)
    """
    grid = matrix.pivot(index="strategic_component", columns="outcome_area", values=value)
    grid = grid.reindex(index=pd.unique(matrix["strategic_component"]), columns=pd.unique(matrix["outcome_area"]))
    fig, ax = new_figure(1.3 * grid.shape[1] + 3, 0.55 * grid.shape[0] + 1.6)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap=HEAT_CMAP, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for (i, j), v in pd.DataFrame(grid.to_numpy()).stack().items():
        ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, label="outcomes" if value == "n_outcomes" else value.replace("_", " "))
    ax.set_title(title or "Which strategic components contributed to which outcome areas")
    fig.tight_layout()
    return fig


def plot_outcome_chains(graph, *, levels=None, title: str | None = None) -> plt.Figure:
    """The outcome graph (``outcome_graph(outcomes)``) drawn by date (x) and level (y), coloured by level.

    Arrows run from an outcome to the ones that built on it. Undated outcomes are
    placed by their step in the chain instead. Only outcomes in a chain are drawn.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("A", "B")])
    >>> nx.set_node_attributes(g, {"A": "local", "B": "national"}, "level")
    >>> len(plot_outcome_chains(g, levels=["local", "national"]).axes[0].collections) >= 1
    True
    """
    import matplotlib.dates as mdates
    import networkx as nx
    import numpy as np

    chained = graph.subgraph([n for n in graph if graph.degree(n) > 0])
    fig, ax = new_figure(9, 4.8)
    nodes = list(chained.nodes)
    levels = list(levels) if levels is not None else sorted({str(chained.nodes[n].get("level")) for n in nodes})
    rank = {lev: i for i, lev in enumerate(levels)}
    step = {n: i for i, gen in enumerate(nx.topological_generations(chained)) for n in gen} \
        if nx.is_directed_acyclic_graph(chained) else {n: 0 for n in nodes}
    dated = any(pd.notna(chained.nodes[n].get("date")) for n in nodes)
    rng = np.random.default_rng(0)  # fixed jitter: the same graph gives the same figure
    pos = {}
    for n in nodes:
        when = chained.nodes[n].get("date")
        x = mdates.date2num(pd.Timestamp(when)) if dated and pd.notna(when) else float(step[n])
        pos[n] = (x, rank.get(chained.nodes[n].get("level"), -1) + float(rng.uniform(-0.25, 0.25)))
    palette = category_colours(levels)
    colours = [palette.get(chained.nodes[n].get("level"), "#999999") for n in nodes]
    nx.draw_networkx_edges(chained, pos, ax=ax, arrows=True, arrowsize=8, edge_color="#888888", width=0.8)
    nx.draw_networkx_nodes(chained, pos, ax=ax, node_color=colours, node_size=60)
    ax.set_yticks(range(len(levels)), levels)
    if dated:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.tick_params(left=True, bottom=True, labelleft=True, labelbottom=True)
    ax.set_xlabel("date of the outcome" if dated else "step in the chain")
    ax.set_title(title or "Outcome chains: how outcomes built on each other")
    fig.tight_layout()
    return fig
