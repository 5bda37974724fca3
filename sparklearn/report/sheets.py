"""Excel workbooks for country leads: coding templates, harvest workbooks, framework matrix, disagreements.

Stage: report (files for people to read or fill in, never read as processed tables).

- :func:`coding_templates`: one coding sheet per session, a row per speaker turn with
  its pseudonymised text and a dropdown of codebook codes, which
  :func:`sparklearn.ingest.codings.read_codings` reads back.
- :func:`harvest_template` (``sparklearn template outcomes``) and :func:`write_harvest`:
  a country's outcome harvest with dropdowns from the codebook and the registry, a
  Guidance sheet and the house layout, in the columns and headers of
  :mod:`sparklearn.ingest.harvest_schema`, so that
  :func:`sparklearn.ingest.harvest.read_harvest` reads back what is written.
- :func:`framework_matrix_to_excel`, :func:`disagreements_to_excel`: analysis results
  as sheets (cases by themes with quotes; the disagreements to settle at the coders'
  reconciliation meeting).

Text from the data becomes a cell only through :func:`sparklearn.files.put_cell` /
:func:`~sparklearn.files.excel_safe` / :func:`~sparklearn.files.protect_formulas`, so no
cell runs as a formula; workbooks are written atomically. The one exception is the rows
of a harvest's Outcomes sheet, which :func:`read_harvest` reads back as input: they are
written verbatim but typed as text, so ``=1+1`` is shown and never calculated.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook, codebook_table, load_codebook, vocabulary
from sparklearn.config import Paths, resolve_paths
from sparklearn.countries import Registry, load_registry
from sparklearn.exceptions import ParameterError
from sparklearn.files import protect_formulas, put_cell, save_workbook
from sparklearn.frames import require_columns
from sparklearn.ingest.harvest_schema import (
    CONTROLLED,
    CURRENCIES,
    HARVEST_COLUMNS,
    HEADERS,
    MULTI_VALUE,
    OPTIONAL,
    OPTIONAL_CONTROLLED,
    REQUIRED,
    SHEET,
    column_guidance,
)
from sparklearn.report.register_sheet import Register, write_register

#: Columns of the "Coding" sheet that :func:`coding_templates` writes, in order.
TEMPLATE_COLUMNS = ["session_id", "segment_id", "speaker", "text", "code", "coder", "memo"]


#: Columns of the "Codebook" sheet of a coding template.
TEMPLATE_CODEBOOK_COLUMNS = ["code_id", "label", "path", "definition", "when_to_use", "when_not_to_use"]


# Template rows beyond the segments that keep the dropdown, for rows a coder copies
# to give a segment a second code.
_SPARE_ROWS = 300


def write_header_row(ws, names: Sequence[str], widths: Sequence[float]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for j, (name, width) in enumerate(zip(names, widths), start=1):
        cell = put_cell(ws, 1, j, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A2"


# --------------------------------------------------------------------------- templates


def coding_templates(
    country: str,
    out_dir: str | Path,
    *,
    paths: Paths | None = None,
    sessions: Sequence[str] | pd.DataFrame | str | None = None,
    segments: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    coder: str | None = None,
) -> list[Path]:
    """Write one blank coding sheet per session (``coding-<session_id>.xlsx``), for coding in Excel.

    Each workbook has a **Coding** sheet with one row per speaker turn (session_id,
    segment_id, speaker pseudonym, text, then empty code, coder and memo columns; the
    code column has a dropdown of every codebook code), and a **Codebook** sheet
    (code_id, label, path, definition, when_to_use, when_not_to_use) that the dropdown
    refers to, so the list has no length limit. To give a segment a second code,
    copy its row below (the dropdown covers spare rows too). Texts that Excel could
    run as formulas get a leading ``'`` (see :func:`excel_safe`).

    Filled sheets are read back by :func:`read_codings`: put them in the country's
    ``codings/`` folder. Rows left without a code are uncoded segments, not errors.

    Parameters
    ----------
    country
        Country slug.
    out_dir
        Folder to write to (created if needed).
    paths
        Folders; default ``resolve_paths(default_out=False)``: the segments are prepared in
        memory and no processed table is written (give paths with an output folder to
        read them from, and keep them in, its ``processed/``).
    sessions
        Session ids to write (default every session of the country); a sessions
        table is accepted too (its ``session_id`` column).
    segments
        Pseudonymised segments table (segment_id, session_id, speaker, text; turn and
        country used when present). Default: the country's prepared segments
        (:func:`sparklearn.store.country_tables`), so the text is never the raw text.
    codebook
        Default: the data folder's codebook.
    coder
        The coder's name or initials, written in every row's coder column (a coder
        must be named in these sheets: they are named after the session, not the coder).

    Returns
    -------
    list of pathlib.Path
        The files written, in session order.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    paths = paths or resolve_paths(default_out=False)
    codebook = codebook or load_codebook(paths.codebook_file)
    if segments is None:
        from sparklearn.store import country_tables

        segments = country_tables(country, paths).segments
    require_columns(segments, ["segment_id", "session_id", "speaker", "text"], "segments")
    if "country" in segments.columns:
        segments = segments.loc[segments["country"] == country]
    known = list(dict.fromkeys(segments["session_id"].astype(str)))
    if sessions is None:
        wanted = sorted(known)
    else:
        if isinstance(sessions, pd.DataFrame):
            wanted = sessions["session_id"].astype(str).tolist()
        else:
            wanted = [sessions] if isinstance(sessions, str) else [str(s) for s in sessions]
        unknown = [s for s in wanted if s not in known]
        if unknown:
            raise ParameterError(f"no segments for session(s) {', '.join(unknown)} of {country} "
                                 f"(sessions: {', '.join(sorted(known)) or 'none'})")
    order = ["session_id", "turn"] if "turn" in segments.columns else ["session_id", "segment_id"]
    segments = segments.sort_values(order, kind="stable")
    codes = codebook_table(codebook)
    out_dir = Path(out_dir)
    written = []
    wrap = Alignment(wrap_text=True, vertical="top")
    for session_id in wanted:
        rows = segments.loc[segments["session_id"].astype(str) == session_id, TEMPLATE_COLUMNS[:4]]
        book = Workbook()
        sheet = book.active
        sheet.title = "Coding"
        write_header_row(sheet, TEMPLATE_COLUMNS, [12, 15, 18, 70, 22, 12, 40])
        for i, record in enumerate(rows.itertuples(index=False), start=2):
            for j, value in enumerate(record, start=1):
                put_cell(sheet, i, j, value).alignment = wrap
            if coder:
                put_cell(sheet, i, TEMPLATE_COLUMNS.index("coder") + 1, coder)
        last = len(rows) + 1 + _SPARE_ROWS
        sheet["E1"].comment = Comment("Choose a code from the list (the Codebook sheet explains each). To give a "
                                      "turn a second code, copy its row below and choose another code.", "sparklearn")
        sheet["F1"].comment = Comment("Your name or initials as coder, e.g. coder-a, in every row you code (the "
                                      "same in every sheet). A coded row without a coder is not read.", "sparklearn")
        sheet.auto_filter.ref = f"A1:G{len(rows) + 1}"

        book_sheet = book.create_sheet("Codebook")
        write_header_row(book_sheet, TEMPLATE_CODEBOOK_COLUMNS, [20, 40, 50, 60, 60, 60])
        listed = codes[["code_id", "label", "path", "definition", "when_to_use", "when_not_to_use"]]
        for i, record in enumerate(listed.itertuples(index=False), start=2):
            for j, value in enumerate(record, start=1):
                put_cell(book_sheet, i, j, value).alignment = wrap
        dropdown = DataValidation(
            type="list", formula1=f"Codebook!$A$2:$A${len(codes) + 1}", allow_blank=True,
            showDropDown=False, showErrorMessage=True, errorStyle="warning",
            errorTitle="Not a codebook code", error="Choose a code from the list (see the Codebook sheet).",
            showInputMessage=True, promptTitle="Code", prompt="Choose a codebook code")
        dropdown.add(f"E2:E{last}")
        sheet.add_data_validation(dropdown)
        written.append(save_workbook(book, out_dir / f"coding-{session_id}.xlsx"))
    return written


