"""The prepare step: raw files in, tidy processed tables out, nothing lost, no names, raw untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sparklearn.config import resolve_paths
from sparklearn.ingest.spreadsheets import read_table
from sparklearn.prepare import TABLES, prepare, validate_countries

CONTRACT = {
    "sessions": ["session_id", "country", "campaign_ids", "date", "round", "title", "facilitator_role", "language",
                 "n_participants", "source_file"],
    "segments": ["segment_id", "session_id", "country", "turn", "speaker", "speaker_role", "text", "start", "end",
                 "language", "campaign_id", "translation", "translation_language"],
    "codings": ["country", "session_id", "segment_id", "code_id", "coder", "memo", "source_file", "source_row"],
}


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def kenya(kenya_data, tmp_path):
    """Paths over a copy of the demo data holding only Kenya (see conftest)."""
    return resolve_paths(data=kenya_data, out=tmp_path / "out")


def _names(paths) -> list[str]:
    return read_table(paths.country_raw("kenya") / "participants.csv")["name"].tolist()


def test_demo_country_gives_the_contract_tables_and_counts_add_up(kenya):
    before = _digest(kenya.raw)
    prepared = prepare("kenya", kenya)
    folder = kenya.country_processed("kenya")
    for name in TABLES:
        assert (folder / f"{name}.parquet").exists()
    for name, columns in CONTRACT.items():
        assert list(pd.read_parquet(folder / f"{name}.parquet").columns) == columns, name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == prepared.manifest
    for table, counts in manifest["tables"].items():
        assert counts["read"] == counts["accepted"] + counts["rejected"], table
    # Every coding row of both sheets is accounted for (the sheets' data rows, '#' line and header excluded).
    sheet_rows = sum(len(read_table(p)) for p in (kenya.raw / "kenya" / "codings").glob("*.csv"))
    assert manifest["tables"]["codings"]["read"] == sheet_rows
    assert set(manifest["inputs"]) >= {"countries.yaml", "codebook.yaml", "kenya/participants.csv",
                                       "kenya/outcomes.xlsx"}
    assert _digest(kenya.raw) == before  # raw data is never written


def test_no_registered_name_reaches_any_processed_file_even_from_free_text(kenya):
    names = _names(kenya)
    raw = kenya.country_raw("kenya")
    # A lead writes a participant's name into an outcome description and a coding memo.
    book = openpyxl.load_workbook(raw / "outcomes.xlsx")
    sheet = book["Outcomes"]
    column = [c.value for c in sheet[1]].index("Outcome") + 1
    sheet.cell(row=2, column=column).value = f"After {names[2]} spoke at the hearing, the committee agreed."
    book.save(raw / "outcomes.xlsx")
    with open(raw / "codings" / "coder-a.csv", "a", encoding="utf-8") as handle:
        handle.write(f"KE-S01,KE-S01-T003,OA-POWER,coder-a,{names[0]} said this first\n")
        handle.write(f"KE-S01,KE-S01-T999,OA-POWER,coder-a,{names[1]} in a row that is rejected\n")

    prepare("kenya", kenya)
    folder = kenya.country_processed("kenya")
    texts = [p.read_bytes().decode("utf-8", "replace") for p in folder.iterdir() if p.suffix == ".csv"]
    texts += [pd.read_parquet(p).to_csv() for p in folder.glob("*.parquet")]
    for name in names:
        for part in [name, *[w for w in name.split() if len(w) >= 4]]:
            assert not any(part in text for text in texts), part
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    assert outcomes.loc[0, "outcome"].startswith("After [")  # replaced by a pseudonym, sentence kept
    # ... and the lead is told where, without the name being repeated.
    problems = pd.read_csv(folder / "problems.csv")
    named = problems.loc[problems["rule"] == "a participant's name (or id) in free text"]
    # Named as the files head the columns ('Outcome', column G of the workbook), as the readers' problems are.
    assert sorted(zip(named["column"], named["row"])) == [("Outcome (G)", 2), ("memo", 229)]  # 230 is rejected
    assert set(named["severity"]) == {"warning"} and set(named["value"]) == {"(name withheld)"}
    rejected = pd.read_csv(folder / "rejected_codings.csv")
    assert rejected["segment_id"].tolist() == ["KE-S01-T999"]


def test_an_unreadable_harvest_costs_the_harvest_not_the_country(kenya):
    (kenya.country_raw("kenya") / "outcomes.xlsx").write_bytes(b"not a workbook")
    prepared = prepare("kenya", kenya)
    assert prepared.tables["outcomes"].empty
    assert len(prepared.tables["segments"]) > 100  # sessions and codings still prepared
    errors = prepared.problems.loc[prepared.problems["severity"] == "error"]
    assert len(errors) == 1
    assert errors["file"].iloc[0].endswith("outcomes.xlsx")
    assert "Excel" in errors["fix"].iloc[0]


def test_rejected_rows_written_for_excel_cannot_run_as_formulas(kenya):
    with open(kenya.country_raw("kenya") / "codings" / "coder-a.csv", "a", encoding="utf-8") as handle:
        handle.write('KE-S01,KE-S01-T999,OA-POWER,coder-a,"=HYPERLINK(""http://x"",""y"")"\n')
    prepare("kenya", kenya)
    rejected = pd.read_csv(kenya.country_processed("kenya") / "rejected_codings.csv")
    assert rejected["memo"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")"]


def test_validate_reports_a_misspelt_country_folder(kenya):
    (kenya.raw / "kenia").mkdir()
    result = validate_countries(["kenya"], kenya)
    stray = result.problems.loc[result.problems["value"] == "kenia"]
    assert len(stray) == 1 and stray["severity"].iloc[0] == "error"
    assert "kenya" in stray["fix"].iloc[0]
    assert set(result.summary["table"]) == {"participants", "codings", "outcomes", "decisions", "sessions", "segments"}


def test_prepare_in_memory_writes_nothing_and_gives_the_same_tables(kenya, tmp_path):
    before = _digest(tmp_path)
    in_memory = prepare("kenya", kenya, write=False)
    assert _digest(tmp_path) == before
    written = prepare("kenya", kenya)
    for name in TABLES:
        pd.testing.assert_frame_equal(in_memory.tables[name], written.tables[name], obj=name)
    assert in_memory.manifest == written.manifest


def test_without_an_output_folder_prepare_refuses_to_write_and_says_how(kenya_data):
    from sparklearn.config import Paths
    from sparklearn.exceptions import ParameterError

    with pytest.raises(ParameterError, match="--out DIR or set SPARKLEARN_OUT"):
        prepare("kenya", Paths(kenya_data))


def test_the_manifest_names_each_input_and_the_library_that_wrote_the_tables(kenya):
    from sparklearn import __version__
    from sparklearn.prepare import library_fingerprint

    manifest = prepare("kenya", kenya).manifest
    assert manifest["sparklearn_version"] == __version__ and manifest["library"] == library_fingerprint()
    participants = kenya.raw / "kenya" / "participants.csv"
    assert manifest["inputs"]["kenya/participants.csv"] == hashlib.sha256(participants.read_bytes()).hexdigest()


def test_a_country_without_a_harvest_writes_an_empty_outcomes_table_with_its_columns(kenya):
    from sparklearn.prepare import TABLE_COLUMNS

    (kenya.country_raw("kenya") / "outcomes.xlsx").unlink()
    prepare("kenya", kenya)
    outcomes = pd.read_parquet(kenya.country_processed("kenya") / "outcomes.parquet")
    assert outcomes.empty and tuple(outcomes.columns) == TABLE_COLUMNS["outcomes"]
    assert list(TABLE_COLUMNS)[:3] == list(CONTRACT)  # the contract this file checks by hand
    for name, columns in CONTRACT.items():
        assert list(TABLE_COLUMNS[name]) == columns, name


def test_validate_writes_only_when_given_an_output_folder(kenya, kenya_data, tmp_path):
    from sparklearn.config import Paths

    before = _digest(tmp_path)
    result = validate_countries(["kenya"], Paths(kenya_data))
    assert _digest(tmp_path) == before and result.n_errors == 0
    validate_countries(["kenya"], kenya)
    assert (kenya.country_processed("kenya") / "problems.csv").is_file()


# ------------------------------------------------------------------ real folders, real faults


def test_a_country_early_in_its_project_runs_with_warnings(kenya):
    """No harvest and no sessions folder yet: warnings naming what is missing, and the country is prepared."""
    import shutil

    raw = kenya.country_raw("kenya")
    (raw / "outcomes.xlsx").unlink()
    (raw / "decisions.xlsx").unlink()  # no sessions yet, so no decisions either (the register is optional)
    shutil.rmtree(raw / "sessions")
    shutil.rmtree(raw / "codings")
    prepared = prepare("kenya", kenya, write=False)
    problems = prepared.problems.set_index("rule")
    assert set(problems["severity"]) == {"warning"}
    assert problems.loc["no outcome harvest found", "file"].endswith("outcomes.xlsx")
    assert problems.loc["no sessions folder yet", "file"].endswith("sessions")
    assert "create it" in problems.loc["no sessions folder yet", "fix"]
    assert all(table.empty for table in prepared.tables.values())
    assert prepared.tables["sessions"]["date"].dtype == "datetime64[ns]"  # typed, even when empty


def test_codings_of_a_rejected_session_say_so(kenya):
    session = kenya.country_raw("kenya") / "sessions" / "KE-S01.md"
    session.write_text(session.read_text(encoding="utf-8").replace("date: 2020-12-02", "date: 2092-12-02"),
                       encoding="utf-8")
    prepared = prepare("kenya", kenya, write=False)
    problems = prepared.problems
    dated = problems.loc[problems["column"] == "date"]
    assert dated[["row", "value", "severity"]].values.tolist() == [[5, "2092-12-02", "error"]]
    assert "check the year" in dated["fix"].iloc[0]
    orphans = problems.loc[problems["value"].str.startswith("KE-S01-", na=False)]
    assert len(orphans) and set(orphans["rule"]) == {"the session of this segment was rejected"}
    counts = prepared.manifest["tables"]
    assert counts["sessions"]["rejected"] == 1
    assert all(c["read"] == c["accepted"] + c["rejected"] for c in counts.values())


def test_validate_goes_on_past_a_country_that_cannot_be_prepared(kenya, kenya_data):
    """An unreadable register stops its country (names could not be hidden) with one error row; others are checked."""
    import shutil

    shutil.copytree(kenya_data / "kenya", kenya_data / "ghana")
    for file in (kenya_data / "ghana").rglob("*"):
        if file.is_file() and file.suffix in {".md", ".csv"}:
            file.write_text(file.read_text(encoding="utf-8").replace("kenya", "ghana").replace("KE-", "GH-")
                            .replace("ke-primary-health", "gh-fertiliser"), encoding="utf-8")
    (kenya_data / "kenya" / "participants.csv").write_bytes("participant_id,name,role\n".encode("utf-16-le"))
    (kenya_data / "salt.txt").write_text("0f3a9b\n", encoding="utf-8")  # real data has its salt
    before = _digest(kenya_data)
    result = validate_countries(["kenya", "ghana"], kenya, write=False)
    stopped = result.problems.loc[result.problems["country"] == "kenya"]
    assert len(stopped) == 1 and stopped["severity"].iloc[0] == "error"
    assert stopped["file"].iloc[0].endswith("kenya/participants.csv")
    assert "UTF-16" in stopped["rule"].iloc[0] and "not prepared" in stopped["rule"].iloc[0]
    assert set(result.summary["country"]) == {"ghana"}  # ghana was still checked
    assert _digest(kenya_data) == before
