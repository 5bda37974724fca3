"""The batch: prepare every country, run the notebooks with papermill, render HTML reports.

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

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from . import __version__
from .config import NOTEBOOKS, PROJECT_ROOT, Paths, resolve_paths
from .exceptions import ParameterError, SparklearnError
from .kernels import KernelServer

# nbformat validates notebooks with jsonschema, which imports rfc3987_syntax when it is
# installed (jupyter-events pulls it in): that module compiles an Earley grammar at import,
# 1-3 s of every `sparklearn run`, for IRI format checks no notebook schema uses. Without
# it, jsonschema simply has no IRI checker.
sys.modules.setdefault("rfc3987_syntax", None)

Kind = Literal["country", "comparison", "optional"]
Status = Literal["ran", "cached", "failed"]

#: Columns of :attr:`BatchResult.summary`, in order.
SUMMARY_COLUMNS = [
    "notebook", "kind", "country", "status", "seconds", "report", "executed", "finished",
    "error_cell", "error_section", "error_name", "error_value",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "sparklearn_report"
KERNEL = "python3"
CACHE_FILE = ".cache.json"
FAILED_ANCHOR = "failed-cell"

_PACKAGE = Path(__file__).resolve().parent


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


# --------------------------------------------------------------------------- hashing

def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


# --------------------------------------------------------------------------- atomic files

def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    # os.open with 0o666 honours the umask (mkstemp would leave reports readable by us only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _load_cache(reports: Path) -> dict[str, dict]:
    """The batch's memory: prepared countries, notebook runs, parameter checks passed."""
    try:
        cache = json.loads((reports / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    return {name: cache.get(name, {}) for name in ("prepare", "notebooks", "parameters")}


def _save_cache(reports: Path, cache: Mapping[str, dict]) -> None:
    write_atomic(reports / CACHE_FILE, json.dumps(cache, indent=1, sort_keys=True, default=str))


# --------------------------------------------------------------------------- execution

_TRANSIENT = ("kernel died before replying", "address already in use", "kernel didn't respond",
              "timeout waiting for kernel", "timed out")


def _is_transient(err: BaseException) -> bool:
    """Kernel start-up failures worth one more try (port clash, slow start)."""
    from nbclient.exceptions import DeadKernelError

    if isinstance(err, (DeadKernelError, TimeoutError)):
        return True
    text = str(err).lower()
    return isinstance(err, (RuntimeError, OSError)) and any(t in text for t in _TRANSIENT)


def _any_cell_ran(nb) -> bool:
    return any(c.cell_type == "code" and c.get("execution_count") for c in nb.cells)


def failure_of(nb) -> dict[str, Any] | None:
    """Where an executed notebook failed: the first cell with an error output.

    Returns
    -------
    dict or None
        ``error_cell`` (index in the executed notebook), ``error_section`` (the last
        heading above it), ``error_name`` and ``error_value``; None if no cell failed.
    """
    section = ""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            section = headings[-1] if headings else section
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {"error_cell": index, "error_section": section,
                        "error_name": out.get("ename", ""), "error_value": out.get("evalue", "")}
    return None


def _execute(job: Job, workdir: Path, kernels: KernelServer | None = None,
             stop: threading.Event | None = None) -> tuple[Any, dict[str, Any] | None]:
    """Run one notebook; return the executed notebook and its failure (or None).

    The kernel comes warm from ``kernels`` when it can (see :mod:`sparklearn.kernels`);
    a warm kernel that fails to start is retried once as an ordinary one, and an
    ordinary one that fails for a transient reason (port clash, slow start) once more,
    unless ``stop`` is set (the batch was interrupted and took its kernels down).
    The executed notebook is saved by papermill into ``workdir`` so that a failure
    still leaves the partial notebook to render.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = read_notebook(job.source)
    scratch = workdir / f"{job.name.replace('/', '__')}.ipynb"
    manager = kernels.kernel_manager_class() if kernels is not None else None
    for attempt in (1, 2):
        scratch.unlink(missing_ok=True)
        warm = {"kernel_manager_class": manager} if manager is not None else {}
        try:
            executed = papermill.execute_notebook(
                nb, str(scratch), parameters=job.parameters, kernel_name=KERNEL,
                progress_bar=False, start_timeout=60,
                # Saving the whole notebook (figures included) after every cell costs ~0.5 s a
                # notebook; papermill still saves it at the start, on an error and at the end.
                request_save_on_cell_execute=False,
                # The kernel's own log (plain-TCP notice, "KeyboardInterrupt caught") would
                # scramble the progress lines; its errors reach us as cell errors anyway.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                **warm,
            )
            return executed, None
        except PapermillExecutionError:
            executed = nbformat.read(scratch, as_version=4)
            return executed, failure_of(executed)
        except Exception as err:  # noqa: BLE001 - a broken kernel must not stop the batch
            partial = nbformat.read(scratch, as_version=4) if scratch.exists() else nb
            retry = manager is not None or _is_transient(err)
            if attempt == 1 and retry and not _any_cell_ran(partial) and not (stop and stop.is_set()):
                manager = None
                continue
            return partial, {"error_cell": None, "error_section": "kernel",
                             "error_name": type(err).__name__, "error_value": str(err)}
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- rendering

def _toc(html_text: str) -> list[tuple[int, str, str]]:
    """(level, id, text) of the ``h2``/``h3`` headings in rendered report HTML."""
    import lxml.html

    if not html_text.strip():
        return []
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    return [(int(h.tag[1]), h.get("id"), h.text_content().rstrip("¶").strip())
            for h in root.xpath("//h2[@id] | //h3[@id]")]


def render_report(
    nb,
    *,
    title: str,
    colour: str = "#1f4e79",
    subtitle: str = "",
    provenance: Mapping[str, Any] | None = None,
    failure: Mapping[str, Any] | None = None,
    executed_link: str | None = None,
    index_link: str = "index.html",
) -> str:
    """Render an executed notebook as a self-contained HTML report (no code, no scripts).

    Parameters
    ----------
    nb
        Executed ``nbformat`` notebook.
    title, subtitle, colour
        Page heading and the accent colour (the country's, from the registry).
    provenance
        Shown in the footer: ``version``, ``commit``, ``fingerprint``, ``run_date``.
    failure
        From :func:`failure_of`; the report then opens with the error and the failed
        cell carries the ``#failed-cell`` anchor.
    executed_link
        Relative link to the executed ``.ipynb`` (for readers who want the code).
    index_link
        Relative link back to ``index.html``.

    Returns
    -------
    str
        The HTML page.
    """
    import copy

    nb = copy.deepcopy(nb)
    # papermill's own error banner points at "In [n]" (code); ours names the section.
    nb.cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    # The purpose line is the page's subtitle already; do not print it twice.
    if nb.cells and nb.cells[0].cell_type == "markdown" and subtitle and \
            nb.cells[0].source.strip().lstrip("#").strip() == subtitle.strip():
        nb.cells = nb.cells[1:]
    if failure:
        failed = failure_of(nb)
        if failed is not None:
            nb.cells[failed["error_cell"]].metadata["sparklearn_failed"] = True
    exporter = _report_exporter()
    resources = {"sparklearn": {
        "title": title, "subtitle": subtitle, "colour": colour, "provenance": dict(provenance or {}),
        "failure": dict(failure) if failure else None, "failed_anchor": FAILED_ANCHOR,
        "executed_link": executed_link, "index_link": index_link,
    }}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


_EXPORTERS = threading.local()


def _report_exporter():
    """This thread's HTML exporter with sparklearn's template (compiling the template costs ~0.3 s)."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        config = Config({
            "HTMLExporter": {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True,
                             "extra_template_basedirs": [str(TEMPLATES)], "template_name": REPORT_TEMPLATE},
            "TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": ["remove_cell"]},
            "CSSHTMLHeaderPreprocessor": {"enabled": False},
        })
        exporter = _EXPORTERS.exporter = HTMLExporter(config=config)
        exporter.register_filter("toc", _toc)
    return exporter


