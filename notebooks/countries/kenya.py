# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# Kenya's own question: do the health and the Baringo water campaigns' reflection sessions dwell on different themes?

# %%
from sparklearn.codebook import load_codebook
from sparklearn.countries import load_registry
from sparklearn.pipeline import country_tables, notebook_paths, report_setup

report_setup()

# %% tags=["parameters"]
country = "kenya"  # this notebook is Kenya's; the batch passes the same value
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the bundled demo data
processed_dir = None  # processed tables; None: data/processed
period_start = None  # "YYYY-MM-DD" or None
period_end = None  # "YYYY-MM-DD" or None
options = {"top_codes": 10}

# %%
paths = notebook_paths(data_dir, processed_dir)
registry = load_registry(paths.countries_file)
codebook = load_codebook(paths.codebook_file)
tables = country_tables(country, paths, period_start=period_start, period_end=period_end)

# %% [markdown]
# ## The two campaigns

# %%
registry.campaigns_of(country)[["campaign_id", "name", "sector", "entry_point"]]
