"""Paths come from where the user works: flags, then the environment, then the project found upward.

Never from where the package is installed: a second clone used with this checkout's
environment reads and writes only its own folders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sparklearn import cli
from sparklearn.config import find_project, resolve_paths
from sparklearn.exceptions import ParameterError

REPO = find_project(__file__).root


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- finding the project


def test_the_project_is_found_from_any_folder_inside_it(second_clone):
    for start in (second_clone, second_clone / "notebooks", second_clone / "data" / "raw" / "kenya" / "sessions"):
        project = find_project(start)
        assert project.root == second_clone.resolve(), start
        assert project.data == second_clone.resolve() / "data" / "raw"
        assert project.processed == second_clone.resolve() / "data" / "processed"
        assert project.reports == second_clone.resolve() / "reports"
        assert project.notebooks == second_clone.resolve() / "notebooks"


def test_data_raw_countries_yaml_marks_a_project_without_sparklearn_toml(second_clone):
    (second_clone / "sparklearn.toml").unlink()
    assert find_project(second_clone / "notebooks").root == second_clone.resolve()
    (second_clone / "data" / "raw" / "countries.yaml").unlink()
    assert find_project(second_clone / "notebooks") is None


def test_sparklearn_toml_names_the_folders_and_rejects_unknown_keys(tmp_path):
    (tmp_path / "sparklearn.toml").write_text('data = "inputs"\nreports = "html"\n', encoding="utf-8")
    project = find_project(tmp_path)
    assert project.data == tmp_path.resolve() / "inputs"
    assert project.reports == tmp_path.resolve() / "html"
    assert project.processed == tmp_path.resolve() / "data" / "processed"

    (tmp_path / "sparklearn.toml").write_text('data = "inputs"\noutput = "x"\n', encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown key 'output'") as err:
        find_project(tmp_path)
    assert "sparklearn.toml" in str(err.value) and "processed" in str(err.value)

    (tmp_path / "sparklearn.toml").write_text('data = inputs\n', encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid TOML"):
        find_project(tmp_path)


def test_a_project_whose_data_live_elsewhere_gets_no_default_outputs(tmp_path):
    (tmp_path / "sparklearn.toml").write_text(f'data = "{(tmp_path.parent / "secure").as_posix()}"\n',
                                              encoding="utf-8")
    project = find_project(tmp_path)
    assert project.processed is None and project.reports is None
    (tmp_path / "sparklearn.toml").write_text(
        f'data = "{(tmp_path.parent / "secure").as_posix()}"\nprocessed = "out/processed"\n', encoding="utf-8")
    assert find_project(tmp_path).processed == tmp_path.resolve() / "out" / "processed"


# --------------------------------------------------------------------------- the order: flag, environment, project


def test_flags_then_environment_then_project(second_clone, tmp_path, monkeypatch):
    here = second_clone.resolve()
    paths = resolve_paths(cwd=second_clone / "notebooks")
    assert (paths.raw, paths.processed, paths.reports, paths.notebooks) == (
        here / "data" / "raw", here / "data" / "processed", here / "reports", here / "notebooks")

    monkeypatch.setenv("SPARKLEARN_DATA", str(tmp_path / "env-data"))
    monkeypatch.setenv("SPARKLEARN_OUT", str(tmp_path / "env-out"))
    paths = resolve_paths(cwd=second_clone)
    assert paths.raw == tmp_path / "env-data" and paths.processed == tmp_path / "env-out" / "processed"
    assert paths.reports == tmp_path / "env-out" / "reports" and paths.notebooks == here / "notebooks"

    paths = resolve_paths(tmp_path / "flag-data", tmp_path / "flag-out", cwd=second_clone)
    assert paths.raw == tmp_path / "flag-data" and paths.processed == tmp_path / "flag-out" / "processed"


def test_data_outside_the_project_get_no_output_folder_without_out(second_clone, tmp_path):
    paths = resolve_paths(tmp_path / "secure", cwd=second_clone)
    assert not paths.has_out
    with pytest.raises(ParameterError, match="--out DIR or set SPARKLEARN_OUT"):
        _ = paths.processed
    with pytest.raises(ParameterError, match="SPARKLEARN_OUT"):
        _ = paths.reports
    assert resolve_paths(tmp_path / "secure", tmp_path / "out", cwd=second_clone).processed == \
        tmp_path / "out" / "processed"
    # The project's own data, named by a flag, keep the project's outputs.
    assert resolve_paths(second_clone / "data" / "raw", cwd=second_clone).processed == \
        second_clone.resolve() / "data" / "processed"


def test_commands_that_make_a_file_write_processed_tables_only_where_told(second_clone, tmp_path, monkeypatch):
    assert not resolve_paths(cwd=second_clone, default_out=False).has_out
    assert resolve_paths(out=tmp_path, cwd=second_clone, default_out=False).processed == tmp_path / "processed"
    monkeypatch.setenv("SPARKLEARN_OUT", str(tmp_path / "env"))
    assert resolve_paths(cwd=second_clone, default_out=False).processed == tmp_path / "env" / "processed"


def test_outside_any_project_commands_say_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError) as err:
        resolve_paths()
    for hint in ("cd into a sparklearn project", "--data DIR", "SPARKLEARN_DATA"):
        assert hint in str(err.value)
    for argv in (["validate"], ["run"], ["template", "outcomes", "--country", "kenya"],
                 ["export", "disagreements", "--country", "kenya"]):
        code, _, text = _run(capsys, *argv)
        assert code == 2 and "cd into a sparklearn project" in text and "Traceback" not in text, argv
    assert list(tmp_path.iterdir()) == []


def test_run_with_data_elsewhere_and_no_out_stops_before_writing(kenya_data, repo_untouched, capsys):
    code, _, text = _run(capsys, "run", "--country", "kenya", "--data", kenya_data)
    assert code == 2 and "--out DIR or set SPARKLEARN_OUT" in text
    assert sorted(p.name for p in kenya_data.parent.iterdir()) == ["data"]


def test_a_notebook_opened_in_jupyterlab_finds_its_project_upward(second_clone, monkeypatch):
    from sparklearn.store import notebook_paths

    monkeypatch.chdir(second_clone / "notebooks")  # where JupyterLab runs a notebook's kernel
    paths = notebook_paths()
    assert paths.raw == second_clone.resolve() / "data" / "raw"
    assert paths.processed == second_clone.resolve() / "data" / "processed"


# --------------------------------------------------------------------------- a second clone, this environment


def test_every_command_run_in_a_second_clone_touches_only_its_folders(second_clone, repo_untouched, monkeypatch,
                                                                      capsys):
    monkeypatch.chdir(second_clone)
    commands = [
        ["validate", "--country", "kenya"],
        ["validate", "--country", "kenya", "--out", "out"],
        ["template", "outcomes", "--country", "kenya", "-o", "harvest.xlsx"],
        ["template", "coding", "--country", "kenya", "--session", "KE-S01", "-o", "sheets"],
        ["export", "disagreements", "--country", "kenya", "-o", "meeting.xlsx"],
        ["export", "framework-matrix", "--country", "kenya", "--top", "3", "-o", "matrix.xlsx"],
        ["export-qdpx", "--country", "kenya", "-o", "kenya.qdpx"],
        ["import-qdpx", "kenya.qdpx", "--country", "kenya", "-o", "codings.csv"],
    ]
    for argv in commands:
        code, _, err = _run(capsys, *argv)
        assert code == 0, (argv, err)
    made = {p.relative_to(second_clone).as_posix() for p in second_clone.rglob("*")
            if p.is_file() and p.name != "sparklearn.toml" and not p.is_relative_to(second_clone / "data" / "raw")
            and not p.is_relative_to(second_clone / "notebooks")}
    assert {"harvest.xlsx", "sheets/coding-KE-S01.xlsx", "meeting.xlsx", "matrix.xlsx", "kenya.qdpx",
            "codings.csv", "out/processed/kenya/manifest.json"} <= made
    # Only `validate --out out` wrote processed tables: none went to the clone's data/processed either.
    assert not (second_clone / "data" / "processed").exists()
    assert {m.split("/")[0] for m in made} == {"harvest.xlsx", "sheets", "meeting.xlsx", "matrix.xlsx", "kenya.qdpx",
                                               "codings.csv", "out"}


@pytest.mark.slow
def test_run_in_a_second_clone_writes_its_reports_there(second_clone, repo_untouched):
    """The installed entry point, started in folder B: B's data, B's notebooks, B's outputs."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPARKLEARN_DATA", "SPARKLEARN_OUT")}
    for argv in (["validate", "--country", "ghana"], ["run", "--country", "ghana", "--jobs", "2"]):
        done = subprocess.run([sys.executable, "-m", "sparklearn.cli", *argv], cwd=second_clone, env=env, check=False,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (second_clone / "reports" / "ghana.html").is_file()
    assert (second_clone / "reports" / "index.html").is_file()
    manifest = json.loads((second_clone / "data" / "processed" / "ghana" / "manifest.json").read_text())
    assert manifest["country"] == "ghana"
    executed = json.loads((second_clone / "reports" / "notebooks" / "ghana.ipynb").read_text())
    parameters = executed["metadata"]["papermill"]["parameters"]
    assert Path(parameters["data_dir"]) == (second_clone / "data" / "raw").resolve()