def provenance(inputs: Mapping[str, str]) -> dict[str, Any]:
    """What a report footer records: sparklearn version, git commit, input fingerprint, run date."""
    return {"version": __version__, "commit": git_commit(), "fingerprint": fingerprint(inputs),
            "run_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def render_index(records: Sequence[Mapping[str, Any]], *, title: str = "Learning with SPARK: reports",
                 colours: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
                 manifests: Mapping[str, Mapping] | None = None) -> str:
    """Render ``reports/index.html`` from the run records (see :data:`SUMMARY_COLUMNS`)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    order = {"country": 0, "optional": 1, "comparison": 2}
    rows = sorted(records, key=lambda r: (order[r["kind"]], r.get("country") or "", r["notebook"]))
    env.globals["note_title"] = note_title
    return env.get_template("batch_index.html.j2").render(
        title=title, rows=rows, colours=dict(colours or {}), names=dict(names or {}),
        manifests=dict(manifests or {}), failed_anchor=FAILED_ANCHOR,
        provenance={"version": __version__, "commit": git_commit()},
        # The latest report's time, not "now": a rerun that changed nothing leaves the index as it was.
        generated=max((str(r.get("finished") or "") for r in rows), default="")
        or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


# --------------------------------------------------------------------------- the batch

@dataclass(frozen=True)
class BatchResult:
    """What a batch did.

    ``summary`` has one row per notebook with :data:`SUMMARY_COLUMNS`: notebook,
    kind (country | comparison | optional), country, status (ran | cached | failed),
    seconds (execution and rendering time of this run; 0 when cached), report and
    executed (paths relative to the reports folder), finished (when the report was
    made), error_cell (index in the executed notebook), error_section (the heading
    above it), error_name, error_value.
    """

    summary: pd.DataFrame
    index: Path
    manifests: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no notebook failed."""
        return bool((self.summary["status"] != "failed").all())

    @property
    def executed(self) -> list[str]:
        """Notebooks this run executed (ran or failed), not those taken from the cache."""
        return self.summary.loc[self.summary["status"] != "cached", "notebook"].tolist()


