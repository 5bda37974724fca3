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
import pandas as pd
from IPython.display import HTML, Markdown, display

from sparklearn.analysis import contingency, multiplicity, rates, themes
from sparklearn.analysis.cases import (
    DEGREE_MEASURES,
    OUTCOME_RULES,
    campaign_conditions,
    campaign_degrees,
    case_scores,
    condition_rules,
    fuzzy_case_comparison,
    skewed_conditions,
)
from sparklearn.analysis.choices import (
    choices_summary,
    exposure_alternatives,
    qca_alternatives,
)
from sparklearn.analysis.barriers import barrier_persistence, barriers_by_round, turn_rounds
from sparklearn.analysis.decisions import as_of_date, course_changes, follow_through
from sparklearn.analysis.ecosystem import (
    actor_change_table,
    actor_combinations,
    actor_engagement,
    ecosystem_graph,
    engaged_actors,
)
from sparklearn.analysis.gains import kinds_of_change, who_gained, who_speaks
from sparklearn.analysis.money import budget_stages, converted_totals, money_by_currency, rates_from_parameter
from sparklearn.analysis.outcomes import substantiation_by, substantiation_rates
from sparklearn.analysis.power import power_by_round, power_profile, space_moves
from sparklearn.analysis.robustness import robustness
from sparklearn.codebook import codebook_table, vocabulary
from sparklearn.report.choice_words import choices_for_readers, describe_choices
from sparklearn.report.comparison_figures import (
    plot_country_rates,
    plot_country_shares,
    plot_country_themes,
    plot_country_themes_over_rounds,
    plot_rate_ratios,
    plot_sector_rates,
    plot_substantiation_by,
    style_fuzzy_truth_table,
)
from sparklearn.report.comparison_words import (
    as_percent,
    combination_words,
    describe_contingency,
    describe_distinctive,
    describe_fuzzy_case_comparison,
    describe_necessity,
    describe_rate_ratios,
    describe_robustness,
    describe_substantiation,
    format_p,
    format_score,
    test_label,
)
from sparklearn.report.display import report_setup
from sparklearn.report.gains_words import (
    describe_gains_compared,
    describe_money_compared,
    describe_who_speaks_compared,
    gains_for_readers,
    money_for_readers,
    plot_budget_stages,
    plot_who_gained,
)
from sparklearn.report.findings import (
    association_finding,
    distinctive_finding,
    key_findings_html,
    rates_finding,
    substantiation_comparison_finding,
)
from sparklearn.report.decisions import describe_course_changes, describe_follow_through, plot_follow_through
from sparklearn.report.ecosystem import combinations_for_readers, describe_actor_combinations, plot_ecosystem
from sparklearn.report.learning_questions import (
    barriers_compared_for_readers,
    describe_barriers_compared,
    describe_space_moves,
    power_for_readers,
)
from sparklearn.report.tables import markdown_text, named, with_caption
from sparklearn.store import load_processed, notebook_paths, reference

report_setup()

# %% tags=["parameters"]
countries = []  # country slugs to compare; []: every country in countries.yaml
sectors = []  # campaign sectors to keep (e.g. ["health", "education"]); []: all
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the project's data/raw
processed_dir = None  # processed tables; None: $SPARKLEARN_OUT/processed or the project's data/processed
period_start = None  # "YYYY-MM-DD" or None
period_end = None  # "YYYY-MM-DD" or None
options = {"top_codes": 12}
# Exchange rates to compare amounts across currencies in "Following the money"; None: amounts stay per currency.
# e.g. {"to": "USD", "source": "IMF IFS annual averages", "year": 2023, "rates": {"GHS": 0.087, "KES": 0.0070}}
money_conversion = None
# Choices that can change conclusions; the "Choices and their effect" section reruns the key results under each
# alternative. Exposure window: "country" ends each country's campaigns at that country's own last harvest (latest
# session or outcome), so months after a team stopped recording do not count as months without outcomes; "all"
# ends every campaign at the latest harvest of any country (which penalises teams that finished earlier).
exposure_window = "country"
# What counts as a win in the case comparison: "reported" is any positive policy or budget change in the harvest that
# no informant disputed; "substantiated" needs an informant's confirmation. Teams check a sample they choose, so an
# unchecked change is not a failed one and the rates above count every outcome too: "reported" is the default.
qca_outcome = "reported"
# A condition on one side of the crossover in this share of campaigns or more is flagged as skewed (cannot discriminate).
skew_threshold = 0.9
# Case comparison (fuzzy-set QCA); the report explains each default in words.
# Anchors (fully out, crossover, fully in) of the conditions that are matters of degree: coalition breadth in
# kinds of non-state actor that changed (of 6), membership engagement as the share of outcomes community groups act in.
fuzzy_anchors = {"BROAD_COALITION": [1, 3.5, 5], "MEMBERSHIP_BASE": [0.05, 0.15, 0.40]}
# Theory-based expectations (1: presence helps towards a win, 0: absence does): SPARK's strategic components
# (coalitions, the accountability ecosystem, openings from above, agency from below, public discourse) each expect
# their condition to help. Leave a condition out to state no expectation.
directional_expectations = {"BROAD_COALITION": 1, "AUDIT_OR_PARLIAMENT": 1, "INSIDE_ALLIES": 1,
                            "MEMBERSHIP_BASE": 1, "MEDIA": 1}
