# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# Learning with SPARK across countries: the same measures side by side for every country in the batch.

# %%
from IPython.display import Markdown, display

from sparklearn.analysis import contingency, rates, themes
from sparklearn.analysis.cases import campaign_conditions, case_comparison, condition_rules
from sparklearn.analysis.outcomes import substantiation_by
from sparklearn.codebook import codebook_table, load_codebook, vocabulary
from sparklearn.countries import load_registry
from sparklearn.report.comparison_figures import (
    plot_country_rates,
    plot_country_shares,
    plot_country_themes,
    plot_country_themes_over_rounds,
    plot_rate_ratios,
    plot_sector_rates,
    plot_substantiation_by,
    style_truth_table,
)
from sparklearn.report.comparison_words import (
    as_percent,
    combination_words,
    describe_case_comparison,
    describe_contingency,
    describe_distinctive,
    describe_rate_ratios,
    describe_substantiation,
    format_p,
)
from sparklearn.report.display import report_setup
from sparklearn.report.tables import markdown_text
from sparklearn.store import load_processed, notebook_paths

report_setup()

# %% tags=["parameters"]
countries = []  # country slugs to compare; []: every country in countries.yaml
sectors = []  # campaign sectors to keep (e.g. ["health", "education"]); []: all
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the project's data/raw
processed_dir = None  # processed tables; None: $SPARKLEARN_OUT/processed or the project's data/processed
period_start = None  # "YYYY-MM-DD" or None
period_end = None  # "YYYY-MM-DD" or None
options = {"top_codes": 12}

# %%
paths = notebook_paths(data_dir, processed_dir)
registry = load_registry(paths.countries_file)
codebook = load_codebook(paths.codebook_file)
slugs = list(countries) or registry.slugs
# The batch has prepared every country already; in JupyterLab a stale country is prepared here.
stacked = load_processed(paths, slugs, period_start=period_start, period_end=period_end)
exposure = rates.exposure(registry, stacked.sessions, outcomes=stacked.outcomes, countries=slugs,
                          sectors=sectors, period_start=period_start, period_end=period_end)
outcomes = rates.add_sector(stacked.outcomes.loc[stacked.outcomes["campaign_id"].isin(exposure["campaign_id"])],
                            registry)
colours = registry.colours()
names = dict(zip(registry.countries["slug"], registry.countries["name"]))
codes = codebook_table(codebook)
# Vocabulary ids ("local", "policy") read as their labels ("Local", "Policy"), in the codebook's order.
vocabularies = {name: vocabulary(codebook, name) for name in ("outcome_area", "type_of_change", "level")}
order = {name: table["id"].tolist() for name, table in vocabularies.items()}
labels = {**dict(zip(codes["code_id"], codes["label"])),
          **{i: label for table in vocabularies.values() for i, label in zip(table["id"], table["label"])}}
rule_labels = {**labels, **{i: label for name in ("actor_type", "valence", "substantiation")
                            for i, label in vocabulary(codebook, name)[["id", "label"]].itertuples(index=False)}}
rate_family = options.get("rate_family", "auto")
percent = as_percent

# %% [markdown]
# ## What is compared
#
# This report puts the countries' reflection sessions and outcome harvests side by side.

# %%
n_countries = f"{len(slugs)} {'country' if len(slugs) == 1 else 'countries'}"
n_campaigns = f"{len(exposure)} {'campaign' if len(exposure) == 1 else 'campaigns'}"
display(Markdown(
    f"{n_countries.capitalize()} and {n_campaigns} are few cases: the numbers below describe these campaigns and "
    "say how sure we can be; they do not measure SPARK's effect.\n\n"
    f"Compared: **{len(slugs)} {'country' if len(slugs) == 1 else 'countries'}**, **{len(exposure)} campaigns**"
    + (f" in the sectors {markdown_text(', '.join(sectors))}" if sectors else "")
    + f", from {exposure['start'].min():%d %B %Y} (the earliest campaign start in the period) to "
    f"{exposure['end'].max():%d %B %Y}. The data hold **{len(outcomes)} outcomes** and "
    f"**{stacked.sessions['session_id'].nunique()} reflection sessions** "
    f"({len(stacked.segments)} speaker turns, {len(stacked.codings)} codings)."
))
exposure.assign(country=exposure["country"].map(names), start=exposure["start"].dt.strftime("%d %b %Y"),
                end=exposure["end"].dt.strftime("%d %b %Y")).round({"campaign_months": 1, "session_share": 1}).rename(
    columns={"campaign_id": "campaign", "start": "counted from", "end": "counted to",
             "campaign_months": "campaign-months", "n_sessions": "sessions held",
             "session_share": "sessions (shared ones split)"})

