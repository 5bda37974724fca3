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


@pytest.fixture(autouse=True)
def _close_figures():
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
    assert _ticks(ax.xaxis) == _ticks(ax.yaxis) == ["Agency", "B", "C"]


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
