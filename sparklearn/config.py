"""Paths and settings, resolved once.

The repository ships synthetic demo data in ``data/raw``. Real country data lives
outside the repository: point the tools at it with ``--data DIR`` on the command
line or the ``SPARKLEARN_DATA`` environment variable. Outputs go to
``data/processed`` and ``reports`` unless ``--out DIR`` / ``SPARKLEARN_OUT`` say
otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The repository root (the folder holding ``pyproject.toml``) when run from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Bundled synthetic demo data.
DEMO_DATA = PROJECT_ROOT / "data" / "raw"

NOTEBOOKS = PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class Paths:
    """Where inputs are read from and outputs written to.

    ``raw`` is never written by sparklearn.
    """

    raw: Path
    processed: Path
    reports: Path

    @property
    def countries_file(self) -> Path:
        return self.raw / "countries.yaml"

    @property
    def codebook_file(self) -> Path:
        return self.raw / "codebook.yaml"

    def country_raw(self, slug: str) -> Path:
        return self.raw / slug

    def country_processed(self, slug: str) -> Path:
        return self.processed / slug


def resolve_paths(data: str | Path | None = None, out: str | Path | None = None) -> Paths:
    """Resolve input and output folders from arguments, then environment, then defaults.

    Parameters
    ----------
    data
        Folder holding ``countries.yaml``, ``codebook.yaml`` and one folder per country.
        Defaults to ``$SPARKLEARN_DATA`` or the bundled demo data.
    out
        Folder under which ``processed/`` and ``reports/`` are written. Defaults to
        ``$SPARKLEARN_OUT``, or the repository's ``data/processed`` and ``reports``.

    Examples
    --------
    >>> p = resolve_paths()
    >>> p.countries_file.name
    'countries.yaml'
    """
    raw = Path(data or os.environ.get("SPARKLEARN_DATA") or DEMO_DATA).expanduser().resolve()
    out = out or os.environ.get("SPARKLEARN_OUT")
    if out:
        base = Path(out).expanduser().resolve()
        return Paths(raw=raw, processed=base / "processed", reports=base / "reports")
    return Paths(
        raw=raw,
        processed=PROJECT_ROOT / "data" / "processed",
        reports=PROJECT_ROOT / "reports",
    )
