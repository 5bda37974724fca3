"""Workbooks a lead asks for by name: the library side of ``sparklearn export``.

Each function reads one country's tables from the store (:mod:`sparklearn.store`:
from the output folder of ``paths`` when it has one, else prepared in memory, so only
the workbook is written), runs the analysis and writes the sheet with
:mod:`sparklearn.report.sheets`. The command line only parses and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from sparklearn.config import Paths, resolve_paths


def export_framework_matrix(
    country: str,
    output: str | Path,
    *,
    paths: Paths | None = None,
    case: Literal["country", "campaign_id", "session_id"] = "campaign_id",
    top: int = 12,
    quotes_per_cell: int = 2,
) -> pd.DataFrame:
    """Write a country's framework matrix (cases down, its most coded themes across) to Excel.

    Parameters
    ----------
    country
        Country slug.
    output
        Workbook to write (:func:`~sparklearn.report.sheets.framework_matrix_to_excel`).
    paths
        Folders; default ``resolve_paths(default_out=False)`` (nothing but ``output`` written).
    case
        The matrix's rows.
    top
        The ``top`` themes coded on most segments, most first.
    quotes_per_cell
        Pseudonymised quotes per cell.

    Returns
    -------
    pandas.DataFrame
        The matrix written (:func:`sparklearn.analysis.quotes.framework_matrix`).
    """
    from sparklearn.analysis.quotes import framework_matrix
    from sparklearn.analysis.themes import code_frequencies
    from sparklearn.codebook import load_codebook
    from sparklearn.report.sheets import framework_matrix_to_excel
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    tables = country_tables(country, paths)
    codes = code_frequencies(tables.codings).nlargest(top, "n_segments")["code_id"].tolist()
    matrix = framework_matrix(tables.codings, tables.segments, case=case, sessions=tables.sessions, codes=codes,
                              quotes_per_cell=quotes_per_cell)
    framework_matrix_to_excel(matrix, output, codebook=load_codebook(paths.codebook_file))
    return matrix


def export_disagreements(country: str, output: str | Path, *, paths: Paths | None = None) -> pd.DataFrame:
    """Write the segments and codes a country's coders disagree on, for the reconciliation meeting.

    Parameters
    ----------
    country
        Country slug.
    output
        Workbook to write (:func:`~sparklearn.report.sheets.disagreements_to_excel`).
    paths
        Folders; default ``resolve_paths(default_out=False)`` (nothing but ``output`` written).

    Returns
    -------
    pandas.DataFrame
        The disagreements written (:func:`sparklearn.analysis.agreement.disagreements`).
    """
    from sparklearn.analysis.agreement import disagreements
    from sparklearn.report.sheets import disagreements_to_excel
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    tables = country_tables(country, paths)
    table = disagreements(tables.codings, tables.segments)
    disagreements_to_excel(table, output)
    return table
