"""Reading and checking one country's outcome harvest (``.xlsx`` or ``.csv``).

Stage: ingest. What a harvest holds (its columns, vocabularies and pandera schema) is
in :mod:`sparklearn.ingest.harvest_schema`; this module turns a file a harvester kept in
Excel into that table, with a problem for each row it cannot take as it is.

An **outcome** is an observed change in the behaviour of a **social actor** that the
campaign plausibly influenced. Each row of a harvest describes one: the outcome (who
changed what, when and where), its **significance**, the **contribution** of the
change agents, how it is classified (outcome area, type of change, actor type, level,
strategic components, intended or not, positive or negative), whether an independent
informant **substantiated** it, and the earlier outcomes it **builds on**. Optional
columns say who gained, the kind of change, its stage of the budget cycle and the
money involved (:mod:`sparklearn.ingest.harvest_optional`); a harvest without them
reads as before. A sheet headed "Kind of change" but without a "Type of change" column
is read as before too (that header then means the type of change).

Reading (:func:`read_harvest`) is lenient about form and strict about meaning:

- ``.xlsx`` (sheet "Outcomes", else the first sheet whose header row looks like a
  harvest; other sheets are ignored) and ``.csv`` (UTF-8 with or without a byte-order
  mark, UTF-16 with one; Windows-1252 read with a warning). The header row may sit below a few title
  rows; headers are matched ignoring case, spaces and punctuation, with a few common
  synonyms ("Outcome description", "Level of governance"...), so columns may be
  renamed within reason and reordered.
- Rows are numbered as the user sees them in Excel. **Blank rows are not outcomes**:
  they are skipped and not counted in ``n_read``; every other row is either accepted
  or rejected (rows read = accepted + rejected).
- Cells merged down a column give their value to every row of the range (warning);
  cells merged across columns keep the value in the first column (warning). Formula
  cells give the result Excel saved; a formula without a saved result is an error.
- Dates: Excel date cells, ``2023-03-15``, ``15/03/2023`` (day first; month first
  only when the day-first reading is impossible, with a warning), ``15 March 2023``,
  ``March 15, 2023``, and month-precision ``March 2023``, ``2023-03``, ``03/2023``
  (English, French or Indonesian month names). ``date`` holds the first day of the
  month when ``date_precision`` is ``month``.
- Controlled columns accept the vocabulary id or label, ignoring case, spaces,
  hyphens and underscores; near misses get a suggestion. Multi-value cells
  (``strategic_components``, ``builds_on``) are split on ``;`` (or a line break),
  then on ``,``, and stored ``;``-joined (components in codebook order).

What rejects a row (errors) and what only warns follows Wilson-Grau practice: an
outcome must be identifiable (a unique id), attributable (a known campaign of the
country), described (the outcome text) and dated plausibly (not in the future, not
before 1990: an outcome is a change already observed, see
:func:`~sparklearn.ingest.problems.implausible_dates`); its classification must use the
codebook; its links must not go round in circles. A link to an id that is not in the
harvest, or to the outcome itself, is left out with a warning naming the row and the
id: one broken link costs the link, not the outcome. Significance and contribution
are the other two parts of a full description, but harvesters draft and complete
them with the change agents, so a missing one only warns, as do a missing social
actor, date or classification, a substantiation without the informant's role, an
outcome dated before its campaign started or before an outcome it builds on, and a
link to an id used by two rows (those rows are rejected; the link is left out of the
circle and date checks until the duplicate is fixed).

Workbooks are opened by :func:`sparklearn.ingest.spreadsheets.open_workbook` (an empty,
encrypted, truncated or old ``.xls`` file, or a CSV named ``.xlsx``, is an error saying
which) and CSV files by :func:`sparklearn.ingest.spreadsheets.read_table`.

Empty optional values are missing (NA) in the accepted table. ``substantiated`` in the
summaries means an independent informant agreed **fully or partially**
(:data:`sparklearn.analysis.outcomes.CONFIRMED`), counted among the outcomes put to an
informant (substantiation other than ``not-yet``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from sparklearn.codebook import Codebook, load_codebook, vocabulary
from sparklearn.countries import Registry
from sparklearn.exceptions import InputError
from sparklearn.ingest.cells import (
    did_you_mean,
    match_vocabulary,
    matching_key,
    parse_dates,
    split_vocabulary,
)
from sparklearn.ingest.harvest_optional import read_optional
from sparklearn.ingest.harvest_schema import (
    CONTROLLED,
    HARVEST_COLUMNS,
    HEADERS,
    MULTI_VALUE,
    OPTIONAL,
    OUTCOME_COLUMNS,
    REQUIRED,
    SHEET,
    outcome_schema,
)
from sparklearn.ingest.problems import (
    Checked,
    check_schema,
    columns_as_headed,
    date_fix,
    flag_rows,
    implausible_dates,
    problem_record,
    problems_frame,
)
from sparklearn.ingest.spreadsheets import (
    unsaved_formulas,
    header_labels,
    normalise_header,
    open_workbook,
    read_table,
)

_TEXT = ("social_actor", "outcome", "significance", "contribution", "other_contributors",
         "substantiator_role", "sources")


#: Common spellings of headers besides the column names (normalised, see ``normalise_header``).
HEADER_SYNONYMS = {
    "id": "outcome_id", "outcome_no": "outcome_id", "outcome_number": "outcome_id", "outcome_ref": "outcome_id",
    "campaign": "campaign_id", "campaign_name": "campaign_id",
    "outcome_date": "date", "date_of_outcome": "date", "when": "date", "date_of_change": "date",
    "actor": "social_actor", "who": "social_actor", "social_actors": "social_actor",
    "type_of_actor": "actor_type", "actor_category": "actor_type", "kind_of_actor": "actor_type",
    "type_of_social_actor": "actor_type", "social_actor_type": "actor_type",
    "outcome_description": "outcome", "description": "outcome", "outcome_statement": "outcome",
    "what_changed": "outcome",
    "why_it_matters": "significance", "contribution_of_change_agents": "contribution",
    "how_the_campaign_contributed": "contribution", "other_actors": "other_contributors",
    "other_contributing_actors": "other_contributors",
    "spark_outcome_area": "outcome_area", "area": "outcome_area",
    "change_type": "type_of_change",
    "level_of_governance": "level", "governance_level": "level",
    "strategic_component": "strategic_components", "components": "strategic_components",
    "spark_strategic_components": "strategic_components", "strategies": "strategic_components",
    "intended_or_unintended": "intended", "intended_unintended": "intended",
    "positive_or_negative": "valence", "positive_negative": "valence",
    "substantiated": "substantiation", "substantiation_status": "substantiation",
    "substantiator": "substantiator_role", "substantiated_by": "substantiator_role",
    "source": "sources", "evidence": "sources", "built_on": "builds_on", "links": "builds_on",
    "linked_outcomes": "builds_on", "earlier_outcomes": "builds_on", "previous_outcomes": "builds_on",
    "social_groups": "social_group", "who_gained": "social_group",
    "stage_of_the_budget_cycle": "budget_stage", "budget_cycle_stage": "budget_stage",
}


_EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")





_HEADER_CUTOFF = 88





# -------------------------------------------------------------------- reading


def _flag(frame: pd.DataFrame, mask: pd.Series, column: str, rule: str, fix: str | pd.Series,
          severity: str = "error", value: pd.Series | None = None) -> pd.DataFrame:
    """:func:`~sparklearn.ingest.problems.flag_rows`, with the arguments in the order this reader's checks give them."""
    return flag_rows(frame, mask, column=column, rule=rule, fix=fix, severity=severity, values=value)


