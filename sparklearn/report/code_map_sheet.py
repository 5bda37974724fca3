"""The code map workbook a country lead fills in to bring a project with its own codes into SPARK codes.

Stage: report (a workbook for people; read back by :func:`sparklearn.ingest.code_map.read_code_map`).
:func:`write_code_map` writes one row per code of a QDA project or ``.qdc`` codebook
(its path in the code tree, colour, description, number of codings), the SPARK code
:func:`~sparklearn.ingest.code_map.suggest_codes` proposes, and a "Your choice" column
with a dropdown of the codebook's codes plus ``ignore``. Codes that already are SPARK
codes (by GUID, id or label) have their choice filled in; the others are left blank
for the lead to decide. A "Guidance" sheet says what to do, in the style of the other
workbooks (:mod:`sparklearn.report.sheets`), and a "Codebook" sheet lists the codes
the dropdown offers with their definitions.

Every cell from the data is written with :func:`sparklearn.files.put_cell` (never a
formula); the workbook is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook, codebook_table
from sparklearn.files import put_cell, save_workbook
from sparklearn.frames import require_columns
from sparklearn.ingest.code_map import IGNORE, MAP_HEADERS, MAP_SHEET, suggest_codes
from sparklearn.report.sheets import write_header_row

_WIDTHS = {"path": 40, "name": 24, "color": 9, "description": 40, "groups": 20, "n_codings": 9, "suggestion": 20,
           "suggestion_label": 34, "score": 11, "choice": 22, "guid": 38}

_GUIDANCE = [
    "How to fill in this code map",
    ("Each row of the '{sheet}' sheet is a code of {project}. For each, choose in 'Your choice' the "
    "SPARK code its codings should count as, or '{ignore}' to leave its codings out."),
    ("'Suggested SPARK code' is sparklearn's guess from the code's name, path and description (similarity 0-100, "
    "higher is closer). It is only a guess: check it against the definitions in the Codebook sheet."),
    ("Codes that already are SPARK codes have their choice filled in. Rows left blank are undecided: their codings "
    "are rejected and the import says so."),
    ("Several codes may map to the same SPARK code. Do not edit the 'Code path' or 'Code GUID' columns: they tell "
    "sparklearn which code each row is."),
    "When done, run: sparklearn import-qdpx <project> --country <slug> --output <codings.csv> --map <this file>",
    "Codes with 0 codings need no choice unless you will code with them later.",
]


def _groups(sets: pd.DataFrame | None) -> pd.Series:
    """Code GUID -> the names of the sets it is a member of, ``"; "``-joined."""
    if sets is None or sets.empty:
        return pd.Series(dtype="string")
    members = sets.loc[sets["member_kind"].eq("code").fillna(False) & sets["member_guid"].notna()]
    return members.groupby("member_guid")["name"].agg(lambda names: "; ".join(dict.fromkeys(names.astype(str))))


def write_code_map(path: str | Path, codes: pd.DataFrame, codebook: Codebook, *, n_codings: pd.Series | None = None,
                   sets: pd.DataFrame | None = None, project: str = "") -> Path:
    """Write the code map workbook for a project's (or ``.qdc`` codebook's) codes.

    Parameters
    ----------
    path
        The ``.xlsx`` to write (folders are created).
    codes
        guid, name, path, color, description: one row per code, in the project's order
        (:attr:`~sparklearn.ingest.refi_qda.QdpxProject.codes` or
        :func:`~sparklearn.ingest.refi_qda.read_qdc`).
    codebook
        The SPARK codebook: the dropdown's codes and the suggestions.
    n_codings
        Codings per code GUID (missing codes count 0); None for a codebook without
        codings (the column is left empty).
    sets
        The project's or codebook's sets (name, member_guid, member_kind, as
        :attr:`~sparklearn.ingest.refi_qda.QdpxProject.sets`): each code's code groups
        are listed beside it. None for none.
    project
        The project's name, for the Guidance sheet.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from sparklearn.codebook import load_codebook
    >>> codes = pd.DataFrame({"guid": ["g1"], "name": ["Media"], "path": ["Actors/Media"], "color": ["#ff0000"],
    ...                       "description": [None]})
    >>> p = write_code_map(Path(tempfile.mkdtemp()) / "map.xlsx", codes, load_codebook())
    >>> sheet = openpyxl.load_workbook(p)["Code map"]
    >>> [c.value for c in sheet[2]][:2], sheet["G2"].value, sheet["J2"].value
    (['Actors/Media', 'Media'], 'AE-MEDIA', 'AE-MEDIA')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    require_columns(codes, ["guid", "name", "path", "color", "description"], "codes")
    codes = codes.reset_index(drop=True)
    suggested = suggest_codes(codes, codebook)
    rows = pd.DataFrame({
        "path": codes["path"], "name": codes["name"], "color": codes["color"], "description": codes["description"],
        "groups": codes["guid"].map(_groups(sets)),
        "n_codings": (codes["guid"].map(n_codings).fillna(0).astype("int64") if n_codings is not None
                      else pd.Series(pd.NA, index=codes.index, dtype="Int64")),
        "suggestion": suggested["suggestion"], "suggestion_label": suggested["suggestion_label"],
        "score": suggested["score"], "choice": suggested["code_id"], "guid": codes["guid"]})

    book = Workbook()
    sheet = book.active
    sheet.title = MAP_SHEET
    columns = list(MAP_HEADERS)
    write_header_row(sheet, [MAP_HEADERS[c] for c in columns], [_WIDTHS[c] for c in columns])
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, record in enumerate(rows[columns].itertuples(index=False), start=2):
        for j, value in enumerate(record, start=1):
            put_cell(sheet, i, j, None if value is pd.NA else value).alignment = wrap
        colour = record[columns.index("color")]
        colour = colour.lstrip("#") if isinstance(colour, str) else ""
        if len(colour) == 6 and all(c in "0123456789abcdefABCDEF" for c in colour):
            sheet.cell(i, columns.index("color") + 1).fill = PatternFill("solid", fgColor=colour.upper())
    choice_col = get_column_letter(columns.index("choice") + 1)
    for i in range(2, len(rows) + 2):
        sheet[f"{choice_col}{i}"].fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"

    listed = book.create_sheet("Codebook")
    table = codebook_table(codebook)
    write_header_row(listed, ["code", "label", "path", "definition"], [22, 40, 50, 70])
    put_cell(listed, 2, 1, IGNORE)
    put_cell(listed, 2, 2, "Leave this code's codings out")
    for i, record in enumerate(table[["code_id", "label", "path", "definition"]].itertuples(index=False), start=3):
        for j, value in enumerate(record, start=1):
            put_cell(listed, i, j, value).alignment = wrap
    dropdown = DataValidation(
        type="list", formula1=f"=Codebook!$A$2:$A${len(table) + 2}", allow_blank=True, showErrorMessage=True,
        errorTitle="Not a SPARK code", error="Choose a code from the list (see the Codebook sheet), or 'ignore'.",
        showInputMessage=True, promptTitle="Your choice", prompt="A SPARK code, or 'ignore' to leave these codings out")
    dropdown.add(f"{choice_col}2:{choice_col}{max(len(rows), 1) + 1}")
    sheet.add_data_validation(dropdown)

    guidance = book.create_sheet("Guidance", 1)
    for r, line in enumerate(_GUIDANCE, start=1):
        text = line.format(sheet=MAP_SHEET, ignore=IGNORE, project=f"the project '{project}'" if project else
                           "the project")
        put_cell(guidance, r, 1, text).alignment = wrap
    guidance.cell(1, 1).font = Font(bold=True, size=13)
    put_cell(guidance, len(_GUIDANCE) + 2, 1,
             f"Codebook: {codebook.title} version {codebook.version}; {len(rows)} project code(s), "
             f"{int(rows['choice'].notna().sum())} already SPARK codes.")
    guidance.column_dimensions["A"].width = 110
    return save_workbook(book, Path(path))
