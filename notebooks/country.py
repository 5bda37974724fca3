# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# One country's Learning with SPARK report: campaigns, reflection themes, coder agreement, outcome harvest and data quality.

# %%
import pandas as pd
from IPython.display import HTML, Markdown, display

from sparklearn.analysis import outcomes, themes
from sparklearn.analysis.decisions import as_of_date, course_changes, follow_through
from sparklearn.analysis.agreement import agreement, disagreements
from sparklearn.analysis.barriers import barrier_persistence, barrier_responses, barriers_by_round, turn_rounds
from sparklearn.analysis.ecosystem import actor_engagement, ecosystem_graph
from sparklearn.analysis.gains import kinds_of_change, who_gained, who_speaks
from sparklearn.analysis.money import budget_stages, converted_totals, money_by_currency, rates_from_parameter
from sparklearn.analysis.power import power_by_round, power_profile, space_moves
from sparklearn.analysis.quotes import framework_matrix, quote_parts, quotes
from sparklearn.analysis.sessions import campaign_case_names, session_overview
from sparklearn.codebook import code_labels, codebook_table, vocabulary
from sparklearn.report import figures
from sparklearn.report.decisions import (
    decisions_finding,
    decisions_for_readers,
    describe_course_changes,
    describe_decisions,
    plot_follow_through,
)
from sparklearn.report.display import report_setup
from sparklearn.report.ecosystem import describe_ecosystem, ecosystem_for_readers, plot_ecosystem
from sparklearn.report.gains_words import (
    describe_gains,
    describe_money,
    describe_who_speaks,
    gains_for_readers,
    money_for_readers,
    plot_budget_stages,
    plot_who_gained,
    speakers_for_readers,
)
from sparklearn.report.learning_questions import (
    barriers_for_readers,
    describe_barriers,
    describe_power,
    plot_barriers_by_round,
    plot_spaces_by_round,
    power_for_readers,
)
from sparklearn.report.findings import (
    agreement_finding,
    harvest_finding,
    key_findings_html,
    percent,
    quality_finding,
    substantiation_finding,
    theme_finding,
)
from sparklearn.report.quotes import context_html, quote_html, quotes_html, table_with_quotes_html
from sparklearn.report.tables import (
    markdown_text,
    named,
    outcome_cards,
    outcomes_for_readers,
    with_caption,
)
from sparklearn.report.words import (
    data_quality_summary,
    describe_agreement,
    describe_harvest,
    describe_sessions,
    problems_for_readers,
)
from sparklearn.store import country_tables, notebook_paths, reference

report_setup()

# %% tags=["parameters"]
country = "ghana"  # the country's slug in countries.yaml: ghana, india, indonesia, kenya, nigeria, senegal, south-africa
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the project's data/raw
processed_dir = None  # processed tables; None: $SPARKLEARN_OUT/processed or the project's data/processed (prepared when stale)
period_start = None  # "YYYY-MM-DD": only sessions and outcomes from this date; None: from the start
period_end = None  # "YYYY-MM-DD": only up to this date; None: to the latest
options = {"top_codes": 15, "matrix_codes": 8, "quotes_per_cell": 1}
# Exchange rates to add up amounts of different currencies in "Following the money"; None: amounts stay per currency.
# e.g. {"to": "USD", "source": "IMF IFS annual averages", "year": 2023, "rates": {"GHS": 0.087}} (rates: units of "to" per unit)
money_conversion = None

# %%
paths = notebook_paths(data_dir, processed_dir)
registry, codebook = reference(paths)  # the checked registry and codebook
tables = country_tables(country, paths, period_start=period_start, period_end=period_end)
labels = code_labels(codebook)
campaign_names = dict(zip(registry.campaigns["campaign_id"], registry.campaigns["name"]))
session_titles = tables.sessions.set_index("session_id")["title"]
definitions = codebook_table(codebook).set_index("code_id")["definition"]