class _Batch:
    """State of one run: paths, cache, registry; the methods are the steps of run_batch."""

    def __init__(self, paths: Paths, notebooks_dir: Path, force: bool, progress: bool):
        self.paths = paths
        self.notebooks_dir = notebooks_dir
        self.force = force
        self.progress = progress
        self.cache = _load_cache(paths.reports)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.kernels: KernelServer | None = None

    def say(self, text: str) -> None:
        if self.progress:
            from tqdm import tqdm

            tqdm.write(text)

    def check_parameters(self, job: Job, checked: Mapping[str, str]) -> None:
        """:func:`check_parameters`, skipped when this source was ``checked`` with these names before."""
        source = job.source.read_text(encoding="utf-8") if job.source.exists() else ""
        key = hashlib.sha256(json.dumps([source, sorted(job.parameters)]).encode()).hexdigest()
        if key not in checked:
            check_parameters(job.source, job.parameters)
        with self.lock:
            self.cache["parameters"][key] = job.name

    def prepare(self, slug: str, inputs: dict[str, str], registry, codebook) -> dict:
        """Prepare one country unless its inputs and the library are unchanged."""
        from . import prepare
        from .codebook import load_codebook

        key = cache_key("prepare", {"country": slug}, inputs)
        manifest_file = self.paths.country_processed(slug) / "manifest.json"
        if not self.force and self.cache["prepare"].get(slug) == key and manifest_file.exists():
            return json.loads(manifest_file.read_text(encoding="utf-8"))
        manifest = prepare.prepare_country(slug, self.paths, registry=registry,
                                           codebook=codebook or load_codebook(self.paths.codebook_file))
        with self.lock:
            self.cache["prepare"][slug] = key
        return manifest

    def cached(self, job: Job, key: str) -> dict | None:
        record = self.cache["notebooks"].get(job.name)
        if (self.force or record is None or record.get("key") != key or record.get("status") == "failed"
                or not (self.paths.reports / job.report).exists()
                or not (self.paths.reports / job.executed).exists()):
            return None
        return {**record, "status": "cached", "seconds": 0.0, "last_seconds": record.get("seconds")}

    def run(self, job: Job, key: str, inputs: dict[str, str], title: str, colour: str, subtitle: str) -> dict:
        """Execute and render one notebook; commit its outputs unless the batch was interrupted."""
        import nbformat

        started = time.perf_counter()
        reports = self.paths.reports
        (reports / "notebooks").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=reports / "notebooks", prefix=".run-") as work:
            if self.stop.is_set():
                raise KeyboardInterrupt
            executed, failure = _execute(job, Path(work), self.kernels, self.stop)
            here = (reports / job.report).parent
            html = render_report(
                executed, title=title, subtitle=subtitle, colour=colour, provenance=provenance(inputs),
                failure=failure, executed_link=Path(os.path.relpath(reports / job.executed, here)).as_posix(),
                index_link=Path(os.path.relpath(reports / "index.html", here)).as_posix(),
            )
            # Ctrl-C reaches the kernels too: their "failure" must not replace a good report.
            if self.stop.is_set() or (failure or {}).get("error_name") == "KeyboardInterrupt":
                raise KeyboardInterrupt
            write_atomic(reports / job.executed, nbformat.writes(executed))
            write_atomic(reports / job.report, html)
        seconds = time.perf_counter() - started
        return {"notebook": job.name, "kind": job.kind, "country": job.country,
                "status": "failed" if failure else "ran", "seconds": round(seconds, 2),
                "report": job.report, "executed": job.executed,
                "finished": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
                "key": key, "fingerprint": fingerprint(inputs),
                **(failure or {"error_cell": None, "error_section": None, "error_name": None, "error_value": None})}

    def setback(self, job: Job, key: str, err: BaseException) -> dict:
        """A record for a notebook that could not run at all (its country failed to prepare)."""
        return {"notebook": job.name, "kind": job.kind, "country": job.country, "status": "failed",
                "seconds": 0.0, "report": None, "executed": None,
                "finished": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"), "key": key,
                "error_cell": None, "error_section": "prepare", "error_name": type(err).__name__,
                "error_value": str(err)}


