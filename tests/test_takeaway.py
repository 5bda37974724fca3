"""A report's tables as one workbook (sparklearn.report.takeaway): sheet names Excel accepts,
numbers as numbers, spans, and text from the data that never becomes a formula."""

from __future__ import annotations

import io

import openpyxl

from sparklearn.report.takeaway import cell_value, report_tables, tables_workbook


def _book(page: str, **kw) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(tables_workbook(report_tables(page), title="Kenya", **kw)))


def test_sheets_are_named_after_caption_or_heading_within_excels_rules():
    long = "Which strategies contributed to which outcomes, by campaign and round"
    page = (f"<main><h2>Outcome harvest</h2><h3>{long}</h3><table><tr><td>1</td></tr></table>"
            f"<table><tr><td>2</td></tr></table>"
            "<table><caption>Share [%] of turns: by theme?</caption><tr><td>3</td></tr></table>"
            "<h2>Contents</h2><table><tr><td>4</td></tr></table>"
            "<p>no heading</p></main>")
    tables = report_tables(page)
    names = [t.sheet for t in tables]
    assert names == [long[:31].rstrip(), long[:27].rstrip() + " (2)", "Share % of turns by theme", "Table"]
    assert all(len(n) <= 31 for n in names)
    assert [t.title for t in tables][:3] == [long, long, "Share [%] of turns: by theme?"]
    assert [t.section for t in tables] == ["Outcome harvest"] * 3 + ["Contents"]
    book = openpyxl.load_workbook(io.BytesIO(tables_workbook(tables, title="Kenya")))
    assert book.sheetnames == ["Contents", *names]


def test_header_rows_spans_and_numbers():
    page = ("<table><thead><tr><th></th><th colspan='2'>Outcomes</th></tr>"
            "<tr><th>Campaign</th><th>n</th><th>share</th></tr></thead>"
            "<tbody><tr><th rowspan='2'>Water</th><td>1,204</td><td>58.6%</td></tr>"
            "<tr><td>\u22123</td><td>0.50</td></tr></tbody></table>")
    (table,) = report_tables(page)
    assert table.n_header == 2
    assert table.rows == [["", "Outcomes", ""], ["Campaign", "n", "share"], ["Water", "1,204", "58.6%"],
                          ["Water", "\u22123", "0.50"]]
    sheet = _book(page)[table.sheet]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == [
        [None, "Outcomes", None], ["Campaign", "n", "share"], ["Water", 1204, 0.586], ["Water", -3, 0.5]]
    assert (sheet["B5"].number_format, sheet["C5"].number_format, sheet["C6"].number_format) == ("#,##0", "0.0%", "0.00")
    assert sheet.freeze_panes == "A5" and sheet["A1"].value == "Table 1"  # no caption, no heading


def test_text_from_the_data_never_becomes_a_formula():
    page = "<table><tr><td>=HYPERLINK(\"http://x\",\"click\")</td><td>+1</td><td>@SUM(A1)</td></tr></table>"
    sheet = _book(page)[report_tables(page)[0].sheet]
    values = [c.value for c in sheet[3]]
    assert values == ["'=HYPERLINK(\"http://x\",\"click\")", "'+1", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in sheet[3])


def test_the_contents_sheet_lists_every_table_and_says_when_data_are_synthetic():
    page = "<main><h2>When</h2><table><caption>Outcomes per period</caption><tr><td>1</td></tr></table></main>"
    book = _book(page, note="Synthetic demo data. The people are fictitious.")
    contents = [[c for c in row] for row in book["Contents"].iter_rows(values_only=True)]
    assert contents[0][0] == "Kenya" and contents[1][0].startswith("Synthetic demo data.")
    assert ["Outcomes per period", "Outcomes per period", "When"] in [list(r) for r in contents]
    plain = _book(page)
    assert not any("Synthetic" in str(v) for row in plain["Contents"].iter_rows(values_only=True) for v in row)


def test_ids_and_intervals_stay_text():
    assert cell_value("007") == ("007", None)
    assert cell_value("0.28 (0.20 to 0.37)") == ("0.28 (0.20 to 0.37)", None)
    assert cell_value("KE-C01") == ("KE-C01", None)
    assert cell_value("1234567890123456") == ("1234567890123456", None)  # beyond Excel's 15 digits
    assert cell_value("  ") == (None, None)
    assert report_tables("") == [] and report_tables("<p>no table</p>") == []