# %%
# The results the key findings rest on; the sections below show each of them.
frequencies = themes.code_frequencies(tables.codings, tables.segments, by="country")
coder_agreement = agreement(tables.codings, tables.segments)
substantiation_overall = outcomes.substantiation_rates(tables.outcomes, by=None)
as_of = as_of_date(tables.sessions, tables.outcomes, tables.decisions)
follow = follow_through(tables.decisions, as_of=as_of, outcomes=tables.outcomes)
display(HTML(key_findings_html([
    harvest_finding(tables.outcomes, labels),
    substantiation_finding(substantiation_overall),
    theme_finding(frequencies, labels),
    agreement_finding(coder_agreement),
    decisions_finding(follow, as_of=as_of),
    quality_finding(tables.manifest, tables.problems),
])))

# %% [markdown]
# ## Campaigns
#
# The campaigns the country's partners run in SPARK, as listed in the registry.

# %%
campaign_table = registry.campaigns_of(country)[["name", "sector", "entry_point", "partners", "start_date"]]
with_caption(campaign_table.assign(sector=campaign_table["sector"].map(registry.sector_labels()).fillna(
                                       campaign_table["sector"]),
                                   partners=campaign_table["partners"].str.replace(";", ", "),
                                   start_date=campaign_table["start_date"].dt.strftime("%b %Y")).rename(
    columns={"name": "campaign", "entry_point": "entry point", "start_date": "started"}),
    "The country's SPARK campaigns: sector, entry point, partners and start")

# %% [markdown]
# ## Reflection sessions
#
# Each reflection session brings the campaign team together to look back on what they did and what changed.
# Speakers appear only as pseudonyms by role.

# %%
display(Markdown(markdown_text(describe_sessions(tables.sessions, tables.segments, tables.codings))))
held = session_overview(tables.sessions, tables.segments, tables.codings)
with_caption(held.assign(campaigns=named(held["campaigns"], campaign_names)).drop(columns="session_id", errors="ignore")
             .rename(columns={"title": "session"}), "The reflection sessions, round by round")

# %% [markdown]
# ## Themes
#
# How often each theme of the SPARK codebook came up: the number of speaker turns (segments) coded with it,
# by any coder. Coverage is the share of all turns in the sessions.

# %%
top_codes = frequencies.nlargest(options["top_codes"], "n_segments")["code_id"].tolist()
country_name = registry.countries.set_index("slug").at[country, "name"]
figures.plot_code_frequencies(frequencies.assign(country=country_name), top=options["top_codes"], labels=labels,
                              colours={country_name: registry.colours()[country]},
                              title="The themes that came up most often");

# %% [markdown]
# What the codebook means by each of them, with the number of turns coded and their share of all turns.

# %%
most = frequencies.nlargest(options["top_codes"], "n_segments")
with_caption(pd.DataFrame({"theme": most["code_id"].map(labels).fillna(most["code_id"]),
                           "turns coded": most["n_segments"], "share of turns": most["coverage"].map(percent),
                           "what the codebook means by it": most["code_id"].map(definitions)}).reset_index(drop=True),
             "The themes that came up most often, as the codebook defines them")

# %% [markdown]
# ### In their words
#
# What was said under the three themes that came up most: the turns both coders agreed on first, then the latest,
# with the turn before for context. Speakers are pseudonyms.

# %%
for code in top_codes[:3]:
    every = quotes(code, tables.codings, tables.segments, sessions=tables.sessions)
    said = every.sort_values(["n_coders", "date"], ascending=False).head(options.get("quotes_per_theme", 2))
    display(Markdown(f"**{markdown_text(labels.get(code, code))}** ({len(every)} turns)"))
    # What was said in its language (lang attribute), with the session file's translation when there is one.
    said = said.assign(date=said["date"].dt.strftime("%d %b %Y"), text=[
        quote_html(q.text, q.language, q.translation, q.translation_language) for q in said.itertuples()],
        context_before=[context_html(q.context_before, q.context_before_language) for q in said.itertuples()])
    said = said.assign(session_id=said["session_id"].map(session_titles).fillna(said["session_id"]))
    display(HTML(table_with_quotes_html(said[["date", "session_id", "speaker", "text", "context_before"]].rename(
        columns={"session_id": "session", "text": "what was said", "context_before": "just before"}),
        ["what was said", "just before"], caption=f"What was said under {labels.get(code, code)}")))

# %% [markdown]
# ### Themes that come up together
#
# Pairs of themes coded on the same turn. The Jaccard index is the share of turns with either theme that have both
# (1: always together; 0: never).

