"""Speed of the cross-country comparison on 100 synthetic countries.

The registry comes from ``sparklearn.demo.synth_campaigns`` (100 countries, about 260
campaigns) and the outcome harvest from ``synth_outcomes`` (30 outcomes per country,
their campaigns mapped onto the registry's). Sessions, segments and codings are
synthesised here with numpy: 10 sessions per country (one in five on all the
country's campaigns), 15 segments each, 0-3 codes per segment drawn from the real
codebook with country-specific weights, and a second coder on 40 % of the sessions.

Each line times one step of the comparison notebook; the total must stay under
10 s. The last lines time the case comparison with 10 conditions (the five of
the comparison plus five more calibrated the same way), which must stay under 2 s.

Run: python benchmarks/bench_compare.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sparklearn import store
from sparklearn.analysis import cases as analysis_cases
from sparklearn.analysis import contingency, rates, themes
from sparklearn.analysis import outcomes as analysis_outcomes
from sparklearn.codebook import codebook_table, load_codebook
from sparklearn.demo import synth_campaigns, synth_outcomes

N_COUNTRIES = 100
SESSIONS_PER_COUNTRY = 10
SEGMENTS_PER_SESSION = 15

#: Five more conditions for the 10-condition case comparison, calibrated like the first five.
EXTRA_RULES = (
    analysis_cases.ConditionRule("ROOT_CAUSE", "follows the money", components=("SC-ROOTCAUSE",), min_outcomes=3,
                          codes=("SC-ROOTCAUSE",)),
    analysis_cases.ConditionRule("COURTS", "courts acted", actor_types=("courts",), codes=("AE-COURTS",)),
    analysis_cases.ConditionRule("DONOR", "a donor changed", actor_types=("donor",), codes=("AE-DONOR",)),
    analysis_cases.ConditionRule("LOCAL_GOV", "local government opened up", actor_types=("local-government",),
                          min_outcomes=2, codes=("AE-LOCALGOV",)),
    analysis_cases.ConditionRule("ENABLING", "disclosure and participation", components=("SC-ENABLING",),
                          min_outcomes=3, codes=("SC-ENABLING",)),
)


def synthetic_comparison(seed: int = 0) -> tuple[store.Stacked, object, object]:
    """Registry, codebook and stacked processed tables for ``N_COUNTRIES`` synthetic countries."""
    rng = np.random.default_rng(seed)
    registry = synth_campaigns(N_COUNTRIES, seed=seed)
    codebook = load_codebook()
    campaigns = registry.campaigns

    # Sessions: one campaign each, or (one in five) all of the country's campaigns.
    slugs = registry.countries["slug"].to_numpy()
    country_of_session = np.repeat(np.arange(N_COUNTRIES), SESSIONS_PER_COUNTRY)
    n_sessions = len(country_of_session)
    session_ids = pd.Series(slugs[country_of_session]) + "-S" + pd.Series(
        np.tile(np.arange(1, SESSIONS_PER_COUNTRY + 1), N_COUNTRIES)).astype(str).str.zfill(2)
    first = np.searchsorted(campaigns["country"].to_numpy(), slugs)
    n_camp = registry.countries["n_campaigns"].to_numpy()
    pick = first[country_of_session] + rng.integers(0, n_camp[country_of_session])
    joined = campaigns.groupby("country", sort=False)["campaign_id"].agg(";".join).reindex(slugs).to_numpy()
    campaign_ids = np.where(rng.random(n_sessions) < 0.2, joined[country_of_session],
                            campaigns["campaign_id"].to_numpy()[pick])
    days = np.sort(rng.integers(0, 1600, size=(N_COUNTRIES, SESSIONS_PER_COUNTRY)), axis=1).ravel()
    dates = pd.Timestamp("2020-06-01") + pd.to_timedelta(days, unit="D")
    sessions = pd.DataFrame({
        "session_id": session_ids, "country": slugs[country_of_session], "campaign_ids": campaign_ids,
        "date": dates, "round": np.tile(np.arange(SESSIONS_PER_COUNTRY) // 3 + 1, N_COUNTRIES),
    })

    # Segments and codings: country-specific code weights, 0-3 codes per segment, a second coder on 40 %.
    n_segments = n_sessions * SEGMENTS_PER_SESSION
    segment_session = np.repeat(np.arange(n_sessions), SEGMENTS_PER_SESSION)
    segments = pd.DataFrame({
        "segment_id": session_ids.to_numpy()[segment_session] + "-T"
        + pd.Series(np.tile(np.arange(1, SEGMENTS_PER_SESSION + 1), n_sessions)).astype(str).str.zfill(3),
        "session_id": session_ids.to_numpy()[segment_session],
        "country": slugs[country_of_session][segment_session],
        "turn": np.tile(np.arange(1, SEGMENTS_PER_SESSION + 1), n_sessions),
    })
    table = codebook_table(codebook)
    leaves = table.loc[table["is_leaf"], "code_id"].to_numpy()
    weights = rng.dirichlet(np.full(len(leaves), 0.3), size=N_COUNTRIES)
    n_codes = rng.integers(0, 4, size=n_segments)
    row_segment = np.repeat(np.arange(n_segments), n_codes)
    cumulative = weights.cumsum(axis=1)[country_of_session[segment_session[row_segment]]]
    code = np.minimum((cumulative < rng.random(len(row_segment))[:, None]).sum(axis=1), len(leaves) - 1)
    primary = pd.DataFrame({"segment_id": segments["segment_id"].to_numpy()[row_segment], "code_id": leaves[code],
                            "coder": "coder-a"})
    primary = primary.drop_duplicates(["segment_id", "code_id"])
    primary["session_id"] = primary["segment_id"].str.slice(0, -5)
    second = primary.loc[primary["session_id"].isin(sessions["session_id"].sample(frac=0.4, random_state=seed))]
    swap = rng.random(len(second)) < 0.2
    second = second.assign(coder="coder-b", code_id=np.where(swap, leaves[rng.integers(0, len(leaves), len(second))],
                                                             second["code_id"]))
    codings = pd.concat([primary, second], ignore_index=True)
    codings["country"] = codings["session_id"].str.rsplit("-", n=1).str[0]

    # Outcomes: synth_outcomes' two campaigns per country mapped onto the registry's campaigns.
    outcomes = synth_outcomes(30 * N_COUNTRIES, n_countries=N_COUNTRIES, seed=seed)
    country_index = outcomes["country"].str.slice(-3).astype(int).to_numpy()
    k = outcomes["campaign_id"].str.slice(-1).astype(int).to_numpy() - 1
    outcomes["campaign_id"] = campaigns["campaign_id"].to_numpy()[first[country_index] + k % n_camp[country_index]]
    stacked = store.Stacked(tuple(slugs), sessions, segments, codings, outcomes)
    return stacked, registry, codebook


def main() -> None:
    start = time.perf_counter()
    stacked, registry, codebook = synthetic_comparison()
    print(f"synthetic data: {len(stacked.countries)} countries, {len(registry.campaigns)} campaigns, "
          f"{len(stacked.sessions)} sessions, {len(stacked.segments)} segments, {len(stacked.codings)} codings, "
          f"{len(stacked.outcomes)} outcomes ({time.perf_counter() - start:.2f} s to make, not timed below)")
    outcomes = stacked.outcomes
    timings: list[tuple[str, float]] = []

    def step(name: str, work):
        began = time.perf_counter()
        result = work()
        timings.append((name, time.perf_counter() - began))
        return result

    exposure = step("exposure", lambda: rates.exposure(registry, stacked.sessions, period_end="2024-12-31"))
    step("outcome rates x3", lambda: [rates.outcome_rates(outcomes, exposure, by=b)
                                      for b in ("campaign_id", "country", "sector")])
    step("sector comparison", lambda: rates.sector_comparison(outcomes, exposure))
    step("rate ratios by sector (auto)", lambda: rates.rate_ratios(outcomes, exposure, by="sector", family="auto"))
    step("rate ratios by country (Poisson)", lambda: rates.rate_ratios(outcomes, exposure, by="country"))
    step("rate ratios by country (negbin)",
         lambda: rates.rate_ratios(outcomes, exposure, by="country", family="negbin"))
    tables = step("contingency x3 (country)", lambda: [contingency.contingency(outcomes, "country", c)
                                                       for c in ("outcome_area", "type_of_change", "level")])
    with_sector = rates.add_sector(outcomes, registry)
    step("contingency x3 (sector)", lambda: [contingency.contingency(with_sector, "sector", c)
                                             for c in ("outcome_area", "type_of_change", "level")])
    step("substantiation by country", lambda: analysis_outcomes.substantiation_by(outcomes))
    step("theme matrix (country x code)", lambda: themes.code_frequencies(stacked.codings, stacked.segments))
    step("distinctive themes", lambda: themes.distinctive_themes(stacked.codings, stacked.segments))
    step("themes over rounds (groups)", lambda: themes.themes_over_rounds(
        stacked.codings, stacked.segments, stacked.sessions, by="country", codebook=codebook, level="group"))
    cases = step("campaign conditions", lambda: analysis_cases.campaign_conditions(stacked, registry, codebook))
    qca5 = step("case comparison (5 conditions)", lambda: analysis_cases.case_comparison(cases))
    total = sum(t for _, t in timings)

    for name, seconds in timings:
        print(f"  {name:<34} {seconds:>6.3f} s")
    print(f"  {'whole comparison':<34} {total:>6.3f} s   (target < 10 s: {'ok' if total < 10 else 'TOO SLOW'})")
    print(f"  tests used: {', '.join(t.test for t in tables)}; "
          f"5-condition truth table: {len(qca5.truth_table)} configurations of {len(cases)} campaigns")

    rules = (*analysis_cases.CONDITION_RULES, *EXTRA_RULES)
    began = time.perf_counter()
    cases10 = analysis_cases.campaign_conditions(stacked, registry, codebook, rules=rules)
    calibrate = time.perf_counter() - began
    began = time.perf_counter()
    qca10 = analysis_cases.case_comparison(cases10, [r.name for r in rules])
    seconds = time.perf_counter() - began
    kinds = qca10.solutions.groupby("kind")["solution"].max().to_dict() if len(qca10.solutions) else {}
    print(f"  {'calibrate 10 conditions':<34} {calibrate:>6.3f} s")
    print(f"  {'case comparison (10 conditions)':<34} {seconds:>6.3f} s   (target < 2 s: "
          f"{'ok' if seconds < 2 else 'TOO SLOW'}); {len(qca10.truth_table)} configurations, solutions: {kinds}; "
          f"{sum('no ' in w and 'solution' in w for w in qca10.warnings)} minimisation(s) reported as too ambiguous")


if __name__ == "__main__":
    main()
