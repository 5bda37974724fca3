"""The country report's figures (sparklearn.report.figures) drawn into a caller's Axes, and relabelled.

Each figure gets a small hand-made table in the shape the analysis function returns, an
Axes of a figure made here (``ax=``, or ``axes=`` for one panel per group) and a
``labels=`` mapping; the artists are read back from that Axes: bar lengths, points,
image arrays, tick labels. Drawing there must make no figure of its own.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sparklearn.report import figures  # noqa: E402
from sparklearn.report.figure_text import describe_figure, figure_description  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    # Before too: a figure another test module left open must not count as one drawn here.
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture
def ax():
    """An Axes in a figure of the caller's, and the number of open figures once it exists."""
    _, axes = plt.subplots(figsize=(5, 4))
    return axes


def _ticks(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def _drew_into(ax, fig) -> None:
    # The caller's figure comes back, and no other figure was opened.
    assert fig is ax.figure
    assert plt.get_fignums() == [ax.figure.number]


def test_agreement_dots_in_a_given_axes_with_code_labels(ax):
    table = pd.DataFrame({"code_id": ["A", "B", "all codes"], "with_uncoded": True,
                          "krippendorff_alpha": [0.9, 0.5, 0.7], "cohen_kappa": [0.88, 0.45, 0.69]})
    fig = figures.agreement_dots(table, labels={"A": "Agency", "B": "Budgets"}, ax=ax)
    _drew_into(ax, fig)
    alpha = np.asarray(ax.collections[0].get_offsets())
    # Weakest code at the bottom (B), then A, the pooled row on top.
    np.testing.assert_allclose(alpha[:, 0], [0.5, 0.9, 0.7])
    assert _ticks(ax.yaxis) == ["Budgets", "Agency", "all codes"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Krippendorff's alpha", "Cohen's kappa"]


def _frequencies() -> pd.DataFrame:
    return pd.DataFrame({"country": ["ghana", "ghana", "kenya"], "code_id": ["T-A", "T-B", "T-A"],
                         "n_segments": [5, 2, 3]})


def test_code_frequencies_one_group_into_ax_bars_equal_the_counts(ax):
    freq = _frequencies().query("country == 'ghana'")
    fig = figures.plot_code_frequencies(freq, labels={"T-A": "Agency", "ghana": "Ghana"}, ax=ax)
    _drew_into(ax, fig)
    # Largest on top: barh draws bottom to top, so the list runs smallest first.
    assert [p.get_width() for p in ax.patches] == [2, 5]
    assert _ticks(ax.yaxis) == ["T-B", "Agency"]
    assert ax.get_title() == "Ghana"


def test_code_frequencies_several_groups_into_axes_one_per_group():
    fig, (ghana, kenya) = plt.subplots(1, 2)
    assert figures.plot_code_frequencies(_frequencies(), axes=[ghana, kenya]) is fig
    assert [p.get_width() for p in ghana.patches] == [2, 5]
    assert [p.get_width() for p in kenya.patches] == [3]
    assert (ghana.get_title(), kenya.get_title()) == ("ghana", "kenya")


def test_too_few_axes_for_the_groups_is_refused_with_the_fix(ax):
    with pytest.raises(ValueError, match="2 panel.*1 Axes.*axes="):
        figures.plot_code_frequencies(_frequencies(), ax=ax)
    with pytest.raises(ValueError, match="not both"):
        figures.plot_code_frequencies(_frequencies(), ax=ax, axes=[ax, ax])


def test_cooccurrence_into_ax_image_is_the_pairs_and_ticks_are_labels(ax):
    pairs = pd.DataFrame({"code_a": ["A", "A"], "code_b": ["B", "C"], "jaccard": [0.5, 0.25]})
    fig = figures.plot_cooccurrence(pairs, labels={"A": "Agency"}, ax=ax)
    _drew_into(ax, fig)
    image = ax.images[0].get_array()
    assert image[0, 1] == image[1, 0] == 0.5 and image[0, 2] == 0.25 and np.ma.is_masked(image[0, 0])
    # Rows are named and numbered, columns numbered: no slanted names running into each other.
    assert _ticks(ax.yaxis) == ["1. Agency", "2. B", "3. C"] and _ticks(ax.xaxis) == ["1", "2", "3"]


def test_framework_matrix_into_ax_labels_themes_and_cases(ax):
    matrix = pd.DataFrame({"campaign_id": ["gh-a", "gh-a", "ke-b", "ke-b"], "code_id": ["A", "B", "A", "B"],
                           "n_segments": [3, 0, 1, 2]})
    fig = figures.plot_framework_matrix(matrix, labels={"A": "Agency", "ke-b": "Kenya health"}, ax=ax)
    _drew_into(ax, fig)
    assert ax.images[0].get_array().tolist() == [[3, 0], [1, 2]]
    assert _ticks(ax.xaxis) == ["Agency", "B"] and _ticks(ax.yaxis) == ["gh-a", "Kenya health"]


def test_themes_over_rounds_into_axes_one_line_per_code():
    rounds = pd.DataFrame({"country": ["ghana"] * 4 + ["kenya"] * 2, "round": [1, 1, 2, 2, 1, 2],
                           "code_id": ["A", "B", "A", "B", "A", "A"], "n_segments": [3, 1, 2, 2, 4, 1],
                           "coverage": [0.3, 0.1, 0.2, 0.2, 0.4, 0.1]})
    fig, (ghana, kenya) = plt.subplots(1, 2)
    assert figures.plot_themes_over_rounds(rounds, labels={"A": "Agency"}, axes=[ghana, kenya]) is fig
    assert [line.get_label() for line in ghana.get_lines()] == ["Agency", "B"]
    assert [list(line.get_ydata()) for line in ghana.get_lines()] == [[0.3, 0.2], [0.1, 0.2]]
    assert list(kenya.get_lines()[0].get_ydata()) == [0.4, 0.1]
    assert kenya.get_lines()[1].get_ydata().size == 0  # kenya has no B


def test_outcome_counts_into_ax_labels_win_over_the_label_column(ax):
    counts = pd.DataFrame({"level": ["local", "national"], "label": ["Local", "National"], "n_outcomes": [3, 1]})
    fig = figures.plot_outcome_counts(counts, "level", labels={"national": "Country-wide"}, ax=ax)
    _drew_into(ax, fig)
    assert [p.get_width() for p in ax.patches] == [3, 1]
    assert _ticks(ax.yaxis) == ["Local", "Country-wide"]


def test_outcome_timeline_into_ax_bars_and_relabelled_groups(ax):
    table = pd.DataFrame({"period": ["2023Q1", "2023Q2"], "n_outcomes": [2, 5]})
    fig = figures.plot_outcome_timeline(table, ax=ax)
    _drew_into(ax, fig)
    assert [p.get_height() for p in ax.patches] == [2, 5]
    _, other = plt.subplots()
    by = pd.DataFrame({"period": ["2023Q1", "2023Q2"] * 2, "n_outcomes": [1, 2, 0, 3],
                       "campaign_id": ["a", "a", "b", "b"]})
    figures.plot_outcome_timeline(by, by="campaign_id", labels={"a": "Clinics"}, ax=other)
    assert [t.get_text() for t in other.get_legend().get_texts()] == ["Clinics", "b"]
    assert [list(line.get_ydata()) for line in other.get_lines()] == [[1, 2], [0, 3]]


def test_substantiation_into_ax_points_at_the_shares(ax):
    rates = pd.DataFrame({"level": ["local", "national"], "n_checked": [5, 2], "share_confirmed": [0.8, 0.5],
                          "confirmed_low": [0.38, 0.1], "confirmed_high": [0.96, 0.9]})
    fig = figures.plot_substantiation(rates, "level", labels={"local": "Local"}, ax=ax)
    _drew_into(ax, fig)
    assert list(ax.get_lines()[0].get_xdata()) == [0.8, 0.5]
    assert _ticks(ax.yaxis) == ["Local (n=5)", "national (n=2)"]


def test_contribution_matrix_into_ax_labels_both_axes(ax):
    matrix = pd.DataFrame({"strategic_component": ["SC-AGENCY", "SC-AGENCY"], "outcome_area": ["OA-POWER", "OA-EQUITY"],
                           "n_outcomes": [2, 0]})
    fig = figures.plot_contribution_matrix(matrix, labels={"SC-AGENCY": "Agency", "OA-POWER": "Power"}, ax=ax)
    _drew_into(ax, fig)
    assert ax.images[0].get_array().tolist() == [[2, 0]]
    assert _ticks(ax.xaxis) == ["Power", "OA-EQUITY"] and _ticks(ax.yaxis) == ["Agency"]


def test_outcome_chains_into_ax_with_level_labels(ax):
    graph = nx.DiGraph([("A", "B")])
    nx.set_node_attributes(graph, {"A": "local", "B": "national"}, "level")
    fig = figures.plot_outcome_chains(graph, levels=["local", "national"], labels={"local": "Local"}, ax=ax)
    _drew_into(ax, fig)
    points = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    assert len(points) == 2
    assert _ticks(ax.yaxis) == ["Local", "national"]


def test_without_ax_each_figure_is_new_and_laid_out_as_before():
    # ax=None keeps the report figures: a new figure of the same size each call.
    counts = pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 1]})
    first, second = (figures.plot_outcome_counts(counts, "level") for _ in range(2))
    assert first is not second and len(plt.get_fignums()) == 2
    assert tuple(first.get_size_inches()) == pytest.approx((7.5, 0.45 * 2 + 1.4))


