"""The batch stage: every country's notebooks and the comparison, run and rendered as HTML reports.

Below the command line and above everything else: it reads processed tables only
through the store (which prepares a country when its tables are stale), and runs
the notebooks, which use ``store``, ``analysis`` and ``report``; no notebook or
library module imports it. One module per step, in the order a run takes them:

- :mod:`~sparklearn.batch.plan`: which notebooks run with which parameters, checked
  against each notebook's ``parameters`` cell before anything starts;
- :mod:`~sparklearn.batch.cache`: the cache keys, so that a rerun does only what
  changed;
- :mod:`~sparklearn.batch.execute`: one notebook run by papermill in a kernel of its
  own, and where it failed;
- :mod:`~sparklearn.batch.render`: the HTML report of an executed notebook, and the index;
- :mod:`~sparklearn.batch.progress`: what the person running the batch sees;
- :mod:`~sparklearn.batch.run`: :func:`~sparklearn.batch.run.run_batch`, the steps in order.

Why a batch of its own and not a loop over ``papermill``: it checks parameters up
front (papermill only warns), skips what has not changed, keeps a failing notebook
from stopping the others, writes every output atomically, and renders reports with
no code and nothing loaded from the network.
"""
