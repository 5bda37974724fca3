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

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sparklearn.batch.cache import (
    _load_cache,
    _save_cache,
    cache_key,
    file_hashes,
    fingerprint,
)
from sparklearn.batch.execute import KERNEL, _execute
from sparklearn.batch.kernels import KernelServer
from sparklearn.batch.plan import (
    Job,
    check_parameters,
    note_title,
    plan_jobs,
    purpose_line,
)
from sparklearn.batch.render import provenance, render_index, render_report
from sparklearn.config import NOTEBOOKS, Paths, resolve_paths
from sparklearn.exceptions import SparklearnError
from sparklearn.files import write_atomic

# nbformat validates notebooks with jsonschema, which imports rfc3987_syntax when it is
# installed (jupyter-events pulls it in): that module compiles an Earley grammar at import,
# 1-3 s of every `sparklearn run`, for IRI format checks no notebook schema uses. Without
# it, jsonschema simply has no IRI checker.
sys.modules.setdefault("rfc3987_syntax", None)


Status = Literal["ran", "cached", "failed"]


#: Columns of :attr:`BatchResult.summary`, in order.
SUMMARY_COLUMNS = [
    "notebook", "kind", "country", "status", "seconds", "report", "executed", "finished",
    "error_cell", "error_section", "error_name", "error_value",
]


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
        from sparklearn import prepare
        from sparklearn.codebook import load_codebook

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
    from sparklearn.codebook import load_codebook
    from sparklearn.countries import load_registry
    from sparklearn.prepare import input_files

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