# %%
pairs = themes.cooccurrence(tables.codings, segments=tables.segments)
figures.plot_cooccurrence(pairs, codes=top_codes, labels=labels, title="Themes that come up together");

# %% [markdown]
# ### Themes across rounds
#
# The share of each round's turns coded with the themes that came up most.

# %%
rounds = themes.themes_over_rounds(tables.codings, tables.segments, tables.sessions)
figures.plot_themes_over_rounds(rounds, codes=top_codes[:6], labels=labels, title="The main themes round by round");

# %% [markdown]
# ## Agreement between coders
#
# Where two coders coded the same sessions, how far they agree on which themes apply to which turns.
# Krippendorff's alpha is 1 for perfect agreement and 0 for agreement no better than chance;
# 0.8 or more is usually taken as reliable, 0.667 to 0.8 as enough for tentative conclusions.

# %%
display(Markdown(markdown_text(describe_agreement(coder_agreement))))
# A theme applied on fewer than 5 turns gives an agreement figure that one stray coding can swing to 0: not drawn.
few = options.get("min_turns_for_agreement", 5)
shown = coder_agreement.loc[coder_agreement["code_id"].isin(top_codes + ["all codes"])
                            & ((coder_agreement["n_applied"] >= few) | (coder_agreement["code_id"] == "all codes"))]
left_out = coder_agreement.loc[coder_agreement["code_id"].isin(top_codes) & (coder_agreement["n_applied"] < few),
                               "code_id"]
if coder_agreement["n_units"].gt(0).any():
    figures.agreement_dots(shown.assign(code_id=lambda t: t["code_id"].map(labels).fillna(t["code_id"])),
                           title="Agreement on the main themes");

# %%
if coder_agreement["n_units"].gt(0).any():
    if len(left_out):
        display(Markdown(markdown_text(f"Not drawn, because the coders applied them on fewer than {few} turns (too "
                                       f"few to say how far they agree): {', '.join(labels.get(c, c) for c in left_out)}.")))

# %% [markdown]
# ### Disagreements to talk through
#
# The turns where one coder applied a theme and the other did not: the agenda for the coders' reconciliation
# meeting. The first few are shown, each turn by its session and its place in the session; the country team can
# get the full list as an Excel file.

# %%
disagreeing = disagreements(tables.codings, tables.segments).head(options.get("disagreements_shown", 12))
turn_number = tables.segments.set_index("segment_id")["turn"]
with_caption(disagreeing.assign(theme=disagreeing["code_id"].map(labels).fillna(disagreeing["code_id"]),
                                session=disagreeing["session_id"].map(session_titles).fillna(disagreeing["session_id"]),
                                turn=disagreeing["segment_id"].map(turn_number))[
    ["session", "turn", "theme", "applied_by", "not_applied_by", "text"]].rename(columns={
        "applied_by": "applied by", "not_applied_by": "not applied by", "text": "what was said"}),
    "Turns the coders disagree on (the first few)")

# %% [markdown]
# ## Framework matrix
#
# Campaigns by the main themes: how many turns of each campaign's sessions were coded with each theme, with one
# representative quote per cell (the turn most coders agreed on, then the longest). Each turn counts once: a turn of
# a session held for two campaigns is under the campaign the notes say it is about, otherwise under both together
# ("shared sessions"). Quotes not in English are shown as said, with the translation the session notes give.

# %%
matrix = framework_matrix(tables.codings, tables.segments, case="campaign_id", sessions=tables.sessions,
                          codes=top_codes[: options["matrix_codes"]], quotes_per_cell=options["quotes_per_cell"])
# Each turn counts once: a turn of a session on two campaigns is under the campaign it is tagged with, else under
# both together ("A and B (shared sessions)").
case_names = campaign_case_names(matrix["campaign_id"], campaign_names)
figures.plot_framework_matrix(matrix, labels={**labels, **case_names}, title="Main themes by campaign (turns coded)");

# %%
# Quotes as said, marked with their language, with the translation the session file gives.
framework_quotes = matrix.loc[matrix["quotes"].fillna("") != "", ["campaign_id", "code_id", "n_segments",
                                                                  "quote_segment_ids"]]
framework_quotes = framework_quotes.assign(
    campaign=framework_quotes["campaign_id"].map(case_names), theme=framework_quotes["code_id"].map(labels),
    quote=framework_quotes["quote_segment_ids"].map(lambda ids: quotes_html(quote_parts(tables.segments, ids))))
