"""The batch from end to end: what ``sparklearn run`` calls (:func:`run_batch`).

One short function per step, in the order they run:

1. :func:`_plan`: the notebooks (:func:`sparklearn.batch.plan.plan_jobs`), the input
   fingerprint of each country, and each notebook's cache key;
2. :func:`_split_cached`: the notebooks whose reports are current are taken from the
   cache (:mod:`sparklearn.batch.cache`), the others will run;
3. the parameter check (:func:`sparklearn.batch.plan.check_plan`), before any country
   is prepared or any kernel started, so that a typo costs a second, not a batch;
4. :class:`_Dispatch`: each country is prepared (when the store says its tables are
   stale) and its notebooks are handed to a pool of workers at once, so that kernels
   run while the next country is prepared; each worker executes a notebook
   (:mod:`sparklearn.batch.execute`), renders its report (:mod:`sparklearn.batch.render`)
   and writes both (:func:`_run_notebook`);
5. :func:`_finish`: the cache, the summary table, ``index.html`` and what was wrong
   with the data (:attr:`BatchResult.problems`, printed at the end of the run).

Workers are threads, not processes: the work happens in the kernels (separate
processes), and a thread only relays messages and renders; threads spare each worker
the second or so of importing papermill and nbconvert again. Every notebook gets a
kernel started from scratch, as papermill starts one: a pre-forking server of warm
kernels saved only a fifth of the batch's time once the notebooks were lean, too little
to carry a Linux-only path (issue 10's rule: a quarter or remove it).

Every output is written to a temporary file in its folder and moved into place
(:func:`sparklearn.files.write_atomic`), and nothing of a notebook is written once the
batch is interrupted, so Ctrl-C leaves the previous reports whole. A batch that was
killed outright (SIGKILL, power cut) can leave temporary files and ``.run-*`` work
folders behind: the next run removes them first (:func:`sweep`), and it trusts no
processed table or report for existing, only for matching the input fingerprint
(:func:`sparklearn.store.ensure_current`, the cache keys).

:data:`EXIT_CODES` is what ``sparklearn run`` returns: 0 all well, 1 a notebook failed,
3 every notebook ran but some input had errors (their rows were kept out of the
reports).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sparklearn.batch.cache import (
    cache_key,
    cached_record,
    fingerprint,
    load_cache,
    save_cache,
)
from sparklearn.batch.execute import Kernels, execute
from sparklearn.batch.plan import Job, check_plan, note_title, plan_jobs, purpose_line
from sparklearn.batch.progress import Progress
from sparklearn.batch.render import (
    provenance,
    render_index,
    render_report,
    report_workbook,
    tables_file,
)
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import ParameterError, SparklearnError
from sparklearn.files import write_atomic
from sparklearn.wording import and_list, count_noun

#: Columns of :attr:`BatchResult.summary`, in order.
SUMMARY_COLUMNS = [
    "notebook", "kind", "country", "status", "seconds", "report", "executed", "finished",
    "error_cell", "error_section", "error_name", "error_value",
]

_NO_ERROR = {"error_cell": None, "error_section": None, "error_name": None, "error_value": None}

_COMPARISON_COLOUR = "#1f4e79"


#: ``sparklearn run``'s exit statuses (:attr:`BatchResult.exit_code`); 2 (a usage or
#: input error that stopped the run before it started) and 130 (Ctrl-C) come from the CLI.
EXIT_CODES = {0: "every report was built and no input had errors",
              1: "a notebook failed (its report shows where); other reports were built",
              3: "every report was built, but some input files had errors: their rows were left out"}


#: Problems listed one by one at the end of a run; the rest are counted.
WORST_SHOWN = 5


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
    #: Every data problem of the countries run (``country`` plus the problem columns).
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        """True when no notebook failed."""
        return bool((self.summary["status"] != "failed").all())

    @property
    def input_errors(self) -> int:
        """How many errors the inputs had (rows or files kept out of the reports)."""
        if "severity" not in self.problems.columns:
            return 0
        return int((self.problems["severity"] == "error").sum())

    @property
    def exit_code(self) -> int:
        """1 when a notebook failed, else 3 when an input had errors, else 0 (:data:`EXIT_CODES`)."""
        return 1 if not self.ok else 3 if self.input_errors else 0

    @property
    def executed(self) -> list[str]:
        """Notebooks this run executed (ran or failed), not those taken from the cache."""
        return self.summary.loc[self.summary["status"] != "cached", "notebook"].tolist()


def run_batch(
    countries: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    paths: Paths | None = None,
    notebooks_dir: str | Path | None = None,
    progress: bool = True,
    parameters: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Prepare every country, run its notebooks and the comparison, render the reports.

    Parameters
    ----------
    countries
        Country slugs (default: every country in the registry). With some countries
        only, the comparison of those is written under its own name
        (``comparison-kenya-senegal.html``), beside the comparison of all.
    jobs
        Notebooks run at the same time, 1 or more (default: one per core).
    force
        Re-run everything, even what the cache says is unchanged.
    paths
        Input and output folders (default: :func:`sparklearn.config.resolve_paths`).
    notebooks_dir
        Folder with ``country.py``, ``comparison.py`` and ``countries/`` (default: the
        project's ``notebooks``).
    progress
        Show progress (a bar on a terminal, plain lines otherwise), a line per
        finished notebook and a closing summary.
    parameters
        Extra parameters for every notebook (for example ``{"period_start": "2021-01-01"}``).

    Returns
    -------
    BatchResult
        ``summary`` (one row per notebook, :data:`SUMMARY_COLUMNS`), ``index`` (the
        ``index.html`` written), ``manifests`` (per country, from prepare) and ``ok``.

    Raises
    ------
    ParameterError
        Before any kernel starts or anything is written: ``jobs`` below 1, or a
        parameter a notebook does not declare.
    RegistryError
        When a country slug is not in the registry.

    Examples
    --------
    Every country of the project's data, into a folder of one's own (half a minute on
    two cores; a rerun with nothing changed takes a second):

    >>> result = run_batch(paths=resolve_paths(out="/tmp/spark-reports"))  # doctest: +SKIP
    >>> result.ok, result.index.name  # doctest: +SKIP
    (True, 'index.html')

    A misspelt parameter stops the batch before anything runs or is written:

    >>> run_batch(["kenya"], parameters={"perid_start": "2021-01-01"}, paths=resolve_paths(out=tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.ParameterError: ...unknown parameter 'perid_start'...
    """
    workers = _workers(jobs)
    paths = paths or resolve_paths()
    sweep(paths)
    plan = _plan(countries, paths, Path(notebooks_dir) if notebooks_dir else paths.notebooks, parameters)
    cache = load_cache(paths.reports)
    records, to_run = _split_cached(plan, cache, force)
    cache["parameters"] = check_plan(plan.jobs, cache["parameters"])
    if to_run:
        from sparklearn.store import reference

        # The registry and codebook, checked once and kept as tables the notebooks read
        # (no kernel checks the YAML files again, or loads the schema library to do so).
        reference(paths)
    shown = Progress(len(to_run), enabled=progress)
    if records:
        shown.say(f"{len(records)} notebook(s) unchanged since the last run (cached)")
    dispatch = _Dispatch(plan, cache, workers, shown, Kernels())
    try:
        dispatch.run(to_run, force)
    finally:
        shown.close()
    return _finish(plan, cache, records | dispatch.records, dispatch.manifests, progress)


