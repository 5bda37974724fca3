"""Figures for a country report (themes, coder agreement, outcome harvests), and the house style.

Stage: report. Every function takes the tidy table an analysis function returned
(plus column names where useful) and returns a matplotlib ``Figure``; none computes
statistics or reads files. Countries are always drawn in their ``colour`` from
``countries.yaml`` (:meth:`sparklearn.countries.Registry.colours`), so Kenya is the same
green in every report; other categories take :data:`CATEGORY_COLOURS`. Titles and
labels are in plain words; no figure ever shows a participant's name (speakers are
pseudonyms by the time a table reaches here).

Drawing into your own figure: a function that draws one panel takes ``ax=`` (an
existing matplotlib Axes), draws there and returns that Axes' figure, leaving the
figure's title, legend and layout to the caller; functions drawing one panel per group
also take ``axes=`` (one Axes per panel). Without them, a function makes a figure of
its own in the house style (:func:`new_figure`). Ids shown on a figure (codes,
vocabulary ids, countries, campaigns) are replaced by their label from ``labels=``
(id -> label) where one is given.

Readable by everyone: panels of one figure share their scale; numbers on heat-map
cells are black or white by their cell's colour; long labels are wrapped between words,
never cut, and never slanted; colours that mean something have a legend; and every
function describes its figure (:func:`sparklearn.report.figure_text.describe_figure`):
an alt text built from the data ("Bar chart of the 15 themes that came up most in
Kenya; the most frequent is ... with 42 segments.") and its title as caption, which the
notebook display sends with the image, numbered (:mod:`sparklearn.report.display`).

The palette and house style live here because both reports use them; the
cross-country figures are in :mod:`sparklearn.report.comparison_figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sparklearn.report.figure_text import (
    annotate_cells,
    describe_figure,
    extremes,
    number_words,
    top_item,
    wrap_label,
    wrap_labels,
)

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


def figure_for(ax: plt.Axes | None, width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    """The figure and Axes to draw on: the caller's ``ax`` and its figure, else a new figure of this size."""
    return new_figure(width, height) if ax is None else (ax.figure, ax)


def given_axes(n_panels: int, ax: plt.Axes | None, axes: Sequence[plt.Axes] | None) -> list[plt.Axes] | None:
    """The caller's Axes for ``n_panels`` panels (``ax=`` for one, ``axes=`` for one each), or None to make a figure.

    Raises
    ------
    ValueError
        Both ``ax`` and ``axes`` given, or not one Axes per panel.
    """
    if ax is not None and axes is not None:
        raise ValueError("give ax= (one panel) or axes= (one Axes per panel), not both")
    if ax is None and axes is None:
        return None
    given = [ax] if ax is not None else list(np.ravel(np.asarray(axes, dtype=object)))
    if len(given) != n_panels:
        raise ValueError(f"the figure has {n_panels} panel(s) but {len(given)} Axes were given: pass axes= with "
                         f"{n_panels} Axes (one per panel, in order), or filter the table to fewer groups")
    return given


def _label(value: object, labels: Mapping[str, str] | None) -> str:
    """How a figure shows an id: its label when ``labels`` has one, else the id itself."""
    return str((labels or {}).get(value, value))


# --- coder agreement