# --- readable figures: one scale, numbers that contrast with their cell, labels whole, legends, alt text

LONG = "Countervailing power of marginalised groups in the fiscal domain, at every level of government"


def _all_tick_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels()]


def _cell_contrasts(ax) -> list[float]:
    """Contrast of each number written on the heat map with its own cell's colour (from the image's colour map)."""
    from sparklearn.report.figure_text import contrast_ratio

    image = ax.images[0]
    data = np.ma.getdata(image.get_array())
    out = []
    for text in ax.texts:
        j, i = (round(c) for c in text.get_position())
        out.append(contrast_ratio(image.to_rgba(data[i, j]), text.get_color()))
    return out


def test_panels_of_one_figure_are_drawn_on_one_scale():
    freq = pd.DataFrame({"campaign_id": ["a", "a", "b"], "code_id": ["T-A", "T-B", "T-A"],
                         "coverage": [0.6, 0.2, 0.05], "n_segments": [6, 2, 1]})
    fig = figures.plot_code_frequencies(freq, value="coverage")
    first, second = fig.axes
    assert first.get_xlim() == second.get_xlim() and first.get_xlim()[1] >= 0.6
    rounds = pd.DataFrame({"country": ["ghana"] * 2 + ["kenya"] * 2, "round": [1, 2, 1, 2],
                           "code_id": ["A"] * 4, "n_segments": [9, 1, 1, 1], "coverage": [0.9, 0.1, 0.1, 0.1]})
    fig = figures.plot_themes_over_rounds(rounds)
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()


