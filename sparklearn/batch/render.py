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

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sparklearn import __version__
from sparklearn.batch.cache import fingerprint, git_commit
from sparklearn.batch.execute import failure_of
from sparklearn.batch.plan import note_title

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


REPORT_TEMPLATE = "sparklearn_report"


FAILED_ANCHOR = "failed-cell"


# --------------------------------------------------------------------------- rendering

def _toc(html_text: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of the ``h2``/``h3`` headings in rendered report HTML."""
    import lxml.html

    if not html_text.strip():
        return []
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    return [(int(h.tag[1]), h.get("id"), h.text_content().rstrip("¶").strip())
            for h in root.xpath("//h2[@id] | //h3[@id]")]


def render_report(
    nb,
    *,
    title: str,
    colour: str = "#1f4e79",
    subtitle: str = "",
    provenance: Mapping[str, Any] | None = None,
    failure: Mapping[str, Any] | None = None,
    executed_link: str | None = None,
    index_link: str = "index.html",
) -> str:
    """Render an executed notebook as a self-contained HTML report (no code, no scripts).

    Parameters
    ----------
    nb
        Executed ``nbformat`` notebook.
    title, subtitle, colour
        Page heading and the accent colour (the country's, from the registry).
    provenance
        Shown in the footer: ``version``, ``commit``, ``fingerprint``, ``run_date``.
    failure
        From :func:`failure_of`; the report then opens with the error and the failed
        cell carries the ``#failed-cell`` anchor.
    executed_link
        Relative link to the executed ``.ipynb`` (for readers who want the code).
    index_link
        Relative link back to ``index.html``.

    Returns
    -------
    str
        The HTML page.
    """
    import copy

    nb = copy.deepcopy(nb)
    # papermill's own error banner points at "In [n]" (code); ours names the section.
    nb.cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    # The purpose line is the page's subtitle already; do not print it twice.
    if nb.cells and nb.cells[0].cell_type == "markdown" and subtitle and \
            nb.cells[0].source.strip().lstrip("#").strip() == subtitle.strip():
        nb.cells = nb.cells[1:]
    if failure:
        failed = failure_of(nb)
        if failed is not None:
            nb.cells[failed["error_cell"]].metadata["sparklearn_failed"] = True
    exporter = _report_exporter()
    resources = {"sparklearn": {
        "title": title, "subtitle": subtitle, "colour": colour, "provenance": dict(provenance or {}),
        "failure": dict(failure) if failure else None, "failed_anchor": FAILED_ANCHOR,
        "executed_link": executed_link, "index_link": index_link,
    }}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


_EXPORTERS = threading.local()


def _report_exporter():
    """This thread's HTML exporter with sparklearn's template (compiling the template costs ~0.3 s)."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        config = Config({
            "HTMLExporter": {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True,
                             "extra_template_basedirs": [str(TEMPLATES)], "template_name": REPORT_TEMPLATE},
            "TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": ["remove_cell"]},
            "CSSHTMLHeaderPreprocessor": {"enabled": False},
        })
        exporter = _EXPORTERS.exporter = HTMLExporter(config=config)
        exporter.register_filter("toc", _toc)
    return exporter


def provenance(inputs: Mapping[str, str]) -> dict[str, Any]:
    """What a report footer records: sparklearn version, git commit, input fingerprint, run date."""
    return {"version": __version__, "commit": git_commit(), "fingerprint": fingerprint(inputs),
            "run_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def render_index(records: Sequence[Mapping[str, Any]], *, title: str = "Learning with SPARK: reports",
                 colours: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
                 manifests: Mapping[str, Mapping] | None = None) -> str:
    """Render ``reports/index.html`` from the run records (see :data:`SUMMARY_COLUMNS`)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    order = {"country": 0, "optional": 1, "comparison": 2}
    rows = sorted(records, key=lambda r: (order[r["kind"]], r.get("country") or "", r["notebook"]))
    env.globals["note_title"] = note_title
    return env.get_template("batch_index.html.j2").render(
        title=title, rows=rows, colours=dict(colours or {}), names=dict(names or {}),
        manifests=dict(manifests or {}), failed_anchor=FAILED_ANCHOR,
        provenance={"version": __version__, "commit": git_commit()},
        # The latest report's time, not "now": a rerun that changed nothing leaves the index as it was.
        generated=max((str(r.get("finished") or "") for r in rows), default="")
        or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