def _header_map(names: Sequence[str], *, fuzzy: bool = True) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Normalised header -> column, and (header, column) pairs matched only by fuzzy matching."""
    known = {c: c for c in HARVEST_COLUMNS} | HEADER_SYNONYMS
    out: dict[str, str] = {}
    fuzzy_hits: list[tuple[str, str]] = []
    for name in names:
        if not name:
            continue
        target = known.get(name)
        if target is None:
            # "Date (YYYY-MM-DD)" -> date_yyyy_mm_dd: the longest known name it starts with.
            prefixes = [k for k in known if name.startswith(k + "_")]
            target = known[max(prefixes, key=len)] if prefixes else None
        if target is None and fuzzy:
            hit = process.extractOne(name, list(known), scorer=fuzz.ratio, score_cutoff=_HEADER_CUTOFF)
            if hit:
                target = known[hit[0]]
                fuzzy_hits.append((name, target))
        if target is not None and target not in out.values():
            out[name] = target
    if "type_of_change" not in out.values() and out.get("kind_of_change") == "kind_of_change":
        # Before the optional 'Kind of change' column, that header meant the type of change.
        out["kind_of_change"] = "type_of_change"
    return out, fuzzy_hits


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _find_sheet(book, path: Path):
    """(sheet, header row) of the harvest, or (None, 0) when the workbook holds no value at all."""
    candidates = []
    non_empty = []
    for ws in book.worksheets:
        top = [tuple(r) for r in ws.iter_rows(min_row=1, max_row=10, values_only=True)]
        if not any(v not in (None, "") for r in top for v in r):
            if not any(v not in (None, "") for r in ws.iter_rows(values_only=True) for v in r):
                continue
        non_empty.append(ws)
        scores = [len(set(_header_map([normalise_header(v) for v in r if v not in (None, "")],
                                      fuzzy=False)[0].values())) for r in top]
        best = int(np.argmax(scores)) if scores else 0
        named = normalise_header(ws.title) == normalise_header(SHEET)
        if scores and scores[best] >= 2 or named:
            first = next((i for i, r in enumerate(top) if any(v not in (None, "") for v in r)), 0)
            row = best + 1 if scores and scores[best] >= 2 else first + 1
            candidates.append((not named, ws.title != book.worksheets[0].title, ws, row))
    if not non_empty:
        return None, 0
    if not candidates:
        raise InputError(f"no sheet looks like an outcome harvest (sheets: {', '.join(book.sheetnames)})",
                         file=path, fix=f"name the harvest sheet '{SHEET}' and keep a header row with "
                                        "'Outcome ID', 'Campaign ID', 'Outcome'...")
    _, _, ws, row = min(candidates, key=lambda c: (c[0], c[1]))
    return ws, row


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, int, list[dict], dict[str, str]] | None:
    """Raw text cells of the harvest sheet, its header row, problems with cells (merges, formulas), and its headers.

    The headers are :func:`~sparklearn.ingest.spreadsheets.header_labels`: raw column -> ``'Date (D)'``.
    """
    book = open_workbook(path)
    ws, header_row = _find_sheet(book, path)
    if ws is None:
        return None
    file = str(path)
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    width = max((len(r) for r in rows), default=0)
    header = [_cell_text(v) for v in rows[0]] + [""] * (width - len(rows[0]))
    frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows[1:]], columns=range(width),
                         dtype=object)
    frame = frame.map(_cell_text) if len(frame) else frame.astype(str)
    problems: list[dict] = []
    names = [normalise_header(h) for h in header]
    labels = header_labels(header, workbook=True)
    shown = [labels.get(n or f"unnamed_{i}", "") for i, n in enumerate(names)]
    canonical = _header_map(names)[0]
    dates = [i for i, n in enumerate(names) if canonical.get(n) == "date"]
    if dates and len(frame):
        # A date cell shown without its day (e.g. "mmm yyyy") is a month.
        formats = [c.number_format for (c,) in ws.iter_rows(min_row=header_row + 1, min_col=dates[0] + 1,
                                                           max_col=dates[0] + 1)]
        values = [r[dates[0]] if dates[0] < len(r) else None for r in rows[1:]]
        month = [isinstance(v, datetime) and "d" not in str(f).lower() for v, f in zip(values, formats)]
        frame.loc[month, dates[0]] = frame.loc[month, dates[0]].str[:7]
    for merged in ws.merged_cells.ranges:
        if merged.max_row <= header_row:
            continue
        top = max(merged.min_row, header_row + 1)
        col = merged.min_col - 1
        column = shown[col] if col < len(shown) else ""
        if merged.min_col == merged.max_col:
            frame.loc[top - header_row - 1:merged.max_row - header_row - 1, col] = frame.at[top - header_row - 1, col]
            problems.append(problem_record(file, top, column, merged.coord, "merged cells",
                                     f"unmerge {merged.coord}; its value was copied to rows {top}-{merged.max_row}",
                                     "warning"))
        else:
            problems.append(problem_record(file, top, column, merged.coord, "cells merged across columns",
                                     f"unmerge {merged.coord}; only the value in its first column was read",
                                     "warning"))
    problems += unsaved_formulas(path, ws.title, header_row, frame, shown)
    book.close()
    twice = sorted({n for n in names if n and names.count(n) > 1} | {n for n in names if n in ("source_row", "source_file")})
    if twice:
        raise InputError("two columns have the same name" if names.count(twice[0]) > 1
                         else f"a column is headed '{twice[0]}', a name sparklearn keeps for where each row came from",
                         file=path, row=header_row, column=labels.get(twice[0], twice[0]),
                         fix="rename or delete one of those columns")
    frame.columns = [n or f"unnamed_{i}" for i, n in enumerate(names)]
    frame["source_row"] = range(header_row + 1, header_row + 1 + len(frame))
    return frame, header_row, problems, labels


def _read_csv(path: Path) -> tuple[pd.DataFrame, int, list[dict], dict[str, str]] | None:
    try:
        frame = read_table(path, what="the outcome harvest")
    except InputError as err:
        if err.message.endswith(" is empty") or err.message == "the file has no header row":
            return None
        raise
    problems = []
    if frame.attrs.get("fell_back"):
        problems.append(problem_record(str(path), None, "", "", "not UTF-8: read as Windows-1252",
                                 "check accented letters; save from Excel as 'CSV UTF-8' next time", "warning"))
    return frame.drop(columns=["source_file"]), frame.attrs["header_row"], problems, frame.attrs["headers"]


def _empty_result(path: Path, rule: str, fix: str) -> Checked:
    return Checked(_empty_outcomes(), pd.DataFrame(columns=[*HARVEST_COLUMNS, "source_file", "source_row", "problem"]),
                   problems_frame([problem_record(str(path), None, "", "", rule, fix)]))


def _empty_outcomes() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in OUTCOME_COLUMNS})
    return frame.astype({"date": "datetime64[ns]", "source_row": "int64", "amount": "float64"})


def read_harvest(
    path: str | Path,
    *,
    country: str,
    registry: Registry | None = None,
    codebook: Codebook | None = None,
) -> Checked:
    """Read and check one country's outcome harvest (``.xlsx`` or ``.csv``).

    See the module docstring for what is accepted, what warns and what rejects.

    Parameters
    ----------
    path
        The harvest file.
    country
        Slug of the country the harvest belongs to; an empty ``Country`` cell means it.
    registry
        To check campaigns (ids of the country's campaigns; a campaign name is also
        understood). Without it, any non-empty campaign is accepted.
    codebook
        Vocabularies; default the codebook of the data folder.

    Returns
    -------
    Checked
        ``accepted``: the outcomes table (:data:`OUTCOME_COLUMNS`, checked by
        :func:`outcome_schema`); ``rejected``: the rejected rows as read (harvest
        columns, source_file, source_row, problem); ``problems``: every problem, rows
        numbered as in Excel. ``n_read`` counts the non-blank rows.

    Raises
    ------
    InputError
        The file is missing, of another type, not a workbook, or has no sheet that
        looks like a harvest.

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.countries import load_registry
    >>> p = Path(tempfile.mkdtemp()) / "h.csv"
    >>> _ = p.write_text("Outcome ID,Campaign ID,Date,Outcome,Level\\n"
    ...                  "KE-O1,ke-primary-health,March 2023,The county health office published its budget.,Local\\n"
    ...                  "KE-O2,ke-primary-health,2023-04-31,The assembly held a hearing.,County\\n")
    >>> c = read_harvest(p, country="kenya", registry=load_registry())
    >>> c.accepted[["outcome_id", "date", "date_precision", "level"]].values.tolist()
    [['KE-O1', Timestamp('2023-03-01 00:00:00'), 'month', 'local']]
    >>> c.problems.query("severity == 'error'")[["row", "column", "rule"]].values.tolist()
    [[3, 'Date', 'not a date'], [3, 'Level', 'not in the codebook list']]
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path, fix="check the path and the --data folder")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        read = _read_xlsx(path)
    elif suffix == ".csv":
        read = _read_csv(path)
    else:
        raise InputError(f"unsupported file type '{suffix}'", file=path, fix="save the harvest as .xlsx or .csv")
    if read is None:
        return _empty_result(path, "the harvest is empty",
                             f"fill in the template (sparklearn template outcomes --country {country})")
    raw, header_row, problems, labels = read
    codebook = codebook or load_codebook()
    if registry is not None:
        registry.country(country)
    return _check(raw, header_row, problems, labels, path=path, country=country, registry=registry,
                  codebook=codebook)


