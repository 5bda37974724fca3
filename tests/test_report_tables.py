"""Where data text becomes HTML (sparklearn.report.tables): one table renderer, escaping always on."""

from __future__ import annotations

import re

import pandas as pd

from sparklearn.report import display
from sparklearn.report.tables import readable_number, table_html, with_caption

NASTY = '<script>alert("x")</script> & <b>bold</b>'


def test_every_text_from_the_data_is_escaped_cells_headers_and_index():
    frame = pd.DataFrame({NASTY: [NASTY, "fine"], "n": [1, 2]}, index=pd.Index([NASTY, "two"], name="<i>who</i>"))
    html = table_html(frame)
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert html.count("&lt;script&gt;") == 3  # header, index label, cell
    assert "&amp;" in html and "&lt;i&gt;who&lt;/i&gt;" in html


def test_plain_index_hidden_missing_blank_long_tables_cut():
    html = table_html(pd.DataFrame({"t": ["a\n\nb", None], "x": [0.5, float("nan")]}))
    assert "<th>0</th>" not in html and "a b" in html
    assert not re.search(r"\b(nan|NaN|None)\b|&lt;NA&gt;", html)
    with pd.option_context("display.max_rows", 4):
        long = table_html(pd.DataFrame({"n": range(10)}))
    assert long.count("<tr>") < 10 and "10 rows" in long


def test_the_notebook_display_uses_the_same_renderer_and_number_format():
    # report_setup registers these for DataFrames; they must be the report module's own.
    assert display.table_html is table_html and display.readable_number is readable_number
    assert [readable_number(v) for v in (1234567.0, -0.5, 0.00012)] == ["1,234,567", "-0.50", "0.00012"]


def test_counts_are_integers_and_rounded_values_are_not_padded():
    # issue 13: "8.00" for a count, "58.60" for a value rounded to 58.6.
    assert [readable_number(v) for v in (8.0, 161.0, 58.6, 58.58, 0.28, 12.5)] == ["8", "161", "58.6", "58.6",
                                                                                 "0.28", "12.5"]


def _parsed(html: str):
    import lxml.html

    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_caption_and_row_headers_for_screen_readers():
    frame = with_caption(pd.DataFrame({"campaign": ["Water <b>for</b> all", "Clinics"], "outcomes": [3, 5]}),
                         "Outcomes <by> campaign")
    root = _parsed(table_html(frame.rename(columns={"outcomes": "outcomes harvested"})))
    assert root.xpath("string(//table/caption)") == "Outcomes <by> campaign"
    assert root.xpath("//thead//th/@scope") == ["col", "col"]
    assert root.xpath("//tbody/tr/th[@scope='row']/text()") == ["Water <b>for</b> all", "Clinics"]
    assert root.xpath("//tbody/tr/td/text()") == ["3", "5"]
    assert "<b>" not in table_html(frame)
    assert "caption" not in pd.DataFrame({"a": [1]}).attrs  # the source frame is not changed


def test_a_meaningful_index_is_the_row_header_and_numbers_stay_cells():
    indexed = _parsed(table_html(pd.DataFrame({"n": [1, 2]}, index=pd.Index(["Ghana", "Kenya"], name="country"))))
    assert indexed.xpath("//tbody/tr/th[@scope='row']/text()") == ["Ghana", "Kenya"]
    assert not indexed.xpath("//caption")
    numbers = _parsed(table_html(pd.DataFrame({"n": [1, 2], "m": [3, 4]})))
    assert not numbers.xpath("//tbody//th") and numbers.xpath("//tbody//td/text()") == ["1", "3", "2", "4"]


def test_long_tables_keep_their_row_count_after_the_table():
    with pd.option_context("display.max_rows", 4):
        html = table_html(with_caption(pd.DataFrame({"who": list("abcdefghij")}), "Ten"))
    assert html.rstrip().endswith("</p>") and "10 rows" in html and "<caption>Ten</caption>" in html
