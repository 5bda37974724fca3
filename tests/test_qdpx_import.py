"""Importing what MAXQDA, NVivo and ATLAS.ti export: code maps, source matching, the import report, exit codes.

The fixtures (tests/fixtures/qdpx/<tool>/, each with a README saying which tool version and which quirk)
hold the Kenya demo sessions KE-S01 and KE-S02 as each tool keeps them.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sparklearn.cli import main
from sparklearn.codebook import load_codebook
from sparklearn.ingest.code_map import MAP_SHEET, read_code_map
from sparklearn.ingest.qda_codings import selections_to_codings
from sparklearn.ingest.refi_qda import read_qdpx

FIXTURES = Path(__file__).parent / "fixtures" / "qdpx"


def _data() -> Path:
    from sparklearn.config import find_project

    data = find_project(__file__).data
    if not (data / "kenya" / "sessions").is_dir():
        pytest.skip(f"no demo sessions in {data / 'kenya'} (make demo-data)")
    return data


@functools.cache
def _segments() -> pd.DataFrame:
    from sparklearn.config import resolve_paths
    from sparklearn.store import country_tables

    return country_tables("kenya", resolve_paths(_data(), default_out=False)).segments


def _zip(tmp_path: Path, tool: str) -> Path:
    folder, target = FIXTURES / tool, tmp_path / f"{tool}.qdpx"
    with zipfile.ZipFile(target, "w") as archive:
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.name != "README.md":
                archive.write(f, f.relative_to(folder).as_posix())
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """An --out folder shared by the module's commands: the country is prepared once, not per command."""
    from sparklearn.config import resolve_paths
    from sparklearn.store import country_tables

    out = tmp_path_factory.mktemp("out")
    for country in ("kenya", "ghana"):
        country_tables(country, resolve_paths(_data(), out))
    return out


def _import(tmp_path: Path, project: Path, *more: str, country: str = "kenya", out: Path) -> int:
    return main(["import-qdpx", str(project), "--country", country, "--data", str(_data()), "--out", str(out),
                 "--output", str(tmp_path / "codings.csv"), *more])


def _fill_map(path: Path, **choices: str) -> Path:
    """Take every suggestion, then the choices given by code name ('' leaves the row blank)."""
    book = openpyxl.load_workbook(path)
    sheet = book[MAP_SHEET]
    for row in sheet.iter_rows(min_row=2):
        name, suggestion = row[1].value, row[6].value
        row[9].value = choices.get(name, suggestion) or None
    book.save(path)
    return path


def test_a_maxqda_project_with_its_own_codes_comes_in_through_a_filled_map(tmp_path, capsys, cache):
    project = _zip(tmp_path, "maxqda-24")
    # First run: the codes are not SPARK codes, so the map is written beside the output and nothing else.
    assert _import(tmp_path, project, out=cache) == 4
    out = capsys.readouterr().out
    written = tmp_path / "codings-code-map.xlsx"
    assert written.is_file() and not (tmp_path / "codings.csv").exists()
    assert f"Wrote the code map to {written} (nothing else was written)" in out
    assert f"run again with --map {written}" in out
    assert "  sources: 3 read, 2 matched a session (2 by text), 1 unmatched: Workshop notes" in out
    assert "code is not in the codebook" not in out  # one message, not one error per coding

    sheet = openpyxl.load_workbook(written)[MAP_SHEET]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 16
    assert rows["Hidden"][0] == "Power cube/Forms of power/Hidden" and rows["Hidden"][2] == "#aec7e8"
    assert rows["Hidden"][6] == "PW-FORM-HIDDEN" and rows["County assembly"][6] == "AE-LEGISLATURE"
    assert rows["Invited spaces"][5] == 3 and rows["Invited spaces"][9] == "PW-SPACE-INVITED"  # exact: pre-filled
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1.startswith("=Codebook!$A$2") and str(validation.sqref) == "J2:J17"

    # Second run with the filled map: the newsletter quotes are ignored, the empty codes left blank.
    _fill_map(written, **{"Newsletter quotes": "ignore", "Logistics": "", "Lunch": ""})
    assert _import(tmp_path, project, "--map", str(written), out=cache) == 1  # two codings rejected: an error each
    out = capsys.readouterr().out
    assert "  codes: 16 read, 4 matched to the codebook, 9 mapped, 1 ignored, 2 unmapped: Logistics, Lunch" in out
    assert "  codings: 14 read = 10 imported + 2 ignored + 2 rejected; 11 turn coding(s) written" in out
    assert "    AO: 7 read = 5 imported + 1 ignored + 1 rejected; 6 turn coding(s)" in out
    assert "    JK: 7 read = 5 imported + 1 ignored + 1 rejected; 5 turn coding(s)" in out
    assert "selection covers no speaker turn" in out and "source is not a session of kenya" in out
    sheet = pd.read_csv(tmp_path / "codings.csv")
    assert len(sheet) == 11 and f"wrote 11 codings to {tmp_path / 'codings.csv'}" in out
    triples = set(sheet[["segment_id", "code", "coder"]].itertuples(index=False, name=None))
    assert {("KE-S01-T005", "PW-SPACE-INVITED", "AO"), ("KE-S01-T006", "PW-SPACE-INVITED", "AO"),  # one span
            ("KE-S02-T003", "SC-ROOTCAUSE", "AO"), ("KE-S02-T003", "SC-ROOTCAUSE", "JK"),
            ("KE-S02-T009", "AE-MEDIA", "JK"), ("KE-S01-T007", "PW", "JK")} <= triples
    assert not {code for _, code, _ in triples} & {"ignore", "Newsletter quotes"}


