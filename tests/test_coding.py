"""Coding sheets (reading, bad input, Excel templates) and themes, on hand-made fixtures.

The fixture: three sessions (two in Ghana, one in Kenya), nine segments, eleven
codings by coders a and b. Every expected number below is counted by hand from
the tables in this file; the comments show the count.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sparklearn.analysis.quotes import framework_matrix, quotes
from sparklearn.analysis.themes import (
    code_frequencies,
    coded_segments,
    cooccurrence,
    segment_groups,
    themes_over_rounds,
)
from sparklearn.codebook import codebook_from_dict, load_codebook
from sparklearn.demo import synth_codings
from sparklearn.exceptions import CodebookError, InputError, ParameterError
from sparklearn.files import excel_safe
from sparklearn.ingest.codings import CODING_COLUMNS, read_codings
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.report.sheets import coding_templates, framework_matrix_to_excel

REPO = Path(__file__).resolve().parents[1]

CB = codebook_from_dict({"version": "1", "title": "Test codebook", "codes": [
    {"id": "T", "label": "Themes", "definition": "Things we look for."},
    {"id": "T-A", "label": "Agency", "parent": "T", "definition": "People acting for themselves.",
     "when_to_use": "- when a group acts"},
    {"id": "T-B", "label": "Budget analysis", "parent": "T", "definition": "Following the money."},
    {"id": "T-C", "label": "Coalitions", "parent": "T", "definition": "Working with allies."},
    {"id": "X", "label": "Other", "definition": "Everything else."},
    {"id": "X-1", "label": "Media", "parent": "X", "definition": "Press, radio and social media."},
]})

SESSIONS = pd.DataFrame({
    "session_id": ["GH-S01", "GH-S02", "KE-S01"], "country": ["ghana", "ghana", "kenya"],
    "campaign_ids": ["gh-fert;gh-mine", "gh-mine", "ke-health"],
    "date": pd.to_datetime(["2024-03-01", "2024-06-01", "2024-04-15"]), "round": [1, 2, 1],
})

_TEXTS = {
    "GH-S01-T001": "We met the budget officer.",
    "GH-S01-T002": "The vouchers came late again, after planting, so farmers wrote to the assembly member together.",
    "GH-S01-T003": "=SUM(A1) is what the clerk typed",
    "GH-S01-T004": "Thank you all.",
    "GH-S02-T001": "Next round we will bring the district budget figures and the list of farmers who never got "
                   "vouchers.",
    "GH-S02-T002": "@channel the radio covered our petition",
    "KE-S01-T001": "The clinic opened on Mondays.",
    "KE-S01-T002": "The county health committee joined us.",
    "KE-S01-T003": "Anything else?",
}
SEGMENTS = pd.DataFrame({
    "segment_id": list(_TEXTS), "session_id": [s[:6] for s in _TEXTS],
    "country": ["ghana"] * 6 + ["kenya"] * 3, "turn": [1, 2, 3, 4, 1, 2, 1, 2, 3],
    "speaker": ["facilitator 1", "partner staff 2", "partner staff 3", "facilitator 1", "community member 1",
                "partner staff 2", "facilitator 4", "community member 5", "facilitator 4"],
    "speaker_role": "partner", "text": list(_TEXTS.values()), "start": 0, "end": 1, "language": "en",
})
SEGMENTS["speaker_role"] = SEGMENTS["speaker"].str.rsplit(" ", n=1).str[0]

_ROWS = [  # segment, code, coder
    ("GH-S01-T001", "T-A", "a"), ("GH-S01-T001", "T-A", "b"), ("GH-S01-T001", "T-B", "a"),
    ("GH-S01-T002", "T-A", "a"), ("GH-S01-T003", "T-B", "b"), ("GH-S02-T001", "T-A", "a"),
    ("GH-S02-T001", "T-B", "a"), ("GH-S02-T002", "X-1", "b"), ("KE-S01-T001", "T-A", "a"),
    ("KE-S01-T002", "T-C", "a"), ("KE-S01-T002", "T-B", "a"),
]
CODINGS = pd.DataFrame({
    "country": ["kenya" if s.startswith("KE") else "ghana" for s, _, _ in _ROWS],
    "session_id": [s[:6] for s, _, _ in _ROWS], "segment_id": [s for s, _, _ in _ROWS],
    "code_id": [c for _, c, _ in _ROWS], "coder": [k for _, _, k in _ROWS], "memo": "",
    "source_file": "fixture.csv", "source_row": range(2, 2 + len(_ROWS)),
})


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _cells(table: pd.DataFrame, by: str, value: str) -> dict:
    return {(g, c): v for g, c, v in table[[by, "code_id", value]].itertuples(index=False)}


# --------------------------------------------------------------------------- read_codings


BAD_SHEET = """# SYNTHETIC DEMO DATA
session_id,segment_id,code,coder,memo
GH-S01,GH-S01-T001,t-a,,
GH-S01,GH-S01-T002,budget ANALYSIS,,
GH-S01,GH-S01-T002,T-AA,,
GH-S01,GH-S01-T009,T-A,,
GH-S02,GH-S01-T003,T-B,,
GH-S01,GH-S01-T001,T-A,,
,,,,
GH-S01,GH-S01-T004,,,
GH-S01,GH-S01-T004,,,a memo without a code
GH-S01,GH-S01-T003,T-B,b,
,GH-S02-T001,Media,b,on the radio
"""


def test_problems_name_each_files_own_header_and_a_workbooks_letter(tmp_path):
    # Two sheets heading the code column differently: each problem names its own file's header.
    csv = _write(tmp_path / "coder-a.csv", "Session ID,Segment ID,Code\nGH-S01,GH-S01-T001,T-AA\n")
    book = openpyxl.Workbook()
    for row in (["segment_id", "code"], ["GH-S01-T002", "T-ZZ"]):
        book.active.append(row)
    book.save(tmp_path / "coder-b.xlsx")
    result = read_codings([csv, tmp_path / "coder-b.xlsx"], codebook=CB, segments=SEGMENTS)
    named = result.problems.assign(file=result.problems["file"].map(lambda f: Path(f).name))
    assert named[["file", "row", "column", "rule"]].values.tolist() == [
        ["coder-a.csv", 2, "Code", "unknown code"], ["coder-b.xlsx", 2, "code (B)", "unknown code"]]


def test_read_codings_reports_each_bad_row_where_the_user_sees_it(tmp_path):
    sheet = _write(tmp_path / "coder-x.csv", BAD_SHEET)
    result = read_codings([sheet], codebook=CB, segments=SEGMENTS, sessions=SESSIONS)

    assert list(result.accepted.columns) == CODING_COLUMNS
    # Rows 3, 4, 12, 13 are good; 5, 6, 7, 8, 11 are bad; 9 is blank; 10 is an uncoded segment.
    assert result.accepted["source_row"].tolist() == [3, 4, 12, 13]
    assert result.accepted["code_id"].tolist() == ["T-A", "T-B", "T-B", "X-1"]  # id any case, label any case
    assert result.accepted["coder"].tolist() == ["coder-x", "coder-x", "b", "b"]  # empty coder -> file stem
    assert result.accepted["session_id"].tolist() == ["GH-S01", "GH-S01", "GH-S01", "GH-S02"]  # filled from segment
    assert result.accepted["country"].tolist() == ["ghana"] * 4
    assert result.accepted["memo"].tolist() == ["", "", "", "on the radio"]
    assert sorted(result.rejected["source_row"]) == [5, 6, 7, 8, 11]
    assert result.n_read == 9 == len(result.accepted) + len(result.rejected)

    problems = result.problems
    assert list(problems.columns) == PROBLEM_COLUMNS
    by_row = {r: (rule, fix, sev) for r, rule, fix, sev in problems[["row", "rule", "fix", "severity"]].itertuples(
        index=False)}
    assert by_row[5][0] == "unknown code" and "did you mean 'T-A'?" in by_row[5][1]
    assert by_row[6][0] == "no such segment"
    assert by_row[7][0] == "the segment belongs to another session" and "is in session GH-S01" in by_row[7][1]
    assert by_row[8][0] == "duplicate coding" and "row 3 of" in by_row[8][1]
    assert by_row[10][0].startswith("1 row(s) without a code") and by_row[10][2] == "warning"
    assert by_row[11][0] == "a memo but no code"
    assert (problems.loc[problems["row"] != 10, "severity"] == "error").all()
    assert set(result.rejected["problem"]) == {"unknown code", "no such segment", "duplicate coding",
                                               "the segment belongs to another session", "a memo but no code"}


def test_read_codings_empty_headerless_and_incomplete_files_are_problems_not_crashes(tmp_path):
    good = _write(tmp_path / "coder-a.csv", "session_id,segment_id,code\nGH-S01,GH-S01-T001,T-A\n")
    empty = _write(tmp_path / "coder-b.csv", "")
    header_only = _write(tmp_path / "coder-c.csv", "session_id,segment_id,code,coder,memo\n")
    no_code = _write(tmp_path / "coder-d.csv", "session_id,segment_id,coder\nGH-S01,GH-S01-T002,d\n")
    result = read_codings([good, empty, header_only, no_code, tmp_path / "missing.csv"], codebook=CB)

    assert result.accepted["segment_id"].tolist() == ["GH-S01-T001"]
    assert result.rejected["source_row"].tolist() == [2]  # the row of the file without a code column
    assert result.n_read == 2
    found = result.problems.set_index("file")
    assert found.loc[str(empty), "rule"] == "the coding sheet is empty"
    assert found.loc[str(empty), "severity"] == "error"
    assert found.loc[str(header_only), "rule"] == "the sheet has no codings"
    assert found.loc[str(header_only), "severity"] == "warning"
    missing_column = result.problems.loc[result.problems["file"] == str(no_code)]
    assert missing_column["rule"].iloc[0] == "required column 'code' is missing"
    assert missing_column["row"].iloc[0] == 1  # the header row
    assert found.loc[str(tmp_path / "missing.csv"), "rule"] == "file not found"
    assert read_codings([], codebook=CB).n_read == 0


def test_read_codings_without_segments_checks_the_id_form_and_the_sessions(tmp_path):
    sheet = _write(tmp_path / "a.csv", "session_id,segment_id,code\nGH-S01,GH-S01-T001,T-A\n"
                                       "GH-S01,GH-S01-X,T-A\nGH-S09,GH-S09-T001,T-A\n")
    result = read_codings(sheet, codebook=CB, sessions=SESSIONS)
    assert result.accepted["segment_id"].tolist() == ["GH-S01-T001"]
    assert result.problems[["row", "rule"]].values.tolist() == [[3, "not a segment id"], [4, "unknown session"]]
    # The country argument wins over the sessions table.
    assert read_codings(sheet, codebook=CB, country="kenya").accepted["country"].unique().tolist() == ["kenya"]


def test_read_codings_reads_excel_with_excel_row_numbers(tmp_path):
    path = tmp_path / "coder-e.xlsx"
    pd.DataFrame({"Session ID": ["GH-S01", "GH-S01"], "Segment ID": ["GH-S01-T001", "GH-S01-T002"],
                  "Code": ["Coalitions", "nope"], "Coder": ["", ""], "Memo": ["", ""]}).to_excel(path, index=False)
    result = read_codings(path, codebook=CB, segments=SEGMENTS)
    assert result.accepted[["code_id", "coder", "source_row"]].values.tolist() == [["T-C", "coder-e", 2]]
    assert result.problems[["row", "rule"]].values.tolist() == [[3, "unknown code"]]


def test_read_codings_accepts_the_demo_sheets():
    folder = REPO / "data" / "raw" / "ghana" / "codings"
    files = sorted(folder.glob("*.csv"))
    result = read_codings(files, codebook=load_codebook(), country="ghana")
    # 176 + 72 data rows (each file: one comment line and a header).
    assert result.n_read == len(result.accepted) == 248
    labelled = result.accepted.loc[result.accepted["source_row"] == 13].iloc[0]  # "Foundation for an equitable..."
    assert labelled["code_id"] == "EP-FOUNDATION"


# --------------------------------------------------------------------------- templates


def test_coding_template_round_trip_with_dropdown_from_the_codebook(tmp_path):
    written = coding_templates("ghana", tmp_path, sessions=["GH-S01"], segments=SEGMENTS, codebook=CB)
    assert [p.name for p in written] == ["coding-GH-S01.xlsx"]

    book = openpyxl.load_workbook(written[0])
    assert book.sheetnames[:2] == ["Coding", "Codebook"]
    sheet, listed = book["Coding"], book["Codebook"]
    assert [c.value for c in sheet[1]] == ["session_id", "segment_id", "speaker", "text", "code", "coder", "memo"]
    assert [sheet.cell(r, 2).value for r in range(2, 6)] == [f"GH-S01-T00{i}" for i in range(1, 5)]
    assert sheet.cell(3, 3).value == "partner staff 2"
    assert sheet.cell(4, 4).value == "'=SUM(A1) is what the clerk typed"  # not a formula
    assert sheet.cell(4, 4).data_type == "s"
    assert sheet.freeze_panes == "A2" and sheet["D2"].alignment.wrap_text
    codes = [listed.cell(r, 1).value for r in range(2, listed.max_row + 1)]
    assert codes == CB.codes["code_id"].tolist()
    assert listed.cell(3, 5).value == "'- when a group acts"  # definition texts are protected too

    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == f"Codebook!$A$2:$A${len(codes) + 1}"
    ranges = [str(r) for r in validation.sqref.ranges]
    assert ranges == ["E2:E305"]  # 4 segments + 300 spare rows for extra codes

    sheet["E2"], sheet["F2"] = "T-A", "a"
    sheet["E3"] = "budget analysis"  # a label, coder left empty
    sheet.append(["GH-S01", "GH-S01-T001", None, None, "X-1", "a", "copied row for a second code"])
    book.save(written[0])
    result = read_codings(written, codebook=CB, segments=SEGMENTS, sessions=SESSIONS)
    # A template is named after its session: a coded row without a coder is refused, never
    # credited to a "coder" called coding-GH-S01.
    assert result.accepted[["segment_id", "code_id", "coder", "source_row"]].values.tolist() == [
        ["GH-S01-T001", "T-A", "a", 2], ["GH-S01-T001", "X-1", "a", 6]]
    assert result.rejected["source_row"].tolist() == [3]
    assert result.problems[["row", "column", "rule", "severity"]].values.tolist() == [
        [4, "code (E)", "2 row(s) without a code were skipped as uncoded segments", "warning"],  # T003, T004
        [3, "coder (F)", "no coder", "error"]]  # as the sheet heads the columns, with their letters

    prefilled = coding_templates("ghana", tmp_path / "kofi", sessions=["GH-S01"], segments=SEGMENTS, codebook=CB,
                                 coder="kofi")
    sheet = openpyxl.load_workbook(prefilled[0])["Coding"]
    assert [sheet.cell(r, 6).value for r in range(2, 6)] == ["kofi"] * 4


def test_coding_templates_every_session_and_unknown_session(tmp_path):
    written = coding_templates("ghana", tmp_path, segments=SEGMENTS, codebook=CB)
    assert [p.name for p in written] == ["coding-GH-S01.xlsx", "coding-GH-S02.xlsx"]  # Kenya's left out
    assert openpyxl.load_workbook(written[1])["Coding"].max_row == 3
    with pytest.raises(ParameterError, match="GH-S07"):
        coding_templates("ghana", tmp_path, sessions=["GH-S07"], segments=SEGMENTS, codebook=CB)


def test_excel_safe_prefixes_formula_starts_only():
    assert [excel_safe(v) for v in ["=1+1", "+1", "-1", "@x", "\tx", "plain", "a=b", ""]] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "plain", "a=b", ""]
    assert excel_safe(None) is None and excel_safe(2.5) == 2.5


# --------------------------------------------------------------------------- frequencies


def test_code_frequencies_by_country_hand_counted():
    table = code_frequencies(CODINGS, by="country", segments=SEGMENTS)
    assert list(table.columns) == ["country", "code_id", "n_codings", "n_segments", "n_sessions",
                                   "segments_in_group", "coverage"]
    rows = {(r.country, r.code_id): (r.n_codings, r.n_segments, r.n_sessions, r.segments_in_group)
            for r in table.itertuples()}
    # Ghana, 6 segments. T-A: codings 1, 2, 4, 6 on GH-S01-T001 (twice), GH-S01-T002, GH-S02-T001.
    assert rows[("ghana", "T-A")] == (4, 3, 2, 6)
    assert rows[("ghana", "T-B")] == (3, 3, 2, 6)
    assert rows[("ghana", "T-C")] == (0, 0, 0, 6)
    assert rows[("ghana", "X-1")] == (1, 1, 1, 6)
    assert rows[("kenya", "T-A")] == (1, 1, 1, 3)
    assert rows[("kenya", "X-1")] == (0, 0, 0, 3)
    assert _cells(table, "country", "coverage")[("ghana", "T-A")] == pytest.approx(3 / 6)
    assert _cells(table, "country", "coverage")[("ghana", "X-1")] == pytest.approx(1 / 6)
    assert table["code_id"].tolist()[:4] == ["T-A", "T-B", "T-C", "X-1"]  # codebook-free: alphabetical


def test_code_frequencies_by_round_campaign_and_coder():
    by_round = code_frequencies(CODINGS, by="round", segments=SEGMENTS, sessions=SESSIONS)
    cov = _cells(by_round, "round", "coverage")
    # Round 1 = GH-S01 + KE-S01, 7 segments; T-A on GH-S01-T001, GH-S01-T002, KE-S01-T001.
    assert cov[(1, "T-A")] == pytest.approx(3 / 7) and cov[(1, "T-C")] == pytest.approx(1 / 7)
    assert cov[(2, "X-1")] == pytest.approx(1 / 2) and cov[(2, "T-C")] == 0

    by_campaign = code_frequencies(CODINGS, by="campaign", segments=SEGMENTS, sessions=SESSIONS)
    n = _cells(by_campaign, "campaign_id", "n_segments")
    seg = _cells(by_campaign, "campaign_id", "segments_in_group")
    # GH-S01 is on both Ghana campaigns, so its codings count for both.
    assert (n[("gh-fert", "T-A")], seg[("gh-fert", "T-A")]) == (2, 4)
    assert (n[("gh-mine", "T-A")], seg[("gh-mine", "T-A")]) == (3, 6)
    assert (n[("ke-health", "T-C")], seg[("ke-health", "T-C")]) == (1, 3)

    by_coder = code_frequencies(CODINGS, by="coder", segments=SEGMENTS)
    n = _cells(by_coder, "coder", "n_segments")
    seg = _cells(by_coder, "coder", "segments_in_group")
    # Coder b coded in GH-S01 and GH-S02 only (6 segments); coder a in all three sessions (9).
    assert (n[("a", "T-A")], seg[("a", "T-A")]) == (4, 9)
    assert (n[("b", "T-A")], seg[("b", "T-A")]) == (1, 6)
    assert n[("b", "T-C")] == 0


def test_code_frequencies_rolled_up_to_groups_counts_a_segment_once():
    table = code_frequencies(CODINGS, by=("country",), segments=SEGMENTS, level="group", codebook=CB)
    rows = {(r.country, r.code_id): (r.n_codings, r.n_segments) for r in table.itertuples()}
    # Ghana T: codings 1-7 on GH-S01-T001, -T002, -T003 and GH-S02-T001 (T-A and T-B on one segment count once).
    assert rows == {("ghana", "T"): (7, 4), ("ghana", "X"): (1, 1), ("kenya", "T"): (3, 2), ("kenya", "X"): (0, 0)}
    parent = code_frequencies(CODINGS, by=(), level="parent", codebook=CB)
    assert parent[["code_id", "n_segments"]].values.tolist() == [["T", 6], ["X", 1]]
    assert parent["coverage"].isna().all() and parent["segments_in_group"].isna().all()  # no segments given
    with pytest.raises(ParameterError, match="codebook"):
        code_frequencies(CODINGS, level="group")
    with pytest.raises(CodebookError, match="NOPE"):
        code_frequencies(CODINGS.assign(code_id="NOPE"), level="group", codebook=CB)
    with pytest.raises(ParameterError, match="sessions"):
        code_frequencies(CODINGS, by="round")
    with pytest.raises(ParameterError, match="speaker"):
        code_frequencies(CODINGS, by="speaker")


def test_code_frequencies_agree_with_a_plain_pandas_count():
    codings = synth_codings(3000, 400, 9, n_coders=3, seed=4)
    table = code_frequencies(codings, by=("country", "coder"))
    expected = codings.groupby(["country", "coder", "code_id"]).agg(
        n_codings=("segment_id", "size"), n_segments=("segment_id", "nunique"), n_sessions=("session_id", "nunique"))
    got = table.set_index(["country", "coder", "code_id"])[["n_codings", "n_segments", "n_sessions"]]
    got = got.loc[got["n_codings"] > 0]
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_dtype=False, check_names=False,
                                  check_index_type=False)


def test_codings_are_placed_by_their_segment_and_chosen_by_coder():
    # With the segments table a coding's country and session are its segment's, whatever the coding says.
    expected = code_frequencies(CODINGS, SEGMENTS)
    bare = CODINGS.drop(columns=["country", "session_id"])
    pd.testing.assert_frame_equal(code_frequencies(bare, SEGMENTS), expected)
    pd.testing.assert_frame_equal(code_frequencies(CODINGS.assign(country="kenya"), SEGMENTS), expected)
    with pytest.raises(InputError, match="GH-S09-T001"):
        code_frequencies(pd.concat([CODINGS, CODINGS.iloc[:1].assign(segment_id="GH-S09-T001")]), SEGMENTS)
    # Coder b alone: GH-S01-T001 T-A, GH-S01-T003 T-B, GH-S02-T002 X-1; the denominator stays every segment.
    only_b = code_frequencies(CODINGS, SEGMENTS, coders=["b"])
    assert only_b["code_id"].unique().tolist() == ["T-A", "T-B", "X-1"]
    rows = {(r.country, r.code_id): (r.n_codings, r.n_segments, r.segments_in_group) for r in only_b.itertuples()}
    assert rows[("ghana", "T-A")] == (1, 1, 6) and rows[("kenya", "T-B")] == (0, 0, 3)


def test_a_session_on_no_campaign_is_in_no_campaign_group():
    sessions = SESSIONS.assign(campaign_ids=["gh-fert;gh-mine", "", "ke-health"])
    table = code_frequencies(CODINGS, SEGMENTS, by="campaign", sessions=sessions)
    cells = {(r.campaign_id, r.code_id): (r.n_segments, r.segments_in_group) for r in table.itertuples()}
    # gh-mine keeps GH-S01 only (4 segments); GH-S02's T-A on GH-S02-T001 counts nowhere.
    assert cells[("gh-mine", "T-A")] == (2, 4) and cells[("gh-fert", "T-A")] == (2, 4)
    assert set(table["campaign_id"]) == {"gh-fert", "gh-mine", "ke-health"}
    with pytest.raises(InputError, match="KE-S01"):  # a session missing from the table is an error, not "none"
        code_frequencies(CODINGS, SEGMENTS, by="campaign", sessions=SESSIONS.iloc[:2])


def test_segment_groups_and_coded_segments_are_the_engine_s_building_blocks():
    groups = segment_groups(SEGMENTS, "campaign", sessions=SESSIONS)
    assert list(groups.columns) == ["segment_id", "session_id", "campaign_id"]
    # GH-S01's four segments are on two campaigns, GH-S02's two on one, KE-S01's three on one.
    assert len(groups) == 4 * 2 + 2 + 3
    assert groups.groupby("campaign_id").size().to_dict() == {"gh-fert": 4, "gh-mine": 6, "ke-health": 3}
    with pytest.raises(ParameterError, match="coder"):
        segment_groups(SEGMENTS, "coder")

    pairs = coded_segments(CODINGS, SEGMENTS).set_index(["segment_id", "code_id"])["n_coders"]
    assert len(pairs) == len(CODINGS) - 1  # GH-S01-T001 T-A by a and b is one pair
    assert pairs[("GH-S01-T001", "T-A")] == 2 and pairs[("GH-S01-T003", "T-B")] == 1
    grouped = coded_segments(CODINGS, level="group", codebook=CB).set_index(["segment_id", "code_id"])["n_coders"]
    assert grouped[("GH-S01-T001", "T")] == 2  # T-A (a, b) and T-B (a) roll up to one pair, two coders
    only_a = coded_segments(CODINGS, coders=["a"])
    assert "GH-S01-T003" not in set(only_a["segment_id"]) and only_a["n_coders"].eq(1).all()


# --------------------------------------------------------------------------- co-occurrence


def test_cooccurrence_hand_counted_jaccard_and_lift():
    pairs = cooccurrence(CODINGS, segments=SEGMENTS)
    assert list(pairs.columns) == ["code_a", "code_b", "n_together", "n_a", "n_b", "jaccard", "lift"]
    # Segments with T-A: GH-S01-T001, GH-S01-T002, GH-S02-T001, KE-S01-T001 (two coders on the first count once).
    # With T-B: GH-S01-T001, GH-S01-T003, GH-S02-T001, KE-S01-T002. Both: GH-S01-T001, GH-S02-T001.
    assert pairs[["code_a", "code_b", "n_together", "n_a", "n_b"]].values.tolist() == [
        ["T-A", "T-B", 2, 4, 4], ["T-B", "T-C", 1, 4, 1]]
    assert pairs["jaccard"].tolist() == pytest.approx([2 / 6, 1 / 4])
    assert pairs["lift"].tolist() == pytest.approx([2 * 9 / 16, 1 * 9 / 4])  # N = 9 segments
    # Without the segments table N is the 7 coded segments; sorted by lift, T-B/T-C comes first.
    by_lift = cooccurrence(CODINGS, measure="lift")
    assert by_lift[["code_a", "code_b"]].values.tolist() == [["T-B", "T-C"], ["T-A", "T-B"]]
    assert by_lift["lift"].tolist() == pytest.approx([7 / 4, 2 * 7 / 16])
    grouped = cooccurrence(CODINGS, level="group", codebook=CB)
    assert grouped.empty  # X-1 is never on a segment with a T code
    with pytest.raises(ParameterError, match="measure"):
        cooccurrence(CODINGS, measure="cosine")


def test_cooccurrence_agrees_with_a_self_merge():
    codings = synth_codings(4000, 500, 15, n_coders=2, seed=7)
    pairs = cooccurrence(codings)
    coded = codings[["segment_id", "code_id"]].drop_duplicates()
    merged = coded.merge(coded, on="segment_id")
    merged = merged.loc[merged["code_id_x"] < merged["code_id_y"]]
    expected = merged.groupby(["code_id_x", "code_id_y"]).size()
    got = pairs.set_index(["code_a", "code_b"])["n_together"]
    assert got.sort_index().tolist() == expected.sort_index().tolist()
    assert list(got.sort_index().index) == list(expected.sort_index().index)
    per_code = coded.groupby("code_id").size()
    jaccard = expected / (per_code.reindex(expected.index.get_level_values(0)).to_numpy()
                          + per_code.reindex(expected.index.get_level_values(1)).to_numpy() - expected)
    assert pairs.set_index(["code_a", "code_b"])["jaccard"].sort_index().to_numpy() == pytest.approx(
        jaccard.sort_index().to_numpy())


# --------------------------------------------------------------------------- framework matrix, quotes, rounds


def test_framework_matrix_counts_and_deterministic_quotes():
    matrix = framework_matrix(CODINGS, SEGMENTS, quotes_per_cell=1, max_quote_chars=40, codebook=CB)
    assert list(matrix.columns) == ["country", "code_id", "n_codings", "n_segments", "n_sessions",
                                    "segments_in_group", "coverage", "quotes", "quote_segment_ids"]
    assert len(matrix) == 2 * 4  # 2 countries x 4 codes used, empty cells included
    cell = matrix.set_index(["country", "code_id"])
    # Ghana T-A: GH-S01-T001 has two coders, so it wins over the longer GH-S01-T002.
    assert cell.loc[("ghana", "T-A"), "quote_segment_ids"] == "GH-S01-T001"
    assert cell.loc[("ghana", "T-A"), "quotes"] == "“We met the budget officer.” (facilitator 1, GH-S01-T001)"
    # Ghana T-B: one coder each, so the longest (GH-S02-T001), cut at a word before 40 characters.
    assert cell.loc[("ghana", "T-B"), "quote_segment_ids"] == "GH-S02-T001"
    assert cell.loc[("ghana", "T-B"), "quotes"].startswith("“Next round we will bring the district…”")
    assert cell.loc[("ghana", "T-C"), "quotes"] == "" and cell.loc[("ghana", "T-C"), "n_segments"] == 0

    two = framework_matrix(CODINGS, SEGMENTS, case="session_id", codes=["T-B", "T-A"], quotes_per_cell=2)
    assert two["code_id"].unique().tolist() == ["T-B", "T-A"]
    assert two.set_index(["session_id", "code_id"]).loc[("GH-S01", "T-B"), "quote_segment_ids"] == \
        "GH-S01-T003;GH-S01-T001"  # longest first
    by_campaign = framework_matrix(CODINGS, SEGMENTS, case="campaign", sessions=SESSIONS)
    # GH-S01 is on both Ghana campaigns and says of no turn whose it is: its turns are one shared case, counted once
    # (gh-fert has no session of its own).
    assert sorted(by_campaign["campaign_id"].unique()) == ["gh-fert+gh-mine", "gh-mine", "ke-health"]
    assert by_campaign.groupby("campaign_id")["segments_in_group"].first().sum() == len(SEGMENTS)


def test_framework_matrix_to_excel_protects_against_formulas(tmp_path):
    matrix = framework_matrix(CODINGS, SEGMENTS, case="session_id", quotes_per_cell=1)
    matrix.loc[matrix["session_id"] == "GH-S02", "session_id"] = "=HYPERLINK(\"http://evil\")"
    path = framework_matrix_to_excel(matrix, tmp_path / "matrix.xlsx", codebook=CB)
    book = openpyxl.load_workbook(path)
    sheet, counts = book["Framework matrix"], book["Counts"]
    assert sheet.cell(1, 2).value == "T-A\nAgency"
    cases = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    assert cases == ["GH-S01", "'=HYPERLINK(\"http://evil\")", "KE-S01"]
    assert all(sheet.cell(r, 1).data_type == "s" for r in range(2, 5))
    # GH-S01 x T-B: 2 segments of 4; the longer one is the =SUM text, quoted inside the cell.
    text = sheet.cell(2, 3).value
    assert text.startswith("2 segment(s) (50%)\n\n“=SUM(A1) is what the clerk typed”")
    assert sheet.cell(2, 3).alignment.wrap_text
    assert [[counts.cell(r, c).value for c in range(2, 6)] for r in range(2, 5)] == [[2, 2, 0, 0], [1, 1, 0, 1],
                                                                                     [1, 1, 1, 0]]


def test_quotes_with_context_from_the_same_session_only():
    found = quotes("T-A", CODINGS, SEGMENTS, sessions=SESSIONS)
    assert found["segment_id"].tolist() == ["GH-S01-T001", "GH-S01-T002", "KE-S01-T001", "GH-S02-T001"]  # by date
    first = found.iloc[0]
    assert first["context_before"] == "" and first["coders"] == "a;b" and first["n_coders"] == 2
    assert first["context_after"] == "partner staff 2: " + _TEXTS["GH-S01-T002"]
    # GH-S02-T001 opens its session: no context from GH-S01's last turn.
    assert found.iloc[3]["context_before"] == ""
    assert found.iloc[3]["date"] == pd.Timestamp("2024-06-01")
    wide = quotes("T", CODINGS, SEGMENTS, context=2, codebook=CB)  # every code under T
    assert len(wide) == 7 - 1  # segments with a T code (GH-S02-T002 only has X-1)
    row = wide.set_index("segment_id").loc["GH-S01-T003"]
    assert row["context_before"].split("\n") == ["facilitator 1: " + _TEXTS["GH-S01-T001"],
                                                 "partner staff 2: " + _TEXTS["GH-S01-T002"]]
    assert row["codes"] == "T-B"
    assert quotes("T-C", CODINGS, SEGMENTS, context=0).iloc[0]["context_after"] == ""
    assert quotes("NONE", CODINGS, SEGMENTS).empty


def test_themes_over_rounds_shares():
    table = themes_over_rounds(CODINGS, SEGMENTS, SESSIONS)
    assert list(table.columns) == ["round", "code_id", "n_codings", "n_segments", "n_sessions", "segments_in_group",
                                   "coverage"]
    share = _cells(table, "round", "coverage")
    assert share[(1, "T-B")] == pytest.approx(3 / 7) and share[(2, "T-B")] == pytest.approx(1 / 2)
    per_country = themes_over_rounds(CODINGS, SEGMENTS, SESSIONS, by="country")
    ghana = per_country.loc[(per_country["country"] == "ghana") & (per_country["code_id"] == "T-A")]
    assert ghana[["round", "n_segments", "segments_in_group"]].values.tolist() == [[1, 2, 4], [2, 1, 2]]
    # The same table as code_frequencies by country and round: one engine, one set of columns.
    pd.testing.assert_frame_equal(per_country, code_frequencies(CODINGS, SEGMENTS, by=["country", "round"],
                                                                sessions=SESSIONS))


# --------------------------------------------------------------------------- figures


def test_figures_draw_the_table_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sparklearn.report import figures as plots

    freq = code_frequencies(CODINGS, by="country", segments=SEGMENTS)
    fig = plots.plot_code_frequencies(freq, top=3)
    heights = sorted(p.get_width() for ax in fig.axes for p in ax.patches)
    assert len(fig.axes) == 2 and heights == sorted([3, 3, 1, 1, 1, 1])  # top 3 per country
    plt.close(fig)

    fig = plots.plot_cooccurrence(cooccurrence(CODINGS))
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (3, 3) and image[0, 1] == pytest.approx(1 / 3) and image[1, 0] == pytest.approx(1 / 3)
    plt.close(fig)

    fig = plots.plot_framework_matrix(framework_matrix(CODINGS, SEGMENTS))
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2, 4) and image.tolist()[0] == [3, 3, 0, 1]
    plt.close(fig)

    fig = plots.plot_themes_over_rounds(themes_over_rounds(CODINGS, SEGMENTS, SESSIONS), top=2)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and list(lines[0].get_ydata()) == pytest.approx([3 / 7, 1 / 2])
    plt.close(fig)