display(HTML(table_with_quotes_html(framework_quotes[["campaign", "theme", "n_segments", "quote"]].rename(
    columns={"n_segments": "turns coded"}), ["quote"], caption="A representative quote for each campaign and main theme")))

# %% [markdown]
# ## Outcome harvest
#
# The changes the campaign contributed to, as harvested (Wilson-Grau): who changed what, why it matters, and how the
# campaign contributed.

# %%
display(Markdown(markdown_text(describe_harvest(tables.outcomes, codebook, tables.problems))))

# %% [markdown]
# ### What kinds of change

# %%
if len(tables.outcomes):
    for column in ("outcome_area", "type_of_change", "level", "actor_type"):
        figures.plot_outcome_counts(outcomes.counts_by(tables.outcomes, column, codebook=codebook), column);

# %% [markdown]
# ### When

# %%
if len(tables.outcomes):
    figures.plot_outcome_timeline(outcomes.timeline(tables.outcomes, "Q"));

# %% [markdown]
# ### How well substantiated
#
# The share of outcomes put to an independent informant, and of those, the share the informant confirmed
# (fully or partly), with 95% intervals. Small numbers give wide intervals.

# %%
if len(tables.outcomes):
    display(Markdown(markdown_text(substantiation_finding(substantiation_overall).text)))
    substantiation = outcomes.substantiation_rates(tables.outcomes, "outcome_area")
    figures.plot_substantiation(substantiation.assign(outcome_area=substantiation["outcome_area"].map(labels)),
                                "outcome_area", title="Substantiated outcomes by outcome area");

# %% [markdown]
# ### Which strategies contributed to which outcomes
#
# The contribution matrix: the number of outcomes each strategic component contributed to, by outcome area.

# %%
if len(tables.outcomes):
    contribution = outcomes.contribution_matrix(tables.outcomes, codebook)
    figures.plot_contribution_matrix(contribution.assign(
        strategic_component=contribution["strategic_component"].map(labels),
        outcome_area=contribution["outcome_area"].map(labels)));

# %% [markdown]
# ### Outcome chains
#
# Outcomes that built on earlier ones, from the first step to the last: how long the pathways are, whether they climb
# from local to higher levels of government, and whether they reach a policy or budget change.

# %%
if len(tables.outcomes):
    # The levels from the codebook the notebook already has: without them outcome_chains reads and checks the
    # codebook file again (with the schema library, a third of a second).
    levels = vocabulary(codebook, "level")["id"]
    chains = outcomes.outcome_chains(tables.outcomes, levels=levels.tolist())
    figures.plot_outcome_chains(outcomes.outcome_graph(tables.outcomes), levels=levels);
    yes_no = {True: "yes", False: "no"}
    display(with_caption(chains.assign(campaign_id=named(chains["campaign_id"], campaign_names),
                          climbs=chains["climbs"].map(yes_no),
                          reaches_policy_budget=chains["reaches_policy_budget"].map(yes_no),
                          outcome_ids=chains["outcome_ids"].str.replace(";", " → "))[
        ["pathway", "campaign_id", "length", "level_path", "climbs", "reaches_policy_budget", "outcome_ids"]].rename(
        columns={"campaign_id": "campaign", "length": "outcomes", "level_path": "levels", "climbs": "climbs a level",
                 "reaches_policy_budget": "reaches policy or budget change", "outcome_ids": "the outcomes, in order"}),
        "Outcome pathways, from the first outcome to the last"))

# %% [markdown]
# ### The outcomes in full

# %%
if len(tables.outcomes):
    readers = outcomes_for_readers(tables.outcomes, codebook=codebook)
    display(HTML(outcome_cards(readers.assign(campaign=named(readers["campaign"], campaign_names)))))

# %% [markdown]
# ## Who gained
#
# Which groups of people the outcomes benefit, and what kind of change they are: a policy, money allocated or spent, a
# service delivered, a practice or a lasting system (the harvest's optional "Social group" and "Kind of change"
# columns). Shares are of the outcomes that record the column, with 95% intervals (Wilson); an outcome may benefit
# several groups.

