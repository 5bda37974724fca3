"""One way of telling users what is wrong with their input: the problem table and ``Checked``.

Stage: ingest (shared by every reader). Every loader reports row-level problems as
records with the same columns, :data:`PROBLEM_COLUMNS`: the file, the row as the
user's spreadsheet numbers it, the column, the offending value, the rule broken, how to
fix it, and a severity. Errors reject the row (it is kept in a rejected table, never
dropped); warnings keep it. Rows read = rows accepted + rows rejected, always: a reader
returns a :class:`Checked` (accepted, rejected, problems), and :func:`split_rejected`
and :func:`check_schema` build one from flagged rows or from a pandera schema.

Readers check rows under sparklearn's column names (``due_date``); the user looks for
the header in their file (``Due by``, column I). So a reader of a spreadsheet passes its
problems through :func:`columns_as_headed`, which names each column as the file heads
it, with the Excel letter for a workbook (``'Due by (I)'``, see
:func:`sparklearn.ingest.spreadsheets.header_labels`); a column the file lacks is named
by the template's header.

Schemas are pandera ``DataFrameSchema`` objects; each column may carry
``metadata={"fix": "..."}`` so the report can say how to fix what pandera found
(pandera's own messages name the check, not the remedy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from sparklearn.exceptions import InputError

if TYPE_CHECKING:
    # Imported where a schema is checked: the problem tables and their helpers are used in
    # every notebook kernel (through the store), which never checks a schema.
    import pandera.pandas as pa

Severity = Literal["error", "warning"]


#: Columns of every problem table, in order.
PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "fix", "severity"]


def problems_frame(records: Iterable[Mapping[str, object]] = ()) -> pd.DataFrame:
    """Build a problem table from records (dicts with :data:`PROBLEM_COLUMNS` keys).

    Examples
    --------
    >>> problems_frame([{"file": "a.csv", "row": 3, "column": "code", "value": "OA-POWR",
    ...                  "rule": "known code", "fix": "did you mean OA-POWER?"}])[["row", "severity"]]
       row severity
    0    3    error
    """
    # Column by column from plain lists: every loader calls this once per rule, mostly with
    # no records, and building a frame then casting it cost ten times as much.
    records = list(records)
    if not records:
        return _NO_PROBLEMS.copy()
    columns = {c: [r.get(c) for r in records] for c in PROBLEM_COLUMNS}
    columns["severity"] = ["error" if _missing(s) else s for s in columns["severity"]]
    columns["value"] = ["" if _missing(v) else v for v in columns["value"]]
    data = {c: pd.array([None if _missing(v) else str(v) for v in columns[c]], dtype="string")
            for c in PROBLEM_COLUMNS if c != "row"}
    data["row"] = pd.array([None if _missing(v) else int(v) for v in columns["row"]], dtype="Int64")
    return pd.DataFrame(data, columns=PROBLEM_COLUMNS)


#: Earliest date a session or outcome may have: SPARK began in 2019, so anything before
#: 1990 is a slip of the keyboard (1920 for 2020) or a number read as a date.
EARLIEST_DATE = date(1990, 1, 1)


#: Days past today a session or outcome may be dated: enough for time zones and a note
#: typed the evening before, not for a year typed wrong.
FUTURE_TOLERANCE_DAYS = 2


def problem_record(file: object, row: int | None, column: str, value: object, rule: str, fix: str,
                   severity: str = "error") -> dict:
    """One problem as a :data:`PROBLEM_COLUMNS` record (the readers collect these, then :func:`problems_frame`)."""
    return {"file": str(file), "row": row, "column": column, "value": value, "rule": rule, "fix": fix,
            "severity": severity}


def add_problem(found: list[dict], file: Path, line: int | None, column: str, value: object, rule: str, fix: str,
                severity: str = "warning") -> None:
    """Append one problem (:func:`problem_record`) to ``found``, a list a reader collects."""
    found.append(problem_record(file, line, column, value, rule, fix, severity))




def columns_as_headed(problems: pd.DataFrame, headers: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """``problems`` with each column named as its file heads it, not by sparklearn's name for it.

    A reader checks its rows under its own column names (``due_date``) and, once done,
    passes its problems through here so that the user reads the header they see
    (``'Due by (I)'``). Columns of files not in ``headers``, or not in their file's
    mapping (a column the file lacks, or one already named by its header), are left
    as they are.

    Parameters
    ----------
    problems
        A problem table (:data:`PROBLEM_COLUMNS`).
    headers
        File (as in the ``file`` column) -> {sparklearn's column name -> the file's label
        for it}, the labels of :func:`sparklearn.ingest.spreadsheets.header_labels`.

    Returns
    -------
    pandas.DataFrame
        ``problems`` with ``column`` rewritten.

    Examples
    --------
    >>> p = problems_frame([{"file": "d.xlsx", "row": 3, "column": "due_date", "rule": "not a date", "fix": "..."},
    ...                     {"file": "d.xlsx", "row": 4, "column": "status", "rule": "not a status", "fix": "..."}])
    >>> columns_as_headed(p, {"d.xlsx": {"due_date": "Due by (I)"}})["column"].tolist()
    ['Due by (I)', 'status']
    """
    pairs = {(str(file), str(name)): label for file, names in headers.items() for name, label in names.items()}
    if not pairs or problems.empty:
        return problems
    labels = pd.Series(list(pairs.values()), index=pd.MultiIndex.from_tuples(list(pairs)), dtype="string")
    key = pd.MultiIndex.from_arrays([problems["file"].astype(str), problems["column"].astype(str)])
    shown = pd.Series(labels.reindex(key).to_numpy(), index=problems.index, dtype="string")
    return problems.assign(column=shown.fillna(problems["column"].astype("string")))


def apply_checks(frame: pd.DataFrame, checks: Sequence[tuple], *, file: Path | str,
           row: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply error checks ``(mask, column, value_column, rule, fix)`` at once: kept rows, rejected rows, problems.

    For readers whose rows are numbered by a column of their own (``row``: the line of a
    REFI-QDA selection, the row of a Taguette export) and whose file is one: the same
    job as :func:`flag_rows` then :func:`split_rejected`, in one step. ``fix`` is a
    string, or a Series aligned with ``frame`` when it depends on the row. Rejected rows
    carry ``problem``, the rules they break ``"; "``-joined.

    Returns
    -------
    tuple of pandas.DataFrame
        Kept rows, rejected rows, problems (:data:`PROBLEM_COLUMNS`).
    """
    masks = pd.DataFrame({rule: mask.fillna(False).astype(bool) for mask, _, _, rule, _ in checks},
                         index=frame.index)
    problems = problems_frame(chain.from_iterable(
        pd.DataFrame({"file": str(file), "row": frame.loc[masks[rule], row], "column": column,
                      "value": frame.loc[masks[rule], value],
                      "rule": rule, "fix": fix[masks[rule]] if isinstance(fix, pd.Series) else fix,
                      "severity": "error"}).to_dict("records")
        for (_, column, value, rule, fix) in checks))
    bad = masks.any(axis=1)
    # Boolean frame dot "rule; " strings concatenates the rules each row breaks.
    reasons = masks.loc[bad].dot(masks.columns + "; ").str.removesuffix("; ")
    return (frame.loc[~bad].reset_index(drop=True), frame.loc[bad].assign(problem=reasons).reset_index(drop=True),
            problems)