def agreement_dots(table: pd.DataFrame, *, with_uncoded: bool = True,
                   measures: tuple[str, ...] = ("krippendorff_alpha", "cohen_kappa"),
                   labels: Mapping[str, str] | None = None,
                   title: str = "How far the coders agree, code by code", ax: plt.Axes | None = None) -> plt.Figure:
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
    labels
        Code id -> label for the rows (the pooled "all codes" row keeps its name).
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned; the legend goes on the Axes);
        default a new figure with the legend below.

    Returns
    -------
    matplotlib.figure.Figure
        One row per code (weakest first) and the pooled row on top, in bold.

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["A", "B", "all codes"], "with_uncoded": True,
    ...                   "krippendorff_alpha": [0.9, float("nan"), 0.7], "cohen_kappa": [0.88, 0.1, 0.69]})
    >>> fig = agreement_dots(t)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['B', 'A', 'all codes']
    >>> plt.close(fig)
    """
    measure_names = {"krippendorff_alpha": "Krippendorff's alpha", "cohen_kappa": "Cohen's kappa",
                     "fleiss_kappa": "Fleiss' kappa"}
    rows = table.loc[table["with_uncoded"] == with_uncoded] if "with_uncoded" in table else table
    pooled = rows["code_id"] == "all codes"
    # Weakest codes at the bottom, the pooled row above all codes.
    per_code = rows.loc[~pooled].sort_values(list(measures[:1]), na_position="first")
    rows = pd.concat([per_code, rows.loc[pooled]], ignore_index=True)
    own = ax is None
    fig, ax = figure_for(ax, 8.0, max(2.5, 0.28 * len(rows) + 1.4))
    y = range(len(rows))
    colours = category_colours(measures)
    for offset, measure in zip((0.12, -0.12, 0.0), measures):
        values = rows[measure].astype(float)
        ax.scatter(values, [i + offset for i in y], s=28, color=colours[measure], zorder=3,
                   label=measure_names.get(measure, measure.replace("_", " ")))
    undefined = rows[list(measures)].isna().any(axis=1)
    for i in [i for i in y if undefined.iloc[i]]:
        ax.text(1.02, i, "undefined", va="center", fontsize=8, color="grey")
    for x, text, side in ((0.667, "tentative 0.667 ", "right"), (0.8, " 0.800 reliable", "left")):
        ax.axvline(x, color="grey", linestyle="--", linewidth=0.8, zorder=1)
        ax.text(x, len(rows) - 0.4, text, ha=side, va="bottom", fontsize=8, color="grey")
    ax.axvline(0, color="black", linewidth=0.6, zorder=1)
    ax.set_yticks(list(y), [_label(c, labels) for c in rows["code_id"]])
    if pooled.any():
        ax.get_yticklabels()[-1].set_fontweight("bold")
    lowest = rows[list(measures)].astype(float).min().min()
    low = min(-0.1, (0.0 if pd.isna(lowest) else float(lowest)) - 0.05)
    ax.set_xlim(low, 1.15)
    ax.set_ylim(-0.7, len(rows) + 0.3)
    ax.set_xlabel("agreement beyond chance (1 = perfect, 0 = chance)")
    ax.set_title(title)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    _described(fig, own, _agreement_alt(rows, measures[0], measure_names.get(measures[0], measures[0]), labels),
               title)
    if not own:
        ax.legend(loc="lower left", ncol=len(measures), fontsize=8, frameon=False)
        return fig
    fig.legend(loc="lower center", ncol=len(measures), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))
    return fig


def _agreement_alt(rows: pd.DataFrame, measure: str, name: str, labels: Mapping[str, str] | None) -> str:
    """What an agreement dot chart shows: how many codes, the weakest and strongest, the pooled value."""
    pooled = rows["code_id"] == "all codes"
    codes = rows.loc[~pooled & rows[measure].notna()]
    text = f"Dot chart of how far the coders agree on {int((~pooled).sum())} codes ({name} and others)"
    if len(codes):
        low, high = codes.loc[codes[measure].idxmin()], codes.loc[codes[measure].idxmax()]
        text += (f"; the weakest is '{_plain(_label(low['code_id'], labels))}' at {low[measure]:.2f}, "
                 f"the strongest '{_plain(_label(high['code_id'], labels))}' at {high[measure]:.2f}")
    if pooled.any() and pd.notna(rows.loc[pooled, measure].iloc[0]):
        text += f"; over all codes {rows.loc[pooled, measure].iloc[0]:.2f}"
    return text + ". Dashed lines mark 0.667 (tentative) and 0.800 (reliable)."


#: How an alt text names a grouping column's values ("one per campaign").
_GROUP_WORDS = {"campaign_id": "campaign", "country": "country", "round": "round"}

def _percent() -> plt.FuncFormatter:
    """Tick labels of shares: 25%, not 0.25 (a formatter belongs to one axis: a new one each time)."""
    return plt.FuncFormatter(lambda x, _: f"{x:.0%}")


def _theme_names(codes, labels: Mapping[str, str] | None, width: int = 28) -> list[str]:
    """Theme labels on lines of ``width`` characters, broken between words: long SPARK labels are never cut."""
    labels = dict(labels or {})
    return wrap_labels((labels.get(c, c) for c in codes), width)


def _lines(names: Sequence[str]) -> int:
    """The most lines any of these (wrapped) labels takes, at least 1."""
    return max([str(n).count("\n") + 1 for n in names] or [1])


def _described(fig: plt.Figure, own: bool, alt: str, caption: str | None) -> plt.Figure:
    """Describe a figure this function made (alt text and caption), or add to the caller's figure's alt text."""
    return describe_figure(fig, alt, caption if own else None, add=not own)


def _plain(text: object) -> str:
    """A (wrapped) label on one line again, for a sentence."""
    return " ".join(str(text).split())


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
                          title: str = "How often each theme comes up", ax: plt.Axes | None = None,
                          axes: Sequence[plt.Axes] | None = None) -> plt.Figure:
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
        Code (and group) id -> label; group colours (country colours from the registry).
    title
        Figure title (when the function makes the figure).
    ax, axes
        Draw into this Axes (a table with one group or none), or into one Axes per
        group, in table order; their figure is returned. Default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per group, one bar per code (width = ``value``), largest on top.
    """
    group, values = _theme_panels(freq, "code_id")
    palette = category_colours([v for v in values if v is not None], colours)
    panels = given_axes(len(values), ax, axes)
    own = panels is None
    unit = "share of segments" if value == "coverage" else value.replace("n_", "").replace("_", " ")
    parts = []
    for name in values:
        part = freq if group is None else freq.loc[freq[group] == name]
        parts.append(part.sort_values(value, ascending=False, kind="stable").head(top)[::-1])
    if own:
        # Room for every line of the wrapped theme labels; panels side by side share one scale.
        lines = _lines(_theme_names(pd.concat(parts)["code_id"], labels))
        height = max(0.42, 0.16 * lines + 0.1) * min(top, max(len(p) for p in parts)) + 1.6
        fig, grid = new_figure(max(6.0, 4.6 * len(values)), height, ncols=len(values), squeeze=False, sharex=True)
        panels = list(grid.flat)
    else:
        fig = panels[0].figure
    said = []
    for panel, name, part in zip(panels, values, parts):
        names = _theme_names(part["code_id"], labels)
        panel.barh(names, part[value], color=palette.get(name, CATEGORY_COLOURS[0]))
        panel.set_xlabel(unit)
        if value == "coverage":
            panel.xaxis.set_major_formatter(_percent())
        if name is not None:
            panel.set_title(_label(name, labels))
        where = f" in {_label(name, labels)}" if name is not None else ""
        said.append(f"{len(part)} themes{where}; the most frequent is "
                    f"{top_item([_plain(n) for n in names], part[value], unit, share=value == 'coverage')}")
    kind = "Bar chart" if len(said) == 1 else f"Bar charts, one per {_GROUP_WORDS.get(group, group)}, on one scale,"
    return _finish(fig, own, title, f"{kind} of the themes that came up most: " + "; ".join(said) + ".")


