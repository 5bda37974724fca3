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

import hashlib
import json
import subprocess
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sparklearn import __version__
from sparklearn.config import PROJECT_ROOT
from sparklearn.files import _sha256_file, write_atomic

CACHE_FILE = ".cache.json"


_PACKAGE = Path(__file__).resolve().parent.parent


def file_hashes(files: Iterable[Path], root: Path) -> dict[str, str]:
    """SHA-256 of each file, keyed by its path relative to ``root`` (posix style)."""
    out = {}
    for f in sorted(set(map(Path, files))):
        rel = f.relative_to(root).as_posix() if f.is_relative_to(root) else f.as_posix()
        out[rel] = _sha256_file(f)
    return out


def fingerprint(hashes: Mapping[str, str]) -> str:
    """One short hash for a set of input hashes (shown in report footers).

    Examples
    --------
    >>> fingerprint({"a.csv": "00", "b.csv": "11"}) == fingerprint({"b.csv": "11", "a.csv": "00"})
    True
    """
    text = "\n".join(f"{k} {v}" for k, v in sorted(hashes.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def library_fingerprint() -> str:
    """Hash of sparklearn's own source and templates: part of every cache key."""
    files = [p for p in sorted(_PACKAGE.rglob("*")) if p.is_file() and p.suffix in {".py", ".j2", ".css", ".json", ".yaml"}]
    return fingerprint(file_hashes(files, _PACKAGE))


def cache_key(source: str, parameters: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    """The key under which a notebook run is cached.

    Examples
    --------
    >>> a = cache_key("x = 1", {"country": "ghana"}, {"ghana/s.md": "ab"})
    >>> a == cache_key("x = 1", {"country": "ghana"}, {"ghana/s.md": "ab"})
    True
    >>> a == cache_key("x = 1", {"country": "ghana"}, {"ghana/s.md": "ac"})
    False
    """
    payload = json.dumps({"source": source, "parameters": parameters, "inputs": dict(inputs),
                          "version": __version__, "library": library_fingerprint()},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the sparklearn checkout, or None outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _load_cache(reports: Path) -> dict[str, dict]:
    """The batch's memory: prepared countries, notebook runs, parameter checks passed."""
    try:
        cache = json.loads((reports / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    return {name: cache.get(name, {}) for name in ("prepare", "notebooks", "parameters")}


def _save_cache(reports: Path, cache: Mapping[str, dict]) -> None:
    write_atomic(reports / CACHE_FILE, json.dumps(cache, indent=1, sort_keys=True, default=str))