# %%
gained = who_gained(tables.outcomes, codebook)
change_kinds = kinds_of_change(tables.outcomes, codebook)
display(Markdown(markdown_text(describe_gains(gained, change_kinds))))
if gained["n_outcomes"].gt(0).any():
    plot_who_gained(gained, names={country: country_name}, title="Who gained: share of the outcomes naming a group");

# %%
if gained["n_outcomes"].gt(0).any():
    display(gains_for_readers(gained, names={country: country_name}))
if change_kinds["n_outcomes"].gt(0).any():
    display(gains_for_readers(change_kinds, names={country: country_name}))

# %% [markdown]
# ### Who speaks in the reflection sessions
#
# Turns and words by the speaker's role, as the team recorded it.

# %%
speakers = who_speaks(tables.segments)
display(Markdown(markdown_text(describe_who_speaks(speakers))))
if len(speakers):
    display(speakers_for_readers(speakers))

# %% [markdown]
# ## Following the money
#
# Where in the budget cycle the outcomes sit (formulation, approval, execution, oversight and audit), and how much money
# they involve where the harvest says so. Amounts are summed per currency only, unless exchange rates are given (the
# `money_conversion` parameter, with their source and year).

# %%
conversion = rates_from_parameter(money_conversion)
budget_stage_counts = budget_stages(tables.outcomes, codebook)
money_totals = money_by_currency(tables.outcomes)
converted = converted_totals(tables.outcomes, conversion) if conversion is not None and len(money_totals) else None
display(Markdown(markdown_text(describe_money(budget_stage_counts, money_totals, converted=converted,
                                              rates=conversion))))
if budget_stage_counts.loc[budget_stage_counts["budget_stage"].notna(), "n_outcomes"].gt(0).any():
    plot_budget_stages(budget_stage_counts, names={country: country_name},
                       title="Outcomes at each stage of the budget cycle");

# %%
if len(money_totals):
    display(money_for_readers(money_totals, names={country: country_name}))
    stage_labels = dict(budget_stage_counts.dropna(subset=["budget_stage"])[["budget_stage", "label"]].values)
    display(money_for_readers(money_by_currency(tables.outcomes, by="budget_stage"), names={country: country_name},
                              labels=stage_labels,
                              caption="Amounts by stage of the budget cycle, per currency (never added across currencies)"))

# %% [markdown]
# ## Barriers to engagement
#
# Which barriers to citizen engagement came up in the reflection sessions, round by round (the share of each round's
# turns coded with the barrier), which persist, and what followed when the team decided to address one.

# %%
campaign_turns = turn_rounds(tables.segments, tables.sessions,
                             sectors=dict(zip(registry.campaigns["campaign_id"], registry.campaigns["sector"])))
barrier_rounds = barriers_by_round(tables.codings, campaign_turns)
barrier_staying = barrier_persistence(barrier_rounds)
barrier_answers = barrier_responses(barrier_rounds, tables.decisions, tables.sessions, tables.outcomes)
display(Markdown(markdown_text(describe_barriers(barrier_staying, barrier_answers, labels=labels))))
if barrier_rounds["n_turns"].gt(0).any():
    plot_barriers_by_round(barrier_rounds, labels=labels, title="Barriers to engagement round by round");

# %%
if barrier_rounds["n_turns"].gt(0).any():
    display(barriers_for_readers(barrier_staying, barrier_answers, labels=labels))

# %% [markdown]
# ## Power: spaces, levels and forms
#
# Where the campaigns met power, in the terms of the power cube: closed, invited or claimed spaces; local, national or
# global levels; visible, hidden or invisible forms. Each share is of the campaign's turns about that dimension.

# %%
space_rounds = power_by_round(tables.codings, campaign_turns)
power_campaigns = power_profile(tables.codings, campaign_turns)
moves = space_moves(space_rounds, campaign_turns, tables.outcomes)
display(Markdown(markdown_text(describe_power(power_campaigns, moves, campaigns=campaign_names, labels=labels))))
if power_campaigns["n_turns"].gt(0).any():
    plot_spaces_by_round(space_rounds, campaigns=campaign_names, labels=labels,
                         title="Spaces of power, campaign by campaign and round by round");

# %%
if power_campaigns["n_turns"].gt(0).any():
    display(power_for_readers(power_campaigns, campaigns=campaign_names, labels=labels))

