"""The command line as a lead uses it: exit codes, messages, and the files it writes read back."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from sparklearn import cli
from sparklearn.analysis.agreement import disagreements
from sparklearn.config import resolve_paths
from sparklearn.prepare import prepare


@pytest.fixture()
def data(kenya_data):
    return kenya_data


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_exit_codes_follow_what_was_found(data, tmp_path, capsys):
    out = tmp_path / "out"
    code, text, _ = _run(capsys, "validate", "kenya", "--data", data, "--out", out)
    assert code == 0 and "0 error(s), 0 warning(s)" in text

    with open(data / "kenya" / "codings" / "coder-b.csv", "a", encoding="utf-8") as handle:
        handle.write("KE-S01,KE-S01-T002,OA-POWR,coder-b,\n")
    code, text, _ = _run(capsys, "validate", "kenya", "--data", data, "--out", out)
    assert code == 1
    assert "OA-POWR" in text and "did you mean 'OA-POWER'?" in text and "1 error(s)" in text

    code, _, err = _run(capsys, "validate", "kenia", "--data", data, "--out", out)
    assert code == 2
    assert "unknown country 'kenia'" in err and "kenya" in err and "Traceback" not in err


def test_export_disagreements_matches_the_library_table(data, tmp_path, capsys):
    target = tmp_path / "meeting.xlsx"
    code, text, _ = _run(capsys, "export", "disagreements", "--country", "kenya", "--data", data,
                         "--out", tmp_path / "out", "-o", target)
    assert code == 0
    tables = prepare("kenya", resolve_paths(data, tmp_path / "out")).tables
    expected = disagreements(tables["codings"], tables["segments"])
    sheet = pd.read_excel(target, sheet_name="Disagreements", dtype=str)
    assert f"{len(expected)} disagreement(s)" in text
    assert sheet[["segment_id", "code_id", "applied_by"]].values.tolist() == \
        expected[["segment_id", "code_id", "applied_by"]].astype(str).values.tolist()
    assert sheet.columns[-1] == "decision"


def test_export_framework_matrix_has_campaigns_down_and_themes_across(data, tmp_path, capsys):
    target = tmp_path / "matrix.xlsx"
    code, _, _ = _run(capsys, "export", "framework-matrix", "--country", "kenya", "--top", "5", "--data", data,
                      "--out", tmp_path / "out", "-o", target)
    assert code == 0
    book = openpyxl.load_workbook(target)
    counts = book["Counts"]
    rows = [[c.value for c in row] for row in counts.iter_rows()]
    assert sorted(r[0] for r in rows[1:]) == ["ke-baringo-water", "ke-primary-health"]
    assert len(rows[0]) == 1 + 5
    assert all(isinstance(v, int) for r in rows[1:] for v in r[1:])


def test_template_outcomes_has_dropdowns_for_the_country_campaigns(data, tmp_path, capsys):
    target = tmp_path / "harvest.xlsx"
    code, text, _ = _run(capsys, "template", "outcomes", "--country", "kenya", "--data", data, "-o", target)
    assert code == 0 and str(target) in text
    book = openpyxl.load_workbook(target)
    validations = book["Outcomes"].data_validations.dataValidation
    assert len(validations) >= 7
    lists = book["Lists"]
    values = {c.value for row in lists.iter_rows() for c in row if c.value}
    assert {"ke-primary-health", "ke-baringo-water"} <= values