def test_numbers_on_heat_maps_contrast_with_their_cell():
    # From the palest to the darkest cell: every number readable (WCAG AA, 4.5:1) on its own cell.
    contribution = pd.DataFrame({"strategic_component": ["SC-A"] * 5 + ["SC-B"] * 5,
                                 "outcome_area": [f"OA-{k}" for k in range(5)] * 2, "n_outcomes": range(10)})
    matrix = pd.DataFrame({"campaign_id": ["a"] * 4 + ["b"] * 4, "code_id": list("ABCD") * 2,
                           "n_segments": [0, 3, 6, 9, 12, 16, 25, 34]})
    for fig in (figures.plot_contribution_matrix(contribution), figures.plot_framework_matrix(matrix)):
        contrasts = _cell_contrasts(fig.axes[0])
        assert len(contrasts) == fig.axes[0].images[0].get_array().size  # a number on every cell
        assert min(contrasts) >= 4.5, contrasts
        assert {t.get_color() for t in fig.axes[0].texts} == {"black", "white"}  # both are needed on this ramp


def test_long_labels_are_wrapped_whole_never_cut_and_never_slanted():
    codes = {"A": LONG, "B": "Invited spaces", "C": "Legislature (parliament, county or state assembly)"}
    freq = pd.DataFrame({"code_id": list(codes), "n_segments": [5, 3, 1]})
    pairs = pd.DataFrame({"code_a": ["A", "A"], "code_b": ["B", "C"], "jaccard": [0.5, 0.25]})
    matrix = pd.DataFrame({"campaign_id": ["a"] * 3, "code_id": list(codes), "n_segments": [1, 2, 3]})
    counts = pd.DataFrame({"outcome_area": ["A", "B"], "label": [LONG, "Spaces"], "n_outcomes": [3, 1]})
    timeline = pd.DataFrame({"period": [f"{y}Q{q}" for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)],
                             "n_outcomes": range(12)})
    drawn = [figures.plot_code_frequencies(freq, labels=codes), figures.plot_cooccurrence(pairs, labels=codes),
             figures.plot_framework_matrix(matrix, labels=codes), figures.plot_outcome_counts(counts, "outcome_area"),
             figures.plot_outcome_timeline(timeline)]
    for fig in drawn:
        texts = _all_tick_texts(fig)
        assert not any(t.endswith("…") or "..." in t for t in texts), texts
        assert all(t.get_rotation() == 0 for ax in fig.axes for t in ax.get_xticklabels())
    # The long theme is there whole, on lines of at most 28 characters.
    shown = next(t for t in _all_tick_texts(drawn[0]) if t.startswith("Countervailing"))
    assert " ".join(shown.split()) == LONG and max(len(line) for line in shown.split("\n")) <= 28
    assert "Q1\n2021" in _all_tick_texts(drawn[4])