# %% [markdown]
# ## How to read the numbers
#
# - **Outcomes per campaign-month.** One campaign active for one month is one campaign-month.
#   Dividing the outcomes by the campaign-months puts a country with three long campaigns and a
#   country with one short campaign on the same footing.
# - **Rate ratio and its interval.** A country's rate divided by a reference country's rate: 2 means
#   twice as many outcomes per campaign-month, 0.5 half as many. The 95% interval is the range of
#   ratios the data are compatible with. If it includes 1 ("the same rate"), the data cannot tell the
#   two rates apart; if it excludes 1, they are hard to reconcile with equal rates.
# - **p-value** ("chance of a pattern this strong"): how often chance alone would produce a
#   difference at least as large as the one seen. Small values (below 0.05 by convention) mean
#   chance is an unlikely explanation; large ones mean chance explains it easily. A p-value says
#   nothing about how large or important a difference is: read it with the effect size.
# - **Exact test when counts are small.** The usual (chi-square) test is an approximation that
#   needs enough outcomes in every cell of a table. When many cells are small, the report instead
#   compares the table with thousands of random tables with the same totals, which is exact.
# - **Holm correction.** The more comparisons one looks at, the likelier one of them looks
#   remarkable by chance. The Holm correction raises the p-values to allow for the number of
#   comparisons made together; "after correction" values are the ones to read.
# - **Cramér's V**: how strongly two classifications go together (say, country and outcome area),
#   from 0 (not at all: every country spreads its outcomes alike) to 1 (completely: knowing the
#   country tells the outcome area).
# - **Standardised residual**: for one cell of a table, how far the observed count is from the
#   count expected if every country spread its outcomes alike, in units of chance variation.
#   Beyond about ±2 a cell stands out (the report also corrects for the number of cells).
# - **Case comparison (QCA).** Each campaign is a case with a few yes/no conditions (a broad
#   coalition, media work...). Qualitative Comparative Analysis looks for the combinations of
#   conditions that the campaigns with a policy or budget win share and the others lack.
#
# Technical terms that appear in passing are explained in the **Method notes** at the end.

# %% [markdown]
# ## Outcomes per campaign-month
#
# A country with more campaigns, or campaigns that started earlier, harvests more outcomes
# simply because it has had more time. So outcomes are counted per **campaign-month**: one
# campaign active for one month. The bars show each country's rate; the black lines are 95%
# intervals: rates whose intervals overlap a lot are not clearly different. Outcomes dated
# outside their campaign's window are left out of the rate (the column "outside the period").

