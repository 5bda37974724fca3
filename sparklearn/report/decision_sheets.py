"""The decisions register as an Excel workbook a country team keeps: dropdowns, guidance, the house layout.

Stage: report (a file for leads). :func:`write_decisions` writes a register, empty (the
template, ``sparklearn template decisions``) or holding decisions (the demo data), in
the form :func:`sparklearn.ingest.decisions.read_decisions` reads back: a "Decisions"
sheet first, with a strict dropdown for the session, campaign, strategic component and
status, an input message on every other column, a "Guidance" sheet saying what each
column takes, and a hidden "Lists" sheet holding the dropdowns' values, in the layout
every register shares (:func:`sparklearn.report.register_sheet.write_register`, which
also says how no cell becomes a formula). What is particular to this register (its
lists, widths and guidance) is here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook, vocabulary
from sparklearn.config import Paths, resolve_paths
from sparklearn.countries import Registry
from sparklearn.ingest.decisions import (
    HEADERS,
    REGISTER_COLUMNS,
    REQUIRED,
    SHEET,
    STATUSES,
)
from sparklearn.report.register_sheet import Register, write_register

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
    registry.country(country)
    lists = _lists(country, registry, codebook, sessions)
    register = Register(
        sheet=SHEET, columns=REGISTER_COLUMNS, headers=HEADERS, widths=_WIDTHS, prompts=GUIDANCE, lists=lists,
        required={c: "yes" if c in REQUIRED else "no" for c in REGISTER_COLUMNS}, guidance=GUIDANCE,
        intro=_intro(country, registry, codebook), dates=("date", "due_date"),
        # The sessions' dropdown has them all; the Guidance sheet need not list every session.
        unlisted=("session_id",), spare_rows=_SPARE_ROWS, note=synthetic_note)
    return write_register(decisions.reindex(columns=REGISTER_COLUMNS).map(_cell_value), path, register)


def _intro(country: str, registry: Registry, codebook: Codebook) -> list[str]:
    """The register's Guidance sheet's opening lines (the first is its title)."""
    return [
        f"Decisions register: {registry.country(country)['name']}",
        "One row per decision the team took after a reflection session: what was decided, by whom (by role), "
        "for which campaign, and, at later sessions, what happened and which outcomes it led to.",
        "Never write a person's name: describe people by their role.",
        f"Strategic components and codes from the codebook {codebook.title} version {codebook.version}.",
    ]


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