incl_cut = 0.8  # least consistency for a combination to count as sufficient (Ragin 2008: not below 0.75)
pri_cut = 0.5  # least PRI: below one half a row is nearly as consistent with no win as with a win
# Robustness: alternative anchors (crossover one kind of actor, or five points of share, either side) and thresholds.
robustness_anchors = {"BROAD_COALITION": [[1, 2.5, 5], [1, 4.5, 6]],
                      "MEMBERSHIP_BASE": [[0.05, 0.10, 0.40], [0.05, 0.20, 0.40]]}
robustness_incl_cuts = [0.75, 0.9]

# %%
paths = notebook_paths(data_dir, processed_dir)
registry, codebook = reference(paths)  # the checked registry and codebook
slugs = list(countries) or registry.slugs
# The batch has prepared every country already; in JupyterLab a stale country is prepared here.
stacked = load_processed(paths, slugs, period_start=period_start, period_end=period_end)
exposure = rates.exposure(registry, stacked.sessions, outcomes=stacked.outcomes, countries=slugs,
                          sectors=sectors, period_start=period_start, period_end=period_end, end_by=exposure_window)
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
campaign_names = dict(zip(registry.campaigns["campaign_id"], registry.campaigns["name"]))

# %%
# The key findings come first but rest on the sections below: the box is filled in once they have run.
findings_box = display(HTML(key_findings_html([])), display_id=True)

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
exposure.assign(campaign_id=named(exposure["campaign_id"], campaign_names), country=exposure["country"].map(names),
                sector=exposure["sector"].map(registry.sector_labels()).fillna(exposure["sector"]),
                start=exposure["start"].dt.strftime("%d %b %Y"), end=exposure["end"].dt.strftime("%d %b %Y")).round(
    {"campaign_months": 1, "session_share": 1}).rename(
    columns={"campaign_id": "campaign", "start": "counted from", "end": "counted to",
             "campaign_months": "campaign-months", "n_sessions": "sessions held",
             "session_share": "sessions (shared ones split)"}).pipe(
    with_caption, "The campaigns compared: how long each is counted, in campaign-months, and its sessions")

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
# - **Monte-Carlo test when counts are small.** The usual (chi-square) test is an approximation
#   that needs enough outcomes in every cell of a table. When many cells are small, the report
#   instead compares the table with 9,999 random tables with the same totals: the p-value is the
#   share of them at least as far from "every country alike" as the real one (an estimate of the
#   exact p-value, close enough to read).
# - **Holm correction.** The more comparisons one looks at, the likelier one of them looks
#   remarkable by chance. The Holm correction raises the p-values to allow for every test this
#   report makes (the rate ratios and the tables, together); "after correction" values are the
#   ones to read, and only results that stand out after it are called differences or associations.
# - **Cramér's V**: how strongly two classifications go together (say, country and outcome area),
#   from 0 (not at all: every country spreads its outcomes alike) to 1 (completely: knowing the
#   country tells the outcome area). In tables with few outcomes per cell the plain value runs
#   high by chance alone, so the report gives the bias-corrected one beside it.
# - **Standardised residual**: for one cell of a table, how far the observed count is from the
#   count expected if every country spread its outcomes alike, in units of chance variation.
#   Cells are read only in a table whose own test stands out after the correction; then beyond
#   about ±2 a cell stands out (the report also corrects for the number of cells).
# - **Case comparison (QCA).** Each campaign is a case with a few conditions (a broad coalition,
#   media work...), some yes or no, some a matter of degree. Qualitative Comparative Analysis asks
#   whether any condition is present in nearly every campaign with a policy or budget win
#   (necessary), then which combinations of conditions the campaigns with a win share and the
#   others lack (sufficient).
#
# Technical terms that appear in passing are explained in the **Method notes** at the end.

# %%
# Every test whose p-value the report states, computed first so that one Holm correction covers them all.
by_country = (rates.rate_ratios(outcomes, exposure, by="country", family=rate_family)
              if exposure["country"].nunique() > 1 else None)
sector_ratios = (rates.rate_ratios(outcomes, exposure, by="sector", family=rate_family)
                 if exposure.loc[exposure["campaign_months"] > 0, "sector"].nunique() > 1 else None)
areas = contingency.contingency(outcomes, "country", "outcome_area", col_order=order["outcome_area"])
change = contingency.contingency(outcomes, "country", "type_of_change", col_order=order["type_of_change"])
levels = contingency.contingency(outcomes, "sector", "level", col_order=order["level"])
by_country, sector_ratios, areas, change, levels = multiplicity.correct_across_report({
    "rates by country": by_country, "rates by sector": sector_ratios, "outcome areas": areas,
    "types of change": change, "levels": levels}).values()

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
        "ci_high": "95% high", "n_sessions": "sessions", "per_session": "per session"}).pipe(
    with_caption, "Outcomes per campaign-month by country, with 95% intervals (exact Poisson)")

