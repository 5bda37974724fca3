# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# Learning with SPARK across countries: the same measures side by side for every country in the batch.

# %%
from IPython.display import Markdown, display

from sparklearn import compare, plots
from sparklearn.codebook import codebook_table, load_codebook
from sparklearn.countries import load_registry
from sparklearn.pipeline import country_tables, notebook_paths, report_setup

report_setup()

# %% tags=["parameters"]
countries = []  # country slugs to compare; []: every country in countries.yaml
sectors = []  # campaign sectors to keep (e.g. ["health", "education"]); []: all
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the bundled demo data
processed_dir = None  # processed tables; None: data/processed
period_start = None  # "YYYY-MM-DD" or None
period_end = None  # "YYYY-MM-DD" or None
options = {"top_codes": 12}

# %%
paths = notebook_paths(data_dir, processed_dir)
registry = load_registry(paths.countries_file)
codebook = load_codebook(paths.codebook_file)
slugs = list(countries) or registry.slugs
# The batch has prepared every country already; in JupyterLab a country not yet prepared is prepared here.
for slug in slugs:
    if not (paths.country_processed(slug) / "manifest.json").exists():
        country_tables(slug, paths)
stacked = compare.load_processed(paths.processed, slugs, period_start=period_start, period_end=period_end)
exposure = compare.exposure(registry, stacked.sessions, outcomes=stacked.outcomes, countries=slugs,
                            sectors=sectors, period_start=period_start, period_end=period_end)
outcomes = compare.add_sector(stacked.outcomes.loc[stacked.outcomes["campaign_id"].isin(exposure["campaign_id"])],
                              registry)
colours = registry.colours()
names = dict(zip(registry.countries["slug"], registry.countries["name"]))
codes = codebook_table(codebook)
labels = dict(zip(codes["code_id"], codes["label"]))
rate_family = options.get("rate_family", "auto")

# %% [markdown]
# ## What is compared
#
# This report puts the countries' reflection sessions and outcome harvests side by side.
# Seven countries and about fourteen campaigns are few cases: the numbers below describe
# these campaigns and say how sure we can be; they do not measure SPARK's effect.

# %%
display(Markdown(
    f"Compared: **{len(slugs)} {'country' if len(slugs) == 1 else 'countries'}**, **{len(exposure)} campaigns**"
    + (f" in the sectors {', '.join(sectors)}" if sectors else "")
    + f", from {exposure['start'].min():%d %B %Y} (the earliest campaign start in the period) to "
    f"{exposure['end'].max():%d %B %Y}. The data hold **{len(outcomes)} outcomes** and "
    f"**{stacked.sessions['session_id'].nunique()} reflection sessions** "
    f"({len(stacked.segments)} speaker turns, {len(stacked.codings)} codings)."
))
exposure.assign(country=exposure["country"].map(names)).rename(columns={
    "campaign_id": "campaign", "start": "counted from", "end": "counted to", "campaign_months": "campaign-months",
    "n_sessions": "sessions held", "session_share": "sessions (shared ones split)"})

# %% [markdown]
# ## Outcomes per campaign-month
#
# A country with more campaigns, or campaigns that started earlier, harvests more outcomes
# simply because it has had more time. So outcomes are counted per **campaign-month**: one
# campaign active for one month. The bars show each country's rate; the black lines are 95%
# intervals: rates whose intervals overlap a lot are not clearly different. Outcomes dated
# outside their campaign's window are left out of the rate (the column "outside the period").

# %%
rates = compare.outcome_rates(outcomes, exposure, by="country")
figure = plots.plot_country_rates(rates, colours, names=names)
rates.assign(country=rates["country"].map(names))[[
    "country", "n_campaigns", "n_outcomes", "n_outside", "campaign_months", "per_campaign_month", "ci_low",
    "ci_high", "n_sessions", "per_session"]].rename(columns={
        "n_campaigns": "campaigns", "n_outcomes": "outcomes", "n_outside": "outside the period",
        "campaign_months": "campaign-months", "per_campaign_month": "per campaign-month", "ci_low": "95% low",
        "ci_high": "95% high", "n_sessions": "sessions", "per_session": "per session"})

# %% [markdown]
# ### Rates compared as ratios
#
# Each country's rate divided by the rate of a reference country (the one with the most
# campaign-months, so the steadiest baseline). A ratio of 2 means twice as many outcomes per
# campaign-month; the scale is logarithmic so that half and double sit at equal distances from 1.

# %%
if exposure["country"].nunique() > 1:
    by_country = compare.rate_ratios(outcomes, exposure, by="country", family=rate_family)
    display(Markdown(compare.describe_rate_ratios(by_country, names=names, labels=labels)))
    figure = plots.plot_rate_ratios(by_country.table, colours, names=names)
else:
    display(Markdown("Only one country is compared, so there is no rate to compare it with."))

# %% [markdown]
# ## Sectors across countries
#
# Several countries work in the same sector (water and sanitation, health, agriculture,
# social assistance). Within a sector, each country's rate is set against the sector's
# pooled rate (dashed line), so that differences between sectors do not pass for
# differences between countries.

