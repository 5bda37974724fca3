"""Benchmark: read and validate a large outcome harvest, then summarise it.

Targets (issue 4): read + validate 100,000 outcome rows in under 5 s; the summaries
in under 1 s at that size. The 100,000-row read target is a CSV (an Excel workbook
that size takes minutes to write with openpyxl and is not what a country keeps);
workbooks are timed separately at 10,000 rows.

Run: ``python benchmarks/bench_outcomes.py [n_rows]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sparklearn.analysis.outcomes import (
    contribution_matrix,
    counts_by,
    outcome_chains,
    substantiation_rates,
    timeline,
)
from sparklearn.codebook import load_codebook
from sparklearn.countries import Registry, load_registry
from sparklearn.demo import synth_outcomes
from sparklearn.ingest.harvest import read_harvest
from sparklearn.report.sheets import write_harvest


def _registry() -> Registry:
    """The demo registry with Ghana's campaigns replaced by the synthetic ones (ghana-c1, ghana-c2)."""
    base = load_registry()
    campaigns = base.campaigns.loc[base.campaigns["country"] != "ghana"]
    extra = pd.DataFrame({"campaign_id": ["ghana-c1", "ghana-c2"], "country": "ghana", "country_name": "Ghana",
                          "name": ["Synthetic one", "Synthetic two"], "sector": "health", "entry_point": "x",
                          "partners": "p", "start_date": pd.Timestamp("2019-01-01")})
    extra["start_date"] = extra["start_date"].astype(campaigns["start_date"].dtype)
    return Registry(base.countries, pd.concat([campaigns, extra], ignore_index=True), base.source)


def timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:7.3f} s")
    return result, seconds


def main(n_rows: int = 100_000) -> None:
    registry, codebook = _registry(), load_codebook()
    outcomes = synth_outcomes(n_rows, n_countries=1, seed=1)
    folder = Path(tempfile.mkdtemp())
    csv = folder / "outcomes.csv"
    outcomes.assign(date=outcomes["date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
    print(f"harvest: {n_rows:,} rows, {csv.stat().st_size / 1e6:.1f} MB CSV")

    checked, read_s = timed("read_harvest (CSV, read + validate)", read_harvest, csv, country="ghana",
                            registry=registry, codebook=codebook)
    print(f"  accepted {len(checked.accepted):,}, rejected {len(checked.rejected):,}, "
          f"problems {len(checked.problems):,}, {n_rows / read_s:,.0f} rows/s")
    accepted = checked.accepted
    # Warm up imports (statsmodels via sparklearn.compare) so the timings are of the computing.
    substantiation_rates(accepted.head(10))
    total = 0.0
    for column in ("outcome_area", "type_of_change", "actor_type", "level", "strategic_components"):
        total += timed(f"counts_by({column})", counts_by, accepted, column, codebook=codebook)[1]
    total += timed("timeline (quarters)", timeline, accepted)[1]
    total += timed("substantiation_rates(by=outcome_area)", substantiation_rates, accepted)[1]
    total += timed("contribution_matrix", contribution_matrix, accepted, codebook)[1]
    print(f"{'summaries (tables above), total':<48} {total:7.3f} s")
    chains, chains_s = timed("outcome_chains (networkx, every pathway)", outcome_chains, accepted,
                             levels=["local", "subnational", "national", "international"])
    print(f"  {len(chains):,} pathways of 2+ outcomes, longest {chains['length'].max()}")

    small = accepted.head(10_000)
    xlsx = folder / "outcomes.xlsx"
    _, write_s = timed("write_harvest (xlsx, 10,000 rows)", write_harvest, small, xlsx, country="ghana",
                       registry=registry, codebook=codebook)
    again, xread_s = timed("read_harvest (xlsx, 10,000 rows)", read_harvest, xlsx, country="ghana",
                           registry=registry, codebook=codebook)
    print(f"  xlsx {xlsx.stat().st_size / 1e6:.1f} MB; round trip accepted {len(again.accepted):,} of 10,000")
    print()
    print(f"read + validate {n_rows:,} rows: {read_s:.2f} s (target < 5 s): {'OK' if read_s < 5 else 'SLOW'}")
    print(f"summaries at {n_rows:,} rows: {total:.2f} s (target < 1 s): {'OK' if total < 1 else 'SLOW'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