def implausible_dates(dates: pd.Series, *, today: date | None = None) -> pd.Series:
    """Which dates cannot be right: after today (plus :data:`FUTURE_TOLERANCE_DAYS`) or before :data:`EARLIEST_DATE`.

    Sessions and outcomes record what already happened, so a future date is always a
    slip (2052 for 2025), and it is an error, not a warning: the readers reject the row,
    because a wrong date silently moves a session into another round or period and an
    outcome onto another part of the timeline, in every table and report downstream;
    the user fixes one cell and the row comes back. Missing dates are not implausible
    (their own rules deal with them). ``today`` defaults to the date on this computer,
    so a date rejected today as in the future is accepted once it has passed.

    Examples
    --------
    >>> d = pd.Series(pd.to_datetime(["2021-03-01", "2052-01-01", "1920-05-01", None]))
    >>> implausible_dates(d, today=date(2024, 6, 1)).tolist()
    [False, True, True, False]
    """
    today = today or date.today()
    latest = pd.Timestamp(today) + pd.Timedelta(days=FUTURE_TOLERANCE_DAYS)
    stamps = pd.to_datetime(dates, errors="coerce")
    return ((stamps > latest) | (stamps < pd.Timestamp(EARLIEST_DATE))).fillna(False).astype(bool)


