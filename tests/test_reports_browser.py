"""The reports as IBP readers meet them: headless Chromium opens the index and every report
offline: no console errors, every image decoded, every index link resolves, no code shown,
no request leaves the machine."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (make browser installs it)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


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
    assert set(p.resolve() for p in pages) <= linked

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
