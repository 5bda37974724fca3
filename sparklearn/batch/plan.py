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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sparklearn.config import Paths
from sparklearn.exceptions import ParameterError

Kind = Literal["country", "comparison", "optional"]


# --------------------------------------------------------------------------- planning

@dataclass(frozen=True)
class Job:
    """One notebook to run: where its source is, its parameters, what it reads."""

    name: str
    kind: Kind
    country: str | None
    source: Path
    parameters: dict[str, Any]

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
    ``processed_dir``; every notebook also gets ``parameters``.
    """
    extra = dict(parameters or {})
    common = {"data_dir": str(paths.raw), "processed_dir": str(paths.processed)}
    jobs = [Job(slug, "country", slug, notebooks_dir / "country.py",
                {"country": slug, **common, **extra}) for slug in countries]
    for path, slug in optional_notebooks(notebooks_dir, list(all_slugs or countries)).items():
        if slug in countries:
            jobs.append(Job(f"countries/{path.stem}", "optional", slug, path,
                            {"country": slug, **common, **extra}))
    jobs.append(Job("comparison", "comparison", None, notebooks_dir / "comparison.py",
                    {"countries": list(countries), **common, **extra}))
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
    >>> from sparklearn.config import NOTEBOOKS
    >>> check_parameters(NOTEBOOKS / "country.py", {"country": "ghana"})
    >>> check_parameters(NOTEBOOKS / "country.py", {"contry": "ghana"})
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