def framework_matrix_to_excel(matrix: pd.DataFrame, path: str | Path, *, codebook: Codebook | None = None) -> Path:
    """Write a framework matrix as an Excel workbook: cases down, themes across.

    Sheet **Framework matrix**: one cell per case and theme with the number of coded
    segments (and coverage when known) followed by the quotes, wrapped. Sheet
    **Counts**: the coded-segment counts as numbers, for sorting and charts. Any text
    that Excel could run as a formula starts with ``'`` (see :func:`excel_safe`).

    Parameters
    ----------
    matrix
        From :func:`framework_matrix` (its first column is the case).
    path
        ``.xlsx`` file to write (atomically).
    codebook
        Adds each code's label under its id in the header.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    require_columns(matrix, ["code_id", "n_segments", "quotes"], "framework matrix")
    case = matrix.columns[0]
    labels = codebook_table(codebook).set_index("code_id")["label"] if codebook is not None else pd.Series(dtype=str)
    cases = list(dict.fromkeys(matrix[case]))
    themes = list(dict.fromkeys(matrix["code_id"]))
    coverage = matrix["coverage"] if "coverage" in matrix else pd.Series(np.nan, index=matrix.index)
    cell_text = (matrix["n_segments"].astype(str) + " segment(s)"
                 + np.where(coverage.notna(), " (" + (coverage * 100).round(0).astype("Int64").astype(str) + "%)", "")
                 + np.where(matrix["quotes"].fillna("") != "", "\n\n" + matrix["quotes"].fillna(""), ""))
    text = pd.Series(cell_text.to_numpy(), index=pd.MultiIndex.from_frame(matrix[[case, "code_id"]]))
    counts = matrix.set_index([case, "code_id"])["n_segments"]

    book = Workbook()
    sheet = book.active
    sheet.title = "Framework matrix"
    count_sheet = book.create_sheet("Counts")
    headers = [f"{t}\n{labels[t]}" if t in labels.index else t for t in themes]
    wrap = Alignment(wrap_text=True, vertical="top")
    for ws, width in ((sheet, 45), (count_sheet, 14)):
        write_header_row(ws, [case, *headers], [18, *[width] * len(themes)])
        ws.freeze_panes = "B2"
    for i, name in enumerate(cases, start=2):
        for ws in (sheet, count_sheet):
            put_cell(ws, i, 1, name).font = Font(bold=True)
        for j, theme in enumerate(themes, start=2):
            put_cell(sheet, i, j, text.get((name, theme), "")).alignment = wrap
            put_cell(count_sheet, i, j, int(counts.get((name, theme), 0)))
    return save_workbook(book, Path(path))


def disagreements_to_excel(table: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`disagreements` as a workbook for the coders' reconciliation meeting.

    One row per segment and code the coders disagreed on, with the excerpt, who applied
    the code and who did not, and an empty **decision** column to fill in at the meeting.
    Text that Excel could run as a formula starts with ``'``.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> t = pd.DataFrame({"session_id": ["KE-S01"], "segment_id": ["KE-S01-T002"], "code_id": ["OA-POWER"],
    ...                   "applied_by": ["coder-a"], "not_applied_by": ["coder-b"], "text": ["=cmd|' /C calc'!A0"]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     book = openpyxl.load_workbook(disagreements_to_excel(t, Path(d) / "x.xlsx"))
    ...     [c.value for c in book["Disagreements"][2]][-2:]
    ["'=cmd|' /C calc'!A0", None]
    """
    from openpyxl.styles import Alignment, Font

    from sparklearn.files import write_atomic

    columns = [c for c in ("session_id", "segment_id", "code_id", "applied_by", "not_applied_by", "memos", "text")
               if c in table.columns]
    sheet = protect_formulas(table[columns]).assign(decision="")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet.to_excel(writer, sheet_name="Disagreements", index=False)
        ws = writer.sheets["Disagreements"]
        widths = {"session_id": 10, "segment_id": 14, "code_id": 18, "applied_by": 14, "not_applied_by": 14,
                  "memos": 30, "text": 70, "decision": 30}
        for i, name in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = widths.get(name, 14)
            ws.cell(row=1, column=i).font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
    path = Path(path)
    write_atomic(path, buffer.getvalue())
    return path