# %% [markdown]
# ### Rates compared as ratios
#
# Each country's rate divided by the rate of a reference country (the one with the most
# campaign-months, so the steadiest baseline). A ratio of 2 means twice as many outcomes per
# campaign-month; the scale is logarithmic so that half and double sit at equal distances from 1.

# %%
if by_country is not None:
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
    display(by_sector.assign(country=by_sector["country"].map(names),
                             sector=by_sector["sector"].map(registry.sector_labels()).fillna(by_sector["sector"])).round(
        {"campaign_months": 1, "per_campaign_month": 2, "ci_low": 2, "ci_high": 2, "ratio_to_sector": 2})[[
        "sector", "country", "n_campaigns", "n_outcomes", "campaign_months", "per_campaign_month", "ci_low",
        "ci_high", "ratio_to_sector"]].rename(columns={
            "n_campaigns": "campaigns", "n_outcomes": "outcomes", "campaign_months": "campaign-months",
            "per_campaign_month": "per campaign-month", "ci_low": "95% low", "ci_high": "95% high",
            "ratio_to_sector": "against the sector's rate"}).pipe(
        with_caption, "Outcomes per campaign-month by sector and country, against the sector's pooled rate"))
else:
    display(Markdown("No sector is worked in by two or more of the countries compared."))

# %%
if sector_ratios is not None:
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
# produce with these totals (a Monte-Carlo test when counts are small), and, only if it is,
# which cells stand out.

# %%
if len(areas.cells):
    figure = plot_country_shares(areas.cells, colours, labels=labels, names=names,
                                 title="Outcome areas: share of each country's outcomes")
display(Markdown(markdown_text(describe_contingency(areas, names=names, labels=labels))))
# Country as an ordinary first column: one header row, no leftover 'country' / 'outcome_area' headers.
areas.table.rename(index=names, columns=labels).rename_axis(index="Country", columns=None).reset_index().pipe(
    with_caption, "Outcomes by country and outcome area (counts)")

# %% [markdown]
# The same question for the **type of change** (action, policy, budget...) by country, and for
# the **level of governance** (local to international) by sector.

# %%
display(Markdown(markdown_text(describe_contingency(change, names=names, labels=labels))))
if len(levels.cells):
    figure = plot_country_shares(levels.cells, row="sector", col="level", ncols=4, labels=labels,
                                 title="Level of governance: share of each sector's outcomes")
display(Markdown(markdown_text(describe_contingency(levels, names=names, labels=labels))))
levels.table.rename(index=registry.sector_labels(), columns=labels).rename_axis(
    index="Sector", columns=None).reset_index().pipe(
    with_caption, "Outcomes by sector and level of governance (counts)")

# %% [markdown]
# Looking at several tables and ratios makes it likelier that one shows a pattern by chance.
# The Holm correction accounts for every test whose p-value this report states (the three
# tables and the rate ratios, together): read the "after correction" column.

# %%
summary = contingency.contingency_summary([areas, change, levels])
summary.assign(row=summary["row"].str.replace("_", " "), col=summary["col"].str.replace("_", " "),
               test=[test_label(*t) for t in summary[["test", "dof", "n_resamples"]].itertuples(index=False)],
               cramers_v=summary["cramers_v"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
               cramers_v_corrected=summary["cramers_v_corrected"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
               p_value=summary["p_value"].map(format_p), p_adjusted=summary["p_adjusted"].map(format_p))[[
    "row", "col", "n", "test", "cramers_v_corrected", "cramers_v", "p_value", "p_adjusted", "n_small_expected"]].rename(
    columns={"row": "compared", "col": "with", "n": "outcomes", "cramers_v_corrected": "Cramér's V (bias-corrected)",
             "cramers_v": "Cramér's V (plain)", "p_value": "chance of a pattern this strong",
             "p_adjusted": f"after correction across the report's {summary['family_size'].max()} tests",
             "n_small_expected": "cells expected below 5"}).pipe(
    with_caption, "The tests of the three tables, side by side")

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
# ## Who gained, compared
#
# Which groups each country's outcomes benefit and what kind of change they are (the harvests' optional "Social group"
# and "Kind of change" columns). Shares are of each country's outcomes that record the column; a country with too few
# such outcomes is marked "n too small to compare" and not ranked.

# %%
compared_gains = who_gained(outcomes, codebook)
compared_kinds = kinds_of_change(outcomes, codebook)
display(Markdown(markdown_text(describe_gains_compared(compared_gains, compared_kinds, names=names))))
if compared_gains["n_outcomes"].gt(0).any():
    figure = plot_who_gained(compared_gains, names=names, title="Who gained: share of each country's outcomes naming a group")

# %%
if compared_kinds["n_outcomes"].gt(0).any():
    display(gains_for_readers(compared_kinds, names=names))
if compared_gains["n_outcomes"].gt(0).any():
    display(gains_for_readers(compared_gains, names=names))

# %% [markdown]
# ### Who speaks in the reflection sessions, compared
#
# The role that spoke most in each country's sessions, by words. Each team names its own roles.

# %%
compared_speakers = who_speaks(stacked.segments)
display(Markdown(markdown_text(describe_who_speaks_compared(compared_speakers, names=names))))

# %% [markdown]
# ## Following the money, compared
#
# Where in the budget cycle each country's outcomes sit, and the amounts they involve, in each country's own currency.
# Amounts are only added across currencies with exchange rates given as the `money_conversion` parameter.

# %%
conversion = rates_from_parameter(money_conversion)
compared_stages = budget_stages(outcomes, codebook)
compared_money = money_by_currency(outcomes)
compared_converted = (converted_totals(outcomes, conversion) if conversion is not None and len(compared_money)
                      else None)
display(Markdown(markdown_text(describe_money_compared(compared_stages, compared_money, converted=compared_converted,
                                                       rates=conversion, names=names))))
if compared_stages.loc[compared_stages["budget_stage"].notna(), "n_outcomes"].gt(0).any():
    figure = plot_budget_stages(compared_stages, names=names, title="Outcomes at each stage of the budget cycle")

# %%
money_for_readers(compared_money, names=names)

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
# What the codebook means by each of these themes.

# %%
most_used = by_code.groupby("code_id")["coverage"].mean().nlargest(options["top_codes"]).index
codes.set_index("code_id").loc[most_used, ["label", "definition"]].reset_index(drop=True).rename(
    columns={"label": "theme", "definition": "what the codebook means by it"}).pipe(
    with_caption, "The most used themes, as the codebook defines them")

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
        "z": "distinctiveness (z: beyond ±2 stands out)"}).pipe(
    with_caption, "Themes a country uses more or less than the others, beyond chance")

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

