"""Cross-country comparison: comparable denominators, careful statistics, case comparison.

Seven countries and about fourteen campaigns are a small N, so this module keeps the
comparison honest in four ways:

1. **Comparable denominators.** Counts are read against campaign-months active and
   reflection sessions held (:func:`exposure`, :func:`outcome_rates`), so that no
   country looks bigger for having more campaigns or a longer harvest.
2. **Statistics that say what they can.** Contingency tables switch to an exact test
   when cells are small (:func:`contingency`); rates are compared with a Poisson or
   negative-binomial GLM with the exposure as offset (:func:`rate_ratios`); every
   family of tests is Holm-corrected; every result carries plain-words ``warnings``
   and a ``describe_*`` helper turns it into a careful sentence (effect size,
   interval, caveat; never a bare p-value).
3. **Themes** by country or campaign (:func:`theme_matrix`), what is distinctive for a
   country beyond chance (:func:`distinctive_themes`), and over rounds
   (:func:`themes_over_rounds`).
4. **Case comparison**: campaign conditions calibrated from the harvest and the
   session codings with documented rules (:func:`campaign_conditions`), then
   crisp-set QCA through :mod:`sparklearn.qca` (:func:`case_comparison`).

Every function takes tidy tables and returns new ones; none plots or rounds
(figures are in :mod:`sparklearn.plots`).
"""

from __future__ import annotations

import re
import warnings as _warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.stats.contingency import association, odds_ratio
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from . import qca
from .codebook import Codebook, codebook_table
from .countries import Registry
from .exceptions import CodebookError, InputError, ParameterError

#: Average length of a month in days (Gregorian calendar): campaign-months are days / this.
DAYS_PER_MONTH = 365.25 / 12

#: Processed tables read per country (see ``sparklearn.prepare``).
TABLES = ("sessions", "segments", "codings", "outcomes")

#: Columns of each processed table when no country has rows (the data contract).
_EMPTY_COLUMNS = {
    "sessions": ["session_id", "country", "campaign_ids", "date", "round"],
    "segments": ["segment_id", "session_id", "country", "turn"],
    "codings": ["country", "session_id", "segment_id", "code_id", "coder"],
    "outcomes": ["outcome_id", "country", "campaign_id", "date", "actor_type", "outcome_area",
                 "type_of_change", "level", "strategic_components", "valence", "substantiation"],
}

_RUN_FIRST = "run `sparklearn run` first (it prepares data/processed/<country>/), or point processed_dir at its output"

Family = Literal["poisson", "negbin", "auto"]


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Stacked:
    """Processed tables of several countries stacked; every table keeps its ``country`` column.

    ``sessions``, ``segments``, ``codings`` and ``outcomes`` follow the data contract
    (see ``sparklearn.prepare``); ``countries`` lists the slugs read, in order.
    """

    countries: tuple[str, ...]
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame


def load_processed(
    processed_dir: str | Path,
    countries: Sequence[str] | None = None,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> Stacked:
    """Read every country's processed tables and stack them.

    Parameters
    ----------
    processed_dir
        The ``processed`` folder, holding one ``<country>/`` folder with
        ``sessions.parquet``, ``segments.parquet``, ``codings.parquet`` and
        ``outcomes.parquet`` per country.
    countries
        Slugs to read, in order; default: every sub-folder holding ``sessions.parquet``.
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates, as in the
        country notebooks; segments and codings follow their sessions.

    Returns
    -------
    Stacked
        The four tables, rows of all countries one after the other.

    Raises
    ------
    InputError
        Naming the missing folder or file and the fix (run ``sparklearn run`` first).

    Examples
    --------
    >>> import tempfile
    >>> load_processed(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: ...: no country folder holds processed tables. Fix: run `sparklearn run` first...
    """
    folder = Path(processed_dir)
    if not folder.is_dir():
        raise InputError("the processed-tables folder does not exist", file=folder, fix=_RUN_FIRST)
    if countries is None:
        countries = sorted(p.name for p in folder.iterdir() if (p / "sessions.parquet").is_file())
        if not countries:
            raise InputError("no country folder holds processed tables", file=folder, fix=_RUN_FIRST)
    countries = tuple(countries)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for slug in countries:
        if not (folder / slug).is_dir():
            raise InputError(f"no processed tables for country '{slug}'", file=folder / slug,
                             fix=f"run `sparklearn run --countries {slug}` first, or check the slug's spelling")
        for name in TABLES:
            path = folder / slug / f"{name}.parquet"
            if not path.is_file():
                raise InputError(f"the processed {name} table of '{slug}' is missing", file=path,
                                 fix=f"run `sparklearn run --countries {slug}` again")
            frames[name].append(pd.read_parquet(path))

    def stack(name: str) -> pd.DataFrame:
        parts = [f for f in frames[name] if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EMPTY_COLUMNS[name])

    sessions, segments, codings, outcomes = (stack(name) for name in TABLES)
    if period_start is not None or period_end is not None:
        sessions = sessions.loc[_in_period(sessions["date"], period_start, period_end)].reset_index(drop=True)
        segments = segments.loc[segments["session_id"].isin(sessions["session_id"])].reset_index(drop=True)
        codings = codings.loc[codings["session_id"].isin(sessions["session_id"])].reset_index(drop=True)
        outcomes = outcomes.loc[_in_period(outcomes["date"], period_start, period_end)].reset_index(drop=True)
    return Stacked(countries, sessions, segments, codings, outcomes)


def _in_period(dates: pd.Series, start: str | None, end: str | None) -> pd.Series:
    """Dates within [start, end]; an undated row is kept (it cannot be placed outside)."""
    dates = pd.to_datetime(dates, errors="coerce")
    keep = pd.Series(True, index=dates.index)
    if start is not None:
        keep &= ~(dates < pd.Timestamp(start))
    if end is not None:
        keep &= ~(dates > pd.Timestamp(end))
    return keep


def _require(data: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(f"the {what} table has no '{missing[0]}' column", column=missing[0],
                         fix=f"pass the {what} table as sparklearn prepares it (columns: {', '.join(columns)})")


def add_sector(table: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """A copy of ``table`` with each row's campaign ``sector`` from the registry.

    Parameters
    ----------
    table
        Any table with a ``campaign_id`` column (outcomes, exposure...).
    registry
        The country and campaign registry.

    Returns
    -------
    pandas.DataFrame
        ``table``'s columns plus ``sector``.

    Raises
    ------
    InputError
        If a campaign is not in the registry (names it).

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> out = pd.DataFrame({"outcome_id": ["KE-O001"], "campaign_id": ["ke-baringo-water"]})
    >>> add_sector(out, load_registry())["sector"].tolist()
    ['water and sanitation']
    """
    _require(table, ["campaign_id"], "input")
    sector = table["campaign_id"].map(registry.campaigns.set_index("campaign_id")["sector"])
    _unknown_campaigns(table, sector.isna(), registry.source)
    return table.assign(sector=sector)


def _unknown_campaigns(table: pd.DataFrame, unknown: pd.Series, source: object, fix: str | None = None) -> None:
    if unknown.any():
        first = table.loc[unknown].iloc[0]
        which = next((f"{c} {first[c]}" for c in ("outcome_id", "session_id") if c in table.columns), "a row")
        raise InputError(
            f"{_count(int(unknown.sum()), 'row')} {'names' if int(unknown.sum()) == 1 else 'name'} a campaign the "
            f"registry does not know; the first is {which}",
            file=source, column="campaign_id", value=first["campaign_id"],
            fix=fix or "add the campaign to countries.yaml or correct the campaign id",
        )


# --------------------------------------------------------------------------- denominators


def exposure(
    registry: Registry,
    sessions: pd.DataFrame,
    *,
    outcomes: pd.DataFrame | None = None,
    countries: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    period_start: str | pd.Timestamp | None = None,
    period_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Comparable denominators per campaign: campaign-months active and sessions held.

    A campaign is active from its ``start_date`` (or ``period_start`` if later) to
    ``period_end``; campaign-months are those days divided by the average month
    (365.25 / 12 days), so 2020-01-01 to 2021-01-01 is 12.02 months. A session
    that covers ``k`` campaigns counts for each of them in ``n_sessions`` and as
    ``1/k`` in ``session_share``, so that shares add up to a country's sessions.
    Only sessions inside each campaign's window count.

    Parameters
    ----------
    registry
        Countries and campaigns (``start_date`` per campaign).
    sessions
        Sessions table: ``session_id``, ``campaign_ids`` (``";"``-joined), ``date``.
    outcomes
        The outcomes to be counted against this exposure: if given, the period ends
        by default at the latest session *or* outcome date, so that a harvest that
        runs past the last reflection session is not cut short.
    countries, sectors
        Keep only the campaigns of these countries and sectors (None or empty: all).
        Filter the outcomes to the same campaigns before computing rates.
    period_start, period_end
        ``"YYYY-MM-DD"``; ``period_end`` defaults to the latest date in the data.

    Returns
    -------
    pandas.DataFrame
        One row per registry campaign kept: campaign_id, country, sector, start, end
        (the window counted), campaign_months (float, 0 if the campaign starts after
        ``period_end``), n_sessions (int), session_share (float).

    Raises
    ------
    InputError
        If a session names a campaign the registry does not know.
    ParameterError
        If a country or sector asked for is not in the registry.

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> reg = load_registry()
    >>> s = pd.DataFrame({"session_id": ["GH-S01", "GH-S02"], "campaign_ids": ["gh-fertiliser;gh-mining", "gh-mining"],
    ...                   "date": pd.to_datetime(["2020-12-23", "2021-01-09"])})
    >>> e = exposure(reg, s, period_end="2021-01-01")
    >>> e.loc[e["country"] == "ghana", ["campaign_id", "campaign_months", "n_sessions", "session_share"]].round(2)
         campaign_id  campaign_months  n_sessions  session_share
    0  gh-fertiliser            15.05           1            0.5
    1      gh-mining            10.05           1            0.5
    """
    _require(sessions, ["session_id", "campaign_ids", "date"], "sessions")
    campaigns = registry.campaigns[["campaign_id", "country", "sector", "start_date"]]
    for column, wanted in (("country", countries), ("sector", sectors)):
        unknown = sorted(set(wanted or ()) - set(campaigns[column]))
        if unknown:
            raise ParameterError(f"no campaign of the registry has the {column} {unknown[0]!r}; use one of: "
                                 f"{', '.join(sorted(campaigns[column].unique()))}")
    latest = [pd.to_datetime(sessions["date"]).max()]
    if outcomes is not None:
        latest.append(pd.to_datetime(outcomes["date"], errors="coerce").max())
    end = pd.Timestamp(period_end) if period_end is not None else pd.Series(latest).max()
    if pd.isna(end):
        raise ParameterError("there are no session dates to end the period at; give period_end='YYYY-MM-DD'")
    start = campaigns["start_date"]
    if period_start is not None:
        start = start.clip(lower=pd.Timestamp(period_start))
    days = (end - start).dt.days.clip(lower=0)

    held = sessions[["session_id", "campaign_ids", "date"]].assign(
        campaign_id=sessions["campaign_ids"].astype(str).str.split(";"))
    held = held.assign(share=1 / held["campaign_id"].str.len()).explode("campaign_id")
    held["campaign_id"] = held["campaign_id"].str.strip()
    window = campaigns.assign(start=start).set_index("campaign_id")["start"]
    opens = held["campaign_id"].map(window)
    _unknown_campaigns(held, opens.isna(), registry.source)
    held = held.loc[(pd.to_datetime(held["date"]) >= opens) & (pd.to_datetime(held["date"]) <= end)]
    per_campaign = held.groupby("campaign_id").agg(n_sessions=("session_id", "size"), session_share=("share", "sum"))
    per_campaign = per_campaign.reindex(campaigns["campaign_id"], fill_value=0)
    table = pd.DataFrame({
        "campaign_id": campaigns["campaign_id"].to_numpy(),
        "country": campaigns["country"].to_numpy(),
        "sector": campaigns["sector"].to_numpy(),
        "start": start.to_numpy(),
        "end": end,
        "campaign_months": (days / DAYS_PER_MONTH).to_numpy(dtype=float),
        "n_sessions": per_campaign["n_sessions"].to_numpy(dtype=np.int64),
        "session_share": per_campaign["session_share"].to_numpy(dtype=float),
    })
    keep = np.ones(len(table), dtype=bool)
    if countries:
        keep &= table["country"].isin(countries).to_numpy()
    if sectors:
        keep &= table["sector"].isin(sectors).to_numpy()
    return table.loc[keep].reset_index(drop=True)


_EXPOSURE_COLUMNS = ["campaign_id", "country", "sector", "start", "end", "campaign_months", "n_sessions",
                     "session_share"]


def _campaign_counts(outcomes: pd.DataFrame, exposure: pd.DataFrame) -> pd.DataFrame:
    """Exposure plus each campaign's outcomes inside (``n_outcomes``) and outside (``n_outside``) its window."""
    _require(outcomes, ["campaign_id", "date"], "outcomes")
    _require(exposure, _EXPOSURE_COLUMNS, "exposure")
    window = exposure.set_index("campaign_id")
    opens = outcomes["campaign_id"].map(window["start"])
    _unknown_campaigns(outcomes, opens.isna(), None,
                       fix="keep the outcomes of exposure's campaigns only: "
                       "outcomes[outcomes['campaign_id'].isin(exposure['campaign_id'])]")
    dates = pd.to_datetime(outcomes["date"], errors="coerce")
    # An undated outcome cannot be placed outside the window, so it counts.
    inside = dates.isna() | ((dates >= opens) & (dates <= outcomes["campaign_id"].map(window["end"])))
    counted = pd.DataFrame({"campaign_id": outcomes["campaign_id"], "inside": inside.to_numpy()}).groupby(
        "campaign_id")["inside"].agg(n_outcomes="sum", n_all="size")
    counted = counted.reindex(exposure["campaign_id"], fill_value=0)
    return exposure.assign(
        n_outcomes=counted["n_outcomes"].to_numpy(dtype=np.int64),
        n_outside=(counted["n_all"] - counted["n_outcomes"]).to_numpy(dtype=np.int64),
    )


def outcome_rates(
    outcomes: pd.DataFrame,
    exposure: pd.DataFrame,
    by: Literal["campaign_id", "country", "sector"] = "campaign_id",
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Outcomes per campaign-month and per session, with exact Poisson intervals.

    Parameters
    ----------
    outcomes
        Outcomes table (``campaign_id``, ``date``); filter it first to count, say,
        positive outcomes only.
    exposure
        As returned by :func:`exposure`. Outcomes dated outside their campaign's
        window are not in the rate; they are counted in ``n_outside``.
    by
        Level of the rates.
    alpha
        1 - confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value (campaigns without outcomes included, with 0):
        ``by``, n_campaigns, n_outcomes, n_outside, campaign_months, n_sessions
        (session-equivalents: ``session_share`` summed), per_campaign_month,
        ci_low, ci_high (exact Poisson interval of per_campaign_month, "exact-c"
        in statsmodels), per_session (NaN without sessions).

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": ["a", "b"], "country": ["x", "x"], "sector": ["health", "water"],
    ...                   "start": pd.to_datetime(["2020-01-01"] * 2), "end": pd.Timestamp("2021-01-01"),
    ...                   "campaign_months": [12.0, 6.0], "n_sessions": [4, 2], "session_share": [3.0, 1.0]})
    >>> o = pd.DataFrame({"campaign_id": ["a", "a", "a", "b"], "date": pd.to_datetime(["2020-03-01"] * 4)})
    >>> outcome_rates(o, e, by="country")[["country", "n_outcomes", "campaign_months", "per_campaign_month",
    ...                                    "per_session"]]
      country  n_outcomes  campaign_months  per_campaign_month  per_session
    0       x           4             18.0            0.222222          1.0
    """
    if by not in ("campaign_id", "country", "sector"):
        raise ParameterError(f"by must be 'campaign_id', 'country' or 'sector', not {by!r}")
    return _rates(_campaign_counts(outcomes, exposure), [by], alpha)


def _rates(counts: pd.DataFrame, keys: list[str], alpha: float) -> pd.DataFrame:
    """Campaign counts summed by ``keys``, with rates and exact Poisson intervals."""
    rates = counts.groupby(keys, sort=True).agg(
        n_campaigns=("campaign_id", "size"), n_outcomes=("n_outcomes", "sum"), n_outside=("n_outside", "sum"),
        campaign_months=("campaign_months", "sum"), n_sessions=("session_share", "sum"),
    ).reset_index()
    months = rates["campaign_months"].to_numpy(dtype=float)
    count = rates["n_outcomes"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = confint_poisson(count, months, method="exact-c", alpha=alpha)
        per_month = np.where(months > 0, count / months, np.nan)
        per_session = np.where(rates["n_sessions"] > 0, count / rates["n_sessions"], np.nan)
    return rates.assign(
        per_campaign_month=per_month,
        ci_low=np.where(months > 0, low, np.nan),
        ci_high=np.where(months > 0, high, np.nan),
        per_session=per_session,
    )


def sector_comparison(
    outcomes: pd.DataFrame,
    exposure: pd.DataFrame,
    *,
    min_countries: int = 2,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rates of the sectors that several countries work in, country by country.

    Parameters
    ----------
    outcomes, exposure
        As for :func:`outcome_rates`; outcomes of other sectors' campaigns are left
        out on purpose (they are compared by :func:`outcome_rates` ``by="sector"``).
    min_countries
        Least number of countries a sector needs to be compared.
    alpha
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per (sector, country): sector, n_countries (in the sector), country,
        n_campaigns, n_outcomes, n_outside, campaign_months, n_sessions,
        per_campaign_month, ci_low, ci_high, per_session, sector_rate (the
        sector's pooled outcomes per campaign-month) and ratio_to_sector
        (per_campaign_month / sector_rate). Sorted by sector (most countries first).

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": ["a", "b", "c"], "country": ["x", "y", "y"],
    ...                   "sector": ["health", "health", "water"], "start": pd.Timestamp("2020-01-01"),
    ...                   "end": pd.Timestamp("2021-01-01"), "campaign_months": [10.0, 20.0, 5.0],
    ...                   "n_sessions": [2, 2, 1], "session_share": [2.0, 1.5, 0.5]})
    >>> o = pd.DataFrame({"campaign_id": ["a", "b", "b", "c"], "date": pd.Timestamp("2020-06-01")})
    >>> sector_comparison(o, e)[["sector", "country", "n_outcomes", "ratio_to_sector"]]
       sector country  n_outcomes  ratio_to_sector
    0  health       x           1              1.0
    1  health       y           2              1.0
    """
    counts = _campaign_counts(outcomes, exposure)
    n_countries = counts.groupby("sector")["country"].transform("nunique")
    table = _rates(counts.loc[n_countries >= min_countries], ["sector", "country"], alpha)
    sector = table.groupby("sector")
    pooled = sector["n_outcomes"].transform("sum") / sector["campaign_months"].transform("sum")
    table = table.assign(n_countries=sector["country"].transform("size"), sector_rate=pooled,
                         ratio_to_sector=table["per_campaign_month"] / pooled)
    columns = ["sector", "n_countries", "country", "n_campaigns", "n_outcomes", "n_outside", "campaign_months",
               "n_sessions", "per_campaign_month", "ci_low", "ci_high", "per_session", "sector_rate",
               "ratio_to_sector"]
    return table[columns].sort_values(["n_countries", "sector", "country"], ascending=[False, True, True],
                                      ignore_index=True)


# --------------------------------------------------------------------------- multiple comparisons


def holm(pvalues: Sequence[float] | np.ndarray | pd.Series, groups: Sequence[object] | None = None) -> np.ndarray:
    """Holm-adjusted p-values, within each group if ``groups`` is given; NaN kept as NaN.

    The same numbers as statsmodels ``multipletests(pvalues, method="holm")[1]`` (the
    tests check it), computed for every group at once: statsmodels runs a full
    garbage collection on each call, which costs a tenth of a second per group in
    a large session. NaN p-values (tests that could not be run) are not part of
    any family.

    Parameters
    ----------
    pvalues
        Unadjusted p-values.
    groups
        One label per p-value: each group is a family of its own. Default: one family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Examples
    --------
    >>> holm([0.01, 0.04, np.nan, 0.03]).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    >>> holm([0.01, 0.04, 0.01, 0.04], groups=["a", "a", "b", "b"]).tolist()
    [0.02, 0.04, 0.02, 0.04]
    """
    p = np.asarray(pvalues, dtype=float)
    family = np.zeros(len(p), dtype=np.int64) if groups is None else pd.factorize(np.asarray(groups))[0]
    adjusted = np.full(len(p), np.nan)
    kept = np.flatnonzero(~np.isnan(p))
    order = kept[np.lexsort((p[kept], family[kept]))]
    family_sorted = family[order]
    starts = np.flatnonzero(np.r_[True, family_sorted[1:] != family_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    raw = (np.repeat(sizes, sizes) - rank) * p[order]
    stepped = pd.Series(raw).groupby(family_sorted).cummax().to_numpy()
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


# --------------------------------------------------------------------------- contingency tables


@dataclass(frozen=True)
class ContingencyResult:
    """What :func:`contingency` returns.

    Attributes
    ----------
    row, col
        The two classifications compared (column names of the outcomes table).
    n
        Outcomes in the table.
    table
        Observed counts, ``row`` values as index and ``col`` values as columns.
    cells
        One row per cell: ``row``, ``col`` (named after them), observed, expected,
        adjusted_residual (Haberman's adjusted standardised residual, from
        statsmodels ``Table.standardized_resids``), p_cell (two-sided normal),
        p_holm (Holm over all cells) and notable (``p_holm < alpha``).
    test
        ``"chi-square"``, ``"fisher exact"``, ``"monte-carlo exact"`` or ``"none"``.
    statistic, dof
        Pearson chi-square (without continuity correction) and its degrees of freedom.
    p_value
        From ``test``; NaN when no test could be run.
    cramers_v
        Cramér's V (scipy ``association``; no bias correction, so it runs high in
        small tables).
    odds_ratio, odds_ratio_ci
        2 x 2 tables only: conditional maximum-likelihood odds ratio and its interval.
    min_expected, n_small_expected
        Smallest expected count and number of cells expected below 5.
    n_resamples, seed
        Monte-Carlo test only: random tables drawn and the seed.
    warnings
        Plain-words caveats for the reader.
    """

    row: str
    col: str
    n: int
    table: pd.DataFrame
    cells: pd.DataFrame
    test: Literal["chi-square", "fisher exact", "monte-carlo exact", "none"]
    statistic: float
    dof: int
    p_value: float
    cramers_v: float
    odds_ratio: float = np.nan
    odds_ratio_ci: tuple[float, float] = (np.nan, np.nan)
    min_expected: float = np.nan
    n_small_expected: int = 0
    n_resamples: int = 0
    seed: int | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _ordered(present: pd.Index, order: Sequence[str] | None) -> list:
    """The values ``present`` in the data, those in ``order`` first and in its order, the others sorted."""
    listed = [v for v in dict.fromkeys(order or ()) if v in set(present)]
    return listed + sorted(v for v in present if v not in set(listed))


def contingency(
    outcomes: pd.DataFrame,
    row: str = "country",
    col: str = "outcome_area",
    *,
    alpha: float = 0.05,
    min_n: int = 20,
    n_resamples: int = 9999,
    seed: int = 2019,
    row_order: Sequence[str] | None = None,
    col_order: Sequence[str] | None = None,
) -> ContingencyResult:
    """Cross-tabulate two classifications of outcomes and test their association.

    The test follows the expected counts: Pearson's chi-square when they are large
    enough by Cochran's (1954) rule (none below 1, at most 20 % below 5); for a
    2 x 2 table with any expected count below 5, Fisher's exact test; for larger
    sparse tables, a Monte-Carlo exact test: the p-value is the share of random
    tables with the same margins (Patefield's algorithm, scipy ``random_table``)
    whose chi-square is at least the observed one, as R's
    ``chisq.test(simulate.p.value = TRUE)`` does, with a fixed seed so the report
    is reproducible.

    Parameters
    ----------
    outcomes
        One row per outcome.
    row, col
        Columns to cross (``"country"``, ``"sector"`` (see :func:`add_sector`),
        ``"outcome_area"``, ``"type_of_change"``, ``"level"``...). Rows with either
        value empty are left out and the warnings say how many.
    alpha
        Level at which a cell's adjusted residual is called notable (after Holm).
    min_n
        Fewer outcomes than this and the warnings say the table is too small to say anything.
    n_resamples, seed
        For the Monte-Carlo test.
    row_order, col_order
        The order of the values in ``table`` and ``cells`` (and so in the figures drawn
        from them), e.g. a codebook vocabulary's ids (``local``, ``subnational``,
        ``national``, ``international``); values not listed follow, sorted. Default: sorted.

    Returns
    -------
    ContingencyResult

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> r = contingency(o, "country", "level")
    >>> r.test, round(r.statistic, 2), r.dof, round(r.cramers_v, 2)
    ('chi-square', 11.28, 1, 0.43)
    """
    _require(outcomes, [row, col], "outcomes")
    if row == col:
        raise ParameterError(f"row and col are both {row!r}: cross two different classifications")
    values = outcomes[[row, col]].astype("string").apply(lambda s: s.str.strip())
    present = values.notna().all(axis=1) & (values != "").all(axis=1)
    notes = []
    if not present.all():
        missing = int((~present).sum())
        notes.append(f"{_count(missing, 'outcome')} without a {_words(row)} or {_words(col)} "
                     f"{'was' if missing == 1 else 'were'} left out of the table")
    table = pd.crosstab(values.loc[present, row], values.loc[present, col]).rename_axis(index=row, columns=col)
    table = table.reindex(index=_ordered(table.index, row_order), columns=_ordered(table.columns, col_order))
    table = table.astype(np.int64)
    n = int(table.to_numpy().sum())
    empty_cells = pd.DataFrame(columns=[row, col, "observed", "expected", "adjusted_residual", "p_cell", "p_holm",
                                        "notable"])
    if n < min_n:
        notes.append(f"n = {n}: too few outcomes to say anything about an association; read the counts, not a test")
    if table.shape[0] < 2 or table.shape[1] < 2:
        notes.append(f"the table has only {_count(table.shape[0], 'value')} of {_words(row)} and "
                     f"{_count(table.shape[1], 'value')} of {_words(col)}: "
                     "there is nothing to compare")
        return ContingencyResult(row, col, n, table, empty_cells, "none", np.nan, 0, np.nan, np.nan,
                                 warnings=tuple(notes))

    observed = table.to_numpy()
    # No 0.5 added to empty cells (statsmodels' default): residuals must be those of the observed table.
    fitted = Table(table, shift_zeros=False)
    expected = fitted.fittedvalues.to_numpy()
    chi2 = stats.chi2_contingency(observed, correction=False)
    dof = int(chi2.dof)
    small = int((expected < 5).sum())
    n_cells = expected.size
    cochran_ok = expected.min() >= 1 and small <= 0.2 * n_cells
    result: dict = {}
    if table.shape == (2, 2):
        ratio = odds_ratio(observed)
        result.update(odds_ratio=float(ratio.statistic), odds_ratio_ci=tuple(map(float, ratio.confidence_interval(
            1 - alpha))))
    if table.shape == (2, 2) and small:
        test, p_value = "fisher exact", float(stats.fisher_exact(observed).pvalue)
        notes.append(f"{small} of 4 cells have expected counts below 5: Fisher's exact test was used")
    elif not cochran_ok:
        test = "monte-carlo exact"
        method = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        p_value = float(stats.chi2_contingency(observed, correction=False, method=method).pvalue)
        result.update(n_resamples=n_resamples, seed=seed)
        notes.append(f"{small} of {n_cells} cells have expected counts below 5: an exact (Monte-Carlo) test was "
                     f"used, comparing the table with {n_resamples} random tables with the same row and column totals "
                     f"(random seed {seed}, so that every run of the report gives the same p-value)")
    else:
        test, p_value = "chi-square", float(chi2.pvalue)
        if small:
            notes.append(f"{small} of {n_cells} cells have expected counts below 5, few enough (Cochran's rule) "
                         "for the chi-square approximation")
    cramers_v = float(association(observed, method="cramer"))
    if n < 5 * n_cells:
        notes.append(f"{n} outcomes in {n_cells} cells: Cramér's V runs high in tables this sparse")

    residuals = fitted.standardized_resids
    cells = residuals.stack().rename("adjusted_residual").reset_index()
    cells.columns = [row, col, "adjusted_residual"]
    cells.insert(2, "observed", observed.ravel())
    cells.insert(3, "expected", expected.ravel())
    p_cell = 2 * stats.norm.sf(np.abs(cells["adjusted_residual"].to_numpy()))
    p_adjusted = holm(p_cell)
    cells = cells.assign(p_cell=p_cell, p_holm=p_adjusted, notable=p_adjusted < alpha)
    return ContingencyResult(
        row, col, n, table, cells, test, float(chi2.statistic), dof, p_value, cramers_v,
        min_expected=float(expected.min()), n_small_expected=small, warnings=tuple(notes), **result,
    )


def contingency_summary(results: Sequence[ContingencyResult]) -> pd.DataFrame:
    """Several contingency tests side by side, with Holm-adjusted p-values across them.

    Tests run on the same outcomes are one family: the more tables one looks at, the
    more likely one of them shows a pattern by chance.

    Returns
    -------
    pandas.DataFrame
        One row per result: row, col, n, test, statistic, dof, p_value, p_holm,
        cramers_v, min_expected, n_small_expected, n_warnings.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21,
    ...                   "valence": ["positive", "negative"] * 30})
    >>> s = contingency_summary([contingency(o, "country", "level"), contingency(o, "country", "valence")])
    >>> s[["col", "test", "p_holm"]].round(3)
           col        test  p_holm
    0    level  chi-square   0.002
    1  valence  chi-square   1.000
    """
    table = pd.DataFrame([{
        "row": r.row, "col": r.col, "n": r.n, "test": r.test, "statistic": r.statistic, "dof": r.dof,
        "p_value": r.p_value, "cramers_v": r.cramers_v, "min_expected": r.min_expected,
        "n_small_expected": r.n_small_expected, "n_warnings": len(r.warnings),
    } for r in results])
    table.insert(7, "p_holm", holm(table["p_value"]))
    return table


# --------------------------------------------------------------------------- rate ratios


@dataclass(frozen=True)
class RateRatios:
    """What :func:`rate_ratios` returns.

    Attributes
    ----------
    by, reference, family
        The grouping, its reference level and the model family used
        (``"poisson"`` or ``"negbin"``).
    table
        One row per level: term (the level), reference (True for the reference
        row, whose rate_ratio is 1 and interval empty), rate_ratio, ci_low,
        ci_high, p_value (Wald), p_holm (Holm over the non-reference levels),
        n (campaigns), n_outcomes, campaign_months, rate (outcomes per
        campaign-month, observed).
    dispersion
        Pearson chi-square / residual df of the Poisson fit (about 1 if the Poisson
        model fits; NaN without residual df).
    alpha_nb
        The negative-binomial dispersion parameter (``family="negbin"``), else NaN.
    n
        Campaigns in the model.
    fit
        The statsmodels results object, for anyone who needs more.
    warnings
        Plain-words caveats for the reader.
    """

    by: str
    reference: str
    family: Literal["poisson", "negbin"]
    table: pd.DataFrame
    dispersion: float
    alpha_nb: float
    n: int
    fit: object
    warnings: tuple[str, ...]


def _listing(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence: all of a few, the first ``limit`` of many."""
    names = [str(n) for n in names]
    return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _and_list(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence joined with "and": ``a``, ``a and b``, ``a, b and c``; the first ``limit`` of many.

    Examples
    --------
    >>> _and_list(["Ghana"]), _and_list(["Ghana", "Kenya"]), _and_list(list("abcd"), limit=2)
    ('Ghana', 'Ghana and Kenya', 'a, b and 2 more')
    """
    names = [str(n) for n in names]
    if not names:
        return ""
    if len(names) > limit:
        names = [*names[:limit], f"{len(names) - limit} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _fit_quietly(fit, notes: list[str], what: str):
    """Run a statsmodels fit, turning its convergence warnings into a note for the reader."""
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always", ConvergenceWarning)
        _warnings.simplefilter("always", HessianInversionWarning)
        # Overflow in exp() while the optimiser tries a long step is harmless: it backs off.
        _warnings.simplefilter("ignore", RuntimeWarning)
        result = fit()
    if any(issubclass(w.category, HessianInversionWarning) for w in caught):
        notes.append(f"the {what} fit could not estimate its intervals (typically: no variation beyond Poisson "
                     "to estimate); use the Poisson model")
    elif any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"the {what} fit did not converge fully; treat its intervals with caution")
    return result


def rate_ratios(
    outcomes: pd.DataFrame,
    exposure: pd.DataFrame,
    by: Literal["sector", "country"] = "sector",
    *,
    reference: str | None = None,
    family: Family = "poisson",
    alpha: float = 0.05,
    overdispersion: float = 1.5,
) -> RateRatios:
    """Compare outcome rates between sectors or countries as rate ratios.

    One row per campaign: its outcome count, modelled with a log link and
    ``log(campaign_months)`` as offset (statsmodels ``GLM`` with a Poisson family,
    or the negative-binomial model ``NegativeBinomial``, NB2, whose dispersion is
    estimated). exp(coefficient) is the rate ratio of a level against the
    reference, with a Wald interval; p-values are Holm-corrected across levels.

    The Poisson model is always fitted to check overdispersion: if Pearson
    chi-square / df exceeds ``overdispersion``, the counts vary more between
    campaigns than a Poisson model allows, its intervals are too narrow, and the
    warnings recommend ``family="negbin"``; ``family="auto"`` switches to it by itself
    and says so.

    Parameters
    ----------
    outcomes, exposure
        As for :func:`outcome_rates` (filter both to compare a subset).
    by
        Grouping of campaigns.
    reference
        Level the others are compared with; default: the one with the most
        campaign-months (the most stable baseline).
    family
        ``"poisson"``, ``"negbin"``, or ``"auto"`` (Poisson unless overdispersed).
    alpha
        1 - confidence level.
    overdispersion
        Pearson chi-square / df above which to warn.

    Returns
    -------
    RateRatios

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": list("abcdef"), "country": list("uvwxyz"),
    ...                   "sector": ["health"] * 3 + ["water"] * 3, "start": pd.Timestamp("2020-01-01"),
    ...                   "end": pd.Timestamp("2024-01-01"), "campaign_months": [10.0, 20, 30, 10, 20, 40],
    ...                   "n_sessions": 1, "session_share": 1.0})
    >>> o = pd.DataFrame({"campaign_id": list("a" * 2 + "b" * 4 + "c" * 6 + "d" * 4 + "e" * 8 + "f" * 16),
    ...                   "date": pd.Timestamp("2021-01-01")})
    >>> rr = rate_ratios(o, e, by="sector")
    >>> rr.reference, rr.table[["term", "rate_ratio"]].round(2).to_dict("records")
    ('water', [{'term': 'health', 'rate_ratio': 0.5}, {'term': 'water', 'rate_ratio': 1.0}])
    """
    if by not in ("sector", "country"):
        raise ParameterError(f"by must be 'sector' or 'country', not {by!r}")
    if family not in ("poisson", "negbin", "auto"):
        raise ParameterError(f"family must be 'poisson', 'negbin' or 'auto', not {family!r}")
    counts = _campaign_counts(outcomes, exposure)
    notes: list[str] = []
    idle = counts["campaign_months"] <= 0
    if idle.any():
        notes.append(f"{_count(int(idle.sum()), 'campaign')} had no months in the period and "
                     f"{'is' if int(idle.sum()) == 1 else 'are'} left out: "
                     f"{_listing(counts.loc[idle, 'campaign_id'])}")
    counts = counts.loc[~idle]
    levels = counts.groupby(by).agg(n=("campaign_id", "size"), n_outcomes=("n_outcomes", "sum"),
                                    campaign_months=("campaign_months", "sum"))
    levels["rate"] = levels["n_outcomes"] / levels["campaign_months"]
    if reference is None:
        reference = str(levels.loc[levels["n_outcomes"] > 0, "campaign_months"].idxmax()) \
            if (levels["n_outcomes"] > 0).any() else str(levels.index[0])
    if reference not in levels.index:
        raise ParameterError(f"reference {reference!r} is not a {by} with campaign-months; "
                             f"use one of: {', '.join(map(str, levels.index))}")
    if len(levels) < 2:
        raise ParameterError(f"only one {by} ({reference}) has campaign-months: there is nothing to compare")
    if levels.at[reference, "n_outcomes"] == 0:
        raise ParameterError(f"the reference {by} {reference!r} has no outcomes, so no ratio to it exists; "
                             "choose another reference")
    # A level without outcomes has a rate ratio of 0 and no finite estimate: keep it out of the fit.
    zero = levels.index[(levels["n_outcomes"] == 0)].tolist()
    if zero:
        notes.append(f"no outcomes in {_listing(zero)}: rate ratio 0, no interval can be estimated")
    modelled = counts.loc[~counts[by].isin(zero)]
    others = [lvl for lvl in levels.index if lvl != reference and lvl not in zero]
    # The explicit index keeps the constant's rows when every other level had no outcomes.
    exog = pd.DataFrame({lvl: (modelled[by] == lvl).astype(float).to_numpy() for lvl in others},
                        index=pd.RangeIndex(len(modelled)))
    exog.insert(0, "const", 1.0)
    endog = modelled["n_outcomes"].to_numpy(dtype=float)
    offset = np.log(modelled["campaign_months"].to_numpy(dtype=float))

    poisson = _fit_quietly(lambda: sm.GLM(endog, exog, family=sm.families.Poisson(), offset=offset).fit(),
                           notes, "Poisson")
    df_resid = float(poisson.df_resid)
    dispersion = float(poisson.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
    alpha_nb = np.nan
    if family == "auto":
        family = "negbin" if dispersion > overdispersion else "poisson"
        if family == "negbin":
            notes.append(f"outcome counts vary between campaigns more than a Poisson model allows (about "
                         f"{dispersion:.1f} times the spread it expects: Pearson chi-square / df), so a "
                         "negative-binomial model, which allows for the extra spread, was used")
    if family == "poisson":
        fit, params, conf, pvalues = poisson, poisson.params, poisson.conf_int(alpha), poisson.pvalues
        if dispersion > overdispersion:
            notes.append(f"outcome counts vary between campaigns more than a Poisson model allows (about "
                         f"{dispersion:.1f} times the spread it expects: Pearson chi-square / df): its intervals are "
                         "too narrow; use family='negbin'")
    else:
        model = sm.NegativeBinomial(endog, exog, offset=offset)
        fit = _fit_quietly(lambda: model.fit(disp=0, maxiter=200), notes, "negative-binomial")
        names = list(exog.columns)
        params, conf, pvalues = fit.params[names], fit.conf_int(alpha).loc[names], fit.pvalues[names]
        alpha_nb = float(fit.params["alpha"])
    if np.isnan(dispersion):
        notes.append(f"with one campaign per {_words(by)}, no residual degrees of freedom are left: overdispersion "
                     "cannot be checked")
    single = levels.index[levels["n"] == 1].tolist()
    if single:
        notes.append(f"{_count(len(single), _words(by))} {'has' if len(single) == 1 else 'have'} a single campaign, "
                     f"so {'its' if len(single) == 1 else 'their'} 'rate' is one campaign's: {_listing(single)}")

    estimated = pd.DataFrame({
        "term": others,
        "rate_ratio": np.exp(params[others].to_numpy()),
        "ci_low": np.exp(conf.loc[others].iloc[:, 0].to_numpy()),
        "ci_high": np.exp(conf.loc[others].iloc[:, 1].to_numpy()),
        "p_value": pvalues[others].to_numpy(),
    })
    fixed = pd.DataFrame({"term": [reference, *zero], "rate_ratio": [1.0] + [0.0] * len(zero),
                          "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan})
    table = pd.concat([estimated, fixed], ignore_index=True)
    table.insert(1, "reference", table["term"] == reference)
    table["p_holm"] = holm(table["p_value"])
    table = table.join(levels[["n", "n_outcomes", "campaign_months", "rate"]], on="term")
    table = table.sort_values("term", ignore_index=True)
    return RateRatios(by, reference, family, table, dispersion, alpha_nb, len(modelled), fit, tuple(notes))


# --------------------------------------------------------------------------- substantiation

#: Substantiation values meaning an informant confirmed the outcome.
CONFIRMED = ("fully", "partially")


def substantiation_by(
    outcomes: pd.DataFrame,
    by: str = "country",
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How many outcomes were checked with an independent informant, and how many confirmed.

    Two proportions per group, each with a Wilson interval (statsmodels
    ``proportion_confint(method="wilson")``, which behaves well near 0 and 1 and
    with small n): the share of outcomes checked (substantiation other than
    ``not-yet``) and, among those, the share confirmed (``fully`` or ``partially``).

    Parameters
    ----------
    outcomes
        Outcomes with ``substantiation`` and the ``by`` column.
    by
        Any column (``country``, ``sector`` after :func:`add_sector`, ``type_of_change``...).
    alpha
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        ``by``, n_outcomes, n_checked, n_fully, n_partially, n_disagree,
        share_checked, checked_low, checked_high, share_confirmed (of those
        checked; NaN if none), confirmed_low, confirmed_high.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 5,
    ...                   "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet"]})
    >>> substantiation_by(o)[["country", "n_checked", "share_checked", "share_confirmed"]].round(2)
      country  n_checked  share_checked  share_confirmed
    0   ghana          3            0.6             0.67
    """
    _require(outcomes, [by, "substantiation"], "outcomes")
    value = outcomes["substantiation"].astype("string").str.strip().str.lower()
    flags = pd.DataFrame({
        by: outcomes[by].to_numpy(),
        "n_outcomes": 1,
        "n_checked": (value.notna() & (value != "not-yet") & (value != "")).to_numpy(dtype=int),
        "n_fully": (value == "fully").fillna(False).to_numpy(dtype=int),
        "n_partially": (value == "partially").fillna(False).to_numpy(dtype=int),
        "n_disagree": (value == "disagree").fillna(False).to_numpy(dtype=int),
    })
    table = flags.groupby(by, sort=True).sum().reset_index()
    checked = table["n_checked"].to_numpy()
    confirmed = (table["n_fully"] + table["n_partially"]).to_numpy()
    low_c, high_c = proportion_confint(checked, table["n_outcomes"].to_numpy(), alpha=alpha, method="wilson")
    with np.errstate(divide="ignore", invalid="ignore"):
        low_f, high_f = proportion_confint(confirmed, checked, alpha=alpha, method="wilson")
        share_confirmed = np.where(checked > 0, confirmed / checked, np.nan)
    return table.assign(
        share_checked=checked / table["n_outcomes"], checked_low=low_c, checked_high=high_c,
        share_confirmed=share_confirmed,
        confirmed_low=np.where(checked > 0, low_f, np.nan), confirmed_high=np.where(checked > 0, high_f, np.nan),
    )


# --------------------------------------------------------------------------- themes

Level = Literal["code", "group"]


def _segment_units(segments: pd.DataFrame, sessions: pd.DataFrame | None, by: Sequence[str]) -> pd.DataFrame:
    """segment_id plus the ``by`` columns; a segment of a session on k campaigns appears k times."""
    _require(segments, ["segment_id", "session_id"], "segments")
    units = segments[["segment_id", "session_id", *[b for b in by if b in segments.columns and b != "session_id"]]]
    wanted = [b for b in by if b not in units.columns]
    if wanted:
        if sessions is None:
            raise ParameterError(f"grouping by {wanted} needs the sessions table: pass sessions=")
        needed = ["campaign_ids" if b == "campaign_id" else b for b in wanted]
        _require(sessions, ["session_id", *needed], "sessions")
        extra = sessions[["session_id", *needed]]
        if "campaign_id" in wanted:
            extra = extra.assign(campaign_id=extra["campaign_ids"].astype(str).str.split(";")).explode("campaign_id")
            extra["campaign_id"] = extra["campaign_id"].str.strip()
        units = units.merge(extra[["session_id", *wanted]], on="session_id", how="left", validate="many_to_many")
        missing = units[wanted].isna().any(axis=1)
        if missing.any():
            raise InputError(f"{int(missing.sum())} segment(s) belong to sessions missing from the sessions table; "
                             f"the first is {units.loc[missing, 'segment_id'].iloc[0]}", column="session_id",
                             value=units.loc[missing, "session_id"].iloc[0],
                             fix="pass the sessions and segments of the same countries and period")
    return units[["segment_id", *by]]


def _coded_segments(codings: pd.DataFrame, segments: pd.DataFrame, codebook: Codebook | None, level: Level,
                    coders: Sequence[str] | None) -> pd.DataFrame:
    """Unique (segment_id, code_id) pairs: a segment carries a code if any chosen coder applied it."""
    _require(codings, ["segment_id", "code_id", "coder"], "codings")
    coded = codings if coders is None else codings.loc[codings["coder"].isin(coders)]
    coded = coded[["segment_id", "code_id"]]
    if level == "group":
        if codebook is None:
            raise ParameterError("level='group' needs the codebook: pass codebook=")
        group_of = codebook_table(codebook).set_index("code_id")["group_id"]
        group = coded["code_id"].map(group_of)
        if group.isna().any():
            raise CodebookError(f"code {coded.loc[group.isna(), 'code_id'].iloc[0]!r} is not in the codebook",
                                file=codebook.source, fix="code against the same codebook the data was prepared with")
        coded = coded.assign(code_id=group.to_numpy())
    elif level != "code":
        raise ParameterError(f"level must be 'code' or 'group', not {level!r}")
    orphan = ~coded["segment_id"].isin(segments["segment_id"])
    if orphan.any():
        raise InputError(f"{int(orphan.sum())} coding(s) refer to segments missing from the segments table; the "
                         f"first is {coded.loc[orphan, 'segment_id'].iloc[0]}", column="segment_id",
                         value=coded.loc[orphan, "segment_id"].iloc[0],
                         fix="pass the codings and segments of the same countries and period")
    return coded.drop_duplicates()


def theme_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    by: str | Sequence[str] = "country",
    *,
    sessions: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    level: Level = "code",
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Framework matrix, tidy: how many of a group's segments carry each code.

    A segment counts once per code however many coders applied it (restrict to
    some coders with ``coders=``). Coverage is the share of the group's segments
    (coded or not) that carry the code, so groups with more sessions do not look
    bigger.

    Parameters
    ----------
    codings, segments
        Codings and segments tables.
    by
        Column(s) of segments or sessions: ``"country"``, ``"session_id"``,
        ``"round"``, or ``"campaign_id"`` (a session on several campaigns counts
        for each).
    sessions
        Needed to group by ``round`` or ``campaign_id``.
    codebook, level
        ``level="group"`` rolls codes up to their top-level group (``BR``, ``SC``,
        ...); needs the codebook.
    coders
        Coders whose codings count; default all.

    Returns
    -------
    pandas.DataFrame
        One row per (group, code), zeros included for every code used anywhere:
        the ``by`` column(s), code_id, n_coded, n_segments, coverage.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "session_id": ["A", "A", "B"],
    ...                     "country": ["ghana", "ghana", "kenya"]})
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s1", "s3"], "code_id": ["X", "X", "Y"],
    ...                     "coder": ["a", "b", "a"]})
    >>> theme_matrix(cod, seg)
      country code_id  n_coded  n_segments  coverage
    0   ghana       X        1           2       0.5
    1   ghana       Y        0           2       0.0
    2   kenya       X        0           1       0.0
    3   kenya       Y        1           1       1.0
    """
    by = [by] if isinstance(by, str) else list(by)
    units = _segment_units(segments, sessions, by)
    coded = _coded_segments(codings, segments, codebook, level, coders)
    n_segments = units.groupby(by, sort=True).size().rename("n_segments")
    hits = coded.merge(units, on="segment_id").groupby([*by, "code_id"]).size()
    codes = sorted(coded["code_id"].unique())
    groups = n_segments.index.to_frame(index=False)
    grid = groups.merge(pd.DataFrame({"code_id": codes}), how="cross")
    matrix = grid.join(hits.rename("n_coded"), on=[*by, "code_id"]).join(n_segments, on=by)
    matrix["n_coded"] = matrix["n_coded"].fillna(0).astype(np.int64)
    return matrix.assign(coverage=matrix["n_coded"] / matrix["n_segments"])


def distinctive_themes(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    by: str = "country",
    *,
    sessions: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    level: Level = "code",
    coders: Sequence[str] | None = None,
    prior_strength: float = 100.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Which codes a group (a country) uses more, or less, than the others, beyond chance.

    The "Fightin' Words" measure of Monroe, Colaresi and Quinn (2008, *Political
    Analysis* 16(4), 372-403, eq. 22): the log-odds ratio of a code in the group
    against all other groups, with an informative Dirichlet prior that shrinks
    rare codes toward the pooled share, divided by its approximate standard error:

    ``delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w)) - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))``,
    ``var = 1 / (y_i + a_w) + 1 / (y_j + a_w)``, ``z = delta / sqrt(var)``,

    where ``y_i`` counts the group's coded segments with the code, ``n_i`` all the
    group's (segment, code) pairs, ``j`` is every other group together,
    ``a_w = a_0 * pi_w`` and ``pi_w`` is the code's pooled share. Two-sided normal
    p-values are Holm-corrected within each group (a code is called distinctive
    when ``p_holm < alpha``). Codings are treated as independent, which they are
    not quite (a session's segments share a topic): read ``z`` as a ranking with a
    chance yardstick, not an exact test.

    Parameters
    ----------
    codings, segments, by, sessions, codebook, level, coders
        As for :func:`theme_matrix` (one ``by`` column).
    prior_strength
        ``a_0``, the prior's weight in pseudo-codings (100: enough to steady rare
        codes, small beside a country's few hundred codings).
    alpha
        Level for ``direction`` after Holm correction.

    Returns
    -------
    pandas.DataFrame
        One row per (group, code): ``by``, code_id, n_coded, n_coded_rest,
        coverage, coverage_rest (shares of segments), log_odds_ratio, se, z,
        p_value, p_holm, direction (``"more"``, ``"less"`` or ``""``); sorted by
        group and z, highest first.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)], "session_id": "S",
    ...                     "country": ["ghana"] * 4 + ["kenya"] * 4})
    >>> cod = pd.DataFrame({"segment_id": [f"s{i}" for i in range(8)], "coder": "a",
    ...                     "code_id": ["X", "X", "X", "Y", "Y", "Y", "Y", "X"]})
    >>> d = distinctive_themes(cod, seg, prior_strength=2)
    >>> d.loc[d["country"] == "ghana", ["code_id", "log_odds_ratio", "z"]].round(3)
      code_id  log_odds_ratio      z
    0       X           1.386  1.601
    1       Y          -1.386 -1.601
    """
    if not isinstance(by, str):
        raise ParameterError("distinctive_themes compares one grouping at a time: give by as one column name")
    if prior_strength <= 0:
        raise ParameterError(f"prior_strength must be positive, not {prior_strength!r}")
    matrix = theme_matrix(codings, segments, by, sessions=sessions, codebook=codebook, level=level, coders=coders)
    y_i = matrix["n_coded"].to_numpy(dtype=float)
    code_total = matrix.groupby("code_id")["n_coded"].transform("sum").to_numpy(dtype=float)
    n_i = matrix.groupby(by)["n_coded"].transform("sum").to_numpy(dtype=float)
    n_all = y_i.sum()
    a_w = prior_strength * code_total / n_all
    y_j, n_j = code_total - y_i, n_all - n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y_i + a_w) / (n_i + prior_strength - y_i - a_w))
                 - np.log((y_j + a_w) / (n_j + prior_strength - y_j - a_w)))
        se = np.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
    z = delta / se
    p = 2 * stats.norm.sf(np.abs(z))
    rest_segments = matrix.groupby("code_id")["n_segments"].transform("sum") - matrix["n_segments"]
    table = matrix[[by, "code_id", "n_coded"]].assign(
        n_coded_rest=(code_total - y_i).astype(np.int64), coverage=matrix["coverage"],
        coverage_rest=np.where(rest_segments > 0, (code_total - y_i) / rest_segments, np.nan),
        log_odds_ratio=delta, se=se, z=z, p_value=p,
    )
    table["p_holm"] = holm(table["p_value"], groups=table[by])
    table["direction"] = np.select([(table["p_holm"] < alpha) & (table["z"] > 0),
                                    (table["p_holm"] < alpha) & (table["z"] < 0)], ["more", "less"], "")
    return table.sort_values([by, "z"], ascending=[True, False], ignore_index=True)


def themes_over_rounds(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    sessions: pd.DataFrame,
    by: str = "country",
    *,
    codebook: Codebook | None = None,
    level: Level = "code",
    coders: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Coverage of each code (or code group) round by round, side by side for each country.

    Rounds are each country's own action-learning cycles (round 1 is its first),
    so "round 2" is comparable in sequence, not in calendar time.

    Parameters
    ----------
    codings, segments, sessions
        Codings, segments and sessions tables.
    by
        ``"country"`` or ``"campaign_id"``.
    codebook, level, coders
        As for :func:`theme_matrix`.

    Returns
    -------
    pandas.DataFrame
        ``by``, round, code_id, n_coded, n_segments, coverage.

    Examples
    --------
    >>> ses = pd.DataFrame({"session_id": ["A", "B"], "round": [1, 2]})
    >>> seg = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "session_id": ["A", "B", "B"], "country": "ghana"})
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s2"], "code_id": ["X", "X"], "coder": "a"})
    >>> themes_over_rounds(cod, seg, ses)
      country  round code_id  n_coded  n_segments  coverage
    0   ghana      1       X        1           1       1.0
    1   ghana      2       X        1           2       0.5
    """
    return theme_matrix(codings, segments, [by, "round"], sessions=sessions, codebook=codebook, level=level,
                        coders=coders)


# --------------------------------------------------------------------------- case comparison (QCA)


@dataclass(frozen=True)
class ConditionRule:
    """How one campaign-level condition (or the outcome) is calibrated from the data.

    A campaign is in the set (1) when the **harvest** shows it, at least
    ``min_outcomes`` outcomes matching the filters and making up at least
    ``min_share`` of the campaign's outcomes, **or** the **sessions** show it: at
    least ``min_coverage`` of the segments of the campaign's reflection sessions
    carry one of ``codes``. Empty filters match everything; ``min_coverage=None``
    (or no ``codes``) leaves the sessions out.

    Attributes
    ----------
    name
        Column name in the calibrated table (QCA notation: no ``*``, ``+``, ``~``).
    meaning
        The condition in plain words, for the report.
    actor_types, types_of_change, components, valence, substantiation
        Filters on the outcome columns ``actor_type``, ``type_of_change``,
        ``strategic_components`` (any of these ``SC-*`` ids), ``valence`` and
        ``substantiation``.
    min_outcomes, min_share
        Harvest thresholds.
    codes, min_coverage
        Session-coding evidence and its threshold (a share of segments).
    """

    name: str
    meaning: str
    actor_types: tuple[str, ...] = ()
    types_of_change: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    valence: tuple[str, ...] = ()
    substantiation: tuple[str, ...] = ()
    min_outcomes: int = 1
    min_share: float = 0.0
    codes: tuple[str, ...] = ()
    min_coverage: float | None = 0.15


#: The five campaign conditions of the comparison, calibrated from the data.
#: Thresholds: one matching outcome is evidence enough because each is a substantiable
#: change in a named actor's behaviour; 15 % of a campaign's segments is about one turn
#: in seven of its reflection sessions, well above a passing mention. A membership base
#: needs community groups in at least 15 % of the outcomes, because a single community
#: action happens in almost any campaign.
CONDITION_RULES: tuple[ConditionRule, ...] = (
    ConditionRule("BROAD_COALITION", "a broad coalition: a civil-society organisation changed with coalition work "
                  "credited, or the sessions dwell on forming coalitions",
                  actor_types=("cso",), components=("SC-COALITION",), codes=("CO-FORM-COALITION", "SC-COALITION")),
    ConditionRule("AUDIT_OR_PARLIAMENT", "engagement with the audit institution or the legislature: one of them "
                  "changed, or the sessions dwell on them",
                  actor_types=("audit-institution", "legislature"), codes=("AE-SAI", "AE-LEGISLATURE")),
    ConditionRule("INSIDE_ALLIES", "inside allies in government: a new relationship with the executive, or the "
                  "sessions dwell on the sandwich strategy",
                  actor_types=("executive",), types_of_change=("relationship",), codes=("ARC-SANDWICH",)),
    ConditionRule("MEMBERSHIP_BASE", "a membership base: community groups themselves act in at least 15 % of the "
                  "outcomes, or the sessions dwell on bottom-up agency and power",
                  actor_types=("community",), min_share=0.15, codes=("SC-AGENCY", "OA-POWER")),
    ConditionRule("MEDIA", "media work: the media changed how they cover the issue, or the sessions dwell on media "
                  "and public discourse", actor_types=("media",), codes=("AE-MEDIA", "SC-DISCOURSE")),
)

#: The outcome of the case comparison: a positive policy or budget change confirmed by an informant.
OUTCOME_RULE = ConditionRule(
    "POLICY_BUDGET_CHANGE", "a substantiated policy or budget change: a positive policy or budget outcome that an "
    "independent informant confirmed fully or partially",
    types_of_change=("policy", "budget"), valence=("positive",), substantiation=CONFIRMED, min_coverage=None,
)


def _in(values: pd.Series, allowed: tuple[str, ...]) -> np.ndarray:
    if not allowed:
        return np.ones(len(values), dtype=bool)
    return values.astype("string").str.strip().isin(allowed).fillna(False).to_numpy(dtype=bool)


def _check_rules(rules: Sequence[ConditionRule], codebook: Codebook | None) -> None:
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ParameterError(f"two rules share a name: {names}")
    if codebook is None:
        return
    known = set(codebook_table(codebook)["code_id"])
    vocabularies = codebook.vocabularies
    for rule in rules:
        for code in (*rule.codes, *rule.components):
            if code not in known:
                raise CodebookError(f"the rule for {rule.name} uses the code {code!r}, which the codebook lacks",
                                    file=codebook.source, value=code,
                                    fix="update the rule (dataclasses.replace) or the codebook")
        for field_name, vocabulary_name in (("actor_types", "actor_type"), ("types_of_change", "type_of_change")):
            if vocabulary_name in vocabularies:
                allowed = set(vocabularies[vocabulary_name]["id"])
                for value in getattr(rule, field_name):
                    if value not in allowed:
                        raise CodebookError(f"the rule for {rule.name} uses the {vocabulary_name} {value!r}, which "
                                            "the codebook's vocabulary lacks", file=codebook.source, value=value,
                                            fix=f"use one of: {', '.join(sorted(allowed))}")


def campaign_conditions(
    stacked: Stacked,
    registry: Registry,
    codebook: Codebook | None = None,
    *,
    sectors: Sequence[str] | None = None,
    rules: Sequence[ConditionRule] = CONDITION_RULES,
    outcome: ConditionRule = OUTCOME_RULE,
) -> pd.DataFrame:
    """Calibrate campaign-level conditions and the outcome (crisp sets, 0/1) from the data.

    Each condition follows its :class:`ConditionRule` (see :data:`CONDITION_RULES`
    for the defaults and :func:`condition_rules` for a table to print): evidence
    from the outcome harvest or from the codings of the campaign's reflection
    sessions (a session on several campaigns counts for each; a segment carries a
    code if any coder applied it). The outcome (:data:`OUTCOME_RULE`) uses the
    harvest only. Every campaign of the registry gets a row, with zeros if it has
    no data.

    Parameters
    ----------
    stacked
        Processed tables of the countries compared (:func:`load_processed`).
    registry
        Countries and campaigns.
    codebook
        If given, the rules' codes and vocabulary values are checked against it.
    sectors
        Keep only the campaigns of these sectors (None or empty: all).
    rules, outcome
        Calibration rules (replace thresholds with ``dataclasses.replace``).

    Returns
    -------
    pandas.DataFrame
        One row per campaign of the compared countries: campaign_id, country,
        sector, one 0/1 column per rule and the outcome, then the evidence for
        each: ``<NAME>_outcomes`` (matching outcomes), ``<NAME>_share`` (of the
        campaign's outcomes; NaN without outcomes) and ``<NAME>_coverage`` (share
        of the campaign's session segments with the codes; NaN without segments).

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> reg = load_registry()
    >>> out = pd.DataFrame({"outcome_id": ["KE-O001"], "country": ["kenya"], "campaign_id": ["ke-baringo-water"],
    ...     "actor_type": ["legislature"], "type_of_change": ["budget"], "strategic_components": ["SC-ECOSYSTEM"],
    ...     "valence": ["positive"], "substantiation": ["fully"]})
    >>> none = pd.DataFrame(columns=["session_id", "campaign_ids", "segment_id", "code_id", "coder"])
    >>> data = Stacked(("kenya",), none, none, none, out)
    >>> campaign_conditions(data, reg)[["campaign_id", "AUDIT_OR_PARLIAMENT", "MEDIA", "POLICY_BUDGET_CHANGE"]]
             campaign_id  AUDIT_OR_PARLIAMENT  MEDIA  POLICY_BUDGET_CHANGE
    0  ke-primary-health                    0      0                     0
    1   ke-baringo-water                    1      0                     1
    """
    rules = [*rules, outcome]
    _check_rules(rules, codebook)
    outcomes = stacked.outcomes
    _require(outcomes, ["campaign_id", "actor_type", "type_of_change", "strategic_components", "valence",
                        "substantiation"], "outcomes")
    kept = registry.campaigns["country"].isin(stacked.countries)
    if sectors:
        kept &= registry.campaigns["sector"].isin(sectors)
    campaigns = registry.campaigns.loc[kept, ["campaign_id", "country", "sector"]].reset_index(drop=True)
    _unknown_campaigns(outcomes, ~outcomes["campaign_id"].isin(registry.campaigns["campaign_id"]), registry.source)
    index = pd.Index(campaigns["campaign_id"])
    n_outcomes = outcomes.groupby("campaign_id").size().reindex(index, fill_value=0).to_numpy()

    coded_codes = sorted({c for r in rules if r.min_coverage is not None for c in r.codes})
    coverage_of: dict[str, np.ndarray] = {}
    if coded_codes:
        units = _segment_units(stacked.segments, stacked.sessions, ["campaign_id"])
        per_campaign = units.groupby("campaign_id").size().reindex(index, fill_value=0).to_numpy()
        coded = _coded_segments(stacked.codings, stacked.segments, None, "code", None)
        for rule in rules:
            if rule.min_coverage is None or not rule.codes:
                continue
            hit = coded.loc[coded["code_id"].isin(rule.codes), "segment_id"].unique()
            n_hit = units.loc[units["segment_id"].isin(hit)].groupby("campaign_id").size()
            with np.errstate(divide="ignore", invalid="ignore"):
                coverage_of[rule.name] = np.where(per_campaign > 0, n_hit.reindex(index, fill_value=0).to_numpy()
                                                  / per_campaign, np.nan)

    components = outcomes["strategic_components"].fillna("").astype(str).str.split(";")
    flags, evidence = {}, {}
    for rule in rules:
        match = (_in(outcomes["actor_type"], rule.actor_types) & _in(outcomes["type_of_change"], rule.types_of_change)
                 & _in(outcomes["valence"], rule.valence) & _in(outcomes["substantiation"], rule.substantiation))
        if rule.components:
            match &= components.map(lambda ids: any(c.strip() in rule.components for c in ids)).to_numpy(dtype=bool)
        count = outcomes.loc[match].groupby("campaign_id").size().reindex(index, fill_value=0).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(n_outcomes > 0, count / n_outcomes, np.nan)
        member = (count >= rule.min_outcomes) & (np.nan_to_num(share) >= rule.min_share)
        evidence[f"{rule.name}_outcomes"] = count
        evidence[f"{rule.name}_share"] = share
        if rule.name in coverage_of:
            member |= np.nan_to_num(coverage_of[rule.name]) >= rule.min_coverage
            evidence[f"{rule.name}_coverage"] = coverage_of[rule.name]
        flags[rule.name] = member.astype(np.int64)
    return campaigns.assign(**flags, **evidence)


def condition_rules(
    rules: Sequence[ConditionRule] = CONDITION_RULES, outcome: ConditionRule = OUTCOME_RULE,
    *, labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The calibration rules as a table for the report.

    ``labels`` (code or vocabulary id -> label) shows codes and components as readers know
    them ("Bolster agency from the bottom up" rather than ``SC-AGENCY``).

    Returns
    -------
    pandas.DataFrame
        name, role (``"condition"`` or ``"outcome"``), meaning, harvest (the outcome
        filter and threshold in words), sessions (codes and threshold, or ``""``).

    Examples
    --------
    >>> condition_rules().loc[1, ["name", "harvest"]].tolist()
    ['AUDIT_OR_PARLIAMENT', "at least one outcome where the social actor is 'audit-institution' or 'legislature'"]
    >>> condition_rules(labels={"audit-institution": "Supreme audit institution"}).loc[1, "harvest"]
    "at least one outcome where the social actor is 'Supreme audit institution' or 'legislature'"
    """

    shown = dict(labels or {})

    def words(values) -> str:
        quoted = [f"'{shown.get(v, v)}'" for v in values]
        return " or ".join(quoted)

    def harvest(rule: ConditionRule) -> str:
        clauses = [f"{what} {words(values)}" for what, values in (
            ("the social actor is", rule.actor_types), ("the type of change is", rule.types_of_change),
            ("the strategic components include", rule.components), ("the valence is", rule.valence),
            ("the informant's verdict is", rule.substantiation)) if values]
        many = "one outcome" if rule.min_outcomes == 1 else _count(rule.min_outcomes, "outcome")
        text = f"at least {many}"
        if clauses:
            text += " where " + (clauses[0] if len(clauses) == 1
                                 else ", ".join(clauses[:-1]) + " and " + clauses[-1])
        if rule.min_share:
            text += (f", {'such outcomes' if clauses else 'they'} making up at least {rule.min_share:.0%} of "
                     "the campaign's outcomes")
        return text

    def sessions(rule: ConditionRule) -> str:
        if rule.min_coverage is None or not rule.codes:
            return ""
        return (f"or at least {rule.min_coverage:.0%} of the speaker turns in the campaign's reflection sessions "
                f"coded {words(rule.codes)}")

    all_rules = [*rules, outcome]
    return pd.DataFrame({
        "name": [r.name for r in all_rules],
        "role": ["condition"] * len(rules) + ["outcome"],
        "meaning": [r.meaning for r in all_rules],
        "harvest": [harvest(r) for r in all_rules],
        "sessions": [sessions(r) for r in all_rules],
    })


@dataclass(frozen=True)
class CaseComparison:
    """What :func:`case_comparison` returns: the QCA tables ready for the report.

    Attributes
    ----------
    conditions, outcome
        As given.
    truth_table
        :func:`sparklearn.qca.truth_table` output (observed configurations).
    solutions
        The complex and parsimonious solutions stacked: ``kind`` (``"complex"`` or
        ``"parsimonious"``) then :data:`sparklearn.qca.SOLUTION_COLUMNS`. Empty if
        no configuration is positive.
    simplifying_assumptions
        Remainders the parsimonious solution(s) assume would show the outcome:
        ``solution``, the conditions, ``configuration``, ``n``.
    n_cases
        Cases (campaigns) compared.
    warnings
        Plain-words caveats for the reader.
    """

    conditions: tuple[str, ...]
    outcome: str
    truth_table: pd.DataFrame
    solutions: pd.DataFrame
    simplifying_assumptions: pd.DataFrame
    n_cases: int
    warnings: tuple[str, ...]


def case_comparison(
    cases: pd.DataFrame,
    conditions: Sequence[str] = tuple(r.name for r in CONDITION_RULES),
    outcome: str = OUTCOME_RULE.name,
    *,
    case: str = "campaign_id",
    incl_cut: float = 1.0,
    n_cut: int = 1,
) -> CaseComparison:
    """Crisp-set QCA of the calibrated campaigns: truth table, complex and parsimonious solutions.

    Calls :func:`sparklearn.qca.truth_table` and :func:`sparklearn.qca.minimise`
    twice: the complex (conservative) solution treats unobserved configurations as
    not leading to the outcome; the parsimonious one lets the minimisation assume
    whatever simplifies, and lists those simplifying assumptions. Consistency and
    coverage are reported per term and per solution.

    Parameters
    ----------
    cases
        One row per case with 0/1 columns (:func:`campaign_conditions`).
    conditions
        Condition columns.
    outcome
        Outcome column; ``"~NAME"`` analyses its absence.
    case
        Column naming the cases.
    incl_cut, n_cut
        Least consistency for a configuration to count as positive (1.0: no
        contradicting case tolerated, as befits a dozen cases) and least cases.

    Returns
    -------
    CaseComparison

    Examples
    --------
    >>> cases = pd.DataFrame({"campaign_id": list("abcdef"), "A": [1, 1, 0, 0, 1, 0], "B": [1, 0, 1, 0, 1, 1],
    ...                       "Y": [1, 0, 0, 0, 1, 0]})
    >>> qca_result = case_comparison(cases, ["A", "B"], "Y")
    >>> qca_result.solutions[["kind", "expression", "consistency", "raw_coverage"]]
               kind expression  consistency  raw_coverage
    0       complex        A*B          1.0           1.0
    1  parsimonious        A*B          1.0           1.0
    """
    conditions = tuple(conditions)
    table = qca.truth_table(cases, conditions, outcome, case=case, incl_cut=incl_cut, n_cut=n_cut)
    k, n_cases = len(conditions), len(cases)
    notes = []
    if len(table) < 2 ** k:
        notes.append(f"{len(table)} of the {2 ** k} possible configurations of {k} conditions are observed in "
                     f"{n_cases} cases; the other {2 ** k - len(table)} are logical remainders (limited diversity)")
    contradictory = table.loc[table["contradictory"], "cases"].tolist()
    if contradictory:
        notes.append(f"{_count(len(contradictory), 'configuration')} "
                     f"{'holds' if len(contradictory) == 1 else 'hold'} cases both with and without the outcome "
                     f"(contradictions): {' | '.join(contradictory)}; look at those cases again")
    notes.append(f"{n_cases} cases and {k} conditions: with few cases per condition, random data too can give "
                 "contradiction-free truth tables (Marx and Dusa 2011); read the solutions as hypotheses to check "
                 "in the cases, not as findings")
    parts, assumptions = [], []
    for kind in ("complex", "parsimonious"):
        try:
            result = qca.minimise(table, conditions, include=kind)
        except InputError as err:
            notes.append(f"no {kind} solution: {err.message}")
            continue
        parts.append(result.solutions.assign(kind=kind))
        if kind == "parsimonious":
            assumptions.append(result.simplifying_assumptions)
            used = result.simplifying_assumptions["configuration"].nunique()
            if used:
                notes.append(f"the parsimonious solution assumes that {_count(used, 'unobserved configuration')} "
                             "would show the outcome (simplifying assumptions, listed): check that each is plausible")
        if result.solutions["solution"].max() > 1:
            notes.append(f"{result.solutions['solution'].max()} {kind} solutions fit equally well (model ambiguity)")
    columns = ["kind", *qca.SOLUTION_COLUMNS]
    solutions = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    assumed = assumptions[0] if assumptions else pd.DataFrame(columns=["solution", *conditions, "configuration", "n"])
    return CaseComparison(conditions, outcome, table, solutions, assumed, n_cases, tuple(notes))


# --------------------------------------------------------------------------- sentences for the report


def as_percent(share: pd.Series) -> pd.Series:
    """Shares (0 to 1) as percentages with one decimal, as text for report tables; missing -> "".

    Examples
    --------
    >>> as_percent(pd.Series([0.625, float("nan"), 1.0])).tolist()
    ['62.5', '', '100.0']
    """
    return share.map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f}")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def format_p(p: float) -> str:
    """A p-value for a table cell, as the sentences write it: ``< 0.001``, ``0.012``, ``0.36``; NaN -> ``""``.

    Examples
    --------
    >>> [format_p(p) for p in (0.00004, 0.0123, 0.357, float("nan"))]
    ['< 0.001', '0.012', '0.36', '']
    """
    return "" if pd.isna(p) else _p(float(p)).removeprefix("p = ").removeprefix("p ")


def _words(name: str) -> str:
    return name.replace("_", " ")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``1 country``, ``3 countries``, ``0 outcomes``.

    Examples
    --------
    >>> _count(1, "country"), _count(3, "country"), _count(2, "simplifying assumption"), _count(1, "day")
    ('1 country', '3 countries', '2 simplifying assumptions', '1 day')
    """
    if n == 1:
        return f"1 {noun}"
    if plural is None:
        plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou") else noun + "s"
    return f"{n} {plural}"


def _shown(value: object, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """A value as readers know it: its country name, else its label, else itself."""
    names, labels = names or {}, labels or {}
    return str(names.get(value, labels.get(value, value)))


def _relabel(text: str, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """``text`` with every whole-word slug or id in ``names`` / ``labels`` replaced by its name or label.

    The caveats are written by the analysis functions, which list values as they are in
    the data (``south-africa``, ``OA-ACCOUNT``); a slug counts as a word only if no
    letter, digit, ``_`` or ``-`` touches it, so ``india`` is not found in ``indonesia``.
    """
    mapping = {str(k): str(v) for k, v in {**(labels or {}), **(names or {})}.items() if str(k)}
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _strength(v: float, rows: int, cols: int) -> str:
    """Cohen's (1988) benchmarks for Cramér's V, scaled by the table's smaller dimension."""
    scale = np.sqrt(max(min(rows, cols) - 1, 1))
    return ("negligible" if v < 0.1 / scale else "weak" if v < 0.3 / scale
            else "moderate" if v < 0.5 / scale else "strong")


_TEST_NAMES = {"chi-square": "chi-square test", "fisher exact": "Fisher's exact test",
               "monte-carlo exact": "Monte-Carlo exact test"}


def describe_contingency(result: ContingencyResult, *, alpha: float = 0.05, max_cells: int = 3,
                         names: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`contingency`: effect size, test, notable cells, caveats.

    The strength of Cramér's V is worded with Cohen's (1988) benchmarks for the
    table's smaller dimension; a 2 x 2 table is described by its odds ratio.

    Parameters
    ----------
    result
        From :func:`contingency`.
    alpha
        Level the test's p-value is read against.
    max_cells
        Most cells that stand out named.
    names, labels
        Country slug -> name and code or vocabulary id -> label: every value named
        (cells that stand out, values in the caveats) is looked up in ``names``,
        then ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> print(describe_contingency(contingency(o, "country", "level")))
    Country and level are moderately associated in these 60 outcomes (Cramér's V = 0.43), more than chance
    easily produces with these totals (chi-square test, p < 0.001). The odds ratio is 6.2 (95% CI 1.8 to 23.1).
    An association describes these harvests; it does not show why they differ.
    """
    row, col = _words(result.row), _words(result.col)
    caveats = " ".join(f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings)
    if result.test == "none":
        return f"No test of {row} against {col} was possible. {caveats}".strip()
    strength = _strength(result.cramers_v, *result.table.shape)
    test = f"{_TEST_NAMES[result.test]}, {_p(result.p_value)}"
    if result.p_value < alpha:
        adverb = {"negligible": "negligibly", "weak": "weakly", "moderate": "moderately", "strong": "strongly"}
        text = (f"{row.capitalize()} and {col} are {adverb[strength]} associated in these {result.n} outcomes "
                f"(Cramér's V = {result.cramers_v:.2f}), more than chance easily produces with these totals "
                f"({test}).")
    else:
        text = (f"The association between {row} and {col} in these {result.n} outcomes (Cramér's V = "
                f"{result.cramers_v:.2f}, {strength} by Cohen's benchmarks) is within what chance produces with "
                f"these totals ({test}).")
    if not np.isnan(result.odds_ratio):
        low, high = result.odds_ratio_ci
        text += f" The odds ratio is {result.odds_ratio:.1f} (95% CI {low:.1f} to {high:.1f})."
    else:
        notable = result.cells.loc[result.cells["notable"]]
        notable = notable.reindex(notable["adjusted_residual"].abs().sort_values(ascending=False).index)
        if len(notable):
            described = [
                f"{_shown(r[result.row], names, labels)} has {'more' if r['adjusted_residual'] > 0 else 'fewer'} "
                f"outcomes in '{_shown(r[result.col], names, labels)}' "
                f"than expected if every {_words(result.row)} spread its outcomes alike ({r['observed']} observed, {r['expected']:.1f} expected; adjusted "
                f"residual {r['adjusted_residual']:+.1f})" for r in notable.head(max_cells).to_dict("records")]
            text += (f" Cells that stand out (after Holm correction over {len(result.cells)} cells): "
                     + "; ".join(described) + ".")
        else:
            text += f" No single cell stands out after Holm correction over {len(result.cells)} cells."
    text += " An association describes these harvests; it does not show why they differ."
    return f"{text} {caveats}".strip()


def describe_rate_ratios(result: RateRatios, *, max_terms: int = 5, names: Mapping[str, str] | None = None,
                         labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`rate_ratios`: ratios with intervals and caveats.

    First which intervals exclude 1 (the levels whose rate is hard to reconcile with the
    reference's) and which include it, naming every level; then the ratios one by one,
    those whose interval excludes 1 first, at most ``max_terms`` of them (the text says
    which are left to the table and figure).

    Parameters
    ----------
    result
        From :func:`rate_ratios`.
    max_terms
        Most levels described one by one.
    names, labels
        Country slug -> name and id -> label: every level named (the reference,
        each term, levels in the caveats) is looked up in ``names``, then
        ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> e = pd.DataFrame({"campaign_id": list("abcdef"), "country": list("uvwxyz"),
    ...                   "sector": ["health"] * 3 + ["water"] * 3, "start": pd.Timestamp("2020-01-01"),
    ...                   "end": pd.Timestamp("2024-01-01"), "campaign_months": [10.0, 20, 30, 10, 20, 40],
    ...                   "n_sessions": 1, "session_share": 1.0})
    >>> o = pd.DataFrame({"campaign_id": list("a" * 2 + "b" * 4 + "c" * 6 + "d" * 4 + "e" * 8 + "f" * 16),
    ...                   "date": pd.Timestamp("2021-01-01")})
    >>> print(describe_rate_ratios(rate_ratios(o, e, by="sector")))
    Outcomes per campaign-month by sector, compared with a Poisson model (the standard model for counts) over 6
    campaigns; the reference is water (0.40 outcomes per campaign-month). The interval of health excludes 1. health: 0.50 times the
    reference rate (95% CI 0.25 to 0.98; p = 0.045 after Holm correction). An interval that excludes 1 means
    the data are hard to reconcile with equal rates; one that includes 1 means they are compatible with no
    difference (and with a sizeable one).
    """
    ref = result.table.loc[result.table["reference"]].iloc[0]
    model = ("Poisson model (the standard model for counts)" if result.family == "poisson" else
             "negative-binomial model (a model for counts that allows them to vary between campaigns more than "
             "chance alone would)")
    sentences = [f"Outcomes per campaign-month by {_words(result.by)}, compared with a {model} over {result.n} "
                 f"campaigns; the reference is {_shown(ref['term'], names, labels)} ({ref['rate']:.2f} outcomes per "
                 "campaign-month)."]
    terms = result.table.loc[~result.table["reference"] & result.table["ci_low"].notna()].assign(
        excludes=lambda t: (t["ci_low"] > 1) | (t["ci_high"] < 1))
    terms = terms.sort_values(["excludes", "rate_ratio"], ascending=[False, False])
    excluding = [_shown(t, names, labels) for t in terms.loc[terms["excludes"], "term"]]
    including = [_shown(t, names, labels) for t in terms.loc[~terms["excludes"], "term"]]
    compatible = "the data are compatible with the reference rate"
    if not excluding and len(including) == 1:
        sentences.append(f"The interval of {including[0]} includes 1: {compatible}.")
    elif not excluding and including:
        sentences.append(f"None of the {len(including)} intervals excludes 1: for every {_words(result.by)} "
                         f"{compatible}.")
    elif excluding and not including:
        sentences.append(f"The interval of {excluding[0]} excludes 1." if len(excluding) == 1
                         else f"All {len(excluding)} intervals exclude 1.")
    elif excluding:
        which = (f"Only the interval of {excluding[0]} excludes 1" if len(excluding) == 1
                 else f"The intervals of {_and_list(excluding)} exclude 1")
        sentences.append(f"{which}; for {'the other' if len(including) == 1 else 'the others'} "
                         f"({_and_list(including)}) {compatible}.")
    shown, rest = terms.head(max_terms), terms.iloc[max_terms:]
    sentences += [f"{_shown(r['term'], names, labels)}: {r['rate_ratio']:.2f} times the reference rate (95% CI "
                  f"{r['ci_low']:.2f} to {r['ci_high']:.2f}; {_p(r['p_holm'])} after Holm correction)."
                  for r in shown.to_dict("records")]
    if len(rest):
        sentences.append(f"The ratio{'s' if len(rest) > 1 else ''} of "
                         f"{_and_list([_shown(t, names, labels) for t in rest['term']])} "
                         f"{'are' if len(rest) > 1 else 'is'} not described one by one here but shown in the "
                         "figure.")
    sentences.append("An interval that excludes 1 means the data are hard to reconcile with equal rates; one that "
                     "includes 1 means they are compatible with no difference (and with a sizeable one).")
    sentences += [f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings]
    return " ".join(sentences)


def describe_substantiation(table: pd.DataFrame, by: str = "country", *, names: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`substantiation_by`, group by group.

    Parameters
    ----------
    table
        From :func:`substantiation_by`.
    by
        Its grouping column.
    names, labels
        Country slug -> name and id -> label: each group is looked up in
        ``names``, then ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 5,
    ...                   "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet"]})
    >>> print(describe_substantiation(substantiation_by(o)))
    Of 5 outcomes, 3 (60%) have been checked with an independent informant, who confirmed 2 fully or partially.
    By country: ghana 3 of 5 checked, 2 confirmed (67%, 95% CI 21% to 94%). Outcomes are not picked for checking
    at random, so a high confirmation rate may reflect which outcomes were checked as much as how sound the
    harvest is.
    """
    total, checked = int(table["n_outcomes"].sum()), int(table["n_checked"].sum())
    confirmed = int((table["n_fully"] + table["n_partially"]).sum())
    parts = []
    for r in table.to_dict("records"):
        part = f"{_shown(r[by], names, labels)} {r['n_checked']} of {r['n_outcomes']} checked"
        if r["n_checked"]:
            part += (f", {r['n_fully'] + r['n_partially']} confirmed ({r['share_confirmed']:.0%}, 95% CI "
                     f"{r['confirmed_low']:.0%} to {r['confirmed_high']:.0%})")
        parts.append(part)
    return (f"Of {total} outcomes, {checked} ({checked / total:.0%}) have been checked with an independent informant, "
            f"who confirmed {confirmed} fully or partially. By {_words(by)}: " + "; ".join(parts) + ". Outcomes are "
            "not picked for checking at random, so a high confirmation rate may reflect which outcomes were checked "
            "as much as how sound the harvest is.")


def describe_distinctive(table: pd.DataFrame, by: str = "country", *, labels: Mapping[str, str] | None = None,
                         top: int = 3, names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`distinctive_themes`: each group's most distinctive codes.

    Parameters
    ----------
    table
        From :func:`distinctive_themes`.
    by
        Its grouping column.
    labels
        Code id -> label, for the codes named.
    top
        Most codes named per group and direction.
    names
        Country slug -> name, for the groups; a group not in it is looked up in
        ``labels``, then shown as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["ghana", "ghana"], "code_id": ["X", "Y"], "z": [3.2, -2.9],
    ...                   "coverage": [0.3, 0.01], "coverage_rest": [0.1, 0.08], "direction": ["more", "less"]})
    >>> print(describe_distinctive(t, labels={"X": "Follow the money"}))
    ghana's segments are coded more often with 'Follow the money' (30% of segments against 10% elsewhere, z =
    +3.2); and less often with 'Y' (1% against 8%, z = -2.9). Distinctive means the difference is larger than chance would make it after Holm correction
    within each country (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking
    distinctive by chance); segments of one session are
    not independent, so read this as a ranking.
    """
    labels = labels or {}
    sentences = []
    for group, part in table.groupby(by, sort=True):
        group = _shown(group, names, labels)
        def listed(rows: pd.DataFrame, first: bool) -> str:
            items = [f"'{labels.get(r['code_id'], r['code_id'])}' ({r['coverage']:.0%}"
                     + (" of segments against " if first and i == 0 else " against ")
                     + f"{r['coverage_rest']:.0%}{' elsewhere' if first and i == 0 else ''}, z = {r['z']:+.1f})"
                     for i, r in enumerate(rows.to_dict("records"))]
            return _and_list(items, limit=len(items))

        more = part.loc[part["direction"] == "more"].sort_values("z", ascending=False).head(top)
        less = part.loc[part["direction"] == "less"].sort_values("z").head(top)
        if not len(more) and not len(less):
            sentences.append(f"{group} has no code that stands out beyond chance.")
            continue
        clauses = ([f"more often with {listed(more, True)}"] if len(more) else []) + (
            [f"less often with {listed(less, not len(more))}"] if len(less) else [])
        sentences.append(f"{group}'s segments are coded " + "; and ".join(clauses) + ".")
    return " ".join(sentences) + (
        " Distinctive means the difference is larger than chance would make it after Holm correction within each "
        f"{_words(by)} (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking distinctive "
        "by chance); segments of one session are not "
        "independent, so read this as a ranking.")


def combination_words(expression: str, labels: Mapping[str, str] | None = None, *, capitals: bool = True) -> str:
    """A QCA expression in words: ``*`` reads "and", ``~`` "not", ``+`` "or".

    Parameters
    ----------
    expression
        A combination (``A*~B``) or a solution (``A*~B + C``), as in the ``term`` and
        ``expression`` columns of :attr:`CaseComparison.solutions`.
    labels
        Condition name -> words (``{"MEDIA": "media work"}``); a name not in it is shown as it is.
    capitals
        Write the connectives AND, NOT, OR in capitals, so that they stand out from
        the conditions' own words in a table.

    Examples
    --------
    >>> combination_words("BROAD_COALITION*~AUDIT_OR_PARLIAMENT", {"BROAD_COALITION": "a broad coalition",
    ...                   "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament"})
    'a broad coalition AND NOT engagement with audit or parliament'
    >>> combination_words("A*~B + C", capitals=False)
    'A and not B, or C'
    """
    labels = labels or {}
    and_, not_, or_ = ("AND", "NOT", "OR") if capitals else ("and", "not", "or")

    def literal(lit: str) -> str:
        name = lit.strip().lstrip("~")
        return (f"{not_} " if lit.strip().startswith("~") else "") + labels.get(name, name)

    return f", {or_} ".join(f" {and_} ".join(literal(x) for x in term.split("*"))
                            for term in expression.split(" + "))


def _boolean_words(expression: str, labels: Mapping[str, str]) -> str:
    """QCA notation in a sentence: ``A*~B + C`` -> ``A AND NOT B, OR C``.

    Capitals keep the logic apart from the conditions' own words ("engagement with audit or parliament").
    """
    return combination_words(expression, labels)


def describe_case_comparison(result: CaseComparison, *, labels: Mapping[str, str] | None = None,
                             names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`case_comparison`: solutions, their fit and the caveats.

    Parameters
    ----------
    result
        From :func:`case_comparison`.
    labels
        Condition or outcome name -> words (``{"MEDIA": "media work"}``).
    names
        Case (campaign) id or country slug -> name, for the cases listed (looked up in
        ``names``, then ``labels``) and the values named in the caveats; a case in
        neither mapping is shown as it is.

    Examples
    --------
    >>> cases = pd.DataFrame({"campaign_id": list("abcdef"), "A": [1, 1, 0, 1, 1, 0], "B": [1, 0, 1, 0, 1, 1],
    ...                       "Y": [1, 0, 0, 0, 1, 0]})
    >>> print(describe_case_comparison(case_comparison(cases, ["A", "B"], "Y"), labels={"Y": "a win"}))
    Complex solution (no assumptions about configurations no case has): a win where A AND B (consistency 1.00,
    coverage 1.00; cases a, e). Parsimonious solution: A AND B (consistency 1.00, coverage 1.00). Caveats: 3 of
    the 4 possible configurations of 2 conditions are observed in 6 cases; the other 1 are logical remainders
    (limited diversity). 6 cases and 2 conditions: with few cases per condition, random data too can give
    contradiction-free truth tables (Marx and Dusa 2011); read the solutions as hypotheses to check in the
    cases, not as findings.
    """
    labels = labels or {}
    outcome = labels.get(result.outcome.lstrip("~"), result.outcome.lstrip("~"))
    if result.outcome.startswith("~"):
        outcome = f"no {outcome}"
    text = []
    for kind in ("complex", "parsimonious"):
        part = result.solutions.loc[result.solutions["kind"] == kind]
        if not len(part):
            continue
        first = part.loc[part["solution"] == 1].iloc[0]
        fit = f"consistency {first['solution_consistency']:.2f}, coverage {first['solution_coverage']:.2f}"
        if kind == "complex":
            cases = ", ".join(_shown(c, names, labels) for c in dict.fromkeys(
                ";".join(part.loc[part["solution"] == 1, "cases"]).split(";")))
            text.append(f"Complex solution (no assumptions about configurations no case has): {outcome} where "
                        f"{_boolean_words(first['expression'], labels)} ({fit}; cases {cases}).")
        else:
            n_solutions = int(part["solution"].max())
            models = "; ".join(_boolean_words(e, labels) for e in part["expression"].unique())
            n_assumed = result.simplifying_assumptions["configuration"].nunique()
            assumed = f", resting on {_count(n_assumed, 'simplifying assumption')} about configurations no case has" \
                if n_assumed else ""
            text.append(f"Parsimonious solution{'s' if n_solutions > 1 else ''}"
                        f"{f' ({n_solutions}, equally minimal)' if n_solutions > 1 else ''}: {models} ({fit}"
                        f"{assumed}).")
    if not text:
        text.append(f"No configuration of conditions is consistently linked to {outcome}.")
    # Caveats name cases, not conditions; short condition names ("A") could match ordinary words.
    caveats = [_relabel(w, names, None) for w in result.warnings]
    return " ".join(text) + " Caveats: " + " ".join(f"{w[:1].upper()}{w[1:]}." for w in caveats)