def date_fix(today: date | None = None) -> str:
    """How to fix an implausible date, with the range accepted."""
    latest = (today or date.today()) + pd.Timedelta(days=FUTURE_TOLERANCE_DAYS).to_pytimedelta()
    return (f"check the year: dates from {EARLIEST_DATE.isoformat()} to {latest.isoformat()} are accepted "
            "(sessions and outcomes record what has already happened)")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


_NO_PROBLEMS = pd.DataFrame({c: pd.array([], dtype="Int64" if c == "row" else "string") for c in PROBLEM_COLUMNS})


def flag_rows(
    frame: pd.DataFrame,
    mask: pd.Series,
    *,
    column: str | None,
    rule: str,
    fix: str | pd.Series,
    severity: Severity = "error",
    value_column: str | None = None,
    values: pd.Series | None = None,
) -> pd.DataFrame:
    """Problems for the rows of ``frame`` where ``mask`` is true, vectorised.

    ``frame`` must carry ``source_file`` and ``source_row`` (see
    :func:`sparklearn.ingest.spreadsheets.read_table`). ``fix`` is one text for every
    row, or a Series indexed like ``frame`` giving each row its own (a suggestion).
    The value shown is ``values`` (a Series indexed like ``frame``) when given, else
    ``frame[value_column or column]``.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["OA-POWER", "??"], "source_file": "c.csv", "source_row": [2, 3]})
    >>> flag_rows(t, t["code"] == "??", column="code", rule="known code", fix="use a codebook id")[["row", "value"]].values.tolist()
    [[3, '??']]
    """
    hit = frame.loc[mask.fillna(False).astype(bool).to_numpy()]
    value_column = value_column or column
    if values is not None:
        values = values.loc[hit.index].astype(object)
    else:
        values = hit[value_column] if value_column in hit.columns else pd.Series("", index=hit.index)
    return problems_frame(
        pd.DataFrame({
            "file": hit["source_file"], "row": hit["source_row"], "column": column or "",
            "value": values, "rule": rule, "severity": severity,
            "fix": fix.loc[hit.index] if isinstance(fix, pd.Series) else fix,
        }).to_dict("records")
    )


