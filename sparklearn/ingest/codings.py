"""Coding sheets in: the codings coders made in Excel or CSV, checked against the codebook.

Stage: ingest. :func:`read_codings` reads the sheets coders fill in (CSV or Excel;
``session_id, segment_id, code, coder, memo``), including the per-session templates
that :func:`sparklearn.report.sheets.coding_templates` writes, and checks every row
against the codebook and the segments table. It returns the codings table whose
columns, :data:`CODING_COLUMNS`, are the contract for every source of codings: the
REFI-QDA and Taguette readers (:mod:`sparklearn.ingest.qda_codings`,
:mod:`sparklearn.ingest.taguette`) return the same columns, so analysis never asks
where a coding came from. Counting themes and agreement from the codings is analysis
(:mod:`sparklearn.analysis.themes`, :mod:`sparklearn.analysis.agreement`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook, lookup_codes
from sparklearn.exceptions import InputError
from sparklearn.ingest.problems import (
    PROBLEM_COLUMNS,
    Checked,
    columns_as_headed,
    problems_frame,
)
from sparklearn.ingest.spreadsheets import read_table

#: Columns of a codings table, in order (the data contract).
CODING_COLUMNS = ["country", "session_id", "segment_id", "code_id", "coder", "memo", "source_file", "source_row"]


SEGMENT_ID_PATTERN = re.compile(r"^(?P<session>.+)-T(?P<turn>\d+)$")


_REQUIRED = ("segment_id", "code")


# --------------------------------------------------------------------------- reading sheets


def _as_paths(files: str | Path | Iterable[str | Path]) -> list[Path]:
    return [Path(files)] if isinstance(files, (str, Path)) else [Path(f) for f in files]


def _file_problem(file: object, rule: str, fix: str, *, row: int | None = None, column: str = "",
                  value: object = "", severity: str = "error") -> dict:
    return {"file": str(file), "row": row, "column": column, "value": value, "rule": rule, "fix": fix,
            "severity": severity}


#: File names of sheets written by :func:`~sparklearn.report.sheets.coding_templates` (``coding-<session_id>``).
_TEMPLATE_NAME = re.compile(r"coding-.+")


def _read_sheet(path: Path, found: list[dict], headers: dict[str, dict[str, str]]) -> pd.DataFrame | None:
    """One sheet with session_id, segment_id, code, coder, memo filled in, or None if unusable.

    How the file heads its columns goes into ``headers`` (file -> column -> label), for the problems.
    """
    try:
        frame = read_table(path, what="the coding sheet")
    except InputError as err:
        found.append(_file_problem(err.file or path, err.message, err.fix or "check the file", row=err.row,
                                   column=err.column or "", value=err.value if err.value is not None else ""))
        return None
    headers[str(path)] = frame.attrs["headers"]
    found.extend(frame.attrs.get("unsaved_formulas", []))  # such a cell reads as empty: its row is rejected, and said
    if frame.attrs.get("fell_back"):
        found.append(_file_problem(path, "not UTF-8: read as Windows-1252", severity="warning",
                                   fix="check accented letters in memos; save from Excel as 'CSV UTF-8' next time"))
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        header = frame.attrs["header_row"]
        found.extend(_file_problem(path, f"required column '{c}' is missing", row=header, column=c,
                                   fix=f"add a column headed '{c}' (headers are matched ignoring case and spaces)")
                     for c in missing)
        if len(frame):
            frame = frame.assign(**{c: "" for c in missing}, _missing=", ".join(missing))
    if frame.empty:
        if not missing:
            found.append(_file_problem(path, "the sheet has no codings", severity="warning",
                                       fix="nothing to do if this coder has not coded yet; otherwise fill it in"))
        return None
    for column in ("session_id", "coder", "memo"):
        if column not in frame.columns:
            frame[column] = ""
    # A sheet kept per coder (codings/<coder>.csv) need not repeat the coder's name. A sheet
    # made by coding_templates is named after its session, not its coder: there the coder
    # must be written (else every session would count as a coder of its own).
    if _TEMPLATE_NAME.fullmatch(path.stem):
        frame["_nocoder"] = frame["coder"].fillna("").astype(str).str.strip() == ""
    else:
        frame["coder"] = frame["coder"].where(frame["coder"] != "", path.stem)
    return frame


def _segment_sessions(segment_ids: pd.Series, segments: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """The session each segment belongs to, and whether the segment is known.

    From the segments table when given; otherwise from the id itself (``{session}-T{turn}``).
    """
    if segments is not None:
        session_of = pd.Series(segments["session_id"].astype("string").array,
                               index=segments["segment_id"].astype("string").array)
        session_of = session_of[~session_of.index.duplicated()]
        owner = segment_ids.map(session_of).astype("string")
        return owner, owner.notna()
    owner = segment_ids.str.extract(SEGMENT_ID_PATTERN)["session"].astype("string")
    return owner, owner.notna()


def read_codings(
    files: str | Path | Iterable[str | Path],
    *,
    codebook: Codebook,
    segments: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
    country: str | None = None,
    rejected_sessions: Iterable[str] = (),
) -> Checked:
    """Read and check coding sheets (CSV or Excel), one coding per row.

    Each row gives a segment (``session_id``, ``segment_id``), a ``code`` (a codebook
    id or label, matched ignoring case and extra spaces), the ``coder`` and an optional
    ``memo``. Headers are matched ignoring case and spaces; extra columns (such as the
    ``speaker`` and ``text`` of a :func:`~sparklearn.report.sheets.coding_templates` sheet) are ignored.

    Rules:

    - ``coder`` empty or missing: the file name without extension is the coder (a
      sheet kept as ``codings/coder-a.csv`` need not repeat the name), except in a
      sheet written by :func:`~sparklearn.report.sheets.coding_templates` (``coding-<session_id>.xlsx``), which is
      named after its session: there a coded row without a coder is an error.
    - ``session_id`` empty or missing: taken from the segment.
    - A row with neither a code nor a memo is a segment left uncoded (templates have
      one row per segment): it is not a coding, and each file with such rows gets one
      warning counting them. ``n_read`` counts codings only.
    - Errors (the row is rejected, the rest read): empty ``segment_id``; a memo but no
      code; a code that is neither an id nor a label (the fix suggests the nearest
      one); with ``segments``, a segment that does not exist; a ``session_id`` that
      disagrees with the segment's session; without ``segments`` but with
      ``sessions``, an unknown session; a repeat of the same segment, code and coder
      (the first is kept, the fix names its file and row).
    - A file that cannot be read (missing, empty, not CSV or Excel) is one error in
      ``problems`` and the other files are still read.

    Parameters
    ----------
    files
        A sheet or sheets (``.csv``, ``.xlsx``); read in the order given, which decides
        which of two duplicate rows is kept.
    codebook
        From :func:`sparklearn.codebook.load_codebook`.
    segments
        Segments table (segment_id, session_id, ...); enables the existence check.
    sessions
        Sessions table (session_id, country, ...); gives each coding its country.
    country
        Country slug for every coding; default from ``sessions`` (or ``segments``).
    rejected_sessions
        Ids of session files that were rejected: a coding of one of their segments is
        rejected with a rule saying so (rather than "no such segment"), since it is
        read again once the session file is fixed.

    Returns
    -------
    Checked
        ``accepted``: :data:`CODING_COLUMNS` (country, session_id, segment_id, code_id,
        coder, memo, source_file, source_row), in file and row order; ``rejected``:
        the rows as read plus ``problem``; ``problems``: the problem table, rows
        numbered as the user's spreadsheet shows them.

    Examples
    --------
    >>> from sparklearn.codebook import load_codebook
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "coder-a.csv"
    >>> _ = p.write_text("session_id,segment_id,code,coder,memo\\n"
    ...                  "GH-S01,GH-S01-T002,oa-power,,\\nGH-S01,GH-S01-T003,OA-POWR,,\\n")
    >>> result = read_codings(p, codebook=load_codebook(), country="ghana")
    >>> result.accepted[["segment_id", "code_id", "coder"]].values.tolist()
    [['GH-S01-T002', 'OA-POWER', 'coder-a']]
    >>> result.problems[["row", "rule", "fix"]].values.tolist()
    [[3, 'unknown code', "did you mean 'OA-POWER'? Use a code id or label of the codebook"]]
    """
    found: list[dict] = []
    headers: dict[str, dict[str, str]] = {}
    paths = _as_paths(files)
    frames = []
    for order, path in enumerate(paths):
        frame = _read_sheet(path, found, headers)
        if frame is not None:
            frames.append(frame.assign(_file_order=order))
    if not frames:
        return Checked(_empty_codings(), pd.DataFrame(columns=[*_REQUIRED, "source_file", "source_row", "problem"]),
                       problems_frame(found))
    raw = pd.concat(frames, ignore_index=True)
    if "_missing" not in raw.columns:
        raw["_missing"] = np.nan
    text = {c: raw[c].fillna("").astype("string") for c in ("session_id", "segment_id", "code", "coder", "memo")}

    uncoded = (text["code"] == "") & (text["memo"] == "") & raw["_missing"].isna()
    for file, rows in raw.loc[uncoded].groupby("source_file", sort=False)["source_row"]:
        listed = ", ".join(map(str, rows.iloc[:10])) + (", ..." if len(rows) > 10 else "")
        found.append(_file_problem(file, f"{len(rows)} row(s) without a code were skipped as uncoded segments",
                                   row=int(rows.iloc[0]), column="code", value=f"rows {listed}", severity="warning",
                                   fix="nothing to do if these segments have no code; otherwise choose one"))
    raw = raw.loc[~uncoded].reset_index(drop=True)
    text = {c: s.loc[~uncoded].reset_index(drop=True) for c, s in text.items()}

    looked_up = lookup_codes(text["code"].where(text["code"] != ""), codebook)
    code_id = looked_up["code_id"]
    owner, known_segment = _segment_sessions(text["segment_id"], segments)
    session_id = text["session_id"].where(text["session_id"] != "", owner)

    suggestion = looked_up["suggestion"]
    unknown_fix = ("did you mean '" + suggestion + "'? Use a code id or label of the codebook").fillna(
        "use a code id or label of the codebook (see the Codebook sheet of a coding template)")
    missing_column = raw["_missing"].notna()
    has_segment = (text["segment_id"] != "") & ~missing_column
    checks: list[tuple[pd.Series, str, str, str | pd.Series, pd.Series]] = [
        (missing_column, "segment_id", "the sheet lacks a required column",
         "add the missing column named in the file's first problem", raw["_missing"].astype("string")),
        ((text["segment_id"] == "") & ~missing_column, "segment_id", "segment_id is empty",
         "fill in the segment id (e.g. GH-S01-T004) or delete the row", text["segment_id"]),
        ((text["code"] == "") & (text["memo"] != "") & ~missing_column, "code", "a memo but no code",
         "choose the code the memo is about, or delete the row", text["memo"]),
        ((text["code"] != "") & code_id.isna(), "code", "unknown code", unknown_fix, text["code"]),
    ]
    session_of_id = text["segment_id"].str.extract(SEGMENT_ID_PATTERN)["session"].astype("string")
    in_rejected = has_segment & ~known_segment & (session_id.isin(list(rejected_sessions))
                                                  | session_of_id.isin(list(rejected_sessions))).fillna(False)
    checks.append((in_rejected, "segment_id", "the session of this segment was rejected",
                   "fix the problems of the session file first (see its rows in the problems); this coding is "
                   "read again then", text["segment_id"]))
    if segments is not None:
        checks.append((has_segment & ~known_segment & ~in_rejected, "segment_id", "no such segment",
                       "use a segment id of the session's turns (ids look like GH-S01-T004: the session and the "
                       "speaker turn); check the session file has that many turns", text["segment_id"]))
    else:
        checks.append((has_segment & ~known_segment & ~in_rejected, "segment_id", "not a segment id",
                       "segment ids look like GH-S01-T004: the session id, '-T' and the speaker turn",
                       text["segment_id"]))
        if sessions is not None:
            checks.append((has_segment & session_id.notna() & ~session_id.isin(sessions["session_id"]),
                           "session_id", "unknown session", "use the id of a session file (its session_id)",
                           session_id))
    nocoder = raw["_nocoder"].fillna(False).astype(bool) if "_nocoder" in raw.columns \
        else pd.Series(False, index=raw.index)
    checks.append((nocoder & ~missing_column, "coder", "no coder",
                   "write your name or initials in the coder column of every row you code (the same in every "
                   "sheet); `sparklearn template coding --coder NAME` fills it in for you", text["coder"]))
    mismatch = (text["session_id"] != "") & owner.notna() & (text["session_id"] != owner)
    checks.append((mismatch.fillna(False), "session_id", "the segment belongs to another session",
                   "segment " + text["segment_id"] + " is in session " + owner.fillna("")
                   + "; correct the session_id or the segment_id", text["session_id"]))

    error = pd.Series(False, index=raw.index)
    for mask, *_ in checks:
        error |= mask.fillna(False).astype(bool)
    coder = text["coder"]
    key = pd.DataFrame({"segment_id": text["segment_id"], "code_id": code_id, "coder": coder})
    candidates = key.loc[~error]
    repeat = candidates.duplicated(keep="first")
    first = candidates.groupby(["segment_id", "code_id", "coder"], sort=False).ngroup()
    first_row = pd.Series(candidates.index, index=candidates.index).groupby(first).transform("first")
    duplicate = pd.Series(False, index=raw.index)
    duplicate.loc[repeat.index[repeat.to_numpy()]] = True
    where = first_row.reindex(raw.index).fillna(0).astype(int)
    dup_fix = ("same segment, code and coder as row " + raw["source_row"].iloc[where].astype("string").to_numpy()
               + " of " + raw["source_file"].iloc[where].astype("string").to_numpy()
               + "; delete this row (a segment counts once per code and coder)")
    checks.append((duplicate, "code", "duplicate coding", pd.Series(dup_fix, index=raw.index, dtype="string"),
                   text["code"]))

    rows = []
    for mask, column, rule, fix, value in checks:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            continue
        hit = raw.loc[mask]
        rows.append(pd.DataFrame({
            "file": hit["source_file"], "row": hit["source_row"], "column": column,
            "value": value.loc[mask].fillna("").astype(str), "rule": rule,
            "fix": fix.loc[mask] if isinstance(fix, pd.Series) else fix, "severity": "error",
            "_order": hit["_file_order"],
        }))
    rejected_mask = error | duplicate
    row_problems = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[*PROBLEM_COLUMNS, "_order"])
    row_problems = row_problems.sort_values(["_order", "row"], kind="stable")
    problems = pd.concat([problems_frame(found), problems_frame(row_problems.drop(columns="_order")
                                                               .to_dict("records"))], ignore_index=True)
    problems = columns_as_headed(problems, headers)  # as each file heads its columns

    reasons = row_problems.groupby(["file", "row"], sort=False)["rule"].agg("; ".join)
    rejected = raw.loc[rejected_mask].drop(columns=["_file_order", "_missing", "_nocoder"], errors="ignore")
    rejected["problem"] = [reasons.get((f, r), "") for f, r in zip(rejected["source_file"], rejected["source_row"])]

    good = ~rejected_mask
    accepted = pd.DataFrame({
        "country": _countries(session_id[good], text["segment_id"][good], country, sessions, segments),
        "session_id": session_id[good], "segment_id": text["segment_id"][good], "code_id": code_id[good],
        "coder": coder[good], "memo": text["memo"][good],
        "source_file": raw.loc[good, "source_file"].astype("string"),
        "source_row": raw.loc[good, "source_row"].astype("int64"),
    })
    return Checked(accepted.reset_index(drop=True), rejected.reset_index(drop=True), problems, headers=headers)


def _countries(session_id: pd.Series, segment_id: pd.Series, country: str | None,
               sessions: pd.DataFrame | None, segments: pd.DataFrame | None) -> pd.Series:
    if country is not None:
        return pd.Series(country, index=session_id.index, dtype="string")
    if sessions is not None and "country" in sessions:
        return session_id.map(sessions.drop_duplicates("session_id").set_index("session_id")["country"]) \
            .astype("string")
    if segments is not None and "country" in segments:
        return segment_id.map(segments.drop_duplicates("segment_id").set_index("segment_id")["country"]) \
            .astype("string")
    return pd.Series(pd.NA, index=session_id.index, dtype="string")


def _empty_codings() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in CODING_COLUMNS})
    return frame.astype({"source_row": "int64"})
