"""Shared fixtures. ``demo_batch`` runs the real batch once per test session, on a
copy of the demo data, for every slow test that needs reports (keeps CI time low).
``second_clone`` is a project folder of its own (data, notebooks, sparklearn.toml) used
with this checkout's environment."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparklearn.config import Paths, find_project, resolve_paths

#: This checkout's demo data: found from this file, so the tests read the checkout they belong to.
DEMO_DATA = find_project(__file__).data


#: This checkout's folders that the tests must never write (the brief and the path rules).
REPO = find_project(__file__).root
GUARDED = ("data/processed", "reports", ".sparklearn-cache")


@pytest.fixture(autouse=True)
def _no_folder_settings_from_the_shell(monkeypatch):
    """A developer's SPARKLEARN_DATA / SPARKLEARN_OUT must not point the tests at real data."""
    monkeypatch.delenv("SPARKLEARN_DATA", raising=False)
    monkeypatch.delenv("SPARKLEARN_OUT", raising=False)


def listing(root: Path) -> dict[str, int]:
    """Every file under ``root``'s guarded folders with its modification time (ns)."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns
            for folder in GUARDED for p in sorted((root / folder).rglob("*")) if p.is_file()}


@pytest.fixture()
def repo_untouched():
    """This checkout's root; the test fails if it wrote (or touched) anything in its output folders."""
    before = listing(REPO)
    yield REPO
    assert listing(REPO) == before, "the test wrote into this checkout's data/processed, reports or cache"


@pytest.fixture()
def second_clone(tmp_path):
    """Folder B: a second project (the demo data, the notebooks, sparklearn.toml), no outputs yet."""
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copytree(REPO / "data" / "raw", clone / "data" / "raw")
    shutil.copytree(REPO / "notebooks", clone / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "sparklearn.toml", clone / "sparklearn.toml")
    return clone


@dataclass(frozen=True)
class DemoBatch:
    paths: Paths
    result: object  # sparklearn.batch.run.BatchResult


@pytest.fixture(scope="session")
def demo_batch(tmp_path_factory) -> DemoBatch:
    from sparklearn.batch.run import run_batch

    base = tmp_path_factory.mktemp("batch")
    # A copy: the cache test changes one raw file, and data/raw is never written.
    shutil.copytree(DEMO_DATA, base / "data")
    paths = resolve_paths(data=base / "data", out=base / "out")
    return DemoBatch(paths, run_batch(paths=paths, progress=False))


@pytest.fixture()
def kenya_data(tmp_path):
    """A copy of the demo data holding only Kenya (plus the registry and codebook): tests may change it."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("countries.yaml", "codebook.yaml"):
        shutil.copy(DEMO_DATA / name, folder / name)
    shutil.copytree(DEMO_DATA / "kenya", folder / "kenya")
    return folder


#: Debian's chromium, which the browser tests drive through playwright (``make browser`` installs it).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (skipped where it is not installed).

    Module, not session: while Playwright's sync API is open, its event loop runs in the
    main thread, and every later test that starts a kernel or an event loop of its own
    (``asyncio.run``) would fail; closed at the end of each browser module, it leaves the
    tests after it alone.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
