"""Tests of the cross-country comparison figures (sparklearn.report.comparison_figures): the drawn data equal the input.

Each figure is built from a small hand-made frame in the shape sparklearn.analysis returns
(see its docstrings), then the artists are read back: bar heights, points, interval ends,
image arrays, colours and axis scales.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from sparklearn.report import comparison_figures as plots  # noqa: E402
from sparklearn.report.figures import CATEGORY_COLOURS  # noqa: E402

COLOURS = {"ghana": "#c1272d", "kenya": "#006b3f", "senegal": "#7b3fa0"}


@pytest.fixture(autouse=True)
def _close_figures():
    # Before too: a figure another test module left open must not count as one drawn here.
    plt.close("all")
    yield
    plt.close("all")


def _bar_colours(ax) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in ax.patches]


def _error_segments(ax) -> np.ndarray:
    """End points of the first bar container's error bars: one (2, 2) segment per bar."""
    container = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    return np.array(container.lines[2][0].get_segments())


def test_country_shares_draw_each_countrys_shares_in_its_colour():
    # ContingencyResult.cells shape: row, col, observed, expected, ...
    cells = pd.DataFrame({
        "country": ["ghana"] * 3 + ["kenya"] * 3,
        "outcome_area": ["OA-POWER", "OA-SPACES", "OA-EQUITY"] * 2,
        "observed": [6, 3, 1, 0, 2, 2],
        "expected": 0.0,
    })
    fig = plots.plot_country_shares(cells, COLOURS, labels={"OA-POWER": "Power", "OA-SPACES": "Democratised fiscal "
                                    "governance spaces"}, names={"ghana": "Ghana"})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    ghana, kenya = axes
    assert [p.get_width() for p in ghana.patches] == pytest.approx([0.6, 0.3, 0.1])
    assert [p.get_width() for p in kenya.patches] == pytest.approx([0.0, 0.5, 0.5])
    assert set(_bar_colours(ghana)) == {COLOURS["ghana"]} and set(_bar_colours(kenya)) == {COLOURS["kenya"]}
    assert ghana.get_title() == "Ghana (n = 10)" and kenya.get_title() == "kenya (n = 4)"
    assert [t.get_text() for t in ghana.get_yticklabels()] == ["Power", "Democratised fiscal governance\nspaces", "OA-EQUITY"]


def test_country_shares_grid_hides_spare_panels():
    cells = pd.DataFrame({"country": ["ghana", "kenya", "senegal"], "level": ["local"] * 3, "observed": [1, 2, 3]})
    fig = plots.plot_country_shares(cells, COLOURS, col="level", ncols=2)
    assert len(fig.axes) == 4 and sum(ax.get_visible() for ax in fig.axes) == 3


def test_outcome_rates_bars_and_exact_intervals():
    rates = pd.DataFrame({"country": ["ghana", "kenya"], "n_campaigns": [2, 2], "n_outcomes": [31, 12],
                          "campaign_months": [112.0, 60.0], "per_campaign_month": [31 / 112, 0.2],
                          "ci_low": [0.19, 0.10], "ci_high": [0.39, 0.35]})
    fig = plots.plot_country_rates(rates, COLOURS)
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == pytest.approx([31 / 112, 0.2])
    assert _bar_colours(ax) == [COLOURS["ghana"], COLOURS["kenya"]]
    ends = _error_segments(ax)[:, :, 0]  # horizontal error bars: x of both ends
    np.testing.assert_allclose(ends, [[0.19, 0.39], [0.10, 0.35]])
    assert ax.get_yticklabels()[0].get_text() == "ghana (31 in 112 months)"