# %%
# The key findings at the top of the report, from the results the sections above show.
findings_box.update(HTML(key_findings_html([
    rates_finding(country_rates, names),
    association_finding(areas),
    substantiation_comparison_finding(substantiation_rates(outcomes, by=None), substantiation, names),
    distinctive_finding(distinctive),
])))

# %% [markdown]
# ## Case comparison: which combinations of conditions go with policy and budget wins
#
# Each campaign is a case with five conditions and one outcome, read from the data. Two of the
# conditions are matters of degree (a campaign's coalition can be broader or narrower), so they
# are measured on a scale (next section). The other three, and the outcome, are yes or no by the
# rules below (from the harvest, or from what the reflection sessions dwell on). A Qualitative Comparative Analysis (fuzzy-set QCA) then asks two questions in
# turn: is any condition **necessary** for a win (present in nearly every campaign with one), and
# which **combinations** of conditions are enough for a win (sufficient)?

# %%
case_words = {"BROAD_COALITION": "a broad coalition", "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament",
              "INSIDE_ALLIES": "inside allies", "MEMBERSHIP_BASE": "a membership base", "MEDIA": "media work",
              "POLICY_BUDGET_CHANGE": {"reported": "a reported policy or budget change (not disputed)",
                                       "substantiated": "a substantiated policy or budget change"}[qca_outcome]}
win_words = {**case_words, "POLICY_BUDGET_CHANGE": "a policy or budget win"}
rules = condition_rules(outcome=OUTCOME_RULES[qca_outcome], labels=rule_labels)
rules = rules.loc[~rules["name"].isin(list(fuzzy_anchors))].reset_index(drop=True)
rules.assign(name=rules["name"].map(case_words).fillna(rules["name"])
             + rules["role"].map({"outcome": " (the outcome)"}).fillna(""))[[
    "name", "meaning", "harvest", "sessions"]].rename(columns={"name": "condition",
        "harvest": "from the outcome harvest", "sessions": "or from the reflection sessions"}).pipe(
    with_caption, "The yes-or-no conditions and the outcome, and how each is read from the data")

# %% [markdown]
# ### Conditions that are matters of degree
#
# A broad coalition and a membership base are not simply there or not: they are measured from
# the harvest on a scale and turned into a **degree of membership** between 0 (fully out) and 1
# (fully in) with three anchors: the score at which a campaign is fully out, the crossover
# (neither more in nor more out: 0.5), and the score at which it is fully in (Ragin's direct
# method). The anchors say what the words mean; they follow from that meaning, not from the
# results (the robustness check below moves them):
#
# - **Coalition breadth** counts how many of the six kinds of non-state actor in the codebook
#   (community groups, civil-society organisations, traditional or faith leaders, media, private
#   sector, donors) changed in the campaign's harvest. One kind (the affected community alone) is
#   no coalition: fully out at 1. More than half of the six kinds is more in than out: crossover
#   at 3.5 (a half keeps every campaign off the crossover, since counts are whole numbers). Five of
#   the six kinds is fully in.
# - **Engagement of the membership** is the share of a campaign's outcomes in which community or
#   grassroots groups themselves act. One outcome in twenty (5%) or fewer is fully out; the
#   crossover is 15%, the threshold of the yes/no rule above, so that both readings draw the line
#   in the same place; two outcomes in five (40%), where community groups carry a large part of
#   the change, is fully in.
#
# The other conditions and the outcome keep their yes/no value (1 or 0), which fuzzy-set QCA
# reads as full membership or none.