_TEMPLATE_ROWS = 1000


def _load(paths: Paths | None, data: str | Path | None, registry: Registry | None,
          codebook: Codebook | None) -> tuple[Registry, Codebook]:
    paths = paths or resolve_paths(data)
    return (registry or load_registry(paths.countries_file), codebook or load_codebook(paths.codebook_file))


def _lists(country: str, registry: Registry, codebook: Codebook) -> dict[str, pd.DataFrame]:
    """Column -> id/label table of its dropdown (and of the multi-value columns' guidance)."""
    campaigns = registry.campaigns_of(country)
    lists = {
        "country": pd.DataFrame({"id": [country], "label": [str(registry.country(country)["name"])]}),
        "campaign_id": pd.DataFrame({"id": campaigns["campaign_id"], "label": campaigns["name"]}),
    }
    for name in (*CONTROLLED, *MULTI_VALUE):
        table = vocabulary(codebook, MULTI_VALUE.get(name, name))
        lists[name] = table[["id", "label"]].astype(str).reset_index(drop=True)
    for name in ("social_group", *OPTIONAL_CONTROLLED):  # optional: only when the codebook has the list
        if name in codebook.vocabularies:
            lists[name] = vocabulary(codebook, name)[["id", "label"]].astype(str).reset_index(drop=True)
    codes = sorted(CURRENCIES)
    lists["currency"] = pd.DataFrame({"id": codes, "label": codes})
    return {c: lists[c] for c in HARVEST_COLUMNS if c in lists}


