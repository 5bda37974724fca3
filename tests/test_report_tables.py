"""Where data text becomes HTML (sparklearn.report.tables): one table renderer, escaping always on."""

from __future__ import annotations

import re

import pandas as pd

from sparklearn.report import display
from sparklearn.report.tables import readable_number, table_html

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
