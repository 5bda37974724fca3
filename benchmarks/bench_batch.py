"""Speed of the batch on the demo data: full run, no-change rerun, report sizes.

Measures, in one run, into a temporary folder:

- the full batch (prepare, every notebook, every report, the index), wall time;
- the sum of the notebooks' own execution times (papermill's ``duration``), and the
  ratio full / (sum / workers): how close the pool gets to perfect parallelism;
- a rerun with nothing changed, in this process and as a fresh ``sparklearn run``
  command (which pays for Python's imports too);
- the size of each report.

Targets on 2 cores: full batch under 15 s and within 1.3 x sum / workers; no-change
rerun under 1 s; each report under 1 MB.

Run: python benchmarks/bench_batch.py [--jobs N]
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

from sparklearn.config import DEMO_DATA, resolve_paths
from sparklearn.pipeline import run_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: one per core)")
    args = parser.parse_args()
    workers = args.jobs or os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="sparklearn-bench-") as tmp:
        paths = resolve_paths(data=DEMO_DATA, out=tmp)

        started = time.perf_counter()
        full = run_batch(jobs=workers, paths=paths, progress=False)
        full_s = time.perf_counter() - started

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

    n = len(full.summary)
    print(f"cores {os.cpu_count()}, workers {workers}, notebooks {n} (all ok: {full.ok})")
    print(f"full batch                      {full_s:6.2f} s   (target < 15 s: {'ok' if full_s < 15 else 'MISSED'})")
    print(f"sum of notebook execution times {total:6.2f} s   (mean {total / n:.2f} s per notebook)")
    print(f"  slowest: " + ", ".join(f"{Path(k).stem} {v:.1f} s" for k, v in
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
