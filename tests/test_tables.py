from __future__ import annotations

import openpyxl
import pytest

from sparklearn.exceptions import InputError
from sparklearn.ingest.spreadsheets import read_table


def test_csv_with_bom_comment_and_blank_rows_keeps_spreadsheet_row_numbers(tmp_path):
    p = tmp_path / "codings.csv"
    p.write_bytes("\ufeff# SYNTHETIC DEMO DATA\r\nSession ID,Segment ID,Code\r\nGH-S01,GH-S01-T001,OA-POWER\r\n,,\r\nGH-S01,GH-S01-T002,Pouvoir\r\n".encode("utf-8"))
    t = read_table(p)
    assert list(t.columns) == ["session_id", "segment_id", "code", "source_file", "source_row"]
    assert t["source_row"].tolist() == [3, 5]
    assert t["code"].tolist() == ["OA-POWER", "Pouvoir"]
    assert t.attrs["blank_rows"] == 1


def test_cp1252_csv_from_excel_is_decoded(tmp_path):
    p = tmp_path / "sheet.csv"
    p.write_bytes("name,memo\nAïssatou,déjà vu\n".encode("cp1252"))
    assert read_table(p)["memo"].tolist() == ["déjà vu"]


def test_xlsx_sheet_by_name_and_rows(tmp_path):
    p = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "About"
    ws = wb.create_sheet("Outcomes")
    ws.append(["Outcome ID", "Date"])
    ws.append(["GH-O01", "2021-03"])
    ws.append([None, None])
    ws.append(["GH-O02", "March 2021"])
    wb.save(p)
    t = read_table(p, sheet="outcomes")
    assert t[["outcome_id", "source_row"]].values.tolist() == [["GH-O01", 2], ["GH-O02", 4]]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"a,b\n1,2\n", None),
])
def test_empty_file_is_a_clear_error(tmp_path, content, message):
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    if message:
        with pytest.raises(InputError, match=message):
            read_table(p)
    else:
        assert len(read_table(p)) == 1


def test_duplicate_headers_and_unknown_types_are_named(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Code,code\n1,2\n")
    with pytest.raises(InputError, match="same name") as err:
        read_table(p)
    assert err.value.column == "code" and err.value.row == 1
    q = tmp_path / "x.ods"
    q.write_text("")
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        read_table(q)


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("not a zip")
    with pytest.raises(InputError, match="Excel workbook"):
        read_table(p)