#: Columns that take several ids per cell: an input message, not a strict dropdown.
_MULTI = (*MULTI_VALUE, "social_group")


_WIDTHS = {"outcome_id": 12, "country": 12, "campaign_id": 20, "date": 12, "social_actor": 28,
           "actor_type": 18, "outcome": 60, "significance": 45, "contribution": 45, "other_contributors": 30,
           "outcome_area": 14, "type_of_change": 14, "level": 13, "strategic_components": 26, "intended": 12,
           "valence": 11, "substantiation": 15, "substantiator_role": 22, "sources": 30, "builds_on": 18,
           "social_group": 26, "kind_of_change": 16, "budget_stage": 15, "amount": 15, "currency": 10,
           "amount_year": 11}


def write_harvest(
    outcomes: pd.DataFrame,
    path: str | Path,
    *,
    country: str,
    registry: Registry,
    codebook: Codebook,
    synthetic_note: str | None = None,
) -> Path:
    """Write outcomes to a harvest workbook with dropdowns, guidance and the house layout.

    The workbook has the sheet "Outcomes" (headers of :data:`HEADERS` in row 1, frozen
    with the id column; wrapped text; widths per column; dates as ``yyyy-mm-dd``,
    month-precision dates as ``YYYY-MM`` text), a "Guidance" sheet (what to write in
    each column, the allowed values, and ``synthetic_note`` if given) and a hidden
    "Lists" sheet holding the dropdown lists. Every controlled column and the country
    and campaign columns get a strict dropdown (a list data validation referring to a
    range of "Lists", so long lists are not cut at Excel's 255 characters); the
    multi-value columns and free text get an input message instead. Text starting with
    ``=`` is stored as text, never as a formula. The same input gives the same
    workbook except for the document timestamps (see ``sparklearn.demo._freeze_xlsx``).

    Parameters
    ----------
    outcomes
        Columns of :data:`HARVEST_COLUMNS` (missing ones are left empty), e.g. the
        accepted table of :func:`read_harvest` or the demo generator's; an optional
        ``date_precision`` column says which dates are months. May be empty.
    path
        The ``.xlsx`` file to write.
    country, registry, codebook
        Give the country's campaigns and the vocabularies of the dropdowns.
    synthetic_note
        Written at the top of the Guidance sheet (for demo data).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ParameterError
        A cell longer than Excel's 32,767 characters.
    """
    registry.country(country)
    lists = _lists(country, registry, codebook)
    guidance = column_guidance(country, registry)
    recommended = ("date", "social_actor", "significance", "contribution", *CONTROLLED, *MULTI_VALUE)
    register = Register(
        sheet=SHEET, columns=HARVEST_COLUMNS, headers=HEADERS, widths=_WIDTHS, prompts=guidance, lists=lists,
        required={c: "yes" if c in REQUIRED else "recommended" if c in recommended else
                  "optional" if c in OPTIONAL else "no" for c in HARVEST_COLUMNS},
        guidance=guidance, intro=_intro(str(registry.country(country)["name"]), codebook), free=_MULTI,
        dates=("date",), spare_rows=_TEMPLATE_ROWS, note=synthetic_note)
    return write_register(_sheet_values(outcomes), path, register)