# %%
country_rates = rates.outcome_rates(outcomes, exposure, by="country")
figure = plot_country_rates(country_rates, colours, names=names)
country_rates.assign(country=country_rates["country"].map(names)).round(
    {"campaign_months": 1, "per_campaign_month": 2, "ci_low": 2, "ci_high": 2, "n_sessions": 1, "per_session": 2})[[
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
    by_country = rates.rate_ratios(outcomes, exposure, by="country", family=rate_family)
    display(Markdown(markdown_text(describe_rate_ratios(by_country, names=names, labels=labels))))
    figure = plot_rate_ratios(by_country.table, colours, names=names)
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
by_sector = rates.sector_comparison(outcomes, exposure)
if len(by_sector):
    figure = plot_sector_rates(by_sector, colours, names=names)
    display(by_sector.assign(country=by_sector["country"].map(names)).round(
        {"campaign_months": 1, "per_campaign_month": 2, "ci_low": 2, "ci_high": 2, "ratio_to_sector": 2})[[
        "sector", "country", "n_campaigns", "n_outcomes", "campaign_months", "per_campaign_month", "ci_low",
        "ci_high", "ratio_to_sector"]].rename(columns={
            "n_campaigns": "campaigns", "n_outcomes": "outcomes", "campaign_months": "campaign-months",
            "per_campaign_month": "per campaign-month", "ci_low": "95% low", "ci_high": "95% high",
            "ratio_to_sector": "against the sector's rate"}))
else:
    display(Markdown("No sector is worked in by two or more of the countries compared."))

# %%
if exposure.loc[exposure["campaign_months"] > 0, "sector"].nunique() > 1:
    sector_ratios = rates.rate_ratios(outcomes, exposure, by="sector", family=rate_family)
    display(Markdown(markdown_text(describe_rate_ratios(sector_ratios, names=names, labels=labels))))
    figure = plot_rate_ratios(sector_ratios.table, title="Outcome rates of each sector against the reference "
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
areas = contingency.contingency(outcomes, "country", "outcome_area", col_order=order["outcome_area"])
if len(areas.cells):
    figure = plot_country_shares(areas.cells, colours, labels=labels, names=names,
                                 title="Outcome areas: share of each country's outcomes")
display(Markdown(markdown_text(describe_contingency(areas, names=names, labels=labels))))
# Country as an ordinary first column: one header row, no leftover 'country' / 'outcome_area' headers.
areas.table.rename(index=names, columns=labels).rename_axis(index="Country", columns=None).reset_index()

# %% [markdown]
# The same question for the **type of change** (action, policy, budget...) by country, and for
# the **level of governance** (local to international) by sector.

# %%
change = contingency.contingency(outcomes, "country", "type_of_change", col_order=order["type_of_change"])
display(Markdown(markdown_text(describe_contingency(change, names=names, labels=labels))))
levels = contingency.contingency(outcomes, "sector", "level", col_order=order["level"])
if len(levels.cells):
    figure = plot_country_shares(levels.cells, row="sector", col="level", ncols=4, labels=labels,
                                 title="Level of governance: share of each sector's outcomes")
display(Markdown(markdown_text(describe_contingency(levels, names=names, labels=labels))))
levels.table.rename(columns=labels).rename_axis(index="Sector", columns=None).reset_index()

# %% [markdown]
# Looking at several tables makes it likelier that one shows a pattern by chance. The
# Holm correction below accounts for the three tables looked at together: read the
# "after correction" column.

# %%
summary = contingency.contingency_summary([areas, change, levels])
tests = {"chi-square": "chi-square", "fisher exact": "Fisher's exact", "monte-carlo exact": "exact (Monte-Carlo)"}
summary.assign(row=summary["row"].str.replace("_", " "), col=summary["col"].str.replace("_", " "),
               test=summary["test"].map(tests).fillna(summary["test"]), cramers_v=summary["cramers_v"].round(2),
               p_value=summary["p_value"].map(format_p), p_holm=summary["p_holm"].map(format_p))[[
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
substantiation = substantiation_by(outcomes)
display(Markdown(markdown_text(describe_substantiation(substantiation, names=names, labels=labels))))
figure = plot_substantiation_by(substantiation, colours, names=names)

# %% [markdown]
# ## Themes in the reflection sessions
#
# How often each theme of the codebook comes up, as the share of a country's speaker turns
# (segments) that a coder marked with it, so that countries with more sessions do not look
# bigger. First the nine families of themes, then the most used themes one by one. Themes are
# read from all the reflection sessions of the countries compared, whichever sectors are chosen.

# %%
theme_groups = themes.code_frequencies(stacked.codings, stacked.segments, codebook=codebook, level="group")
figure = plot_country_themes(theme_groups, colours, labels=labels, names=names,
                             title="Families of themes: share of each country's segments")

# %%
by_code = themes.code_frequencies(stacked.codings, stacked.segments)
figure = plot_country_themes(by_code, colours, labels=labels, names=names, top=options["top_codes"],
                             title=f"The {options['top_codes']} most used themes: share of each "
                             "country's segments")

# %% [markdown]
# ### What is distinctive for each country
#
# A theme is distinctive when a country uses it more (or less) than the other countries by
# more than chance would explain.

# %%
distinctive = themes.distinctive_themes(stacked.codings, stacked.segments)
display(Markdown(markdown_text(describe_distinctive(distinctive, names=names, labels=labels))))
shown = distinctive.loc[distinctive["direction"] != ""].reset_index(drop=True)
shown.assign(country=shown["country"].map(names), theme=shown["code_id"].map(labels),
             coverage=percent(shown["coverage"]), coverage_rest=percent(shown["coverage_rest"]),
             z=shown["z"].map(lambda z: f"{z:+.1f}"))[[
    "country", "theme", "direction", "coverage", "coverage_rest", "z"]].rename(columns={
        "direction": "uses it", "coverage": "share of segments (%)", "coverage_rest": "elsewhere (%)",
        "z": "distinctiveness (z: beyond ±2 stands out)"})

# %% [markdown]
# ### Themes round by round
#
# Reflection sessions run in rounds (each country's own action-learning cycles). Each panel
# follows one family of themes across rounds, one line per country. Round 2 is each
# country's second round, not the same calendar date everywhere.

# %%
rounds = themes.themes_over_rounds(stacked.codings, stacked.segments, stacked.sessions, by="country",
                                   codebook=codebook, level="group")
figure = plot_country_themes_over_rounds(rounds, colours, labels=labels, names=names)

# %% [markdown]
# ## Case comparison: which combinations of conditions go with policy and budget wins
#
# Each campaign is a case. Five conditions and one outcome are read from the data with the
# rules below (from the harvest, or from what the reflection sessions dwell on). A
# Qualitative Comparative Analysis (crisp-set QCA) then looks for the combinations of
# conditions that the campaigns with the outcome share and the others lack.

# %%
case_words = {"BROAD_COALITION": "a broad coalition", "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament",
              "INSIDE_ALLIES": "inside allies", "MEMBERSHIP_BASE": "a membership base", "MEDIA": "media work",
              "POLICY_BUDGET_CHANGE": "a substantiated policy or budget change"}
rules = condition_rules(labels=rule_labels)
rules.assign(name=rules["name"].map(case_words).fillna(rules["name"])
             + rules["role"].map({"outcome": " (the outcome)"}).fillna(""))[[
    "name", "meaning", "harvest", "sessions"]].rename(columns={"name": "condition",
        "harvest": "from the outcome harvest", "sessions": "or from the reflection sessions"})

# %%
conditions = campaign_conditions(stacked, registry, codebook, sectors=sectors)
conditions.assign(country=conditions["country"].map(names),
                  **{name: conditions[name].map({1: "yes", 0: "no"}) for name in case_words})[[
    "campaign_id", "country", "sector", *case_words]].rename(columns={"campaign_id": "campaign", **case_words})

# %% [markdown]
# The truth table groups campaigns with the same combination of conditions. "Consistency" is
# the share of a row's campaigns that show the outcome; "mixed" marks rows where some do and
# some do not (contradictions to look at again).

# %%
cases = case_comparison(conditions)
display(Markdown(markdown_text(describe_case_comparison(cases, names=names, labels=case_words))))
style_truth_table(cases.truth_table, cases.conditions, labels=case_words, outcome_label="policy or budget win")

# %% [markdown]
# Each solution below is a list of combinations (one per row), any of which goes with the
# outcome. Consistency is the share of the campaigns with a combination that show the outcome;
# coverage is the share of the campaigns with the outcome that have the combination. When
# several models fit equally well, the data cannot choose between them.

# %%
if len(cases.solutions):
    solutions = cases.solutions
    display(solutions.assign(
        term=solutions["term"].map(lambda term: combination_words(term, case_words)),
        cases=solutions["cases"].str.replace(";", ", "), consistency=percent(solutions["consistency"]),
        raw_coverage=percent(solutions["raw_coverage"]), unique_coverage=percent(solutions["unique_coverage"]))[[
            "kind", "solution", "term", "consistency", "raw_coverage", "unique_coverage", "cases"]].rename(columns={
                "kind": "solution type", "solution": "model", "term": "combination", "consistency": "consistency (%)",
                "raw_coverage": "coverage (%)", "unique_coverage": "coverage by this combination only (%)",
                "cases": "campaigns"}))
else:
    display(Markdown("No combination of conditions goes consistently with the outcome, so there is no solution."))

# %% [markdown]
# The parsimonious solution is simpler because it assumes how combinations no campaign has
# would turn out. Those assumptions are listed here; each should be plausible on what we know.

# %%
if len(cases.simplifying_assumptions):
    assumed = cases.simplifying_assumptions.drop_duplicates("configuration").reset_index(drop=True)
    display(assumed[list(cases.conditions)].replace({1: "yes", 0: "no"}).rename(columns=case_words))
else:
    display(Markdown("The solutions rest on no assumption about combinations that no campaign has."))

# %% [markdown]
# ## What this does and does not show

# %%
display(Markdown(f"""
- **It shows** how the countries' harvests and reflections differ once the length and number
  of campaigns are taken into account, with the uncertainty that {n_campaigns} leave.
- **It does not show** that one country or strategy works better. Outcomes are harvested by
  each team in its own way; more outcomes can mean a more thorough harvest as much as more change.
- **Intervals matter more than single numbers.** With few campaigns, an interval that
  includes "no difference" also includes sizeable differences: absence of evidence is not
  evidence of absence.
- **Substantiation is not random.** Teams choose which outcomes to check, so confirmation
  rates speak about the outcomes checked, not the harvest as a whole.
- **Themes count what coders marked**, and turns of one session share a topic: read the
  distinctive themes as a ranking to discuss with the country teams, not as a test.
- **The case comparison gives hypotheses.** With {n_campaigns} and {len(cases.conditions)} conditions, many
  combinations are never observed; the combinations found should be checked against what
  the country teams know of each campaign.
"""))

# %% [markdown]
# ## Method notes
#
# For readers who want to know how the numbers were made.
#
# - **Poisson and negative-binomial models.** Rate ratios come from a regression for counts
#   (statsmodels) with each campaign's outcomes as the count and its campaign-months as the
#   exposure. The Poisson model assumes campaigns differ only by chance; when counts vary more
#   than that (the "Pearson chi-square / df" measure of spread is well above 1), the
#   negative-binomial model, which allows extra variation, is used and the report says so.
#   Intervals are Wald 95% intervals; p-values are Holm-corrected across countries or sectors.
# - **Tests of tables.** Pearson's chi-square test when expected counts are large enough
#   (Cochran's rule: none below 1, at most a fifth below 5); otherwise Fisher's exact test for a
#   2 x 2 table, or a Monte-Carlo exact test: 9,999 random tables with the same row and column
#   totals are drawn, and the p-value is the share at least as far from independence as the
#   observed one. The random draws start from a fixed seed so that every run gives the same
#   p-value. Cells that stand out are judged by Haberman's adjusted standardised residuals,
#   Holm-corrected over the cells of the table.
# - **Cramér's V** is read with Cohen's (1988) benchmarks (negligible, weak, moderate, strong),
#   scaled for the table's size; it runs high in small, sparse tables.
# - **Substantiation intervals** are Wilson 95% intervals, which behave well with small numbers
#   and shares near 0% or 100%.
# - **Distinctive themes** use weighted log-odds with an informative prior (Monroe, Colaresi and
#   Quinn 2008): each country's use of a theme is compared with the other countries', shrinking
#   the differences of rarely used themes so that they do not look distinctive by chance. The
#   resulting z-scores are Holm-corrected within each country.
# - **Case comparison** is crisp-set Qualitative Comparative Analysis: each condition is yes or
#   no by the rules shown, campaigns with the same combination form a truth-table row, and
#   Boolean minimisation finds the shortest combinations that cover the campaigns with the
#   outcome. The complex solution assumes nothing about combinations no campaign has; the
#   parsimonious one assumes whatever simplifies (the simplifying assumptions listed). With few
#   cases, even random data can give tidy solutions (Marx and Dusa 2011).
