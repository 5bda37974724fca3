"""The batch's render step: executed notebooks into self-contained HTML reports, and the index.

A report is what an IBP reader opens, often offline and from an e-mail, so
:func:`render_report` renders an executed notebook through sparklearn's own nbconvert
template (``templates/sparklearn_report``): no code, no scripts, nothing loaded from
the network, figures embedded, a table of contents from the headings, a banner and
an anchor at the failing step when the notebook failed, and a provenance footer
(:func:`provenance`: sparklearn version, git commit, input fingerprint, run date).
Every page is passed through :func:`sparklearn.report.tables.sanitise_report`, so no
script or event handler from the data survives even where escaping was missed; then
:func:`_finish_page` puts each table in a scroll region of its own (a phone scrolls the
table, not the page) and drops the Excel link of a report without tables.

For every reader: a page built from demo data opens with a "Synthetic demo data"
banner (:data:`SYNTHETIC_NOTE`, from the prepared manifest's ``synthetic``); text in a
country's colour uses a shade of it dark enough for WCAG AA (:func:`text_colour`:
India's saffron gives 2.13:1 on white as it is); a print stylesheet fits tables to A4
and keeps cards, figures and headings with what follows; :func:`report_workbook` gives
each report's tables as one Excel workbook beside it (``<report>-tables.xlsx``,
:func:`tables_file`), linked from the report.

:func:`render_index` makes ``index.html``: every report with what it covers and, in a
line, what it finds (its first key finding, :func:`first_finding`); run times, the
cache, data problems and the executed notebooks are in "Run details for the research
team" at the bottom.

Rendering happens in the batch's own process (one exporter per worker thread:
compiling the template costs ~0.3 s), not in the kernels.
"""

from __future__ import annotations

import datetime as dt
import re
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


#: The banner's first words on every page built from synthetic demo data.
SYNTHETIC_TITLE = "Synthetic demo data"


#: The banner's sentence (also the first line of each report's tables workbook).
SYNTHETIC_NOTE = ("The people and events here (participants, reflection sessions, quotes and outcomes) are "
                  "fictitious. The campaigns and partner organisations are real names: nothing here reports what "
                  "they did or said.")


#: The light backgrounds a report puts coloured text on (page, table heads, outcome cards).
LIGHT_BACKGROUNDS = ("#ffffff", "#f6f7f9", "#fafafa")