def sweep(paths: Paths) -> list[Path]:
    """Remove what a killed batch left in the output folders: ``.run-*`` work folders and ``*.tmp`` files.

    A batch stopped by SIGKILL (or a power cut) never reaches its own clean-up:
    :func:`sparklearn.files.write_atomic` leaves ``.<name>.<id>.tmp`` beside its target
    and a notebook's work folder ``reports/notebooks/.run-*`` stays. Neither is ever read
    (finished files are moved into place whole), so removing them is always safe; two
    batches must not write into one output folder at the same time.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    removed = []
    work = paths.reports / "notebooks"
    if work.is_dir():
        for folder in work.glob(".run-*"):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for root in (paths.reports, paths.processed):
        if root.is_dir():
            for tmp in root.rglob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def _workers(jobs: int | None) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs (--jobs) must be a whole number of 1 or more, not {jobs!r}: it is how many "
                             "notebooks run at the same time; leave it out to run one per core")
    return jobs


# --------------------------------------------------------------------------- 1. plan

@dataclass(frozen=True)
class _Plan:
    """One run's plan: folders, countries, notebooks, what each reads and its cache key."""

    paths: Paths
    slugs: list[str]
    jobs: list[Job]
    inputs: dict[str, dict[str, str]]
    keys: dict[str, str]
    names: dict[str, str]
    colours: dict[str, str]
    all_slugs: list[str]

    def inputs_of(self, job: Job) -> dict[str, str]:
        """The input fingerprint of what a notebook reads: its country's raw files, or every compared one's."""
        return _inputs_of(job, self.inputs)

    def titles(self, job: Job) -> tuple[str, str, str]:
        """(title, subtitle, accent colour) of a notebook's report."""
        if job.kind == "comparison":
            compared = [self.names[s] for s in job.covers]
            if job.name == "comparison":
                return "Cross-country comparison", ", ".join(compared), _COMPARISON_COLOUR
            subtitle = (f"{and_list(compared, limit=len(compared))} only: "
                        f"{len(compared)} of the {len(self.all_slugs)} countries")
            return "Cross-country comparison (some countries)", subtitle, _COMPARISON_COLOUR
        colour = self.colours[job.country]
        if job.kind == "country":
            return self.names[job.country], "Learning with SPARK country report", colour
        return note_title(Path(job.name).name, job.country, self.names[job.country]), purpose_line(job.source), colour


