"""Text on and about a figure: labels that fit, numbers readable on their cell, alt text and captions.

Stage: report. Shared by :mod:`sparklearn.report.figures` and
:mod:`sparklearn.report.comparison_figures`, and read by :mod:`sparklearn.report.display`:

- :func:`wrap_label`: a long label on several lines, broken between words, never cut
  short with "…" (a reader must be able to read the whole theme name).
- :func:`text_colour_on` and :func:`annotate_cells`: the number written on a heat-map
  cell in black or white, whichever contrasts more with that cell's colour by the
  WCAG 2 formula (relative luminance), so no dark number sits on a dark cell.
- :func:`describe_figure` and :func:`figure_description`: what a figure shows, in a
  sentence built from its data (the alt text a screen reader reads, and what a reader
  who cannot see the picture gets), and its caption. Every figure function of the
  report stage describes its figure; the notebook display
  (:func:`sparklearn.report.display.figure_output`) sends both with the image, the
  caption numbered "Figure N." in the order of the report.

The description is kept on the figure as two attributes, :data:`ALT_ATTRIBUTE` and
:data:`CAPTION_ATTRIBUTE`, so that it travels with the figure to wherever it is shown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import numpy as np

#: Figure attribute holding the alt text (a sentence saying what the figure shows).
ALT_ATTRIBUTE = "sparklearn_alt"

#: Figure attribute holding the caption (without its "Figure N." number).
CAPTION_ATTRIBUTE = "sparklearn_caption"

#: WCAG 2 AA contrast for normal text.
MIN_TEXT_CONTRAST = 4.5


def wrap_label(text: object, width: int = 28) -> str:
    """A label on lines of at most ``width`` characters, broken between words, never cut short.

    A single word longer than ``width`` keeps its own line whole.

    Parameters
    ----------
    text
        The label (anything with a ``str``).
    width
        Characters per line.

    Returns
    -------
    str
        The label with newlines between its lines.

    Examples
    --------
    >>> print(wrap_label("Countervailing power of marginalised groups in the fiscal domain", 24))
    Countervailing power of
    marginalised groups in
    the fiscal domain
    """
    return textwrap.fill(str(text), width=width, break_long_words=False, break_on_hyphens=False)


def wrap_labels(texts: Iterable[object], width: int = 28) -> list[str]:
    """:func:`wrap_label` for each label.

    Returns
    -------
    list of str
        The wrapped labels, in order.

    Examples
    --------
    >>> wrap_labels(["Invited spaces", "Strategic approach"], 10)
    ['Invited\\nspaces', 'Strategic\\napproach']
    """
    return [wrap_label(t, width) for t in texts]


def relative_luminance(colour) -> float:
    """WCAG 2 relative luminance of a colour (0 black, 1 white).

    Parameters
    ----------
    colour
        Any matplotlib colour: a name, ``"#rrggbb"`` or an RGB(A) tuple of 0-1 floats.

    Returns
    -------
    float

    Examples
    --------
    >>> relative_luminance("white"), relative_luminance("black")
    (1.0, 0.0)
    """
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(colour), dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(np.dot([0.2126, 0.7152, 0.0722], linear))


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio between two colours, 1 (none) to 21 (black on white).

    Returns
    -------
    float

    Examples
    --------
    >>> round(contrast_ratio("black", "white"), 1)
    21.0
    """
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(background) -> str:
    """Black or white, whichever gives text the higher contrast on ``background``.

    Either reaches at least 4.58:1 on any colour, above the 4.5:1 WCAG AA asks of text.

    Returns
    -------
    str
        ``"black"`` or ``"white"``.

    Examples
    --------
    >>> text_colour_on("#081d58"), text_colour_on("#ffffd9")
    ('white', 'black')
    """
    return "black" if contrast_ratio(background, "black") >= contrast_ratio(background, "white") else "white"


def annotate_cells(ax, image, data: np.ndarray, formatter, *, fontsize: float = 8) -> list:
    """Write each cell's value on a heat map, in black or white by its cell's colour.

    Parameters
    ----------
    ax
        The Axes holding the heat map.
    image
        The ``AxesImage`` ``ax.imshow`` returned (its colour map and norm give each cell's colour).
    data
        The values, rows x columns; NaN cells get no text.
    formatter
        Value -> the text written.
    fontsize
        Text size in points.

    Returns
    -------
    list of matplotlib.text.Text
        One per written cell, row by row.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> data = np.array([[0.0, 10.0]])
    >>> image = ax.imshow(data, cmap="YlGnBu")
    >>> [t.get_color() for t in annotate_cells(ax, image, data, "{:g}".format)]
    ['black', 'white']
    >>> plt.close(fig)
    """
    texts = []
    for (i, j), v in np.ndenumerate(np.asarray(data, dtype=float)):
        if np.isnan(v):
            continue
        colour = text_colour_on(image.cmap(image.norm(v)))
        texts.append(ax.text(j, i, formatter(v), ha="center", va="center", fontsize=fontsize, color=colour))
    return texts


