"""Outcome harvests: template, reading and validation rules, summaries, export for readers."""

from __future__ import annotations

import html
import math
import re
from datetime import datetime
from pathlib import Path

import matplotlib
import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from sparklearn.analysis.outcomes import (
    contribution_matrix,
    counts_by,
    outcome_chains,
    outcome_graph,
    substantiation_rates,
    timeline,
)
from sparklearn.codebook import codebook_from_dict, load_codebook, vocabulary
from sparklearn.config import find_project

DEMO_DATA = find_project(__file__).data  # this checkout's demo data
from sparklearn.countries import load_registry
from sparklearn.exceptions import InputError
from sparklearn.files import protect_formulas
from sparklearn.ingest.harvest import read_harvest
from sparklearn.ingest.harvest_schema import (
    CONTROLLED,
    HARVEST_COLUMNS,
    HEADERS,
    OUTCOME_COLUMNS,
    column_guidance,
    outcome_schema,
)
from sparklearn.report import figures as plots
from sparklearn.report.sheets import harvest_template, write_harvest
from sparklearn.report.tables import outcome_cards, outcomes_for_readers, table_html

matplotlib.use("Agg")

FIXTURES = Path(__file__).parent / "fixtures" / "outcomes"
REGISTRY = load_registry(DEMO_DATA / "countries.yaml")
CODEBOOK = load_codebook(DEMO_DATA / "codebook.yaml")
KENYA_CAMPAIGNS = REGISTRY.campaigns_of("kenya")["campaign_id"].tolist()


def _read(path: Path, country: str = "kenya"):
    return read_harvest(path, country=country, registry=REGISTRY, codebook=CODEBOOK)


def _small() -> pd.DataFrame:
    frame = pd.read_csv(FIXTURES / "small.csv", dtype="string")
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _rules(checked) -> set[tuple]:
    return set(checked.problems[["row", "column", "rule", "severity"]].itertuples(index=False, name=None))


def _workbook(path: Path, header: list[str], rows: list[list], *, title: str = "Outcomes") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return book


# ------------------------------------------------------------------ template


