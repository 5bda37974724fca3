"""Speed of fuzzy-set QCA with 10 conditions: calibration, necessity, truth table, solutions, robustness.

Random raw scores for 10 conditions and 200, 500 and 1000 cases; each condition is
calibrated with anchors at its 20th, 50th and 80th percentiles (shifted so that
no case sits on a crossover). The outcome's membership follows
A*B*~C + D*E + F*~G*H (fuzzy AND/OR) plus noise:

- ``rule``: noise of sd 0.05, few inconsistent corners;
- ``noisy``: sd 0.2, many contradictory corners (large, ambiguous charts).

Each line times: calibrating the 10 columns, necessity for the 20 literals and
their 180 two-literal disjunctions, the truth table (incl_cut 0.8 and, as practice
prescribes against corners that are also subsets of ~Y, pri_cut 0.6), the complex, parsimonious
and intermediate solutions (expectations: every condition present), and a
robustness run of 2 alternative anchors for 3 conditions under 2 cut-offs
(14 complete re-analyses, complex solution). "ambiguous" means minimisation
stopped with its "more than max_solutions equally minimal solutions" error.
Target: under 2 s for truth table and the three solutions together.

Run: python benchmarks/bench_fuzzy_qca.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sparklearn.analysis.fuzzy_qca import fuzzy_minimise, fuzzy_truth_table
from sparklearn.analysis.fuzzy_sets import calibrate_fuzzy_columns
from sparklearn.analysis.necessity import necessity
from sparklearn.analysis.robustness import robustness
from sparklearn.exceptions import InputError

CONDITIONS = [chr(ord("A") + i) for i in range(10)]


def make_cases(n_cases: int, noise: float, *, seed: int) -> tuple[pd.DataFrame, dict[str, tuple[float, ...]]]:
    rng = np.random.default_rng(seed)
    raw = pd.DataFrame(rng.gamma(2.0, 10.0, size=(n_cases, len(CONDITIONS))).round(1), columns=CONDITIONS)
    anchors = {c: tuple(np.percentile(raw[c], [20, 50, 80]) + 0.05) for c in CONDITIONS}
    m = calibrate_fuzzy_columns(raw, anchors)
    a, b, c, d, e, f, g, h = (m[x].to_numpy() for x in CONDITIONS[:8])
    rule = np.maximum.reduce([np.minimum.reduce([a, b, 1 - c]), np.minimum(d, e), np.minimum.reduce([f, 1 - g, h])])
    y = np.clip(rule + rng.normal(0, noise, n_cases), 0, 1)
    return raw.assign(Y=y.round(3), case=[f"c{i}" for i in range(n_cases)]), anchors


def timed(step, *args, **kwargs):
    """(result, seconds); "ambiguous" when minimisation refuses to list that many solutions."""
    start = time.perf_counter()
    try:
        what = step(*args, **kwargs)
    except InputError:
        what = "ambiguous"
    return what, time.perf_counter() - start


def solve(tt: pd.DataFrame, data: pd.DataFrame, include: str) -> str:
    s = fuzzy_minimise(tt, data, CONDITIONS, "Y", include=include, case="case",
                       directional_expectations=dict.fromkeys(CONDITIONS, 1)).solutions
    return f"{s['solution'].max()} sol x {(s['solution'] == 1).sum()} terms"


def main() -> None:
    print(f"{'outcome':<7} {'cases':>5} {'calib':>6} {'necess':>6} {'table':>6} {'pos':>4}  "
          f"{'complex':<22} {'parsimonious':<22} {'intermediate':<22} {'robust':>7}")
    for label, noise in (("rule", 0.05), ("noisy", 0.2)):
        for n_cases in (200, 500, 1000):
            raw, anchors = make_cases(n_cases, noise, seed=n_cases)
            data, t_cal = timed(calibrate_fuzzy_columns, raw, anchors)
            _, t_nec = timed(necessity, data, CONDITIONS, "Y", disjunctions=True)
            tt, t_tt = timed(fuzzy_truth_table, data, CONDITIONS, "Y", case="case", incl_cut=0.8, pri_cut=0.6)
            solutions = [timed(solve, tt, data, include) for include in ("complex", "parsimonious", "intermediate")]
            # The first three conditions are re-calibrated in each run, the others stay memberships.
            grid = {c: [anchors[c], tuple(v * 0.9 for v in anchors[c]), tuple(v * 1.1 for v in anchors[c])]
                    for c in CONDITIONS[:3]}
            mixed = raw[CONDITIONS[:3]].join(data[[*CONDITIONS[3:], "Y", "case"]])
            _, t_rob = timed(robustness, mixed, CONDITIONS, "Y", grid, incl_cuts=[0.8, 0.85], pri_cut=0.6,
                             include="complex", case="case")
            print(f"{label:<7} {n_cases:>5} {t_cal:6.2f} {t_nec:6.2f} {t_tt:6.2f} {int((tt['out'] == 1).sum()):4d}  "
                  + " ".join(f"{what:<15} {seconds:5.2f}s" for what, seconds in solutions) + f" {t_rob:6.2f}s")


if __name__ == "__main__":
    main()
