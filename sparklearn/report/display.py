"""Notebook display setup: what a kernel shows, and how, so that its output reads well as a report.

Part of the report stage, on the kernel's side: a notebook calls :func:`report_setup`
once in its imports cell, and from then on every table and figure it displays is
already in the form the HTML report needs. Doing it in the kernel, not when the
batch renders, means JupyterLab shows a lead exactly what the report will show.

- Tables: readable numbers (:func:`sparklearn.report.tables.readable_number`), no
  meaningless 0, 1, 2 index, text escaped (:func:`sparklearn.report.tables.table_html`).
- Figures: PNG only (no SVG or PDF copies), drawn once and cropped (:func:`figure_png`),
  then reduced to a 256-colour palette, so that a report with a dozen figures stays
  under 1.5 MB and travels by e-mail. They are drawn at twice the pixels a screen
  shows them with (``density``), and sent with their size in CSS pixels, so they are
  sharp on high-resolution screens and in print.
- With each figure (:func:`figure_output`), its alt text and its caption, numbered
  "Figure N." in the order the notebook shows them, as the output's metadata
  (``alt``, ``caption``; the report template writes them under the image).

This module imports only pandas at the top: matplotlib, IPython and Pillow are
imported by the functions that use them.
"""

from __future__ import annotations

import pandas as pd

from sparklearn.report.tables import readable_number, table_html


def report_setup(dpi: int = 96, density: int = 2) -> None:
    """Make a kernel's figures and tables report-ready: sharp numbered PNG figures with alt text, wide tables.

    Called once in a notebook's imports cell; a no-op outside IPython. Calling it
    again starts the figure numbers again at 1.

    Parameters
    ----------
    dpi
        Pixels per inch a screen shows a figure at (CSS pixels: 96).
    density
        Image pixels per screen pixel: 2 draws each figure at ``dpi * density`` and has it
        shown at ``dpi``, sharp on high-resolution screens and in print.

    Returns
    -------
    None

    Examples
    --------
    In a notebook's imports cell (it sets options for the whole kernel)::

        from sparklearn.report.display import report_setup
        report_setup()
    """
    import matplotlib

    drawn = dpi * density
    matplotlib.rcParams.update({"figure.dpi": drawn, "savefig.dpi": drawn, "figure.figsize": (8, 4.2)})
    pd.set_option("display.max_colwidth", 120)
    # Jupyter's 20, said here: pandas picks its default from where it is imported (0 in a
    # terminal), and a report must not depend on where its kernel was started.
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.precision", 2)
    # Readers get 0.14 and 1,240, never 1.39e-01 (pandas' choice when a column mixes magnitudes).
    pd.set_option("display.float_format", readable_number)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # PNG only (no SVG/PDF duplicates) keeps each report under 1 MB and every image decodable.
    set_matplotlib_formats("png", bbox_inches="tight")
    # pyplot's display hook redraws every open figure after each cell (for interactive
    # windows), then figure_png draws it again to send it: the first draw is wasted, a
    # third of the time a figure costs. The hook is pyplot's to remove.
    from matplotlib import pyplot

    pyplot.uninstall_repl_displayhook()
    # Readers have no use for a 0, 1, 2... row number: show the index only when it means something.
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
    from matplotlib.figure import Figure

    # The figure's PNG comes with metadata (alt text, caption, CSS size): a mime bundle, not the
    # PNG formatter, which cannot send top-level metadata; the PNG formatter's own entry would
    # draw the figure a second time.
    shell.display_formatter.formatters["image/png"].pop(Figure, None)
    shell.display_formatter.mimebundle_formatter.for_type(Figure, _numbered_figures(dpi))


def _numbered_figures(dpi: int):
    """A display function for figures that numbers them 1, 2, 3... (a figure shown twice keeps its number)."""
    import itertools
    import weakref

    numbers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    counter = itertools.count(1)

    def show(fig):
        if fig not in numbers:
            numbers[fig] = next(counter)
        return figure_output(fig, number=numbers[fig], dpi=dpi)

    return show


