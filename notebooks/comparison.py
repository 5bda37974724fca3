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

from sparklearn.codebook import load_codebook
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

# %% [markdown]
# ## Countries and campaigns

# %%
registry.countries[["name", "code", "languages", "n_campaigns"]]