_DEFAULT_COLOUR = "#1f4e79"


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
    colour: str = _DEFAULT_COLOUR,
    subtitle: str = "",
    provenance: Mapping[str, Any] | None = None,
    failure: Mapping[str, Any] | None = None,
    executed_link: str | None = None,
    index_link: str = "index.html",
    synthetic: bool = False,
    tables_link: str | None = None,
) -> str:
    """Render an executed notebook as a self-contained HTML report (no code, no scripts).

    Parameters
    ----------
    nb
        Executed ``nbformat`` notebook.
    title, subtitle, colour
        Page heading and the accent colour (the country's, from the registry; text and
        the banner use :func:`text_colour` of it).
    provenance
        Shown in the footer: ``version``, ``commit``, ``fingerprint``, ``run_date``.
    failure
        From :func:`failure_of`; the report then opens with the error and the failed
        cell carries the ``#failed-cell`` anchor.
    executed_link
        Relative link to the executed ``.ipynb`` (for readers who want the code).
    index_link
        Relative link back to ``index.html``.
    synthetic
        The data are synthetic demo data: the page opens with a banner saying so.
    tables_link
        Relative link to the report's tables workbook (:func:`report_workbook`), shown as
        "Download the tables (Excel)" when the report has a table.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Campaigns")])
    >>> page = render_report(nb, title="Kenya", synthetic=True, tables_link="kenya-tables.xlsx")
    >>> 'role="note"' in page, "Download the tables" in page  # no table, so no link
    (True, False)
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
        "title": title, "subtitle": subtitle, "colour": colour, "ink": text_colour(colour),
        "provenance": dict(provenance or {}), "failure": dict(failure) if failure else None,
        "failed_anchor": FAILED_ANCHOR, "executed_link": executed_link, "index_link": index_link,
        "synthetic": synthetic, "synthetic_title": SYNTHETIC_TITLE, "synthetic_note": SYNTHETIC_NOTE,
        "tables_link": tables_link,
    }}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # The safety net under the escaping: whatever markup from the data got this far cannot run.
    return _finish_page(sanitise_report(body))


def _finish_page(page: str) -> str:
    """Each table in a scroll region of its own; no Excel link on a page without tables.

    Done after sanitising, on the page's own markup: ``tabindex`` lets a keyboard
    scroll a wide table (WCAG), and the sanitiser keeps no ``tabindex``.
    """
    import lxml.html

    root = lxml.html.document_fromstring(page)
    main = root.find(".//main")
    tables = [] if main is None else [t for t in main.iter("table") if next(t.iterancestors("table"), None) is None]
    for n, table in enumerate(tables, start=1):
        caption = table.find("caption")
        label = " ".join(caption.text_content().split()) if caption is not None else f"Table {n}"
        region = lxml.html.Element("div", {"class": "sl-scroll", "tabindex": "0", "role": "region",
                                          "aria-label": label[:120]})
        table.addprevious(region)
        region.append(table)  # moves the table (and its tail text) into the region
        region.tail, table.tail = table.tail, None
    if not tables:
        for link in root.xpath('//*[contains(concat(" ", @class, " "), " sl-download ")]'):
            link.drop_tree()
    return lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode")


def tables_file(report: str | Path) -> str:
    """The name of a report's tables workbook, beside it.

    Parameters
    ----------
    report
        The report's path (relative to the reports folder, or any).

    Returns
    -------
    str
        The workbook's file name (in the report's folder).

    Examples
    --------
    >>> tables_file("countries/kenya-water.html")
    'kenya-water-tables.xlsx'
    """
    return f"{Path(report).stem}-tables.xlsx"


def report_workbook(page: str, *, title: str, synthetic: bool = False) -> bytes | None:
    """A rendered report's tables as one Excel workbook (:mod:`sparklearn.report.takeaway`), or None without tables.

    Parameters
    ----------
    page
        The report's HTML (:func:`render_report`).
    title
        The report's title.
    synthetic
        Demo data: the workbook's first sheet says so.

    Returns
    -------
    bytes or None
        The ``.xlsx`` file.

    Examples
    --------
    >>> report_workbook("<main><p>No tables</p></main>", title="Kenya") is None
    True
    """
    from sparklearn.report.takeaway import report_tables, tables_workbook

    tables = report_tables(page)
    if not tables:
        return None
    note = f"{SYNTHETIC_TITLE}. {SYNTHETIC_NOTE}" if synthetic else None
    return tables_workbook(tables, title=title, note=note)


def first_finding(page: str) -> str:
    """The first key finding of a rendered report (the first item of ``ul.sl-key-findings``), or "".

    Links within the report ("See Outcome harvest") are left out: the index links the
    section itself (:func:`_read_report`).

    Parameters
    ----------
    page
        A rendered report's HTML.

    Returns
    -------
    str
        The finding's text, whitespace collapsed; "" when the report has no key findings.

    Examples
    --------
    >>> first_finding('<main><ul class="sl-key-findings"><li>Most outcomes were <b>local</b>. '
    ...               '<a href="#Outcomes">See Outcomes</a></li><li>Second.</li></ul></main>')
    'Most outcomes were local.'
    >>> first_finding("<main><p>No findings yet</p></main>")
    ''
    """
    item = _first_finding_item(page)
    if item is None:
        return ""
    for link in item.xpath('.//a[starts-with(@href, "#")]'):
        link.drop_tree()
    return " ".join(item.text_content().split())


def _first_finding_item(page: str):
    import lxml.html

    if not page.strip():
        return None
    items = lxml.html.fromstring(page).xpath(
        '//ul[contains(concat(" ", normalize-space(@class), " "), " sl-key-findings ")]/li[1]')
    return items[0] if items else None


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rgb`` or ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two hex colours (1 to 21).

    Parameters
    ----------
    foreground, background
        ``#rgb`` or ``#rrggbb``.

    Returns
    -------
    float
        (lighter luminance + 0.05) / (darker luminance + 0.05), as WCAG 2 defines it.

    Examples
    --------
    >>> round(contrast_ratio("#ff9933", "#ffffff"), 2)  # India's colour as text on white
    2.13
    >>> round(contrast_ratio("#000", "#fff"), 1)
    21.0
    """
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(colour: str, *, backgrounds: Sequence[str] = LIGHT_BACKGROUNDS, ratio: float = 4.5) -> str:
    """A shade of ``colour`` that text can be written in: darkened just enough for ``ratio`` on every background.

    The registry's colours are the countries' (figures use them as they are); for text,
    links and the banner behind white text, a report uses this shade, so that WCAG AA
    (4.5:1 for text) holds whatever colour a registry gives. A colour that passes
    already is returned as it is; an unreadable one falls back to sparklearn's blue.

    Parameters
    ----------
    colour
        ``#rgb`` or ``#rrggbb``.
    backgrounds
        The backgrounds the text appears on (white text on the shade counts as white).
    ratio
        The contrast wanted (4.5 is WCAG AA for body text).

    Returns
    -------
    str
        ``#rrggbb``.

    Examples
    --------
    >>> text_colour("#ff9933")  # India's saffron: 2.13:1 on white as it is
    '#a36221'
    >>> round(contrast_ratio(text_colour("#ff9933"), "#f6f7f9"), 2) >= 4.5
    True
    >>> text_colour("#1f4e79")  # dark enough already
    '#1f4e79'
    """
    value = str(colour or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        value = _DEFAULT_COLOUR.lstrip("#")
    rgb = [int(value[i:i + 2], 16) for i in (0, 2, 4)]
    for step in range(101):
        shade = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in rgb)
        if all(contrast_ratio(shade, b) >= ratio for b in backgrounds):
            return shade
    return "#000000"


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
                 manifests: Mapping[str, Mapping] | None = None, reports_dir: str | Path | None = None) -> str:
    """Render ``reports/index.html`` from the run records (see :data:`~sparklearn.batch.run.SUMMARY_COLUMNS`).

    Parameters
    ----------
    records
        One per report: ``notebook``, ``kind``, ``country``, ``status``, ``report``, ...
        A record's ``covers`` (the countries a comparison read) is shown beside it, so
        that the comparison of every country and one of a few are told apart.
    title
        The page's heading.
    colours, names
        Country slug -> registry colour, and -> name.
    manifests
        Country slug -> prepared manifest: data problems in the run details, and the
        synthetic-data banner when any country's data are synthetic.
    reports_dir
        The reports folder: each report's first key finding (:func:`first_finding`) is
        read from it, and its tables workbook linked when there is one.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> page = render_index([{"notebook": "kenya", "kind": "country", "country": "kenya", "status": "ran",
    ...                       "seconds": 3.0, "report": "kenya.html"}], names={"kenya": "Kenya"},
    ...                     manifests={"kenya": {"synthetic": True, "n_errors": 0, "n_warnings": 1}})
    >>> "Synthetic demo data" in page, "Run details for the research team" in page
    (True, True)
    """
    import jinja2

    names = dict(names or {})
    manifests = dict(manifests or {})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    order = {"country": 0, "optional": 1, "comparison": 2}
    rows = [{**r, "label": index_label(r, names), "covers_text": _covers(r, names), **_read_report(r, reports_dir)}
            for r in sorted(records, key=lambda r: (order[r["kind"]], r.get("country") or "", r["notebook"]))]
    return env.get_template("batch_index.html.j2").render(
        title=title, rows=rows, colours=dict(colours or {}),
        names=names, manifests=manifests, failed_anchor=FAILED_ANCHOR,
        synthetic=any(m.get("synthetic") for m in manifests.values()),
        synthetic_title=SYNTHETIC_TITLE, synthetic_note=SYNTHETIC_NOTE,
        provenance={"version": __version__, "commit": git_commit()},
        # The latest report's time, not "now": a rerun that changed nothing leaves the index as it was.
        generated=max((str(r.get("finished") or "") for r in rows), default="")
        or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _read_report(record: Mapping[str, Any], reports_dir: str | Path | None) -> dict[str, str]:
    """What the index shows of a written report: its first key finding and its tables workbook (link or "")."""
    if reports_dir is None or not record.get("report"):
        return {"finding": "", "finding_link": "", "finding_section": "", "tables": ""}
    report = Path(reports_dir) / record["report"]
    try:
        page = report.read_text(encoding="utf-8")
    except OSError:
        return {"finding": "", "finding_link": "", "finding_section": "", "tables": ""}
    tables = Path(record["report"]).with_name(tables_file(record["report"]))
    item = _first_finding_item(page)
    section = item.xpath('.//a[starts-with(@href, "#")]') if item is not None else []
    return {"finding": first_finding(page),
            "finding_link": record["report"] + section[0].get("href") if section else "",
            "finding_section": " ".join(section[0].text_content().split()) if section else "",
            "tables": tables.as_posix() if (Path(reports_dir) / tables).is_file() else ""}


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
