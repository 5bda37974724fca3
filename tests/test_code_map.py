"""Code maps: suggestions, the Excel sheet a lead fills in, reading it back and applying it."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sparklearn.codebook import load_codebook
from sparklearn.exceptions import InputError
from sparklearn.ingest.code_map import (
    IGNORE,
    MAP_HEADERS,
    MAP_SHEET,
    apply_code_map,
    read_code_map,
    suggest_codes,
)
from sparklearn.report.code_map_sheet import write_code_map

CODEBOOK = load_codebook()
CODES = pd.DataFrame({
    "guid": ["A1B2C3D4-0000-4000-8000-000000000001", "a1b2c3d4-0000-4000-8000-000000000002",
             "a1b2c3d4-0000-4000-8000-000000000003", "a1b2c3d4-0000-4000-8000-000000000004",
             "a1b2c3d4-0000-4000-8000-000000000005"],
    "name": ["Hidden", "Invited spaces", "Budget analysis", "Lunch", "=HYPERLINK(\"http://x\")"],
    "path": ["Power cube/Forms of power/Hidden", "Power cube/Spaces/Invited spaces", "Strategies/Budget analysis",
             "Logistics/Lunch", "Other/=HYPERLINK(\"http://x\")"],
    "color": ["#aec7e8", "#1f77b4", None, "#c49c94", None],
    "description": [None, None, "Analysing the budget to find the root causes of poor services", None, None],
})


def test_suggestions_find_the_obvious_code_and_leave_the_unrelated_blank():
    s = suggest_codes(CODES, CODEBOOK)
    assert s["suggestion"].tolist()[:3] == ["PW-FORM-HIDDEN", "PW-SPACE-INVITED", "SC-ROOTCAUSE"]
    assert s["code_id"].tolist()[:3] == [pd.NA, "PW-SPACE-INVITED", pd.NA]  # only the label is exact
    assert s.loc[1, "score"] == 100 and 60 <= s.loc[0, "score"] < 100
    assert s.loc[0, "suggestion_label"] == "Hidden power"
    assert pd.isna(s.loc[3, "suggestion"]) and pd.isna(s.loc[3, "score"])


def _write(tmp_path: Path) -> Path:
    sets = pd.DataFrame({"name": ["Power", "Power", "Empty"],
                         "member_guid": [CODES.loc[0, "guid"], CODES.loc[1, "guid"], None],
                         "member_kind": ["code", "code", None]})
    return write_code_map(tmp_path / "map.xlsx", CODES, CODEBOOK, project="Kenya (MAXQDA)", sets=sets,
                          n_codings=pd.Series({CODES.loc[0, "guid"]: 3, CODES.loc[2, "guid"]: 2}))


def test_the_map_sheet_has_a_dropdown_of_the_codebook_and_ignore(tmp_path):
    book = openpyxl.load_workbook(_write(tmp_path))
    assert book.sheetnames == [MAP_SHEET, "Guidance", "Codebook"]
    sheet = book[MAP_SHEET]
    assert [c.value for c in sheet[1]] == list(MAP_HEADERS.values())
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == CODES["path"].tolist()
    assert [r[5] for r in rows] == [3, 0, 2, 0, 0]  # codings per code
    assert [r[4] for r in rows] == ["Power", "Power", None, None, None]  # code groups (sets)
    assert [r[6] for r in rows][:3] == ["PW-FORM-HIDDEN", "PW-SPACE-INVITED", "SC-ROOTCAUSE"]
    assert [r[9] for r in rows] == [None, "PW-SPACE-INVITED", None, None, None]  # only exact matches pre-filled
    assert sheet["C2"].fill.fgColor.rgb.endswith("AEC7E8")
    assert sheet["B6"].data_type == "s" and sheet["B6"].value.startswith("'=")  # a name is never a formula
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and str(validation.sqref) == "J2:J6"
    listed = book["Codebook"]
    n = sum(1 for _ in listed.iter_rows(min_row=2))
    assert validation.formula1 == f"=Codebook!$A$2:$A${n + 1}"
    assert listed["A2"].value == IGNORE and {"PW-FORM-HIDDEN", "OA-POWER"} <= {c.value for c in listed["A"]}
    assert "Kenya (MAXQDA)" in book["Guidance"]["A2"].value


def _fill(path: Path, choices: dict[int, str | None]) -> Path:
    book = openpyxl.load_workbook(path)
    for row, value in choices.items():
        book[MAP_SHEET][f"J{row}"] = value
    book.save(path)
    return path


def test_a_filled_map_is_read_and_applied(tmp_path):
    path = _fill(_write(tmp_path), {2: "pw-form-hidden", 4: "Deep analysis of root causes", 5: " Ignore "})
    code_map = read_code_map(path, CODEBOOK)
    assert code_map.n_errors == 0
    assert code_map.choices[["code_id", "ignored", "map_row"]].astype(object).values.tolist() == [
        ["PW-FORM-HIDDEN", False, 2], ["PW-SPACE-INVITED", False, 3], ["SC-ROOTCAUSE", False, 4],
        [pd.NA, True, 5], [pd.NA, False, 6]]
    # The one row left blank is a warning naming the row.
    assert code_map.problems[["row", "severity"]].values.tolist() == [[6, "warning"]]
    applied = apply_code_map(CODES, CODEBOOK, code_map)
    assert applied["code_id"].tolist()[:3] == ["PW-FORM-HIDDEN", "PW-SPACE-INVITED", "SC-ROOTCAUSE"]
    assert applied["how"].tolist() == ["map", "label", "map", "ignored", pd.NA]  # a label is still a match
    assert applied["map_row"].tolist() == [2, 3, 4, 5, 6]


def test_bad_choices_are_errors_naming_the_row_the_value_and_the_fix(tmp_path):
    path = _fill(_write(tmp_path), {2: "PW-FORM-HIDEN", 4: "budget stuff"})
    code_map = read_code_map(path, CODEBOOK)
    errors = code_map.problems.loc[code_map.problems["severity"] == "error"]
    assert errors[["row", "column", "value"]].values.tolist() == [[2, "Your choice", "PW-FORM-HIDEN"],
                                                                  [4, "Your choice", "budget stuff"]]
    assert errors["rule"].iloc[0] == ("'PW-FORM-HIDEN' (for code 'Power cube/Forms of power/Hidden') is neither a "
                                      "SPARK code nor 'ignore'")
    assert errors["fix"].iloc[0].endswith("(did you mean 'PW-FORM-HIDDEN'?)")
    assert "did you mean" not in errors["fix"].iloc[1]


def test_a_map_without_guids_is_applied_by_path_and_a_reordered_sheet_is_read(tmp_path):
    path = tmp_path / "map.xlsx"
    pd.DataFrame({"Your choice": ["AE-MEDIA", "ignore"], "Notes": ["x", "y"],
                  "Code path": ["Actors/Media", "Logistics/Lunch"]}).to_excel(path, sheet_name=MAP_SHEET, index=False)
    codes = pd.DataFrame({"guid": ["g1", "g2", "g3"], "name": ["Media", "Lunch", "Radio"],
                          "path": ["Actors/Media", "Logistics/Lunch", "Actors/Radio"]})
    applied = apply_code_map(codes, CODEBOOK, read_code_map(path, CODEBOOK))
    assert applied[["code_id", "how"]].astype(object).values.tolist() == [["AE-MEDIA", "label"],
                                                                          [pd.NA, "ignored"], [pd.NA, pd.NA]]


@pytest.mark.parametrize(("frame", "sheet", "message"), [
    (pd.DataFrame({"Code path": ["a"]}), MAP_SHEET, "has no column 'Your choice'"),
    (pd.DataFrame({"Code path": ["a"], "Your choice": ["ignore"]}), "Sheet1", "has no sheet 'Code map'"),
])
def test_a_map_that_is_not_a_code_map_is_refused(tmp_path, frame, sheet, message):
    path = tmp_path / "map.xlsx"
    frame.to_excel(path, sheet_name=sheet, index=False)
    with pytest.raises(InputError, match=message):
        read_code_map(path, CODEBOOK)
    with pytest.raises(InputError, match="not found"):
        read_code_map(tmp_path / "missing.xlsx", CODEBOOK)
