"""Choices that can change a conclusion, rerun under their reasonable alternatives.

Stage: analysis. Three judgements in the cross-country comparison move its key
results, and a reader should see how far:

- **The exposure window** (:func:`exposure_alternatives`). Outcomes per
  campaign-month need an end to every campaign's window. Ending every campaign at
  the latest date of *any* country counts, for a country that finished its harvest
  earlier, months in which nobody recorded outcomes as months without outcomes; ending
  each country at its own last harvest (latest session or outcome) counts only the
  months observed. On the demo data that moves Ghana from 0.28 to 0.34 outcomes per
  campaign-month, and from sixth to second place.
- **What counts as a QCA "win"** (:func:`qca_alternatives`, ``outcomes=``). A
  positive policy or budget change that an informant confirmed
  (:data:`~sparklearn.analysis.cases.OUTCOME_RULE`), or any such change the harvest
  reports and no informant disputed
  (:data:`~sparklearn.analysis.cases.REPORTED_OUTCOME_RULE`). The first makes a
  campaign whose changes are not checked yet a failure.
- **Calibration thresholds** (:func:`qca_alternatives`, ``alternative_anchors=`` and
  ``alternative_incl_cuts=``): the anchors of the conditions of degree and the
  consistency a combination needs.

Each function reruns the key results under every setting; :func:`choices_summary`
lays them side by side (choice, setting, whether it is the one chosen, result, value,
and whether the value is the same as under the chosen setting). Words for readers are
the report's job; values here are ids (country slugs, condition names, QCA
expressions), ``";"``-joined where there are several.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sparklearn.analysis import rates
from sparklearn.analysis.cases import (
    OUTCOME_RULES,
    campaign_conditions,
    campaign_degrees,
    case_scores,
    fuzzy_case_comparison,
    skewed_conditions,
)
from sparklearn.codebook import Codebook
from sparklearn.countries import Registry
from sparklearn.exceptions import ParameterError
from sparklearn.store import Stacked

#: The exposure-window settings :func:`exposure_alternatives` knows, as :func:`~sparklearn.analysis.rates.exposure`'s
#: ``end_by``: each country to its own last harvest, or every campaign to the latest harvest of any country.
EXPOSURE_SETTINGS = ("country", "all")

#: Columns of :func:`choices_summary`.
CHOICE_COLUMNS = ["choice", "setting", "chosen", "result", "value", "same_as_chosen"]


def exposure_alternatives(
    registry: Registry,
    sessions: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    settings: Sequence[str] = EXPOSURE_SETTINGS,
    countries: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    period_start: str | None = None,
    period_end: str | None = None,
) -> pd.DataFrame:
    """Outcomes per campaign-month by country under each exposure window.

    Parameters
    ----------
    registry
        Countries and campaigns.
    sessions, outcomes
        Sessions (session_id, country, campaign_ids, date) and outcomes (country,
        campaign_id, date) of the countries compared.
    settings
        ``end_by`` values of :func:`~sparklearn.analysis.rates.exposure`.
    countries, sectors, period_start, period_end
        As for :func:`~sparklearn.analysis.rates.exposure`.

    Returns
    -------
    pandas.DataFrame
        One row per setting and country: setting, country, n_outcomes,
        campaign_months, per_campaign_month, ci_low, ci_high, rank (1: highest rate;
        ties share the lower rank).

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> reg = load_registry()
    >>> ses = pd.DataFrame({"session_id": ["GH-S01", "KE-S01"], "country": ["ghana", "kenya"],
    ...                     "campaign_ids": ["gh-fertiliser", "ke-primary-health"],
    ...                     "date": pd.to_datetime(["2021-06-01", "2022-06-01"])})
    >>> out = pd.DataFrame({"country": ["ghana", "kenya"], "campaign_id": ["gh-fertiliser", "ke-primary-health"],
    ...                     "date": pd.to_datetime(["2021-05-01", "2022-05-01"])})
    >>> alt = exposure_alternatives(reg, ses, out, countries=["ghana", "kenya"])
    >>> alt.pivot(index="country", columns="setting", values="rank").astype(int).to_dict()
    {'all': {'ghana': 2, 'kenya': 1}, 'country': {'ghana': 1, 'kenya': 2}}
    """
    parts = []
    for setting in settings:
        if setting not in EXPOSURE_SETTINGS:
            raise ParameterError(f"exposure window {setting!r}: use one of {', '.join(EXPOSURE_SETTINGS)}")
        window = rates.exposure(registry, sessions, outcomes=outcomes, countries=countries, sectors=sectors,
                                period_start=period_start, period_end=period_end, end_by=setting)
        counted = outcomes.loc[outcomes["campaign_id"].isin(window["campaign_id"])]
        table = rates.outcome_rates(counted, window, by="country")
        table = table.assign(setting=setting,
                             rank=table["per_campaign_month"].rank(ascending=False, method="min").astype("int64"))
        parts.append(table[["setting", "country", "n_outcomes", "campaign_months", "per_campaign_month", "ci_low",
                            "ci_high", "rank"]])
    return pd.concat(parts, ignore_index=True)


def qca_alternatives(
    stacked: Stacked,
    registry: Registry,
    codebook: Codebook | None,
    *,
    anchors: Mapping[str, Sequence[float]],
    expectations: Mapping[str, int],
    outcome: str = "reported",
    incl_cut: float = 0.8,
    pri_cut: float = 0.5,
    outcomes: Sequence[str] = tuple(OUTCOME_RULES),
    alternative_anchors: Mapping[str, Sequence[Sequence[float]]] | None = None,
    alternative_incl_cuts: Sequence[float] = (),
    sectors: Sequence[str] | None = None,
    skew: float = 0.9,
) -> pd.DataFrame:
    """The case comparison's key results under each outcome rule and each alternative threshold.

    The chosen run uses ``outcome``, ``anchors`` and ``incl_cut``; every other run
    changes one of them: the outcome rule (each of ``outcomes``), one condition's
    anchors (each of ``alternative_anchors``), or the consistency threshold (each of
    ``alternative_incl_cuts``).

    Parameters
    ----------
    stacked, registry, codebook
        As for :func:`~sparklearn.analysis.cases.campaign_conditions`.
    anchors, expectations, incl_cut, pri_cut
        The chosen calibration and cut-offs (:func:`~sparklearn.analysis.cases.fuzzy_case_comparison`).
    outcome
        The chosen outcome rule, a key of :data:`~sparklearn.analysis.cases.OUTCOME_RULES`.
    outcomes
        Outcome rules to run.
    alternative_anchors
        ``{condition: [(out, crossover, in), ...]}``: anchors tried one at a time.
    alternative_incl_cuts
        Consistency thresholds tried.
    sectors
        Keep only these sectors' campaigns.
    skew
        Share of cases on one side of the crossover from which a condition is skewed.

    Returns
    -------
    pandas.DataFrame
        One row per run: choice (``"chosen"``, ``"outcome"``, ``"anchors"`` or
        ``"incl_cut"``), setting (the outcome rule; ``"NAME a/b/c"``; the threshold),
        chosen (bool), n_cases, n_wins (cases with the outcome), necessary
        (``";"``-joined necessary conditions, ``~`` for absence), solution (the
        intermediate solution's models, ``" | "``-joined; ``""`` for none), skewed
        (``";"``-joined conditions on one side of the crossover in at least ``skew``
        of the cases).

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> none = pd.DataFrame(columns=["session_id", "campaign_ids", "segment_id", "code_id", "coder"])
    >>> out = pd.DataFrame({"outcome_id": ["KE-O1", "KE-O2"], "country": "kenya",
    ...     "campaign_id": ["ke-baringo-water", "ke-primary-health"], "actor_type": ["legislature", "media"],
    ...     "type_of_change": ["budget", "policy"], "strategic_components": "", "valence": "positive",
    ...     "substantiation": ["fully", "not-yet"]})
    >>> runs = qca_alternatives(Stacked(("kenya",), none, none, none, out), load_registry(), None,
    ...                         anchors={"BROAD_COALITION": [1, 3.5, 5], "MEMBERSHIP_BASE": [0.05, 0.15, 0.4]},
    ...                         expectations={})
    >>> runs[["setting", "chosen", "n_wins"]].values.tolist()
    [['reported', True, 2], ['substantiated', False, 1]]
    """
    if outcome not in OUTCOME_RULES:
        raise ParameterError(f"QCA outcome {outcome!r}: use one of {', '.join(OUTCOME_RULES)}")
    degrees = campaign_degrees(stacked, registry, codebook, sectors=sectors)
    scores_of = {}

    def scores(rule_name: str) -> pd.DataFrame:
        if rule_name not in scores_of:
            conditions = campaign_conditions(stacked, registry, codebook, sectors=sectors,
                                             outcome=OUTCOME_RULES[rule_name])
            scores_of[rule_name] = case_scores(conditions, degrees)
        return scores_of[rule_name]

    runs = [("chosen", outcome, True, outcome, dict(anchors), incl_cut)]
    runs += [("outcome", name, False, name, dict(anchors), incl_cut) for name in outcomes if name != outcome]
    for name, alternatives in (alternative_anchors or {}).items():
        for triple in alternatives:
            setting = f"{name} " + "/".join(f"{v:g}" for v in triple)
            runs.append(("anchors", setting, False, outcome, {**anchors, name: list(triple)}, incl_cut))
    runs += [("incl_cut", f"{cut:g}", False, outcome, dict(anchors), cut) for cut in alternative_incl_cuts
             if cut != incl_cut]
    rows = []
    for choice, setting, chosen, rule_name, run_anchors, cut in runs:
        table = scores(rule_name)
        result = fuzzy_case_comparison(table, run_anchors, expectations, incl_cut=cut, pri_cut=pri_cut)
        members = result.memberships
        necessary = result.necessity.loc[result.necessity["necessary"], "expression"].tolist()
        solutions = result.solutions.loc[result.solutions["kind"] == "intermediate"]
        models = solutions.groupby("solution", sort=True)["expression"].first().tolist() if len(solutions) else []
        skewed = skewed_conditions(members, result.conditions, threshold=skew)
        rows.append({"choice": choice, "setting": setting, "chosen": chosen, "n_cases": len(members),
                     "n_wins": int((members[result.outcome] > 0.5).sum()), "necessary": ";".join(necessary),
                     "solution": " | ".join(models),
                     "skewed": ";".join(skewed.loc[skewed["skewed"], "condition"])})
    return pd.DataFrame(rows)


def choices_summary(exposure_runs: pd.DataFrame | None = None, qca_runs: pd.DataFrame | None = None, *,
                    chosen_exposure: str = "country") -> pd.DataFrame:
    """The key results under each setting of each choice, and whether they match the chosen setting's.

    Parameters
    ----------
    exposure_runs
        :func:`exposure_alternatives` output; its results are the ranking of the
        countries by outcomes per campaign-month and the country with the highest rate.
    qca_runs
        :func:`qca_alternatives` output; its results are the campaigns with a win, the
        necessary conditions, the intermediate solution and how many of the chosen
        solution's combinations (in any of its models) the run's solution has.
    chosen_exposure
        The exposure setting the report uses.

    Returns
    -------
    pandas.DataFrame
        :data:`CHOICE_COLUMNS`: choice (``"exposure"``, ``"outcome"``, ``"anchors"``,
        ``"incl_cut"``), setting, chosen (bool), result (``"ranking"``, ``"highest"``,
        ``"wins"``, ``"necessary"``, ``"solution"``, ``"terms_kept"``), value (ids
        ``";"``-joined, a number as text, ``"k/n"`` for terms kept), same_as_chosen
        (bool: the value under the chosen setting).

    Examples
    --------
    >>> runs = pd.DataFrame({"setting": ["country", "country", "all", "all"], "country": ["a", "b", "a", "b"],
    ...                      "per_campaign_month": [0.3, 0.2, 0.1, 0.2], "rank": [1, 2, 2, 1]})
    >>> choices_summary(runs)[["setting", "result", "value", "same_as_chosen"]].values.tolist()
    [['country', 'ranking', 'a;b', True], ['country', 'highest', 'a', True], ['all', 'ranking', 'b;a', False], ['all', 'highest', 'b', False]]
    """
    rows = []
    if exposure_runs is not None and len(exposure_runs):
        if chosen_exposure not in set(exposure_runs["setting"]):
            raise ParameterError(f"the chosen exposure window {chosen_exposure!r} is not among the runs")
        order = list(dict.fromkeys([chosen_exposure, *exposure_runs["setting"]]))
        for setting in order:
            run = exposure_runs.loc[exposure_runs["setting"] == setting].sort_values(
                ["rank", "country"], kind="stable")
            top = run.loc[run["rank"] == 1, "country"].tolist()
            rows += [{"choice": "exposure", "setting": setting, "chosen": setting == chosen_exposure,
                      "result": "ranking", "value": ";".join(run["country"])},
                     {"choice": "exposure", "setting": setting, "chosen": setting == chosen_exposure,
                      "result": "highest", "value": ";".join(top)}]
    if qca_runs is not None and len(qca_runs):
        chosen_terms = _terms(qca_runs.loc[qca_runs["chosen"], "solution"].iloc[0]) if qca_runs["chosen"].any() \
            else set()
        for run in qca_runs.itertuples(index=False):
            choice = "outcome" if run.chosen else run.choice
            kept = len(chosen_terms & _terms(run.solution))
            for result, value in (("wins", str(run.n_wins)), ("necessary", run.necessary),
                                  ("solution", run.solution), ("terms_kept", f"{kept}/{len(chosen_terms)}")):
                rows.append({"choice": choice, "setting": run.setting, "chosen": bool(run.chosen),
                             "result": result, "value": value})
    table = pd.DataFrame(rows, columns=CHOICE_COLUMNS[:-1])
    if not len(table):
        return pd.DataFrame(columns=CHOICE_COLUMNS)
    reference = table.loc[table["chosen"]].drop_duplicates(["choice", "result"]).set_index(["choice", "result"])[
        "value"]
    # QCA runs share the chosen run as their reference, whatever the choice they change.
    qca_reference = table.loc[table["chosen"] & (table["choice"] != "exposure")].drop_duplicates("result") \
        .set_index("result")["value"]
    same = [(reference.get((c, r)) if c == "exposure" else qca_reference.get(r)) == v
            for c, r, v in zip(table["choice"], table["result"], table["value"])]
    return table.assign(same_as_chosen=same)[CHOICE_COLUMNS]


def _terms(solution: str) -> set[str]:
    """The combinations of a solution text (models ``" | "``-joined, terms ``" + "``-joined)."""
    return {term.strip() for model in str(solution or "").split(" | ") for term in model.split(" + ") if term.strip()}
