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
    # Turns of the sessions both campaigns shared are a case of their own (each turn counted once).
    assert sorted(r[0] for r in rows[1:]) == ["ke-baringo-water", "ke-primary-health",
                                             "ke-primary-health+ke-baringo-water"]
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


# --------------------------------------------------------------------------- one command line


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_jobs_refuses_zero_negatives_and_words(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--jobs", value])
    assert exit_.value.code == 2
    assert "argument --jobs" in capsys.readouterr().err


def test_the_country_is_chosen_with_country_in_every_command(monkeypatch, data, tmp_path, capsys):
    import sparklearn.batch.run as batch_run

    seen = {}

    def fake_run_batch(countries, **kwargs):
        seen["countries"] = countries

        class Done:
            ok = True
            exit_code = 0  # BatchResult.exit_code: no notebook failed, no input error
        return Done()

    monkeypatch.setattr(batch_run, "run_batch", fake_run_batch)
    out = tmp_path / "out"
    assert cli.main(["run", "--country", "kenya", "ghana", "--country", "india", "--out", str(out)]) == 0
    assert seen["countries"] == ["kenya", "ghana", "india"]
    assert capsys.readouterr().err == ""
    # The older spelling still works, and says what to write instead.
    assert cli.main(["run", "--countries", "kenya", "--out", str(out)]) == 0
    assert seen["countries"] == ["kenya"] and "--country kenya" in capsys.readouterr().err

    code, text, err = _run(capsys, "validate", "--country", "kenya", "--data", data)
    assert code == 0 and "0 error(s)" in text and err == ""
    code, text, err = _run(capsys, "validate", "kenya", "--data", data)
    assert code == 0 and "deprecated" in err and "--country kenya" in err
    for command in ("template", "export", "export-qdpx", "import-qdpx"):
        assert "--country SLUG" in cli.build_parser()._subparsers._group_actions[0].choices[command].format_usage()


def test_every_command_that_writes_says_where_in_its_help():
    commands = cli.build_parser()._subparsers._group_actions[0].choices
    for name, parser in commands.items():
        assert "Writes:" in parser.description, name
        if name != "demo-data":
            assert "--out" in parser.format_help(), name


def test_validate_prints_a_problem_without_a_row_number(data, capsys):
    (data / "kenya" / "outcomes.xlsx").unlink()  # a warning about the whole country, no row
    code, text, err = _run(capsys, "validate", "--country", "kenya", "--data", data)
    assert code == 0 and "Traceback" not in err
    assert "WARNING: [kenya] " in text and "no outcome harvest found" in text
    block = text[text.index("WARNING: [kenya] "):].splitlines()[0]
    assert block.endswith("outcomes.xlsx")  # no ", row" for a problem without one


def test_validate_names_a_bad_cell_by_the_sheets_header_and_letter(data, capsys):
    """The lead looks for 'Due by' in column I, not for sparklearn's 'due_date'."""
    for name, header, value in (("decisions.xlsx", "Due by", "next week"), ("outcomes.xlsx", "Date", "yesterday")):
        book = openpyxl.load_workbook(data / "kenya" / name)
        sheet = book.worksheets[0]
        cell = next(c for c in sheet[1] if c.value == header)
        sheet.cell(row=3, column=cell.column).value = value
        book.save(data / "kenya" / name)
    code, text, _ = _run(capsys, "validate", "--country", "kenya", "--data", data)
    assert code == 1
    assert "decisions.xlsx, row 3, column 'Due by (I)'\n  not a date (value: 'next week')" in text
    assert "outcomes.xlsx, row 3, column 'Date (D)'\n  not a date (value: 'yesterday')" in text


def test_file_commands_with_data_elsewhere_write_only_their_file(data, tmp_path, repo_untouched, capsys):
    """The repository is the current folder, the data live elsewhere, no --out: nothing lands in data/processed."""
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    for argv, made in [
        (["template", "coding", "--country", "kenya", "--session", "KE-S01", "-o", tmp_path / "sheets"],
         "sheets/coding-KE-S01.xlsx"),
        (["export-qdpx", "--country", "kenya", "-o", tmp_path / "k.qdpx"], "k.qdpx"),
        (["import-qdpx", tmp_path / "k.qdpx", "--country", "kenya", "-o", tmp_path / "c.csv"], "c.csv"),
        (["export", "disagreements", "--country", "kenya", "-o", tmp_path / "d.xlsx"], "d.xlsx"),
    ]:
        code, _, err = _run(capsys, *argv, "--data", data)
        assert code == 0, err
        assert (tmp_path / made).is_file()
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert sorted(set(after) - set(before)) == ["c.csv", "d.xlsx", "k.qdpx", "sheets", "sheets/coding-KE-S01.xlsx"]


def test_file_commands_keep_prepared_tables_in_the_out_folder_they_are_given(data, tmp_path, capsys):
    out = tmp_path / "cache"
    code, _, _ = _run(capsys, "export", "disagreements", "--country", "kenya", "--data", data, "--out", out,
                      "-o", tmp_path / "d.xlsx")
    assert code == 0 and (out / "processed" / "kenya" / "manifest.json").is_file()
    stamp = (out / "processed" / "kenya" / "manifest.json").stat().st_mtime_ns
    code, _, _ = _run(capsys, "template", "coding", "--country", "kenya", "--session", "KE-S01", "--data", data,
                      "--out", out, "-o", tmp_path / "sheets")
    assert code == 0 and (out / "processed" / "kenya" / "manifest.json").stat().st_mtime_ns == stamp  # reused
