"""The shape of the house: stages import one way, no cycles, notebooks stay out of the batch, modules stay short.

The contract itself lives in pyproject.toml (``[tool.importlinter]``) so that
``lint-imports`` on the command line and this test check the same thing.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

import sparklearn

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "sparklearn"
NOTEBOOKS = REPO / "notebooks"

#: What a notebook may import from sparklearn: the store, analysis, report and the reference modules.
NOTEBOOK_MAY_IMPORT = ("sparklearn.store", "sparklearn.analysis", "sparklearn.report",
                       "sparklearn.codebook", "sparklearn.countries")

#: A module longer than this says why in its docstring ("Longer than ... because ...").
MAX_LINES = 800


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("sparklearn")


def test_the_import_contract_is_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([lint, "--config", str(REPO / "pyproject.toml"), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_contract_catches_an_upward_import_inside_a_function(tmp_path):
    """import-linter (through grimp) reads imports inside functions too: the contract is not blind to them."""
    package = tmp_path / "house"
    (package / "report").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "report" / "__init__.py").write_text("")
    (package / "store.py").write_text("def tables():\n    from house.report import words\n    return words\n")
    (package / "report" / "words.py").write_text("from house import store\n")
    (tmp_path / "contract.toml").write_text(
        '[tool.importlinter]\nroot_package = "house"\n\n[[tool.importlinter.contracts]]\n'
        'name = "one way"\ntype = "layers"\nlayers = ["house.report", "house.store"]\n')
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([lint, "--config", "contract.toml", "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "house.store -> house.report.words (l.2)" in done.stdout


def test_no_import_cycles_between_modules(graph):
    edges = nx.DiGraph()
    for module in graph.modules:
        if module == "sparklearn":  # the package root only re-exports names lazily
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != "sparklearn" and not module.startswith(imported + "."):
                edges.add_edge(module, imported)
    cycles = list(nx.simple_cycles(edges))
    assert cycles == [], cycles


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if node.module == "sparklearn")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.split(".")[0] == "sparklearn"}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.rglob("*.py")), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_notebooks_import_only_store_analysis_and_report(notebook):
    used = _imports(notebook.read_text(encoding="utf-8"))
    assert used, f"{notebook} imports nothing from sparklearn"
    wrong = sorted(m for m in used if m != "sparklearn" and not m.startswith(NOTEBOOK_MAY_IMPORT))
    assert wrong == [], f"{notebook.name} imports {wrong}; notebooks import only {', '.join(NOTEBOOK_MAY_IMPORT)}"


def test_the_notebook_rule_catches_a_batch_import():
    assert _imports("from sparklearn.batch.run import run_batch\n") == {"sparklearn.batch.run"}
    assert _imports("from sparklearn import batch\n") == {"sparklearn", "sparklearn.batch"}


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_modules_are_short_or_say_why(module):
    source = module.read_text(encoding="utf-8")
    lines = source.count("\n")
    doc = ast.get_docstring(ast.parse(source)) or ""
    assert lines <= MAX_LINES or "Longer than" in doc, f"{module.name}: {lines} lines and no reason in its docstring"


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_says_what_it_is_for(module):
    doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    assert len(doc.split()) >= 8, f"{module}: write a docstring saying which stage this is and what it holds"
    assert not doc.startswith("(from "), f"{module}: the docstring is still the restructure's placeholder"


def test_the_public_api_is_named_and_documented():
    assert "__version__" in sparklearn.__all__
    for name in sparklearn.__all__:
        value = getattr(sparklearn, name)
        if name == "__version__":
            continue
        doc = value.__doc__ or ""
        assert doc.strip(), f"sparklearn.{name} has no docstring"
        if callable(value) and not isinstance(value, type):
            assert "Returns" in doc or "Yields" in doc, f"sparklearn.{name}: numpydoc Returns section missing"
            assert "Examples" in doc, f"sparklearn.{name}: numpydoc Examples section missing"


def test_importing_sparklearn_stays_light():
    """A kernel that only wants the version must not pay for pandas, matplotlib or papermill."""
    code = "import sys, sparklearn; print(sorted(m for m in ('pandas', 'matplotlib', 'papermill') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def _private_imports(module: Path) -> list[str]:
    """``from sparklearn.x import _name`` in ``module``: another module's private helper borrowed."""
    found = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sparklearn"):
            found += [f"{node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_borrows_another_modules_private_helpers(module):
    """A helper two modules share is part of an interface: it gets a public name (and a docstring)."""
    assert _private_imports(module) == [], f"{module.name}: make these public where they are defined"


def test_the_private_import_rule_catches_a_borrowed_helper(tmp_path):
    borrowed = tmp_path / "borrower.py"
    borrowed.write_text('"""A module that borrows."""\nfrom sparklearn.report.figures import _private_thing\n')
    assert _private_imports(borrowed) == ["sparklearn.report.figures._private_thing"]