def figure_output(fig, *, number: int | None = None, dpi: int = 96) -> tuple[dict, dict]:
    """A figure as a notebook output: its compact PNG, and metadata with its alt text, caption and size.

    Parameters
    ----------
    fig
        A matplotlib Figure; its alt text and caption are what
        :func:`sparklearn.report.figure_text.describe_figure` gave it, else read from its title.
    number
        The figure's number in the report: the caption reads "Figure N. <caption>".
    dpi
        CSS pixels per inch: the size the figure is shown at (``width``/``height`` under
        ``image/png``, Jupyter's convention), whatever its pixel density.

    Returns
    -------
    tuple of (dict, dict)
        The data (``image/png`` base64) and the metadata (``alt``, ``caption``, ``image/png``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3), dpi=192); _ = ax.set_title("Outcomes per year")
    >>> data, meta = figure_output(fig, number=3)
    >>> meta["caption"], meta["alt"]
    ('Figure 3. Outcomes per year', 'Figure: Outcomes per year.')
    >>> 190 < meta["image/png"]["width"] < 400  # 4 inches at 96 CSS pixels per inch, cropped
    True
    >>> plt.close(fig)
    """
    import base64
    import io

    import matplotlib
    from PIL import Image

    from sparklearn.report.figure_text import figure_description

    png = figure_png(fig)
    width, height = Image.open(io.BytesIO(png)).size
    drawn = matplotlib.rcParams["savefig.dpi"]
    drawn = fig.dpi if drawn == "figure" else drawn
    alt, caption = figure_description(fig)
    label = f"Figure {number}." if number is not None else ""
    caption = " ".join(part for part in (label, caption) if part)
    metadata = {"alt": alt, "image/png": {"width": round(width * dpi / drawn), "height": round(height * dpi / drawn)}}
    if caption:
        metadata["caption"] = caption
    return {"image/png": base64.b64encode(png).decode("ascii")}, metadata


def figure_png(fig) -> bytes:
    """A figure as a compact PNG: 256 colours, which charts never exceed visibly, at a third of the bytes.

    Keeps a report with a dozen figures well under 1 MB, so it travels by e-mail.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.plot([1, 2, 3])
    >>> figure_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    >>> plt.close(fig)
    """
    import io

    from PIL import Image

    image = _figure_image(fig).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    # The background must stay pure white (quantising drifts it to a visible grey): snap the
    # palette's lightest colour back to white.
    palette = image.getpalette()[: 3 * 256]
    lightest = max(range(len(palette) // 3), key=lambda i: sum(palette[3 * i: 3 * i + 3]))
    palette[3 * lightest: 3 * lightest + 3] = [255, 255, 255]
    image.putpalette(palette)
    small = io.BytesIO()
    image.save(small, format="png", optimize=True)
    return small.getvalue()


def _figure_image(fig):
    """The figure on white at ``savefig.dpi``, cropped as ``bbox_inches="tight"`` crops it, as an RGB image.

    ``savefig(bbox_inches="tight")`` lays the figure out once to find its extent, then
    draws it again at the cropped size, then encodes a PNG we would only decode again:
    here it is drawn once and the pixels are cropped, 40% of a report figure's time.
    A figure whose content reaches past its own edges (where savefig grows the canvas)
    is drawn a second time by savefig, at the extent the first draw found.
    """
    import io

    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    from PIL import Image

    dpi = matplotlib.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else dpi
    box = "tight"
    if dpi == fig.dpi:
        previous_canvas, previous_colour = fig.canvas, fig.get_facecolor()
        canvas = previous_canvas if isinstance(previous_canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        fig.set_facecolor("white")
        try:
            canvas.draw()
            tight = fig.get_tightbbox(canvas.get_renderer())
            box = tight.padded(matplotlib.rcParams["savefig.pad_inches"])
            width, height = canvas.get_width_height(physical=True)
            if (tight.x0 * dpi >= -0.5 and tight.y0 * dpi >= -0.5
                    and tight.x1 * dpi <= width + 0.5 and tight.y1 * dpi <= height + 0.5):
                # The padding may reach past the canvas: it is white there, as savefig paints it.
                w, h = int(box.width * dpi), int(box.height * dpi)
                left, top = round(box.x0 * dpi), round(height - box.y1 * dpi)
                pixels = np.asarray(canvas.buffer_rgba())[..., :3]
                out = np.full((h, w, 3), 255, dtype=np.uint8)
                y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + h, height), min(left + w, width)
                out[y0 - top:y1 - top, x0 - left:x1 - left] = pixels[y0:y1, x0:x1]
                return Image.fromarray(out)
        finally:
            fig.set_facecolor(previous_colour)
            fig.set_canvas(previous_canvas)
    raw = io.BytesIO()
    # savefig lays a figure that has a layout engine out once more (an extra pass over every
    # artist, images colour-mapped included) before it draws. After fig.tight_layout() the engine
    # is a placeholder whose layout does nothing, and the draw above found the extent already:
    # without the engine, savefig draws once: the same pixels, one pass over the figure fewer.
    engine = fig.get_layout_engine()
    unplaced = not isinstance(box, str) and isinstance(engine, PlaceHolderLayoutEngine)
    if unplaced:
        fig.set_layout_engine(None)
        if fig.get_layout_engine() is not None:  # rcParams chose a real engine: keep the one it had
            fig.set_layout_engine(engine)
            unplaced = False
    try:
        # Decoded at once: compressing it hard would be wasted.
        fig.savefig(raw, format="png", dpi=dpi, bbox_inches=box, facecolor="white",
                    pil_kwargs={"compress_level": 1})
    finally:
        if unplaced:
            fig.set_layout_engine(engine)
    return Image.open(raw).convert("RGB")

