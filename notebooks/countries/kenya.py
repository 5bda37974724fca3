# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# Kenya's own question: do the health and the Baringo water campaigns' reflection sessions dwell on different themes?

# %%
from sparklearn.analysis import themes
from sparklearn.analysis.sessions import campaign_case_names
from sparklearn.codebook import code_labels
from sparklearn.report import figures
from sparklearn.report.display import report_setup
from sparklearn.report.findings import percent
from sparklearn.report.tables import with_caption
from sparklearn.store import country_tables, notebook_paths, reference

report_setup()

# %% tags=["parameters"]
country = "kenya"  # this notebook is Kenya's; the batch passes the same value
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the project's data/raw
processed_dir = None  # processed tables; None: $SPARKLEARN_OUT/processed or the project's data/processed
period_start = None  # "YYYY-MM-DD" or None
period_end = None  # "YYYY-MM-DD" or None
options = {"top_codes": 10}

# %%
paths = notebook_paths(data_dir, processed_dir)
registry, codebook = reference(paths)  # the checked registry and codebook
labels = code_labels(codebook)
tables = country_tables(country, paths, period_start=period_start, period_end=period_end)

# %% [markdown]
# ## The two campaigns

# %%
with_caption(registry.campaigns_of(country)[["name", "sector", "entry_point"]].rename(
    columns={"name": "campaign", "entry_point": "entry point"}), "Kenya's two campaigns")

# %% [markdown]
# ## Themes by campaign
#
# The themes coded most often in each campaign's reflection sessions, as a share of the campaign's speaker turns
# (coverage), so that the campaign with more sessions does not look bigger for that alone.

# %%
by_campaign = themes.code_frequencies(tables.codings, tables.segments, by="campaign_id", sessions=tables.sessions)
campaign_names = dict(zip(registry.campaigns["campaign_id"], registry.campaigns["name"]))
# Each panel titled with its campaign's name, as readers know it, not its id.
panel_names = campaign_case_names(by_campaign["campaign_id"].unique(), campaign_names)
figures.plot_code_frequencies(by_campaign, value="coverage", top=options["top_codes"], labels={**labels, **panel_names},
                              title="Themes by campaign (share of the campaign's turns)");

# %% [markdown]
# ### Where the campaigns differ most
#
# The themes whose share of turns differs most between the two campaigns: each cell is the share of that
# campaign's turns coded with the theme.

# %%
wide = by_campaign.pivot_table(index="code_id", columns="campaign_id", values="coverage", fill_value=0)
wide.insert(0, "theme", wide.index.map(labels))
difference = (wide.iloc[:, 1] - wide.iloc[:, 2]).abs()
(wide.assign(difference=difference).nlargest(8, "difference").drop(columns="difference").set_index("theme")
 .map(percent).rename(columns=campaign_case_names(wide.columns[1:], campaign_names)).rename_axis(columns=None)
 .reset_index().pipe(with_caption, "The themes whose share of turns differs most between the campaigns"))