def run_batch(
    countries: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    paths: Paths | None = None,
    notebooks_dir: str | Path | None = None,
    progress: bool = True,
    parameters: Mapping[str, Any] | None = None,
    warm_kernels: bool = True,
) -> BatchResult:
    """Prepare every country, run its notebooks and the comparison, render the reports.

    Parameters
    ----------
    countries
        Country slugs (default: every country in the registry).
    jobs
        Notebooks run at the same time (default: one per core).
    force
        Re-run everything, even what the cache says is unchanged.
    paths
        Input and output folders (default: :func:`sparklearn.config.resolve_paths`).
    notebooks_dir
        Folder with ``country.py``, ``comparison.py`` and ``countries/`` (default: the
        repository's ``notebooks``).
    progress
        Show a progress bar, a line per finished notebook and a closing summary.
    parameters
        Extra parameters for every notebook (for example ``{"period_start": "2021-01-01"}``).
    warm_kernels
        Start each notebook's kernel from a server that has the libraries imported
        already (:mod:`sparklearn.kernels`); False starts every kernel from scratch.

    Returns
    -------
    BatchResult
        ``summary`` (one row per notebook, :data:`SUMMARY_COLUMNS`), ``index`` (the
        ``index.html`` written), ``manifests`` (per country, from prepare) and ``ok``.

    Raises
    ------
    ParameterError
        Before any kernel starts, when a parameter is not declared by a notebook.
    RegistryError
        When a country slug is not in the registry.
    """
    from .codebook import load_codebook
    from .countries import load_registry
    from .prepare import input_files

    paths = paths or resolve_paths()
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else NOTEBOOKS
    registry = load_registry(paths.countries_file)
    slugs = list(countries) if countries else registry.slugs
    for slug in slugs:
        registry.country(slug)
    plan = plan_jobs(slugs, paths, notebooks_dir, parameters, all_slugs=registry.slugs)

    batch = _Batch(paths, notebooks_dir, force, progress)
    inputs = {slug: file_hashes(input_files(slug, paths), paths.raw) for slug in slugs}
    names = dict(zip(registry.countries["slug"], registry.countries["name"]))
    colours = registry.colours()

    def job_inputs(job: Job) -> dict[str, str]:
        if job.kind == "comparison":
            return {k: v for slug in slugs for k, v in inputs[slug].items()}
        return inputs[job.country]

    def job_title(job: Job) -> tuple[str, str, str]:
        if job.kind == "comparison":
            return "Cross-country comparison", ", ".join(names[s] for s in slugs), "#1f4e79"
        if job.kind == "country":
            return names[job.country], "Learning with SPARK country report", colours[job.country]
        return (note_title(Path(job.name).name, job.country, names[job.country]), purpose_line(job.source),
                colours[job.country])

    keys = {job.name: cache_key(job.source.read_text(encoding="utf-8"), job.parameters, job_inputs(job))
            for job in plan}
    records: dict[str, dict] = {}
    to_run = []
    for job in plan:
        hit = batch.cached(job, keys[job.name])
        if hit is not None:
            records[job.name] = hit
        else:
            to_run.append(job)

    # Started before the parameter checks, so that its imports overlap checking and preparing.
    cleanup = contextlib.ExitStack()
    if to_run and warm_kernels:
        folder = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sparklearn-kernels-"))
        batch.kernels = cleanup.enter_context(KernelServer(folder, KERNEL, paths.codebook_file))
        if batch.kernels.reason:
            batch.say(f"kernels start from scratch: {batch.kernels.reason}")
    try:
        checked = batch.cache["parameters"]
        batch.cache["parameters"] = {}  # only this plan's notebooks: older sources are forgotten
        for job in plan:
            batch.check_parameters(job, checked)
        # A rerun with nothing to do reads no codebook (nor imports what checking it takes).
        codebook = load_codebook(paths.codebook_file) if to_run else None
    except BaseException:
        cleanup.close()
        raise

    from tqdm import tqdm

    manifests: dict[str, dict] = {}
    prepare_errors: dict[str, BaseException] = {}
    workers = max(1, jobs or os.cpu_count() or 1)
    bar = tqdm(total=len(to_run), desc="notebooks", unit="nb", disable=not progress or not to_run)
    if len(records):
        batch.say(f"{len(records)} notebook(s) unchanged since the last run (cached)")
    pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparklearn")
    ready: list[Job] = []
    running: dict[cf.Future, Job] = {}

    def start_ready() -> None:
        # The comparison goes first once it can: it is the longest notebook, and
        # starting it last would leave the other workers idle at the end.
        ready.sort(key=lambda j: j.kind != "comparison")
        while ready and len(running) < workers:
            job = ready.pop(0)
            if job.kind != "comparison" and job.country in prepare_errors:
                finish(job, batch.setback(job, keys[job.name], prepare_errors[job.country]))
                continue
            title, subtitle, colour = job_title(job)
            running[pool.submit(batch.run, job, keys[job.name], job_inputs(job), title, colour, subtitle)] = job

    def collect(done: Iterable[cf.Future]) -> None:
        for future in done:
            job = running.pop(future)
            try:
                record = future.result()
            except Exception as err:  # noqa: BLE001 - isolate: report it, keep the others going
                record = batch.setback(job, keys[job.name], err) | {"error_section": "render"}
            finish(job, record)

    def finish(job: Job, record: dict) -> None:
        records[job.name] = record
        if record["status"] != "failed":
            batch.cache["notebooks"][job.name] = record
        else:
            batch.cache["notebooks"].pop(job.name, None)
        _save_cache(paths.reports, batch.cache)
        bar.update()
        where = f" in '{record['error_section']}': {record['error_name']}: {record['error_value']}" \
            if record["status"] == "failed" else ""
        batch.say(f"  {record['status']:<7} {job.name:<24} {record['seconds']:6.1f} s{where}")

    try:
        # Prepare country by country in this thread and start its notebooks at once,
        # so that kernels run while the next country is being prepared.
        for slug in slugs:
            try:
                manifests[slug] = batch.prepare(slug, inputs[slug], registry, codebook)
            except SparklearnError as err:
                prepare_errors[slug] = err
                batch.say(f"  failed  prepare {slug}: {err}")
            ready.extend(job for job in to_run if job.country == slug)
            collect([f for f in running if f.done()])
            start_ready()
        ready.extend(job for job in to_run if job.kind == "comparison")
        start_ready()
        while running:
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            collect(done)
            start_ready()
    except KeyboardInterrupt:
        batch.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        bar.close()
        cleanup.close()
    pool.shutdown()
    _save_cache(paths.reports, batch.cache)

    summary = pd.DataFrame([records[job.name] for job in plan]).reindex(columns=SUMMARY_COLUMNS)
    summary["error_cell"] = summary["error_cell"].astype("Int64")
    index = paths.reports / "index.html"
    listed = _listed_records(batch.cache["notebooks"], records, paths.reports)
    html = render_index(listed, colours=colours, names=names,
                        manifests=manifests | _manifests_on_disk(paths, set(registry.slugs) - set(slugs)))
    if not index.exists() or index.read_text(encoding="utf-8") != html:
        write_atomic(index, html)
    if progress:
        _print_summary(summary, index)
    return BatchResult(summary, index, manifests)


