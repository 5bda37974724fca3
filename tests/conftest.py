"""Shared fixtures. ``demo_batch`` runs the real batch once per test session, on a
copy of the demo data, for every slow test that needs reports (keeps CI time low)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest

from sparklearn.config import DEMO_DATA, Paths, resolve_paths


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