def _plan(countries: Sequence[str] | None, paths: Paths, notebooks_dir: Path,
          parameters: Mapping[str, Any] | None) -> _Plan:
    """The notebooks of this run, each country's input fingerprint and each notebook's cache key."""
    from sparklearn.countries import load_registry
    from sparklearn.prepare import input_hashes

    registry = load_registry(paths.countries_file)
    slugs = list(countries) if countries else registry.slugs
    for slug in slugs:
        registry.country(slug)  # an unknown slug stops the run here, with the registry's message
    jobs = plan_jobs(slugs, paths, notebooks_dir, parameters, all_slugs=registry.slugs)
    inputs = {slug: input_hashes(slug, paths) for slug in slugs}
    keys = {job.name: cache_key(job.source.read_text(encoding="utf-8"), job.parameters, _inputs_of(job, inputs))
            for job in jobs}
    return _Plan(paths, slugs, jobs, inputs, keys, dict(zip(registry.countries["slug"], registry.countries["name"])),
                 registry.colours(), list(registry.slugs))


def _inputs_of(job: Job, inputs: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    return {name: digest for slug in job.covers for name, digest in inputs[slug].items()}


# --------------------------------------------------------------------------- 2. cache

def _split_cached(plan: _Plan, cache: Mapping[str, dict], force: bool) -> tuple[dict[str, dict], list[Job]]:
    """The records of notebooks whose reports are current, and the notebooks to run."""
    records, to_run = {}, []
    for job in plan.jobs:
        hit = None if force else cached_record(cache, job.name, plan.keys[job.name], plan.paths.reports)
        if hit is None:
            to_run.append(job)
        else:
            records[job.name] = hit
    return records, to_run


# --------------------------------------------------------------------------- 4. prepare and dispatch

class _Dispatch:
    """Prepare country by country and keep the workers busy with the notebooks that are ready."""

    def __init__(self, plan: _Plan, cache: dict[str, dict], workers: int, progress: Progress,
                 kernels: Kernels) -> None:
        self.plan, self.cache, self.workers, self.progress, self.kernels = plan, cache, workers, progress, kernels
        self.records: dict[str, dict] = {}
        self.manifests: dict[str, dict] = {}
        self.failed_to_prepare: dict[str, BaseException] = {}
        self.ready: list[Job] = []
        self.running: dict[cf.Future, Job] = {}
        self.pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparklearn")

    def run(self, to_run: Sequence[Job], force: bool) -> None:
        """Prepare each country, then start its notebooks; the comparison once every country is prepared."""
        # A notebook about to run has no valid cache entry any more: forget it before its report is
        # rewritten, so that a batch killed between writing the report and saving the cache does not
        # leave the old entry vouching for the new (or a half-run's) report.
        for job in to_run:
            self.cache["notebooks"].pop(job.name, None)
        save_cache(self.plan.paths.reports, self.cache)
        try:
            for slug in self.plan.slugs:
                self.prepare(slug, force)
                self.ready.extend(job for job in to_run if job.kind != "comparison" and job.country == slug)
                self.collect([f for f in self.running if f.done()])
                self.start_ready()
            self.ready.extend(job for job in to_run if job.kind == "comparison")
            self.start_ready()
            while self.running:
                # In short waits: the OS may hand Ctrl-C to a worker thread, and Python acts on it only when
                # the main thread runs again; an unbounded wait would delay that until a notebook ends.
                done, _ = cf.wait(self.running, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                self.collect(done)
                self.start_ready()
        except KeyboardInterrupt:
            # Kernels run in sessions of their own: Ctrl-C reached only us, so we take them down.
            self.kernels.stop()
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise
        self.pool.shutdown()

    def prepare(self, slug: str, force: bool) -> None:
        from sparklearn.store import ensure_current

        try:
            self.manifests[slug] = ensure_current(slug, self.plan.paths, force=force)
        except SparklearnError as err:
            self.failed_to_prepare[slug] = err
            self.progress.say(f"  failed  prepare {slug}: {err}")

    def start_ready(self) -> None:
        # The comparison goes first once it can: it is the longest notebook, and
        # starting it last would leave the other workers idle at the end.
        self.ready.sort(key=lambda j: j.kind != "comparison")
        while self.ready and len(self.running) < self.workers:
            job = self.ready.pop(0)
            if job.country in self.failed_to_prepare:
                self.finish(job, _setback(job, self.plan.keys[job.name], self.failed_to_prepare[job.country]))
                continue
            synthetic = any(self.manifests.get(slug, {}).get("synthetic") for slug in job.covers)
            self.running[self.pool.submit(_run_notebook, self.plan, job, self.kernels, synthetic)] = job

    def collect(self, done: Iterable[cf.Future]) -> None:
        for future in done:
            job = self.running.pop(future)
            try:
                record = future.result()
            except Exception as err:  # noqa: BLE001 - isolate: report it, keep the others going
                record = _setback(job, self.plan.keys[job.name], err) | {"error_section": "render"}
            self.finish(job, record)

    def finish(self, job: Job, record: dict) -> None:
        """Keep a notebook's record; cache it unless it failed (a failed notebook runs again next time)."""
        self.records[job.name] = record
        if record["status"] == "failed":
            self.cache["notebooks"].pop(job.name, None)
        else:
            self.cache["notebooks"][job.name] = record
        save_cache(self.plan.paths.reports, self.cache)
        where = (f" in '{record['error_section']}': {record['error_name']}: {record['error_value']}"
                 if record["status"] == "failed" else "")
        self.progress.advance(f"{record['status']:<7} {job.name:<24} {record['seconds']:6.1f} s{where}")


def _run_notebook(plan: _Plan, job: Job, kernels: Kernels, synthetic: bool = False) -> dict:
    """Execute and render one notebook; write it, its report and the report's tables workbook
    unless the batch was interrupted; return its record. ``synthetic``: made from demo data."""
    import nbformat

    started = time.perf_counter()
    reports = plan.paths.reports
    (reports / "notebooks").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=reports / "notebooks", prefix=".run-") as work:
        if kernels.stopped.is_set():
            raise KeyboardInterrupt
        executed, failure = execute(job, Path(work), kernels)
        title, subtitle, colour = plan.titles(job)
        here = (reports / job.report).parent
        html = render_report(
            executed, title=title, subtitle=subtitle, colour=colour, provenance=provenance(plan.inputs_of(job)),
            failure=failure, executed_link=Path(os.path.relpath(reports / job.executed, here)).as_posix(),
            index_link=Path(os.path.relpath(reports / "index.html", here)).as_posix(),
            synthetic=synthetic, tables_link=tables_file(job.report),
        )
        workbook = report_workbook(html, title=title, synthetic=synthetic)
        # An interrupted batch killed its kernels: their "failure" must not replace a good report.
        if kernels.stopped.is_set():
            raise KeyboardInterrupt
        write_atomic(reports / job.executed, nbformat.writes(executed))
        write_atomic(reports / job.report, html)
        tables = (reports / job.report).with_name(tables_file(job.report))
        if workbook is None:
            tables.unlink(missing_ok=True)
        else:
            write_atomic(tables, workbook)
    return _record(job, plan.keys[job.name], "failed" if failure else "ran", time.perf_counter() - started,
                   report=job.report, executed=job.executed, fingerprint=fingerprint(plan.inputs_of(job)),
                   **(failure or _NO_ERROR))


def _setback(job: Job, key: str, err: BaseException) -> dict:
    """A record for a notebook that could not run at all (its country failed to prepare)."""
    return _record(job, key, "failed", 0.0, report=None, executed=None, error_cell=None, error_section="prepare",
                   error_name=type(err).__name__, error_value=str(err))


def _record(job: Job, key: str, status: str, seconds: float, **fields: Any) -> dict:
    return {"notebook": job.name, "kind": job.kind, "country": job.country, "covers": list(job.covers),
            "status": status, "seconds": round(seconds, 2),
            "finished": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"), "key": key, **fields}


# --------------------------------------------------------------------------- 5. finish

def _finish(plan: _Plan, cache: dict[str, dict], records: Mapping[str, dict], manifests: dict[str, dict],
            progress: bool) -> BatchResult:
    """Save the cache, write the index (only when it changed), print the closing summary."""
    paths = plan.paths
    save_cache(paths.reports, cache)
    summary = pd.DataFrame([records[job.name] for job in plan.jobs]).reindex(columns=SUMMARY_COLUMNS)
    summary["error_cell"] = summary["error_cell"].astype("Int64")
    index = paths.reports / "index.html"
    others = _manifests_on_disk(paths, set(plan.all_slugs) - set(plan.slugs))
    html = render_index(_listed_records(cache["notebooks"], records, paths.reports), colours=plan.colours,
                        names=plan.names, manifests=manifests | others, reports_dir=paths.reports)
    if not index.exists() or index.read_text(encoding="utf-8") != html:
        write_atomic(index, html)
    problems = _data_problems(paths, [slug for slug in plan.slugs if slug in manifests])
    if progress:
        _print_summary(summary, index)
        _print_problems(problems, paths)
    return BatchResult(summary, index, manifests, problems)


def _data_problems(paths: Paths, slugs: Sequence[str]) -> pd.DataFrame:
    """The data problems of the countries prepared in this run, each with its ``country``."""
    from sparklearn.store import country_problems

    frames = [country_problems(slug, paths).assign(country=slug) for slug in slugs]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["country", "severity"])


def _print_problems(problems: pd.DataFrame, paths: Paths, worst: int = WORST_SHOWN) -> None:
    """What was wrong with the data, in a few lines: counts by country and file, the worst few, the full list."""
    if problems.empty:
        print("Data: no problems found in the input files.")
        return
    errors = problems.loc[problems["severity"] == "error"]
    print(f"Data: {count_noun(len(errors), 'error')} and {count_noun(len(problems) - len(errors), 'warning')} "
          "in the input files" + (" (rows with errors are left out of the reports):" if len(errors) else ":"))
    counts = (problems.assign(file=problems["file"].map(lambda f: _short(f, paths)))
              .groupby(["country", "file", "severity"]).size().unstack(fill_value=0))
    for (country, file), row in counts.iterrows():
        print(f"  {country}: {file}: {', '.join(count_noun(int(row[s]), s) for s in ('error', 'warning') if row.get(s))}")
    shown = pd.concat([errors, problems.loc[problems["severity"] != "error"]]).head(worst).astype("string").fillna("")
    print("First to fix:")
    for record in shown.to_dict("records"):
        where = ", ".join(part for part in (_short(record["file"], paths),
                                            f"row {record['row']}" if record["row"] else "",
                                            f"column '{record['column']}'" if record["column"] else "") if part)
        print(f"  {record['severity'].upper()} {where}: {record['rule']}")
    # The actual files (one per country with problems), and the validate command as this run was given its data.
    files = [str(paths.processed / country / "problems.csv") for country in sorted(problems["country"].unique())]
    print(f"Every problem, with its fix: {', '.join(files)} (and in each country report's Data quality section); "
          f"`sparklearn validate --data {paths.raw}` prints them all.")


def _short(file: str, paths: Paths) -> str:
    """A problem's file relative to the data folder, as the user knows it."""
    try:
        return Path(file).relative_to(paths.raw).as_posix()
    except ValueError:
        return str(file)


def _listed_records(cached: Mapping[str, dict], current: Mapping[str, dict], reports: Path) -> list[dict]:
    """This run's records plus earlier ones whose reports still exist (other countries, other comparisons)."""
    listed = {name: rec for name, rec in cached.items() if rec.get("report") and (reports / rec["report"]).exists()}
    listed.update(current)
    return list(listed.values())


def _manifests_on_disk(paths: Paths, slugs: Iterable[str]) -> dict[str, dict]:
    """The manifests of countries prepared by earlier runs (their data problems are shown in the index)."""
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