def _check(raw: pd.DataFrame, header_row: int, cell_problems: list[dict], labels: dict[str, str], *, path: Path,
           country: str, registry: Registry | None, codebook: Codebook) -> Checked:
    """Check the raw cells; every problem names its column as the file heads it (``labels``)."""
    file = str(path)
    found: list[pd.DataFrame] = [problems_frame(cell_problems)]
    mapping, fuzzy_hits = _header_map(list(raw.columns.drop("source_row")))
    # A column the file lacks is named as the template heads it.
    headed = {file: HEADERS | {target: labels.get(name, name) for name, target in mapping.items()}}
    for name, target in fuzzy_hits:
        found.append(problems_frame([problem_record(file, header_row, labels.get(name, name), "",
                                                    f"header read as '{HEADERS[target]}'",
                                              f"rename the header to '{HEADERS[target]}'", "warning")]))
    ignored = [c for c in raw.columns if c not in mapping and c != "source_row"]
    data_cols = [c for c in raw.columns if c != "source_row"]
    blank = (raw[data_cols] == "").all(axis=1) if data_cols else pd.Series(True, index=raw.index)
    raw = raw.loc[~blank].reset_index(drop=True)
    for name in ignored:
        if name.startswith("unnamed") and (raw[name] == "").all():
            continue
        found.append(problems_frame([problem_record(file, header_row, labels.get(name, name), "", "column not used",
                                              "rename it to a harvest column if it holds one; otherwise ignore this",
                                              "warning")]))
    # Built from the mapping, not by renaming: an unmapped header may already be a column's name
    # ("Outcome" after "Outcome description" took the outcome column).
    frame = pd.DataFrame({target: raw[name] for name, target in mapping.items()} | {"source_row": raw["source_row"]})
    frame["source_file"] = file
    missing = [c for c in HARVEST_COLUMNS if c not in frame.columns]
    for column in missing:
        frame[column] = ""
    rejected_view = frame[[*HARVEST_COLUMNS, "source_file", "source_row"]].copy()
    required_missing = [c for c in REQUIRED if c in missing]
    if required_missing:
        problems = problems_frame([problem_record(
            file, header_row, HEADERS[c], "", f"required column '{HEADERS[c]}' is missing",
            f"add a column headed '{HEADERS[c]}' (headers are matched ignoring case and spaces)")
            for c in required_missing])
        rejected = rejected_view.assign(problem="; ".join(problems["rule"]))
        return Checked(_empty_outcomes(), rejected, pd.concat([*found, problems], ignore_index=True))
    for column in missing:
        if column != "country" and column not in OPTIONAL:
            found.append(problems_frame([problem_record(file, header_row, HEADERS[column], "",
                                                        f"no '{HEADERS[column]}' column",
                                                  f"add a column headed '{HEADERS[column]}'", "warning")]))

    if frame.empty:
        found.append(problems_frame([problem_record(file, header_row, "", "", "the harvest has no outcomes yet",
                                              "nothing to do until outcomes are harvested", "warning")]))
    clean, rule_problems = _clean(frame, country=country, registry=registry, codebook=codebook)
    found.append(columns_as_headed(pd.concat([problems_frame(), *rule_problems], ignore_index=True), headed))
    problems = pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) \
        else problems_frame()
    problems = problems.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(drop=True)
    errors = problems.loc[problems["severity"] == "error"]
    bad_rows = set(errors["row"].dropna().astype(int))
    is_bad = frame["source_row"].isin(bad_rows).to_numpy()
    reasons = errors.dropna(subset=["row"]).groupby(errors["row"].dropna().astype(int))["rule"].agg(
        lambda r: "; ".join(dict.fromkeys(r)))
    rejected = rejected_view.loc[is_bad].reset_index(drop=True)
    rejected["problem"] = rejected["source_row"].map(reasons).astype("string")
    accepted = clean.loc[~is_bad, OUTCOME_COLUMNS].reset_index(drop=True)
    schema = outcome_schema(codebook, registry=registry, country=country if registry is not None else None)
    checked = check_schema(accepted, schema, file=file)
    if len(checked.rejected):  # a rule above missed something the contract catches: keep the row
        rejected = pd.concat([rejected, checked.rejected.assign(problem=checked.rejected["problem"])],
                             ignore_index=True)
        problems = pd.concat([problems, columns_as_headed(checked.problems, headed)], ignore_index=True)
    accepted = checked.accepted if len(checked.accepted) else _empty_outcomes()
    text = [c for c in OUTCOME_COLUMNS if c not in ("date", "source_row", "amount")]
    return Checked(accepted.astype({c: "string" for c in text}), rejected, problems, headers=headed)


