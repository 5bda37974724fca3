"""Analysis stage: tidy tables in, tidy tables out; no files, no prose, no plotting.

Each function takes tables as :mod:`sparklearn.store` returns them (plus column names)
and returns a new table with documented columns, or a small frozen result holding
tables and plain-words caveats (``warnings``); none mutates its input. Statistics are
checked in the tests against published values or a second implementation
(statsmodels, scipy, R's QCA package).

- :mod:`~sparklearn.analysis.sessions`, :mod:`~sparklearn.analysis.themes`,
  :mod:`~sparklearn.analysis.quotes`, :mod:`~sparklearn.analysis.agreement`: reflection
  sessions, themes, quotes and coder agreement.
- :mod:`~sparklearn.analysis.outcomes`: outcome harvests summarised.
- :mod:`~sparklearn.analysis.rates` (denominators, rates, rate ratios) and
  :mod:`~sparklearn.analysis.contingency` (contingency tables, Holm): comparing countries
  and sectors.
- :mod:`~sparklearn.analysis.cases` (campaign conditions) and
  :mod:`~sparklearn.analysis.qca` (the csQCA method): case comparison.

Sentences and figures of these results are in :mod:`sparklearn.report`.
"""