def _finish(fig: plt.Figure, own: bool, title: str | None, alt: str, *, suptitle: bool = True) -> plt.Figure:
    """A figure this function made gets its title and layout; any figure gets its alt text (and caption)."""
    if own:
        if suptitle and title:
            fig.suptitle(title)
        fig.tight_layout()
    return _described(fig, own, alt, title)


def plot_cooccurrence(pairs: pd.DataFrame, *, value: str = "jaccard", codes=None,
                      labels: Mapping[str, str] | None = None,
                      title: str = "Themes that come up together", ax: plt.Axes | None = None) -> plt.Figure:
    """Heat map of a co-occurrence measure, codes by codes (symmetric; the diagonal is blank).

    Parameters
    ----------
    pairs
        From :func:`sparklearn.analysis.themes.cooccurrence`.
    value
        ``jaccard`` (default), ``lift`` or ``n_together``.
    codes
        Codes to show, in order; default every code in a pair, sorted.
    labels
        Code id -> label for both axes.
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An image whose array is the codes x codes grid of ``value`` (NaN on the diagonal).
    """
    codes = list(codes) if codes is not None else sorted(set(pairs["code_a"]) | set(pairs["code_b"]))
    grid = pd.DataFrame(np.nan, index=codes, columns=codes)
    shown = pairs.loc[pairs["code_a"].isin(codes) & pairs["code_b"].isin(codes)]
    for a, b, v in shown[["code_a", "code_b", value]].itertuples(index=False):
        grid.loc[a, b] = grid.loc[b, a] = v
    names = [f"{i}. {wrap_label(_label(c, labels), 30)}".replace("\n", "\n    ") for i, c in enumerate(codes, 1)]
    size = 1.5 + max(0.35, 0.16 * _lines(names) + 0.06) * len(codes)
    own = ax is None
    fig, ax = figure_for(ax, size + 3.5, size)
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap=HEAT_CMAP)
    # Rows carry the numbered names and columns only the numbers: no slanted labels running into each other.
    ax.set_xticks(range(len(codes)), [str(i) for i in range(1, len(codes) + 1)], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(codes)), names, fontsize=9)
    measure = {"jaccard": "Jaccard (share of segments with either that have both)",
               "lift": "observed / expected"}.get(value, value.replace("_", " "))
    fig.colorbar(image, ax=ax, label=measure)
    ax.set_title(title)
    alt = f"Heat map of how often {len(codes)} themes come up together ({measure.split(' (')[0]})"
    if len(shown) and shown[value].notna().any():
        best = shown.loc[shown[value].idxmax()]
        alt += (f"; the pair that comes up together most is '{_plain(_label(best['code_a'], labels))}' and "
                f"'{_plain(_label(best['code_b'], labels))}' {number_words(best[value])}")
    return _finish(fig, own, title, alt + ". Columns are numbered as the rows are.", suptitle=False)