def _sheet_values(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The cell values to write: dates as ``date`` (or ``YYYY-MM`` text for months), NA as None."""
    frame = pd.DataFrame(index=outcomes.index)
    for column in HARVEST_COLUMNS:
        if column not in outcomes.columns:
            frame[column] = pd.Series([None] * len(outcomes), index=outcomes.index, dtype=object)
            continue
        values = outcomes[column]
        if column == "date":
            stamps = pd.to_datetime(values, errors="coerce")
            month = (outcomes["date_precision"].astype("string") == "month").fillna(False) \
                if "date_precision" in outcomes.columns else pd.Series(False, index=outcomes.index)
            days = pd.Series([d.date() if pd.notna(d) else None for d in stamps], index=outcomes.index, dtype=object)
            values = days.where(~month.to_numpy(), stamps.dt.strftime("%Y-%m").astype(object))
            frame[column] = values.where(stamps.notna().to_numpy(), None)
        else:
            values = values.astype(object)
            frame[column] = values.where(values.notna() & (values.astype(str) != ""), None)
    return frame.reset_index(drop=True)


def _intro(name: str, codebook: Codebook) -> list[str]:
    """The harvest's Guidance sheet's opening lines (the first is its title)."""
    return [
        f"Outcome harvest: {name}",
        "One row per outcome (Wilson-Grau and Britt 2012). Each description has three parts: the OUTCOME "
        "(who changed what, when and where), its SIGNIFICANCE (why it matters) and the CONTRIBUTION of the "
        "campaign's change agents. A sample is then SUBSTANTIATED by independent informants.",
        "Use the dropdowns; headers may be renamed or reordered, but keep one header row. Never write a "
        "private person's name: describe social actors by role or organisation.",
        f"Vocabularies from the codebook {codebook.title} version {codebook.version}.",
    ]


def harvest_template(
    country: str,
    out: str | Path,
    *,
    data: str | Path | None = None,
    paths: Paths | None = None,
    registry: Registry | None = None,
    codebook: Codebook | None = None,
) -> Path:
    """Write an empty harvest workbook for one country (``sparklearn template outcomes``).

    Parameters
    ----------
    country
        Country slug; its campaigns fill the campaign dropdown.
    out
        The ``.xlsx`` file to write (folders are created).
    data, paths
        Where ``countries.yaml`` and ``codebook.yaml`` are (default: the data folder).
    registry, codebook
        Already loaded ones, instead of reading them.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = harvest_template("kenya", Path(tempfile.mkdtemp()) / "harvest.xlsx")
    >>> book = openpyxl.load_workbook(p)
    >>> book.sheetnames, book["Lists"].sheet_state, book["Outcomes"]["C1"].value
    (['Outcomes', 'Guidance', 'Lists'], 'hidden', 'Campaign ID')
    """
    registry, codebook = _load(paths, data, registry, codebook)
    registry.country(country)
    return write_harvest(pd.DataFrame(columns=HARVEST_COLUMNS), out, country=country, registry=registry,
                         codebook=codebook)
