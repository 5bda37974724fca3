"""No markup from the data runs in a report (issue 11, cause 2).

OWASP's filter-evasion payloads go into every text field of the Kenya demo data that
reaches a report (codebook labels, the country's and campaigns' names, coder names and
codes in the coding sheets, session titles and turns, the outcome harvest's text, a
worksheet's name quoted in an error); the batch renders Kenya's reports; the pages are
then read as a browser would: no element a script could start from, and Chromium opens
each page without a dialog firing. The fast tests check the two helpers the reports
rely on: :func:`markdown_text` (data text placed in Markdown) and
:func:`sanitise_report` (the safety net over a rendered page).
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import yaml
from strategies import relabel_codebook

from sparklearn.report.tables import markdown_text, sanitise_report

#: OWASP XSS filter-evasion cheat sheet payloads (and Markdown's own ways to a link).
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg/onload=alert(4)>",
    '<iframe src="javascript:alert(5)"></iframe>',
    '<a href="javascript:alert(6)">click</a>',
    "[click](javascript:alert(7))",
    "![pic](javascript:alert(8))",
    "<javascript:alert(9)>",
    "<body onload=alert(10)>",
    '<IMG SRC="jav&#x09;ascript:alert(11);">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;"
    "&#49;&#50;&#41;>",
    '"><script>alert(13)</script>',
    "'><img src=x onerror=alert(14)>",
    '<div style="width: expression(alert(15));">x</div>',
    "<style>@import'javascript:alert(16)';</style>",
    "<details open ontoggle=alert(17)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(18)>",
    '<object data="javascript:alert(19)"></object>',
    "<input autofocus onfocus=alert(20)>",
    "<<SCRIPT>alert(21);//<</SCRIPT>",
    '<IMG """><SCRIPT>alert(22)</SCRIPT>">',
    '<a href="&#x6A;avascript:alert(23)">y</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(24)">',
    "<video><source onerror=alert(25)></video>",
    "$<img src=x onerror=alert(26)>$",
    "`<img src=x onerror=alert(27)>`",
    "&lt;img src=x onerror=alert(28)&gt;",
]


#: Attributes a browser follows as a URL.
_URL_ATTRIBUTES = {"href", "src", "data", "action", "formaction", "xlink:href", "poster", "background", "srcset"}

def _payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def _dangers(page: str) -> list[str]:
    """What in a page could run a script: script elements, on* attributes, javascript: URLs, frames."""
    root = lxml.html.document_fromstring(page)
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "iframe", "object", "embed", "frame", "meta") and \
                not (element.tag == "meta" and element.getparent().tag == "head"):
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{element.tag} {name}>")
            plain = "".join(value.split()).lower()
            # Text attributes (alt, title, aria-label) may quote the payload: escaped, it is only words.
            # What runs is a script URL where a URL is followed, or a CSS expression in a style.
            if name.lower() in _URL_ATTRIBUTES and plain.startswith(("javascript:", "vbscript:")) or \
                    name.lower() == "style" and "expression(" in plain:
                found.append(f"<{element.tag} {name}={value[:40]}>")
            if name in ("href", "src", "data", "action", "formaction") and \
                    plain.startswith("data:") and not plain.startswith("data:image/png"):
                found.append(f"<{element.tag} {name}={value[:40]}>")
    return found


# ------------------------------------------------------------------ fast tests


def test_the_danger_check_tells_running_code_from_quoted_words():
    quoted = '<html><body><img src="data:image/png;base64,AA" alt="a chart of javascript:alert(1) expression(x)"></body></html>'
    running = ('<html><body><a href=" javascript:alert(1)">x</a><div style="width: expression(alert(2))">y</div>'
               '</body></html>')
    assert _dangers(quoted) == []
    assert len(_dangers(running)) == 2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_text_keeps_a_payload_as_the_same_visible_text(payload):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(f"**Theme** {markdown_text(payload)} (3 turns)")
    page = f"<html><body>{rendered}</body></html>"
    assert _dangers(page) == []
    shown = lxml.html.document_fromstring(page).text_content()
    assert shown.strip() == f"Theme {' '.join(payload.split())} (3 turns)"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitise_report_leaves_nothing_that_runs(payload):
    page = ('<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body style="--c: red">'
            '<main><p><a href="#s">in page</a> <a href="notebooks/kenya.ipynb">nb</a>'
            f'<img src="data:image/png;base64,iVBORw0KGgo=" alt="Figure"></p>{payload}<p>after</p></main></body></html>')
    clean = sanitise_report(page)
    assert _dangers(clean) == []
    root = lxml.html.document_fromstring(clean)
    assert root.xpath("//a/@href")[:2] == ["#s", "notebooks/kenya.ipynb"]
    assert root.xpath("//img/@src")[0].startswith("data:image/png;base64,")
    assert root.xpath("//head/style") and root.xpath("//body/@style") == ["--c: red"]


def test_sanitise_report_keeps_a_real_report_as_it_reads():
    """The demo's pages keep every tag and every word through the safety net (here a stand-in page)."""
    table = ('<table class="dataframe"><thead><tr style="text-align: right;"><th>a</th></tr></thead>'
             '<tbody><tr><td id="T_1_row0_col0" class="data">1 &lt; 2</td></tr></tbody></table>')
    page = ('<html><head><title>K</title></head><body><nav class="sl-toc" aria-label="Contents"><ol>'
            '<li class="sl-toc-h2"><a href="#When">When</a></li></ol></nav><main><h2 id="When">When</h2>'
            '<div class="jp-RenderedMarkdown" data-mime-type="text/markdown"><p><strong>4</strong> rows</p></div>'
            f'<style type="text/css">#T_1 td {{color: red}}</style>{table}'
            '<article class="sl-outcome"><p class="sl-outcome-head">KE-O1</p></article></main></body></html>')
    clean = sanitise_report(page)
    before, after = lxml.html.document_fromstring(page), lxml.html.document_fromstring(clean)
    assert after.text_content() == before.text_content()
    assert [(e.tag, dict(e.attrib)) for e in after.iter()] == [(e.tag, dict(e.attrib)) for e in before.iter()]