def plot_framework_matrix(matrix: pd.DataFrame, *, value: str = "n_segments",
                          labels: Mapping[str, str] | None = None,
                          title: str = "Themes by case", ax: plt.Axes | None = None) -> plt.Figure:
    """Heat map of a framework matrix: cases (rows) by themes (columns), cells annotated.

    Parameters
    ----------
    matrix
        From :func:`sparklearn.analysis.quotes.framework_matrix` (its first column is the case).
    value
        ``n_segments`` (default) or ``coverage``.
    labels
        Id -> label for the themes (columns) and the cases (rows, e.g. campaign names).
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An image whose array is the cases x themes pivot of ``value``, each cell annotated.
    """
    case = matrix.columns[0]
    grid = matrix.pivot(index=case, columns="code_id", values=value)
    grid = grid.loc[list(pd.unique(matrix[case])), list(pd.unique(matrix["code_id"]))]
    themes = _theme_names(grid.columns, labels, width=12)
    cases = wrap_labels((_label(c, labels) for c in grid.index), 24)
    own = ax is None
    # Columns wide enough for their theme on short horizontal lines (slanted labels would run into each other).
    fig, ax = figure_for(ax, 3.5 + 0.95 * grid.shape[1], 1.2 + 0.15 * _lines(themes)
                          + max(0.45, 0.17 * _lines(cases)) * grid.shape[0])
    data = grid.to_numpy(dtype=float)
    image = ax.imshow(data, cmap=HEAT_CMAP, aspect="auto", vmin=0)
    ax.set_xticks(range(grid.shape[1]), themes, fontsize=8)
    ax.set_yticks(range(grid.shape[0]), cases)
    annotate_cells(ax, image, data, (lambda v: f"{v:.0%}") if value == "coverage" else (lambda v: f"{v:.0f}"))
    unit = "share of segments" if value == "coverage" else "coded segments"
    fig.colorbar(image, ax=ax, label=unit)
    ax.set_title(title)
    alt = f"Heat map of {unit} for {grid.shape[1]} themes in {grid.shape[0]} cases"
    if np.isfinite(data).any():
        i, j = np.unravel_index(np.nanargmax(data), data.shape)
        alt += (f"; the largest cell is '{_plain(themes[j])}' in '{_plain(cases[i])}' "
                f"{number_words(data[i, j], unit, share=value == 'coverage')}")
    return _finish(fig, own, title, alt + ".", suptitle=False)