def describe_figure(fig, alt: str | None = None, caption: str | None = None, *, add: bool = False):
    """Give a figure its alt text and caption (kept on the figure, sent with it when it is shown).

    Parameters
    ----------
    fig
        A matplotlib Figure.
    alt
        What the figure shows, in a sentence or two with its main numbers.
    caption
        The caption under the figure, without its "Figure N." (numbered when shown).
    add
        Append ``alt`` to the figure's alt text instead of replacing it: several
        functions drawing into one figure each describe their panel.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = describe_figure(plt.figure(), "A line rising from 1 to 3.", "Growth")
    >>> figure_description(fig)
    ('A line rising from 1 to 3.', 'Growth')
    >>> plt.close(fig)
    """
    if alt is not None:
        before = getattr(fig, ALT_ATTRIBUTE, None) if add else None
        setattr(fig, ALT_ATTRIBUTE, f"{before} {alt}" if before else alt)
    if caption is not None:
        setattr(fig, CAPTION_ATTRIBUTE, caption)
    return fig


def figure_description(fig) -> tuple[str, str | None]:
    """(alt text, caption) of a figure: what :func:`describe_figure` gave it, else read from its titles.

    A figure nobody described gets its title as its caption and "Figure: <title>" as
    its alt text, still more than the bare word "Figure".

    Returns
    -------
    tuple of (str, str or None)

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_title("Outcomes per year")
    >>> figure_description(fig)
    ('Figure: Outcomes per year.', 'Outcomes per year')
    >>> plt.close(fig)
    """
    caption = getattr(fig, CAPTION_ATTRIBUTE, None)
    if caption is None:
        titles = [t for t in [fig.get_suptitle()] if t] or [t for a in fig.axes if (t := a.get_title())]
        caption = " / ".join(" ".join(t.split()) for t in titles[:3]) or None
    alt = getattr(fig, ALT_ATTRIBUTE, None)
    if not alt:
        alt = f"Figure: {caption.rstrip('.')}." if caption else "Figure without a description."
    return alt, caption


def top_item(names, values, unit: str = "", *, share: bool = False, lowest: bool = False) -> str:
    """"'name' with value unit" for the largest value (the smallest with ``lowest``), the phrase alt texts use.

    Returns
    -------
    str
        Empty when there is no value.

    Examples
    --------
    >>> top_item(["a", "b"], [3, 7], "outcomes")
    "'b' with 7 outcomes"
    >>> top_item(["a", "b"], [0.25, 0.5], share=True, lowest=True)
    "'a' at 25%"
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0 or np.all(np.isnan(values)):
        return ""
    i = int(np.nanargmin(values) if lowest else np.nanargmax(values))
    return f"'{' '.join(str(list(names)[i]).split())}' {number_words(values[i], unit, share=share)}"


def number_words(value: float, unit: str = "", *, share: bool = False) -> str:
    """A value as an alt text says it: "at 41%" for a share, "with 12 outcomes" for a count, "at 0.28" else.

    Returns
    -------
    str

    Examples
    --------
    >>> number_words(0.413, share=True), number_words(12.0, "outcomes"), number_words(0.2817)
    ('at 41%', 'with 12 outcomes', 'at 0.28')
    """
    if share:
        return f"at {value:.0%}"
    if float(value).is_integer():
        return f"with {int(value)} {unit}".rstrip()
    return f"at {value:.2f} {unit}".rstrip()


def extremes(names, values, unit: str = "", *, share: bool = False) -> str:
    """"the highest is 'a' at 54%, the lowest 'b' at 20%": the two ends of a chart, as its alt text says them.

    Returns
    -------
    str
        Empty when there is no value; "all at ..." when every value is the same.

    Examples
    --------
    >>> extremes(["a", "b", "c"], [0.2, 0.54, float("nan")], share=True)
    "the highest is 'b' at 54%, the lowest 'a' at 20%"
    >>> extremes(["a", "b"], [1.0, 1.0], share=True)
    'all at 100%'
    """
    values = np.asarray(values, dtype=float)
    shown = values[np.isfinite(values)]
    if shown.size == 0:
        return ""
    if shown.size > 1 and shown.min() == shown.max():
        return f"all {number_words(shown[0], unit, share=share)}"
    text = f"the highest is {top_item(names, values, unit, share=share)}"
    if shown.size > 1:
        text += f", the lowest {top_item(names, values, unit, share=share, lowest=True)}"
    return text