def test_outcome_chains_say_in_a_legend_what_colours_and_arrows_mean():
    graph = nx.DiGraph([("A", "B"), ("B", "C")])
    nx.set_node_attributes(graph, {"A": "local", "B": "national", "C": "national"}, "level")
    fig = figures.plot_outcome_chains(graph, levels=["local", "national"], labels={"local": "Local"})
    legend = fig.axes[0].get_legend()
    assert legend is not None and legend.get_title().get_text() == "outcome level"
    assert [t.get_text() for t in legend.get_texts()][:2] == ["national", "Local"]  # top level first, as the axis
    assert "3 outcomes in chains (2 links)" in figure_description(fig)[0]


def test_each_figure_says_what_it_shows_with_its_top_item():
    freq = pd.DataFrame({"country": ["kenya"] * 3, "code_id": ["A", "B", "C"], "n_segments": [42, 7, 3]})
    fig = figures.plot_code_frequencies(freq, labels={"A": "Engaging legislators", "kenya": "Kenya"},
                                        title="The themes that came up most often")
    alt, caption = figure_description(fig)
    assert alt == ("Bar chart of the themes that came up most: 3 themes in Kenya; the most frequent is "
                   "'Engaging legislators' with 42 segments.")
    assert caption == "The themes that came up most often"
    counts = pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 9]})
    assert "the most are 'national' with 9 outcomes" in figure_description(
        figures.plot_outcome_counts(counts, "level"))[0]
    contribution = pd.DataFrame({"strategic_component": ["SC-A", "SC-A", "SC-B"], "outcome_area": ["P", "Q", "P"],
                                 "n_outcomes": [1, 2, 8]})
    assert "'Agency' contributing to 'Power' with 8 outcomes" in figure_description(
        figures.plot_contribution_matrix(contribution, labels={"SC-B": "Agency", "P": "Power"}))[0]
    table = pd.DataFrame({"code_id": ["A", "B", "all codes"], "with_uncoded": True,
                          "krippendorff_alpha": [0.9, 0.5, 0.7], "cohen_kappa": [0.88, 0.45, 0.69]})
    assert "the weakest is 'B' at 0.50, the strongest 'A' at 0.90; over all codes 0.70" in \
        figure_description(figures.agreement_dots(table))[0]


