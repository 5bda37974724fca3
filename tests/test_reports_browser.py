"""The reports as IBP readers meet them: headless Chromium opens the index and every report
offline: no console errors, every image decoded, every index link resolves, no code shown,
no request leaves the machine; pages fit a desktop and a 390 px phone without sideways
scrolling; demo pages open with the synthetic-data banner; the index says what each report
finds; each report's tables come as one Excel workbook beside it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import lxml.html
import pytest

from sparklearn.batch.render import contrast_ratio, first_finding, tables_file
from sparklearn.report.takeaway import cell_value
from tests.conftest import CHROMIUM
from tests.conftest import CHROMIUM_ARGS as ARGS  # noqa: F401 - tests/test_report_xss.py launches Chromium with these

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (make browser installs it)"),
]

#: The pages checked at each width: the index, a country report, India (the palest colour), a note, the comparison.
PAGES = ["index.html", "kenya.html", "india.html", "countries/kenya.html", "comparison.html"]


def _visit(browser, url: str) -> dict:
    page = browser.new_page()
    seen = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(url, wait_until="load")
    seen["images"] = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => ({src: i.src.slice(0, 40), ok: i.complete && i.naturalWidth > 0}))")
    seen["links"] = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    seen["code"] = page.eval_on_selector_all(
        ".jp-InputArea, .jp-CodeMirrorEditor, .highlight, .jp-InputPrompt", "els => els.length")
    seen["text"] = page.inner_text("body")
    seen["scripts"] = page.eval_on_selector_all("script", "els => els.length")
    page.close()
    return seen


def test_index_and_every_report_open_cleanly_offline(browser, demo_batch):
    reports = demo_batch.paths.reports
    index = _visit(browser, (reports / "index.html").as_uri())
    pages = [reports / rel for rel in demo_batch.result.summary["report"]]
    assert len(pages) >= 9
    linked = set()
    for href in index["links"]:
        target = (reports / unquote(urlparse(href).path)).resolve()
        assert target.exists(), href
        linked.add(target)
    assert {p.resolve() for p in pages} <= linked

    for path in [reports / "index.html", *pages]:
        seen = index if path.name == "index.html" else _visit(browser, path.as_uri())
        assert seen["console"] == [] and seen["errors"] == [], (path.name, seen["console"], seen["errors"])
        assert seen["scripts"] == 0, path.name
        assert all(img["ok"] for img in seen["images"]), (path.name, seen["images"])
        outside = [u for u in seen["requests"] if not u.startswith(("file://", "data:"))]
        assert outside == [], (path.name, outside)
        assert seen["code"] == 0, path.name
        for python in ("import ", "def ", "country_tables(", "report_setup("):
            assert python not in seen["text"], (path.name, python)
        if path.name != "index.html":
            assert seen["images"], f"{path.name} has no figure"
            for href in seen["links"]:
                if not href.startswith("#"):
                    assert (path.parent / unquote(urlparse(href).path)).resolve().exists(), (path.name, href)


_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.sl-scroll'))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ends at ' + Math.round(e.getBoundingClientRect().right));
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_screen_and_wide_tables_scroll_in_their_own_box(browser, demo_batch, width):
    reports = demo_batch.paths.reports
    for name in PAGES:
        page = browser.new_page(viewport={"width": width, "height": 844})
        page.goto((reports / name).as_uri())
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        sticking_out = page.evaluate(_WIDE)
        # Every table sits in a scroll region a keyboard can reach (tabindex) and a screen reader can name.
        regions = page.eval_on_selector_all("table", """ts => ts.filter(t => t.closest('main')).map(t => {
            const r = t.closest('.sl-scroll'); return r && r.tabIndex === 0 && r.getAttribute('aria-label'); })""")
        page.close()
        assert scroll_width <= width, (name, width, scroll_width, sticking_out)
        assert sticking_out == [], (name, width)
        assert all(regions), (name, regions)


def test_every_demo_page_opens_with_the_synthetic_data_banner(browser, demo_batch):
    reports = demo_batch.paths.reports
    names = ["index.html", *demo_batch.result.summary["report"]]
    for name in names:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto((reports / name).as_uri())
        note = page.query_selector("[role=note]")
        assert note is not None, name
        box = note.bounding_box()
        text = " ".join(note.inner_text().split())
        colours = note.evaluate("""n => { const s = getComputedStyle(n.closest('.sl-synthetic'));
                                          return [getComputedStyle(n).color, s.backgroundColor]; }""")
        first = page.evaluate("document.querySelector('body').firstElementChild.className")
        page.close()
        assert first == "sl-synthetic", name  # the very top of the page
        assert box["y"] < 50 and box["height"] > 0, (name, box)
        assert text.startswith("Synthetic demo data."), (name, text)
        assert "fictitious" in text and "real names" in text, text
        foreground, background = (_hex(c) for c in colours)
        assert contrast_ratio(foreground, background) >= 7, (name, colours)


def _hex(css: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def test_the_index_says_what_each_report_finds_and_keeps_run_details_for_the_team(demo_batch):
    reports = demo_batch.paths.reports
    index = lxml.html.parse(str(reports / "index.html")).getroot()
    cards = {a.get("href"): a.getparent().getparent()
             for a in index.xpath('//li[contains(@class, "sl-report")]/h3/a')}
    found = 0
    for row in demo_batch.result.summary.itertuples():
        report = lxml.html.parse(str(reports / row.report)).getroot()
        first = report.xpath('//ul[contains(@class, "sl-key-findings")]/li[1]')
        card = cards[row.report]
        shown = card.xpath('.//p[@class="sl-finding"]')
        if not first:
            assert shown == [], row.report  # no key findings: nothing shown, no error
            continue
        found += 1
        expected = " ".join(first[0].text_content().split())
        assert shown, row.report
        assert " ".join(shown[0].text_content().split()) in expected, (row.report, expected)
        assert first_finding((reports / row.report).read_text(encoding="utf-8")) in expected
        # Its section link leads into the report.
        for href in shown[0].xpath(".//a/@href"):
            assert href.startswith(row.report + "#") and report.xpath(f'//*[@id="{href.split("#")[1]}"]'), href
    assert found >= 7, "every country report has key findings"
    details = index.xpath("//main/details")
    assert len(details) == 1 and details[0].getparent()[-1] is details[0], "run details come last in the page"
    assert details[0].find("summary").text_content() == "Run details for the research team"
    assert "s" in details[0].xpath(".//td[@class='sl-num']")[0].text_content()  # the run times live there


def test_each_report_has_its_tables_in_one_workbook_beside_it(demo_batch):
    import openpyxl

    reports = demo_batch.paths.reports
    checked = 0
    for rel in demo_batch.result.summary["report"]:
        path = reports / rel
        page = lxml.html.parse(str(path)).getroot()
        tables = page.xpath("//main//table[not(ancestor::table)]")
        links = page.xpath('//a[text()="Download the tables (Excel)"]/@href')
        workbook = path.with_name(tables_file(rel))
        if not tables:
            assert links == [] and not workbook.exists(), rel
            continue
        assert links == [workbook.name], rel
        book = openpyxl.load_workbook(io.BytesIO(workbook.read_bytes()))
        assert book.sheetnames[0] == "Contents" and len(book.sheetnames) == len(tables) + 1, rel
        assert book["Contents"]["A2"].value.startswith("Synthetic demo data."), rel
        listed = [r[0] for r in book["Contents"].iter_rows(min_row=6, max_col=1, values_only=True)]
        assert listed == book.sheetnames[1:]
        for table, name in zip(tables, book.sheetnames[1:]):
            caption = table.find("caption")
            if caption is not None:
                assert book["Contents"].cell(book.sheetnames.index(name) + 5, 2).value == \
                    " ".join(caption.text_content().split())
            _same_cells(table, book[name], f"{rel} / {name}")
            checked += 1
    assert checked >= 30


def _same_cells(table, sheet, where: str) -> None:
    """Each row of the HTML table, read here independently of the writer, against the sheet from row 3."""
    rows = [*table.xpath("./thead/tr"), *table.xpath("./tr | ./tbody/tr | ./tfoot/tr")]
    written_rows = list(sheet.iter_rows(min_row=3))
    assert len(written_rows) == len(rows), where
    for tr, cells in zip(rows, written_rows):
        shown = [" ".join(c.text_content().split()).replace("\u2212", "-") for c in tr.xpath("./th | ./td")]
        written = iter([_shown(c) for c in cells])
        # The row's own cells appear in order (a cell spanning rows is repeated in the rows below it).
        assert all(any(w == s for w in written) for s in shown if s), (where, shown, [c.value for c in cells])


def _shown(cell) -> str:
    """A workbook cell as the report showed it: text as written (less the formula guard), numbers formatted."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value
    return _format(value, cell.number_format)


def test_numbers_in_the_workbook_read_back_as_the_report_shows_them():
    for text in ["12", "1,204", "0.28", "58.6%", "\u22123", "2023", "100.0%"]:
        value, number_format = cell_value(text)
        assert isinstance(value, int | float), text
        shown = _format(value, number_format)
        assert shown == text.replace("\u2212", "-"), (text, value, number_format, shown)


def _format(value, number_format: str) -> str:
    decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    if number_format.endswith("%"):
        return f"{value * 100:.{decimals}f}%"
    return f"{value:,.{decimals}f}" if number_format.startswith("#,##0") else f"{value:.{decimals}f}"