def test_sector_rates_one_panel_per_sector_with_pooled_line():
    # sector_comparison shape
    table = pd.DataFrame({
        "sector": ["water and sanitation"] * 3 + ["health"] * 2, "n_countries": [3, 3, 3, 2, 2],
        "country": ["ghana", "kenya", "senegal", "ghana", "kenya"],
        "per_campaign_month": [0.2, 0.4, 0.3, 0.1, 0.5], "ci_low": [0.1, 0.2, 0.15, 0.05, 0.3],
        "ci_high": [0.3, 0.7, 0.5, 0.2, 0.8], "sector_rate": [0.3, 0.3, 0.3, 0.25, 0.25],
    })
    fig = plots.plot_sector_rates(table, COLOURS)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["water and sanitation", "health"]
    water, health = axes
    assert [p.get_height() for p in water.patches] == pytest.approx([0.2, 0.4, 0.3])
    assert [p.get_height() for p in health.patches] == pytest.approx([0.1, 0.5])
    assert _bar_colours(water) == [COLOURS[c] for c in ("ghana", "kenya", "senegal")]
    np.testing.assert_allclose(_error_segments(health)[:, :, 1], [[0.05, 0.2], [0.3, 0.8]])
    pooled = [line.get_ydata()[0] for ax in axes for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert pooled == pytest.approx([0.3, 0.25])


def test_rate_ratios_on_a_log_axis_with_reference_and_missing_levels():
    # RateRatios.table shape: sorted by term; the reference has no interval; a level without outcomes is 0.
    table = pd.DataFrame({
        "term": ["ghana", "kenya", "senegal"], "reference": [False, True, False],
        "rate_ratio": [2.5, 1.0, 0.0], "ci_low": [1.2, np.nan, np.nan], "ci_high": [5.1, np.nan, np.nan],
        "p_value": [0.01, np.nan, np.nan], "p_holm": [0.02, np.nan, np.nan],
    })
    fig = plots.plot_rate_ratios(table, COLOURS)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [ax.xaxis.get_major_formatter()(x, 0) for x in (0.25, 1.0, 4.0)] == ["1/4", "1", "4"]
    points = ax.collections[1].get_offsets()  # collection 0: the interval lines
    np.testing.assert_allclose(np.asarray(points), [[2.5, 0.0], [1.0, 1.0]])
    assert [to_hex(c) for c in ax.collections[1].get_facecolors()] == [COLOURS["ghana"], COLOURS["kenya"]]
    segments = ax.collections[0].get_segments()
    assert len(segments) == 1
    np.testing.assert_allclose(segments[0], [[1.2, 0.0], [5.1, 0.0]])
    assert to_hex(ax.collections[0].get_colors()[0]) == COLOURS["ghana"]
    reference_lines = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert reference_lines == [1.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ghana", "kenya (reference)", "senegal (no outcomes)"]


def test_rate_ratios_by_sector_use_the_fallback_palette():
    table = pd.DataFrame({"term": ["health", "water"], "reference": [False, True], "rate_ratio": [0.5, 1.0],
                          "ci_low": [0.25, np.nan], "ci_high": [0.98, np.nan]})
    ax = plots.plot_rate_ratios(table, COLOURS).axes[0]
    assert [to_hex(c) for c in ax.collections[1].get_facecolors()] == [c.lower() for c in CATEGORY_COLOURS[:2]]


def test_substantiation_two_panels_with_wilson_intervals():
    # substantiation_by shape; kenya checked nothing, so it has no confirmed share.
    table = pd.DataFrame({
        "country": ["ghana", "kenya"], "n_outcomes": [10, 5], "n_checked": [4, 0], "n_fully": [2, 0],
        "n_partially": [1, 0], "n_disagree": [1, 0], "share_checked": [0.4, 0.0], "checked_low": [0.17, 0.0],
        "checked_high": [0.69, 0.43], "share_confirmed": [0.75, np.nan], "confirmed_low": [0.30, np.nan],
        "confirmed_high": [0.95, np.nan],
    })
    fig = plots.plot_substantiation_by(table, COLOURS)
    checked, confirmed = fig.axes
    assert [p.get_width() for p in checked.patches] == pytest.approx([0.4, 0.0])
    assert [p.get_width() for p in confirmed.patches] == pytest.approx([0.75])
    assert _bar_colours(checked) == [COLOURS["ghana"], COLOURS["kenya"]]
    assert _bar_colours(confirmed) == [COLOURS["ghana"]]
    np.testing.assert_allclose(_error_segments(checked)[:, :, 0], [[0.17, 0.69], [0.0, 0.43]])
    np.testing.assert_allclose(_error_segments(confirmed)[:, :, 0], [[0.30, 0.95]])
    assert [t.get_text() for t in checked.get_yticklabels()] == ["ghana (4 of 10)", "kenya (0 of 5)"]


def _matrix() -> pd.DataFrame:
    # code_frequencies shape: by, code_id, n_segments (coded), segments_in_group, coverage
    return pd.DataFrame({
        "country": ["ghana"] * 3 + ["kenya"] * 3, "code_id": ["AE", "BR", "SC"] * 2,
        "n_segments": [1, 4, 2, 6, 0, 3], "segments_in_group": [10] * 3 + [12] * 3,
        "coverage": [0.1, 0.4, 0.2, 0.5, 0.0, 0.25],
    })


def test_theme_heatmap_image_is_the_matrix_with_country_coloured_labels():
    fig = plots.plot_country_themes(_matrix(), COLOURS, labels={"BR": "Barriers"})
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.5], [0.4, 0.0], [0.2, 0.25]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AE", "Barriers", "SC"]
    assert [(t.get_text(), to_hex(t.get_color())) for t in ax.get_xticklabels()] == [
        ("ghana", COLOURS["ghana"]), ("kenya", COLOURS["kenya"])]
    assert [t.get_text() for t in ax.texts] == ["10%", "50%", "40%", "0%", "20%", "25%"]


def test_theme_heatmap_top_keeps_the_most_used_codes_first():
    ax = plots.plot_country_themes(_matrix(), COLOURS, top=2).axes[0]
    # mean coverage: AE 0.30, BR 0.20, SC 0.225
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AE", "SC"]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.5], [0.2, 0.25]])


def test_themes_over_rounds_one_panel_per_code_one_line_per_country():
    # themes_over_rounds shape: by, round, code_id, n_segments (coded), segments_in_group, coverage
    table = pd.DataFrame({
        "country": ["ghana"] * 4 + ["kenya"] * 4, "round": [1, 1, 2, 2] * 2, "code_id": ["AE", "BR"] * 4,
        "n_segments": 0, "segments_in_group": 10, "coverage": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    })
    fig = plots.plot_country_themes_over_rounds(table, COLOURS, labels={"AE": "Ecosystem"})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["Ecosystem", "BR"]
    lines = axes[1].get_lines()
    assert [to_hex(line.get_color()) for line in lines] == [COLOURS["ghana"], COLOURS["kenya"]]
    assert [line.get_ydata().tolist() for line in lines] == [pytest.approx([0.2, 0.4]), pytest.approx([0.6, 0.8])]
    assert lines[0].get_xdata().tolist() == [1, 2]


def test_truth_table_styled_with_words_fills_and_no_scripts():
    # qca.truth_table shape: conditions, out, n, n_outcome, incl, contradictory, cases
    tt = pd.DataFrame({"COALITION": [1, 1, 0], "MEDIA": [1, 0, 0], "out": [1, 0, 0], "n": [3, 2, 1],
                       "n_outcome": [3, 1, 0], "incl": [1.0, 0.5, 0.0], "contradictory": [False, True, False],
                       "cases": ["a;b;c", "d;e", "f"]})
    styler = plots.style_truth_table(tt, ["COALITION", "MEDIA"], labels={"COALITION": "broad coalition"},
                                     outcome_label="policy win")
    assert styler.data.columns.tolist() == ["broad coalition", "MEDIA", "policy win", "cases (n)", "consistency",
                                            "cases"]
    assert styler.data["policy win"].tolist() == ["yes", "mixed", "no"]
    assert styler.data["consistency"].tolist() == ["1.00", "0.50", "0.00"]
    assert styler.data["cases (n)"].tolist() == [3, 2, 1] and styler.data["cases"].iloc[0] == "a, b, c"
    html = styler.to_html()
    assert "<script" not in html.lower() and "d, e" in html
    # Fixed ids, not pandas' random ones: the same table twice is the same HTML (reports are reproducible).
    assert plots.style_truth_table(tt, ["COALITION", "MEDIA"], labels={"COALITION": "broad coalition"},
                                   outcome_label="policy win").to_html() == html
    assert 'id="T_truth-table"' in html
    styler._compute()
    fills = {cell: dict(props).get("background-color") for cell, props in styler.ctx.items()}
    assert fills[(0, 0)] == plots.TRUTH_TABLE_FILL[1] and fills[(2, 1)] == plots.TRUTH_TABLE_FILL[0]
    assert (0, 3) not in fills  # counts and cases are not filled


# ------------------------------------------------------------------ drawing into the caller's Axes, labels=


def _own_axes(n: int = 1):
    fig, axes = plt.subplots(1, n, squeeze=False)
    return fig, list(axes.flat)


def test_country_rates_into_ax_with_sector_labels():
    rates = pd.DataFrame({"sector": ["health", "water"], "n_outcomes": [31, 12], "campaign_months": [112.0, 60.0],
                          "per_campaign_month": [31 / 112, 0.2], "ci_low": [0.19, 0.10], "ci_high": [0.39, 0.35]})
    fig, (ax,) = _own_axes()
    assert plots.plot_country_rates(rates, by="sector", labels={"water": "Water and sanitation"}, ax=ax) is fig
    assert plt.get_fignums() == [fig.number]
    assert [p.get_width() for p in ax.patches] == pytest.approx([31 / 112, 0.2])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["health (31 in 112 months)",
                                                            "Water and sanitation (12 in 60 months)"]


def test_rate_ratios_into_ax_names_first_then_labels():
    table = pd.DataFrame({"term": ["ghana", "health"], "reference": [False, True], "rate_ratio": [2.5, 1.0],
                          "ci_low": [1.2, np.nan], "ci_high": [5.1, np.nan]})
    fig, (ax,) = _own_axes()
    out = plots.plot_rate_ratios(table, COLOURS, names={"ghana": "Ghana"},
                                 labels={"ghana": "not this", "health": "Health"}, ax=ax)
    assert out is fig and ax.get_xscale() == "log"
    np.testing.assert_allclose(np.asarray(ax.collections[1].get_offsets()), [[2.5, 0.0], [1.0, 1.0]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ghana", "Health (reference)"]


def test_country_shares_into_axes_one_per_country_each_with_its_categories():
    cells = pd.DataFrame({"country": ["ghana"] * 2 + ["kenya"] * 2, "level": ["local", "national"] * 2,
                          "observed": [3, 1, 0, 4]})
    fig, axes = _own_axes(2)
    assert plots.plot_country_shares(cells, COLOURS, col="level", labels={"local": "Local"}, axes=axes) is fig
    ghana, kenya = axes
    assert [p.get_width() for p in ghana.patches] == pytest.approx([0.75, 0.25])
    assert [p.get_width() for p in kenya.patches] == pytest.approx([0.0, 1.0])
    # The caller's Axes share nothing, so each carries the categories, first on top.
    for ax in axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Local", "national"] and ax.yaxis_inverted()
    assert fig.get_suptitle() == ""  # the caller's figure keeps its own title


def test_country_shares_one_country_into_ax_and_a_wrong_count_of_axes_refused():
    cells = pd.DataFrame({"country": ["ghana", "ghana"], "level": ["local", "national"], "observed": [3, 1]})
    fig, (ax,) = _own_axes()
    assert plots.plot_country_shares(cells, COLOURS, col="level", ax=ax) is fig
    assert [p.get_width() for p in ax.patches] == pytest.approx([0.75, 0.25])
    with pytest.raises(ValueError, match="1 panel.*2 Axes"):
        plots.plot_country_shares(cells, COLOURS, col="level", axes=_own_axes(2)[1])


def test_sector_rates_into_axes_with_sector_labels():
    table = pd.DataFrame({"sector": ["water", "water", "health"], "country": ["ghana", "kenya", "ghana"],
                          "per_campaign_month": [0.2, 0.4, 0.1], "ci_low": [0.1, 0.2, 0.05],
                          "ci_high": [0.3, 0.7, 0.2], "sector_rate": [0.3, 0.3, 0.1]})
    fig, axes = _own_axes(2)
    assert plots.plot_sector_rates(table, COLOURS, names={"kenya": "Kenya"}, labels={"water": "Water"},
                                   axes=axes) is fig
    water, health = axes
    assert (water.get_title(), health.get_title()) == ("Water", "health")
    assert [p.get_height() for p in water.patches] == pytest.approx([0.2, 0.4])
    assert [t.get_text() for t in water.get_xticklabels()] == ["ghana", "Kenya"]


def test_substantiation_by_into_two_given_axes():
    table = pd.DataFrame({
        "country": ["ghana", "kenya"], "n_outcomes": [10, 5], "n_checked": [4, 0], "share_checked": [0.4, 0.0],
        "checked_low": [0.17, 0.0], "checked_high": [0.69, 0.43], "share_confirmed": [0.75, np.nan],
        "confirmed_low": [0.30, np.nan], "confirmed_high": [0.95, np.nan]})
    fig, axes = _own_axes(2)
    assert plots.plot_substantiation_by(table, COLOURS, labels={"kenya": "Kenya"}, axes=axes) is fig
    checked, confirmed = axes
    assert [p.get_width() for p in checked.patches] == pytest.approx([0.4, 0.0])
    assert [p.get_width() for p in confirmed.patches] == pytest.approx([0.75])
    assert [t.get_text() for t in checked.get_yticklabels()] == ["ghana (4 of 10)", "Kenya (0 of 5)"]
    assert list(confirmed.get_yticks()) == [0, 1] and confirmed.yaxis_inverted()
    with pytest.raises(ValueError, match="2 panel.*1 Axes"):
        plots.plot_substantiation_by(table, COLOURS, axes=axes[:1])


def test_theme_heatmap_into_ax():
    fig, (ax,) = _own_axes()
    assert plots.plot_country_themes(_matrix(), COLOURS, labels={"BR": "Barriers"}, names={"kenya": "Kenya"},
                                     ax=ax) is fig
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.5], [0.4, 0.0], [0.2, 0.25]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AE", "Barriers", "SC"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ghana", "Kenya"]


def test_themes_over_rounds_into_axes_with_the_legend_on_the_first():
    table = pd.DataFrame({
        "country": ["ghana"] * 4 + ["kenya"] * 4, "round": [1, 1, 2, 2] * 2, "code_id": ["AE", "BR"] * 4,
        "coverage": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    })
    fig, axes = _own_axes(2)
    assert plots.plot_country_themes_over_rounds(table, COLOURS, labels={"BR": "Barriers"},
                                                 names={"ghana": "Ghana"}, axes=axes) is fig
    assert [ax.get_title() for ax in axes] == ["AE", "Barriers"]
    assert [line.get_ydata().tolist() for line in axes[1].get_lines()] == [pytest.approx([0.2, 0.4]),
                                                                            pytest.approx([0.6, 0.8])]
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["Ghana", "kenya"]
    assert not fig.legends


# --- readable figures: one scale, numbers that contrast with their cell, labels whole, alt text

LONG = "Countervailing power of marginalised groups in the fiscal domain, at every level of government"


def _substantiation_table() -> pd.DataFrame:
    return pd.DataFrame({
        "country": ["ghana", "kenya"], "n_outcomes": [10, 5], "n_checked": [4, 2], "share_checked": [0.4, 0.4],
        "checked_low": [0.17, 0.1], "checked_high": [0.69, 0.8], "share_confirmed": [0.75, 0.5],
        "confirmed_low": [0.30, 0.1], "confirmed_high": [0.95, 0.9],
    })


def test_panels_compared_side_by_side_share_one_scale():
    cells = pd.DataFrame({"country": ["ghana"] * 2 + ["kenya"] * 2, "outcome_area": ["A", "B"] * 2,
                          "observed": [9, 1, 1, 1]})
    shares = [ax for ax in plots.plot_country_shares(cells, COLOURS).axes if ax.get_visible()]
    assert shares[0].get_xlim() == shares[1].get_xlim()
    checked, confirmed = plots.plot_substantiation_by(_substantiation_table(), COLOURS).axes
    assert checked.get_xlim() == confirmed.get_xlim() == (0.0, 1.0)
    rounds = pd.DataFrame({"country": ["ghana", "ghana", "kenya", "kenya"], "round": [1, 2, 1, 2],
                           "code_id": ["AE", "BR", "AE", "BR"], "coverage": [0.9, 0.1, 0.1, 0.05]})
    panels = [ax for ax in plots.plot_country_themes_over_rounds(rounds, COLOURS).axes if ax.get_visible()]
    assert panels[0].get_ylim() == panels[1].get_ylim()


def test_two_theme_heat_maps_can_share_one_colour_scale():
    first = plots.plot_country_themes(_matrix(), COLOURS, vmax=0.6).axes[0].images[0]
    second = plots.plot_country_themes(_matrix().assign(coverage=lambda t: t["coverage"] / 2), COLOURS,
                                       vmax=0.6).axes[0].images[0]
    assert (first.norm.vmin, first.norm.vmax) == (second.norm.vmin, second.norm.vmax) == (0, 0.6)


def test_theme_heat_map_numbers_contrast_with_their_cell_and_labels_are_whole():
    from sparklearn.report.figure_text import contrast_ratio

    matrix = pd.DataFrame({"country": ["ghana"] * 4 + ["south-africa"] * 4, "code_id": ["L", "B", "C", "D"] * 2,
                           "coverage": [0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0]})
    fig = plots.plot_country_themes(matrix, COLOURS, labels={"L": LONG}, names={"south-africa": "South Africa"})
    ax = fig.axes[0]
    image = ax.images[0]
    data = image.get_array()
    for text in ax.texts:
        j, i = (round(c) for c in text.get_position())
        assert contrast_ratio(image.to_rgba(data[i, j]), text.get_color()) >= 4.5, text.get_text()
    assert {t.get_color() for t in ax.texts} == {"black", "white"}
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert " ".join(rows[-1].split()) == LONG and not any(t.endswith("…") for t in rows)
    columns = ax.get_xticklabels()
    assert [t.get_text() for t in columns] == ["ghana", "South\nAfrica"] and {t.get_rotation() for t in columns} == {0}
    assert "the largest is 'D' in South Africa at 100%" in fig.sparklearn_alt


def test_theme_heat_map_writes_a_country_in_its_colour_only_where_that_is_readable():
    light = {"ghana": "#f7a35c", "kenya": "#006b3f"}  # orange: 2.1:1 on white
    ax = plots.plot_country_themes(_matrix(), light).axes[0]
    assert [to_hex(t.get_color()) for t in ax.get_xticklabels()] == ["#000000", "#006b3f"]


def test_country_names_under_bars_are_horizontal_and_panel_titles_whole():
    table = pd.DataFrame({"sector": ["water and sanitation"] * 2, "country": ["south-africa", "kenya"],
                          "per_campaign_month": [0.6, 0.3], "ci_low": [0.4, 0.2], "ci_high": [0.8, 0.5],
                          "sector_rate": [0.4, 0.4]})
    ax = plots.plot_sector_rates(table, COLOURS, names={"south-africa": "South Africa"}).axes[0]
    assert [(t.get_text(), t.get_rotation()) for t in ax.get_xticklabels()] == [("South\nAfrica", 0), ("kenya", 0)]
    rounds = pd.DataFrame({"country": ["ghana"] * 2, "round": [1, 2], "code_id": ["L"] * 2, "coverage": [0.1, 0.2]})
    fig = plots.plot_country_themes_over_rounds(rounds, COLOURS, labels={"L": LONG})
    assert " ".join(fig.axes[0].get_title().split()) == LONG


def test_comparison_figures_say_what_they_show():
    rates = pd.DataFrame({"country": ["ghana", "kenya"], "n_outcomes": [31, 12], "campaign_months": [112.0, 60.0],
                          "per_campaign_month": [31 / 112, 0.2], "ci_low": [0.19, 0.10], "ci_high": [0.39, 0.35]})
    fig = plots.plot_country_rates(rates, COLOURS, names={"ghana": "Ghana", "kenya": "Kenya"})
    assert fig.sparklearn_alt == ("Bar chart of outcomes per campaign-month for 2 countries, with 95% intervals; "
                                  "the highest is 'Ghana' at 0.28, the lowest 'Kenya' at 0.20.")
    assert fig.sparklearn_caption == "Outcomes per campaign-month, with 95% intervals"
    fig = plots.plot_substantiation_by(_substantiation_table(), COLOURS)
    assert "Share confirmed, of those checked: the highest is 'ghana' at 75%, the lowest 'kenya' at 50%." in \
        fig.sparklearn_alt
