"""Report stage: what readers see, in their words; computes no statistics.

Takes the tables of :mod:`sparklearn.analysis` and :mod:`sparklearn.store` and turns them
into what a notebook shows or a lead opens, one module per kind of output and report:

- :mod:`~sparklearn.report.words` and :mod:`~sparklearn.report.comparison_words`:
  sentences for the country report and for the cross-country comparison.
- :mod:`~sparklearn.report.figures` and :mod:`~sparklearn.report.comparison_figures`:
  matplotlib figures for each report (and the house style and palette, in
  ``figures``). Every figure function draws into an Axes you give (``ax=``, or
  ``axes=`` for one panel per group) and shows ids by the ``labels=`` you give.
- :mod:`~sparklearn.report.tables`: tables as HTML, the one place where text from the
  data becomes HTML (escaped there).
- :mod:`~sparklearn.report.display`: notebook display setup.
- :mod:`~sparklearn.report.sheets`, :mod:`~sparklearn.report.exports` and
  :mod:`~sparklearn.report.refi_qda`: Excel workbooks and REFI-QDA projects for leads.

Country and comparison modules are separate because the two notebooks read different
results; they share the palette, so a country has one colour everywhere.
"""