def _clean(frame: pd.DataFrame, *, country: str, registry: Registry | None,
           codebook: Codebook) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Typed outcomes plus the problems of each rule (vectorised over columns)."""
    found: list[pd.DataFrame] = []
    out = pd.DataFrame({"source_file": frame["source_file"].astype("string"),
                        "source_row": frame["source_row"].astype("int64")})

    def add(*args, **kwargs) -> None:
        found.append(_flag(frame, *args, **kwargs))

    cells = frame[HARVEST_COLUMNS]
    for column in HARVEST_COLUMNS:
        add(cells[column].isin(_EXCEL_ERRORS), column, "Excel error value",
            "correct the formula or type the value")

    # outcome id: present and unique
    ids = frame["outcome_id"]
    code = f"{registry.country(country)['code']}-" if registry is not None else ""
    add(ids == "", "outcome_id", "no outcome id", f"give the outcome a unique id, e.g. {code}O012")
    repeated = ids.duplicated(keep=False) & (ids != "")
    rows_of = frame.loc[repeated].groupby("outcome_id")["source_row"].agg(lambda r: ", ".join(map(str, r)))
    dup_rows = ids.map(rows_of).astype("string").fillna("")
    add(dup_rows != "", "outcome_id", "outcome id used more than once",
        "give each outcome its own id (rows " + dup_rows + ")")
    out["outcome_id"] = ids.replace("", pd.NA).astype("string")

    # country: empty means this harvest's country
    names = {country: country}
    if registry is not None:
        names |= {str(registry.country(country)["name"]): country}
    given = frame["country"].replace("", country)
    key_names = {k: v for k, v in zip(matching_key(pd.Series(list(names), dtype="string")), names.values())}
    resolved = matching_key(given).map(key_names)
    add(resolved.isna(), "country", "outcome of another country",
        f"move the row to that country's harvest, or write '{country}'")
    out["country"] = resolved.fillna(given).astype("string")

    # campaign: one of the country's
    campaign = frame["campaign_id"]
    add(campaign == "", "campaign_id", "no campaign", "choose the campaign from the dropdown")
    if registry is not None:
        camps = registry.campaigns_of(country)
        table = pd.DataFrame({"id": camps["campaign_id"], "label": camps["name"]})
        cid, suggestion = match_vocabulary(campaign, table)
        elsewhere = campaign.map(dict(zip(registry.campaigns["campaign_id"], registry.campaigns["country"])))
        fix = ("that is a campaign of " + elsewhere + "; use one of: " + ", ".join(table["id"])).fillna(
            did_you_mean(suggestion, table["id"].tolist()))
        add(cid.isna() & (campaign != ""), "campaign_id", "unknown campaign", fix)
        out["campaign_id"] = cid.fillna(campaign.replace("", pd.NA)).astype("string")
    else:
        out["campaign_id"] = campaign.replace("", pd.NA).astype("string")

    # date
    stamp, precision, month_first = parse_dates(frame["date"])
    add((frame["date"] != "") & stamp.isna(), "date", "not a date",
        "write a date as 2023-03-15 or 15/03/2023, or a month as 2023-03 or March 2023")
    add(frame["date"] == "", "date", "no date", "add when the change happened (at least the month)", "warning")
    add(month_first, "date", "read as month/day/year",
        "check the date; write it as YYYY-MM-DD to avoid doubt", "warning")
    add(implausible_dates(stamp), "date", "dated in the future or before 1990", date_fix())
    out["date"] = stamp
    out["date_precision"] = precision
    if registry is not None:
        start = out["campaign_id"].map(dict(zip(registry.campaigns["campaign_id"], registry.campaigns["start_date"])))
        start = pd.to_datetime(start)
        month_start = start.dt.to_period("M").dt.start_time
        early = (stamp < start.where(precision != "month", month_start)).fillna(False)
        add(early, "date", "dated before the campaign started",
            "check the date or the campaign (started " + start.dt.strftime("%Y-%m-%d").fillna("") + ")", "warning")

    # free text: the outcome is required, the other parts of a description recommended
    for column in _TEXT:
        out[column] = frame[column].replace("", pd.NA).astype("string")
    add(frame["outcome"] == "", "outcome", "no outcome description",
        "describe who changed what, when and where")
    add(frame["social_actor"] == "", "social_actor", "no social actor",
        "say who changed (a role or an organisation)", "warning")
    add(frame["significance"] == "", "significance", "no significance",
        "say why the change matters", "warning")
    add(frame["contribution"] == "", "contribution", "no contribution",
        "say how the campaign's change agents contributed", "warning")

    # controlled vocabularies
    for column in CONTROLLED:
        table = vocabulary(codebook, column)
        value, suggestion = match_vocabulary(frame[column], table)
        add(value.isna() & (frame[column] != ""), column, "not in the codebook list",
            did_you_mean(suggestion, table["id"].astype(str).tolist()))
        add(frame[column] == "", column, "not classified", "choose a value from the dropdown", "warning")
        out[column] = value
    substantiated = out["substantiation"].notna() & (out["substantiation"] != _first_id(codebook, "substantiation"))
    add(substantiated & out["substantiator_role"].isna(), "substantiator_role", "no substantiator role",
        "say which kind of informant substantiated the outcome (a role, not a name)", "warning")
    add((out["substantiation"] == _first_id(codebook, "substantiation")) & out["substantiator_role"].notna(),
        "substantiation", "substantiator named but not yet substantiated",
        "update the substantiation or clear the role", "warning")

    # strategic components (several per cell)
    for column, vocab in MULTI_VALUE.items():
        joined, unknown = split_vocabulary(frame[column], vocabulary(codebook, vocab))
        table = vocabulary(codebook, vocab)
        if len(unknown):
            part, suggestion = unknown["part"], unknown["suggestion"]
            found.append(problems_frame(pd.DataFrame({
                "file": frame.loc[unknown.index, "source_file"].to_numpy(),
                "row": frame.loc[unknown.index, "source_row"].to_numpy(),
                "column": column, "value": part.to_numpy(), "rule": "not in the codebook list",
                "fix": did_you_mean(suggestion, table["id"].astype(str).tolist()).to_numpy(),
                "severity": "error"}).to_dict("records")))
        add(frame[column] == "", column, "no strategic component",
            "name the strategic components that contributed", "warning")
        out[column] = joined

    # who gained, the kind of change, the budget cycle and the money (optional)
    optional, optional_problems = read_optional(frame, codebook, _flag)
    for column, values in optional.items():
        out[column] = values
    found += optional_problems

    # links to earlier outcomes
    out["builds_on"], link_problems = _links(frame, out)
    found += link_problems
    return out[OUTCOME_COLUMNS], found


def _first_id(codebook: Codebook, name: str) -> str:
    # The substantiation vocabulary starts with its "not yet" entry.
    return str(vocabulary(codebook, name)["id"].iloc[0])


def _links(frame: pd.DataFrame, out: pd.DataFrame) -> tuple[pd.Series, list[pd.DataFrame]]:
    """``builds_on`` as ``;``-joined ids as spelt in the harvest, and the problems of the links.

    An id used by two rows is ambiguous: a link to it is reported once per linking row
    (a warning: the duplicate rows themselves are rejected) and left out of the checks
    of circles and dates, which would otherwise blame rows for the duplicate.
    """
    found = []
    raw = frame["builds_on"]
    parts = raw.str.split(r"[;,\s]+", regex=True).explode()
    parts = parts[parts.notna() & (parts != "")]
    if parts.empty:
        return pd.Series(pd.NA, index=frame.index, dtype="string"), found
    known_ids = out["outcome_id"].dropna()
    known_keys = matching_key(known_ids)
    canonical = dict(zip(known_keys, known_ids))
    target = pd.Series(matching_key(parts).map(canonical).to_numpy(), index=parts.index, dtype="string")
    rows = frame["source_row"]
    # The same link written twice in one cell is one link.
    first = ~pd.DataFrame({"row": parts.index, "id": target.fillna(parts).to_numpy()}).duplicated().to_numpy()
    twice = known_keys.duplicated(keep=False)
    rows_of = rows.loc[known_keys.index[twice]].groupby(known_keys[twice]).agg(lambda r: ", ".join(map(str, r)))
    target_rows = matching_key(target).map(rows_of).astype("string")

    def flag(mask: pd.Series, rule: str, fix: str | pd.Series, severity: str = "error", value=None) -> None:
        hit = mask.fillna(False).to_numpy(dtype=bool) & first
        if hit.any():
            idx = mask.index[hit]
            found.append(problems_frame(pd.DataFrame({
                "file": frame.loc[idx, "source_file"].to_numpy(), "row": rows.loc[idx].to_numpy(),
                "column": "builds_on", "value": (value if value is not None else parts)[hit].to_numpy(),
                "rule": rule, "fix": fix[hit].to_numpy() if isinstance(fix, pd.Series) else fix,
                "severity": severity}).to_dict("records")))

    # A broken link (to no outcome, or to the outcome itself) costs the link, not the outcome.
    flag(target.isna(), "links to an outcome not in the harvest: the link was left out",
         "use the id of an earlier outcome of this harvest, or remove the link", "warning")
    ambiguous = target_rows.notna()
    flag(ambiguous, "links to an id used twice",
         "fix the duplicate first: the id is used in rows " + target_rows.fillna(""), "warning")
    own = out.loc[parts.index, "outcome_id"]
    own_twice = matching_key(own).isin(rows_of.index).to_numpy()
    self_link = ((target == own.to_numpy()) & ~ambiguous).fillna(False)
    flag(self_link, "links to itself: the link was left out", "remove the outcome's own id from 'Builds on'",
         "warning")
    linked = target.notna() & (target != own.to_numpy()).fillna(True) & ~ambiguous
    graph = nx.DiGraph()
    in_graph = linked & ~own_twice
    graph.add_edges_from(zip(target[in_graph], own[in_graph]))
    if not nx.is_directed_acyclic_graph(graph):
        circular = {n for c in nx.strongly_connected_components(graph) if len(c) > 1 for n in c}
        flag(in_graph & own.isin(circular).to_numpy() & target.isin(circular), "links go round in a circle",
             "an outcome can only build on earlier ones: remove one link of the circle")
    date_of = out.drop_duplicates("outcome_id").set_index("outcome_id")["date"]
    # A month-precision outcome may have happened on any day of its month.
    month = (out["date_precision"] == "month").fillna(False).to_numpy(dtype=bool)
    latest = out["date"].where(~month, out["date"] + pd.offsets.MonthEnd(0))
    later = target.map(date_of) > latest.loc[parts.index].to_numpy()
    flag(later & linked, "builds on a later outcome",
         "check the dates: an outcome builds on outcomes that happened before it", "warning")
    spelled = target.astype("string")
    spelled = spelled[first & target.notna().to_numpy() & ~self_link.to_numpy()]
    # Most outcomes build on one earlier outcome; only the others need joining.
    several = spelled.index.duplicated(keep=False)
    joined = pd.concat([spelled[~several], spelled[several].groupby(level=0).agg(";".join)])
    return joined.reindex(frame.index).astype("string"), found
