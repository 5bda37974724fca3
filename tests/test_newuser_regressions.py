"""Regressions found by trying the README as a new country research lead would.

Each test names the README step it follows and what went wrong before the fix.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from sparklearn.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "qdpx"


def _data() -> Path:
    from sparklearn.config import find_project

    data = find_project(__file__).data
    if not (data / "kenya" / "sessions").is_dir():
        pytest.skip(f"no demo sessions in {data / 'kenya'} (make demo-data)")
    return data


def _maxqda_project(tmp_path: Path) -> Path:
    """The MAXQDA 24 fixture: a project coded with codes of its own (not SPARK codes)."""
    folder, target = FIXTURES / "maxqda-24", tmp_path / "coded.qdpx"
    with zipfile.ZipFile(target, "w") as archive:
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.name != "README.md":
                archive.write(f, f.relative_to(folder).as_posix())
    return target


def test_the_code_map_is_not_written_into_the_codings_folder_the_readme_names_as_output(tmp_path, capsys):
    # README: `import-qdpx coded.qdpx --country kenya --output <data>/kenya/codings/nvivo.csv`. The code map
    # used to land beside it, in codings/, where validate and run then read it as a coding sheet (126 errors).
    data = tmp_path / "data"
    shutil.copytree(_data(), data)
    codings = data / "kenya" / "codings"
    status = main(["import-qdpx", str(_maxqda_project(tmp_path)), "--country", "kenya", "--data", str(data),
                   "--output", str(codings / "nvivo.csv")])
    assert status == 4
    written = data / "kenya" / "nvivo-code-map.xlsx"
    assert written.is_file()
    assert sorted(p.name for p in codings.iterdir()) == ["coder-a.csv", "coder-b.csv"]
    out = capsys.readouterr().out
    assert f"Wrote the code map to {written} (nothing else was written)" in out

    assert main(["validate", "--country", "kenya", "--data", str(data)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_the_code_map_stays_beside_an_output_outside_a_codings_folder(tmp_path, capsys):
    status = main(["import-qdpx", str(_maxqda_project(tmp_path)), "--country", "kenya", "--data", str(_data()),
                   "--output", str(tmp_path / "coded" / "nvivo.csv")])
    assert status == 4
    assert (tmp_path / "coded" / "nvivo-code-map.xlsx").is_file()
    assert "nvivo-code-map.xlsx" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["decisions", "outcomes"])
def test_a_template_asked_for_as_csv_is_refused_rather_than_written_as_a_workbook_named_csv(kind, tmp_path,
                                                                                             capsys):
    # README: keep the register as decisions.xlsx "(or decisions.csv)". `template decisions -o kenya-decisions.csv`
    # used to write an Excel workbook under the .csv name, which the register reader then cannot read as CSV.
    target = tmp_path / f"kenya-{kind}.csv"
    assert main(["template", kind, "--country", "kenya", "--data", str(_data()), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{target}: the template is an Excel workbook (with dropdowns), not a '.csv'" in err
    assert f"name it .xlsx, e.g. -o kenya-{kind}.xlsx" in err and "Traceback" not in err
    assert not target.exists()


def test_validate_with_more_than_200_problems_says_how_to_get_the_rest(tmp_path, capsys):
    # An imported project that repeats coder-a's codings (the README's round trip) gives 226 duplicate-coding
    # errors; validate without --out pointed at a problems.csv it had not written.
    data = tmp_path / "data"
    shutil.copytree(_data(), data)
    codings = data / "kenya" / "codings"
    shutil.copy(codings / "coder-a.csv", codings / "nvivo.csv")
    assert main(["validate", "--country", "kenya", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "more (rerun with --out DIR to keep all of them in DIR/processed/<country>/problems.csv)" in out
    assert "see problems.csv in each processed country folder" not in out

    assert main(["validate", "--country", "kenya", "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert f"more (all of them: {tmp_path / 'out' / 'processed'}/<country>/problems.csv)" in out
    assert (tmp_path / "out" / "processed" / "kenya" / "problems.csv").is_file()


def test_a_taguette_document_of_no_session_is_explained_with_this_countrys_session_ids(tmp_path, capsys):
    # README, Taguette step 5: a Kenyan highlight export on a document named KE-S99 was told to name it "GH-S01".
    sheet = tmp_path / "all_tags.csv"
    sheet.write_text("id,document,tag,content\n1,KE-S99,OA-POWER,Nothing here\n", encoding="utf-8")
    assert main(["import-qdpx", str(sheet), "--country", "kenya", "--data", str(_data()),
                 "-o", str(tmp_path / "taguette.csv")]) == 1
    out = capsys.readouterr().out
    assert f"{sheet}, row 2, column 'document'" in out and "document is not a session of kenya" in out
    assert "(e.g. KE-S01), or start its name with it (KE-S01 Round 1 ...)" in out and "GH-S01" not in out


def test_run_outside_a_checkout_with_data_and_out_says_to_cd_into_the_checkout(tmp_path, monkeypatch, capsys):
    # README, "Real data": `sparklearn run --data ... --out ...` from another folder used to answer "pass --data DIR
    # and --out DIR, or set SPARKLEARN_DATA and SPARKLEARN_OUT": exactly what had been done.
    data = _data()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPARKLEARN_DATA", raising=False)
    monkeypatch.delenv("SPARKLEARN_OUT", raising=False)
    assert main(["run", "--country", "kenya", "--data", str(data), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "run uses the notebooks of your sparklearn checkout" in err and f"{tmp_path} is not inside one" in err
    assert "cd into the checkout and run again" in err and "or pass --data DIR" not in err
    assert list(tmp_path.iterdir()) == []
