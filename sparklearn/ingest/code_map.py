"""A code map: each code of a QDA project's own codebook -> a SPARK code, or ignore.

Stage: ingest. Country leads who coded in MAXQDA, NVivo or ATLAS.ti with codes of their
own (a project with 300 codes, say) cannot bring those codings in code by code; they
map them once. :func:`suggest_codes` proposes a SPARK code for each foreign code (by
the similarity of its name, path and description to the codebook's labels, paths and
definitions, with ``rapidfuzz``); :func:`sparklearn.report.code_map_sheet.write_code_map`
writes the Excel sheet the lead fills in; :func:`read_code_map` reads the filled sheet
back and checks every choice; :func:`apply_code_map` gives each project code its SPARK
code, or marks it ignored.

The sheet's columns are the contract between writer and reader: :data:`MAP_HEADERS`.
A choice is a SPARK code id (or its label, ignoring case), ``ignore``, or blank
(undecided: that code's codings are rejected until the lead decides). A choice that is
none of these is an error naming the sheet row, the value and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from sparklearn.codebook import Codebook, codebook_table, lookup_codes
from sparklearn.exceptions import InputError
from sparklearn.ingest.problems import problems_frame
from sparklearn.ingest.refi_qda import QdpxProject, match_code_ids

#: Name of the sheet holding the map.
MAP_SHEET = "Code map"

#: Column -> header of the map sheet, in order (the reader finds columns by these headers).
MAP_HEADERS = {
    "path": "Code path",
    "name": "Code",
    "color": "Colour",
    "description": "Description",
    "groups": "Code groups (sets)",
    "n_codings": "Codings",
    "suggestion": "Suggested SPARK code",
    "suggestion_label": "Suggested code's label",
    "score": "Similarity (0-100)",
    "choice": "Your choice",
    "guid": "Code GUID",
}

#: The choice that leaves a code's codings out.
IGNORE = "ignore"

#: Suggestions scoring below this (0-100) are not offered.
SUGGEST_CUTOFF = 60.0

#: Columns of :func:`apply_code_map`'s result, in order.
MAPPED_COLUMNS = ["guid", "code_id", "how", "map_row"]


def _words(values: pd.Series) -> list[str]:
    return values.fillna("").astype(str).str.replace(r"[/\\>]+", " ", regex=True).tolist()


def suggest_codes(codes: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """A SPARK code for each project code: exact matches first, else the most similar one.

    A code whose GUID is sparklearn's for a codebook code, or whose name is a codebook
    id or label (ignoring case), is an exact match (score 100). Otherwise each code is
    scored against every codebook code: 60 % the similarity of the names (``WRatio``),
    20 % of the code paths and 20 % of name and description against label and
    definition (``token_set_ratio``), all on 0-100.

    Parameters
    ----------
    codes
        guid, name, path, description (as :attr:`~sparklearn.ingest.refi_qda.QdpxProject.codes`).
    codebook
        The SPARK codebook.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``codes``: code_id (exact match, else NA), suggestion (the exact
        match or the best-scoring code when it scores at least :data:`SUGGEST_CUTOFF`,
        else NA), suggestion_label, score (rounded, 0-100; NA without a suggestion).

    Examples
    --------
    >>> from sparklearn.codebook import load_codebook
    >>> codes = pd.DataFrame({"guid": ["g1", "g2", "g3"], "name": ["Hidden", "Media coverage", "Lunch"],
    ...                       "path": ["Power cube/Forms/Hidden", "Actors/Media coverage", "Logistics/Lunch"],
    ...                       "description": [None, "Radio, TV and newspapers", None]})
    >>> suggest_codes(codes, load_codebook())[["suggestion", "score"]]
           suggestion  score
    0  PW-FORM-HIDDEN     94
    1        AE-MEDIA     85
    2            <NA>   <NA>
    """
    table = codebook_table(codebook)
    exact = match_code_ids(codes.assign(name=codes["name"].astype("string")), codebook)["code_id"]
    names, paths = codes["name"].fillna("").astype(str).tolist(), _words(codes["path"])
    texts = (codes["name"].fillna("") + " " + codes["description"].fillna("")).tolist()
    spark_text = (table["label"].fillna("") + " " + table["definition"].fillna("")).tolist()
    common = {"processor": utils.default_process, "dtype": np.float32}
    score = (0.6 * process.cdist(names, table["label"].tolist(), scorer=fuzz.WRatio, **common)
             + 0.2 * process.cdist(paths, _words(table["path"]), scorer=fuzz.token_set_ratio, **common)
             + 0.2 * process.cdist(texts, spark_text, scorer=fuzz.token_set_ratio, **common))
    best = score.argmax(axis=1) if len(table) else np.zeros(len(codes), dtype=int)
    top = score.max(axis=1) if len(table) else np.zeros(len(codes))
    ids = table["code_id"].to_numpy(dtype=object)
    suggestion = pd.Series(np.where(top >= SUGGEST_CUTOFF, ids[best] if len(ids) else None, None),
                           index=codes.index, dtype="string")
    score_out = pd.Series(np.round(top), index=codes.index).astype("Int64").where(suggestion.notna())
    suggestion = exact.astype("string").fillna(suggestion)
    score_out = score_out.mask(exact.notna(), 100)
    labels = dict(zip(table["code_id"], table["label"]))
    return pd.DataFrame({"code_id": exact.astype("string"), "suggestion": suggestion,
                         "suggestion_label": suggestion.map(labels).astype("string"),
                         "score": score_out.astype("Int64")}, index=codes.index)


@dataclass(frozen=True)
class CodeMap:
    """A filled code map, read and checked (:func:`read_code_map`).

    Attributes
    ----------
    file
        The workbook read.
    choices
        guid (normalised: no braces, lower case), path, name, choice (as written),
        code_id (the SPARK code; NA for ignore, blank or a bad choice), ignored (bool),
        map_row (the Excel row); one row per map row.
    problems
        :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; errors are choices that are
        neither a SPARK code nor ``ignore`` (``row`` is the Excel row).
    """

    file: Path
    choices: pd.DataFrame
    problems: pd.DataFrame

    @property
    def n_errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())


def _norm_guid(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.strip("{}").str.lower()


def read_code_map(path: str | Path, codebook: Codebook) -> CodeMap:
    """Read a filled code map workbook and check every choice against the codebook.

    Parameters
    ----------
    path
        The ``.xlsx`` written by :func:`sparklearn.report.code_map_sheet.write_code_map`
        and filled in: its sheet :data:`MAP_SHEET` with the headers of
        :data:`MAP_HEADERS` (``Code path`` and ``Your choice`` are required; ``Code
        GUID`` is used when present). Columns may be reordered; extra ones are ignored.
    codebook
        The SPARK codebook the choices must come from.

    Returns
    -------
    CodeMap
        The choices and problems: an error for each choice that is neither a codebook
        id or label nor ``ignore`` (with the nearest code id when one is close), a
        warning for each code left without a choice.

    Raises
    ------
    InputError
        The file is missing or not a workbook, or lacks the sheet or a required column.

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.codebook import load_codebook
    >>> p = Path(tempfile.mkdtemp()) / "map.xlsx"
    >>> pd.DataFrame({"Code path": ["Power/Hidden", "Lunch", "Media"],
    ...               "Your choice": ["PW-FORM-HIDDEN", "ignore", "AE-MEDA"]}).to_excel(p, sheet_name=MAP_SHEET,
    ...                                                                                   index=False)
    >>> m = read_code_map(p, load_codebook())
    >>> m.choices[["path", "code_id", "ignored", "map_row"]].values.tolist()
    [['Power/Hidden', 'PW-FORM-HIDDEN', False, 2], ['Lunch', <NA>, True, 3], ['Media', <NA>, False, 4]]
    >>> m.problems[["row", "value", "severity"]].values.tolist()
    [[4, 'AE-MEDA', 'error']]
    """
    path = Path(path)
    fix = (f"use the code map sparklearn wrote (import-qdpx without --map writes it); keep its sheet "
           f"'{MAP_SHEET}' and its header row")
    if not path.is_file():
        raise InputError("code map not found", file=path, fix="check the path given to --map")
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype="string", header=0)
    except (ValueError, OSError, KeyError) as err:
        raise InputError(f"cannot be read as an Excel workbook ({err})", file=path, fix=fix) from None
    if MAP_SHEET not in sheets:
        raise InputError(f"has no sheet '{MAP_SHEET}' (it has: {', '.join(sheets)})", file=path, fix=fix)
    sheet = sheets[MAP_SHEET]
    sheet.columns = [str(c).strip() for c in sheet.columns]
    by_header = {header: column for column, header in MAP_HEADERS.items()}
    missing = [MAP_HEADERS[c] for c in ("path", "choice") if MAP_HEADERS[c] not in sheet.columns]
    if missing:
        raise InputError(f"sheet '{MAP_SHEET}' has no column {', '.join(repr(m) for m in missing)}", file=path,
                         row=1, fix=fix)
    sheet = sheet[[c for c in sheet.columns if c in by_header]].rename(columns=by_header)
    sheet["map_row"] = np.arange(2, len(sheet) + 2)
    sheet = sheet.loc[sheet["path"].notna() | sheet["choice"].notna()].reset_index(drop=True)
    if "guid" not in sheet.columns:
        sheet["guid"] = pd.Series(pd.NA, index=sheet.index, dtype="string")
    if "name" not in sheet.columns:
        sheet["name"] = sheet["path"].str.rsplit("/", n=1).str[-1]
    choice = sheet["choice"].str.strip()
    ignored = choice.str.casefold().eq(IGNORE).fillna(False).astype(bool)
    looked = lookup_codes(choice.mask(ignored), codebook)
    bad = choice.notna() & ~ignored & looked["code_id"].isna()
    blank = choice.isna() | choice.eq("")
    hint = (" (did you mean '" + looked["suggestion"] + "'?)").fillna("")
    column = MAP_HEADERS["choice"]
    records = pd.DataFrame({
        "file": str(path), "row": sheet.loc[bad, "map_row"], "column": column, "value": choice[bad],
        "rule": "'" + choice[bad] + "' (for code '" + sheet.loc[bad, "path"].fillna("") + "') is neither a SPARK code "
                "nor 'ignore'",
        "fix": "choose a code id from the dropdown (the Codebook sheet lists them), or 'ignore' to leave this code's "
               "codings out" + hint[bad], "severity": "error"}).to_dict("records")
    records += pd.DataFrame({
        "file": str(path), "row": sheet.loc[blank & sheet["path"].notna(), "map_row"], "column": column, "value": "",
        "rule": "code '" + sheet.loc[blank & sheet["path"].notna(), "path"] + "' has no choice",
        "fix": "choose a SPARK code or 'ignore'; until then its codings are rejected",
        "severity": "warning"}).to_dict("records")
    choices = pd.DataFrame({"guid": _norm_guid(sheet["guid"]), "path": sheet["path"], "name": sheet["name"],
                            "choice": sheet["choice"], "code_id": looked["code_id"].astype("string"),
                            "ignored": ignored, "map_row": sheet["map_row"].astype("int64")})
    problems = problems_frame(records)
    return CodeMap(path, choices, problems.sort_values("row", kind="stable").reset_index(drop=True))


def apply_code_map(codes: pd.DataFrame, codebook: Codebook, code_map: CodeMap | None = None) -> pd.DataFrame:
    """The SPARK code of each project code: from the map when it names the code, else matched by GUID or name.

    A map row names a project code by its GUID, else by its path (when the GUID column
    was left out or is empty). A row left blank keeps the code's own match (a code
    named like a SPARK code), if any; otherwise the code is unmapped.

    Parameters
    ----------
    codes
        guid, name, path of the project's codes.
    codebook
        The SPARK codebook.
    code_map
        From :func:`read_code_map`, or None to match by GUID and name only.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``codes``: guid, code_id (NA when unmapped or ignored), how
        (``"guid"``, ``"id"`` or ``"label"`` for a match; ``"map"``; ``"ignored"``;
        NA when unmapped), map_row (the map's Excel row, NA when not from the map).

    Examples
    --------
    >>> from sparklearn.codebook import load_codebook
    >>> codes = pd.DataFrame({"guid": ["a", "b", "c"], "name": ["Media", "Lunch", "Other"],
    ...                       "path": ["Media", "Lunch", "Other"]})
    >>> apply_code_map(codes, load_codebook())[["code_id", "how"]].values.tolist()
    [['AE-MEDIA', 'label'], [<NA>, <NA>], [<NA>, <NA>]]
    """
    matched = match_code_ids(codes.assign(name=codes["name"].astype("string")), codebook)
    out = pd.DataFrame({"guid": codes["guid"], "code_id": matched["code_id"].astype("string"),
                        "how": matched["matched_by"].astype("string"),
                        "map_row": pd.Series(pd.NA, index=codes.index, dtype="Int64")})
    if code_map is None:
        return out
    choices = code_map.choices
    by_guid = choices.dropna(subset=["guid"]).drop_duplicates("guid").set_index("guid")
    by_path = choices.dropna(subset=["path"]).drop_duplicates("path").set_index("path")
    guid = _norm_guid(codes["guid"])
    row = guid.map(by_guid["map_row"]).astype("Int64").fillna(codes["path"].map(by_path["map_row"]).astype("Int64"))
    picked = choices.set_index("map_row").reindex(row.dropna().astype("int64").to_numpy())
    in_map = row.notna()
    code_id = pd.Series(pd.NA, index=codes.index, dtype="string")
    ignored = pd.Series(False, index=codes.index)
    code_id[in_map] = picked["code_id"].to_numpy()
    ignored[in_map] = picked["ignored"].to_numpy(dtype=bool)
    # A row left blank keeps the code's own match; a choice that repeats it is still a match.
    decided = in_map & (ignored | code_id.notna()) & ~(code_id == out["code_id"]).fillna(False)
    out["code_id"] = out["code_id"].where(~decided, code_id)
    out["how"] = out["how"].where(~decided, pd.Series(np.where(ignored, "ignored", "map"), index=codes.index,
                                                      dtype="string"))
    out["map_row"] = row
    return out[MAPPED_COLUMNS]


def map_needed(project: QdpxProject, codebook: Codebook) -> bool:
    """Whether a project codes with codes that are not SPARK codes (by GUID, id or label), so it needs a code map.

    Codes nobody coded with do not count.

    Examples
    --------
    >>> from sparklearn.codebook import load_codebook
    >>> from sparklearn.ingest.refi_qda import read_qdpx
    >>> import tempfile, zipfile
    >>> p = Path(tempfile.mkdtemp()) / "p.qdpx"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
    ...                '<Code guid="c1" name="Media" isCodable="true"/><Code guid="c2" name="Lunch" isCodable="true"/>'
    ...                '</Codes></CodeBook></Project>')
    >>> map_needed(read_qdpx(p), load_codebook())  # Lunch is not a SPARK code, but nobody coded with it
    False
    """
    used = pd.concat([project.selections["code_guid"], project.rejected["code_guid"]]).dropna().unique()
    codes = project.codes.loc[project.codes["guid"].isin(used)]
    return bool(len(codes)) and bool(apply_code_map(codes, codebook)["code_id"].isna().any())
