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
from IPython.display import HTML, Markdown, display

from sparklearn.analysis import outcomes, themes
from sparklearn.analysis.agreement import agreement, disagreements
from sparklearn.analysis.quotes import framework_matrix, quotes
from sparklearn.analysis.sessions import session_overview
from sparklearn.codebook import code_labels, load_codebook, vocabulary
from sparklearn.countries import load_registry
from sparklearn.report import figures
from sparklearn.report.display import report_setup
from sparklearn.report.tables import markdown_text, outcome_cards, outcomes_for_readers
from sparklearn.report.words import data_quality_summary, describe_agreement, describe_harvest, describe_sessions
from sparklearn.store import country_tables, notebook_paths

report_setup()

# %% tags=["parameters"]
country = "ghana"  # the country's slug in countries.yaml: ghana, india, indonesia, kenya, nigeria, senegal, south-africa
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the project's data/raw
processed_dir = None  # processed tables; None: $SPARKLEARN_OUT/processed or the project's data/processed (prepared when stale)
period_start = None  # "YYYY-MM-DD": only sessions and outcomes from this date; None: from the start
period_end = None  # "YYYY-MM-DD": only up to this date; None: to the latest
options = {"top_codes": 15, "matrix_codes": 8, "quotes_per_cell": 1}

# %%
paths = notebook_paths(data_dir, processed_dir)
registry = load_registry(paths.countries_file)
codebook = load_codebook(paths.codebook_file)
tables = country_tables(country, paths, period_start=period_start, period_end=period_end)

# %% [markdown]
# ## Campaigns
#
# The campaigns the country's partners run in SPARK, as listed in the registry.

# %%
registry.campaigns_of(country)[["campaign_id", "name", "sector", "entry_point", "partners", "start_date"]].rename(
    columns={"campaign_id": "campaign", "entry_point": "entry point", "start_date": "started"})

# %% [markdown]
# ## Reflection sessions
#
# Each reflection session brings the campaign team together to look back on what they did and what changed.
# Speakers appear only as pseudonyms by role.

# %%
display(Markdown(markdown_text(describe_sessions(tables.sessions, tables.segments, tables.codings))))
session_overview(tables.sessions, tables.segments, tables.codings)

# %% [markdown]
# ## Themes
#
# How often each theme of the SPARK codebook came up: the number of speaker turns (segments) coded with it,
# by any coder. Coverage is the share of all turns in the sessions.

# %%
labels = code_labels(codebook)
frequencies = themes.code_frequencies(tables.codings, tables.segments, by="country")
top_codes = frequencies.nlargest(options["top_codes"], "n_segments")["code_id"].tolist()
country_name = registry.countries.set_index("slug").at[country, "name"]
figures.plot_code_frequencies(frequencies.assign(country=country_name), top=options["top_codes"], labels=labels,
                              colours={country_name: registry.colours()[country]},
                              title="The themes that came up most often");

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
    display(said.assign(date=said["date"].dt.strftime("%d %b %Y"))[
        ["date", "session_id", "speaker", "text", "context_before"]].rename(
            columns={"session_id": "session", "text": "what was said", "context_before": "just before"}
        ).reset_index(drop=True))

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
coder_agreement = agreement(tables.codings, tables.segments)
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
# meeting. The first few are shown; the country team can write the full list to Excel with
# `sparklearn export disagreements`.

# %%
disagreeing = disagreements(tables.codings, tables.segments).head(options.get("disagreements_shown", 12))
disagreeing.assign(theme=disagreeing["code_id"].map(labels).fillna(disagreeing["code_id"]))[
    ["session_id", "segment_id", "theme", "applied_by", "not_applied_by", "text"]].rename(columns={
        "session_id": "session", "segment_id": "turn", "applied_by": "applied by", "not_applied_by": "not applied by",
        "text": "what was said"})

# %% [markdown]
# ## Framework matrix
#
# Campaigns by the main themes: how many turns of each campaign's sessions were coded with each theme, with one
# representative quote per cell (the turn most coders agreed on, then the longest).

# %%
matrix = framework_matrix(tables.codings, tables.segments, case="campaign_id", sessions=tables.sessions,
                          codes=top_codes[: options["matrix_codes"]], quotes_per_cell=options["quotes_per_cell"])
figures.plot_framework_matrix(matrix, labels=labels, title="Main themes by campaign (turns coded)");

# %%
framework_quotes = matrix.loc[matrix["quotes"].fillna("") != "", ["campaign_id", "code_id", "n_segments", "quotes"]]
framework_quotes.assign(theme=framework_quotes["code_id"].map(labels))[["campaign_id", "theme", "n_segments", "quotes"]].rename(
    columns={"campaign_id": "campaign", "n_segments": "turns coded", "quotes": "quote"})

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
    chains = outcomes.outcome_chains(tables.outcomes)
    figures.plot_outcome_chains(outcomes.outcome_graph(tables.outcomes), levels=vocabulary(codebook, "level")["id"]);
    yes_no = {True: "yes", False: "no"}
    display(chains.assign(climbs=chains["climbs"].map(yes_no),
                          reaches_policy_budget=chains["reaches_policy_budget"].map(yes_no),
                          outcome_ids=chains["outcome_ids"].str.replace(";", " → "))[
        ["pathway", "campaign_id", "length", "level_path", "climbs", "reaches_policy_budget", "outcome_ids"]].rename(
        columns={"campaign_id": "campaign", "length": "outcomes", "level_path": "levels", "climbs": "climbs a level",
                 "reaches_policy_budget": "reaches policy or budget change", "outcome_ids": "the outcomes, in order"}))

# %% [markdown]
# ### The outcomes in full

# %%
if len(tables.outcomes):
    display(HTML(outcome_cards(outcomes_for_readers(tables.outcomes, codebook=codebook))))

# %% [markdown]
# ## Data quality
#
# What sparklearn found wrong or doubtful in the country's files. Errors kept a row out of the analysis (the
# country team has it in a rejected-rows file to fix); warnings kept it in. Rows read = rows accepted + rows rejected.

# %%
quality = data_quality_summary(tables.manifest, tables.problems)
display(Markdown(markdown_text(quality.sentence)))
display(quality.table.rename(columns={"table": "what was read", "read": "rows read", "accepted": "rows accepted",
                                      "rejected": "rows rejected"}))
if len(tables.problems):
    display(tables.problems.drop(columns=["country"], errors="ignore").head(options.get("problems_shown", 50)))
