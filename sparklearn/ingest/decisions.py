"""Reading and checking one country's decisions register: what the team decided after reflecting.

Stage: ingest. The learning loop of Learning with SPARK runs from reflection to action
to outcome: in a reflection session the campaign team looks back, and decides what to
do next. The **decisions register** (``<country>/decisions.xlsx`` or ``decisions.csv``,
written from ``sparklearn template decisions``) keeps one row per decision:

========================  ==========================================================
``decision_id``           unique id, e.g. ``KE-D01`` (required)
``session_id``            the reflection session it came from (required; a session of the country)
``campaign_id``           the campaign; may be left empty when the session is about one campaign
``date``                  when it was decided; empty: the session's date
``decided_by``            who decided, **by role** ("campaign team", "partner staff"), never by name
``strategic_component``   the SPARK strategic component it belongs to (codebook list)
``decision``              what was decided (required)
``addresses``             codebook codes it responds to, ``;``-separated (a barrier, often)
``due_date``              when it should be done (may lie ahead)
``status``                planned, in progress, done or dropped (:data:`STATUSES`)
``follow_up``             what happened: the note the team adds at the next session
``outcome_ids``           harvested outcomes this decision contributed to, ``;``-separated
========================  ==========================================================

The link from outcomes to decisions is kept here, in the register, rather than in the
harvest: the team updates the register at each session as it follows its decisions up,
while a harvest row is written once with the change agents; an outcome's row then does
not need a twentieth column. The links are read both ways in the analysis
(:mod:`sparklearn.analysis.decisions`).

Reading follows the harvest's rules (:mod:`sparklearn.ingest.harvest`): rows numbered as
in Excel, headers matched ignoring case and spacing (with a few synonyms), dates and
list values read by :mod:`sparklearn.ingest.cells`, and every problem a row with its
file, row, column, value and fix. A row without an id, a session or a decision, with an
id used twice, a session or campaign the country does not have, or a date that cannot
be right is rejected (errors); an unknown status, component or code, an outcome id
that is not in the harvest (the link is left out) or a decision dated after an outcome
it claims only warns, since the decision itself still stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook, lookup_codes, vocabulary
from sparklearn.countries import Registry
from sparklearn.exceptions import InputError
from sparklearn.ingest.cells import did_you_mean, match_vocabulary, parse_dates
from sparklearn.ingest.problems import (
    Checked,
    columns_as_headed,
    date_fix,
    flag_rows,
    implausible_dates,
    problem_record,
    problems_frame,
    split_rejected,
)
from sparklearn.ingest.spreadsheets import read_table

#: Name of the register's sheet in the template (the first sheet).
SHEET = "Decisions"

#: Columns of a decisions register, in order (what the template writes).
REGISTER_COLUMNS = ["decision_id", "session_id", "campaign_id", "date", "decided_by", "strategic_component",
                    "decision", "addresses", "due_date", "status", "follow_up", "outcome_ids"]

#: Columns of the checked decisions table (the processed table ``decisions``).
DECISION_COLUMNS = ["decision_id", "country", "campaign_id", "session_id", "date", "decided_by",
                    "strategic_component", "decision", "addresses", "due_date", "status", "follow_up",
                    "outcome_ids", "source_file", "source_row"]

#: Headers a lead sees in the template, by column.
HEADERS = {
    "decision_id": "Decision ID", "session_id": "Session", "campaign_id": "Campaign", "date": "Decided on",
    "decided_by": "Decided by (role)", "strategic_component": "Strategic component", "decision": "Decision",
    "addresses": "Addresses (codes)", "due_date": "Due by", "status": "Status", "follow_up": "Follow-up",
    "outcome_ids": "Outcomes it led to",
}

#: Other headers leads write, by column (after case and spacing are normalised).
HEADER_SYNONYMS = {
    "id": "decision_id", "decision_no": "decision_id", "session": "session_id", "reflection_session": "session_id",
    "campaign": "campaign_id", "decided_on": "date", "date_decided": "date", "decided_by_role": "decided_by",
    "who": "decided_by", "by": "decided_by", "component": "strategic_component", "action": "decision",
    "what_was_decided": "decision", "addresses_codes": "addresses", "barriers": "addresses", "due": "due_date",
    "due_by": "due_date", "deadline": "due_date", "follow_up_note": "follow_up", "followup": "follow_up",
    "outcomes": "outcome_ids", "outcomes_it_led_to": "outcome_ids", "led_to": "outcome_ids",
}

#: Where a decision stands. Ids are what the table stores; labels what leads pick.
STATUSES = pd.DataFrame({
    "id": ["planned", "in-progress", "done", "dropped"],
    "label": ["Planned", "In progress", "Done", "Dropped"],
    "description": ["Decided, not started yet.", "Started, not finished.", "Carried out.",
                    "Given up or overtaken by events: say why in the follow-up note."],
})

REQUIRED = ("decision_id", "session_id", "decision")


def empty_decisions() -> pd.DataFrame:
    """The decisions table without rows, with its columns and types.

    Returns
    -------
    pandas.DataFrame
        :data:`DECISION_COLUMNS`.

    Examples
    --------
    >>> empty_decisions().dtypes["date"]
    dtype('<M8[ns]')
    """
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in DECISION_COLUMNS})
    return frame.astype({"date": "datetime64[ns]", "due_date": "datetime64[ns]", "source_row": "int64"})


def _read(path: Path) -> tuple[pd.DataFrame, list[str], list[dict], dict[str, str]]:
    """The register's cells as text under the register's column names, the required columns missing, problems with
    its headers, and how the file heads each column read (``due_date`` -> ``'Due by (I)'``)."""
    frame = read_table(path, what="the decisions register")
    labels = frame.attrs["headers"]
    header_row = frame.attrs["header_row"]
    found = []
    found.extend(frame.attrs.get("unsaved_formulas", []))  # such a cell reads as empty: its row is rejected, and said
    if frame.attrs.get("fell_back"):
        found.append(problem_record(path, None, "", "", "not UTF-8: read as Windows-1252",
                              "check accented letters; save from Excel as 'CSV UTF-8' next time", "warning"))
    known = {c: c for c in REGISTER_COLUMNS} | {k.lower().replace(" ", "_"): c for c, k in HEADERS.items()} \
        | HEADER_SYNONYMS
    renamed = {}
    for name in frame.columns:
        if name in ("source_file", "source_row"):
            continue
        target = known.get(name)
        if target is None or target in renamed.values():
            found.append(problem_record(path, header_row, labels.get(name, name), "", "column not read",
                                  f"rename it to one of: {', '.join(HEADERS.values())} (or ignore this warning "
                                  "if the column is a note of your own)", "warning"))
            continue
        renamed[name] = target
    frame = frame.rename(columns=renamed)
    for column in REGISTER_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    missing = [c for c in REQUIRED if c not in renamed.values()]
    found += [problem_record(path, header_row, HEADERS[c], "", f"required column '{HEADERS[c]}' is missing",
                       f"add a column headed '{HEADERS[c]}' (sparklearn template decisions writes them all)")
              for c in missing]
    # A column the file lacks is named as the template heads it.
    return frame, missing, found, HEADERS | {target: labels.get(name, name) for name, target in renamed.items()}


def read_decisions(
    path: str | Path,
    *,
    country: str,
    codebook: Codebook,
    registry: Registry | None = None,
    sessions: pd.DataFrame | None = None,
    outcome_ids: Sequence[str] | None = None,
) -> Checked:
    """Read and check one country's decisions register (``.xlsx`` or ``.csv``).

    See the module docstring for the columns and for what rejects a row and what warns.

    Parameters
    ----------
    path
        The register.
    country
        Slug of the country it belongs to.
    codebook
        For strategic components and the codes decisions address.
    registry
        To check campaigns (a campaign name is also understood). Without it, any
        non-empty campaign is accepted.
    sessions
        The country's sessions table (``session_id``, ``date``, ``campaign_ids``), to
        check sessions, fill in the date and the campaign. Without it, sessions are not
        checked.
    outcome_ids
        The ids of the country's accepted outcomes; links to others are left out with a
        warning. Without it, links are not checked.

    Returns
    -------
    Checked
        ``accepted``: :data:`DECISION_COLUMNS`; ``rejected``: rows as read with
        ``problem``; ``problems``: every problem, rows numbered as in Excel.

    Raises
    ------
    InputError
        The file is missing, a folder, not a sheet, or damaged.

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.codebook import load_codebook
    >>> p = Path(tempfile.mkdtemp()) / "decisions.csv"
    >>> _ = p.write_text("Decision ID,Session,Decision,Status,Due by\\n"
    ...                  "KE-D01,KE-S01,Ask the county assembly for a hearing,in progress,2031-01-31\\n"
    ...                  "KE-D01,KE-S02,Write to the auditor,finished,\\n")
    >>> c = read_decisions(p, country="kenya", codebook=load_codebook())
    >>> c.accepted[["decision_id", "status", "due_date"]].values.tolist()
    [['KE-D01', 'in-progress', Timestamp('2031-01-31 00:00:00')]]
    >>> c.problems[["row", "column", "rule", "severity"]].values.tolist()
    [[3, 'Decision ID', 'decision id used twice', 'error'], [3, 'Status', 'not a status', 'warning']]
    """
    path = Path(path)
    try:
        frame, missing, found, headed = _read(path)
    except InputError as err:
        if not (err.message.endswith(" is empty") or err.message == "the file has no header row"):
            raise
        # An empty register is a register without decisions yet, as a header-only one is.
        return Checked(empty_decisions(), pd.DataFrame(columns=[*REGISTER_COLUMNS, "source_file", "source_row",
                                                                "problem"]),
                       problems_frame([problem_record(path, None, "", "", "the register is empty",
                                                "nothing to do until the team records its first decision; keep the "
                                                "header row of the template (sparklearn template decisions)",
                                                "warning")]))
    problems = [problems_frame(found)]
    if frame.empty:
        if not any(p["severity"] == "error" for p in found):
            problems.append(problems_frame([problem_record(path, None, "", "", "the register has no decisions",
                                                     "nothing to do until the team records its first decision",
                                                     "warning")]))
        return Checked(empty_decisions(), frame.iloc[0:0].assign(problem=pd.Series(dtype="string")),
                       pd.concat(problems, ignore_index=True))
    text = frame[REGISTER_COLUMNS].apply(lambda c: c.astype("string").str.strip())
    out = pd.DataFrame({"source_file": frame["source_file"], "source_row": frame["source_row"]})
    for column in REGISTER_COLUMNS:
        out[column] = text[column].replace("", pd.NA)
    out["country"] = country
    flags = []

    def flag(mask, column, rule, fix, severity="error", value_column=None):
        flags.append(flag_rows(out, pd.Series(mask, index=out.index), column=column, rule=rule, fix=fix,
                               severity=severity, value_column=value_column))

    if missing:
        flag(pd.Series(True, index=out.index), None,
             "required column missing: " + ", ".join(HEADERS[c] for c in missing),
             "add the column (see the problem at the header row)")
    for column in REQUIRED:
        if column not in missing:
            flag(out[column].isna(), column, f"{HEADERS[column]} is empty",
                 {"decision_id": "give each decision an id, e.g. KE-D07",
                  "session_id": "write the id of the reflection session it came from, e.g. KE-S04",
                  "decision": "write what was decided, in a sentence"}[column])
    flag(out["decision_id"].notna() & out["decision_id"].duplicated(keep="first"), "decision_id",
         "decision id used twice", "give each decision its own id (the first row with this id was kept)")
    _check_sessions(out, sessions, flag)
    _check_campaigns(out, registry, country, flag)
    _check_dates(out, sessions, flag)
    _check_lists(out, codebook, flag)
    outcome_problems = _check_outcomes(out, outcome_ids)
    # The rows' problems name columns as the file heads them; the header's problems already do.
    row_problems = columns_as_headed(pd.concat([problems_frame(), *flags, *outcome_problems], ignore_index=True),
                                     {str(path): headed})
    checked = split_rejected(out, pd.concat([*problems, row_problems], ignore_index=True))
    accepted = checked.accepted.reindex(columns=DECISION_COLUMNS)
    accepted = accepted.astype({c: "string" for c in DECISION_COLUMNS if c not in ("date", "due_date", "source_row")})
    # Rejected rows as the lead typed them (a due date 'next week' stays 'next week'), to fix and resubmit.
    as_typed = text.assign(source_row=out["source_row"].to_numpy())
    rejected = (checked.rejected[["source_file", "source_row", "problem"]]
                .merge(as_typed, on="source_row", how="left", validate="one_to_one")
                .reindex(columns=[*REGISTER_COLUMNS, "source_file", "source_row", "problem"]))
    return Checked(accepted.astype({"source_row": "int64"}).reset_index(drop=True), rejected, checked.problems,
                   headers={str(path): headed})


def _check_sessions(out: pd.DataFrame, sessions: pd.DataFrame | None, flag) -> None:
    if sessions is None:
        return
    known = sessions["session_id"].astype("string")
    matched, near = match_vocabulary(out["session_id"], pd.DataFrame({"id": known, "label": known}))
    flag(out["session_id"].notna() & matched.isna(), "session_id", "not a session of this country",
         did_you_mean(near, known.tolist()[:12]).str.replace("Allowed:", "Sessions include:", regex=False))
    out["session_id"] = matched.fillna(out["session_id"])


def _check_campaigns(out: pd.DataFrame, registry: Registry | None, country: str, flag) -> None:
    campaigns = out["campaign_id"]
    if registry is not None:
        own = registry.campaigns_of(country)
        table = pd.DataFrame({"id": own["campaign_id"], "label": own["name"]})
        matched, near = match_vocabulary(campaigns, table)
        flag(campaigns.notna() & matched.isna(), "campaign_id", "not a campaign of this country",
             did_you_mean(near, table["id"].tolist()))
        out["campaign_id"] = matched.fillna(campaigns)


def _check_dates(out: pd.DataFrame, sessions: pd.DataFrame | None, flag) -> None:
    for column, label in (("date", "Decided on"), ("due_date", "Due by")):
        stamp, _, month_first = parse_dates(out[column].fillna(""))
        flag(out[column].notna() & stamp.isna(), column, "not a date",
             f"write the {label.lower()} date as YYYY-MM-DD, e.g. 2024-03-15")
        flag(month_first, column, "read month first", "check the date: the day-first reading was impossible; "
             "write it as YYYY-MM-DD", "warning")
        # A decision is made in the past; its due date may lie ahead, but not decades off.
        wrong = implausible_dates(stamp) if column == "date" else (stamp < pd.Timestamp("1990-01-01"))
        flag(wrong, column, "date cannot be right", date_fix())
        out[column] = stamp
    if sessions is not None:
        # A dict, not a Series, as the mapper: an empty Series of dates cannot be mapped (a country without sessions).
        session_dates = dict(zip(sessions["session_id"], pd.to_datetime(sessions["date"])))
        held = pd.to_datetime(out["session_id"].map(session_dates).astype(object), errors="coerce")
        flag(out["date"].notna() & held.notna() & (out["date"] < held), "date", "decided before its session",
             "check the date or the session: a decision comes out of the session it is recorded under", "warning")
        out["date"] = out["date"].fillna(held).astype("datetime64[ns]")
        campaigns_of = dict(zip(sessions["session_id"], sessions["campaign_ids"].astype("string")))
        of_session = out["session_id"].map(campaigns_of).astype("string")
        single = of_session.notna() & ~of_session.str.contains(";", regex=False).fillna(False)
        fill = out["campaign_id"].isna() & single
        out.loc[fill, "campaign_id"] = of_session[fill]
        flag(out["campaign_id"].isna() & of_session.notna() & ~single, "campaign_id",
             "the session is about several campaigns: say which", "write the campaign this decision is for: one of "
             + of_session.fillna("").str.replace(";", ", ", regex=False), "error")
    flag(out["date"].notna() & out["due_date"].notna() & (out["due_date"] < out["date"]), "due_date",
         "due before it was decided", "check both dates", "warning")


def _check_lists(out: pd.DataFrame, codebook: Codebook, flag) -> None:
    matched, near = match_vocabulary(out["status"], STATUSES)
    # The decision is kept, its status left empty until fixed: the fix says so, so nobody wonders where it went.
    flag(out["status"].notna() & matched.isna(), "status", "not a status",
         did_you_mean(near, STATUSES["label"].tolist()) + "; until then the decision counts as having no status",
         "warning")
    out["status"] = matched
    if "strategic_component" in codebook.vocabularies:
        components = vocabulary(codebook, "strategic_component")
        matched, near = match_vocabulary(out["strategic_component"], components)
        flag(out["strategic_component"].notna() & matched.isna(), "strategic_component",
             "not a strategic component of the codebook", did_you_mean(near, components["id"].tolist()), "warning")
        out["strategic_component"] = matched
    # Codes the decision responds to: ids or labels, ';'-separated, as a coder writes them.
    parts = out["addresses"].str.split(r"\s*[;\n]\s*", regex=True).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    found = lookup_codes(parts, codebook)
    unknown = found.loc[found["code_id"].isna()]
    if len(unknown):
        said = (unknown["value"] + unknown["suggestion"].map(lambda s: f" (did you mean {s}?)").fillna(""))
        out["_unknown_codes"] = said.groupby(level=0).agg(", ".join).reindex(out.index)
        flag(out["_unknown_codes"].notna(), "addresses", "not a code of the codebook (left out)",
             "use code ids or labels from the codebook, separated by ';'", "warning", value_column="_unknown_codes")
    known = found["code_id"].dropna()
    out["addresses"] = known.groupby(level=0).agg(lambda c: ";".join(dict.fromkeys(c))).reindex(out.index).astype(
        "string")


def _check_outcomes(out: pd.DataFrame, outcome_ids: Sequence[str] | None) -> list[pd.DataFrame]:
    """``outcome_ids`` as ``;``-joined ids; links to outcomes the harvest does not have are left out, with a warning."""
    parts = out["outcome_ids"].str.split(r"\s*[;,\n]\s*", regex=True).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    problems = []
    if outcome_ids is not None and len(parts):
        known = pd.Series(list(outcome_ids), dtype="string")
        key = {k: v for k, v in zip(known.str.casefold(), known)}
        resolved = parts.str.casefold().map(key)
        bad = parts[resolved.isna()]
        if len(bad):
            problems.append(problems_frame(pd.DataFrame({
                "file": out.loc[bad.index, "source_file"].to_numpy(), "row": out.loc[bad.index, "source_row"].to_numpy(),
                "column": "outcome_ids", "value": bad.to_numpy(), "rule": "not an outcome of the harvest (link left out)",
                "fix": "use the outcome's id as written in outcomes.xlsx", "severity": "warning"}).to_dict("records")))
        parts = resolved.dropna()
    joined = parts.groupby(level=0).agg(lambda p: ";".join(dict.fromkeys(p)))
    out["outcome_ids"] = joined.reindex(out.index).astype("string")
    return problems


def outcome_links(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per link from a decision to an outcome it contributed to.

    Parameters
    ----------
    decisions
        The decisions table (:data:`DECISION_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        ``country``, ``decision_id``, ``outcome_id``.

    Examples
    --------
    >>> t = pd.DataFrame({"country": "kenya", "decision_id": ["D1", "D2"], "outcome_ids": ["O1;O2", None]})
    >>> outcome_links(t).values.tolist()
    [['kenya', 'D1', 'O1'], ['kenya', 'D1', 'O2']]
    """
    ids = decisions["outcome_ids"].astype("string").str.split(";")
    links = decisions[["country", "decision_id"]].assign(outcome_id=ids).explode("outcome_id")
    links = links[links["outcome_id"].notna() & (links["outcome_id"] != "")]
    return links.reset_index(drop=True).astype({"outcome_id": "string"})


def unreadable_register(err: InputError, path: Path) -> Checked:
    """The result for a register that cannot be read at all: no rows, the error as a problem.

    Returns
    -------
    Checked
        Empty, with one error.

    Examples
    --------
    >>> err = InputError("the file is empty", file="decisions.csv", fix="fill in the template")
    >>> unreadable_register(err, Path("decisions.csv")).problems["rule"].tolist()
    ['the file is empty']
    """
    return Checked(empty_decisions(), pd.DataFrame(columns=[*REGISTER_COLUMNS, "source_file", "source_row", "problem"]),
                   problems_frame([problem_record(err.file or path, err.row, err.column or "",
                                            "" if err.value is None else err.value, err.message,
                                            err.fix or "open the file in Excel, check it, and save it again")]))

