"""The decisions register (issue 14, the learning loop): template, reading and checking, prepare, analysis, words."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from sparklearn.analysis.decisions import (
    as_of_date,
    course_changes,
    decision_outcomes,
    follow_through,
)
from sparklearn.codebook import load_codebook
from sparklearn.config import resolve_paths
from sparklearn.countries import load_registry
from sparklearn.ingest.decisions import (
    DECISION_COLUMNS,
    HEADERS,
    REGISTER_COLUMNS,
    read_decisions,
)
from sparklearn.prepare import TABLE_COLUMNS
from sparklearn.report.decision_sheets import write_decisions
from sparklearn.report.decisions import (
    decisions_for_readers,
    describe_course_changes,
    describe_decisions,
    describe_follow_through,
    plot_follow_through,
)
from sparklearn.store import country_tables, load_processed

CODEBOOK = load_codebook()
REGISTRY = load_registry()

SESSIONS = pd.DataFrame({
    "session_id": ["KE-S01", "KE-S02", "KE-S03"],
    "date": pd.to_datetime(["2023-01-10", "2023-04-10", "2023-08-01"]),
    "campaign_ids": ["ke-primary-health", "ke-baringo-water", "ke-primary-health;ke-baringo-water"],
    "round": [1, 2, 3], "title": ["R1", "R2", "R3"], "country": "kenya",
})


def _register(tmp_path, rows: list[dict], name: str = "decisions.csv"):
    path = tmp_path / name
    frame = pd.DataFrame(rows).rename(columns={"decision_id": "Decision ID", "session_id": "Session",
                                               "decision": "Decision"})
    frame.to_csv(path, index=False)
    return path


def _read(path, **kw):
    return read_decisions(path, country="kenya", codebook=CODEBOOK, registry=REGISTRY, sessions=SESSIONS, **kw)


def test_a_good_row_is_read_with_the_session_filling_date_and_campaign(tmp_path):
    path = _register(tmp_path, [{"decision_id": "KE-D01", "session_id": "ke-s01",
                                 "decision": "Ask the assembly's health committee for a hearing.",
                                 "Strategic component": "Strengthen and leverage the accountability ecosystem",
                                 "Addresses (codes)": "br-closedspace; Lack of information",
                                 "Status": "In progress", "Due by": "31/03/2023", "Outcomes it led to": "KE-O002"}])
    checked = _read(path, outcome_ids=["KE-O001", "KE-O002"])
    row = checked.accepted.iloc[0]
    assert list(checked.accepted.columns) == DECISION_COLUMNS == list(TABLE_COLUMNS["decisions"])
    assert (row["session_id"], row["campaign_id"], row["date"]) == ("KE-S01", "ke-primary-health",
                                                                   pd.Timestamp("2023-01-10"))
    assert (row["strategic_component"], row["addresses"], row["status"]) == (
        "SC-ECOSYSTEM", "BR-CLOSEDSPACE;BR-INFORMATION", "in-progress")
    assert row["due_date"] == pd.Timestamp("2023-03-31") and row["outcome_ids"] == "KE-O002"
    assert checked.problems.empty


@pytest.mark.parametrize(("row", "column", "rule"), [
    # The column is named as the file heads it (the template's header where the file lacks the column).
    ({"decision_id": "", "session_id": "KE-S01", "decision": "x"}, "Decision ID", "Decision ID is empty"),
    ({"decision_id": "D1", "session_id": "", "decision": "x"}, "Session", "Session is empty"),
    ({"decision_id": "D1", "session_id": "KE-S01", "decision": ""}, "Decision", "Decision is empty"),
    ({"decision_id": "D1", "session_id": "KE-S99", "decision": "x"}, "Session", "not a session of this country"),
    ({"decision_id": "D1", "session_id": "KE-S01", "decision": "x", "Campaign": "gh-fertiliser"}, "Campaign",
     "not a campaign of this country"),
    ({"decision_id": "D1", "session_id": "KE-S03", "decision": "x"}, "Campaign",
     "the session is about several campaigns: say which"),
    ({"decision_id": "D1", "session_id": "KE-S01", "decision": "x", "Decided on": "2092-01-01"}, "Decided on",
     "date cannot be right"),
    ({"decision_id": "D1", "session_id": "KE-S01", "decision": "x", "Decided on": "next week"}, "Decided on",
     "not a date"),
])
def test_rows_that_cannot_be_taken_are_rejected_with_row_column_value_and_fix(tmp_path, row, column, rule):
    checked = _read(_register(tmp_path, [row]))
    assert checked.accepted.empty and len(checked.rejected) == 1
    problem = checked.problems.loc[checked.problems["severity"] == "error"].iloc[0]
    assert (problem["row"], problem["column"], problem["rule"]) == (2, column, rule)
    assert problem["fix"] and str(problem["file"]).endswith("decisions.csv")
    assert rule in checked.rejected["problem"].iloc[0]


def test_doubtful_values_warn_and_keep_the_decision(tmp_path):
    path = _register(tmp_path, [
        {"decision_id": "D1", "session_id": "KE-S01", "decision": "x", "Status": "finsihed",
         "Addresses (codes)": "BR-INFORMATON", "Outcomes it led to": "KE-O001; KE-O404",
         "Decided on": "2023-01-12", "Due by": "2023-01-02"},
        {"decision_id": "D1", "session_id": "KE-S02", "decision": "y"},
    ])
    checked = _read(path, outcome_ids=["KE-O001"])
    assert checked.accepted["decision_id"].tolist() == ["D1"]  # the second D1 is rejected
    warnings = checked.problems.loc[checked.problems["severity"] == "warning"].set_index("column")
    assert warnings.at["Status", "rule"] == "not a status" and "Done" in warnings.at["Status", "fix"]
    assert "did you mean BR-INFORMATION" in warnings.at["Addresses (codes)", "value"]
    assert warnings.at["Outcomes it led to", "value"] == "KE-O404"
    assert warnings.at["Due by", "rule"] == "due before it was decided"
    row = checked.accepted.iloc[0]
    assert pd.isna(row["status"]) and pd.isna(row["addresses"]) and row["outcome_ids"] == "KE-O001"
    errors = checked.problems.loc[checked.problems["severity"] == "error"]
    assert errors[["row", "rule"]].values.tolist() == [[3, "decision id used twice"]]


def test_missing_required_columns_reject_every_row_and_say_so_at_the_header(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("Decision ID,Notes\nD1,something\nD2,else\n", encoding="utf-8")
    checked = _read(path)
    assert checked.accepted.empty and len(checked.rejected) == 2
    header = checked.problems.loc[checked.problems["row"] == 1]
    assert set(header["column"]) >= {"Session", "Decision", "Notes"}  # missing: the template's headers
    assert set(header.loc[header["column"] == "Notes", "severity"]) == {"warning"}  # not read, said so


def _problems(checked) -> set[tuple]:
    return set(checked.problems[["row", "column", "rule"]].itertuples(index=False, name=None))


def test_problems_name_the_column_by_the_workbooks_header_and_letter(tmp_path):
    # The template's headers: a bad due date is in 'Due by', column I, not in 'due_date'.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Decisions"
    sheet.append([HEADERS[c] for c in REGISTER_COLUMNS])
    cells = {"decision_id": "D1", "session_id": "KE-S01", "decision": "x", "due_date": "next week",
             "status": "sorta done"}
    sheet.append([cells.get(c) for c in REGISTER_COLUMNS])
    sheet.append(["D2", "KE-S01", None, "yesterday", None, None, "y"])
    book.save(tmp_path / "decisions.xlsx")
    assert _problems(_read(tmp_path / "decisions.xlsx")) == {
        (2, "Due by (I)", "not a date"), (2, "Status (J)", "not a status"), (3, "Decided on (D)", "not a date")}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_problems_name_renamed_and_synonym_headers_as_written(tmp_path, suffix):
    # Headers read through synonyms; the lead still reads the header they typed (runs of spaces made one).
    header = ["ID", "Reflection  session", "What was decided", "Date decided", "Due date", "Notes"]
    rows = [["", "KE-S99", "x", "2092-01-01", "soon", "mine"]]
    path = tmp_path / f"decisions{suffix}"
    if suffix == ".csv":
        pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    else:
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    letters = {"ID": "A", "Reflection session": "B", "Date decided": "D", "Due date": "E", "Notes": "F"}
    named = {text: f"{text} ({letter})" if suffix == ".xlsx" else text for text, letter in letters.items()}
    assert _problems(_read(path)) == {
        (1, named["Notes"], "column not read"),
        (2, named["ID"], "Decision ID is empty"),
        (2, named["Reflection session"], "not a session of this country"),
        (2, named["Date decided"], "date cannot be right"),
        (2, named["Due date"], "not a date"),
    }


def test_the_template_round_trips_with_dropdowns_and_formula_text_kept_as_text(tmp_path):
    rows = pd.DataFrame({"decision_id": ["D1"], "session_id": ["KE-S02"], "decision": ["=HYPERLINK(\"x\")"],
                         "status": ["done"], "date": [pd.Timestamp("2023-04-11")], "follow_up": ["+call back"]})
    path = write_decisions(rows, tmp_path / "decisions.xlsx", country="kenya", registry=REGISTRY, codebook=CODEBOOK,
                           sessions=SESSIONS)
    book = openpyxl.load_workbook(path)
    sheet = book["Decisions"]
    assert [c.value for c in sheet[1]][:3] == ["Decision ID", "Session", "Campaign"]
    assert sheet["G2"].data_type == "s" and sheet["G2"].value.endswith('HYPERLINK("x")')
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in sheet.data_validations.dataValidation
             if dv.type == "list"}
    assert set(lists) == {"B", "C", "F", "J"}  # session, campaign, strategic component, status
    listed = [book["Lists"].cell(r, 1).value for r in range(2, 5)]
    assert listed == ["KE-S01", "KE-S02", "KE-S03"] and book["Lists"].sheet_state == "hidden"
    checked = _read(path)
    assert checked.accepted.iloc[0]["decision"] == rows.at[0, "decision"]  # the text as typed, never run
    assert checked.accepted.iloc[0]["campaign_id"] == "ke-baringo-water"


def test_prepare_keeps_the_register_pseudonymised_and_reports_its_problems(kenya_data, tmp_path):
    paths = resolve_paths(data=kenya_data, out=tmp_path)
    people = pd.read_csv(kenya_data / "kenya" / "participants.csv", comment="#")
    name = str(people["name"].iloc[0])
    book = openpyxl.load_workbook(kenya_data / "kenya" / "decisions.xlsx")
    sheet = book["Decisions"]
    sheet["G2"] = f"{name} will write to the committee."
    sheet["B3"] = "KE-S404"
    book.save(kenya_data / "kenya" / "decisions.xlsx")

    tables = country_tables("kenya", paths)

    assert name not in " ".join(tables.decisions["decision"].astype(str))
    assert tables.manifest["tables"]["decisions"]["rejected"] == 1
    bad = tables.problems.loc[tables.problems["rule"] == "not a session of this country"]
    assert bad[["row", "column", "value"]].astype(str).values.tolist() == [["3", "Session (B)", "KE-S404"]]
    written = (tmp_path / "processed" / "kenya" / "rejected_decisions.csv").read_text(encoding="utf-8")
    assert "KE-S404" in written and name not in written


def test_a_country_without_a_register_has_an_empty_table_and_no_problem(kenya_data, tmp_path):
    (kenya_data / "kenya" / "decisions.xlsx").unlink()
    tables = country_tables("kenya", resolve_paths(data=kenya_data, out=tmp_path))
    assert tables.decisions.empty and list(tables.decisions.columns) == list(TABLE_COLUMNS["decisions"])
    assert not tables.problems["file"].astype(str).str.contains("decisions").any()
    assert describe_decisions(follow_through(tables.decisions)).startswith("The team keeps no decisions register")


DECISIONS = pd.DataFrame({
    "country": "kenya", "decision_id": ["D1", "D2", "D3", "D4", "D5"],
    "campaign_id": "ke-primary-health", "session_id": ["KE-S01", "KE-S01", "KE-S02", "KE-S02", "KE-S03"],
    "date": pd.to_datetime(["2023-01-10", "2023-01-10", "2023-04-10", "2023-04-10", "2023-08-01"]),
    "strategic_component": ["SC-AGENCY", "SC-AGENCY", "SC-ECOSYSTEM", "SC-AGENCY", "SC-ECOSYSTEM"],
    "status": ["done", "dropped", "done", "in-progress", None],
    "follow_up": ["Happened.", "Moment passed.", None, None, None],
    "due_date": pd.to_datetime(["2023-02-01", "2023-02-01", "2023-05-01", "2023-05-01", "2024-06-01"]),
    "outcome_ids": ["O1;O2", None, "O3", None, None],
})
OUTCOMES = pd.DataFrame({"country": "kenya", "outcome_id": ["O1", "O2", "O3"],
                         "date": pd.to_datetime(["2023-03-11", "2023-06-01", "2023-05-10"]),
                         "type_of_change": ["agenda", "budget", "policy"], "substantiation": "not-yet"})


def test_follow_through_counts_add_up_and_measure_time_to_the_first_outcome():
    as_of = as_of_date(SESSIONS, OUTCOMES, DECISIONS)
    assert as_of == pd.Timestamp("2023-08-01")
    table = follow_through(DECISIONS, as_of=as_of, outcomes=OUTCOMES).iloc[0]
    assert (table["n_decisions"], table["done"], table["dropped"], table["open"]) == (5, 2, 1, 2)
    assert table["done"] + table["dropped"] + table["open"] == table["n_decisions"]
    # D4 was due on 1 May and has no note; D5 is not due yet.
    assert (table["due"], table["never_followed_up"], table["with_outcome"]) == (1, 1, 2)
    # D1 -> O1 after 60 days (its first), D3 -> O3 after 30 days: median 45.
    assert table["median_days_to_outcome"] == 45


def test_links_and_course_changes():
    links = decision_outcomes(DECISIONS, OUTCOMES, SESSIONS)
    assert links[["decision_id", "outcome_id", "days", "round"]].values.tolist() == [
        ["D1", "O1", 60, 1], ["D1", "O2", 142, 1], ["D3", "O3", 30, 2]]
    changes = course_changes(DECISIONS, SESSIONS)
    assert changes[["round", "components", "new_components", "changed_course", "dropped"]].values.tolist() == [
        [1, "SC-AGENCY", "", False, 1], [2, "SC-AGENCY;SC-ECOSYSTEM", "SC-ECOSYSTEM", True, 0],
        [3, "SC-ECOSYSTEM", "", False, 0]]
    assert describe_course_changes(changes).startswith("Of 2 rounds that followed an earlier round")


def test_words_say_the_numbers_and_the_caveat_and_never_rank():
    follow = follow_through(DECISIONS, as_of="2023-08-01", outcomes=OUTCOMES)
    said = describe_decisions(follow, as_of=pd.Timestamp("2023-08-01"))
    assert "5 decisions" in said and "2 done (40%)" in said and "1 of them has no follow-up note" in said
    assert "median time from a decision to its first linked outcome was 45 days" in said
    assert "not a test of cause" in said
    other = pd.DataFrame({"country": ["ghana", "senegal"], "n_decisions": [10, 0], "done": [9, 0],
                          "never_followed_up": [0, 0], "with_outcome": [3, 0]})
    compared = describe_follow_through(pd.concat([follow, other]), names={"kenya": "Kenya", "ghana": "Ghana",
                                                                         "senegal": "Senegal"})
    assert "from 40% (Kenya, 2 of 5) to 90% (Ghana, 9 of 10)" in compared and "Senegal keeps none" in compared
    assert "not as a ranking" in compared
    for word in ("better", "worse", "significant"):
        assert word not in compared


def test_a_register_that_could_not_be_read_is_not_called_missing():
    none = follow_through(DECISIONS.iloc[0:0], as_of="2023-08-01", outcomes=OUTCOMES)
    assert describe_decisions(none).startswith("The team keeps no decisions register yet")
    broken = pd.DataFrame({"file": ["/data/kenya/decisions.xlsx", "/data/kenya/outcomes.xlsx"], "severity": "error"})
    said = describe_decisions(none, problems=broken)
    assert "register is there, but no decision could be read" in said and "Data quality" in said
    # An error about another file, or only warnings about the register, change nothing.
    assert describe_decisions(none, problems=broken.iloc[1:]).startswith("The team keeps no decisions register")
    assert describe_decisions(none, problems=broken.assign(severity="warning")).startswith("The team keeps no")


def test_the_figure_shows_every_decision_once_with_a_legend_and_alt_text():
    follow = follow_through(DECISIONS, as_of="2023-08-01")
    fig = plot_follow_through(follow, names={"kenya": "Kenya"})
    ax = fig.axes[0]
    assert sum(p.get_width() for p in ax.patches) == 5
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["done", "dropped"]
    assert "Kenya: 2 done, 1 dropped, 1 never followed up, of 5" in fig.sparklearn_alt


def test_readers_get_names_rounds_and_labels_not_ids():
    table = decisions_for_readers(DECISIONS.assign(decision="x", addresses="BR-INFORMATION"),
                                  campaigns={"ke-primary-health": "Primary health care"},
                                  labels={"SC-AGENCY": "Bolster agency", "BR-INFORMATION": "Lack of information"},
                                  sessions=SESSIONS)
    assert table.iloc[0][["session", "campaign", "strategic component", "responds to", "status"]].tolist() == [
        "round 1", "Primary health care", "Bolster agency", "Lack of information", "done"]
    assert table.iloc[4]["status"] == "not recorded" and table.attrs["caption"].startswith("The decisions register")


def test_the_demo_registers_differ_between_countries_as_designed(tmp_path):
    data = load_processed(resolve_paths(out=tmp_path))
    follow = follow_through(data.decisions, as_of=as_of_date(data.sessions, data.outcomes, data.decisions))
    share = follow.set_index("country")["done"] / follow.set_index("country")["n_decisions"]
    assert set(follow["country"]) == set(REGISTRY.slugs)
    assert share["kenya"] > 0.7 and share["indonesia"] < 0.35
    assert follow.set_index("country").loc["indonesia", "never_followed_up"] > 5
    assert data.decisions["addresses"].str.startswith("BR-").sum() > 30  # decisions respond to barriers


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", "Decision ID,Session,Decision\n".encode()])
def test_an_empty_register_is_a_register_without_decisions_yet(tmp_path, content):
    path = tmp_path / "decisions.csv"
    path.write_bytes(content)
    checked = _read(path)
    assert checked.accepted.empty and checked.rejected.empty
    assert checked.problems[["severity"]].values.tolist() == [["warning"]]


def test_hostile_text_is_kept_as_written_and_escaped_for_readers(tmp_path):
    path = _register(tmp_path, [{"decision_id": "D1", "session_id": "KE-S01", "decision": "=cmd|' /C calc'!A0"},
                                {"decision_id": "D2", "session_id": "KE-S01", "decision": "<script>alert(1)</script>"}])
    checked = _read(path)
    assert checked.accepted["decision"].tolist() == ["=cmd|' /C calc'!A0", "<script>alert(1)</script>"]
    from sparklearn.report.tables import table_html

    html = table_html(decisions_for_readers(checked.accepted))
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(("encoding", "separator"), [("utf-8-sig", ";"), ("utf-16", "\t")])
def test_registers_saved_by_excel_in_other_locales_are_read(tmp_path, encoding, separator):
    """French-locale Excel saves CSV with semicolons; "Unicode Text" is UTF-16 with tabs."""
    path = tmp_path / "decisions.csv"
    rows = [["Decision ID", "Session", "Decision", "Status"],
            ["SN-D01", "KE-S01", "Écrire au maire, puis relancer", "Fait"],
            ["SN-D02", "KE-S02", "Demander l'audit", "done"]]
    path.write_bytes("\n".join(separator.join(r) for r in rows).encode(encoding))
    checked = _read(path)
    assert checked.accepted["decision"].tolist() == ["Écrire au maire, puis relancer", "Demander l'audit"]
    assert checked.accepted["status"].tolist()[1] == "done"
    assert not (checked.problems["severity"] == "error").any()


def test_a_second_register_beside_the_first_is_named_not_silently_ignored(kenya_data, tmp_path):
    (kenya_data / "kenya" / "decisions.csv").write_text("Decision ID,Session,Decision\nX1,KE-S01,y\n",
                                                       encoding="utf-8")
    tables = country_tables("kenya", resolve_paths(data=kenya_data, out=tmp_path))
    twice = tables.problems.loc[tables.problems["rule"].str.startswith("two decisions registers")]
    assert twice["file"].str.endswith("decisions.csv").tolist() == [True]
    assert "X1" not in set(tables.decisions["decision_id"])  # the workbook is the one read


def test_a_second_harvest_beside_the_first_is_named_too(kenya_data, tmp_path):
    (kenya_data / "kenya" / "outcomes.csv").write_text("Outcome ID,Campaign ID,Outcome\nX,ke-primary-health,y\n",
                                                      encoding="utf-8")
    tables = country_tables("kenya", resolve_paths(data=kenya_data, out=tmp_path))
    twice = tables.problems.loc[tables.problems["rule"].str.startswith("two outcome harvests")]
    assert twice["file"].str.endswith("outcomes.csv").tolist() == [True]


def test_both_registers_share_one_layout_and_refuse_what_excel_cannot_hold(tmp_path):
    """The harvest and the decisions register come from one writer: same sheets, header style, filters,
    date columns, a strict dropdown only where a list is strict, and no control character or over-long cell."""
    from sparklearn.exceptions import ParameterError
    from sparklearn.report.sheets import write_harvest

    rows = pd.DataFrame({"decision_id": ["D1"], "session_id": ["KE-S02"], "decision": ["call the\x07 county"],
                         "due_date": [pd.Timestamp("2023-05-01")]})
    decisions = openpyxl.load_workbook(write_decisions(rows, tmp_path / "d.xlsx", country="kenya", registry=REGISTRY,
                                                       codebook=CODEBOOK, sessions=SESSIONS))
    harvest = openpyxl.load_workbook(write_harvest(pd.DataFrame({"outcome_id": ["KE-O1"]}), tmp_path / "h.xlsx",
                                                   country="kenya", registry=REGISTRY, codebook=CODEBOOK))
    for book, sheet, dates in ((decisions, "Decisions", ["D", "I"]), (harvest, "Outcomes", ["D"])):
        assert book.sheetnames == [sheet, "Guidance", "Lists"] and book["Lists"].sheet_state == "hidden"
        ws = book[sheet]
        assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("1F4E79")
        assert [k for k, d in ws.column_dimensions.items() if d.number_format == "yyyy-mm-dd"] == dates
        # One validation per column: every column has its input message.
        assert len(ws.data_validations.dataValidation) == ws.max_column
        assert all(dv.showInputMessage and dv.prompt and len(dv.prompt) <= 255 for dv in ws.data_validations.dataValidation)
    strict = {str(dv.sqref)[0] for dv in harvest["Outcomes"].data_validations.dataValidation if dv.type == "list"}
    assert "N" not in strict and {"B", "C", "F"} <= strict  # strategic components take several ids: no strict list
    assert decisions["Decisions"]["G2"].value == "call the county"  # a control character no .xlsx can hold
    assert decisions["Decisions"]["I2"].number_format == "yyyy-mm-dd"
    assert _read(tmp_path / "d.xlsx").accepted.iloc[0]["decision"] == "call the county"
    with pytest.raises(ParameterError, match=r"Decisions row 2, column 'Decision' is longer than Excel's 32,767"):
        write_decisions(rows.assign(decision="x" * 40_000), tmp_path / "long.xlsx", country="kenya",
                        registry=REGISTRY, codebook=CODEBOOK)
    assert not (tmp_path / "long.xlsx").exists()


def test_a_header_written_twice_in_a_workbook_is_named_at_both_places(tmp_path):
    # pandas would read the second 'Status' as 'Status.1', a column nobody wrote, and leave its values unread.
    path = write_decisions(pd.DataFrame({"decision_id": ["D1"], "session_id": ["KE-S02"], "decision": ["a"]}),
                           tmp_path / "decisions.xlsx", country="kenya", registry=REGISTRY, codebook=CODEBOOK,
                           sessions=SESSIONS)
    book = openpyxl.load_workbook(path)
    book["Decisions"]["M1"], book["Decisions"]["M2"] = "Status", "done"
    book.save(path)
    from sparklearn.exceptions import InputError

    with pytest.raises(InputError, match=r"two columns have the same name: 'Status \(J\)' and 'Status \(M\)'"):
        _read(path)


def test_a_formula_excel_saved_no_result_for_is_named_not_read_as_empty(tmp_path):
    # openpyxl (and any program but Excel) saves the formula without its value: read as values, the cell is
    # empty, so the follow-up would vanish without a word. Also a row holding nothing but such a formula.
    path = write_decisions(pd.DataFrame({"decision_id": ["D1", "D2"], "session_id": ["KE-S02", "KE-S02"],
                                         "decision": ["a", "b"]}), tmp_path / "decisions.xlsx", country="kenya",
                           registry=REGISTRY, codebook=CODEBOOK, sessions=SESSIONS)
    book = openpyxl.load_workbook(path)
    book["Decisions"]["K3"] = "=1+1"
    book["Decisions"]["G5"] = '=CONCAT("a", "b")'
    book.save(path)
    checked = _read(path)
    formulas = checked.problems.loc[checked.problems["rule"] == "formula without a saved result"]
    assert formulas[["row", "column", "value", "severity"]].values.tolist() == [
        [3, "Follow-up (K)", "=1+1", "error"], [5, "Decision (G)", '=CONCAT("a", "b")', "error"]]
    # Row 3 is set aside; row 5 held nothing else, so there is no row to set aside, only the error to read.
    assert checked.accepted["decision_id"].tolist() == ["D1"] and checked.rejected["source_row"].tolist() == [3]


def test_a_rejected_decision_keeps_what_was_typed_to_fix_it(tmp_path):
    path = _register(tmp_path, [{"decision_id": "D1", "session_id": "KE-S01", "decision": "call", "Due by": "next week"},
                                {"decision_id": "D2", "session_id": "KE-S01", "decision": "write", "Due by": "2023-02-01"}])
    checked = _read(path)
    assert checked.accepted["decision_id"].tolist() == ["D2"]
    assert checked.rejected[["decision_id", "due_date", "decision"]].values.tolist() == [["D1", "next week", "call"]]
    assert checked.rejected["problem"].str.contains("date").all()