def plot_themes_over_rounds(table: pd.DataFrame, *, value: str = "coverage", codes=None, top: int = 6,
                            labels: Mapping[str, str] | None = None,
                            title: str = "Themes across rounds", ax: plt.Axes | None = None,
                            axes: Sequence[plt.Axes] | None = None) -> plt.Figure:
    """One line per code across rounds; one panel per group when the table has one (e.g. country).

    Parameters
    ----------
    table
        From :func:`sparklearn.analysis.themes.themes_over_rounds`.
    value
        ``coverage`` (default) or ``n_segments``.
    codes
        Codes to draw; default the ``top`` codes with the most coded segments overall.
    labels
        Code (and group) id -> label, for the legend and the panel titles.
    title
        Figure title (when the function makes the figure).
    ax, axes
        Draw into this Axes (a table with one group or none), or into one Axes per
        group, in table order; their figure is returned. Default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per group, one line per code with a point per round.
    """
    if codes is None:
        totals = table.groupby("code_id", sort=False)["n_segments"].sum()
        codes = totals.sort_values(ascending=False, kind="stable").head(top).index.tolist()
    group, values = _theme_panels(table, "round")
    palette = category_colours(codes)
    panels = given_axes(len(values), ax, axes)
    own = panels is None
    if own:
        # One panel alone gets a report's width; several share it (legend to the right of the last).
        fig, grid = new_figure(max(7.0, 4.5 * len(values)), 3.8, ncols=len(values), squeeze=False, sharey=True)
        panels = list(grid.flat)
    else:
        fig = panels[0].figure
    for panel, name in zip(panels, values):
        part = table if group is None else table.loc[table[group] == name]
        for code, label in zip(codes, _theme_names(codes, labels)):
            line = part.loc[part["code_id"] == code].sort_values("round")
            panel.plot(line["round"], line[value], marker="o", color=palette[code], label=label)
        panel.set_xlabel("round")
        panel.set_xticks(sorted(pd.unique(part["round"])))
        if name is not None:
            panel.set_title(_label(name, labels))
    unit = "share of the round's segments" if value == "coverage" else value.replace("n_", "").replace("_", " ")
    panels[0].set_ylabel(unit)
    panels[-1].legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    shown = table.loc[table["code_id"].isin(codes)]
    rounds = sorted(pd.unique(shown["round"]))
    for panel in panels if value == "coverage" else []:
        panel.yaxis.set_major_formatter(_percent())
    alt = f"Line chart{'s, one per ' + _GROUP_WORDS.get(group, group) + ',' if group else ''} of the {unit} " \
          f"for {len(codes)} themes"
    if rounds:
        share = value == "coverage"
        last = shown.loc[shown["round"] == rounds[-1]].groupby("code_id", sort=False)[value]
        last = last.mean() if share else last.sum()
        alt += f", rounds {rounds[0]} to {rounds[-1]}" if len(rounds) > 1 else f", round {rounds[0]}"
        if len(last):
            names = [_plain(_label(c, labels)) for c in last.index]
            alt += f"; in round {rounds[-1]} the most common is {top_item(names, last, unit, share=share)}"
    return _finish(fig, own, title, alt + ".")


# --- outcome harvests
# Figures for the tables of sparklearn.outcomes (counts_by, timeline, substantiation_rates,
# contribution_matrix, outcome_graph). Outcome text never reaches a figure: only ids and categories.


