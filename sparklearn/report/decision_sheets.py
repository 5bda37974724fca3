"""The decisions register as an Excel workbook a country team keeps: dropdowns, guidance, the house layout.

Stage: report (a file for leads). :func:`write_decisions` writes a register, empty (the
template, ``sparklearn template decisions``) or holding decisions (the demo data), in
the form :func:`sparklearn.ingest.decisions.read_decisions` reads back: a "Decisions"
sheet first, with a strict dropdown for the session, campaign, strategic component and
status, an input message on every other column, a "Guidance" sheet saying what each
column takes, and a hidden "Lists" sheet holding the dropdowns' values. No cell is ever
a formula: the decisions go through :func:`sparklearn.files.put_input_cell` (typed as
text and kept as written, since the register is read back as input), every other cell
through :func:`sparklearn.files.put_cell`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook, vocabulary
from sparklearn.config import Paths, resolve_paths
from sparklearn.countries import Registry
from sparklearn.files import put_cell, put_input_cell, save_workbook
from sparklearn.ingest.decisions import (
    HEADERS,
    REGISTER_COLUMNS,
    REQUIRED,
    SHEET,
    STATUSES,
)

#: Rows below the last decision that keep the dropdowns.
_SPARE_ROWS = 500

_WIDTHS = {"decision_id": 12, "session_id": 12, "campaign_id": 20, "date": 12, "decided_by": 20,
           "strategic_component": 22, "decision": 60, "addresses": 22, "due_date": 12, "status": 13,
           "follow_up": 50, "outcome_ids": 18}

#: What to write in each column (the Guidance sheet and the input messages; at most 255 characters each).
GUIDANCE = {
    "decision_id": "A short id of your own, unique in the country, e.g. KE-D07.",
    "session_id": "The reflection session the decision came out of (its id, e.g. KE-S04).",
    "campaign_id": "The campaign the decision is for. May be left empty when the session was about one campaign.",
    "date": "When it was decided (YYYY-MM-DD). Empty: the session's date.",
    "decided_by": "Who decided, by ROLE (campaign team, partner staff, community monitors), never by name.",
    "strategic_component": "The SPARK strategic component the decision belongs to.",
    "decision": "What was decided, in a sentence: who will do what.",
    "addresses": "Codebook codes the decision responds to, separated by ';' (a barrier such as BR-INFORMATION, "
                 "often).",
    "due_date": "When it should be done (YYYY-MM-DD); may lie ahead.",
    "status": "Where it stands: planned, in progress, done or dropped. Update it at each session.",
    "follow_up": "What happened, noted at a later session (and why, if it was dropped).",
    "outcome_ids": "Harvested outcomes this decision contributed to: their ids from outcomes.xlsx, separated by "
                   "';'.",
}


def _lists(country: str, registry: Registry, codebook: Codebook,
           sessions: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Column -> the id/label table of its dropdown."""
    campaigns = registry.campaigns_of(country)
    lists = {"campaign_id": pd.DataFrame({"id": campaigns["campaign_id"], "label": campaigns["name"]}),
             "status": STATUSES[["id", "label"]]}
    if "strategic_component" in codebook.vocabularies:
        lists["strategic_component"] = vocabulary(codebook, "strategic_component")[["id", "label"]]
    if sessions is not None and len(sessions):
        ordered = sessions.sort_values("date")
        lists["session_id"] = pd.DataFrame({"id": ordered["session_id"].astype(str),
                                            "label": ordered["title"].astype(str)})
    return {c: lists[c].astype(str).reset_index(drop=True) for c in REGISTER_COLUMNS if c in lists}