@dataclass(frozen=True)
class Checked:
    """The result of checking a table: accepted rows, rejected rows, problems.

    ``rejected`` keeps every column of the input plus ``problem`` (the rules broken,
    ``"; "``-joined), so a user can fix and resubmit the rows. ``headers``: for a
    spreadsheet, file -> {sparklearn's column name -> the file's label for it}, so that a
    problem found later (a name in free text, say) names the column as the file heads it
    (:func:`columns_as_headed`).
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    problems: pd.DataFrame
    # Keyword-only, so that subclasses adding fields (QdaImport.report) keep their positional order.
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict, kw_only=True)

    @property
    def n_read(self) -> int:
        return len(self.accepted) + len(self.rejected)


def split_rejected(frame: pd.DataFrame, problems: pd.DataFrame) -> Checked:
    """Reject the rows that have an error-level problem; keep the rest.

    Rows are matched on ``(source_file, source_row)``.
    """
    errors = problems.loc[problems["severity"] == "error"]
    key = pd.MultiIndex.from_arrays([frame["source_file"].astype(str), frame["source_row"].astype(int)])
    bad_key = pd.MultiIndex.from_arrays([errors["file"].astype(str), errors["row"].fillna(-1).astype(int)])
    is_bad = key.isin(bad_key)
    reasons = (errors.assign(key=list(zip(errors["file"].astype(str), errors["row"].fillna(-1).astype(int))))
               .groupby("key")["rule"].agg(lambda r: "; ".join(dict.fromkeys(r))))
    rejected = frame.loc[is_bad].copy()
    rejected["problem"] = [reasons.get(k, "") for k in key[is_bad]]
    return Checked(frame.loc[~is_bad].reset_index(drop=True), rejected.reset_index(drop=True), problems)


def _fix_for(schema: pa.DataFrameSchema, column: str | None, default: str) -> str:
    col = schema.columns.get(column) if column else None
    meta = (col.metadata or {}) if col is not None else {}
    return str(meta.get("fix", default))


def check_schema(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, file: str | Path | None = None) -> Checked:
    """Validate ``frame`` against a pandera schema, lazily, and split good from bad rows.

    A missing required column rejects every row (the row number is the header row);
    a failed value check rejects that row. Nothing is dropped: rows read = accepted +
    rejected.

    Parameters
    ----------
    frame
        Table with ``source_file`` and ``source_row`` columns.
    schema
        A pandera ``DataFrameSchema``; columns may carry ``metadata={"fix": ...}``.
    file
        Name to report when ``frame`` is empty of ``source_file``.

    Returns
    -------
    Checked
        ``accepted`` (coerced by the schema), ``rejected`` (as read, plus ``problem``)
        and ``problems`` (:data:`PROBLEM_COLUMNS`).

    Examples
    --------
    >>> import pandera.pandas as pa
    >>> schema = pa.DataFrameSchema({"round": pa.Column(int, pa.Check.ge(1), coerce=True,
    ...                              metadata={"fix": "rounds are numbered from 1"})})
    >>> t = pd.DataFrame({"round": ["1", "0", "x"], "source_file": "s.csv", "source_row": [2, 3, 4]})
    >>> c = check_schema(t, schema)
    >>> len(c.accepted), len(c.rejected), c.problems["row"].tolist()
    (1, 2, [3, 4])
    """
    from pandera.errors import SchemaErrors

    src_file = str(frame["source_file"].iloc[0]) if "source_file" in frame and len(frame) else str(file or "")
    remaining = frame
    found: list[pd.DataFrame] = []
    # A value that cannot be coerced makes pandera run the other checks on raw
    # strings, which then fail as a whole column; so set the uncoercible rows
    # aside and check the rest again, to report every problem of every row.
    for _ in range(len(schema.columns) + 1):
        try:
            schema.validate(remaining, lazy=True)
            break
        except SchemaErrors as err:
            cases = err.failure_cases
        missing = cases.loc[cases["check"].astype(str).str.contains("column_in_dataframe")]
        if len(missing):
            header_row = int(frame["source_row"].min()) - 1 if len(frame) else 1
            problems = problems_frame({
                "file": src_file, "row": header_row, "column": str(name), "value": "",
                "rule": f"required column '{name}' is missing",
                "fix": f"add a column headed '{name}' (headers are matched ignoring case and spaces)",
            } for name in missing["failure_case"])
            rejected = frame.assign(problem="; ".join(problems["rule"]))
            return Checked(frame.iloc[0:0], rejected.reset_index(drop=True), problems)
        rows = cases.loc[cases["index"].notna() & ~cases["check"].astype(str).str.startswith("dtype(")]
        if rows.empty:
            raise InputError(f"the table fails the check {cases['check'].iloc[0]}", file=src_file,
                             column=str(cases["column"].iloc[0]), fix="check the column's values")
        idx = rows["index"].astype(int)
        found.append(problems_frame(pd.DataFrame({
            "file": remaining.loc[idx, "source_file"].to_numpy() if "source_file" in remaining else src_file,
            "row": remaining.loc[idx, "source_row"].to_numpy(),
            "column": rows["column"].astype(str).to_numpy(),
            "value": rows["failure_case"].to_numpy(),
            "rule": [_rule_text(c, col, schema) for c, col in zip(rows["check"], rows["column"])],
            "fix": [_fix_for(schema, c, "correct the value") for c in rows["column"]],
            "severity": "error",
        }).to_dict("records")))
        uncoercible = rows.loc[rows["check"].astype(str).str.startswith("coerce_dtype"), "index"].astype(int)
        whole_column_failed = cases["index"].isna().any()
        if uncoercible.empty or not whole_column_failed:
            break
        remaining = remaining.drop(index=uncoercible.unique())
    problems = (pd.concat(found, ignore_index=True).drop_duplicates()
                .sort_values(["file", "row", "column"], kind="stable")
                .reset_index(drop=True) if found else problems_frame())
    checked = split_rejected(frame, problems)
    accepted = schema.validate(checked.accepted) if len(checked.accepted) else checked.accepted
    return Checked(accepted.reset_index(drop=True), checked.rejected, problems)


def _rule_text(check: object, column: object, schema: pa.DataFrameSchema) -> str:
    text = str(check)
    coerce = re.match(r"coerce_dtype\('?([^')]+)'?\)", text)
    if coerce:
        return f"must be a valid {_DTYPE_WORDS.get(coerce.group(1), coerce.group(1))}"
    if text.startswith("not_nullable"):
        return "must not be empty"
    if text.startswith("field_uniqueness") or text == "unique":
        return "must be unique"
    return text


_DTYPE_WORDS = {"int64": "whole number", "Int64": "whole number", "float64": "number",
                "datetime64[ns]": "date", "bool": "yes/no value"}