# %%
by_sector = compare.sector_comparison(outcomes, exposure)
if len(by_sector):
    figure = plots.plot_sector_rates(by_sector, colours, names=names)
    display(by_sector.assign(country=by_sector["country"].map(names))[[
        "sector", "country", "n_campaigns", "n_outcomes", "campaign_months", "per_campaign_month", "ci_low",
        "ci_high", "ratio_to_sector"]].rename(columns={
            "n_campaigns": "campaigns", "n_outcomes": "outcomes", "campaign_months": "campaign-months",
            "per_campaign_month": "per campaign-month", "ci_low": "95% low", "ci_high": "95% high",
            "ratio_to_sector": "against the sector's rate"}))
else:
    display(Markdown("No sector is worked in by two or more of the countries compared."))

# %%
if exposure.loc[exposure["campaign_months"] > 0, "sector"].nunique() > 1:
    sector_ratios = compare.rate_ratios(outcomes, exposure, by="sector", family=rate_family)
    display(Markdown(compare.describe_rate_ratios(sector_ratios, names=names, labels=labels)))
    figure = plots.plot_rate_ratios(sector_ratios.table, title="Outcome rates of each sector against the reference "
                                    "sector (rate ratio, 95% interval)")
else:
    display(Markdown("Only one sector is compared, so there is no sector rate to compare it with."))

# %% [markdown]
# ## What kinds of outcomes, where
#
# Do countries differ in the kinds of change they harvest? Each panel shows how a country's
# outcomes spread over the four SPARK outcome areas. The text below says how strong the
# association is (Cramér's V: 0 none, 1 complete), whether it is larger than chance would
# produce with these totals (an exact test when counts are small), and which cells stand out.

# %%
areas = compare.contingency(outcomes, "country", "outcome_area")
if len(areas.cells):
    figure = plots.plot_country_shares(areas.cells, colours, labels=labels, names=names,
                                       title="Outcome areas: share of each country's outcomes")
display(Markdown(compare.describe_contingency(areas, names=names, labels=labels)))
areas.table.rename(index=names, columns=labels)

# %% [markdown]
# The same question for the **type of change** (action, policy, budget...) by country, and for
# the **level of governance** (local to international) by sector.

# %%
change = compare.contingency(outcomes, "country", "type_of_change")
display(Markdown(compare.describe_contingency(change, names=names, labels=labels)))
levels = compare.contingency(outcomes, "sector", "level")
if len(levels.cells):
    figure = plots.plot_country_shares(levels.cells, row="sector", col="level", ncols=4,
                                       title="Level of governance: share of each sector's outcomes")
display(Markdown(compare.describe_contingency(levels, names=names, labels=labels)))

# %% [markdown]
# Looking at several tables makes it likelier that one shows a pattern by chance. The
# Holm correction below accounts for the three tables looked at together: read the
# "after correction" column.

# %%
summary = compare.contingency_summary([areas, change, levels])
summary.assign(row=summary["row"].str.replace("_", " "), col=summary["col"].str.replace("_", " "))[[
    "row", "col", "n", "test", "cramers_v", "p_value", "p_holm", "n_small_expected"]].rename(columns={
        "row": "compared", "col": "with", "n": "outcomes", "cramers_v": "Cramér's V",
        "p_value": "chance of a pattern this strong", "p_holm": "after correction",
        "n_small_expected": "cells expected below 5"})

# %% [markdown]
# ## Substantiation: outcomes checked with an independent informant
#
# A sample of outcomes is checked with someone outside the campaign who knows what happened.
# Left: the share of each country's outcomes checked so far. Right: of those checked, the
# share the informant confirmed fully or partially. Intervals are 95% (Wilson).

# %%
substantiation = compare.substantiation_by(outcomes)
display(Markdown(compare.describe_substantiation(substantiation, names=names, labels=labels)))
figure = plots.plot_substantiation_by(substantiation, colours, names=names)

# %% [markdown]
# ## Themes in the reflection sessions
#
# How often each theme of the codebook comes up, as the share of a country's speaker turns
# (segments) that a coder marked with it, so that countries with more sessions do not look
# bigger. First the nine families of themes, then the most used themes one by one. Themes are
# read from all the reflection sessions of the countries compared, whichever sectors are chosen.

# %%
theme_groups = compare.theme_matrix(stacked.codings, stacked.segments, codebook=codebook, level="group")
figure = plots.plot_country_themes(theme_groups, colours, labels=labels, names=names,
                                  title="Families of themes: share of each country's segments")

# %%
themes = compare.theme_matrix(stacked.codings, stacked.segments)
figure = plots.plot_country_themes(themes, colours, labels=labels, names=names, top=options["top_codes"],
                                  title=f"The {options['top_codes']} most used themes: share of each "
                                  "country's segments")

# %% [markdown]
# ### What is distinctive for each country
#
# A theme is distinctive when a country uses it more (or less) than the other countries by
# more than chance would explain.