# %%
conditions = campaign_conditions(stacked, registry, codebook, sectors=sectors, outcome=OUTCOME_RULES[qca_outcome])
degrees = campaign_degrees(stacked, registry, codebook, sectors=sectors)
scores = case_scores(conditions, degrees)
degree_words = {m.name: m.meaning for m in DEGREE_MEASURES}
# Shares read as percentages, counts as numbers, in every table and sentence of this section.
score_kinds = {m.name: m.score for m in DEGREE_MEASURES}
pd.DataFrame([{"condition": case_words.get(name, name), "raw score": degree_words.get(name, ""),
               **{column: format_score(value, score_kinds.get(name, "")) for column, value in zip(
                   ("fully out at", "crossover at", "fully in at"), triple)}}
              for name, triple in fuzzy_anchors.items()]).pipe(
    with_caption, "The anchors that turn a score into a degree of membership")

# %%
fuzzy = fuzzy_case_comparison(scores, fuzzy_anchors, directional_expectations, incl_cut=incl_cut, pri_cut=pri_cut)
membership = fuzzy.memberships.set_index("campaign_id")
shown_cases = scores.assign(country=scores["country"].map(names))[["campaign_id", "country"]]
for name in fuzzy.conditions + (fuzzy.outcome,):
    if name in fuzzy_anchors:
        shown_cases[f"{case_words[name]}: score"] = [format_score(v, score_kinds.get(name, "")) for v in scores[name]]
        shown_cases[f"{case_words[name]}: membership"] = membership.loc[scores["campaign_id"], name].map(
            lambda v: f"{v:.2f}").to_numpy()
    else:
        shown_cases[case_words[name]] = scores[name].map({1: "yes", 0: "no"}).to_numpy()
# A condition nearly every campaign has (or lacks) cannot tell campaigns apart: say so where it is used.
skewed = skewed_conditions(fuzzy.memberships, [*fuzzy.conditions, fuzzy.outcome], threshold=skew_threshold)
for row in skewed.loc[skewed["skewed"]].itertuples():
    held = row.n_in if row.side == "in" else row.n_cases - row.n_in
    display(Markdown(f"**Skewed {'outcome' if row.condition == fuzzy.outcome else 'condition'}:** "
                     f"{markdown_text(win_words.get(row.condition, row.condition))} is "
                     f"{'present' if row.side == 'in' else 'absent'} in {held} of {row.n_cases} campaigns. It can "
                     "hardly tell the campaigns apart: it will look necessary for a win whatever its role, and "
                     "results that rest on it say little."))
shown_cases.assign(campaign_id=named(shown_cases["campaign_id"], campaign_names)).rename(
    columns={"campaign_id": "campaign"}).pipe(with_caption, "Each campaign's conditions and outcome")

# %% [markdown]
# ### Necessity first: is any condition present in (nearly) every campaign with a win?
#
# Necessity is checked before anything else, as the method prescribes: a necessary condition can
# be lost from view once combinations are simplified. For each condition, and for its absence:
#
# - **consistency**: how far the campaigns with a win are among those with the condition
#   (1: all of them); a condition is called necessary only from 0.9;
# - **coverage**: how far the campaigns with the condition have a win (low: the condition is
#   common among campaigns without a win too);
# - **relevance**: whether the condition is more than just common everywhere (a condition every
#   campaign has is "necessary" for anything); below 0.5 it is close to trivial.

# %%
display(Markdown(markdown_text(describe_necessity(fuzzy.necessity, n_cases=len(fuzzy.memberships),
                                                  labels=win_words))))
fuzzy.necessity.assign(
    expression=fuzzy.necessity["expression"].map(
        lambda e: f"NOT {case_words[e[1:]]}" if e.startswith("~") else case_words[e]),
    necessary=fuzzy.necessity["necessary"].map({True: "yes", False: "no"}),
    **{column: fuzzy.necessity[column].map(lambda v: f"{v:.2f}") for column in ("consistency", "coverage",
                                                                                "relevance")})[[
    "expression", "consistency", "coverage", "relevance", "necessary"]].rename(columns={
        "expression": "condition", "necessary": "necessary (consistency ≥ 0.90, relevance ≥ 0.50)"}).pipe(
    with_caption, "Necessity: each condition, and its absence, against the campaigns with a win")

# %% [markdown]
# ### Which combinations are enough for a win
#
# The truth table groups campaigns with the same combination of conditions (a campaign sits in
# the row where its membership is above one half). **Consistency** is how far the row's
# campaigns, by their degrees of membership, show the outcome; **PRI** checks the same row is not
# also consistent with the outcome's absence. A row counts as sufficient from the consistency and
# PRI thresholds stated below.

# %%
display(Markdown(f"A row counts as sufficient when its consistency is at least {incl_cut:.2f} and its PRI at "
                 f"least {pri_cut:.2f}."))
style_fuzzy_truth_table(fuzzy.truth_table.assign(cases=named(fuzzy.truth_table["cases"], campaign_names)),
                        fuzzy.conditions, labels=case_words, outcome_label="a win")

