"""Access for every reader: text in each country's colour at WCAG AA contrast, axe-core (in
Chromium) finding nothing serious or critical on a country report, the comparison and the
index, and the synthetic-data banner exactly where the data are synthetic."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from sparklearn.batch import render
from sparklearn.batch.render import LIGHT_BACKGROUNDS, contrast_ratio, text_colour
from sparklearn.config import resolve_paths
from sparklearn.countries import load_registry
from sparklearn.prepare import SYNTHETIC_MARKER, is_synthetic, prepare
from tests.conftest import CHROMIUM, DEMO_DATA

# --------------------------------------------------------------------------- colour (fast)


def test_contrast_ratio_matches_published_wcag_values():
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast_ratio("#ff9933", "#ffffff") == pytest.approx(2.13, abs=0.01)  # India, as the issue measured it


@pytest.mark.parametrize("colour", [*load_registry(DEMO_DATA / "countries.yaml").colours().values(),
                                    "#ffff00", "#fff", "#00ff00", "#777777", "#000000", "not a colour"])
def test_every_country_colour_gets_a_text_shade_at_wcag_aa(colour):
    shade = text_colour(colour)
    assert re.fullmatch(r"#[0-9a-f]{6}", shade)
    for background in LIGHT_BACKGROUNDS:
        assert contrast_ratio(shade, background) >= 4.5, (colour, shade, background)


def test_a_readable_colour_is_kept_and_a_pale_one_only_darkened():
    assert text_colour("#1f4e79") == "#1f4e79"
    shade = text_colour("#ff9933")
    # Same hue, just darker: every channel scaled by one factor.
    factors = {round(int(shade[i:i + 2], 16) / int("#ff9933"[i:i + 2], 16), 1) for i in (1, 3, 5)}
    assert len(factors) == 1 and factors.pop() < 1
    # ... and no darker than needed.
    assert contrast_ratio(shade, "#f6f7f9") < 4.5 + 0.3


def test_the_report_writes_text_in_the_accessible_shade_and_keeps_the_colour_for_rules():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Campaigns\n\nText.")])
    page = render.render_report(nb, title="India", colour="#ff9933")
    assert f"--sl-colour: #ff9933; --sl-accent: {text_colour('#ff9933')}" in page


# --------------------------------------------------------------------------- the banner (fast)


def _real_copy(folder: Path) -> Path:
    """A copy of one country's demo data with every synthetic marker taken out: what real data looks like."""
    for path in folder.rglob("*"):
        if path.suffix in {".csv", ".md"}:
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [ln for ln in lines if SYNTHETIC_MARKER not in ln.upper()]
            path.write_text("".join(kept), encoding="utf-8")
    (folder / "salt.txt").write_text("a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5\n", encoding="utf-8")
    return folder


def test_demo_markers_are_the_ones_prepare_looks_for():
    from sparklearn.demo.content import PARTICIPANTS_NOTE, SESSION_NOTE
    from sparklearn.demo.content import SYNTHETIC_MARKER as DEMO_MARKER

    assert DEMO_MARKER == SYNTHETIC_MARKER and SYNTHETIC_MARKER in PARTICIPANTS_NOTE and SYNTHETIC_MARKER in SESSION_NOTE
    first_line = (DEMO_DATA / "kenya" / "participants.csv").read_text(encoding="utf-8").splitlines()[0]
    assert SYNTHETIC_MARKER in first_line


def test_prepare_records_whether_the_data_are_synthetic(kenya_data):
    paths = resolve_paths(data=kenya_data, default_out=False)
    assert is_synthetic("kenya", paths)
    assert prepare("kenya", paths, write=False).manifest["synthetic"] is True
    _real_copy(kenya_data)
    assert not is_synthetic("kenya", paths)
    assert prepare("kenya", paths, write=False).manifest["synthetic"] is False
    # One demo session among real ones is enough for the banner.
    session = min((kenya_data / "kenya" / "sessions").glob("*.md"))
    text = session.read_text(encoding="utf-8")
    session.write_text(text.replace("---\n", f'---\nsynthetic: "{SYNTHETIC_MARKER} - demo"\n', 1), encoding="utf-8")
    assert is_synthetic("kenya", paths)


def test_the_banner_is_on_demo_pages_only():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Campaigns")])
    demo = render.render_report(nb, title="Kenya", synthetic=True)
    real = render.render_report(nb, title="Kenya", synthetic=False)
    assert 'role="note"' in demo and render.SYNTHETIC_NOTE in demo and "real names" in render.SYNTHETIC_NOTE
    assert 'role="note"' not in real and "Synthetic" not in real and "fictitious" not in real
    record = {"notebook": "kenya", "kind": "country", "country": "kenya", "status": "ran", "seconds": 1.0,
              "report": "kenya.html"}
    assert render.SYNTHETIC_NOTE in render.render_index([record], manifests={"kenya": {"synthetic": True}})
    assert "fictitious" not in render.render_index([record], manifests={"kenya": {"synthetic": False}})


# --------------------------------------------------------------------------- in the browser (slow)

@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["kenya.html", "india.html", "comparison.html", "index.html"])
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)")
def test_axe_finds_nothing_serious_or_critical(browser, demo_batch, name, width):
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((demo_batch.paths.reports / name).as_uri())
    if name == "index.html":
        page.click("summary")  # the run details, opened: checked too
    results = Axe().run(page).response
    page.close()
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    listing = "\n".join(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x, first at "
                        f"{v['nodes'][0]['target']}: {v['nodes'][0].get('failureSummary', '')[:300]})" for v in bad)
    assert not bad, f"{name} at {width} px:\n{listing}"
    assert results["passes"], "axe ran no check at all"


@pytest.mark.slow
def test_reports_from_real_data_carry_no_banner(kenya_data, tmp_path):
    from sparklearn.batch.run import run_batch

    _real_copy(kenya_data)
    paths = resolve_paths(data=kenya_data, out=tmp_path / "out")
    result = run_batch(["kenya"], paths=paths, progress=False)
    assert result.ok, result.summary[["notebook", "status", "error_name", "error_value"]].to_string()
    assert result.manifests["kenya"]["synthetic"] is False
    pages = [paths.reports / "index.html", *(paths.reports / r for r in result.summary["report"])]
    assert len(pages) == 4
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert 'role="note"' not in text and 'class="sl-synthetic"' not in text and "fictitious" not in text, page.name
    book = (paths.reports / "kenya-tables.xlsx")
    assert book.exists()
    import openpyxl

    assert "Synthetic" not in str(openpyxl.load_workbook(book)["Contents"]["A2"].value)
    shutil.rmtree(tmp_path / "out")