# %% [markdown]
# ## The accountability ecosystem
#
# Which oversight and accountability actors each campaign engaged (in its reflection sessions, or as actors that changed
# in its outcomes), how (the themes on the same turns), and with what result.

# %%
engagement = actor_engagement(tables.codings, campaign_turns, tables.outcomes,
                              actor_types=dict(vocabulary(codebook, "actor_type")[["id", "code"]].values))
display(Markdown(markdown_text(describe_ecosystem(engagement, campaigns=campaign_names, labels=labels))))
if engagement["engaged"].any():
    plot_ecosystem(ecosystem_graph(engagement), campaigns=campaign_names, labels=labels,
                   title="Accountability actors each campaign engaged");

# %%
if engagement["engaged"].any():
    display(ecosystem_for_readers(engagement, campaigns=campaign_names, labels=labels))

# %% [markdown]
# ## From reflection to action
#
# What the team decided after its reflection sessions (the decisions register), whether the decisions were carried
# through, and which outcomes the team links to them.

# %%
display(Markdown(markdown_text(describe_decisions(follow, as_of=as_of, problems=tables.problems))))
if len(tables.decisions):
    plot_follow_through(follow, names={country: country_name}, title="Where the team's decisions stand");

# %%
if len(tables.decisions):
    changes = course_changes(tables.decisions, tables.sessions)
    display(Markdown(markdown_text(describe_course_changes(changes))))
    display(decisions_for_readers(tables.decisions.sort_values(["date", "decision_id"]),
                                  campaigns=dict(zip(registry.campaigns["campaign_id"], registry.campaigns["name"])),
                                  labels=labels, sessions=tables.sessions))

# %% [markdown]
# ## Data quality
#
# What sparklearn found wrong or doubtful in the country's files. Errors kept a row out of the analysis (the
# country team has it in a rejected-rows file to fix); warnings kept it in. Rows read = rows accepted + rows rejected.

# %%
quality = data_quality_summary(tables.manifest, tables.problems)
display(Markdown(markdown_text(quality.sentence)))
display(with_caption(quality.table.rename(columns={"table": "what was read", "read": "rows read",
                                                   "accepted": "rows accepted", "rejected": "rows rejected"}),
                     "Rows read, accepted and kept out, file by file"))
if len(tables.problems):
    # Files named within the data folder: a report never says where the data lie.
    display(with_caption(problems_for_readers(tables.problems, paths.raw).head(options.get("problems_shown", 50)),
                         "What was found wrong or doubtful, and how to fix it"))

# %% [markdown]
# ## Methods
#
# How the numbers in this report were made, in short.
#
# - **Reflection sessions.** Each session is transcribed turn by turn; speakers appear only as role pseudonyms.
#   Coders mark each turn with the themes of the SPARK codebook that apply (a turn can have several); the theme
#   counts above count a turn once if any coder marked it.
# - **Agreement between coders.** Where two coders coded the same session, every turn-by-theme decision (applied or
#   not) is compared. Krippendorff's alpha (nominal) discounts the agreement chance alone would give; its 95%
#   interval and the probability that it is below 0.667 or 0.800 come from Hayes and Krippendorff's bootstrap.
#   Cohen's kappa is given beside it. Themes applied on fewer than five turns are not drawn.
# - **Outcome harvest.** Outcomes are harvested by the country team following Wilson-Grau's Outcome Harvesting:
#   each states who changed what, why it matters and how the campaign contributed, classified with the codebook's
#   vocabularies (outcome area, type of change, level, kind of actor). Outcomes that built on earlier ones form
#   the outcome chains.
# - **Substantiation.** The team puts a selection of outcomes to an independent informant, who agrees fully, partly,
#   or not. Shares are of the outcomes checked, with Wilson 95% intervals, which stay sensible for small numbers.
#   Teams choose which outcomes to check, so the shares speak for those outcomes, not the whole harvest.
# - **Statistical tests.** This report describes one country and makes no test of difference: the intervals say
#   how sure each number is. The comparison report tests differences between countries.
# - **Data quality.** Each file is checked before analysis; a row with an error is kept out (and listed, with its
#   fix), a row with a warning is kept in.
# - **Demo data.** When this report is built from the demo data, the sessions, turns, codings and outcomes are
#   synthetic: made up to exercise the toolkit, not what any partner said or did.
