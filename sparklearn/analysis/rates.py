"""Comparable denominators and outcome rates: exposure, rates with intervals, rate ratios.

Stage: analysis. Seven countries and about fourteen campaigns are a small N, and a
country with more campaigns or a longer harvest has more outcomes for that reason
alone. So counts are read against what each campaign had the chance to produce:

- :func:`exposure`: per campaign, the months it was active in the period and the
  reflection sessions held (the denominators);
- :func:`outcome_rates`: outcomes per campaign-month and per session, by country or
  sector, with exact Poisson intervals; :func:`sector_comparison` puts the countries
  working in one sector side by side;
- :func:`rate_ratios`: each level's rate against a reference's, from a Poisson,
  quasi-Poisson or negative-binomial model with ``log(campaign_months)`` as offset
  (statsmodels), Wald intervals and Holm-corrected p-values
  (:func:`sparklearn.analysis.contingency.holm`); the Poisson fit is always checked for
  overdispersion, and the extra spread a result reports (``spread``) is the one its
  intervals use.

Every function takes tidy tables and returns new ones; results carry their caveats in
plain words (``warnings``), which :mod:`sparklearn.report.comparison_words` turns into
sentences. Nothing here plots or rounds.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.rates import confint_poisson
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from sparklearn.analysis.contingency import holm
from sparklearn.countries import Registry
from sparklearn.exceptions import InputError, ParameterError
from sparklearn.frames import require_columns
from sparklearn.wording import count_noun, in_words, listing

#: Average length of a month in days (Gregorian calendar): campaign-months are days / this.
DAYS_PER_MONTH = 365.25 / 12


Family = Literal["poisson", "quasipoisson", "negbin", "auto"]

#: Below this variance ratio (against Poisson's) the extra spread a model allows for is negligible:
#: its intervals are practically Poisson's, and the report says so.
NEGLIGIBLE_SPREAD = 1.1


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
    require_columns(table, ["campaign_id"], "input")
    sector = table["campaign_id"].map(registry.campaigns.set_index("campaign_id")["sector"])
    refuse_unknown_campaigns(table, sector.isna(), registry.source)
    return table.assign(sector=sector)


def refuse_unknown_campaigns(table: pd.DataFrame, unknown: pd.Series, source: object, fix: str | None = None) -> None:
    if unknown.any():
        first = table.loc[unknown].iloc[0]
        which = next((f"{c} {first[c]}" for c in ("outcome_id", "session_id") if c in table.columns), "a row")
        raise InputError(
            f"{count_noun(int(unknown.sum()), 'row')} {'names' if int(unknown.sum()) == 1 else 'name'} a campaign the "
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
    end_by: Literal["all", "country"] = "all",
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
    end_by
        Without ``period_end``: ``"all"`` ends every campaign at the latest session or
        outcome date of any country; ``"country"`` ends each country's campaigns at that
        country's own latest session or outcome date (its last harvest), so months after
        a country stopped recording do not count as months without outcomes. Sessions
        and outcomes need a ``country`` column for it.

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
    require_columns(sessions, ["session_id", "campaign_ids", "date"], "sessions")
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
    if end_by == "country" and period_end is None:
        dated = [sessions[["country", "date"]]] + ([outcomes[["country", "date"]]] if outcomes is not None else [])
        dated = pd.concat(dated, ignore_index=True).assign(date=lambda t: pd.to_datetime(t["date"], errors="coerce"))
        end = campaigns["country"].map(dated.groupby("country")["date"].max()).fillna(end)
    elif end_by not in ("all", "country"):
        raise ParameterError(f"end_by must be 'all' or 'country', not {end_by!r}")
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
    refuse_unknown_campaigns(held, opens.isna(), registry.source)
    closes = held["campaign_id"].map(pd.Series(end.to_numpy(), index=campaigns["campaign_id"])) \
        if isinstance(end, pd.Series) else end
    held = held.loc[(pd.to_datetime(held["date"]) >= opens) & (pd.to_datetime(held["date"]) <= closes)]
    per_campaign = held.groupby("campaign_id").agg(n_sessions=("session_id", "size"), session_share=("share", "sum"))
    per_campaign = per_campaign.reindex(campaigns["campaign_id"], fill_value=0)
    table = pd.DataFrame({
        "campaign_id": campaigns["campaign_id"].to_numpy(),
        "country": campaigns["country"].to_numpy(),
        "sector": campaigns["sector"].to_numpy(),
        "start": start.to_numpy(),
        "end": end.to_numpy() if isinstance(end, pd.Series) else end,
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
    require_columns(outcomes, ["campaign_id", "date"], "outcomes")
    require_columns(exposure, _EXPOSURE_COLUMNS, "exposure")
    window = exposure.set_index("campaign_id")
    opens = outcomes["campaign_id"].map(window["start"])
    refuse_unknown_campaigns(outcomes, opens.isna(), None,
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


# --------------------------------------------------------------------------- rate ratios


@dataclass(frozen=True)
class RateRatios:
    """What :func:`rate_ratios` returns.

    Attributes
    ----------
    by, reference, family
        The grouping, its reference level and the model family used
        (``"poisson"``, ``"quasipoisson"`` or ``"negbin"``).
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
    spread
        The variance the intervals allow for, as a multiple of the Poisson variance:
        1 for Poisson; the Pearson ``dispersion`` (at least 1) for quasi-Poisson; for
        the negative binomial, 1 + ``alpha_nb`` x the mean outcome count per campaign
        (its variance is mean x (1 + alpha x mean)). Below :data:`NEGLIGIBLE_SPREAD`
        the intervals are practically Poisson's.
    mean_count
        Mean outcomes per campaign in the model (for reading ``alpha_nb``).
    n
        Campaigns in the model.
    fit
        The statsmodels results object, for anyone who needs more.
    warnings
        Plain-words caveats for the reader.
    """

    by: str
    reference: str
    family: Literal["poisson", "quasipoisson", "negbin"]
    table: pd.DataFrame
    dispersion: float
    alpha_nb: float
    n: int
    fit: object
    warnings: tuple[str, ...]
    spread: float = 1.0
    mean_count: float = np.nan
    family_size: int = 0


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
    ``log(campaign_months)`` as offset (statsmodels ``GLM`` with a Poisson family;
    quasi-Poisson: the same fit with its variance scaled by the Pearson dispersion,
    ``scale`` = chi-square / df but never below 1, and t intervals on the residual
    df; or the negative-binomial model ``NegativeBinomial``, NB2, whose dispersion
    alpha is estimated by maximum likelihood). exp(coefficient) is the rate ratio of
    a level against the reference, with a Wald interval; p-values are
    Holm-corrected across levels.

    The Poisson model is always fitted to check overdispersion: if Pearson
    chi-square / df exceeds ``overdispersion``, the counts vary more between
    campaigns than a Poisson model allows and its intervals are too narrow (the
    warnings say so); ``family="auto"`` then uses the quasi-Poisson model, whose
    intervals are widened by exactly the dispersion reported. With few campaigns the
    negative binomial's maximum-likelihood alpha can come out near 0 while the
    Pearson dispersion is well above 1 (maximum likelihood does not allow for the
    degrees of freedom the rates use up); ``spread`` then says how little extra spread
    its intervals allow for.

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
        ``"poisson"``, ``"quasipoisson"``, ``"negbin"``, or ``"auto"`` (Poisson unless
        overdispersed, then quasi-Poisson).
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
    >>> rr.family, rr.spread
    ('poisson', 1.0)
    """
    if by not in ("sector", "country"):
        raise ParameterError(f"by must be 'sector' or 'country', not {by!r}")
    if family not in ("poisson", "quasipoisson", "negbin", "auto"):
        raise ParameterError(f"family must be 'poisson', 'quasipoisson', 'negbin' or 'auto', not {family!r}")
    counts = _campaign_counts(outcomes, exposure)
    notes: list[str] = []
    idle = counts["campaign_months"] <= 0
    if idle.any():
        notes.append(f"{count_noun(int(idle.sum()), 'campaign')} had no months in the period and "
                     f"{'is' if int(idle.sum()) == 1 else 'are'} left out: "
                     f"{listing(counts.loc[idle, 'campaign_id'])}")
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
        notes.append(f"no outcomes in {listing(zero)}: rate ratio 0, no interval can be estimated")
    modelled = counts.loc[~counts[by].isin(zero)]
    others = [lvl for lvl in levels.index if lvl != reference and lvl not in zero]
    # The explicit index keeps the constant's rows when every other level had no outcomes.
    exog = pd.DataFrame({lvl: (modelled[by] == lvl).astype(float).to_numpy() for lvl in others},
                        index=pd.RangeIndex(len(modelled)))
    exog.insert(0, "const", 1.0)
    endog = modelled["n_outcomes"].to_numpy(dtype=float)
    offset = np.log(modelled["campaign_months"].to_numpy(dtype=float))

    # Imported here, not at the top: the model classes pull in statsmodels' model and formula
    # machinery (0.1-0.2 s), which every country report paid for through the wording modules
    # that import this one, and only the comparison's rate ratios use.
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    glm = GLM(endog, exog, family=Poisson(), offset=offset)
    poisson = _fit_quietly(glm.fit, notes, "Poisson")
    df_resid = float(poisson.df_resid)
    dispersion = float(poisson.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
    alpha_nb, spread, mean_count = np.nan, 1.0, float(endog.mean())
    if family == "auto":
        family = "quasipoisson" if dispersion > overdispersion else "poisson"
    if family == "quasipoisson" and np.isnan(dispersion):
        family = "poisson"  # no residual df: no dispersion to scale by (the caveat below says so)
    if family == "poisson":
        fit, params, conf, pvalues = poisson, poisson.params, poisson.conf_int(alpha), poisson.pvalues
        if dispersion > overdispersion:
            notes.append(f"outcome counts vary between campaigns about {dispersion:.1f} times as much as a Poisson "
                         "model expects (Pearson chi-square / df), so these Poisson intervals are too narrow")
    elif family == "quasipoisson":
        # Never narrower than Poisson's: with few residual df a dispersion below 1 is mostly noise.
        spread = max(1.0, dispersion)
        fit = _fit_quietly(lambda: glm.fit(scale=spread, use_t=True), notes, "quasi-Poisson")
        params, conf, pvalues = fit.params, fit.conf_int(alpha), fit.pvalues
    else:
        model = NegativeBinomial(endog, exog, offset=offset)
        fit = _fit_quietly(lambda: model.fit(disp=0, maxiter=200), notes, "negative-binomial")
        names = list(exog.columns)
        params, conf, pvalues = fit.params[names], fit.conf_int(alpha).loc[names], fit.pvalues[names]
        alpha_nb = float(fit.params["alpha"])
        spread = 1.0 + alpha_nb * mean_count
    if np.isnan(dispersion):
        notes.append(f"with one campaign per {in_words(by)}, no residual degrees of freedom are left: overdispersion "
                     "cannot be checked")
    single = levels.index[levels["n"] == 1].tolist()
    if single:
        notes.append(f"{count_noun(len(single), in_words(by))} {'has' if len(single) == 1 else 'have'} a single campaign, "
                     f"so {'its' if len(single) == 1 else 'their'} 'rate' is one campaign's: {listing(single)}")

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
    return RateRatios(by, reference, family, table, dispersion, alpha_nb, len(modelled), fit, tuple(notes),
                      spread=float(spread), mean_count=mean_count)
