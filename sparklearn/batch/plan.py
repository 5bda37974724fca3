"""The batch's first step: which notebooks to run, with which parameters, checked before any kernel starts.

A batch runs ``notebooks/country.py`` once per country, the optional notebooks a
country lead put in ``notebooks/countries/<slug>[-topic].py`` (see
:func:`optional_notebooks`), and ``notebooks/comparison.py`` once over all the
countries of the run (:func:`plan_jobs`). Each becomes a :class:`Job`: a name that
is also where its report goes, the source file and the parameters papermill will
inject.

Parameters are checked here, against each notebook's cell tagged ``parameters``
(:func:`check_parameters`), because papermill itself only warns about a parameter the
notebook does not declare: a typo such as ``perid_start`` would otherwise run every
notebook for the whole period and say nothing. :func:`check_plan` remembers which
sources passed, so that a rerun with nothing to do reads no notebook at all.

Notebooks live in git as jupytext percent scripts; :func:`read_notebook` reads them
as ``nbformat`` notebooks (papermill cannot read a ``.py`` notebook itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sparklearn.config import Paths
from sparklearn.exceptions import ParameterError

Kind = Literal["country", "comparison", "optional"]


@dataclass(frozen=True)
class Job:
    """One notebook to run: its name (also its report's path), kind, country, source and parameters.

    ``country`` is None for a comparison; ``covers`` lists the countries a job reads
    (one for a country notebook, those compared for a comparison).
    """

    name: str
    kind: Kind
    country: str | None
    source: Path
    parameters: dict[str, Any]
    covers: tuple[str, ...] = ()

    @property
    def report(self) -> str:
        """Report path relative to the reports folder."""
        return f"{self.name}.html"

    @property
    def executed(self) -> str:
        """Executed notebook path relative to the reports folder."""
        return f"notebooks/{self.name}.ipynb"


def optional_notebooks(notebooks_dir: Path, slugs: Sequence[str]) -> dict[Path, str]:
    """Optional notebooks in ``<notebooks_dir>/countries`` and the country each belongs to.

    A file belongs to a country when its name is the country's slug or starts with
    the slug and a ``-`` or ``_`` (``kenya.py``, ``south-africa-water.py``).

    Raises
    ------
    ParameterError
        When a file's name starts with no known slug.
    """
    folder = notebooks_dir / "countries"
    found: dict[Path, str] = {}
    # Longest slug first, so that a slug that prefixes another cannot steal its files.
    ranked = sorted(slugs, key=len, reverse=True)
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        owner = next((s for s in ranked if path.stem == s or path.stem.startswith((f"{s}-", f"{s}_"))), None)
        if owner is None:
            raise ParameterError(
                f"{path}: cannot tell which country this optional notebook belongs to; "
                f"name it <slug>.py or <slug>-<topic>.py with a slug from: {', '.join(slugs)}"
            )
        found[path] = owner
    return found


def comparison_name(countries: Sequence[str], all_slugs: Sequence[str]) -> str:
    """The comparison's name: ``comparison`` over every country, else one naming those compared.

    A run for some countries must not overwrite the comparison of all of them.

    Examples
    --------
    >>> comparison_name(["kenya", "ghana"], ["ghana", "kenya"])
    'comparison'
    >>> comparison_name(["senegal", "kenya"], ["ghana", "kenya", "senegal"])
    'comparison-kenya-senegal'
    """
    if set(countries) == set(all_slugs):
        return "comparison"
    order = {slug: i for i, slug in enumerate(all_slugs)}
    return "-".join(["comparison", *sorted(set(countries), key=lambda s: (order.get(s, len(order)), s))])


def plan_jobs(
    countries: Sequence[str],
    paths: Paths,
    notebooks_dir: Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    all_slugs: Sequence[str] | None = None,
) -> list[Job]:
    """The notebooks a batch runs, with their parameters (not yet checked).

    Country and optional notebooks get ``country``, ``data_dir`` and
    ``processed_dir``; the comparison gets ``countries``, ``data_dir`` and
    ``processed_dir``; every notebook also gets ``parameters``. The comparison is
    named by :func:`comparison_name` against ``all_slugs`` (default: ``countries``).
    """
    every = list(all_slugs or countries)
    extra = dict(parameters or {})
    common = {"data_dir": str(paths.raw), "processed_dir": str(paths.processed)}
    jobs = [Job(slug, "country", slug, notebooks_dir / "country.py",
                {"country": slug, **common, **extra}, (slug,)) for slug in countries]
    for path, slug in optional_notebooks(notebooks_dir, every).items():
        if slug in countries:
            jobs.append(Job(f"countries/{path.stem}", "optional", slug, path,
                            {"country": slug, **common, **extra}, (slug,)))
    order = {slug: i for i, slug in enumerate(every)}
    jobs.append(Job(comparison_name(countries, every), "comparison", None, notebooks_dir / "comparison.py",
                    {"countries": list(countries), **common, **extra},
                    tuple(sorted(countries, key=lambda s: order.get(s, len(order))))))
    return jobs


@lru_cache(maxsize=64)
def _read_notebook_cached(path: Path, mtime_ns: int):
    import jupytext

    return jupytext.read(path)


def read_notebook(path: str | Path):
    """Read a jupytext ``.py`` (or any format jupytext knows) as an ``nbformat`` notebook.

    Returns a fresh copy each call; reading is cached while the file is unchanged.
    """
    import copy

    path = Path(path)
    if not path.exists():
        raise ParameterError(f"notebook not found: {path}")
    return copy.deepcopy(_read_notebook_cached(path.resolve(), path.stat().st_mtime_ns))


def note_title(stem: str, slug: str, name: str) -> str:
    """The title of an optional country notebook: ``kenya`` -> "Kenya: country note",
    ``south-africa-water_budget`` -> "South Africa: water budget".

    Examples
    --------
    >>> note_title("kenya", "kenya", "Kenya"), note_title("south-africa-water_budget", "south-africa", "South Africa")
    ('Kenya: country note', 'South Africa: water budget')
    """
    topic = stem[len(slug):].lstrip("-_").replace("-", " ").replace("_", " ").strip()
    return f"{name}: {topic or 'country note'}"


def purpose_line(path: str | Path) -> str:
    """The one-line purpose a notebook opens with (its first markdown cell's first line)."""
    first = next((c for c in read_notebook(path).cells if c.cell_type == "markdown"), None)
    return first.source.strip().splitlines()[0].lstrip("# ").strip() if first and first.source.strip() else ""


def notebook_parameters(path: str | Path) -> dict[str, dict[str, str]]:
    """The parameters a notebook declares in its cell tagged ``parameters``.

    Returns
    -------
    dict
        Name -> ``{"name", "inferred_type_name", "default", "help"}`` (papermill's
        inspection).

    Raises
    ------
    ParameterError
        When the notebook has no cell tagged ``parameters``.
    """
    import papermill

    nb = read_notebook(path)
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        raise ParameterError(f"{path}: no cell is tagged 'parameters'; tag the cell that sets "
                             "the notebook's parameters (in JupyterLab: Property Inspector > Cell Tags)")
    return papermill.inspect_notebook(nb)


def check_parameters(path: str | Path, parameters: Mapping[str, Any]) -> None:
    """Raise :class:`ParameterError` if ``parameters`` names one the notebook does not declare.

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> notebooks = resolve_paths().notebooks  # the tests run in the repository
    >>> check_parameters(notebooks / "country.py", {"country": "ghana"})
    >>> check_parameters(notebooks / "country.py", {"contry": "ghana"})
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.ParameterError: ...country.py: unknown parameter 'contry'; ...
    """
    declared = notebook_parameters(path)
    unknown = [name for name in parameters if name not in declared]
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        raise ParameterError(
            f"{path}: unknown parameter{'s' if len(unknown) > 1 else ''} {names}; "
            f"its parameters cell declares: {', '.join(declared)}"
        )


def check_plan(jobs: Sequence[Job], passed: Mapping[str, str]) -> dict[str, str]:
    """:func:`check_parameters` for every job, skipping a source already ``passed`` with the same names.

    Parameters
    ----------
    jobs
        The plan.
    passed
        What an earlier call returned (the batch keeps it in its cache).

    Returns
    -------
    dict
        Key (hash of a source and its parameter names) -> job name, for this plan's
        jobs only: sources no longer planned are forgotten.
    """
    checked = {}
    for job in jobs:
        source = job.source.read_text(encoding="utf-8") if job.source.exists() else ""
        key = hashlib.sha256(json.dumps([source, sorted(job.parameters)]).encode()).hexdigest()
        if key not in passed:
            check_parameters(job.source, job.parameters)
        checked[key] = job.name
    return checked
