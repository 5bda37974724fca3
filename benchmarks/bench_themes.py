"""Benchmark: code frequencies plus co-occurrence on generated codings.

Target (issue 3): 1,000,000 codings over 200,000 segments and 150 codes in under 2 s,
growing close to linearly from 10^4 to 10^6. Segments scale with the codings (one per
five codings; two coders code five of every six segments, three codes each); the codebook stays at 150 codes, as a real one would.
Each size is timed as the best of three runs after one warm-up, in the same process.

Run: ``python benchmarks/bench_themes.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sparklearn.analysis.themes import code_frequencies, cooccurrence
from sparklearn.demo import synth_codings

SIZES = (10_000, 100_000, 1_000_000)
N_CODES = 150
CODINGS_PER_SEGMENT = 5
TARGET_SECONDS = 2.0


def segments_of(codings: pd.DataFrame, n_segments: int) -> pd.DataFrame:
    """``n_segments`` segments: the coded ones plus uncoded turns in further sessions (15 turns each)."""
    coded = codings[["segment_id", "session_id", "country"]].drop_duplicates("segment_id")
    extra = np.arange(n_segments - len(coded))
    countries = coded["country"].unique()
    session = np.char.add("X", (extra // 15).astype(str))
    uncoded = pd.DataFrame({
        "segment_id": np.char.add(np.char.add(session, "-T"), (extra % 15 + 1).astype(str)),
        "session_id": session, "country": countries[(extra // 15) % len(countries)]})
    return pd.concat([coded, uncoded.astype("str")], ignore_index=True)


def run(codings: pd.DataFrame, segments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (code_frequencies(codings, by=("country",), segments=segments),
            cooccurrence(codings, segments=segments))


def best_of(codings: pd.DataFrame, segments: pd.DataFrame, repeats: int = 3) -> float:
    run(codings, segments)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(codings, segments)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print(f"code_frequencies(by=country, with coverage) + cooccurrence; {N_CODES} codes; best of 3")
    print(f"{'codings':>10} {'segments':>9} {'pairs':>6} {'seconds':>8} {'x per 10x':>9}")
    previous = None
    for n in SIZES:
        n_segments = n // CODINGS_PER_SEGMENT
        codings = synth_codings(n, n_segments, N_CODES, n_coders=2, seed=1)
        segments = segments_of(codings, n_segments)
        seconds = best_of(codings, segments)
        pairs = len(cooccurrence(codings))
        growth = f"{seconds / previous:9.1f}" if previous else f"{'':>9}"
        print(f"{n:>10,} {len(segments):>9,} {pairs:>6,} {seconds:8.3f} {growth}")
        previous = seconds
    verdict = "meets" if previous < TARGET_SECONDS else "MISSES"
    print(f"at 10^6: {previous:.3f} s, {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