def test_counts_add_up_for_every_coder(tmp_path):
    project = read_qdpx(_zip(tmp_path, "maxqda-24"))
    codes = project.codes
    # A map filled by hand: every code coded with gets a SPARK code, the quotes are ignored.
    path = tmp_path / "map.xlsx"
    choice = {"Newsletter quotes": "ignore", "Power cube": "PW", "Hidden": "PW-FORM-HIDDEN",
              "Actors": "ignore", "County assembly": "AE-LEGISLATURE", "Community groups": "AE-COMMUNITY",
              "Budget analysis": "SC-ROOTCAUSE"}
    pd.DataFrame({"Code path": codes["path"], "Your choice": codes["name"].map(choice),
                  "Code GUID": codes["guid"]}).to_excel(path, sheet_name=MAP_SHEET, index=False)
    checked = selections_to_codings(project, _segments(), codebook=load_codebook(), country="kenya",
                                    code_map=read_code_map(path, load_codebook()))
    by_coder = checked.report.by_coder.set_index("coder")
    assert (by_coder["read"] == by_coder["imported"] + by_coder["ignored"] + by_coder["rejected"]).all()
    # The title-line selection is on 'Actors', now ignored: only the workshop notes coding is rejected.
    assert by_coder.loc[["AO", "JK"], ["read", "imported", "ignored", "rejected"]].values.tolist() == [
        [7, 5, 2, 0], [7, 5, 1, 1]]
    assert int(by_coder["rejected"].sum()) == len(checked.rejected) == 1
    assert by_coder["turn_codings"].sum() == len(checked.accepted) == 11
    assert checked.report.codes_ignored == ["Actors", "Newsletter quotes"]


def test_bad_map_values_stop_the_import_naming_each_row(tmp_path, capsys, cache):
    project = _zip(tmp_path, "maxqda-24")
    assert _import(tmp_path, project, "--map-out", str(tmp_path / "my-map.xlsx"), out=cache) == 4
    path = _fill_map(tmp_path / "my-map.xlsx", Hidden="PW-FORM-HIDEN", Media="radio")
    assert _import(tmp_path, project, "--map", str(path), out=cache) == 2
    err = capsys.readouterr().err
    assert f"{path}, column 'Your choice': 2 choice(s) are neither a SPARK code nor 'ignore'" in err
    assert "row 4 'PW-FORM-HIDEN' (did you mean 'PW-FORM-HIDDEN'?)" in err and "row 9 'radio'" in err
    assert not (tmp_path / "codings.csv").exists()


def test_no_source_matched_exits_non_zero_naming_the_unmatched_sources(tmp_path, capsys, cache):
    project = _zip(tmp_path, "maxqda-24")
    _import(tmp_path, project, out=cache)
    path = _fill_map(tmp_path / "codings-code-map.xlsx", **{"Newsletter quotes": "ignore"})
    capsys.readouterr()
    # Ghana's sessions are not in this project: no source matches one.
    assert _import(tmp_path, project, "--map", str(path), out=cache, country="ghana") == 1
    out = capsys.readouterr().out
    assert "  NOTHING IMPORTED: none of 3 source(s) matched a session; all 14 coding(s) were rejected or ignored" in out
    assert ("  sources: 3 read, 0 matched a session, 3 unmatched: Reflection Gilgil Dec 2020, "
            "Baringo water reflection, Workshop notes") in out
    assert "wrote 0 codings" in out


@pytest.mark.parametrize(("tool", "convention", "matched_by", "expected"), [
    ("nvivo-14", "CRLF", "session id", {("KE-S01-T002", "AE-LEGISLATURE"), ("KE-S02-T009", "AE-MEDIA"),
                                        ("KE-S02-T004", "SC-AGENCY")}),
    ("atlasti-26", "LF", "file name", {("KE-S01-T002", "PW-SPACE-INVITED"), ("KE-S01-T006", "OA-SPACES"),
                                       ("KE-S02-T003", "SC-ROOTCAUSE")}),
])
def test_nvivo_and_atlas_ti_exports_import_onto_the_right_turns(tmp_path, tool, convention, matched_by, expected):
    project = read_qdpx(_zip(tmp_path, tool))
    checked = selections_to_codings(project, _segments(), codebook=load_codebook(), country="kenya")
    report = checked.report
    assert report.positions.startswith(f"{convention}: ") and report.ok
    assert report.sources["matched_by"].tolist() == [matched_by, matched_by]
    assert report.by_coder[["read", "imported", "ignored", "rejected", "turn_codings"]].values.tolist() == [
        [6, 6, 0, 0, 6]]
    assert expected <= set(checked.accepted[["segment_id", "code_id"]].itertuples(index=False, name=None))


def test_a_qdc_codebook_becomes_a_map_before_any_coding(tmp_path, capsys):
    qdc = tmp_path / "maxqda.qdc"
    qde = (FIXTURES / "maxqda-24" / "project.qde").read_text(encoding="utf-8")
    book = qde[qde.index("<CodeBook>"):qde.index("</CodeBook>") + len("</CodeBook>")]
    qdc.write_text(book.replace("<CodeBook>", '<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'), encoding="utf-8")
    code = main(["import-qdpx", str(qdc), "--data", str(_data()), "--output", str(tmp_path / "map.xlsx")])
    out = capsys.readouterr().out
    assert code == 0 and f"wrote the code map of 16 codes to {tmp_path / 'map.xlsx'}" in out
    rows = list(openpyxl.load_workbook(tmp_path / "map.xlsx")[MAP_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 16 and all(r[5] is None for r in rows)  # no codings yet
    assert main(["import-qdpx", str(qdc), "--data", str(_data()), "--output", str(tmp_path / "codes.csv")]) == 2