# %% [markdown]
# Each solution below is a list of combinations (one per row), any of which goes with a win.
# Combinations no campaign has cannot be observed, so a solution either assumes nothing about them
# (**complex**), assumes whatever simplifies (**parsimonious**), or assumes only what theory
# makes plausible (**intermediate**, the one to read first): the expectations below state, for each
# condition, whether its presence is expected to help towards a win. **Coverage** is how far the
# campaigns with a win have the combination. When several models fit equally well, the data cannot
# choose between them.

# %%
display(Markdown(markdown_text(describe_fuzzy_case_comparison(fuzzy, labels=win_words, names=names))))
pd.DataFrame({"condition": [case_words[c] for c in fuzzy.expectations],
              "expected to help towards a win": ["its presence" if v == 1 else "its absence"
                                                 for v in fuzzy.expectations.values()]}).pipe(
    with_caption, "What theory expects of each condition")

# %%
if len(fuzzy.solutions):
    solutions = fuzzy.solutions
    display(solutions.assign(
        kind=pd.Categorical(solutions["kind"], ["intermediate", "complex", "parsimonious"]),
        term=solutions["term"].map(lambda term: combination_words(term, case_words)),
        cases=named(solutions["cases"], campaign_names),
        **{column: solutions[column].map(lambda v: f"{v:.2f}")
           for column in ("consistency", "pri", "raw_coverage", "unique_coverage")})[[
            "kind", "solution", "term", "consistency", "pri", "raw_coverage", "unique_coverage", "cases"]].rename(
        columns={"kind": "solution type", "solution": "model", "term": "combination", "pri": "PRI",
                 "raw_coverage": "coverage", "unique_coverage": "coverage by this combination only",
                 "cases": "campaigns (membership above one half)"}).pipe(
        with_caption, "The combinations that go with a win, by kind of solution"))
else:
    display(Markdown("No combination of conditions goes consistently enough with a win, so there is no solution."))

# %% [markdown]
# The intermediate and parsimonious solutions are simpler than the complex one because they assume
# how combinations no campaign has would turn out. Those assumptions are listed here; each should be
# plausible on what we know of the campaigns.

# %%
assumed = fuzzy.simplifying_assumptions.loc[fuzzy.simplifying_assumptions["kind"] != "complex"]
if len(assumed):
    assumed = assumed.drop_duplicates(["kind", "configuration"]).reset_index(drop=True)
    display(assumed[["kind", *fuzzy.conditions]].replace({1: "yes", 0: "no"}).rename(
        columns={"kind": "assumed by the solution", **case_words}).pipe(
        with_caption, "Combinations no campaign has, as the simpler solutions assume them"))
else:
    display(Markdown("The solutions rest on no assumption about combinations that no campaign has."))

# %% [markdown]
# ### Robustness: do the combinations survive other reasonable choices?
#
# The anchors and the consistency threshold are judgements. The analysis is run again with each
# alternative anchor set (one condition at a time) and each alternative threshold, and the
# intermediate solution of every run is compared with the one above. A combination found in most
# runs rests less on any single choice.

# %%
grid = {name: [fuzzy_anchors[name], *robustness_anchors.get(name, [])] for name in fuzzy_anchors}
robust = robustness(scores, fuzzy.conditions, fuzzy.outcome, grid, incl_cuts=[incl_cut, *robustness_incl_cuts],
                    pri_cut=pri_cut, directional_expectations=directional_expectations, case="campaign_id")
display(Markdown(markdown_text(describe_robustness(robust, labels=case_words))))
alternatives = "; ".join(f"{case_words[name]}: " + ", ".join("/".join(format_score(v, score_kinds.get(name, "")) for v in triple)
                                                             for triple in robustness_anchors.get(name, []))
                         for name in fuzzy_anchors)
display(Markdown(f"Alternative anchors (fully out / crossover / fully in): {markdown_text(alternatives)}. "
                 "Alternative consistency thresholds: "
                 f"{', '.join(f'{cut:.2f}' for cut in robustness_incl_cuts)}."))
robust.terms.assign(term=robust.terms["term"].map(lambda term: combination_words(term, case_words)),
                    in_reference=robust.terms["in_reference"].map({True: "yes", False: "no"}),
                    share=percent(robust.terms["share"]))[[
    "term", "in_reference", "runs_in_every_model", "runs_in_some_model", "runs", "share"]].rename(columns={
        "term": "combination", "in_reference": "in the solution above",
        "runs_in_every_model": "runs where every model has it", "runs_in_some_model": "runs where some model has it",
        "runs": "runs", "share": "share of runs (%)"}).pipe(
    with_caption, "How often each combination is found under the alternative anchors and thresholds")

# %% [markdown]
# ## Barriers to engagement, compared
#
# The barriers each country's reflection sessions dwelt on most, and in each sector (rounds are each country's own, so a
# sector's "round 2" pools the countries' second rounds). A barrier persists when it came up in two or more rounds and
# was still raised in the last one.

# %%
compared_turns = turn_rounds(stacked.segments, stacked.sessions,
                             sectors=dict(zip(registry.campaigns["campaign_id"], registry.campaigns["sector"])))
barrier_staying = barrier_persistence(barriers_by_round(stacked.codings, compared_turns))
sector_staying = barrier_persistence(barriers_by_round(stacked.codings, compared_turns, by="sector"))
display(Markdown(markdown_text(describe_barriers_compared(barrier_staying, names=names, labels=labels))))
display(Markdown(markdown_text(describe_barriers_compared(sector_staying, by="sector", names=registry.sector_labels(),
                                                          labels=labels))))