def _listed_records(cached: Mapping[str, dict], current: Mapping[str, dict], reports: Path) -> list[dict]:
    """This run's records plus earlier ones whose reports still exist (other countries)."""
    listed = {name: rec for name, rec in cached.items() if rec.get("report") and (reports / rec["report"]).exists()}
    listed.update(current)
    return list(listed.values())


def _manifests_on_disk(paths: Paths, slugs: Iterable[str]) -> dict[str, dict]:
    found = {}
    for slug in slugs:
        f = paths.country_processed(slug) / "manifest.json"
        if f.exists():
            found[slug] = json.loads(f.read_text(encoding="utf-8"))
    return found


def _print_summary(summary: pd.DataFrame, index: Path) -> None:
    counts = summary["status"].value_counts()
    parts = [f"{counts.get(s, 0)} {s}" for s in ("ran", "cached", "failed")]
    print(f"{len(summary)} notebooks: {', '.join(parts)}. Index: {index}")
    for row in summary.loc[summary["status"] == "failed"].itertuples():
        cell = "" if pd.isna(row.error_cell) else f", cell {row.error_cell}"
        print(f"FAILED {row.notebook} (section '{row.error_section}'{cell}): {row.error_name}: {row.error_value}")


# --------------------------------------------------------------------------- in notebooks

