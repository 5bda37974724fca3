# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# One country's Learning with SPARK report: campaigns, reflection themes, coder agreement, outcome harvest and data quality.

# %%
from IPython.display import Markdown, display

from sparklearn.codebook import load_codebook
from sparklearn.countries import load_registry
from sparklearn.pipeline import country_tables, notebook_paths, report_setup

report_setup()

# %% tags=["parameters"]
country = "ghana"  # the country's slug in countries.yaml: ghana, india, indonesia, kenya, nigeria, senegal, south-africa
data_dir = None  # raw data folder; None: $SPARKLEARN_DATA or the bundled demo data
processed_dir = None  # processed tables; None: data/processed (prepared on first run)
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
registry.campaigns_of(country)[["campaign_id", "name", "sector", "entry_point", "partners", "start_date"]]