def _list_values(book: openpyxl.Workbook, formula: str) -> list[str]:
    sheet_name, ref = formula.lstrip("=").split("!")
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    sheet = book[sheet_name]
    return [sheet.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def test_template_has_a_dropdown_covering_the_vocabulary_for_every_controlled_column(tmp_path):
    path = harvest_template("kenya", tmp_path / "t.xlsx", registry=REGISTRY, codebook=CODEBOOK)
    book = openpyxl.load_workbook(path)
    sheet = book["Outcomes"]
    assert [c.value for c in sheet[1]] == [HEADERS[c] for c in HARVEST_COLUMNS]
    assert sheet.freeze_panes == "B2" and book["Lists"].sheet_state == "hidden"
    lists = {}
    for dv in sheet.data_validations.dataValidation:
        if dv.type != "list":
            continue
        for ref in str(dv.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            assert min_col == max_col and min_row == 2 and max_row >= 1000
            lists[HARVEST_COLUMNS[min_col - 1]] = _list_values(book, dv.formula1)
    expected = {c: vocabulary(CODEBOOK, c)["id"].tolist() for c in CONTROLLED}
    expected |= {"country": ["kenya"], "campaign_id": KENYA_CAMPAIGNS}
    expected |= {c: vocabulary(CODEBOOK, c)["id"].tolist() for c in ("kind_of_change", "budget_stage")}
    currencies = lists.pop("currency")
    assert {"KES", "XOF", "USD"} <= set(currencies) and currencies == sorted(currencies)
    assert lists == expected
    # Multi-value columns get guidance, not a strict list.
    prompts = {HARVEST_COLUMNS[range_boundaries(str(dv.sqref))[0] - 1]: dv.prompt
               for dv in sheet.data_validations.dataValidation if dv.type is None}
    assert "';'" in prompts["strategic_components"] and "';'" in prompts["builds_on"]
    assert all(len(p) <= 255 for p in prompts.values())
    guidance = [str(v) for row in book["Guidance"].iter_rows(values_only=True) for v in row if v]
    assert any("who changed what, when and where" in g for g in guidance)
    assert sheet.column_dimensions["G"].width == 60


def _guidance_texts(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    sheet_text = [str(v) for row in book["Guidance"].iter_rows(values_only=True) for v in row if v]
    prompts = [dv.prompt for dv in book["Outcomes"].data_validations.dataValidation if dv.prompt]
    return sheet_text + prompts


def test_template_examples_use_the_countrys_own_ids(tmp_path):
    senegal = "\n".join(_guidance_texts(harvest_template("senegal", tmp_path / "sn.xlsx", registry=REGISTRY,
                                                             codebook=CODEBOOK)))
    kenya = "\n".join(_guidance_texts(harvest_template("kenya", tmp_path / "ke.xlsx", registry=REGISTRY,
                                                           codebook=CODEBOOK)))
    assert "e.g. SN-O001" in senegal and "SN-O003;SN-O007" in senegal and "e.g. sn-sanitation" in senegal
    assert "e.g. SN-S01" in senegal
    # No other country's ids (codes of the registry other than Senegal's) anywhere in the guidance.
    other_codes = set(REGISTRY.countries["code"]) - {"SN"}
    assert not re.search(r"\b(" + "|".join(other_codes) + r")-[OS]\d", senegal)
    assert "e.g. KE-O001" in kenya and "KE-O003;KE-O007" in kenya and f"e.g. {KENYA_CAMPAIGNS[0]}" in kenya
    assert "SN-O" not in kenya
    assert column_guidance("senegal", REGISTRY)["builds_on"].endswith("(e.g. SN-O003;SN-O007).")
    # The fix of a row without an id also suggests the country's own form.
    path = tmp_path / "noid.csv"
    path.write_text("Outcome ID,Campaign ID,Outcome\n,sn-sanitation,x\n")
    fixes = _read(path, "senegal").problems.set_index("rule")["fix"]
    assert fixes["no outcome id"] == "give the outcome a unique id, e.g. SN-O012"


def test_template_reads_back_as_an_empty_harvest(tmp_path):
    path = harvest_template("kenya", tmp_path / "t.xlsx", data=DEMO_DATA)
    checked = _read(path)
    assert checked.n_read == 0 and list(checked.accepted.columns) == OUTCOME_COLUMNS
    assert not (checked.problems["severity"] == "error").any()


def test_write_then_read_round_trips(tmp_path):
    original = _read(DEMO_DATA / "kenya" / "outcomes.xlsx").accepted
    assert len(original) >= 25
    # Month precision, a formula-looking text and a very long text survive too.
    original.loc[0, ["date", "date_precision"]] = [original.loc[0, "date"].to_period("M").start_time, "month"]
    original.loc[1, "significance"] = "=1+1 is not a formula here"
    original.loc[2, "contribution"] = "long " * 5000 + "end"
    path = write_harvest(original, tmp_path / "h.xlsx", country="kenya", registry=REGISTRY, codebook=CODEBOOK)
    again = _read(path)
    assert len(again.problems) == 0 and again.n_read == len(original)
    columns = OUTCOME_COLUMNS[:-2]
    pd.testing.assert_frame_equal(again.accepted[columns], original[columns])
    assert openpyxl.load_workbook(path)["Outcomes"]["H3"].data_type == "s"


def test_generated_demo_harvest_is_accepted_in_full(tmp_path):
    from sparklearn.demo import generate_demo

    generate_demo(tmp_path, countries=["kenya"])
    checked = _read(tmp_path / "kenya" / "outcomes.xlsx")
    assert len(checked.problems) == 0 and len(checked.rejected) == 0 and len(checked.accepted) >= 25
    book = openpyxl.load_workbook(tmp_path / "kenya" / "outcomes.xlsx")
    assert book.sheetnames[0] == "Outcomes" and len(book["Outcomes"].data_validations.dataValidation) >= 9


# ------------------------------------------------------------------ validation


def test_each_rule_of_the_messy_harvest_is_reported_at_the_excel_row():
    checked = _read(FIXTURES / "messy.csv")
    # Line 1 is a comment, line 2 the header, so outcome KE-O01 is row 3. Columns are named as the file heads them.
    # A broken link (row 7's, row 11's to itself) costs the link only: row 11 is accepted.
    assert checked.n_read == 9 and len(checked.accepted) == 4 and len(checked.rejected) == 5
    assert _rules(checked) == {
        (2, "Notes", "column not used", "warning"),
        (5, "Date (YYYY-MM-DD)", "not a date", "error"),
        (5, "Outcome ID", "outcome id used more than once", "error"),
        (6, "Outcome ID", "outcome id used more than once", "error"),
        (7, "Builds on", "links to an outcome not in the harvest: the link was left out", "warning"),
        (7, "Campaign", "unknown campaign", "error"),
        (8, "Outcome description", "no outcome description", "error"),
        (9, "Type of actor", "not in the codebook list", "error"),
        (9, "Level of governance", "not in the codebook list", "error"),
        (9, "Outcome area", "not in the codebook list", "error"),
        (9, "Strategic components", "not in the codebook list", "error"),
        (9, "Type of change", "not in the codebook list", "error"),
        (10, "Contribution", "no contribution", "warning"),
        (10, "Date (YYYY-MM-DD)", "no date", "warning"),
        (10, "Intended", "not classified", "warning"),
        (10, "Significance", "no significance", "warning"),
        (10, "Social actor", "no social actor", "warning"),
        (10, "Strategic components", "no strategic component", "warning"),
        (10, "Substantiation", "not classified", "warning"),
        (10, "Valence", "not classified", "warning"),
        (11, "Builds on", "links to itself: the link was left out", "warning"),
        (11, "Substantiator role", "no substantiator role", "warning"),
    }
    fixes = checked.problems.set_index(["row", "column"])["fix"]
    assert fixes[(7, "Campaign")].startswith("did you mean 'ke-primary-health'?")
    assert fixes[(9, "Type of actor")].startswith("did you mean 'community'?")
    assert fixes[(9, "Type of change")].startswith("did you mean 'action'?")
    assert "rows 5, 6" in fixes[(5, "Outcome ID")]
    assert set(checked.rejected["source_row"]) == {5, 6, 7, 8, 9}
    assert checked.accepted.set_index("outcome_id")["builds_on"].isna()["KE-O09"]
    assert checked.rejected.set_index("source_row").loc[9, "outcome_area"] == "OA-POWR"  # as read


def test_lenient_values_become_codebook_ids():
    a = _read(FIXTURES / "messy.csv").accepted.set_index("outcome_id")
    assert a.loc["KE-O01", "actor_type"] == "local-government"  # "Local Government"
    assert a.loc["KE-O01", "outcome_area"] == "OA-POWER"  # "oa power"
    assert a.loc["KE-O01", "strategic_components"] == "SC-AGENCY;SC-ROOTCAUSE"  # "SC-AGENCY, SC-ROOTCAUSE"
    assert a.loc["KE-O02", "campaign_id"] == "ke-primary-health"  # the campaign's name
    assert a.loc["KE-O02", "substantiation"] == "not-yet"  # "not yet"
    assert (a.loc["KE-O01", "date"], a.loc["KE-O01", "date_precision"]) == (pd.Timestamp("2023-03-15"), "day")
    assert (a.loc["KE-O02", "date"], a.loc["KE-O02", "date_precision"]) == (pd.Timestamp("2023-03-01"), "month")
    assert a.loc["KE-O02", "builds_on"] == "KE-O01"
    assert pd.isna(a.loc["KE-O08", "intended"]) and a.loc["KE-O08", "country"] == "kenya"


@pytest.mark.parametrize("text, expected, precision", [
    ("2023-03-15", "2023-03-15", "day"), ("15/03/2023", "2023-03-15", "day"), ("15.03.2023", "2023-03-15", "day"),
    ("15 March 2023", "2023-03-15", "day"), ("March 15, 2023", "2023-03-15", "day"),
    ("March 2023", "2023-03-01", "month"), ("Mar 2023", "2023-03-01", "month"), ("2023-03", "2023-03-01", "month"),
    ("03/2023", "2023-03-01", "month"), ("mars 2023", "2023-03-01", "month"), ("Agustus 2022", "2022-08-01", "month"),
    ("12 août 2021", "2021-08-12", "day"), ("03/25/2023", "2023-03-25", "day"),
])
def test_dates_in_common_spellings(tmp_path, text, expected, precision):
    path = tmp_path / "d.csv"
    path.write_text(f'Outcome ID,Campaign ID,Date,Outcome\nO1,ke-primary-health,"{text}",Something changed.\n',
                    encoding="utf-8")
    checked = _read(path)
    row = checked.accepted.iloc[0]
    assert (row["date"], row["date_precision"]) == (pd.Timestamp(expected), precision)
    month_first = ("Date", "read as month/day/year") in set(zip(checked.problems["column"], checked.problems["rule"]))
    assert month_first == (text == "03/25/2023")


@pytest.mark.parametrize("text", ["2023", "31/02/2023", "soon", "2023-13"])
def test_impossible_dates_reject_the_row(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(f"Outcome ID,Campaign ID,Date,Outcome\nO1,ke-primary-health,{text},Something changed.\n")
    checked = _read(path)
    assert len(checked.rejected) == 1 and _rules(checked) >= {(2, "Date", "not a date", "error")}


def test_csv_in_cp1252_and_with_a_byte_order_mark(tmp_path):
    text = "Outcome ID,Campaign ID,Outcome,Social actor\nO1,ke-primary-health,Le comité a publié le budget.,Comité\n"
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "win.csv").write_bytes(text.encode("cp1252"))
    bom, win = _read(tmp_path / "bom.csv"), _read(tmp_path / "win.csv")
    assert bom.accepted.loc[0, "outcome"] == win.accepted.loc[0, "outcome"] == "Le comité a publié le budget."
    assert "not UTF-8: read as Windows-1252" in set(win.problems["rule"])
    assert "not UTF-8: read as Windows-1252" not in set(bom.problems["rule"])


def test_links_in_a_circle_and_to_later_outcomes(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Outcome ID,Campaign ID,Date,Outcome,Builds on\n"
                    "A,ke-primary-health,2022-01-01,x,B\nB,ke-primary-health,2022-02-01,y,A\n"
                    "C,ke-primary-health,2022-03-01,z,D\nD,ke-primary-health,2022-04-01,w,\n")
    checked = _read(path)
    rules = _rules(checked)
    assert {(2, "Builds on", "links go round in a circle", "error"),
            (3, "Builds on", "links go round in a circle", "error"),
            (4, "Builds on", "builds on a later outcome", "warning")} <= rules
    assert checked.accepted["outcome_id"].tolist() == ["C", "D"]


def test_a_duplicate_id_is_reported_once_without_circles_blamed_on_other_rows(tmp_path):
    # SN-O001 is used twice (rows 2 and 5); with it, the links 001 -> 002 -> 003 -> 001 would look
    # like a circle. X and Y really are a circle and must still be found.
    path = tmp_path / "dup.csv"
    path.write_text("Outcome ID,Campaign ID,Date,Outcome,Builds on\n"
                    "SN-O001,sn-sanitation,2022-01-01,a,\n"
                    "SN-O002,sn-sanitation,2022-02-01,b,SN-O001\n"
                    "SN-O003,sn-sanitation,2022-03-01,c,SN-O002\n"
                    "SN-O001,sn-sanitation,2022-04-01,d,SN-O003\n"
                    "SN-O004,sn-sanitation,2022-05-01,e,SN-O001;sn-o001\n"
                    "X,sn-sanitation,2022-06-01,f,Y\n"
                    "Y,sn-sanitation,2022-07-01,g,X\n")
    checked = _read(path, "senegal")
    links = {r for r in _rules(checked) if r[1] in ("Outcome ID", "Builds on")}
    assert links == {
        (2, "Outcome ID", "outcome id used more than once", "error"),
        (5, "Outcome ID", "outcome id used more than once", "error"),
        (3, "Builds on", "links to an id used twice", "warning"),
        (6, "Builds on", "links to an id used twice", "warning"),  # once, though written twice
        (7, "Builds on", "links go round in a circle", "error"),
        (7, "Builds on", "builds on a later outcome", "warning"),  # X on Y, a month later
        (8, "Builds on", "links go round in a circle", "error"),
    }
    fixes = checked.problems.query("rule == 'links to an id used twice'")["fix"].tolist()
    assert fixes == ["fix the duplicate first: the id is used in rows 2, 5"] * 2
    accepted = checked.accepted.set_index("outcome_id")["builds_on"]
    assert accepted.index.tolist() == ["SN-O002", "SN-O003", "SN-O004"]
    assert accepted.tolist() == ["SN-O001", "SN-O002", "SN-O001"]
    assert sorted(checked.rejected["source_row"]) == [2, 5, 7, 8]


def test_missing_required_column_rejects_every_row(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("Outcome ID,Outcome\nO1,x\nO2,y\n")
    checked = _read(path)
    assert len(checked.accepted) == 0 and len(checked.rejected) == 2
    # A missing column is named as the template heads it.
    assert _rules(checked) == {(1, "Campaign ID", "required column 'Campaign ID' is missing", "error")}


def test_outcome_of_another_country_and_campaign_of_another_country(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("Outcome ID,Country,Campaign ID,Outcome\nO1,Kenya,ke-primary-health,x\n"
                    "O2,ghana,ke-primary-health,y\nO3,kenya,za-sanitation,z\n")
    checked = _read(path)
    assert checked.accepted["outcome_id"].tolist() == ["O1"]
    assert {(3, "Country", "outcome of another country", "error"),
            (4, "Campaign ID", "unknown campaign", "error")} <= _rules(checked)
    assert "campaign of south-africa" in checked.problems.set_index(["row", "column"]).loc[(4, "Campaign ID"), "fix"]


def test_workbook_with_title_rows_merged_cells_formulas_blank_rows_and_extra_sheets(tmp_path):
    path = tmp_path / "w.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["Notes about this harvest"])
    sheet = book.create_sheet("Harvest 2023")
    sheet.append(["Kenya harvest, second half of 2023"])
    sheet.append([])
    sheet.append(["Outcome description", "outcome id", "CAMPAIGN", "Date", "Level of governance", "Significance"])
    sheet.append(["The ward office posted drug lists.", "K1", "ke-primary-health", datetime(2023, 7, 1),
                  "local", "Transparency."])
    sheet.append(["The county assembly held a hearing.", "K2", None, datetime(2023, 8, 14), "subnational",
                  "Oversight."])
    sheet.append([None] * 6)
    sheet.append(["The ministry released funds.", "K3", "ke-primary-health", "=DATE(2023,9,1)", "national",
                  "=A4"])
    sheet.append(["Merged across.", "K4", "ke-primary-health", "2023-10", "national", None])
    sheet.merge_cells("C4:C5")
    sheet.merge_cells("E8:F8")
    sheet["D4"].number_format = "mmm yyyy"
    sheet["D5"].number_format = "dd/mm/yyyy"
    book.save(path)
    checked = _read(path)
    # Header on row 3; row 6 is blank: not an outcome, not counted.
    assert checked.n_read == 4
    a = checked.accepted.set_index("outcome_id")
    assert a.loc["K2", "campaign_id"] == "ke-primary-health"  # from the merged C4:C5
    assert (a.loc["K1", "date"], a.loc["K1", "date_precision"]) == (pd.Timestamp("2023-07-01"), "month")
    assert (a.loc["K2", "date"], a.loc["K2", "date_precision"]) == (pd.Timestamp("2023-08-14"), "day")
    rules = _rules(checked)
    # Columns as the sheet heads them, with their Excel letters.
    assert {(4, "CAMPAIGN (C)", "merged cells", "warning"),
            (8, "Level of governance (E)", "cells merged across columns", "warning"),
            (7, "Significance (F)", "formula without a saved result", "error"),
            (7, "Date (D)", "formula without a saved result", "error")} <= rules
    assert checked.rejected["source_row"].tolist() == [7]


def test_problems_name_the_column_by_the_workbooks_header_and_letter(tmp_path):
    # The template's headers below a title row: 'Date (C)', not 'date'; missing columns by the template's header.
    path = tmp_path / "h.xlsx"
    book = _workbook(path, ["Harvest of 2023"], [
        [],
        [HEADERS[c] for c in ("outcome_id", "campaign_id", "date", "outcome", "level")],
        ["O1", "ke-primary-health", "yesterday", "x", "county-ish"],
    ])
    book.save(path)
    checked = _read(path)
    errors = checked.problems.query("severity == 'error'")[["row", "column", "rule"]].values.tolist()
    assert errors == [[4, "Date (C)", "not a date"], [4, "Level (E)", "not in the codebook list"]]
    assert (3, "Social actor", "no 'Social actor' column", "warning") in _rules(checked)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_problems_name_synonym_fuzzy_and_blank_headers_as_written(tmp_path, suffix):
    header = ["Outcom ID", "Campaign name", "date of change", "What changed", "Level of\ngovernance", None]
    rows = [["O1", "ke-nowhere", "soon", "x", "county-ish", "a note"]]
    path = tmp_path / f"h{suffix}"
    if suffix == ".csv":
        pd.DataFrame(rows, columns=[h or "" for h in header]).to_csv(path, index=False)
    else:
        _workbook(path, header, rows).save(path)
    xlsx = suffix == ".xlsx"
    named = {text: f"{text} ({letter})" if xlsx else text for text, letter in (
        ("Outcom ID", "A"), ("Campaign name", "B"), ("date of change", "C"), ("What changed", "D"),
        ("Level of governance", "E"))}
    named["blank"] = "(no header) (F)" if xlsx else "(no header, column 6)"
    assert {r[:3] for r in _rules(_read(path))} >= {
        (1, named["Outcom ID"], "header read as 'Outcome ID'"),
        (1, named["blank"], "column not used"),
        (2, named["Campaign name"], "unknown campaign"),
        (2, named["date of change"], "not a date"),
        (2, named["Level of governance"], "not in the codebook list"),
    }


def test_excel_error_values_are_errors(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Outcome ID,Campaign ID,Outcome,Level\nO1,ke-primary-health,x,#N/A\n")
    assert (2, "Level", "Excel error value", "error") in _rules(_read(path))


def test_empty_files_give_a_problem_not_a_crash(tmp_path):
    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    (tmp_path / "empty.csv").write_text("\n")
    for name in ("empty.xlsx", "empty.csv"):
        checked = _read(tmp_path / name)
        assert checked.n_read == 0 and checked.problems["rule"].tolist() == ["the harvest is empty"]
        assert list(checked.accepted.columns) == OUTCOME_COLUMNS


def test_unreadable_files_raise_input_errors_naming_the_file(tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    _workbook(tmp_path / "other.xlsx", ["Name", "Budget"], [["a", 1]], title="Budget").save(tmp_path / "other.xlsx")
    for name, words in (("broken.xlsx", "is a text file, not an Excel workbook"), ("other.xlsx", "no sheet looks like"),
                        ("missing.csv", "file not found")):
        with pytest.raises(InputError, match=words) as err:
            _read(tmp_path / name)
        assert name in str(err.value)


def test_very_long_text_is_read_whole(tmp_path):
    long = "word " * 20_000
    pd.DataFrame({"Outcome ID": ["O1"], "Campaign ID": ["ke-primary-health"], "Outcome": [long]}).to_csv(
        tmp_path / "l.csv", index=False)
    assert _read(tmp_path / "l.csv").accepted.loc[0, "outcome"] == long.strip()


def test_schema_takes_its_vocabularies_from_the_codebook():
    extra = codebook_from_dict({"version": "1", "codes": [{"id": "OA", "label": "Areas"},
                                                         {"id": "OA-X", "label": "X", "parent": "OA"}],
                                "vocabularies": {**{name: [{"id": f"{name.replace('_', '-')}-1", "label": f"{name} one"}]
                                                    for name in ("actor_type", "type_of_change", "level",
                                                                 "substantiation", "intended", "valence",
                                                                 "strategic_component")},
                                                 "outcome_area": {"codes_under": "OA"}}})
    schema = outcome_schema(extra)
    row = pd.DataFrame({c: [None] for c in OUTCOME_COLUMNS}).assign(
        outcome_id="O1", country="kenya", campaign_id="c", outcome="x", level="level-1", source_file="f",
        source_row=2, outcome_area="OA-X", strategic_components="strategic-component-1")
    assert len(schema.validate(row)) == 1
    with pytest.raises(Exception):
        schema.validate(row.assign(level="local"))
    import sparklearn.ingest.harvest_schema as outcomes

    assert set(outcomes.OUTCOME_SCHEMA.columns) == set(OUTCOME_COLUMNS)


# ------------------------------------------------------------------ summaries (small.csv, by hand)


def test_counts_by_area_level_and_exploded_components():
    o = _small()
    area = counts_by(o, "outcome_area")
    assert dict(zip(area["outcome_area"], area["n_outcomes"])) == {
        "OA-POWER": 2, "OA-SPACES": 1, "OA-ACCOUNT": 2, "OA-EQUITY": 3}
    assert area.set_index("outcome_area").loc["OA-EQUITY", "share"] == 3 / 8
    level = counts_by(o, "level", codebook=CODEBOOK)
    assert level[["level", "label", "n_outcomes"]].values.tolist() == [
        ["local", "Local", 4], ["subnational", "Subnational", 1], ["national", "National", 3],
        ["international", "International", 0]]
    sc = counts_by(o, "strategic_components", codebook=CODEBOOK).set_index("strategic_components")["n_outcomes"]
    assert sc.to_dict() == {"SC-AGENCY": 4, "SC-COALITION": 1, "SC-ROOTCAUSE": 2, "SC-ECOSYSTEM": 2,
                            "SC-ENABLING": 0, "SC-DISCOURSE": 1}
    by = counts_by(o, "type_of_change", by="campaign_id")
    assert by.query("campaign_id == 'c2'").set_index("type_of_change")["share"].to_dict() == {
        "action": 1 / 3, "discourse": 1 / 3, "policy": 1 / 3}


def test_timeline_by_quarter_with_empty_quarters():
    t = timeline(_small())
    assert t[["period", "n_outcomes", "cumulative"]].values.tolist() == [
        ["2022Q1", 3, 3], ["2022Q2", 1, 4], ["2022Q3", 2, 6], ["2022Q4", 0, 6], ["2023Q1", 2, 8]]
    assert t["start"].iloc[3] == pd.Timestamp("2022-10-01")
    assert timeline(_small(), "Y")["n_outcomes"].tolist() == [6, 2]


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval written out (Wilson 1927), independent of statsmodels."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_substantiation_rates_with_wilson_intervals():
    overall = substantiation_rates(_small(), by=None).iloc[0]
    # Checked: S1 fully, S2 partially, S4 fully, S5 disagree, S8 partially -> 5 of 8; 4 of 5 substantiated.
    assert (overall["n_checked"], overall["n_fully"], overall["n_partially"], overall["n_disagree"]) == (5, 2, 2, 1)
    assert overall["share_confirmed"] == pytest.approx(0.8)
    assert (overall["confirmed_low"], overall["confirmed_high"]) == pytest.approx(_wilson(4, 5))
    assert (overall["checked_low"], overall["checked_high"]) == pytest.approx(_wilson(5, 8))
    area = substantiation_rates(_small(), by="outcome_area").set_index("outcome_area")
    assert area.loc["OA-EQUITY", ["n_outcomes", "n_checked"]].tolist() == [3, 2]
    assert area.loc["OA-EQUITY", "share_confirmed"] == 1.0
    assert area.loc["OA-SPACES", ["n_checked", "share_confirmed"]].tolist() == [1, 1.0]  # S2 partially
    components = substantiation_rates(_small(), by="strategic_components").set_index("strategic_components")
    # SC-AGENCY: S1 fully, S2 partially, S5 disagree, S7 not-yet.
    assert components.loc["SC-AGENCY", ["n_outcomes", "n_checked", "n_disagree"]].tolist() == [4, 3, 1]


def test_contribution_matrix_counts_component_area_pairs():
    m = contribution_matrix(_small())
    cells = {(r.strategic_component, r.outcome_area): (r.n_outcomes, r.share_of_area) for r in m.itertuples()}
    assert cells[("SC-AGENCY", "OA-POWER")] == (2, 1.0)
    assert cells[("SC-ROOTCAUSE", "OA-EQUITY")] == (2, pytest.approx(2 / 3))
    assert cells[("SC-ECOSYSTEM", "OA-ACCOUNT")] == (1, 0.5)
    assert m["n_outcomes"].sum() == 10 and len(m) == 8
    full = contribution_matrix(_small(), CODEBOOK)
    assert len(full) == 24 and full["n_outcomes"].sum() == 10


def test_outcome_chains_from_roots_to_leaves():
    chains = outcome_chains(_small())
    assert chains[["outcome_ids", "length", "level_path", "climbs", "reaches_policy_budget"]].values.tolist() == [
        ["S1;S2;S3;S4", 4, "local → subnational → national", True, True],
        ["S1;S2;S8", 3, "local → national", True, True],
        ["S5;S6;S8", 3, "local → national", True, True],
        ["S5;S7", 2, "local", False, False],  # S7 is a policy change, but a negative one
    ]
    assert chains["top_level"].tolist() == ["national", "national", "national", "local"]
    assert chains.loc[0, "end_date"] == pd.Timestamp("2023-01-15")
    graph = outcome_graph(_small())
    assert graph.number_of_edges() == 7 and graph.nodes["S4"]["type_of_change"] == "budget"
    assert outcome_chains(_small(), min_length=1)["length"].min() == 2  # every outcome here is linked


# ------------------------------------------------------------------ export


def test_protect_formulas_prefixes_risky_text_only():
    frame = pd.DataFrame({"t": ["=SUM(A1)", "+1", "-x", "@a", "fine", None], "n": [-1, 2, 3, 4, 5, 6]})
    out = protect_formulas(frame)
    assert out["t"].tolist()[:5] == ["'=SUM(A1)", "'+1", "'-x", "'@a", "fine"] and pd.isna(out["t"].iloc[5])
    assert out["n"].tolist() == frame["n"].tolist() and frame["t"].iloc[0] == "=SUM(A1)"


def test_outcomes_for_readers_are_whole_labelled_pseudonymous_and_escaped():
    register = pd.DataFrame({"participant_id": ["KE-P02"], "name": ["Wanjiru Kamau"], "role": ["partner staff"]})
    long = "It matters because " + "very " * 300 + "much."
    o = _small().assign(outcome="Wanjiru Kamau saw the <clinic> open & staffed.", significance=long,
                        contribution="Training by Kamau.", social_actor="Ward office",
                        date_precision=["day"] * 7 + ["month"])
    readers = outcomes_for_readers(o, register, salt="pepper", codebook=CODEBOOK)
    assert readers["significance"].iloc[0] == long
    assert not readers.astype(str).apply(lambda c: c.str.contains("Wanjiru|Kamau")).to_numpy().any()
    assert readers.set_index("outcome_id").loc["S8", "date"] == "Feb 2023"
    assert readers.set_index("outcome_id").loc["S1", "date"] == "10 Jan 2022"
    assert readers.set_index("outcome_id").loc["S4", "type_of_change"] == "Budget"
    html = table_html(readers)
    assert "&lt;clinic&gt;" in html and "<clinic>" not in html and "&amp; staffed" in html


def _cards(text: str) -> list[str]:
    return re.findall(r'<article class="sl-outcome">.*?</article>', text, flags=re.DOTALL)


def test_outcome_cards_show_each_outcome_whole_escaped_and_without_missing_values():
    nasty = 'The <script>alert("x")</script> council & the "ward" office\'s plan'
    long = "It matters because " + "very " * 300 + "much."
    table = pd.DataFrame({
        "outcome_id": ["SN-O001", "SN-O002", "SN-O003"], "date": ["2 Aug 2020", pd.NA, "Mar 2021"],
        "campaign": ["sn-sanitation", "sn-disability", "sn-sanitation"],
        "social_actor": ["Mayor & council", pd.NA, "Ward office"], "actor_type": ["Local government", pd.NA, pd.NA],
        "outcome": [nasty, "Second outcome.", "Third outcome."], "significance": [long, pd.NA, "  "],
        "contribution": ["Training <b>budget</b>.", "Accompaniment.", pd.NA],
        "outcome_area": ["Power", pd.NA, "Equity"], "type_of_change": ["Action", pd.NA, pd.NA],
        "level": ["Local", pd.NA, "National"], "substantiation": ["Fully", pd.NA, pd.NA],
        "builds_on": [pd.NA, "SN-O001", "SN-O001;SN-O002&"],
    }, dtype="string")
    text = outcome_cards(table)
    cards = _cards(text)
    assert len(cards) == 3 and text.count("<article") == 3
    first, second, third = cards
    assert html.escape(nasty) in first and "<script" not in text and "&amp; the &quot;ward&quot; office&#x27;s" in first
    assert f"<p><strong>Significance:</strong> {long}</p>" in first
    assert "Training &lt;b&gt;budget&lt;/b&gt;." in first
    assert '<p class="sl-outcome-head"><strong>SN-O001</strong> · 2 Aug 2020 · sn-sanitation</p>' in first
    assert ('<p class="sl-outcome-facts">Actor: Mayor &amp; council (Local government) · Outcome area: Power · '
            "Type of change: Action · Level: Local · Substantiation: Fully</p>") in first
    # Missing values are left out, labels included.
    assert '<p class="sl-outcome-head"><strong>SN-O002</strong> · sn-disability</p>' in second
    assert "Significance" not in second and '<p class="sl-outcome-facts">Builds on: SN-O001</p>' in second
    assert "Significance" not in third and "Contribution" not in third
    assert ('<p class="sl-outcome-facts">Actor: Ward office · Outcome area: Equity · Level: National · '
            "Builds on: SN-O001; SN-O002&amp;</p>") in third
    assert not re.search(r"\b(nan|NaN|None)\b|<NA>|NaT", text)
    # Markup: class attributes only, from the three card classes; no headings (they would enter the contents).
    assert set(re.findall(r"\s([a-z-]+)=", text)) == {"class"}
    assert set(re.findall(r'class="([^"]*)"', text)) == {"sl-outcome", "sl-outcome-head", "sl-outcome-facts"}
    assert not re.search(r"<h\d", text)
    assert outcome_cards(table.iloc[:0]) == ""


def test_outcome_cards_of_the_readers_table_keep_its_order_and_labels():
    readers = outcomes_for_readers(_small().assign(outcome="x"), codebook=CODEBOOK)
    cards = _cards(outcome_cards(readers))
    heads = [re.search(r"<strong>(S\d)</strong>", c).group(1) for c in cards]
    assert heads == readers["outcome_id"].tolist() == ["S1", "S2", "S5", "S6", "S3", "S7", "S4", "S8"]
    national = vocabulary(CODEBOOK, "level").set_index("id").loc["national", "label"]
    assert f"Level: {national} · " in cards[-1] and cards[-1].endswith("Builds on: S2; S6</p>\n</article>")


# ------------------------------------------------------------------ figures


def test_outcome_figures_draw_the_tables():
    o = _small()
    fig = plots.plot_outcome_counts(counts_by(o, "level", codebook=CODEBOOK), "level")
    assert [float(p.get_width()) for p in fig.axes[0].patches] == [4.0, 1.0, 3.0, 0.0]
    fig = plots.plot_outcome_timeline(timeline(o))
    assert [float(p.get_height()) for p in fig.axes[0].patches] == [3.0, 1.0, 2.0, 0.0, 2.0]
    fig = plots.plot_substantiation(substantiation_rates(o, "level"), "level")
    assert len(fig.axes[0].get_yticklabels()) == 3
    fig = plots.plot_contribution_matrix(contribution_matrix(o, CODEBOOK))
    assert fig.axes[0].images[0].get_array().shape == (6, 4)
    fig = plots.plot_outcome_chains(outcome_graph(o), levels=["local", "subnational", "national"])
    offsets = np.concatenate([c.get_offsets() for c in fig.axes[0].collections if len(c.get_offsets())])
    assert len(offsets) == 8
    matplotlib.pyplot.close("all")


# ------------------------------------------------------------------ optional columns (who gained, the money)


def test_a_harvest_without_the_optional_columns_reads_as_before(tmp_path):
    from sparklearn.ingest.harvest_schema import OPTIONAL

    for name in ("small.csv", "messy.csv"):
        checked = _read(FIXTURES / name)
        assert not checked.problems["column"].isin([*OPTIONAL, *(HEADERS[c] for c in OPTIONAL)]).any()
        assert not checked.problems["rule"].str.contains("Social group|Amount|Currency|Budget stage|Kind of change").any()
        assert checked.accepted[list(OPTIONAL)].isna().all().all()
    # An independent corpus whose codebook has none of the new vocabularies: same problems, no new ones.
    data = load_codebook(DEMO_DATA / "codebook.yaml")
    from dataclasses import replace
    from types import MappingProxyType

    older = replace(data, vocabularies=MappingProxyType({k: v for k, v in data.vocabularies.items()
                                                         if k not in ("social_group", "kind_of_change", "budget_stage")}))
    before = read_harvest(FIXTURES / "messy.csv", country="kenya", registry=REGISTRY, codebook=CODEBOOK)
    after = read_harvest(FIXTURES / "messy.csv", country="kenya", registry=REGISTRY, codebook=older)
    pd.testing.assert_frame_equal(before.problems, after.problems)
    pd.testing.assert_frame_equal(before.accepted, after.accepted)
    # A value in an optional column that such a codebook has no list for is an error at its row.
    path = tmp_path / "h.csv"
    path.write_text("Outcome ID,Campaign ID,Outcome,Social group\nKE-O1,ke-primary-health,A,women\n")
    odd = read_harvest(path, country="kenya", registry=REGISTRY, codebook=older)
    assert odd.problems.query("severity == 'error'")[["row", "column", "rule"]].values.tolist() == [
        [2, "Social group", "the codebook has no list 'social_group'"]]


def test_template_offers_the_optional_columns_as_optional(tmp_path):
    path = harvest_template("kenya", tmp_path / "t.xlsx", data=DEMO_DATA)
    book = openpyxl.load_workbook(path)
    header = [c.value for c in book["Outcomes"][1]]
    assert header[-6:] == ["Social group", "Kind of change", "Budget stage", "Amount", "Currency", "Amount year"]
    rows = {r[0]: r[1] for r in book["Guidance"].iter_rows(values_only=True) if r and r[0] in header}
    assert all(rows[h] == "optional" for h in header[-6:])
