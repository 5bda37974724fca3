"""Speed of crisp-set QCA: truth table, complex and parsimonious solutions.

Random crisp data with 10 conditions and 200, 500 and 1000 cases, with three
kinds of outcome:

- ``rule``: the outcome follows A*B*~C + D*E + F*~G*H exactly;
- ``noisy``: the same rule with 5 % of cases flipped (contradictions, isolated
  positive configurations: the prime-implicant chart gets large and ambiguous);
- ``random``: a coin toss, the worst case.

Each line times the three steps; "ambiguous" means minimise() stopped with its
"more than max_solutions (100) equally minimal solutions" error, which is the
answer a researcher gets for such data. Target: under 2 s for the three steps
together with 10 conditions.

Run: python benchmarks/bench_qca.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sparklearn.analysis.qca import minimise, truth_table
from sparklearn.exceptions import InputError

CONDITIONS = [chr(ord("A") + i) for i in range(10)]


def make_cases(n_cases: int, outcome: str, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n_cases, len(CONDITIONS))).astype(bool)
    a, b, c, d, e, f, g, h = x[:, :8].T
    rule = (a & b & ~c) | (d & e) | (f & ~g & h)
    y = {"rule": rule, "noisy": rule ^ (rng.random(n_cases) < 0.05),
         "random": rng.random(n_cases) < 0.5}[outcome]
    return pd.DataFrame(x.astype(int), columns=CONDITIONS).assign(
        Y=y.astype(int), case=[f"c{i}" for i in range(n_cases)])


def timed_minimise(tt: pd.DataFrame, include: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        result = minimise(tt, CONDITIONS, include=include).solutions
        what = f"{result['solution'].max()} sol x {(result['solution'] == 1).sum()} terms"
    except InputError:
        what = "ambiguous"
    return what, time.perf_counter() - start


def main() -> None:
    print(f"{'outcome':<7} {'cases':>5} {'configs':>7} {'pos':>4} {'truth table':>11}  "
          f"{'complex':<27} {'parsimonious':<27} {'total':>6}")
    for outcome in ("rule", "noisy", "random"):
        for n_cases in (200, 500, 1000):
            data = make_cases(n_cases, outcome, seed=n_cases)
            start = time.perf_counter()
            tt = truth_table(data, CONDITIONS, "Y", case="case")
            t_tt = time.perf_counter() - start
            complex_, t_c = timed_minimise(tt, "complex")
            parsimonious, t_p = timed_minimise(tt, "parsimonious")
            print(f"{outcome:<7} {n_cases:>5} {len(tt):>7} {int((tt['out'] == 1).sum()):>4} {t_tt:>10.3f}s  "
                  f"{t_c:>6.3f}s {complex_:<19} {t_p:>6.3f}s {parsimonious:<19} {t_tt + t_c + t_p:>5.3f}s")


if __name__ == "__main__":
    main()
