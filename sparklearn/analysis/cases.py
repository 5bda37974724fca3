"""Case comparison of campaigns: conditions calibrated from the data, then crisp- or fuzzy-set QCA.

Stage: analysis. The cases are campaigns. :func:`campaign_conditions` calibrates each
campaign's conditions and outcome as crisp sets (0/1) from its harvest and its
reflection-session codings, by documented rules (:class:`ConditionRule`; the outcome
rule, :data:`OUTCOME_RULE`, is a positive policy or budget outcome that an independent
informant confirmed fully or partially); :func:`condition_rules` lists the rules as a
table for the report, so a reader can see what "a broad coalition" means in numbers.
:func:`case_comparison` then runs the QCA of :mod:`sparklearn.analysis.qca` (truth
table, complex and parsimonious solutions) and returns a :class:`CaseComparison` with
the caveats of a small N (limited diversity, contradictions, few cases per condition).

Some conditions are matters of degree. :func:`campaign_degrees` scores them from the
harvest by documented measures (:data:`DEGREE_MEASURES`: coalition breadth as the kinds
of non-state actor that changed, membership engagement as the share of outcomes
community groups act in), as a tidy table of raw scores; :func:`case_scores` puts those
scores in place of the crisp columns; :func:`fuzzy_case_comparison` calibrates them
(three anchors, :mod:`sparklearn.analysis.fuzzy_sets`), tests necessity first
(:mod:`sparklearn.analysis.necessity`), then builds the fuzzy truth table and the
intermediate, complex and parsimonious solutions (:mod:`sparklearn.analysis.fuzzy_qca`)
and returns a :class:`FuzzyCaseComparison`.

Kept apart from :mod:`sparklearn.analysis.qca`, which is the method alone (it knows
nothing of campaigns, codebooks or harvests), so the method can be checked against the
published examples and the R package QCA on its own. Nothing here plots, rounds or
words a result (:mod:`sparklearn.report.comparison_words` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparklearn.analysis import qca
from sparklearn.analysis.fuzzy_qca import (
    SOLUTION_COLUMNS,
    check_expectations,
    fuzzy_minimise,
    fuzzy_truth_table,
)
from sparklearn.analysis.fuzzy_sets import calibrate_fuzzy_columns
from sparklearn.analysis.necessity import necessity
from sparklearn.analysis.outcomes import CONFIRMED
from sparklearn.analysis.rates import refuse_unknown_campaigns
from sparklearn.analysis.themes import coded_segments, segment_groups
from sparklearn.codebook import Codebook, codebook_table
from sparklearn.countries import Registry
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.frames import require_columns
from sparklearn.ingest.sessions import SHARED_CAMPAIGNS
from sparklearn.store import Stacked
from sparklearn.wording import count_noun

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


#: The alternative outcome: any positive policy or budget change the harvest reports that no informant disputed.
#: Substantiation checks a sample, chosen by the team, so an outcome not checked yet is not a failed one.
REPORTED_OUTCOME_RULE = ConditionRule(
    "POLICY_BUDGET_CHANGE", "a reported policy or budget change: a positive policy or budget outcome in the harvest "
    "that no independent informant disputed (confirmed, or not checked yet)",
    types_of_change=("policy", "budget"), valence=("positive",), substantiation=(*CONFIRMED, "not-yet"),
    min_coverage=None,
)


#: The outcome rules a comparison can use, by the name of the notebook parameter ``qca_outcome``.
OUTCOME_RULES: dict[str, ConditionRule] = {"reported": REPORTED_OUTCOME_RULE, "substantiated": OUTCOME_RULE}


def skewed_conditions(memberships: pd.DataFrame, conditions: Sequence[str], *, threshold: float = 0.9
                      ) -> pd.DataFrame:
    """Conditions (or an outcome) on the same side of the crossover in nearly every case.

    A condition that (almost) every case has, or (almost) none, cannot tell cases
    apart: it looks necessary for anything and adds nothing to a combination. Set
    theorists flag a skew of 80-90 % or more (Schneider and Wagemann 2012, ch. 9.2;
    Oana, Schneider and Thomann 2021).

    Parameters
    ----------
    memberships
        One row per case with membership scores (0-1; crisp sets as 0/1).
    conditions
        Columns to check.
    threshold
        Share of cases above (or below) the crossover from which a column is skewed.

    Returns
    -------
    pandas.DataFrame
        One row per column: condition, n_cases, n_in (membership above 0.5), share_in,
        skewed (share_in >= threshold or <= 1 - threshold), side (``"in"`` or
        ``"out"``: where most cases are).

    Examples
    --------
    >>> m = pd.DataFrame({"A": [1] * 13 + [0], "B": [1, 0] * 7})
    >>> skewed_conditions(m, ["A", "B"])[["condition", "n_in", "skewed", "side"]].values.tolist()
    [['A', 13, True, 'in'], ['B', 7, False, 'in']]
    """
    if not 0.5 < threshold <= 1:
        raise ParameterError(f"threshold must be above 0.5 and at most 1, not {threshold}")
    rows = []
    for name in conditions:
        inside = memberships[name].astype(float) > 0.5
        n, n_in = int(inside.notna().sum()), int(inside.sum())
        share = n_in / n if n else float("nan")
        rows.append({"condition": name, "n_cases": n, "n_in": n_in, "share_in": share,
                     "skewed": bool(n) and (share >= threshold or share <= 1 - threshold),
                     "side": "in" if share >= 0.5 else "out"})
    return pd.DataFrame(rows, columns=["condition", "n_cases", "n_in", "share_in", "skewed", "side"])


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
    sessions (a turn counts for the campaign it belongs to; a turn of a session on
    several campaigns that names none of them counts for each; a segment carries a
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
    require_columns(outcomes, ["campaign_id", "actor_type", "type_of_change", "strategic_components", "valence",
                        "substantiation"], "outcomes")
    kept = registry.campaigns["country"].isin(stacked.countries)
    if sectors:
        kept &= registry.campaigns["sector"].isin(sectors)
    campaigns = registry.campaigns.loc[kept, ["campaign_id", "country", "sector"]].reset_index(drop=True)
    refuse_unknown_campaigns(outcomes, ~outcomes["campaign_id"].isin(registry.campaigns["campaign_id"]), registry.source)
    index = pd.Index(campaigns["campaign_id"])
    n_outcomes = outcomes.groupby("campaign_id").size().reindex(index, fill_value=0).to_numpy()

    coded_codes = sorted({c for r in rules if r.min_coverage is not None for c in r.codes})
    coverage_of: dict[str, np.ndarray] = {}
    if coded_codes:
        units = segment_groups(stacked.segments, "campaign_id", sessions=stacked.sessions)
        # A turn of a shared session given to no one campaign (``a+b``) is evidence for each: presence, not a count.
        units = units.assign(campaign_id=units["campaign_id"].astype("str").str.split(SHARED_CAMPAIGNS)) \
            .explode("campaign_id")
        per_campaign = units.groupby("campaign_id").size().reindex(index, fill_value=0).to_numpy()
        coded = coded_segments(stacked.codings, stacked.segments)
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
        many = "one outcome" if rule.min_outcomes == 1 else count_noun(rule.min_outcomes, "outcome")
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
        :func:`sparklearn.analysis.qca.truth_table` output (observed configurations).
    solutions
        The complex and parsimonious solutions stacked: ``kind`` (``"complex"`` or
        ``"parsimonious"``) then :data:`sparklearn.analysis.qca.SOLUTION_COLUMNS`. Empty if
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

    Calls :func:`sparklearn.analysis.qca.truth_table` and :func:`sparklearn.analysis.qca.minimise`
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
        notes.append(f"{count_noun(len(contradictory), 'configuration')} "
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
                notes.append(f"the parsimonious solution assumes that {count_noun(used, 'unobserved configuration')} "
                             "would show the outcome (simplifying assumptions, listed): check that each is plausible")
        if result.solutions["solution"].max() > 1:
            notes.append(f"{result.solutions['solution'].max()} {kind} solutions fit equally well (model ambiguity)")
    columns = ["kind", *qca.SOLUTION_COLUMNS]
    solutions = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    assumed = assumptions[0] if assumptions else pd.DataFrame(columns=["solution", *conditions, "configuration", "n"])
    return CaseComparison(conditions, outcome, table, solutions, assumed, n_cases, tuple(notes))


# --------------------------------------------------------------------------- conditions of degree (fuzzy sets)

#: The six kinds of non-state actor in the codebook's ``actor_type`` vocabulary: the allies a coalition can bring
#: in (directly affected groups, naturally interested organisations, voices that add strength or open access).
NON_STATE_ACTORS: tuple[str, ...] = ("community", "cso", "traditional-faith", "media", "private-sector", "donor")


@dataclass(frozen=True)
class DegreeMeasure:
    """How one condition that is a matter of degree is scored from the harvest, before fuzzy calibration.

    Attributes
    ----------
    name
        The condition it scores (a :data:`CONDITION_RULES` name, whose crisp rule it stands in for).
    meaning
        The raw score in plain words, for the report.
    actor_types
        The kinds of social actor (``actor_type`` ids) it looks at.
    score
        ``"kinds"``: how many of ``actor_types`` changed in at least one of the
        campaign's outcomes; ``"share"``: the share of the campaign's outcomes whose
        social actor is one of ``actor_types`` (0 for a campaign without outcomes:
        no evidence of engagement).
    """

    name: str
    meaning: str
    actor_types: tuple[str, ...]
    score: str = "kinds"


#: Conditions that are matters of degree. Coalition breadth counts the kinds of ally that moved, since a
#: coalition is broad by the range of allies it brings in (IBP's coalition module), not by one CSO's change;
#: membership engagement is how much of the campaign's change its own community groups carry.
DEGREE_MEASURES: tuple[DegreeMeasure, ...] = (
    DegreeMeasure("BROAD_COALITION", "coalition breadth: how many of the six kinds of non-state actor (community "
                  "groups, civil-society organisations, traditional or faith leaders, media, private sector, "
                  "donors) changed in the campaign's harvest", NON_STATE_ACTORS, "kinds"),
    DegreeMeasure("MEMBERSHIP_BASE", "engagement of the membership: the share of the campaign's outcomes in which "
                  "community or grassroots groups themselves act", ("community",), "share"),
)


def campaign_degrees(
    stacked: Stacked,
    registry: Registry,
    codebook: Codebook | None = None,
    *,
    sectors: Sequence[str] | None = None,
    measures: Sequence[DegreeMeasure] = DEGREE_MEASURES,
) -> pd.DataFrame:
    """Raw scores of the conditions that are matters of degree, one row per campaign and measure.

    Parameters
    ----------
    stacked
        Processed tables of the countries compared (:func:`load_processed`).
    registry
        Countries and campaigns.
    codebook
        If given, the measures' actor types are checked against its ``actor_type`` vocabulary.
    sectors
        Keep only the campaigns of these sectors (None or empty: all).
    measures
        What to score (:data:`DEGREE_MEASURES`).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``campaign_id``, ``condition`` (the measure's name), ``raw`` (its
        score) and ``n_outcomes`` (the campaign's outcomes), campaigns in registry
        order within each measure. Calibrate with
        :func:`~sparklearn.analysis.fuzzy_sets.calibrate_fuzzy` after :func:`case_scores`.

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> out = pd.DataFrame({"campaign_id": ["ke-baringo-water"] * 4,
    ...                     "actor_type": ["community", "community", "media", "executive"]})
    >>> none = pd.DataFrame(columns=["session_id", "campaign_ids", "segment_id", "code_id", "coder"])
    >>> campaign_degrees(Stacked(("kenya",), none, none, none, out), load_registry())
             campaign_id        condition  raw  n_outcomes
    0  ke-primary-health  BROAD_COALITION  0.0           0
    1   ke-baringo-water  BROAD_COALITION  2.0           4
    2  ke-primary-health  MEMBERSHIP_BASE  0.0           0
    3   ke-baringo-water  MEMBERSHIP_BASE  0.5           4
    """
    names = [m.name for m in measures]
    if len(set(names)) != len(names):
        raise ParameterError(f"two degree measures share a name: {names}")
    for measure in measures:
        if measure.score not in ("kinds", "share"):
            raise ParameterError(f"the measure {measure.name} scores {measure.score!r}; use 'kinds' or 'share'")
        allowed = set(codebook.vocabularies["actor_type"]["id"]) if codebook is not None and \
            "actor_type" in codebook.vocabularies else None
        unknown = sorted(set(measure.actor_types) - allowed) if allowed is not None else []
        if unknown:
            raise CodebookError(f"the measure {measure.name} uses the actor_type {unknown[0]!r}, which the codebook's "
                                "vocabulary lacks", file=codebook.source, value=unknown[0],
                                fix=f"use one of: {', '.join(sorted(allowed))}")
    outcomes = stacked.outcomes
    require_columns(outcomes, ["campaign_id", "actor_type"], "outcomes")
    kept = registry.campaigns["country"].isin(stacked.countries)
    if sectors:
        kept &= registry.campaigns["sector"].isin(sectors)
    index = pd.Index(registry.campaigns.loc[kept, "campaign_id"], name="campaign_id")
    refuse_unknown_campaigns(outcomes, ~outcomes["campaign_id"].isin(registry.campaigns["campaign_id"]), registry.source)
    n_outcomes = outcomes.groupby("campaign_id").size().reindex(index, fill_value=0)
    parts = []
    for measure in measures:
        match = outcomes.loc[_in(outcomes["actor_type"], measure.actor_types)]
        if measure.score == "kinds":
            raw = match.groupby("campaign_id")["actor_type"].nunique().reindex(index, fill_value=0)
        else:
            raw = (match.groupby("campaign_id").size().reindex(index, fill_value=0) / n_outcomes.where(
                n_outcomes > 0)).fillna(0.0)
        parts.append(pd.DataFrame({"campaign_id": index, "condition": measure.name,
                                   "raw": raw.to_numpy(dtype=float), "n_outcomes": n_outcomes.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def case_scores(conditions: pd.DataFrame, degrees: pd.DataFrame, outcome: str = OUTCOME_RULE.name) -> pd.DataFrame:
    """One row per campaign: raw scores for the conditions of degree, 0/1 for the others and the outcome.

    Parameters
    ----------
    conditions
        :func:`campaign_conditions` output (crisp conditions, outcome and evidence).
    degrees
        :func:`campaign_degrees` output; its conditions replace the crisp columns of the same name.
    outcome
        The outcome column.

    Returns
    -------
    pandas.DataFrame
        ``campaign_id``, ``country``, ``sector``, one column per condition (the
        crisp conditions' order; the raw score where ``degrees`` has one) and the
        outcome: the table :func:`fuzzy_case_comparison` and
        :func:`~sparklearn.analysis.robustness.robustness` calibrate.

    Examples
    --------
    >>> crisp = pd.DataFrame({"campaign_id": ["a", "b"], "country": "x", "sector": "health",
    ...                       "A": [1, 0], "B": [0, 1], "Y": [1, 0], "A_outcomes": [2, 0]})
    >>> degrees = pd.DataFrame({"campaign_id": ["a", "b"], "condition": "B", "raw": [3.0, 5.0], "n_outcomes": 4})
    >>> case_scores(crisp, degrees, "Y")
      campaign_id country  sector  A    B  Y
    0           a       x  health  1  3.0  1
    1           b       x  health  0  5.0  0
    """
    require_columns(degrees, ["campaign_id", "condition", "raw"], "degree scores")
    crisp = [c for c in conditions.columns if c.isupper() and not c.endswith(("_outcomes", "_share", "_coverage"))]
    missing = sorted(set(degrees["condition"]) - set(crisp))
    if missing:
        raise ParameterError(f"degree scores for {missing}, which are not conditions of the table: {crisp}")
    wide = degrees.pivot(index="campaign_id", columns="condition", values="raw")
    table = conditions[["campaign_id", "country", "sector", *crisp]].copy()
    for name in wide.columns:
        table[name] = table["campaign_id"].map(wide[name])
    return table[["campaign_id", "country", "sector", *[c for c in crisp if c != outcome], outcome]]


@dataclass(frozen=True)
class FuzzyCaseComparison:
    """What :func:`fuzzy_case_comparison` returns: the fuzzy-set QCA of the campaigns, necessity first.

    Attributes
    ----------
    conditions, outcome
        As given.
    memberships
        The cases with calibrated memberships (``campaign_id`` and the conditions and outcome).
    necessity
        :func:`~sparklearn.analysis.necessity.necessity` for every condition and its negation.
    truth_table
        :func:`~sparklearn.analysis.fuzzy_qca.fuzzy_truth_table` (observed configurations).
    solutions
        ``kind`` (``"intermediate"``, ``"complex"``, ``"parsimonious"``) then
        :data:`~sparklearn.analysis.fuzzy_qca.SOLUTION_COLUMNS`; empty if no
        configuration is sufficient.
    simplifying_assumptions
        ``kind``, ``solution``, the conditions, ``configuration``, ``n``: the
        configurations no case has that each solution assumes would show the outcome.
    expectations
        The directional expectations the intermediate solution used.
    incl_cut, pri_cut
        The truth table's cut-offs.
    warnings
        Plain-words caveats (limited diversity, cases on a crossover, small N).
    """

    conditions: tuple[str, ...]
    outcome: str
    memberships: pd.DataFrame
    necessity: pd.DataFrame
    truth_table: pd.DataFrame
    solutions: pd.DataFrame
    simplifying_assumptions: pd.DataFrame
    expectations: dict[str, int]
    incl_cut: float
    pri_cut: float
    warnings: tuple[str, ...]


def fuzzy_case_comparison(
    scores: pd.DataFrame,
    anchors: Mapping[str, Sequence[float]],
    expectations: Mapping[str, int],
    conditions: Sequence[str] = tuple(r.name for r in CONDITION_RULES),
    outcome: str = OUTCOME_RULE.name,
    *,
    case: str = "campaign_id",
    incl_cut: float = 0.8,
    pri_cut: float = 0.5,
) -> FuzzyCaseComparison:
    """Fuzzy-set QCA of the campaigns: calibration, necessity, truth table, the three solutions.

    Calibrates the columns in ``anchors`` (:func:`~sparklearn.analysis.fuzzy_sets.calibrate_fuzzy_columns`;
    the other conditions are crisp 0/1 memberships), tests necessity before
    sufficiency, builds the truth table and minimises it three ways
    (:func:`~sparklearn.analysis.fuzzy_qca.fuzzy_minimise`): intermediate (easy
    counterfactuals only, from ``expectations``), complex (no assumption) and
    parsimonious (any simplifying assumption).

    Parameters
    ----------
    scores
        :func:`case_scores` output.
    anchors
        ``{condition: (full non-membership, crossover, full membership)}`` for the conditions of degree.
    expectations
        ``{condition: 1 or 0}``: the value expected to contribute to the outcome.
    conditions, outcome, case
        Columns.
    incl_cut, pri_cut
        Least consistency and PRI for a configuration to count as sufficient.

    Returns
    -------
    FuzzyCaseComparison

    Examples
    --------
    >>> scores = pd.DataFrame({"campaign_id": list("abcdef"), "A": [5, 4, 1, 1, 5, 1], "B": [1, 1, 0, 0, 0, 1],
    ...                        "Y": [1, 1, 0, 0, 1, 0]})
    >>> result = fuzzy_case_comparison(scores, {"A": (1, 2.5, 4)}, {"A": 1, "B": 1}, ["A", "B"], "Y")
    >>> result.solutions[["kind", "expression"]].drop_duplicates().to_numpy().tolist()
    [['intermediate', 'A'], ['complex', 'A'], ['parsimonious', 'A']]
    """
    conditions = tuple(conditions)
    members = calibrate_fuzzy_columns(scores[[case, *conditions, outcome]], anchors)
    needed = necessity(members, conditions, outcome, case=case)
    table = fuzzy_truth_table(members, conditions, outcome, case=case, incl_cut=incl_cut, pri_cut=pri_cut)
    k, n_cases = len(conditions), len(members)
    notes = []
    for name in [name for name in anchors if (members[name] == 0.5).any()]:
        notes.append(f"{', '.join(members.loc[members[name] == 0.5, case].astype(str))} "
                     f"{'sits' if (members[name] == 0.5).sum() == 1 else 'sit'} exactly on the crossover of {name}, "
                     "so belong to no row of the truth table; move the crossover off its score")
    if len(table) < 2 ** k:
        notes.append(f"{len(table)} of the {2 ** k} possible combinations of {k} conditions are seen in {n_cases} "
                     f"cases; the other {2 ** k - len(table)} are seen in none (limited diversity)")
    skewed = skewed_conditions(members, [*conditions, outcome])
    for row in skewed.loc[skewed["skewed"]].itertuples(index=False):
        held = row.n_in if row.side == "in" else row.n_cases - row.n_in
        notes.append(f"{row.condition} is {'present' if row.side == 'in' else 'absent'} in {held} of {row.n_cases} "
                     "cases (skewed): it can hardly tell the cases apart, so it looks necessary (or irrelevant) "
                     "whatever the truth; read results that rest on it with care")
    notes.append(f"{n_cases} cases and {k} conditions: with so few cases per condition, even random data can give "
                 "tidy solutions (Marx and Dusa 2011); read the solutions as hypotheses to check in the cases")
    parts, assumed = [], []
    for kind in ("intermediate", "complex", "parsimonious"):
        try:
            result = fuzzy_minimise(table, members, conditions, outcome, include=kind,
                                    directional_expectations=expectations if kind == "intermediate" else None,
                                    case=case)
        except InputError as err:
            notes.append(f"no {kind} solution: {err.message}")
            continue
        parts.append(result.solutions.assign(kind=kind))
        assumed.append(result.simplifying_assumptions.assign(kind=kind))
    columns = ["kind", *SOLUTION_COLUMNS]
    solutions = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    assumption_columns = ["kind", "solution", *conditions, "configuration", "n"]
    assumptions = (pd.concat(assumed, ignore_index=True)[assumption_columns] if assumed
                   else pd.DataFrame(columns=assumption_columns))
    return FuzzyCaseComparison(conditions, outcome, members, needed, table, solutions, assumptions,
                               check_expectations(expectations, conditions), incl_cut, pri_cut, tuple(notes))
