"""The project as a new user meets it: layout, packaging, conda/pip in step, CI."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _requirement(spec: str) -> tuple[str, str]:
    name, version = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), version.replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = dict(_requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_specs = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_side = dict(_requirement(s) for s in conda_specs if not s.startswith(("python", "pip")))
    pip_list = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    # sparklearn itself, then what conda-forge does not package, from PyPI inside the environment.
    assert pip_list[0] == "-e ."
    from_pypi = dict(_requirement(s) for s in pip_list[1:])
    assert not set(from_pypi) & set(conda_side)
    assert conda_side | from_pypi == pip_side
    python_spec = next(s for s in conda_specs if s.startswith("python"))
    assert python_spec.replace("python", "") == project["requires-python"]


def test_top_level_layout_the_users_fixed():
    for name in ["notebooks", "sparklearn", "data/raw", "data/processed", "reports", "tests",
                 "environment.yml", "README.md", "pyproject.toml", "benchmarks", ".ci/run"]:
        assert (ROOT / name).exists(), name


def test_generated_outputs_are_ignored_but_their_readmes_are_tracked():
    tracked = subprocess.run(["git", "ls-files", "data/processed", "reports"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): nothing to check
        return
    assert set(tracked) == {"data/processed/README.md", "reports/README.md"}
    ignored = subprocess.run(["git", "check-ignore", "reports/index.html", "data/processed/ghana/codings.parquet"],
                             cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ignored == ["reports/index.html", "data/processed/ghana/codings.parquet"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in readme and "make demo" in readme
    assert re.search(r"^make test$", ci, flags=re.M)


def test_console_script_is_installed_and_answers_help():
    exe = Path(sys.executable).with_name("sparklearn")
    assert exe.exists(), "pip install -e . should install the sparklearn command"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ["run", "validate", "template", "import-qdpx", "export-qdpx", "demo-data"]:
        assert command in out
