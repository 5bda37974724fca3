"""Benchmark: the demo notebooks' own work, cell by cell, in a fresh interpreter each.

What a report costs inside its kernel, without the kernel: each notebook (the country
report for one country, then the comparison) runs in a child process started from
scratch, as a kernel is, so that its imports count. The child runs the notebook's code
cells in order with the batch's parameters, shows every table and figure through
IPython's formatters as set up by ``report_setup()`` (figures become the report's PNGs),
and prints each cell's seconds. It also says which of the modules a country report does
not need (the schema library; statsmodels' model classes, which only the comparison's
rate ratios use) the kernel loaded.

Then, in one more fresh child, the operations sped up in the "Speed" part of issue 10,
each timed cold (first call in the process, as in a notebook) and warm (best of five):
``outcome_chains`` with the notebook's codebook levels against ``levels=None`` (which
reads and checks the codebook file again: the old notebook cell), the co-occurrence
figure (drawn twice because its labels spill past the canvas). The comparison's QCA
cells (robustness grid, alternatives) are in its cell list.

Run: ``python benchmarks/bench_notebook_cells.py [--country kenya]``. Wall times on a
shared machine are noisy: compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_NEEDED = ("pandera", "statsmodels.genmod.generalized_linear_model", "statsmodels.discrete.discrete_model")


def _run_notebook(source: str, parameters: dict) -> None:
    """Child: run a notebook's code cells with IPython's formatters, print JSON timings."""
    started = time.perf_counter()
    import jupytext
    import matplotlib

    matplotlib.use("agg")
    import IPython.display
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()  # report_setup() registers the report's formatters on it

    class Handle:
        def update(self, *objects, **kwargs):
            for obj in objects:
                shell.display_formatter.format(obj)

    def display(*objects, **kwargs):
        for obj in objects:
            shell.display_formatter.format(obj)
        return Handle()

    IPython.display.display = display
    overhead = time.perf_counter() - started
    notebook = jupytext.read(source)
    namespace: dict = {}
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code = cell.source
        if "parameters" in cell.metadata.get("tags", []):
            code += "\n" + "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
        tree = ast.parse(code)
        # The kernel shows a cell's last expression unless the cell ends with ";".
        shown = (tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"))
        last = ast.Expression(tree.body.pop().value) if shown else None
        start = time.perf_counter()
        exec(compile(tree, "cell", "exec"), namespace)
        if last is not None:
            value = eval(compile(last, "cell", "eval"), namespace)
            if value is not None:
                shell.display_formatter.format(value)
        import matplotlib.pyplot as plt

        for number in plt.get_fignums():
            shell.display_formatter.format(plt.figure(number))
        plt.close("all")
        cells.append((time.perf_counter() - start, code.strip().splitlines()[0][:70]))
    print(json.dumps({"cells": cells, "overhead": overhead,
                      "loaded": [name for name in NOT_NEEDED if name in sys.modules]}))


def _operations(country: str, data: str, processed: str) -> None:
    """Child: the sped-up operations, cold then warm, printed as JSON."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from sparklearn.analysis import outcomes, themes
    from sparklearn.codebook import code_labels, vocabulary
    from sparklearn.report import figures
    from sparklearn.report.display import figure_output, report_setup
    from sparklearn.store import country_tables, notebook_paths, reference

    report_setup()
    paths = notebook_paths(data, processed)
    _, codebook = reference(paths)
    tables = country_tables(country, paths)
    labels = code_labels(codebook)
    top = themes.code_frequencies(tables.codings, tables.segments, by="country").nlargest(15, "n_segments")
    pairs = themes.cooccurrence(tables.codings, segments=tables.segments)

    def cooccurrence_figure():
        fig = figures.plot_cooccurrence(pairs, codes=top["code_id"].tolist(), labels=labels, title="Themes")
        figure_output(fig)
        plt.close(fig)

    levels = vocabulary(codebook, "level")["id"].tolist()
    operations = {
        "outcome_chains, the notebook's levels (now)": lambda: outcomes.outcome_chains(tables.outcomes, levels=levels),
        "outcome_chains, levels=None (the old cell: reads the codebook file)":
            lambda: outcomes.outcome_chains(tables.outcomes),
        "co-occurrence figure, drawn and encoded": cooccurrence_figure,
    }
    result = {}
    for name, operation in operations.items():
        start = time.perf_counter()
        operation()
        cold = time.perf_counter() - start
        warm = []
        for _ in range(5):
            start = time.perf_counter()
            operation()
            warm.append(time.perf_counter() - start)
        result[name] = (cold, min(warm))
    print(json.dumps(result))


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="kenya")
    parser.add_argument("--top", type=int, default=8, help="slowest cells listed per notebook")
    options = parser.parse_args()

    from sparklearn.config import find_project, resolve_paths
    from sparklearn.countries import load_registry
    from sparklearn.store import ensure_current, reference

    project = find_project(ROOT)
    with tempfile.TemporaryDirectory() as out:
        paths = resolve_paths(data=project.data, out=Path(out))
        slugs = load_registry(paths.countries_file).slugs
        # As the batch does before it starts kernels: tables and the checked registry and codebook.
        for slug in slugs:
            ensure_current(slug, paths)
        reference(paths)
        common = {"data_dir": str(paths.raw), "processed_dir": str(paths.processed)}
        runs = {
            f"country.py ({options.country})": (ROOT / "notebooks" / "country.py", {"country": options.country, **common}),
            "comparison.py": (ROOT / "notebooks" / "comparison.py", {"countries": list(slugs), **common}),
        }
        for name, (source, parameters) in runs.items():
            start = time.perf_counter()
            result = _child("--notebook", str(source), json.dumps(parameters))
            total = time.perf_counter() - start
            cells = result["cells"]
            print(f"{name}: code cells {sum(s for s, _ in cells):.2f} s "
                  f"(import cell {cells[0][0]:.2f} s), child process {total:.2f} s; "
                  f"loaded of {', '.join(NOT_NEEDED)}: {', '.join(result['loaded']) or 'none'}")
            for seconds, first_line in sorted(cells, reverse=True)[:options.top]:
                print(f"  {seconds:6.2f} s  {first_line}")
        print("operations (seconds: cold first call, then best of 5 warm):")
        for name, (cold, warm) in _child("--operations", options.country, str(paths.raw),
                                         str(paths.processed)).items():
            print(f"  {cold:6.3f} {warm:6.3f}  {name}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--notebook"]:
        _run_notebook(sys.argv[2], json.loads(sys.argv[3]))
    elif sys.argv[1:2] == ["--operations"]:
        _operations(*sys.argv[2:5])
    else:
        main()
