"""(from pipeline.py)
The batch: prepare every country, run the notebooks with papermill, render HTML reports.

``run_batch`` is what ``sparklearn run`` calls. In order, it

1. plans the notebooks: ``notebooks/country.py`` once per country, the optional
   notebooks a lead put in ``notebooks/countries/<slug>[-topic].py``, and
   ``notebooks/comparison.py`` over all of them;
2. checks every parameter against the notebook's ``parameters`` cell *before* any
   kernel starts (papermill itself only warns about an unknown parameter);
3. prepares each country's processed tables (skipped when its inputs did not change)
   and hands its notebooks to a pool of workers as soon as they are ready;
4. runs each notebook with papermill (read with jupytext: papermill cannot read a
   ``.py`` notebook), keeps the executed ``.ipynb`` and renders its HTML report with
   nbconvert in this process, through sparklearn's own template (no code, no scripts,
   nothing from the network, figures embedded, a table of contents, a provenance
   footer);
5. writes ``reports/index.html``.

A notebook's cache key is the SHA-256 of its source, its parameters, the hashes of
its input files, the sparklearn version and a fingerprint of the library's own files
(so that a fix in a module re-runs the reports it changes even before the version is
bumped). Keys live in ``reports/.cache.json`` beside the outputs they describe; a
failed notebook is never cached, so it runs again until it succeeds.

Workers are threads, not processes: the work happens in the kernels (separate
processes), and a thread only relays messages and renders; threads spare each
worker the second or so of importing papermill and nbconvert again.

Kernels come warm: each notebook still gets a kernel process of its own, but forked
from a server that imported pandas, matplotlib, statsmodels and sparklearn once
(:mod:`sparklearn.kernels`); on the demo batch that halves the kernels' start-up and
a third of the whole run. ``run_batch(warm_kernels=False)`` (``sparklearn run
--fresh-kernels``) starts every kernel from scratch, and the batch falls back to that
by itself where the server cannot run. Report figures are drawn once and cropped
(:func:`figure_png`), not laid out twice and PNG-encoded twice by ``savefig``.

Every output is written to a temporary file in its folder and moved into place with
``os.replace``, so an interrupted run leaves the previous reports whole.

Notebook-side helpers (``notebook_paths``, ``country_tables``, ``report_setup``) live
here too because they are report plumbing; this module imports papermill, nbconvert
and jupytext only inside the functions that need them, so that a kernel importing
it stays quick to start.
"""

from __future__ import annotations

import pandas as pd


def report_setup(dpi: int = 96) -> None:
    """Make a kernel's figures and tables report-ready: PNG figures at ``dpi``, wide tables.

    Called once in a notebook's imports cell; a no-op outside IPython.
    """
    import matplotlib

    matplotlib.rcParams.update({"figure.dpi": dpi, "savefig.dpi": dpi, "figure.figsize": (8, 4.2)})
    pd.set_option("display.max_colwidth", 120)
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
    # After each cell pyplot redraws every open figure (for interactive windows), then the
    # inline backend draws it again to send it: the first draw is wasted, a third of the
    # time a figure costs. Importing the inline backend above installed pyplot's hook.
    from matplotlib import pyplot

    redraw = getattr(pyplot, "_draw_all_if_interactive", None)
    if redraw in shell.events.callbacks.get("post_execute", []):
        shell.events.unregister("post_execute", redraw)
    # Readers have no use for a 0, 1, 2... row number: show the index only when it means something.
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


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
                left, top = int(round(box.x0 * dpi)), int(round(height - box.y1 * dpi))
                pixels = np.asarray(canvas.buffer_rgba())[..., :3]
                out = np.full((h, w, 3), 255, dtype=np.uint8)
                y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + h, height), min(left + w, width)
                out[y0 - top:y1 - top, x0 - left:x1 - left] = pixels[y0:y1, x0:x1]
                return Image.fromarray(out)
        finally:
            fig.set_facecolor(previous_colour)
            fig.set_canvas(previous_canvas)
    raw = io.BytesIO()
    # Decoded at once: compressing it hard would be wasted.
    fig.savefig(raw, format="png", dpi=dpi, bbox_inches=box, facecolor="white", pil_kwargs={"compress_level": 1})
    return Image.open(raw).convert("RGB")


def readable_number(x: float) -> str:
    """A number as a report shows it: two decimals, thousands separated, small values kept.

    Examples
    --------
    >>> [readable_number(v) for v in (0.139, 1240.5, 0.0034, 0.0, float("nan"))]
    ['0.14', '1,240', '0.0034', '0', '']
    """
    if pd.isna(x):
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 0.01:
        return f"{x:,.2f}"
    return f"{x:.2g}"


def table_html(frame: pd.DataFrame) -> str:
    """A DataFrame as report HTML: escaped, at most ``display.max_rows`` rows, no meaningless 0, 1, 2 index.

    Examples
    --------
    >>> "<th>0</th>" in table_html(pd.DataFrame({"a": [1]}))
    False
    >>> "<th>x</th>" in table_html(pd.DataFrame({"a": [1]}, index=["x"]))
    True
    >>> "one two" in table_html(pd.DataFrame({"t": ["one\\n\\ntwo"]}))
    True
    """
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    limit = pd.get_option("display.max_rows")
    # pandas shows a line break inside a cell as a literal "\n"; in a table cell a space reads better.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]
    if text:
        frame = frame.assign(**{str(c): frame[c].map(lambda v: " ".join(v.split()) if isinstance(v, str) else v)
                                for c in text if isinstance(c, str)})
    return frame.to_html(index=not plain, max_rows=limit, escape=True, border=0,
                         classes="dataframe", na_rep="", show_dimensions=len(frame) > limit)