# %%
distinctive = compare.distinctive_themes(stacked.codings, stacked.segments)
display(Markdown(compare.describe_distinctive(distinctive, names=names, labels=labels)))
shown = distinctive.loc[distinctive["direction"] != ""].reset_index(drop=True)
shown.assign(country=shown["country"].map(names), theme=shown["code_id"].map(labels))[[
    "country", "theme", "direction", "coverage", "coverage_rest", "z"]].rename(columns={
        "direction": "uses it", "coverage": "share of segments", "coverage_rest": "elsewhere",
        "z": "distinctiveness (z)"})

# %% [markdown]
# ### Themes round by round
#
# Reflection sessions run in rounds (each country's own action-learning cycles). Each panel
# follows one family of themes across rounds, one line per country. Round 2 is each
# country's second round, not the same calendar date everywhere.

# %%
rounds = compare.themes_over_rounds(stacked.codings, stacked.segments, stacked.sessions, codebook=codebook,
                                    level="group")
figure = plots.plot_country_themes_over_rounds(rounds, colours, labels=labels, names=names)

# %% [markdown]
# ## Case comparison: which combinations of conditions go with policy and budget wins
#
# Each campaign is a case. Five conditions and one outcome are read from the data with the
# rules below (from the harvest, or from what the reflection sessions dwell on). A
# Qualitative Comparative Analysis (crisp-set QCA) then looks for the combinations of
# conditions that the campaigns with the outcome share and the others lack.

# %%
compare.condition_rules(labels=labels)[["name", "role", "meaning", "harvest", "sessions"]].rename(columns={
    "harvest": "from the outcome harvest", "sessions": "or from the reflection sessions"})

# %%
case_words = {"BROAD_COALITION": "a broad coalition", "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament",
              "INSIDE_ALLIES": "inside allies", "MEMBERSHIP_BASE": "a membership base", "MEDIA": "media work",
              "POLICY_BUDGET_CHANGE": "a substantiated policy or budget change"}
conditions = compare.campaign_conditions(stacked, registry, codebook, sectors=sectors)
conditions.assign(country=conditions["country"].map(names))[[
    "campaign_id", "country", "sector", *case_words]].rename(columns={"campaign_id": "campaign", **case_words})

# %% [markdown]
# The truth table groups campaigns with the same combination of conditions. "Consistency" is
# the share of a row's campaigns that show the outcome; "mixed" marks rows where some do and
# some do not (contradictions to look at again).

# %%
cases = compare.case_comparison(conditions)
display(Markdown(compare.describe_case_comparison(cases, names=names, labels=case_words)))
plots.style_truth_table(cases.truth_table, cases.conditions, labels=case_words, outcome_label="policy or budget win")

# %% [markdown]
# Each solution below is a list of combinations (one per row), any of which goes with the
# outcome: `*` reads "and", `~` reads "not". Consistency is the share of the campaigns with a
# combination that show the outcome; coverage is the share of the campaigns with the outcome
# that have the combination. When several models fit equally well, the data cannot choose between them.

# %%
if len(cases.solutions):
    display(cases.solutions[["kind", "solution", "term", "consistency", "raw_coverage", "unique_coverage",
                             "cases"]].assign(cases=cases.solutions["cases"].str.replace(";", ", ")).rename(columns={
        "kind": "solution type", "solution": "model", "term": "combination", "raw_coverage": "coverage",
        "unique_coverage": "coverage by this combination only", "cases": "campaigns"}))
else:
    display(Markdown("No combination of conditions goes consistently with the outcome, so there is no solution."))

# %% [markdown]
# The parsimonious solution is simpler because it assumes how combinations no campaign has
# would turn out. Those assumptions are listed here; each should be plausible on what we know.

# %%
if len(cases.simplifying_assumptions):
    display(cases.simplifying_assumptions.drop_duplicates("configuration")[[*cases.conditions, "configuration"]]
            .rename(columns=case_words).reset_index(drop=True))
else:
    display(Markdown("The solutions rest on no assumption about combinations that no campaign has."))

# %% [markdown]
# ## What this does and does not show
#
# - **It shows** how the countries' harvests and reflections differ once the length and number
#   of campaigns are taken into account, with the uncertainty that a dozen campaigns leave.
# - **It does not show** that one country or strategy works better. Outcomes are harvested by
#   each team in its own way; more outcomes can mean a more thorough harvest as much as more change.
# - **Intervals matter more than single numbers.** With few campaigns, an interval that
#   includes "no difference" also includes sizeable differences: absence of evidence is not
#   evidence of absence.
# - **Substantiation is not random.** Teams choose which outcomes to check, so confirmation
#   rates speak about the outcomes checked, not the harvest as a whole.
# - **Themes count what coders marked**, and turns of one session share a topic: read the
#   distinctive themes as a ranking to discuss with the country teams, not as a test.
# - **The case comparison gives hypotheses.** With fourteen campaigns and five conditions, many
#   combinations are never observed; the combinations found should be checked against what
#   the country teams know of each campaign.
