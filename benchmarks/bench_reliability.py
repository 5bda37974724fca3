"""Speed of inter-coder agreement on synthetic double-coded material.

Codings come from ``sparklearn.demo.synth_codings``: three coders code the same
segments (15 to a session), one code per coder and segment, partly agreeing.
For 10^4, 10^5 and 10^6 segments the script times

1. **alpha**: building one code's segment x coder matrix from the codings
   (:func:`sparklearn.analysis.agreement.reliability_matrix`) and Krippendorff's alpha on it
   with all other coefficients (:func:`sparklearn.analysis.agreement.coefficients`);
   target: under 1 s for 100,000 segments by 3 coders;
2. **alpha only**: the ``krippendorff`` package on that matrix (the floor);
3. **full table**: :func:`sparklearn.analysis.agreement.agreement` with ``N_CODES`` codes
   (one row per code plus the pooled row over segment x code units), at 10^4 and
   10^5 segments.

Growth ratios compare each size with the one before, measured in the same run
(10x the segments: close to 10x the time is linear).

Run: python benchmarks/bench_reliability.py
"""

from __future__ import annotations

import time

import krippendorff

from sparklearn.analysis import agreement
from sparklearn.demo import synth_codings

N_CODERS = 3
N_CODES = 20
SIZES = (10_000, 100_000, 1_000_000)
TABLE_SIZES = (10_000, 100_000)


def timed(fn, *args, repeat: int = 3, **kwargs):
    """Best of ``repeat`` runs, in seconds, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def alpha_from_codings(codings, code_id):
    matrix = agreement.reliability_matrix(codings, code_id)
    return agreement.coefficients(matrix)


def main() -> None:
    print(f"Inter-coder agreement, {N_CODERS} coders, {N_CODES} codes (best of 3)")
    print(f"{'segments':>10} {'codings':>10} {'alpha s':>9} {'ratio':>6} {'alpha-only s':>13} "
          f"{'ratio':>6} {'table s':>8} {'ratio':>6} {'alpha':>7}")
    previous = None
    for n in SIZES:
        codings = synth_codings(n * N_CODERS, n, N_CODES, n_coders=N_CODERS, seed=1)
        code = codings["code_id"].value_counts().index[0]
        t_alpha, result = timed(alpha_from_codings, codings, code)
        matrix = agreement.reliability_matrix(codings, code).to_numpy()
        t_floor, _ = timed(krippendorff.alpha, matrix.T, level_of_measurement="nominal",
                           value_domain=[0.0, 1.0])
        t_table = float("nan")
        if n in TABLE_SIZES:
            t_table, table = timed(agreement.agreement, codings, repeat=1)
            assert len(table) == codings["code_id"].nunique() + 1
        ratios = [f"{now / before:6.1f}" if previous else f"{'':>6}"
                  for now, before in zip((t_alpha, t_floor, t_table), previous or (1, 1, 1))]
        print(f"{n:>10,} {len(codings):>10,} {t_alpha:9.3f} {ratios[0]} {t_floor:13.3f} "
              f"{ratios[1]} {t_table:8.2f} {ratios[2]} {result['krippendorff_alpha']:7.3f}")
        previous = (t_alpha, t_floor, t_table)
        if n == 100_000:
            verdict = "meets" if t_alpha < 1.0 else "MISSES"
            print(f"{'':>10} target: alpha for 100,000 segments x 3 coders under 1 s: {verdict}")


if __name__ == "__main__":
    main()