def _cell_value(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def write_decisions(
    decisions: pd.DataFrame,
    path: str | Path,
    *,
    country: str,
    registry: Registry,
    codebook: Codebook,
    sessions: pd.DataFrame | None = None,
    synthetic_note: str | None = None,
) -> Path:
    """Write a decisions register workbook: the Decisions sheet with dropdowns, Guidance, hidden Lists.

    Parameters
    ----------
    decisions
        Columns of :data:`~sparklearn.ingest.decisions.REGISTER_COLUMNS` (missing ones
        are left empty); may be empty (the template).
    path
        The ``.xlsx`` file to write (atomically).
    country, registry, codebook
        The country's campaigns and the codebook's strategic components for the dropdowns.
    sessions
        The country's sessions table: its session ids become a dropdown. Without it, the
        session column is free text.
    synthetic_note
        Written at the top of the Guidance sheet (for demo data).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from sparklearn.codebook import load_codebook
    >>> from sparklearn.countries import load_registry
    >>> p = write_decisions(pd.DataFrame(), Path(tempfile.mkdtemp()) / "decisions.xlsx", country="kenya",
    ...                     registry=load_registry(), codebook=load_codebook())
    >>> book = openpyxl.load_workbook(p)
    >>> book.sheetnames, book["Decisions"]["G1"].value, len(book["Decisions"].data_validations.dataValidation)
    (['Decisions', 'Guidance', 'Lists'], 'Decision', 12)
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    registry.country(country)
    lists = _lists(country, registry, codebook, sessions)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for j, column in enumerate(REGISTER_COLUMNS, start=1):
        cell = put_cell(sheet, 1, j, HEADERS[column])
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(j)].width = _WIDTHS[column]
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = decisions.reindex(columns=REGISTER_COLUMNS)
    for i, row in enumerate(rows.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            cell = put_input_cell(sheet, i, j, _cell_value(value))  # read back as input: kept as typed
            cell.alignment = wrap
            if REGISTER_COLUMNS[j - 1] in ("date", "due_date"):
                cell.number_format = "yyyy-mm-dd"
    last = len(rows) + 1 + _SPARE_ROWS
    sheet.freeze_panes = "B2"
    sheet.row_dimensions[1].height = 30

    lists_sheet = book.create_sheet("Lists")
    for k, (column, table) in enumerate(lists.items()):
        id_col = 2 * k + 1
        put_cell(lists_sheet, 1, id_col, column)
        put_cell(lists_sheet, 1, id_col + 1, f"{column} (label)")
        for r, (ident, label) in enumerate(zip(table["id"], table["label"]), start=2):
            put_cell(lists_sheet, r, id_col, ident)
            put_cell(lists_sheet, r, id_col + 1, label)
    lists_sheet.sheet_state = "hidden"
    for j, column in enumerate(REGISTER_COLUMNS, start=1):
        letter = get_column_letter(j)
        if column in lists:
            ids = get_column_letter(2 * list(lists).index(column) + 1)
            dv = DataValidation(type="list", formula1=f"=Lists!${ids}$2:${ids}${len(lists[column]) + 1}",
                                allow_blank=True, showErrorMessage=True, errorTitle="Not in the list",
                                error="Choose a value from the list; see the Guidance sheet.")
        else:
            dv = DataValidation(allow_blank=True)
        dv.showInputMessage = True
        dv.promptTitle = HEADERS[column][:32]
        dv.prompt = GUIDANCE[column][:255]
        dv.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(dv)
    _guidance(book.create_sheet("Guidance", 1), lists, country, registry, codebook, synthetic_note)
    return save_workbook(book, path)


def _guidance(sheet, lists: dict[str, pd.DataFrame], country: str, registry: Registry, codebook: Codebook,
              synthetic_note: str | None) -> None:
    from openpyxl.styles import Alignment, Font

    lines = [
        *([synthetic_note] if synthetic_note else []),
        f"Decisions register: {registry.country(country)['name']}",
        "One row per decision the team took after a reflection session: what was decided, by whom (by role), "
        "for which campaign, and, at later sessions, what happened and which outcomes it led to.",
        "Never write a person's name: describe people by their role.",
        f"Strategic components and codes from the codebook {codebook.title} version {codebook.version}.",
        "",
    ]
    for r, line in enumerate(lines, start=1):
        put_cell(sheet, r, 1, line)
    sheet.cell(2 if synthetic_note else 1, 1).font = Font(bold=True, size=13)
    header_row = len(lines) + 1
    for j, name in enumerate(("Column", "Required", "What to write", "Allowed values (id = label)"), start=1):
        put_cell(sheet, header_row, j, name).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, column in enumerate(REGISTER_COLUMNS, start=header_row + 1):
        allowed = "\n".join(f"{i} = {label}" for i, label in zip(lists[column]["id"], lists[column]["label"])) \
            if column in lists and column != "session_id" else ""
        for j, value in enumerate((HEADERS[column], "yes" if column in REQUIRED else "no", GUIDANCE[column],
                                   allowed), start=1):
            put_cell(sheet, r, j, value).alignment = wrap
    for letter, width in zip("ABCD", (22, 10, 70, 60)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{header_row + 1}"


def decisions_template(
    country: str,
    out: str | Path,
    *,
    paths: Paths | None = None,
    registry: Registry | None = None,
    codebook: Codebook | None = None,
    sessions: pd.DataFrame | None = None,
) -> Path:
    """Write an empty decisions register for one country (``sparklearn template decisions``).

    Parameters
    ----------
    country
        Country slug; its campaigns fill the campaign dropdown.
    out
        The ``.xlsx`` file to write.
    paths
        Where ``countries.yaml`` and ``codebook.yaml`` are (default: the data folder).
    registry, codebook
        Already loaded ones, instead of reading them.
    sessions
        The country's sessions, for the session dropdown.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = decisions_template("kenya", Path(tempfile.mkdtemp()) / "decisions.xlsx")
    >>> openpyxl.load_workbook(p)["Decisions"]["J1"].value
    'Status'
    """
    from sparklearn.codebook import load_codebook
    from sparklearn.countries import load_registry

    paths = paths or resolve_paths()
    registry = registry or load_registry(paths.countries_file)
    codebook = codebook or load_codebook(paths.codebook_file)
    return write_decisions(pd.DataFrame(columns=REGISTER_COLUMNS), out, country=country, registry=registry,
                           codebook=codebook, sessions=sessions)
