"""Ingest stage: one reader per raw input, turning files into checked tables and problems.

Every reader takes a file (or folder) a country lead keeps and returns tidy tables
plus a problem table (:mod:`sparklearn.ingest.problems`) naming the file, the row as
the user's editor or spreadsheet numbers it, the column as the file heads it (with its
Excel letter in a workbook: ``'Due by (I)'``), the value and the fix; bad rows
are kept in a rejected table, never dropped. Nothing here writes a file:
:mod:`sparklearn.prepare` is the only writer of processed tables.

- :mod:`~sparklearn.ingest.spreadsheets` (CSV/Excel with the user's row numbers),
  :mod:`~sparklearn.ingest.archives` (zip archives within limits: workbooks, projects) and
  :mod:`~sparklearn.ingest.problems` (the problem table, ``Checked``): shared by all.
- :mod:`~sparklearn.ingest.sessions`: reflection-session Markdown -> sessions, segments.
- :mod:`~sparklearn.ingest.codings`: coding sheets -> codings.
- :mod:`~sparklearn.ingest.harvest_schema` (what a harvest is) and
  :mod:`~sparklearn.ingest.harvest` (reading one): outcome harvests -> outcomes.
- :mod:`~sparklearn.ingest.refi_qda` (REFI-QDA projects and codebooks),
  :mod:`~sparklearn.ingest.qda_codings` (a project's selections -> codings, the import
  report), :mod:`~sparklearn.ingest.qda_sources` (which session a document is, by its text),
  :mod:`~sparklearn.ingest.code_map` (a project's own codes -> SPARK codes) and
  :mod:`~sparklearn.ingest.taguette` (Taguette highlights -> codings).
- :mod:`~sparklearn.ingest.privacy`: the participants register, pseudonyms, redaction.

Modules are cut by question (what a harvest is / how to read one; what a project holds
/ which turns its selections code), each under about 800 lines.
"""
