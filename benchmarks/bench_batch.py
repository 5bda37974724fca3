"""Speed of the batch on the demo data: full run (warm and fresh kernels), no-change rerun, report sizes.

Measures, in one run, into temporary folders:

- the full batch (prepare, every notebook, every report, the index), wall time and
  the CPU seconds the whole machine spent meanwhile (Linux), with warm kernels (the
  default: forked from sparklearn's kernel server) and again with every kernel started
  from scratch (``warm_kernels=False``), and the ratio of the two;
- the sum of the notebooks' own execution times (papermill's ``duration``), and the
  ratio full / (sum / workers): how close the pool gets to perfect parallelism;
- a rerun with nothing changed, in this process and as a fresh ``sparklearn run``
  command (which pays for Python's imports too);
- the size of each report;
- a fixed pure-Python loop, so that figures from different machines can be compared.

Targets on 2 cores: full batch under 15 s and within 1.3 x sum / workers; no-change
rerun under 1 s; each report under 1 MB.

Run: python benchmarks/bench_batch.py [--jobs N] [--no-fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sparklearn.batch.run import run_batch
from sparklearn.config import DEMO_DATA, resolve_paths


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def timed_batch(paths, workers: int, warm: bool):
    cpu = busy_cpu_seconds()
    started = time.perf_counter()
    result = run_batch(jobs=workers, paths=paths, progress=False, warm_kernels=warm)
    wall = time.perf_counter() - started
    cpu = busy_cpu_seconds() - cpu if cpu is not None else float("nan")
    return result, wall, cpu


def python_loop_seconds() -> float:
    started = time.perf_counter()
    sum(i * i for i in range(10**7))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: one per core)")
    parser.add_argument("--no-fresh", action="store_true", help="skip the run with fresh kernels")
    args = parser.parse_args()
    workers = args.jobs or os.cpu_count() or 1
    loop_before = python_loop_seconds()

    with tempfile.TemporaryDirectory(prefix="sparklearn-bench-") as tmp:
        paths = resolve_paths(data=DEMO_DATA, out=tmp)
        full, full_s, full_cpu = timed_batch(paths, workers, warm=True)

        durations = {}
        for rel in full.summary["executed"]:
            meta = json.loads((paths.reports / rel).read_text(encoding="utf-8"))["metadata"]["papermill"]
            durations[rel] = meta["duration"]
        total = sum(durations.values())
        ideal = total / workers

        started = time.perf_counter()
        again = run_batch(jobs=workers, paths=paths, progress=False)
        rerun_s = time.perf_counter() - started

        started = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "sparklearn.cli", "run", "--data", str(DEMO_DATA), "--out", tmp],
                             capture_output=True, text=True)
        cli_s = time.perf_counter() - started

        sizes = {rel: (paths.reports / rel).stat().st_size for rel in full.summary["report"]}

    fresh = None
    if not args.no_fresh:
        with tempfile.TemporaryDirectory(prefix="sparklearn-bench-fresh-") as tmp:
            fresh = timed_batch(resolve_paths(data=DEMO_DATA, out=tmp), workers, warm=False)
    loop_after = python_loop_seconds()

    n = len(full.summary)
    print(f"cores {os.cpu_count()}, workers {workers}, notebooks {n} (all ok: {full.ok})")
    print(f"machine: 10^7-step Python loop {loop_before:.2f} s before, {loop_after:.2f} s after")
    print(f"full batch, warm kernels        {full_s:6.2f} s   ({full_cpu:.1f} CPU s; target < 15 s: "
          f"{'ok' if full_s < 15 else 'MISSED'})")
    if fresh is not None:
        _, fresh_s, fresh_cpu = fresh
        print(f"full batch, fresh kernels       {fresh_s:6.2f} s   ({fresh_cpu:.1f} CPU s; all ok: {fresh[0].ok})")
        print(f"  warm / fresh                  {full_s / fresh_s:6.2f}     (CPU: {full_cpu / fresh_cpu:.2f})")
    print(f"sum of notebook execution times {total:6.2f} s   (mean {total / n:.2f} s per notebook)")
    print("  slowest: " + ", ".join(f"{Path(k).stem} {v:.1f} s" for k, v in
                                    sorted(durations.items(), key=lambda kv: -kv[1])[:3]))
    ratio = full_s / ideal
    print(f"full / (sum / workers)          {ratio:6.2f}     (target <= 1.3: {'ok' if ratio <= 1.3 else 'MISSED'})")
    print(f"no-change rerun, in process     {rerun_s:6.3f} s   executed {again.executed or 'nothing'}"
          f"   (target < 1 s: {'ok' if rerun_s < 1 else 'MISSED'})")
    print(f"no-change rerun, `sparklearn run` {cli_s:5.2f} s   (exit {cli.returncode}; includes interpreter start and imports)")
    biggest = max(sizes, key=sizes.get)
    print(f"largest report                  {sizes[biggest] / 1e6:6.3f} MB ({biggest}; target < 1 MB: "
          f"{'ok' if sizes[biggest] < 1e6 else 'MISSED'})")
    print("report sizes (kB): " + ", ".join(f"{Path(k).stem} {v / 1e3:.0f}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