def notebook_paths(data_dir: str | Path | None = None, processed_dir: str | Path | None = None) -> Paths:
    """The folders a notebook reads, from its ``data_dir`` and ``processed_dir`` parameters.

    ``None`` means the default (``$SPARKLEARN_DATA`` or the demo data; the repository's
    ``data/processed``), so a lead can run the notebook in JupyterLab as it is.

    Examples
    --------
    >>> notebook_paths("/data/spark", "/out/processed").processed.name
    'processed'
    """
    base = resolve_paths(data_dir)
    processed = Path(processed_dir).expanduser().resolve() if processed_dir else base.processed
    return Paths(raw=base.raw, processed=processed, reports=base.reports)


def report_setup(dpi: int = 96) -> None:
    """Make a kernel's figures and tables report-ready: PNG figures at ``dpi``, wide tables.

    Called once in a notebook's imports cell; a no-op outside IPython.
    """
    import matplotlib

    matplotlib.rcParams.update({"figure.dpi": dpi, "savefig.dpi": dpi, "figure.figsize": (8, 4.2)})
    pd.set_option("display.max_colwidth", 120)
    pd.set_option("display.max_rows", 60)
    pd.set_option("display.precision", 2)
    # Readers get 0.14 and 1,240, never 1.39e-01 (pandas' choice when a column mixes magnitudes).
    pd.set_option("display.float_format", readable_number)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # PNG only (no SVG/PDF duplicates) keeps each report under 1 MB and every image decodable.
    set_matplotlib_formats("png", bbox_inches="tight")
    # After each cell pyplot redraws every open figure (for interactive windows), then the
    # inline backend draws it again to send it: the first draw is wasted, a third of the
    # time a figure costs. Importing the inline backend above installed pyplot's hook.
    from matplotlib import pyplot

    redraw = getattr(pyplot, "_draw_all_if_interactive", None)
    if redraw in shell.events.callbacks.get("post_execute", []):
        shell.events.unregister("post_execute", redraw)
    # Readers have no use for a 0, 1, 2... row number: show the index only when it means something.
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


