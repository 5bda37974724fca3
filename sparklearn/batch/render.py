"""The batch's render step: executed notebooks into self-contained HTML reports, and the index.

A report is what an IBP reader opens, often offline and from an e-mail, so
:func:`render_report` renders an executed notebook through sparklearn's own nbconvert
template (``templates/sparklearn_report``): no code, no scripts, nothing loaded from
the network, figures embedded, a table of contents from the headings, a banner and
an anchor at the failing step when the notebook failed, and a provenance footer
(:func:`provenance`: sparklearn version, git commit, input fingerprint, run date).
Every page is passed through :func:`sparklearn.report.tables.sanitise_report` last, so
no script or event handler from the data survives even where escaping was missed.

:func:`render_index` makes ``index.html``: every report with its status, run time,
the country's data problems, what a comparison covers, and a link to each executed
notebook for readers who want the code.

Rendering happens in the batch's own process (one exporter per worker thread:
compiling the template costs ~0.3 s), not in the kernels.
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
from sparklearn.report.tables import sanitise_report
from sparklearn.wording import and_list

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


REPORT_TEMPLATE = "sparklearn_report"


FAILED_ANCHOR = "failed-cell"


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
    # The safety net under the escaping: whatever markup from the data got this far cannot run.
    return sanitise_report(body)


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
            "run_date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def render_index(records: Sequence[Mapping[str, Any]], *, title: str = "Learning with SPARK: reports",
                 colours: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
                 manifests: Mapping[str, Mapping] | None = None) -> str:
    """Render ``reports/index.html`` from the run records (see :data:`~sparklearn.batch.run.SUMMARY_COLUMNS`).

    A record's ``covers`` (the countries a comparison read) is shown beside it, so that
    the comparison of every country and one of a few are told apart.
    """
    import jinja2

    names = dict(names or {})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    order = {"country": 0, "optional": 1, "comparison": 2}
    rows = [{**r, "label": index_label(r, names), "covers_text": _covers(r, names)}
            for r in sorted(records, key=lambda r: (order[r["kind"]], r.get("country") or "", r["notebook"]))]
    return env.get_template("batch_index.html.j2").render(
        title=title, rows=rows, colours=dict(colours or {}), names=names,
        manifests=dict(manifests or {}), failed_anchor=FAILED_ANCHOR,
        provenance={"version": __version__, "commit": git_commit()},
        # The latest report's time, not "now": a rerun that changed nothing leaves the index as it was.
        generated=max((str(r.get("finished") or "") for r in rows), default="")
        or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _covers(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    covered = [names.get(c, c) for c in record.get("covers") or []]
    return and_list(covered, limit=max(len(covered), 1))


def index_label(record: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """How the index names a report: the country, the country note's title, or the comparison.

    Examples
    --------
    >>> index_label({"kind": "optional", "notebook": "countries/kenya-water", "country": "kenya"}, {"kenya": "Kenya"})
    'Kenya: water'
    >>> index_label({"kind": "comparison", "notebook": "comparison-kenya-senegal"}, {})
    'Cross-country comparison (some countries)'
    """
    country = record.get("country")
    if record["kind"] == "country":
        return names.get(country, country)
    if record["kind"] == "optional":
        return note_title(record["notebook"].split("/")[-1], country, names.get(country, country))
    return "Cross-country comparison" + ("" if record["notebook"] == "comparison" else " (some countries)")
