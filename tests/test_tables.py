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
    with pytest.raises(InputError, match=r"same name: 'Code \(column 1\)' and 'code \(column 2\)'") as err:
        read_table(p)
    assert err.value.column == "Code" and err.value.row == 1  # as the file heads it (its first place)
    q = tmp_path / "x.ods"
    q.write_text("")
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        read_table(q)


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("not a zip")
    with pytest.raises(InputError, match="Excel workbook"):
        read_table(p)


def test_the_header_row_is_known_even_when_the_first_rows_are_blank(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("# a note\nsegment_id,code\n,\n,\nGH-S01-T001,OA-POWER\n", encoding="utf-8")
    t = read_table(p)
    assert t.attrs["header_row"] == 2 and t["source_row"].tolist() == [5]


def test_utf16_from_excel_unicode_text_is_read_and_windows_1252_is_flagged(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("segment_id,memo\nGH-S01-T001,Aïssatou\n", encoding="utf-16")
    t = read_table(p)
    assert t["memo"].tolist() == ["Aïssatou"] and t.attrs["fell_back"] is False
    p.write_bytes("segment_id,memo\nGH-S01-T001,Aïssatou\n".encode("cp1252"))
    assert read_table(p).attrs["fell_back"] is True


@pytest.mark.parametrize(("text", "row", "words"), [
    ('a,b\n1,"x\n2,3\n', 2, "a quoted cell that starts on line 2 is never closed"),
    ("# c\na,b\n1,2\n3,4,5\n", 4, "line 4 has 3 cells but the header has 2"),
])
def test_a_broken_csv_is_reported_at_its_line(tmp_path, text, row, words):
    p = tmp_path / "c.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(p)
    assert (err.value.row, err.value.message) == (row, words) and err.value.fix


def test_a_folder_named_like_a_sheet_is_an_input_error(tmp_path):
    (tmp_path / "coder-a.csv").mkdir()
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_table(tmp_path / "coder-a.csv", what="the coding sheet")


def test_workbooks_are_parsed_without_expanding_xml_entities():
    """openpyxl guards against XML entity attacks only when defusedxml is installed (a declared dependency)."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


@pytest.mark.parametrize(("data", "words"), [
    (b"", "the file is empty"),
    (b"Outcome ID,Campaign ID\nKE-O1,x\n", "is a text file, not an Excel workbook (.xlsx)"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64, "old-format Office file"),
    (b"PK\x03\x04" + b"\0" * 40, "damaged or incomplete"),
])
def test_what_a_file_that_is_not_a_workbook_is_says_how_to_fix_it(tmp_path, data, words):
    p = tmp_path / "outcomes.xlsx"
    p.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_table(p)
    assert words in err.value.message and err.value.file == str(p) and err.value.fix
