"""The batch's memory: what ran, from which inputs, so that a rerun does only what changed.

A notebook's cache key (:func:`cache_key`) is the SHA-256 of its source, its
parameters, the fingerprint of the raw files it reads (the same input fingerprint
the prepare stage writes into each manifest, :func:`sparklearn.prepare.input_hashes`),
the sparklearn version and :func:`library_fingerprint`, so that a fix in a module or
a report template re-runs the reports it changes even before the version is bumped.

Keys live in ``<reports>/.cache.json`` (:func:`load_cache`, :func:`save_cache`) beside
the outputs they describe, so that deleting the reports folder forgets them too. A
notebook is taken from the cache only when its key matches, it did not fail, and its
report and executed notebook are still there (:func:`cached_record`).

Processed tables are not cached here: whether a country must be prepared again is
the store's staleness rule (:func:`sparklearn.store.ensure_current`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sparklearn import __version__
from sparklearn.files import sha256_file, write_atomic

CACHE_FILE = ".cache.json"

#: The cache's sections: notebook runs by name, and parameter checks passed (see
#: :func:`sparklearn.batch.plan.check_plan`).
SECTIONS = ("notebooks", "parameters")

_PACKAGE = Path(__file__).resolve().parent.parent


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
    """Hash of sparklearn's code (as the prepare stage fingerprints it) and of its report templates."""
    from sparklearn.prepare import library_fingerprint as code

    templates = sorted(p for p in (_PACKAGE / "templates").rglob("*") if p.is_file())
    return fingerprint({"code": code(), **{p.relative_to(_PACKAGE).as_posix(): sha256_file(p) for p in templates}})


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
        done = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=_PACKAGE, capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def load_cache(reports: Path) -> dict[str, dict]:
    """The cache kept in ``reports``: one dict per section of :data:`SECTIONS` (empty when there is none)."""
    try:
        cache = json.loads((reports / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    return {name: dict(cache.get(name) or {}) for name in SECTIONS}


def save_cache(reports: Path, cache: Mapping[str, dict]) -> None:
    """Write the cache atomically (an interrupted run keeps the previous one whole)."""
    write_atomic(reports / CACHE_FILE, json.dumps(cache, indent=1, sort_keys=True, default=str))


def cached_record(cache: Mapping[str, dict], name: str, key: str, reports: Path) -> dict | None:
    """The record of notebook ``name`` if its last run, under ``key``, succeeded and left both outputs.

    Returns it as this run reports a notebook taken from the cache (status ``cached``,
    0 seconds, the last run's time as ``last_seconds``), or None when it must run.
    """
    record = cache["notebooks"].get(name)
    if (record is None or record.get("key") != key or record.get("status") == "failed"
            or not all(record.get(part) and (reports / record[part]).exists() for part in ("report", "executed"))):
        return None
    return {**record, "status": "cached", "seconds": 0.0, "last_seconds": record.get("seconds")}
