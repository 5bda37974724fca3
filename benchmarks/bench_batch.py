"""Speed of the batch on the demo data, against plain papermill over the same notebooks.

Measures, in one run and one process tree (every batch is a child process of this one,
each into its own temporary folder, so each pays for its own interpreter and imports):

- ``sparklearn run``: the whole batch from raw data (prepare, every notebook, every
  report, the index), each notebook in a kernel started from scratch;
- the *anchor*, what a user would script without sparklearn's batch: prepare every
  country, then a ``multiprocessing`` pool of the same number of processes calling
  ``papermill.execute_notebook`` on each notebook read with jupytext, with the same
  parameters, and nbconvert's ``HTMLExporter`` on each executed notebook;
- a rerun of ``sparklearn run`` with nothing changed, against the full run;
- for each, the wall time and the CPU seconds of its whole process tree (kernels
  included; sampled from Linux's /proc, so that a busy machine shows as a longer wall
  time, not as more work), and a fixed Python loop before and after, to tell a slow
  machine from a slow batch.

Targets (issue 10): sparklearn <= 0.5 x the anchor; no-change rerun <= 0.05 x the full run.
Each report stays under 1.5 MB (figures at twice the pixel density, issue 13).

Run: python benchmarks/bench_batch.py [--jobs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sparklearn.config import find_project

PROJECT = find_project(__file__)
DEMO_DATA = PROJECT.data  # this checkout's demo data
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --------------------------------------------------------------------------- the anchor

def anchor(out: Path, workers: int) -> None:
    """Plain papermill and nbconvert over the batch's notebooks and parameters, ``workers`` processes."""
    import multiprocessing

    import jupytext  # noqa: F401 - imported before the pool forks, as a user's script would
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401

    from sparklearn.batch.plan import plan_jobs
    from sparklearn.config import resolve_paths
    from sparklearn.countries import load_registry
    from sparklearn.store import ensure_current

    paths = resolve_paths(data=DEMO_DATA, out=out)
    slugs = load_registry(paths.countries_file).slugs
    for slug in slugs:
        ensure_current(slug, paths)
    (out / "anchor").mkdir(parents=True, exist_ok=True)
    work = [(str(job.source), job.parameters, str(out / "anchor" / job.name.replace("/", "__")))
            for job in plan_jobs(slugs, paths, PROJECT.notebooks, all_slugs=slugs)]
    with multiprocessing.Pool(workers) as pool:
        pool.map(_anchor_one, work, chunksize=1)


def _anchor_one(job: tuple[str, dict, str]) -> None:
    import jupytext
    import papermill
    from nbconvert import HTMLExporter

    source, parameters, target = job
    executed = papermill.execute_notebook(jupytext.read(source), f"{target}.ipynb", parameters=parameters,
                                          kernel_name="python3", progress_bar=False)
    body, _ = HTMLExporter().from_notebook_node(executed)
    Path(f"{target}.html").write_text(body, encoding="utf-8")


# --------------------------------------------------------------------------- measuring

def _process_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, start time) for every process (Linux), else {}."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK, fields[19])
    return table


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``command`` (from the project folder); its wall seconds and the CPU seconds of its process tree."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=PROJECT.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tree, cpu = {child.pid}, {}
    while child.poll() is None:
        table = _process_table()
        grew = True
        while grew:
            grew = False
            for pid, (parent, _, _) in table.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        cpu.update({(pid, table[pid][2]): table[pid][1] for pid in tree if pid in table})
        time.sleep(0.05)
    out, err = child.communicate()
    wall = time.perf_counter() - started
    return wall, (sum(cpu.values()) if cpu else float("nan")), subprocess.CompletedProcess(command, child.returncode,
                                                                                            out, err)


def python_loop_seconds() -> float:
    started = time.perf_counter()
    sum(i * i for i in range(10**7))
    return time.perf_counter() - started


def sparklearn_run(out: str, workers: int) -> list[str]:
    return [sys.executable, "-m", "sparklearn.cli", "run", "--data", str(DEMO_DATA), "--out", out,
            "--jobs", str(workers)]


def _checked(name: str, result: subprocess.CompletedProcess) -> None:
    if result.returncode != 0:
        raise SystemExit(f"{name} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the two full runs, alternating (medians)")
    parser.add_argument("--anchor", metavar="OUT", help=argparse.SUPPRESS)  # the anchor's own process
    args = parser.parse_args()
    workers = args.jobs or os.cpu_count() or 1
    if args.anchor:
        anchor(Path(args.anchor), workers)
        return

    loop_before = python_loop_seconds()
    arms = {
        "sparklearn run": lambda out: sparklearn_run(out, workers),
        "plain papermill (the anchor)": lambda out: [sys.executable, __file__, "--anchor", out, "--jobs", str(workers)],
    }
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in arms}
    with tempfile.TemporaryDirectory(prefix="sparklearn-bench-") as tmp:
        for round_ in range(args.rounds):
            for name in (list(arms) if round_ % 2 == 0 else list(arms)[::-1]):
                out = str(Path(tmp) / f"{len(seen[name])}-{name.split()[0]}-{len(name)}")
                wall, cpu, result = timed(arms[name](out))
                _checked(name, result)
                seen[name].append((wall, cpu))
                if name == "sparklearn run":
                    full_out = out
        rerun, rerun_cpu, result = timed(sparklearn_run(full_out, workers))
        _checked("the rerun", result)
        reports = Path(full_out) / "reports"
        sizes = {p.relative_to(reports).as_posix(): p.stat().st_size for p in reports.rglob("*.html")}
        summary = result.stdout.strip().splitlines()[-1]
    loop_after = python_loop_seconds()

    median = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
              for name, runs in seen.items()}
    full, anchor_s = (median[name][0] for name in arms)
    print(f"cores {os.cpu_count()}, processes {workers}, rounds {args.rounds}; "
          f"10^7-step Python loop {loop_before:.2f} s before, {loop_after:.2f} s after")
    for name, (wall, cpu) in median.items():
        runs = ", ".join(f"{w:.1f}" for w, _ in seen[name])
        print(f"{name:32} {wall:6.2f} s wall  {cpu:6.1f} s CPU (whole tree)   runs: {runs}")
    print(f"{'no-change rerun (sparklearn run)':32} {rerun:6.2f} s wall  {rerun_cpu:6.1f} s CPU   ({summary})")
    ratio = full / anchor_s
    print(f"sparklearn / anchor              {ratio:6.2f}      (target <= 0.5: {'ok' if ratio <= 0.5 else 'MISSED'})")
    print(f"rerun / full run                 {rerun / full:6.3f}     (target <= 0.05: "
          f"{'ok' if rerun / full <= 0.05 else 'MISSED'})")
    biggest = max(sizes, key=sizes.get)
    print(f"largest report                   {sizes[biggest] / 1e6:6.3f} MB ({biggest}; target < 1.5 MB: "
          f"{'ok' if sizes[biggest] < 1.5e6 else 'MISSED'})")


if __name__ == "__main__":
    main()