barriers_compared_for_readers(barrier_staying, names=names, labels=labels)

# %% [markdown]
# ## Power, compared
#
# Spaces, levels and forms of power in each country's sessions (each share is of the turns about that dimension), and
# the campaigns that moved from closed to claimed spaces.

# %%
country_power = power_profile(stacked.codings, compared_turns, by="country")
compared_moves = space_moves(power_by_round(stacked.codings, compared_turns), compared_turns, stacked.outcomes)
display(Markdown(markdown_text(describe_space_moves(compared_moves, campaigns=campaign_names))))
power_for_readers(country_power, campaigns=names, labels=labels, by="country")

# %% [markdown]
# ## The accountability ecosystem, compared
#
# Which oversight and accountability actors each campaign engaged, and which of them go with a policy or budget change
# across campaigns. An actor counts as engaged with at least two turns of the campaign's sessions about it, or one
# outcome in which it changed.

# %%
compared_engagement = actor_engagement(stacked.codings, compared_turns, stacked.outcomes,
                                       actor_types=dict(vocabulary(codebook, "actor_type")[["id", "code"]].values))
# One row per campaign: which oversight actors it engaged (0/1) and whether it had a policy or budget change.
compared_campaigns = registry.campaigns.loc[registry.campaigns["country"].isin(slugs)
                                            & (registry.campaigns["sector"].isin(sectors) if sectors else True)]
ecosystem_conditions = engaged_actors(compared_engagement, stacked.outcomes, compared_campaigns)
actor_combos = actor_combinations(ecosystem_conditions)
display(Markdown(markdown_text(describe_actor_combinations(actor_change_table(ecosystem_conditions), actor_combos,
                                                           labels=labels))))
if compared_engagement["engaged"].any():
    plot_ecosystem(ecosystem_graph(compared_engagement), campaigns=campaign_names, labels=labels,
                   title="Accountability actors each campaign engaged, all countries");

# %%
combinations_for_readers(actor_combos, names=names, labels=labels)

# %% [markdown]
# ## From reflection to action, compared
#
# What each team decided after its reflection sessions and how far it carried the decisions through (each country's
# decisions register). The registers are the teams' own records, kept in their own way: the numbers describe each
# team's record rather than rank the teams.

# %%
as_of = as_of_date(stacked.sessions, stacked.outcomes, stacked.decisions)
follow = follow_through(stacked.decisions, as_of=as_of, outcomes=stacked.outcomes)
follow = pd.DataFrame({"country": slugs}).merge(follow, on="country", how="left").fillna(
    {c: 0 for c in follow.columns if c not in ("country", "median_days_to_outcome")})
display(Markdown(markdown_text(describe_follow_through(follow, names=names))))
if follow["n_decisions"].gt(0).any():
    plot_follow_through(follow, names=names, title="Where each team's decisions stand");

# %%
if follow["n_decisions"].gt(0).any():
    display(Markdown(markdown_text(describe_course_changes(course_changes(stacked.decisions, stacked.sessions),
                                                           names=names))))
    display(with_caption(follow.assign(country=follow["country"].map(names))[
        ["country", "n_decisions", "done", "dropped", "open", "never_followed_up", "with_outcome",
         "median_days_to_outcome"]].rename(columns={
            "n_decisions": "decisions", "open": "still open", "never_followed_up": "due, never followed up",
            "with_outcome": "linked to an outcome", "median_days_to_outcome": "median days to first outcome"}),
        f"Decisions by where they stand, counted on {as_of:%d %B %Y}" if as_of is not None else "Decisions"))

# %% [markdown]
# ## Choices and their effect
#
# Three judgements shape the results above, and each has a reasonable alternative: when a campaign's
# months stop counting (each country at its own last harvest, or every campaign at the latest harvest
# of any country); what counts as a win in the case comparison (any reported policy or budget change
# that no informant disputed, or only one an informant confirmed); and the calibration thresholds
# (the anchors of the conditions of degree, the consistency a combination needs). Each key result is
# computed again under every alternative, one choice at a time; "same as the report" says whether it
# comes out the same as under the report's choice (the notebook parameters `exposure_window`,
# `qca_outcome`, `fuzzy_anchors` and `incl_cut`).

# %%
windows = exposure_alternatives(registry, stacked.sessions, stacked.outcomes, countries=slugs, sectors=sectors,
                                period_start=period_start, period_end=period_end)
choice_runs = choices_summary(
    windows,
    qca_alternatives(stacked, registry, codebook, anchors=fuzzy_anchors, expectations=directional_expectations,
                     outcome=qca_outcome, incl_cut=incl_cut, pri_cut=pri_cut, alternative_anchors=robustness_anchors,
                     alternative_incl_cuts=robustness_incl_cuts, sectors=sectors, skew=skew_threshold),
    chosen_exposure=exposure_window)
