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