def test_a_figure_drawn_into_a_callers_axes_adds_to_its_description(ax):
    counts = pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 9]})
    describe_figure(ax.figure, "Two panels.", "My own figure")
    figures.plot_outcome_counts(counts, "level", ax=ax)
    alt, caption = figure_description(ax.figure)
    assert alt.startswith("Two panels. Bar chart of 12 outcomes by level") and caption == "My own figure"


# --- the notebook display: numbered, captioned, sharp figures with their alt text


def test_a_figure_is_sent_with_alt_text_a_numbered_caption_and_its_css_size():
    import base64
    import io

    from PIL import Image

    from sparklearn.report import display

    with matplotlib.rc_context({"figure.dpi": 192, "savefig.dpi": 192}):
        counts = pd.DataFrame({"level": ["local", "national"], "n_outcomes": [3, 9]})
        fig = figures.plot_outcome_counts(counts, "level", title="Outcomes by level")
        other = figures.plot_outcome_counts(counts, "level")
        show = display._numbered_figures(96)
        data, meta = show(fig)
        _, meta2 = show(other)
        _, again = show(fig)  # shown twice, the same number
    png = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert meta["caption"] == "Figure 1. Outcomes by level" and again["caption"] == meta["caption"]
    assert meta2["caption"] == "Figure 2. Outcomes by level"
    assert meta["alt"].startswith("Bar chart of 12 outcomes by level")
    # Drawn at twice the pixels it is shown at: sharp on high-resolution screens and in print.
    assert (meta["image/png"]["width"], meta["image/png"]["height"]) == (round(png.width / 2), round(png.height / 2))
    assert png.width > 1.9 * 7.5 * 96 * 0.8  # a 7.5-inch figure (cropped) at 192 pixels per inch


@pytest.mark.slow
def test_in_a_kernel_figures_come_numbered_with_alt_text_at_twice_the_pixels():
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    client = manager.client()
    client.start_channels()
    shown: list[dict] = []
    try:
        client.wait_for_ready(timeout=60)
        for code in (("from sparklearn.report.display import report_setup\nreport_setup()\n"
                      "import pandas as pd\nfrom sparklearn.report import figures\n"
                      "counts = pd.DataFrame({'level': ['local', 'national'], 'n_outcomes': [3, 9]})"),
                     "figures.plot_outcome_counts(counts, 'level');",
                     "figures.plot_outcome_counts(counts, 'level', title='Second');"):
            reply = client.execute_interactive(code, timeout=120, output_hook=shown.append)
            assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    outputs = [m["content"] for m in shown if m["msg_type"] == "display_data"]
    assert [sorted(o["data"]) for o in outputs] == [["image/png", "text/plain"]] * 2
    assert [o["metadata"]["caption"] for o in outputs] == ["Figure 1. Outcomes by level", "Figure 2. Second"]
    assert all("the most are 'national' with 9 outcomes" in o["metadata"]["alt"] for o in outputs)
    import base64
    import io

    from PIL import Image

    png = Image.open(io.BytesIO(base64.b64decode(outputs[0]["data"]["image/png"])))
    assert outputs[0]["metadata"]["image/png"]["width"] == round(png.width / 2)