share_scores = [name for name, kind in score_kinds.items() if kind == "share"]  # anchors shown as percentages
display(Markdown(markdown_text(describe_choices(choice_runs, conditions=win_words, shares=share_scores))))
display(choices_for_readers(choice_runs, names=names, conditions=win_words, shares=share_scores).pipe(
    with_caption, "Each key result under the report's choices and under the alternatives"))
# Each country's rate and rank under both exposure windows.
window_words = {"country": "each country's own last harvest", "all": "the latest harvest of any country"}
by_window = windows.assign(rate=windows["per_campaign_month"].map(lambda v: f"{v:.2f}"),
                           window=windows["setting"].map(window_words))
by_window = by_window.pivot(index="country", columns="window", values=["rate", "rank"])
by_window.columns = [f"{'outcomes per campaign-month' if kind == 'rate' else 'rank'}, to {window}"
                     for kind, window in by_window.columns]
by_window.rename(index=names).rename_axis(index="Country").reset_index().pipe(
    with_caption, "Each country's outcome rate and rank under the two exposure windows")

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
- **The case comparison gives hypotheses.** With {n_campaigns} and {len(fuzzy.conditions)} conditions, many
  combinations are never observed; the combinations found should be checked against what
  the country teams know of each campaign.
"""))

# %% [markdown]
# ## Method notes
#
# For readers who want to know how the numbers were made.
#
# - **The data.** Each country's reflection sessions are transcribed turn by turn (speakers as role pseudonyms)
#   and coded with the SPARK codebook's themes; where two coders coded the same sessions, their agreement is
#   measured with Krippendorff's alpha (each country report gives it). Outcomes are harvested by each country
#   team (Wilson-Grau's Outcome Harvesting: who changed what, why it matters, how the campaign contributed) and a
#   selection is put to an independent informant (substantiation). When the reports are built from the demo
#   data, all of these are synthetic: made up to exercise the toolkit, not what any partner said or did.
# - **Poisson and quasi-Poisson models.** Rate ratios come from a regression for counts
#   (statsmodels) with each campaign's outcomes as the count and its campaign-months as the
#   exposure. The Poisson model assumes campaigns differ only by chance; when counts vary more
#   than that (the "Pearson chi-square / df" measure of spread above 1.5), a quasi-Poisson model
#   is used: the same rate ratios, with intervals widened by exactly that spread (t intervals on
#   the residual degrees of freedom). The spread the text reports is the one the intervals use.
#   Intervals are Wald 95% intervals, each for its comparison on its own.
# - **One correction for the whole report.** Every p-value the report states (each rate ratio
#   by country and by sector, each table's test) is one family, Holm-corrected once; the text
#   names the family's size. Distinctive themes are a ranking with their own correction (below).
# - **Tests of tables.** Pearson's chi-square test when expected counts are large enough
#   (Cochran's rule: none below 1, at most a fifth below 5); otherwise Fisher's exact test for a
#   2 x 2 table, or a Monte-Carlo test: 9,999 random tables with the same row and column totals
#   are drawn, and the p-value is estimated as the share at least as far from independence as
#   the observed one. The random draws start from a fixed seed so that every run gives the same
#   p-value. Only in a table whose test stands out
#   after the report-wide correction are cells read, by Haberman's adjusted standardised
#   residuals, Holm-corrected over the cells of the table.
# - **Cramér's V** is given with Bergsma's (2013) bias correction, which removes the part that
#   chance alone adds in small, sparse tables (0 means no more association than chance makes on
#   average). It is called negligible, weak, moderate or strong (Cohen's 1988 benchmarks, scaled
#   for the table's size) only when the table's test stands out after the correction.
# - **Substantiation intervals** are Wilson 95% intervals, which behave well with small numbers
#   and shares near 0% or 100%.
# - **Distinctive themes** use weighted log-odds with an informative prior (Monroe, Colaresi and
#   Quinn 2008): each country's use of a theme is compared with the other countries', shrinking
#   the differences of rarely used themes so that they do not look distinctive by chance. The
#   resulting z-scores are Holm-corrected within each country.
# - **Case comparison** is fuzzy-set Qualitative Comparative Analysis (Ragin 2008; Schneider and
#   Wagemann 2012). Conditions of degree are calibrated by Ragin's direct method (three anchors,
#   log-odds of membership; 0.95 at full membership); yes/no conditions are memberships of 1 or 0.
#   Necessity is tested first: consistency sum(min(X, Y)) / sum(Y), coverage sum(min(X, Y)) / sum(X)
#   and relevance of necessity (Schneider and Wagemann 2012, p. 236), with the usual thresholds
#   0.9 and 0.5. A truth-table row counts as sufficient from its consistency and PRI (proportional
#   reduction in inconsistency) thresholds; Boolean minimisation (Quine-McCluskey, every equally
#   minimal solution) gives the complex solution (no remainders), the parsimonious one (any
#   remainder that simplifies) and the intermediate one (only easy counterfactuals, from the
#   directional expectations: Ragin and Sonnett 2005). Robustness re-runs the whole analysis over
#   alternative anchors, one condition at a time, under each consistency threshold (in the spirit
#   of Oana and Schneider 2021). With few cases, even random data can give tidy solutions (Marx
#   and Dusa 2011).