# --------------------------------------------------------- the real batch, slow


def _poison(data: Path, *, rename_sheet: bool) -> None:
    """Put :data:`PAYLOADS` into every text field of the Kenya copy that reaches a report."""
    import openpyxl
    import pandas as pd

    n = iter(range(10_000))
    codebook = relabel_codebook(yaml.safe_load((data / "codebook.yaml").read_text(encoding="utf-8")),
                                lambda old, i: f"{old} {_payload(i)}", n)
    (data / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")

    registry = yaml.safe_load((data / "countries.yaml").read_text(encoding="utf-8"))
    registry["countries"] = [c for c in registry["countries"] if c["slug"] == "kenya"]
    kenya = registry["countries"][0]
    kenya["name"] = f"Kenya {_payload(1)}"
    for campaign in kenya["campaigns"]:
        campaign["name"] = f"{campaign['name']} {_payload(next(n))}"
        campaign["entry_point"] = f"{campaign['entry_point']} {_payload(next(n))}"
        campaign["partners"] = [f"{p} {_payload(next(n))}" for p in campaign["partners"]]
    (data / "countries.yaml").write_text(yaml.safe_dump(registry, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")

    for sheet in sorted((data / "kenya" / "codings").glob("*.csv")):
        lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
        comments = [line for line in lines if line.startswith("#")]
        frame = pd.read_csv(sheet, comment="#", dtype=str, keep_default_na=False)
        frame["coder"] = frame["coder"] + " " + _payload(next(n))
        frame["memo"] = [_payload(next(n)) for _ in range(len(frame))]
        frame.loc[frame.index[:2], "code"] = [_payload(next(n)), _payload(next(n))]  # quoted by a problem
        sheet.write_text("".join(comments) + frame.to_csv(index=False), encoding="utf-8")

    for session in sorted((data / "kenya" / "sessions").glob("*.md")):
        text = session.read_text(encoding="utf-8")
        title = text.split('title: "', 1)[1].split('"', 1)[0]
        payload = _payload(next(n)).replace('"', "'")
        text = text.replace(f'title: "{title}"', f'title: "{title} {payload}"', 1)
        text = text.replace(f"# {title}\n", f"# {title} {payload}\n", 1)
        turns = text.split("\n**KE-P")
        text = turns[0] + "".join(f"\n**KE-P{turn.rstrip()} {_payload(next(n))}\n" if i % 2 == 0 else f"\n**KE-P{turn}"
                                  for i, turn in enumerate(turns[1:]))
        session.write_text(text, encoding="utf-8")

    book = openpyxl.load_workbook(data / "kenya" / "outcomes.xlsx")
    sheet = book["Outcomes"]
    header = [c.value for c in sheet[1]]
    for column in ("Social actor", "Outcome", "Significance", "Contribution", "Other contributors", "Sources",
                   "Substantiator role"):
        j = header.index(column) + 1
        for row in range(2, sheet.max_row + 1):
            value = sheet.cell(row, j).value
            sheet.cell(row, j).value = f"{value or ''} {_payload(next(n))}".strip()
    sheet.cell(2, header.index("Outcome area") + 1).value = _payload(1)  # quoted by a problem
    if rename_sheet:
        sheet.title = "<svg onload=alert(99)>"  # the harvest's error quotes the sheets it found
    book.save(data / "kenya" / "outcomes.xlsx")


@pytest.fixture(scope="module")
def browser():
    from tests.test_reports_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.slow
@pytest.mark.parametrize("rename_sheet", [False, True], ids=["text-fields", "sheet-name"])
def test_payloads_in_every_text_field_stay_text_in_the_reports(kenya_data, tmp_path, browser, rename_sheet):
    from sparklearn.batch.run import run_batch
    from sparklearn.config import resolve_paths

    _poison(kenya_data, rename_sheet=rename_sheet)
    paths = resolve_paths(data=kenya_data, out=tmp_path / "out")
    run_batch(["kenya"], paths=paths, progress=False, jobs=1)
    pages = sorted(paths.reports.rglob("*.html"))
    assert paths.reports / "kenya.html" in pages and paths.reports / "index.html" in pages

    for page in pages:
        assert _dangers(page.read_text(encoding="utf-8")) == [], page.name
    country = (paths.reports / "kenya.html").read_text(encoding="utf-8")
    shown = lxml.html.document_fromstring(country).text_content()
    assert "This report is incomplete" not in shown  # every section ran with the payloads in it
    # The payloads are in the report, as text: the labels, the names, the outcome text.
    assert "<svg onload=alert(3)>" in shown or "<svg onload=alert(99)>" in shown
    assert "Kenya <img src=x onerror=alert(2)>" in shown
    if not rename_sheet:
        assert "[click](javascript:alert(7))" in shown

    for page in pages:
        dialogs, errors = [], []
        tab = browser.new_page()
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(page.as_uri(), wait_until="load")
        tab.wait_for_timeout(300)  # onload / ontoggle / autofocus handlers would have fired by now
        scripts = tab.eval_on_selector_all("script", "els => els.length")
        tab.close()
        assert dialogs == [] and errors == [] and scripts == 0, (page.name, dialogs, errors)


def test_the_payload_list_is_the_owasp_size():
    assert len(PAYLOADS) >= 15 and len(set(PAYLOADS)) == len(PAYLOADS)
