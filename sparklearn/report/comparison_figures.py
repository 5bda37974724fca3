"""Figures for the cross-country comparison, and the QCA truth table as a styled table.

Stage: report. Each function draws one result of the comparison (shares of outcomes
by country, outcome rates and rate ratios with their intervals, substantiation,
themes by country and over rounds) from the tidy table the analysis stage returned,
and computes nothing beyond a share. Countries keep their registry colour in every
figure. Shown values are looked up in ``names`` (country slug -> name), then in
``labels`` (code, vocabulary or sector id -> label), and shown as they are if in
neither, the same rule as :mod:`sparklearn.report.comparison_words`.

Drawing into your own figure: single-panel functions take ``ax=`` (an existing
matplotlib Axes); small multiples take ``axes=`` (one Axes per panel, in panel order),
or ``ax=`` when they draw one panel; :func:`plot_substantiation_by` always draws two
panels and takes ``axes=`` only. Given Axes, a function draws there and returns their
figure, leaving the figure's title, legend and layout to the caller; without, it makes
a figure in the house style (:func:`sparklearn.report.figures.new_figure`), the same
figure as the reports show.

Panels compared side by side share their scale, labels are wrapped whole, and each
figure carries an alt text built from its data and its title as caption
(:func:`sparklearn.report.figure_text.describe_figure`), as in the country figures.

Kept apart from :mod:`sparklearn.report.figures` (the country report's figures)
because the two reports draw different results; both share that module's palette
and house style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, NullFormatter
from pandas.io.formats.style import Styler

from sparklearn.report.figure_text import (
    MIN_TEXT_CONTRAST,
    annotate_cells,
    contrast_ratio,
    describe_figure,
    extremes,
    number_words,
    top_item,
    wrap_label,
    wrap_labels,
)
from sparklearn.report.figures import (
    HEAT_CMAP,
    category_colours,
    figure_for,
    given_axes,
    new_figure,
)


def _compare_names(values, names: Mapping[str, str] | None,
                   labels: Mapping[str, str] | None = None) -> list[str]:
    """How each value is shown: its name in ``names`` (slug -> name), else its label in ``labels``, else itself."""
    names, labels = names or {}, labels or {}
    return [str(names.get(v, labels.get(v, v))) for v in values]


def _compare_grid(n_panels: int, ncols: int, width: float, height: float, **kwargs) -> tuple[plt.Figure, np.ndarray]:
    """Small multiples: a grid of ``n_panels`` axes (spare cells hidden), in the house style."""
    ncols = max(1, min(ncols, n_panels))
    nrows = -(-n_panels // ncols)
    fig, axes = new_figure(width * ncols, height * nrows, nrows=nrows, ncols=ncols, squeeze=False, **kwargs)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat[:n_panels]


def _small_multiples(n_panels: int, ax: plt.Axes | None, axes: Sequence[plt.Axes] | None, ncols: int, width: float,
                     height: float, **kwargs) -> tuple[plt.Figure, list[plt.Axes], bool]:
    """(figure, one Axes per panel, whether the figure is new): the caller's Axes, else a new grid.

    Axes of a new grid share what ``kwargs`` says (``sharex``, ``sharey``); a caller's
    Axes are drawn into as they are.
    """
    given = given_axes(n_panels, ax, axes)
    if given is not None:
        return given[0].figure, given, False
    fig, grid = _compare_grid(n_panels, ncols, width, height, **kwargs)
    return fig, list(grid), True


def _compare_done(fig: plt.Figure, own: bool, title: str | None, alt: str, *, suptitle: bool = True) -> plt.Figure:
    """A figure made here gets its title and layout; any figure gets its alt text (a caller's: added to)."""
    if own:
        if suptitle and title:
            fig.suptitle(title)
        fig.tight_layout()
    return describe_figure(fig, alt, title if own else None, add=not own)


def _groups(n: int, by: str) -> str:
    """"7 countries", "4 sectors", else "3 campaign id groups": how many groups a chart compares."""
    return f"{n} {ENGLISH_PLURALS.get(by, by.replace('_', ' ') + ' groups')}"


#: Plural of a grouping column, as alt texts count groups.
ENGLISH_PLURALS = {"country": "countries", "sector": "sectors", "campaign_id": "campaigns"}


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
    ax: plt.Axes | None = None,
    axes: Sequence[plt.Axes] | None = None,
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
        Id -> label: the categories on the axis (e.g. outcome-area labels), and the
        panels (e.g. sectors) that ``names`` does not name.
    names
        Slug -> display name for the panel titles.
    ncols
        Panels per row of the grid.
    title
        Figure title; default from ``col`` (when the function makes the figure).
    ax, axes
        Draw into this Axes (a table with one ``row`` value), or into one Axes per
        ``row`` value, in table order; their figure is returned. Default a new grid
        whose panels share their axes.

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
    fig, panels, own = _small_multiples(len(groups), ax, axes, ncols, 2.4, 2.2 + 0.12 * len(categories),
                                        sharex=True, sharey=True)
    positions = np.arange(len(categories))
    for panel, group, name in zip(panels, groups, _compare_names(groups, names, labels)):
        panel.barh(positions, shares.loc[group].to_numpy(), color=palette[group])
        panel.set_title(f"{name} (n = {int(totals[group])})", fontsize=9)
        panel.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
        panel.grid(axis="x", alpha=0.3)
    # A new grid shares its y axis, so the first panel's ticks and order are every panel's.
    for panel in panels[:1] if own else panels:
        panel.set_yticks(positions, wrap_labels(_compare_names(categories, names, labels), 32))
        panel.invert_yaxis()
    for panel in panels:
        panel.tick_params(axis="y", labelsize=8)
    title = title or f"{col.replace('_', ' ').capitalize()}: share of each {row.replace('_', ' ')}'s outcomes"
    largest = [f"{name} {top_item(_compare_names(categories, names, labels), shares.loc[g], share=True)}"
               for g, name in zip(groups, _compare_names(groups, names, labels)) if totals[g] > 0]
    alt = (f"Bar charts, one per {row.replace('_', ' ')} on one scale, of the share of its outcomes in each "
           f"{col.replace('_', ' ')}. The largest share: " + "; ".join(largest) + ".")
    return _compare_done(fig, own, title, alt)


def plot_country_rates(
    rates: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "Outcomes per campaign-month, with 95% intervals",
    ax: plt.Axes | None = None,
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
    names, labels
        Slug -> display name, and id -> label for groups ``names`` does not name
        (e.g. sectors), for the axis.
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per row (in table order) with an error bar from ci_low to ci_high.
    """
    groups = rates[by].tolist()
    value = rates["per_campaign_month"].to_numpy(dtype=float)
    error = _compare_errors(value, rates["ci_low"], rates["ci_high"])
    palette = category_colours(groups, colours)
    own = ax is None
    fig, ax = figure_for(ax, 7.5, 0.9 + 0.4 * len(groups))
    positions = np.arange(len(groups))
    ax.barh(positions, value, xerr=error, color=[palette[g] for g in groups], error_kw={"ecolor": "#333333",
                                                                                        "capsize": 3})
    ax.set_yticks(positions, [f"{n} ({int(k)} in {m:.0f} months)" for n, k, m in zip(
        _compare_names(groups, names, labels), rates["n_outcomes"], rates["campaign_months"])])
    ax.invert_yaxis()
    ax.set_xlabel("outcomes per campaign-month")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    alt = (f"Bar chart of outcomes per campaign-month for {_groups(len(groups), by)}, with 95% "
           f"intervals; {extremes(_compare_names(groups, names, labels), value)}.")
    return _compare_done(fig, own, title, alt, suptitle=False)


def plot_sector_rates(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    ncols: int = 2,
    title: str = "Outcomes per campaign-month in sectors several countries work in",
    ax: plt.Axes | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """Small multiples, one panel per sector: each country's rate with its interval, the sector's pooled rate dashed.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.rates.sector_comparison` output: sector, country,
        per_campaign_month, ci_low, ci_high, sector_rate.
    colours
        Country slug -> colour.
    names, labels
        Slug -> display name for the axis, and id -> label for the sectors (and
        countries ``names`` does not name).
    ncols
        Panels per row.
    title
        Figure title (when the function makes the figure).
    ax, axes
        Draw into this Axes (a table with one sector), or into one Axes per sector, in
        table order; their figure is returned. Default a new grid sharing its y axis.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per sector (table order), one bar per country, a dashed line at sector_rate.
    """
    sectors = list(pd.unique(table["sector"]))
    palette = category_colours(pd.unique(table["country"]), colours)
    fig, panels, own = _small_multiples(len(sectors), ax, axes, ncols, 3.9, 2.8, sharey=True)
    said = []
    for panel, sector in zip(panels, sectors):
        part = table.loc[table["sector"] == sector]
        value = part["per_campaign_month"].to_numpy(dtype=float)
        error = _compare_errors(value, part["ci_low"], part["ci_high"])
        positions = np.arange(len(part))
        panel.bar(positions, value, yerr=error, color=[palette[c] for c in part["country"]],
               error_kw={"ecolor": "#333333", "capsize": 3})
        panel.axhline(float(part["sector_rate"].iloc[0]), color="#555555", linestyle="--", linewidth=1,
                   label="all countries in the sector")
        # Country names on short horizontal lines under their bar: slanted names ran into each other.
        panel.set_xticks(positions, wrap_labels(_compare_names(part["country"], names, labels), 10), fontsize=8)
        panel.set_title(wrap_label(_compare_names([sector], None, labels)[0], 40), fontsize=10)
        panel.grid(axis="y", alpha=0.3)
        said.append(f"{_compare_names([sector], None, labels)[0]}: "
                    f"{extremes(_compare_names(part['country'], names, labels), value)}")
    panels[0].set_ylabel("outcomes per campaign-month")
    panels[0].legend(fontsize=8, frameon=False, loc="upper left")
    alt = (f"Bar charts, one per sector ({len(sectors)}) on one scale, of each country's outcomes per "
           f"campaign-month with 95% intervals, the sector's pooled rate dashed. " + "; ".join(said) + ".")
    return _compare_done(fig, own, title, alt)


def plot_rate_ratios(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "Outcome rates compared with the reference (rate ratio, 95% interval)",
    ax: plt.Axes | None = None,
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
    names, labels
        Term -> display name, and id -> label for terms ``names`` does not name (e.g. sectors).
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One row per term (table order): a point at rate_ratio and a line from ci_low to ci_high.
    """
    terms = table["term"].tolist()
    palette = category_colours(terms, colours)
    shown = table["rate_ratio"].to_numpy(dtype=float) > 0
    positions = np.arange(len(terms))
    ticks = []
    for name, is_reference, ok in zip(_compare_names(terms, names, labels), table["reference"], shown):
        ticks.append(f"{name} (reference)" if is_reference else name if ok else f"{name} (no outcomes)")
    own = ax is None
    fig, ax = figure_for(ax, 7.5, 1.0 + 0.4 * len(terms))
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
    ax.set_yticks(positions, ticks)
    ax.invert_yaxis()
    ax.set_xlabel("rate ratio (1 = same rate as the reference; log scale)")
    ax.set_title(title)
    ax.grid(axis="x", which="both", alpha=0.3)
    plain = _compare_names(terms, names, labels)
    reference = [n for n, r in zip(plain, table["reference"]) if r]
    others = ~table["reference"].to_numpy(dtype=bool)
    alt = (f"Dot chart of rate ratios with 95% intervals on a log scale, against the reference "
           f"{reference[0] if reference else ''} at 1; "
           f"{extremes([n for n, k in zip(plain, others) if k], table['rate_ratio'].to_numpy(dtype=float)[others])}.")
    return _compare_done(fig, own, title, alt.replace("; .", "."), suptitle=False)


def plot_substantiation_by(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "Outcomes checked with an independent informant, and confirmed (95% intervals)",
    axes: Sequence[plt.Axes] | None = None,
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
    names, labels
        Slug -> display name, and id -> label for groups ``names`` does not name.
    title
        Figure title (when the function makes the figure).
    axes
        Two Axes to draw the two panels into (checked, confirmed); their figure is
        returned. There is no ``ax=``: the two shares have different denominators and
        are only readable side by side. Default a new figure whose panels share the
        y axis.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels of horizontal bars (one per group, table order) with error bars.
        A group with nothing checked has no confirmed bar.
    """
    groups = table[by].tolist()
    palette = category_colours(groups, colours)
    own = axes is None
    if own:
        fig, axes = new_figure(9.0, 1.0 + 0.4 * len(groups), ncols=2, sharey=True)
    else:
        axes = given_axes(2, None, axes)
        fig = axes[0].figure
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
    plain = _compare_names(groups, names, labels)
    axes[0].set_yticks(positions, [f"{name} ({int(k)} of {int(n)})" for name, k, n in zip(
        plain, table["n_checked"], table["n_outcomes"])])
    axes[0].invert_yaxis()
    if not own:
        # The caller's Axes share nothing: give the second panel the same rows, unlabelled.
        axes[1].set_yticks(positions, [])
        axes[1].invert_yaxis()
    alt = (f"Two bar charts on the same 0 to 100% scale, one bar per {by.replace('_', ' ')}, with 95% intervals. "
           f"Share of outcomes checked with an informant: {extremes(plain, table['share_checked'], share=True)}. "
           f"Share confirmed, of those checked: {extremes(plain, table['share_confirmed'], share=True)}.")
    return _compare_done(fig, own, title, alt)


def plot_country_themes(
    matrix: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    value: str = "coverage",
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    top: int | None = None,
    vmax: float | None = None,
    title: str = "Share of each country's reflection segments carrying each theme",
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Heat map of the framework matrix: themes (rows) by countries (columns), each cell annotated.

    Parameters
    ----------
    matrix
        :func:`sparklearn.analysis.themes.code_frequencies` output: ``by``, code_id, ``value``.
    colours
        Slug -> colour: the column labels are written in the country's colour.
    by, value
        Column of the matrix and the measure drawn (``coverage``: shares 0-1, shown
        as percentages; ``n_segments``: counts).
    labels
        Code id -> label for the rows.
    names
        Slug -> display name for the columns.
    top
        Keep only the ``top`` codes with the highest mean ``value`` across groups
        (most used first); default every code, in code order.
    vmax
        The value drawn darkest (the colour scale runs from 0 to it); default this
        table's largest. Give two heat maps the same ``vmax`` to read them on one scale.
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned; the colour bar takes room from
        it); default a new figure.

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
    row_labels = wrap_labels(_compare_names(wide.index, names, labels), 36)
    columns = wrap_labels(_compare_names(wide.columns, names, labels), 10)
    lines = max([label.count("\n") + 1 for label in row_labels] or [1])
    own = ax is None
    fig, ax = figure_for(ax, 4.2 + 0.85 * wide.shape[1], 1.6 + max(0.38, 0.15 * lines + 0.08) * wide.shape[0])
    image = ax.imshow(data, cmap=HEAT_CMAP, aspect="auto", vmin=0, vmax=vmax)
    share = value == "coverage"
    annotate_cells(ax, image, data, (lambda v: f"{v:.0%}") if share else "{:g}".format, fontsize=7)
    # Country names horizontal, on short lines: slanted names ran into each other. Each in its country's
    # colour where that colour is readable as text on white (WCAG AA), else in black.
    ax.set_xticks(np.arange(wide.shape[1]), columns, fontsize=8)
    palette = category_colours(wide.columns, colours)
    for tick, group in zip(ax.get_xticklabels(), wide.columns):
        tick.set_color(palette[group] if contrast_ratio(palette[group], "white") >= MIN_TEXT_CONTRAST else "black")
    ax.set_yticks(np.arange(wide.shape[0]), row_labels, fontsize=8)
    ax.spines[["left", "bottom"]].set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("share of segments" if share else value.replace("_", " "))
    if share:
        bar.formatter = plt.FuncFormatter(lambda x, _: f"{x:.0%}")
        bar.update_ticks()
    ax.set_title(title)
    unit = "share of segments" if share else value.replace("n_", "").replace("_", " ")
    alt = f"Heat map of the {unit} for {wide.shape[0]} themes in {_groups(wide.shape[1], by)}"
    if np.isfinite(data).any():
        i, j = np.unravel_index(np.nanargmax(data), data.shape)
        alt += (f"; the largest is '{_compare_names(wide.index, names, labels)[i]}' in "
                f"{_compare_names(wide.columns, names, labels)[j]} {number_words(data[i, j], unit, share=share)}")
    return _compare_done(fig, own, title, alt + ".", suptitle=False)


def plot_country_themes_over_rounds(
    table: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    *,
    by: str = "country",
    labels: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    ncols: int = 3,
    title: str = "Themes round by round: share of each round's segments",
    ax: plt.Axes | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """Small multiples, one panel per theme: each country's coverage round by round, one line per country.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.themes.themes_over_rounds` output: ``by``, round, code_id, coverage.
    colours
        Slug -> colour.
    by
        The line grouping (``country`` or ``campaign_id``).
    labels
        Code id -> label for the panel titles (and for groups ``names`` does not name).
    names
        Slug -> display name for the legend.
    ncols
        Panels per row.
    title
        Figure title (when the function makes the figure).
    ax, axes
        Draw into this Axes (a table with one code), or into one Axes per code, in
        table order; their figure is returned, with the legend on the first panel.
        Default a new grid sharing its axes, with the legend below.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per code (table order), one line per group with a point per round.
    """
    codes = list(pd.unique(table["code_id"]))
    groups = list(pd.unique(table[by]))
    palette = category_colours(groups, colours)
    fig, panels, own = _small_multiples(len(codes), ax, axes, ncols, 3.2, 2.4, sharex=True, sharey=True)
    for panel, code, code_label in zip(panels, codes, _compare_names(codes, names, labels)):
        part = table.loc[table["code_id"] == code]
        for group, name in zip(groups, _compare_names(groups, names, labels)):
            line = part.loc[part[by] == group].sort_values("round")
            panel.plot(line["round"].to_numpy(), line["coverage"].to_numpy(dtype=float), marker="o", markersize=3,
                    color=palette[group], label=name)
        panel.set_title(wrap_label(code_label, 36), fontsize=9)
        panel.yaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
        panel.grid(alpha=0.3)
    rounds = sorted(pd.unique(table["round"]))
    # A new grid shares its x axis, so the first panel's ticks are every panel's.
    for panel in panels[:1] if own else panels:
        panel.set_xticks(rounds)
    for panel in panels[-ncols:]:
        panel.set_xlabel("round")
    top = table.loc[table["coverage"].idxmax()] if table["coverage"].notna().any() else None
    alt = (f"Line charts, one per theme ({len(codes)}) on one scale, of each {by.replace('_', ' ')}'s share of "
           f"segments round by round, rounds {rounds[0]} to {rounds[-1]}, one line per {by.replace('_', ' ')}")
    if top is not None:
        alt += (f"; the highest is {_compare_names([top[by]], names, labels)[0]} on "
                f"'{_compare_names([top['code_id']], names, labels)[0]}' in round {top['round']} at {top['coverage']:.0%}")
    describe_figure(fig, alt + ".", title if own else None, add=not own)
    if not own:
        panels[0].legend(frameon=False, fontsize=8)
        return fig
    handles, legend_labels = panels[0].get_legend_handles_labels()
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

    # A fixed id, not pandas' random one: the same data make the same report, byte for byte.
    return (shown.style.set_uuid("truth-table").hide(axis="index").map(fill, subset=flag_columns)
            .set_table_styles([{"selector": "th", "props": "text-align: center; padding: 4px 8px;"},
                               {"selector": "td", "props": "padding: 3px 8px;"}])
            .set_caption("Truth table: each row is a combination of conditions seen in at least one campaign"))


def style_fuzzy_truth_table(
    truth_table: pd.DataFrame,
    conditions: list[str] | tuple[str, ...],
    *,
    labels: Mapping[str, str] | None = None,
    outcome_label: str = "outcome",
) -> Styler:
    """The fuzzy-set truth table as a readable styled table (HTML, no scripts).

    One row per combination seen in at least one case: each condition "yes" (membership
    above 0.5) or "no" on a dark/light fill; whether the row counts as sufficient for
    the outcome ("yes", "no", or "too few cases"); the number of cases and of those with
    the outcome; consistency and PRI with two decimals; and the cases.

    Parameters
    ----------
    truth_table
        :func:`sparklearn.analysis.fuzzy_qca.fuzzy_truth_table` output: the condition
        columns then out, n, n_outcome, incl, pri, coverage, cases.
    conditions
        The condition columns, in order.
    labels
        Condition name -> short label for the column headers.
    outcome_label
        Words for the outcome, used in the headers.

    Returns
    -------
    pandas.io.formats.style.Styler
        ``.data`` holds the displayed table; ``.to_html()`` renders it.

    Examples
    --------
    >>> tt = pd.DataFrame({"A": [1, 0], "B": [1, 1], "out": pd.array([1, 0], dtype="Int8"), "n": [2, 1],
    ...                    "n_outcome": [2, 0], "incl": [0.912, 0.3], "pri": [0.85, 0.1], "coverage": [0.6, 0.1],
    ...                    "cases": ["a;b", "c"]})
    >>> style_fuzzy_truth_table(tt, ["A", "B"], outcome_label="a win").data.to_dict("records")[0]
    {'A': 'yes', 'B': 'yes', 'sufficient for a win': 'yes', 'cases (n)': 2, 'with a win': 2, 'consistency': '0.91', 'PRI': '0.85', 'cases': 'a, b'}
    """
    labels = dict(labels or {})
    sufficient = f"sufficient for {outcome_label}"
    shown = truth_table[list(conditions)].astype(int).replace({1: "yes", 0: "no"})
    verdict = pd.array(truth_table["out"], dtype="Int8")
    shown[sufficient] = ["too few cases" if pd.isna(v) else "yes" if v == 1 else "no" for v in verdict]
    shown = shown.assign(**{
        "cases (n)": truth_table["n"].astype(int).to_numpy(),
        f"with {outcome_label}": truth_table["n_outcome"].astype(int).to_numpy(),
        "consistency": truth_table["incl"].map(lambda v: f"{v:.2f}").to_numpy(),
        "PRI": truth_table["pri"].map(lambda v: f"{v:.2f}").to_numpy(),
        "cases": truth_table["cases"].astype(str).str.replace(";", ", ").to_numpy(),
    })
    shown = shown.rename(columns={c: labels.get(c, c) for c in conditions}).reset_index(drop=True)
    flag_columns = [labels.get(c, c) for c in conditions] + [sufficient]

    def fill(value: str) -> str:
        if value == "yes":
            return f"background-color: {TRUTH_TABLE_FILL[1]}; color: white; text-align: center"
        if value == "no":
            return f"background-color: {TRUTH_TABLE_FILL[0]}; color: #333333; text-align: center"
        return "background-color: #f4d58d; color: #333333; text-align: center"

    return (shown.style.set_uuid("fuzzy-truth-table").hide(axis="index").map(fill, subset=flag_columns)
            .set_table_styles([{"selector": "th", "props": "text-align: center; padding: 4px 8px;"},
                               {"selector": "td", "props": "padding: 3px 8px;"}])
            .set_caption("Truth table: each row is a combination of conditions seen in at least one campaign "
                         "(a campaign counts where its membership is above one half)"))