def figure_png(fig) -> bytes:
    """A figure as a compact PNG: 256 colours, which charts never exceed visibly, at a third of the bytes.

    Keeps a report with a dozen figures well under 1 MB, so it travels by e-mail.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.plot([1, 2, 3])
    >>> figure_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    >>> plt.close(fig)
    """
    import io

    from PIL import Image

    image = _figure_image(fig).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    # The background must stay pure white (quantising drifts it to a visible grey): snap the
    # palette's lightest colour back to white.
    palette = image.getpalette()[: 3 * 256]
    lightest = max(range(len(palette) // 3), key=lambda i: sum(palette[3 * i: 3 * i + 3]))
    palette[3 * lightest: 3 * lightest + 3] = [255, 255, 255]
    image.putpalette(palette)
    small = io.BytesIO()
    image.save(small, format="png", optimize=True)
    return small.getvalue()


def _figure_image(fig):
    """The figure on white at ``savefig.dpi``, cropped as ``bbox_inches="tight"`` crops it, as an RGB image.

    ``savefig(bbox_inches="tight")`` lays the figure out once to find its extent, then
    draws it again at the cropped size, then encodes a PNG we would only decode again:
    here it is drawn once and the pixels are cropped, 40% of a report figure's time.
    A figure whose content reaches past its own edges (where savefig grows the canvas)
    is drawn a second time by savefig, at the extent the first draw found.
    """
    import io

    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    dpi = matplotlib.rcParams["savefig.dpi"]
    dpi = fig.dpi if dpi == "figure" else dpi
    box = "tight"
    if dpi == fig.dpi:
        previous_canvas, previous_colour = fig.canvas, fig.get_facecolor()
        canvas = previous_canvas if isinstance(previous_canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        fig.set_facecolor("white")
        try:
            canvas.draw()
            tight = fig.get_tightbbox(canvas.get_renderer())
            box = tight.padded(matplotlib.rcParams["savefig.pad_inches"])
            width, height = canvas.get_width_height(physical=True)
            if (tight.x0 * dpi >= -0.5 and tight.y0 * dpi >= -0.5
                    and tight.x1 * dpi <= width + 0.5 and tight.y1 * dpi <= height + 0.5):
                # The padding may reach past the canvas: it is white there, as savefig paints it.
                w, h = int(box.width * dpi), int(box.height * dpi)
                left, top = int(round(box.x0 * dpi)), int(round(height - box.y1 * dpi))
                pixels = np.asarray(canvas.buffer_rgba())[..., :3]
                out = np.full((h, w, 3), 255, dtype=np.uint8)
                y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + h, height), min(left + w, width)
                out[y0 - top:y1 - top, x0 - left:x1 - left] = pixels[y0:y1, x0:x1]
                return Image.fromarray(out)
        finally:
            fig.set_facecolor(previous_colour)
            fig.set_canvas(previous_canvas)
    raw = io.BytesIO()
    # Decoded at once: compressing it hard would be wasted.
    fig.savefig(raw, format="png", dpi=dpi, bbox_inches=box, facecolor="white", pil_kwargs={"compress_level": 1})
    return Image.open(raw).convert("RGB")


def readable_number(x: float) -> str:
    """A number as a report shows it: two decimals, thousands separated, small values kept.

    Examples
    --------
    >>> [readable_number(v) for v in (0.139, 1240.5, 0.0034, 0.0, float("nan"))]
    ['0.14', '1,240', '0.0034', '0', '']
    """
    if pd.isna(x):
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 0.01:
        return f"{x:,.2f}"
    return f"{x:.2g}"


def table_html(frame: pd.DataFrame) -> str:
    """A DataFrame as report HTML: escaped, at most ``display.max_rows`` rows, no meaningless 0, 1, 2 index.

    Examples
    --------
    >>> "<th>0</th>" in table_html(pd.DataFrame({"a": [1]}))
    False
    >>> "<th>x</th>" in table_html(pd.DataFrame({"a": [1]}, index=["x"]))
    True
    >>> "one two" in table_html(pd.DataFrame({"t": ["one\\n\\ntwo"]}))
    True
    """
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    limit = pd.get_option("display.max_rows")
    # pandas shows a line break inside a cell as a literal "\n"; in a table cell a space reads better.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]
    if text:
        frame = frame.assign(**{str(c): frame[c].map(lambda v: " ".join(v.split()) if isinstance(v, str) else v)
                                for c in text if isinstance(c, str)})
    return frame.to_html(index=not plain, max_rows=limit, escape=True, border=0,
                         classes="dataframe", na_rep="", show_dimensions=len(frame) > limit)


@dataclass(frozen=True)
class CountryTables:
    """One country's processed tables, as a notebook reads them.

    ``sessions``, ``segments``, ``codings``, ``outcomes`` (see the data contract) and
    ``problems`` (country + the problem columns), restricted to the period asked for;
    ``manifest`` as written by :func:`sparklearn.prepare.prepare_country`.
    """

    country: str
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame
    problems: pd.DataFrame
    manifest: dict


def country_tables(
    country: str,
    paths: Paths,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> CountryTables:
    """Read a country's processed tables, preparing them first if they are missing or stale.

    The batch has always prepared them already; in JupyterLab this makes the notebook
    work on a fresh checkout and after a raw file changed.

    Parameters
    ----------
    country
        Country slug.
    paths
        Folders (see :func:`notebook_paths`).
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates; None for open.
        Segments and codings follow their sessions.

    Returns
    -------
    CountryTables
    """
    from . import prepare

    folder = paths.country_processed(country)
    manifest_file = folder / "manifest.json"
    current = sorted(_sha256_file(f) for f in prepare.input_files(country, paths))
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else None
    if manifest is None or sorted(manifest["inputs"].values()) != current:
        manifest = prepare.prepare_country(country, paths)
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in prepare.TABLES}
    problems = pd.read_csv(folder / "problems.csv", dtype=str, keep_default_na=False)

    start = pd.Timestamp(period_start) if period_start else None
    end = pd.Timestamp(period_end) if period_end else None

    def in_period(dates: pd.Series) -> pd.Series:
        keep = pd.Series(True, index=dates.index)
        if start is not None:
            keep &= dates >= start
        if end is not None:
            keep &= dates <= end
        return keep

    sessions = tables["sessions"]
    if start is not None or end is not None:
        sessions = sessions.loc[in_period(sessions["date"])].reset_index(drop=True)
        kept = sessions["session_id"]
        tables["segments"] = tables["segments"].loc[tables["segments"]["session_id"].isin(kept)].reset_index(drop=True)
        tables["codings"] = tables["codings"].loc[tables["codings"]["session_id"].isin(kept)].reset_index(drop=True)
        if "date" in tables["outcomes"]:
            outcome_dates = pd.to_datetime(tables["outcomes"]["date"], errors="coerce")
            tables["outcomes"] = tables["outcomes"].loc[in_period(outcome_dates)].reset_index(drop=True)
    return CountryTables(country, sessions, tables["segments"], tables["codings"], tables["outcomes"],
                         problems, manifest)