def plot_outcome_counts(counts: pd.DataFrame, column: str, *, labels: Mapping[str, str] | None = None,
                        title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Horizontal bars of ``counts_by(outcomes, column)`` (labels when the table has them).

    Parameters
    ----------
    counts
        :func:`sparklearn.analysis.outcomes.counts_by` output: ``column``, n_outcomes
        and, when it was given a codebook, label.
    column
        The category column.
    labels
        Id -> label for the bars; ids not in it keep the table's ``label``, else their id.
    title
        Axes title; default from ``column``.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per row (table order, top to bottom), width = n_outcomes.

    Examples
    --------
    >>> fig = plot_outcome_counts(pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 1]}), "level")
    >>> [float(p.get_width()) for p in fig.axes[0].patches]
    [3.0, 1.0]
    """
    names = counts["label"] if "label" in counts.columns else counts[column]
    if labels is not None:
        names = counts[column].map(labels).fillna(names)
    names = wrap_labels(names.astype(str), 32)
    own = ax is None
    fig, ax = figure_for(ax, 7.5, max(0.45, 0.17 * _lines(names) + 0.1) * len(counts) + 1.4)
    values = counts["n_outcomes"].to_numpy(dtype=float)
    ax.barh(names, values, color=CATEGORY_COLOURS[0])
    ax.invert_yaxis()
    ax.set_xlabel("outcomes")
    title = title or f"Outcomes by {column.replace('_', ' ')}"
    ax.set_title(title)
    alt = f"Bar chart of {int(np.nansum(values))} outcomes by {column.replace('_', ' ')}, {len(values)} bars"
    if len(values) and np.nanmax(values) > 0:
        alt += f"; the most are {top_item([_plain(n) for n in names], values, 'outcomes')}"
    return _finish(fig, own, title, alt + ".", suptitle=False)


def plot_outcome_timeline(table: pd.DataFrame, *, by: str | None = None,
                          colours: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                          title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Outcomes per period from ``timeline(outcomes, ...)``: bars, or one line per ``by`` group.

    Parameters
    ----------
    table
        :func:`sparklearn.analysis.outcomes.timeline` output: period, n_outcomes and ``by``.
    by
        Grouping column drawn as one line per group; default bars of all outcomes.
    colours
        Group -> colour (country colours from the registry).
    labels
        Group id -> label for the legend.
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per period (height = n_outcomes), or one line per group.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2023Q1", "2023Q2"], "n_outcomes": [2, 0]})
    >>> len(plot_outcome_timeline(t).axes[0].patches)
    2
    """
    own = ax is None
    fig, ax = figure_for(ax, 8, 3.6)
    periods = sorted(pd.unique(table["period"].astype(str)))
    position = {p: i for i, p in enumerate(periods)}
    if by is None:
        ax.bar([position[p] for p in table["period"].astype(str)], table["n_outcomes"].to_numpy(dtype=float),
               color=CATEGORY_COLOURS[0])
    else:
        palette = category_colours(table[by], colours)
        for group, part in table.groupby(by, sort=True):
            ax.plot([position[p] for p in part["period"].astype(str)], part["n_outcomes"].to_numpy(dtype=float),
                    marker="o", label=_label(group, labels), color=palette[group])
        ax.legend(frameon=False, fontsize=8)
    # Horizontal labels on two lines ("Q3" over "2021"); when they would not fit side by side, every k-th one.
    every = max(1, -(-len(periods) * 0.5 // fig.get_figwidth()))
    ax.set_xticks(range(len(periods)), [_period_label(p) if i % every == 0 else "" for i, p in enumerate(periods)],
                  fontsize=8)
    ax.set_ylabel("outcomes")
    title = title or "Outcomes harvested per period"
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    per = table.groupby(table["period"].astype(str), sort=False)["n_outcomes"].sum()
    alt = f"{'Bar chart' if by is None else 'Line chart, one line per ' + by.replace('_', ' ') + ','} of outcomes " \
          f"harvested per period"
    if len(per):
        alt += f", {periods[0]} to {periods[-1]}, {int(per.sum())} in all"
        if per.max() > 0:
            alt += f"; the most in {per.idxmax()} with {int(per.max())}"
    return _finish(fig, own, title, alt + ".", suptitle=False)


def _period_label(period: str) -> str:
    """A period as a horizontal two-line tick label: "2021Q3" as "Q3" over "2021", "2021-03" as "Mar" over "2021"."""
    import re

    if match := re.fullmatch(r"(\d{4})Q(\d)", period):
        return f"Q{match[2]}\n{match[1]}"
    if match := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"{pd.Timestamp(period + '-01'):%b}\n{match[1]}"
    return wrap_label(period, 8)


def plot_substantiation(rates: pd.DataFrame, by: str, *, labels: Mapping[str, str] | None = None,
                        title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """Share of checked outcomes substantiated (fully or partially), with Wilson intervals.

    Takes ``substantiation_rates(outcomes, by)``; groups with no checked outcome show no point.

    Parameters
    ----------
    rates
        :func:`sparklearn.analysis.outcomes.substantiation_rates` output: ``by``,
        n_checked, share_confirmed, confirmed_low, confirmed_high.
    by
        The grouping column.
    labels
        Group id -> label for the rows.
    title
        Axes title; default from ``by``.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One point per group at share_confirmed with its interval, on a 0-1 axis.

    Examples
    --------
    >>> r = pd.DataFrame({"level": ["local"], "n_checked": [5], "share_confirmed": [0.8],
    ...                   "confirmed_low": [0.38], "confirmed_high": [0.96]})
    >>> tuple(map(float, plot_substantiation(r, "level").axes[0].get_xlim()))
    (0.0, 1.0)
    """
    own = ax is None
    fig, ax = figure_for(ax, 7.5, 0.45 * len(rates) + 1.4)
    y = range(len(rates))
    share = rates["share_confirmed"].to_numpy(dtype=float)
    low = share - rates["confirmed_low"].to_numpy(dtype=float)
    high = rates["confirmed_high"].to_numpy(dtype=float) - share
    # Not clipped: a share of 1 sits on the axis end and is drawn whole.
    ax.errorbar(share, list(y), xerr=[low, high], fmt="o", color=CATEGORY_COLOURS[0], capsize=3, clip_on=False)
    names = [wrap_label(f"{_label(g, labels)} (n={n})", 36) for g, n in zip(rates[by], rates["n_checked"])]
    ax.set_yticks(list(y), names)
    ax.invert_yaxis()
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("share substantiated, of outcomes put to an informant (95% interval)")
    title = title or f"Substantiation by {by.replace('_', ' ')}"
    ax.set_title(title)
    alt = f"Dot chart of the share of checked outcomes substantiated, by {by.replace('_', ' ')}, with 95% intervals"
    if np.isfinite(share).any():
        alt += f"; {extremes([_plain(_label(g, labels)) for g in rates[by]], share, share=True)}"
    return _finish(fig, own, title, alt + ".", suptitle=False)


def plot_contribution_matrix(matrix: pd.DataFrame, *, value: str = "n_outcomes",
                             labels: Mapping[str, str] | None = None, title: str | None = None,
                             ax: plt.Axes | None = None) -> plt.Figure:
    """Heat map of ``contribution_matrix(outcomes)``: strategic components by outcome areas.

    Parameters
    ----------
    matrix
        :func:`sparklearn.analysis.outcomes.contribution_matrix` output:
        strategic_component, outcome_area, ``value``.
    value
        The measure drawn and annotated.
    labels
        Vocabulary id -> label for both axes (components and outcome areas).
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        An image whose array is the components x areas pivot of ``value``, each cell annotated.

    Examples
    --------
    >>> m = pd.DataFrame({"strategic_component": ["SC-AGENCY", "SC-AGENCY"],
    ...                   "outcome_area": ["OA-POWER", "OA-SPACES"], "n_outcomes": [2, 0]})
    >>> plot_contribution_matrix(m).axes[0].images[0].get_array().shape
    (1, 2)
    """
    grid = matrix.pivot(index="strategic_component", columns="outcome_area", values=value)
    grid = grid.reindex(index=pd.unique(matrix["strategic_component"]), columns=pd.unique(matrix["outcome_area"]))
    areas = wrap_labels((_label(c, labels) for c in grid.columns), 16)
    components = wrap_labels((_label(c, labels) for c in grid.index), 30)
    own = ax is None
    fig, ax = figure_for(ax, 1.3 * grid.shape[1] + 3.5, max(0.45, 0.17 * _lines(components) + 0.1) * grid.shape[0]
                          + 1.2 + 0.15 * _lines(areas))
    data = grid.to_numpy(dtype=float)
    image = ax.imshow(data, cmap=HEAT_CMAP, aspect="auto", vmin=0)
    ax.set_xticks(range(grid.shape[1]), areas, fontsize=8)
    ax.set_yticks(range(grid.shape[0]), components)
    annotate_cells(ax, image, data, "{:g}".format)
    unit = "outcomes" if value == "n_outcomes" else value.replace("_", " ")
    fig.colorbar(image, ax=ax, label=unit)
    title = title or "Which strategic components contributed to which outcome areas"
    ax.set_title(title)
    alt = f"Heat map of {unit} by {grid.shape[0]} strategic components and {grid.shape[1]} outcome areas"
    if np.isfinite(data).any():
        i, j = np.unravel_index(np.nanargmax(data), data.shape)
        alt += (f"; the largest cell is '{_plain(components[i])}' contributing to '{_plain(areas[j])}' "
                f"{number_words(data[i, j], unit)}")
    return _finish(fig, own, title, alt + ".", suptitle=False)


def plot_outcome_chains(graph, *, levels=None, labels: Mapping[str, str] | None = None, title: str | None = None,
                        ax: plt.Axes | None = None) -> plt.Figure:
    """The outcome graph (``outcome_graph(outcomes)``) drawn by date (x) and level (y), coloured by level.

    Arrows run from an outcome to the ones that built on it. Undated outcomes are
    placed by their step in the chain instead. Only outcomes in a chain are drawn.

    Parameters
    ----------
    graph
        :func:`sparklearn.analysis.outcomes.outcome_graph` output (nodes carry level and date).
    levels
        The levels, bottom to top; default the levels present, sorted.
    labels
        Level id -> label for the y axis.
    title
        Axes title.
    ax
        Draw into this Axes (its figure is returned); default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One point per chained outcome, arrows along the links.

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

    chained = graph.subgraph([n for n in graph if graph.degree(n) > 0])
    own = ax is None
    fig, ax = figure_for(ax, 9, 4.8)
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
    names = [_label(level, labels) for level in levels]
    ax.set_yticks(range(len(levels)), wrap_labels(names, 20))
    if dated:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.tick_params(left=True, bottom=True, labelleft=True, labelbottom=True)
    ax.set_xlabel("date of the outcome" if dated else "step in the chain")
    title = title or "Outcome chains: how outcomes built on each other"
    ax.set_title(title)
    # What each colour and mark means, said on the figure: the level (colour), an outcome (dot), a link (arrow).
    from matplotlib.lines import Line2D

    present = [lev for lev in levels if any(chained.nodes[n].get("level") == lev for n in nodes)]
    # Top level first, as the y axis reads.
    handles = [Line2D([], [], marker="o", linestyle="", color=palette[lev], label=_label(lev, labels))
               for lev in reversed(present)]
    handles.append(Line2D([], [], color="#888888", marker=">", markersize=5, label="arrow: a later outcome\nbuilt on it"))
    ax.legend(handles=handles, title="outcome level", fontsize=8, title_fontsize=8, frameon=False,
              loc="upper left", bbox_to_anchor=(1.01, 1))
    alt = (f"Network of {len(nodes)} outcomes in chains ({chained.number_of_edges()} links), placed by "
           f"{'date' if dated else 'step in the chain'} and level and coloured by level")
    if present:
        counts = [sum(chained.nodes[n].get("level") == lev for n in nodes) for lev in present]
        alt += "; " + ", ".join(f"{c} {_plain(_label(lev, labels))}" for lev, c in zip(present, counts))
    return _finish(fig, own, title, alt + ".", suptitle=False)
