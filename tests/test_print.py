"""Reports printed to A4, as readers print them: Chromium prints each page to PDF (playwright's
``page.pdf``) and pypdf reads it back. Nothing is cut off on the right (every table's last
column is in the PDF text; Chromium leaves out what falls outside the page), the page count is
sane, no heading is left alone at the foot of a page, and the print styles keep outcome cards,
figures and table rows whole."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import lxml.html
import pytest

from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (make browser installs it)"),
]

#: A4 less the print stylesheet's side margins (12 mm each), in CSS pixels.
A4_CONTENT_WIDTH = round((210 - 24) / 25.4 * 96)


def _flat(text: str) -> str:
    """Text compared without layout: ligatures undone (ﬁ -> fi), no whitespace (lines wrap anywhere)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def printed(browser, demo_batch):
    """name -> (PdfReader, parsed page, tables sticking out under print media) for a country report,
    the palest country, a country note, the comparison and the index."""
    from pypdf import PdfReader

    out = {}
    for name in ["kenya.html", "india.html", "countries/kenya.html", "comparison.html", "index.html"]:
        path = demo_batch.paths.reports / name
        page = browser.new_page(viewport={"width": A4_CONTENT_WIDTH, "height": 1000})
        page.goto(path.as_uri())
        page.emulate_media(media="print")
        sticking_out = page.evaluate("""() => [...document.querySelectorAll('main table')]
            .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                         || t.scrollWidth > t.clientWidth + 1)
            .map(t => (t.querySelector('caption') || t).textContent.slice(0, 60))""")
        styles = page.evaluate("""() => ({
            cards: [...document.querySelectorAll('.sl-outcome')].map(e => getComputedStyle(e).breakInside),
            figures: [...document.querySelectorAll('.jp-RenderedImage')].map(e => getComputedStyle(e).breakInside),
            headings: [...document.querySelectorAll('main h2, main h3')].map(e => getComputedStyle(e).breakAfter),
            rows: [...document.querySelectorAll('main tr')].map(e => getComputedStyle(e).breakInside),
            hidden: [...document.querySelectorAll('.sl-toc, .sl-back')].map(e => getComputedStyle(e).display),
        })""")
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        page.close()
        out[name] = (PdfReader(io.BytesIO(pdf)), lxml.html.parse(str(path)).getroot(), sticking_out, styles)
    return out


def test_no_table_is_cut_off_on_the_right(printed):
    for name, (reader, root, sticking_out, _) in printed.items():
        if name == "index.html":
            continue  # its only table is the run details, which are not printed
        assert sticking_out == [], (name, sticking_out)
        text = _flat("".join(p.extract_text() for p in reader.pages))
        tables = root.xpath("//main//table")
        assert tables, name
        missing = []
        for table in tables:
            for row in table.iter("tr"):
                cells = row.xpath("./th | ./td")
                last = _flat(cells[-1].text_content()) if cells else ""
                if last and last not in text:
                    missing.append(cells[-1].text_content()[:60])
        assert missing == [], f"{name}: {len(missing)} last-column cells not in the PDF, e.g. {missing[:5]}"


def test_page_counts_are_sane(printed):
    pages = {name: len(reader.pages) for name, (reader, *_) in printed.items()}
    assert pages["index.html"] <= 3, pages
    for name in ("kenya.html", "india.html", "comparison.html"):
        assert 3 <= pages[name] <= 45, pages
    assert pages["countries/kenya.html"] <= 10, pages


def _heading_at_foot(reader, headings: set[str]) -> list[tuple[int, str]]:
    """Headings that are the last text of their page and sit in its bottom fifth (their section is on the next)."""
    found = []
    for number, page in enumerate(reader.pages, start=1):
        height = float(page.mediabox.height)
        runs = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip():
                runs.append((cm[3] * tm[5] + cm[5], " ".join(text.split())))

        page.extract_text(visitor_text=visit)
        if runs:
            y, last = runs[-1]
            if last in headings and y < height / 5:
                found.append((number, last))
    return found


def test_headings_are_kept_with_what_follows(printed):
    for name, (reader, root, _, styles) in printed.items():
        headings = {" ".join(h.text_content().rstrip("¶").split()) for h in root.xpath("//main//h2 | //main//h3")}
        assert _heading_at_foot(reader, headings) == [], name
        assert set(styles["headings"]) <= {"avoid"}, name


def test_cards_figures_and_rows_are_not_split_and_screen_only_parts_are_left_out(printed):
    _, _, _, kenya = printed["kenya.html"]
    assert kenya["cards"] and set(kenya["cards"]) == {"avoid"}
    assert kenya["figures"] and set(kenya["figures"]) == {"avoid"}
    assert kenya["rows"] and set(kenya["rows"]) == {"avoid"}
    assert set(kenya["hidden"]) == {"none"}


def test_the_printed_report_keeps_the_synthetic_banner_and_the_findings(printed):
    reader, root, *_ = printed["kenya.html"]
    first_page = _flat(reader.pages[0].extract_text())
    assert _flat("Synthetic demo data.") in first_page
    findings = root.xpath('//ul[contains(@class, "sl-key-findings")]/li')
    if findings:
        assert _flat(findings[0].text_content())[:60] in _flat("".join(p.extract_text() for p in reader.pages[:2]))
