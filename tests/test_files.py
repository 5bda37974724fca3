"""The base writers' helpers: one formula rule for tables and values, one streamed file hash."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from sparklearn.files import FORMULA_START, excel_safe, protect_formulas, sha256_file, write_atomic

#: Text Excel or LibreOffice would run, text it would not, and values that are not text at all.
CELLS = ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "plain", "a=b", " =x", "", None, 2.5, -3, pd.NA]


def test_the_table_form_and_the_value_form_apply_one_rule():
    table = pd.DataFrame({"mixed": pd.Series(CELLS, dtype=object),
                          "text": pd.Series([c if isinstance(c, str) else None for c in CELLS], dtype="string")})
    out = protect_formulas(table)
    for column in table.columns:
        for before, after in zip(table[column], out[column]):
            if isinstance(before, str):
                assert after == excel_safe(before), (column, before)
            else:
                assert (pd.isna(after) and pd.isna(before)) or after == before, (column, before)
    assert out["mixed"].tolist()[:6] == ["'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx"]
    # Numbers in a text column are left alone (the value form says so too), and so are dtypes and the input.
    assert out["mixed"].tolist()[11:13] == [2.5, -3] and excel_safe(-3) == -3
    assert (out.dtypes == table.dtypes).all() and table["mixed"].iloc[0] == "=1+1"
    assert all(excel_safe(start + "x") == "'" + start + "x" for start in FORMULA_START)


def test_columns_without_text_are_left_alone():
    table = pd.DataFrame({"n": [-1, 2], "d": pd.to_datetime(["2024-01-01", None]),
                          "o": pd.Series([-1, 2.5], dtype=object), "empty": pd.Series([None, None], dtype=object)})
    pd.testing.assert_frame_equal(protect_formulas(table), table)


@pytest.mark.parametrize("size", [0, 3, (1 << 20) + 7])
def test_sha256_file_streams_to_the_same_digest(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    file = tmp_path / "input.bin"
    file.write_bytes(data)
    assert sha256_file(file) == hashlib.sha256(data).hexdigest()
    assert sha256_file(str(file)) == sha256_file(file)


def test_write_atomic_replaces_whole_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "reports" / "a.html"
    write_atomic(target, "old")
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["a.html"]
