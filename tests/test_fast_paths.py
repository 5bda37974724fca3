"""The shortcuts taken for speed give exactly what the long way gives.

- A report figure whose labels reach past its canvas is drawn by savefig once, not
  laid out once more first: the same pixels as ``savefig(bbox_inches="tight")``, and the
  figure keeps its layout engine.
- Columns that are already int64 or float64 skip ``pd.to_numeric``: the same floats,
  and the same errors for missing or out-of-range values.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from sparklearn.analysis import qca
from sparklearn.analysis.fuzzy_sets import memberships, numeric_scores
from sparklearn.exceptions import InputError


@pytest.fixture
def agg():
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"figure.dpi": 96, "savefig.dpi": 96}):
        yield


def _spilling_heat_map():
    """A heat map like the co-occurrence figure: its long row labels reach past the left edge."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    image = ax.imshow(np.ma.masked_invalid(np.where(np.eye(6), np.nan, np.arange(36.0).reshape(6, 6))))
    ax.set_yticks(range(6), [f"{i}. a theme with a long name, wrapped\n    on a second line" for i in range(6)])
    fig.colorbar(image, ax=ax, label="share")
    fig.tight_layout()
    return fig


def test_a_spilling_figure_is_drawn_as_savefig_draws_it_and_keeps_its_layout_engine(agg):
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from sparklearn.report import display

    fig = _spilling_heat_map()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    assert fig.get_tightbbox(canvas.get_renderer()).x0 < 0  # it does spill: the savefig path is taken
    engine = fig.get_layout_engine()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight", facecolor="white")
    reference = np.asarray(Image.open(buffer).convert("RGB"))
    image = np.asarray(display._figure_image(fig))
    assert fig.get_layout_engine() is engine
    plt.close(fig)
    assert image.shape == reference.shape
    assert np.array_equal(image, reference)


@pytest.mark.parametrize("values", [[0.2, 1.0, 0.0, 0.75], [0, 1, 1, 0]])
def test_numeric_columns_give_the_floats_pd_to_numeric_gives(values):
    data = pd.DataFrame({"A": values})
    slow = pd.to_numeric(data["A"].astype(object), errors="coerce").astype("float64").to_numpy()
    fast = numeric_scores(data, "A")
    assert fast.dtype == np.float64 and np.array_equal(fast, slow)
    fast[0] = 99.0  # the caller's own array: the table is untouched
    assert data["A"].iloc[0] == values[0]
    assert np.array_equal(qca._as_crisp(pd.DataFrame({"A": [0, 1, 1]}), "A"), [0, 1, 1])


def test_numeric_columns_still_name_the_bad_row():
    with pytest.raises(InputError, match="row 3"):
        numeric_scores(pd.DataFrame({"A": [0.5, np.nan]}), "A")
    with pytest.raises(InputError, match="between 0 and 1"):
        memberships(pd.DataFrame({"A": [0.5, 2.0]}), "A")
    with pytest.raises(InputError, match="only 0 or 1"):
        qca._as_crisp(pd.DataFrame({"A": [0, 2]}), "A")
    with pytest.raises(InputError, match="only 0 or 1"):
        qca._as_crisp(pd.DataFrame({"A": [0.0, 0.5]}), "A")
