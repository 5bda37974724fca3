"""The batch: parameters checked up front, failures isolated, cache, atomic writes, reports."""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sparklearn import files, store
from sparklearn.batch import execute, plan, progress, render, run
from sparklearn.config import find_project, resolve_paths
from sparklearn.countries import load_registry
from sparklearn.exceptions import ParameterError
from sparklearn.report import display

DEMO_DATA = find_project(__file__).data  # this checkout's demo data and notebooks
NOTEBOOKS = find_project(__file__).notebooks

ROOT = Path(__file__).resolve().parent.parent
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
SECTIONS = ["Campaigns", "Reflection sessions", "Themes", "Agreement between coders", "Framework matrix",
            "Outcome harvest", "Data quality"]


def _notebook(*cells, tags_parameters: str = 'country = "ghana"\ndata_dir = None\nprocessed_dir = None') -> str:
    """A jupytext percent notebook with a parameters cell, followed by ``cells`` (percent source)."""
    header = ("# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n"
              "#     name: python3\n# ---\n\n# %% [markdown]\n# A test notebook.\n\n")
    return header + f'# %% tags=["parameters"]\n{tags_parameters}\n\n' + "\n\n".join(cells) + "\n"


# --------------------------------------------------------------------------- parameters

def test_unknown_parameter_is_named_with_the_allowed_ones():
    with pytest.raises(ParameterError) as err:
        plan.check_parameters(NOTEBOOKS / "country.py", {"country": "ghana", "colour": "red"})
    text = str(err.value)
    assert "'colour'" in text
    for allowed in ["country", "data_dir", "processed_dir", "period_start", "period_end", "options"]:
        assert allowed in text


def test_every_shipped_notebook_declares_what_the_batch_passes(tmp_path):
    paths = resolve_paths(out=tmp_path)
    jobs = plan.plan_jobs(["ghana", "kenya"], paths, NOTEBOOKS, all_slugs=["ghana", "kenya"])
    assert [j.kind for j in jobs].count("optional") >= 1
    for job in jobs:
        plan.check_parameters(job.source, job.parameters)


def test_notebook_without_a_parameters_cell_is_refused(tmp_path):
    nb = tmp_path / "plain.py"
    nb.write_text("# %%\nx = 1\n")
    with pytest.raises(ParameterError, match="tagged 'parameters'"):
        plan.notebook_parameters(nb)


def test_run_batch_checks_parameters_before_any_kernel_or_prepare(tmp_path):
    paths = resolve_paths(out=tmp_path / "out")
    with pytest.raises(ParameterError, match="'perid_start'"):
        run.run_batch(["ghana"], paths=paths, parameters={"perid_start": "2021-01-01"}, progress=False)
    assert not (tmp_path / "out").exists()  # nothing prepared, no kernel started, nothing written


@pytest.mark.parametrize("jobs", [0, -2])
def test_jobs_below_one_are_refused_before_anything_is_written(tmp_path, jobs):
    paths = resolve_paths(out=tmp_path / "out")
    with pytest.raises(ParameterError, match=rf"jobs \(--jobs\) must be a whole number of 1 or more, not {jobs}"):
        run.run_batch(["ghana"], jobs=jobs, paths=paths, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_comparison_of_some_countries_has_a_name_of_its_own(tmp_path):
    paths = resolve_paths(out=tmp_path)
    every = ["ghana", "kenya", "senegal"]
    some = plan.plan_jobs(["senegal", "kenya"], paths, NOTEBOOKS, all_slugs=every)[-1]
    assert (some.name, some.report, some.covers) == ("comparison-kenya-senegal", "comparison-kenya-senegal.html",
                                                     ("kenya", "senegal"))
    assert some.parameters["countries"] == ["senegal", "kenya"]
    whole = plan.plan_jobs(every, paths, NOTEBOOKS, all_slugs=every)[-1]
    assert (whole.name, whole.covers) == ("comparison", tuple(every))


def test_the_index_says_what_each_comparison_covers():
    common = {"kind": "comparison", "country": None, "status": "ran", "seconds": 4.0, "finished": "x"}
    records = [{**common, "notebook": "comparison", "report": "comparison.html", "covers": ["ghana", "kenya", "senegal"]},
               {**common, "notebook": "comparison-kenya-senegal", "report": "comparison-kenya-senegal.html",
                "covers": ["kenya", "senegal"]}]
    html = render.render_index(records, names={"ghana": "Ghana", "kenya": "Kenya", "senegal": "Senegal"})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Cross-country comparison Covers every country: Ghana, Kenya and Senegal" in text
    assert "Cross-country comparison (some countries) Covers only Kenya and Senegal" in text
    assert 'href="comparison.html"' in html and 'href="comparison-kenya-senegal.html"' in html


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_draws_a_bar_only_on_a_terminal(capsys):
    log = _Stream(tty=False)
    shown = progress.Progress(2, stream=log)
    shown.say("2 notebook(s) unchanged")
    shown.advance("ran     ghana      3.0 s")
    shown.close()
    assert log.getvalue() == ""  # no bar at all
    assert capsys.readouterr().out == "2 notebook(s) unchanged\n[1/2] ran     ghana      3.0 s\n"

    terminal = _Stream(tty=True)
    shown = progress.Progress(2, stream=terminal)
    shown.advance("ran     ghana      3.0 s")
    shown.close()
    assert "\r" in terminal.getvalue() and "1/2" in terminal.getvalue()
    assert capsys.readouterr().out == "ran     ghana      3.0 s\n"

    quiet = progress.Progress(2, enabled=False, stream=_Stream(tty=True))
    quiet.advance("ran")
    assert capsys.readouterr().out == ""


def test_optional_notebooks_belong_to_the_country_their_name_starts_with(tmp_path):
    folder = tmp_path / "countries"
    folder.mkdir()
    for name in ["kenya.py", "south-africa-water.py", "south-africa_budget.py"]:
        (folder / name).write_text("")
    found = plan.optional_notebooks(tmp_path, ["kenya", "south-africa", "south"])
    assert {p.name: s for p, s in found.items()} == {
        "kenya.py": "kenya", "south-africa-water.py": "south-africa", "south-africa_budget.py": "south-africa"}
    (folder / "notes.py").write_text("")
    with pytest.raises(ParameterError, match="notes.py"):
        plan.optional_notebooks(tmp_path, ["kenya"])


# --------------------------------------------------------------------------- plumbing

def test_write_atomic_interrupted_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    files.write_atomic(target, "old report")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, "new rep")
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left behind


def test_failure_of_names_cell_section_and_error():
    nb = new_notebook(cells=[
        new_markdown_cell("## Themes\ntext"), new_code_cell("x", outputs=[]),
        new_markdown_cell("## Agreement between coders"),
        new_code_cell("y", outputs=[new_output("error", ename="KeyError", evalue="'coder'", traceback=[])]),
    ])
    assert execute.failure_of(nb) == {"error_cell": 3, "error_section": "Agreement between coders",
                                       "error_name": "KeyError", "error_value": "'coder'"}
    nb.cells.pop()
    assert execute.failure_of(nb) is None


@pytest.mark.parametrize("error, transient", [
    (RuntimeError("Kernel died before replying to kernel_info"), True),
    (RuntimeError("Kernel didn't respond in 60 seconds"), True),
    (OSError("zmq.error.ZMQError: Address already in use"), True),
    (TimeoutError(), True),
    (ValueError("Kernel died"), False),
    (RuntimeError("a bug"), False),
])
def test_transient_kernel_errors(error, transient):
    assert execute._is_transient(error) is transient


def _job(tmp_path, source: str) -> plan.Job:
    path = tmp_path / "nb.py"
    path.write_text(source)
    return plan.Job("ghana", "country", "ghana", path, {"country": "ghana"})


def test_kernel_launch_is_retried_once_on_a_transient_error(tmp_path, monkeypatch):
    import papermill

    calls = []

    def flaky(nb, output, **kwargs):
        calls.append(kwargs["parameters"])
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return nb

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    _, failure = execute.execute(_job(tmp_path, _notebook()), tmp_path)
    assert failure is None and len(calls) == 2


def test_a_persistent_or_non_transient_error_fails_the_notebook_without_more_tries(tmp_path, monkeypatch):
    import papermill

    calls = []

    def broken(nb, output, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", broken)
    _, failure = execute.execute(_job(tmp_path, _notebook()), tmp_path)
    assert len(calls) == 2
    assert failure["error_name"] == "RuntimeError" and failure["error_section"] == "kernel"


def test_an_interrupted_batch_does_not_retry_the_kernels_it_took_down(tmp_path, monkeypatch):
    import papermill

    calls = []

    def killed(nb, output, **kwargs):
        calls.append(kwargs.get("kernel_manager_class"))
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", killed)

    kernels = execute.Kernels()
    _, failure = execute.execute(_job(tmp_path, _notebook()), tmp_path, kernels)
    # Tried twice (a transient reason), both times through the batch's manager class, so that it can stop them.
    assert calls == [kernels.manager_class] * 2 and failure["error_section"] == "kernel"
    calls.clear()
    kernels.stop()
    _, failure = execute.execute(_job(tmp_path, _notebook()), tmp_path, kernels)
    assert calls == [kernels.manager_class] and failure["error_name"] == "RuntimeError"


def _executed_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("One line purpose."),
        new_code_cell("import secret_module_name", outputs=[
            new_output("stream", name="stderr", text="FutureWarning: noisy"),
        ]),
        new_markdown_cell("## Themes\nWhat came up <most>."),
        new_code_cell("plot_codes_secretly()", outputs=[
            new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
            new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "js"}),
            new_output("execute_result", execution_count=3,
                       data={"text/html": pd.DataFrame({"code": ["<b>x</b>"]}).to_html(), "text/plain": "t"}),
        ]),
        new_markdown_cell("### Per round"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_report_has_no_code_no_script_but_figures_toc_colour_and_provenance():
    html = render.render_report(
        _executed_notebook(), title="Ghana <GH>", colour="#c1272d",
        provenance={"version": "9.9", "commit": "abc123def4567890", "fingerprint": "f00d", "run_date": "2024-01-02"},
        executed_link="notebooks/ghana.ipynb",
    )
    assert "<script" not in html.lower() and "alert(1)" not in html
    assert "secret_module_name" not in html and "plot_codes_secretly" not in html
    assert "jp-InputArea" not in html and "FutureWarning" not in html
    assert f"data:image/png;base64,{PNG_1PX}" in html
    assert "Ghana &lt;GH&gt;" in html and "--sl-colour: #c1272d" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # cell values stay escaped in tables
    toc = re.search(r'<nav[^>]*class="sl-toc".*?</nav>', html, flags=re.DOTALL).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ["Themes", "Per-round"]
    assert 'id="Themes"' in html and 'id="Per-round"' in html
    for piece in ["sparklearn 9.9", "abc123def456", "f00d", "2024-01-02", 'href="notebooks/ghana.ipynb"']:
        assert piece in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from the network


def test_failed_report_opens_with_the_error_and_anchors_the_failing_cell():
    nb = _executed_notebook()
    nb.cells.insert(3, new_code_cell("boom()", outputs=[
        new_output("error", ename="ValueError", evalue="no codings <here>", traceback=["\x1b[31mValueError\x1b[0m"])]))
    failure = execute.failure_of(nb)
    html = render.render_report(nb, title="Ghana", failure=failure, provenance={})
    assert failure["error_section"] == "Themes"
    banner = re.search(r'<div class="sl-failure-banner".*?</div>', html, flags=re.DOTALL).group(0)
    assert "ValueError: no codings &lt;here&gt;" in banner and 'href="#failed-cell"' in banner
    assert html.count('id="failed-cell"') == 1
    assert "<script" not in html.lower()


def test_index_escapes_and_links_failures_to_the_failing_cell():
    records = [
        {"notebook": "ghana", "kind": "country", "country": "ghana", "status": "ran", "seconds": 3.2,
         "report": "ghana.html", "executed": "notebooks/ghana.ipynb", "finished": "2024-01-02 10:00"},
        {"notebook": "countries/kenya", "kind": "optional", "country": "kenya", "status": "failed", "seconds": 1.0,
         "report": "countries/kenya.html", "executed": "notebooks/countries/kenya.ipynb", "finished": "x",
         "error_cell": 4, "error_section": "Themes", "error_name": "KeyError", "error_value": "<script>x</script>"},
        {"notebook": "comparison", "kind": "comparison", "country": None, "status": "cached", "seconds": 0.0,
         "last_seconds": 4.0, "report": "comparison.html", "executed": "notebooks/comparison.ipynb", "finished": "y"},
    ]
    html = render.render_index(records, names={"ghana": "Ghana", "kenya": "Kenya"}, colours={"ghana": "#c1272d"})
    assert "<script" not in html.lower() and "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'href="countries/kenya.html#failed-cell"' in html
    for link in ["ghana.html", "notebooks/ghana.ipynb", "comparison.html", "notebooks/comparison.ipynb"]:
        assert f'href="{link}"' in html
    assert html.index("Ghana") < html.index("Kenya") < html.index("Cross-country comparison")


# --------------------------------------------------------------------------- notebooks' side

def test_notebook_paths_default_to_the_demo_data(tmp_path):
    paths = store.notebook_paths(None, tmp_path / "processed")
    assert paths.raw == DEMO_DATA and paths.processed == tmp_path / "processed"


def test_shipped_notebooks_have_purpose_imports_then_one_parameters_cell():
    sources = [NOTEBOOKS / "country.py", NOTEBOOKS / "comparison.py", *sorted((NOTEBOOKS / "countries").glob("*.py"))]
    for path in sources:
        nb = plan.read_notebook(path)
        kinds = [c.cell_type for c in nb.cells]
        assert kinds[:3] == ["markdown", "code", "code"], path
        assert len(nb.cells[0].source.strip().splitlines()) == 1, path
        tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        assert tagged == [2], path
        assert "import" in nb.cells[1].source
        assert not any("def " in c.source or "class " in c.source for c in nb.cells if c.cell_type == "code"), path


# --------------------------------------------------------------------------- the real batch (slow)

def _participant_names() -> list[str]:
    names = []
    for register in DEMO_DATA.glob("*/participants.csv"):
        names += pd.read_csv(register, comment="#")["name"].dropna().tolist()
    return names


@pytest.mark.slow
def test_batch_on_demo_data_makes_every_report(demo_batch):
    result, reports = demo_batch.result, demo_batch.paths.reports
    summary = result.summary
    assert result.ok, summary[["notebook", "status", "error_section", "error_name", "error_value"]].to_string()
    slugs = sorted(p.name for p in DEMO_DATA.iterdir() if p.is_dir())
    assert sorted(summary.loc[summary["kind"] == "country", "notebook"]) == slugs
    assert set(summary["kind"]) == {"country", "comparison", "optional"}
    assert set(summary["status"]) == {"ran"}
    names = _participant_names()
    assert len(names) > 20
    # Readers know campaigns by name: no report (the Kenya note's panels included) shows a campaign id.
    campaign_ids = load_registry(DEMO_DATA / "countries.yaml").campaigns["campaign_id"].tolist()
    assert "ke-primary-health" in campaign_ids
    for row in summary.itertuples():
        html = (reports / row.report).read_text(encoding="utf-8")
        assert (reports / row.executed).exists()
        assert "<script" not in html.lower()
        shown = [i for i in campaign_ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", html)]
        assert not shown, (row.report, shown)
        # Figures at twice the pixel density (issue 13), and a report still small enough to e-mail.
        assert (reports / row.report).stat().st_size < 1_500_000, row.report
        leaked = [n for n in names if n.lower() in html.lower()]
        assert not leaked, (row.report, leaked[:3])
        if row.kind == "country":
            headings = re.findall(r"<h2 id=\"[^\"]+\">(.*?)<a", html)
            assert [h for h in SECTIONS if h in headings] == SECTIONS, (row.report, headings)
            assert "data:image/png;base64," in html
    index = (reports / "index.html").read_text(encoding="utf-8")
    for row in summary.itertuples():
        assert f'href="{row.report}"' in index
    manifest = json.loads((demo_batch.paths.processed / "ghana" / "manifest.json").read_text())
    assert set(manifest) >= {"country", "inputs", "tables", "n_errors", "n_warnings"}


@pytest.mark.slow
def test_a_failing_notebook_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    from sparklearn import cli

    notebooks = tmp_path / "notebooks"
    (notebooks / "countries").mkdir(parents=True)
    (notebooks / "country.py").write_text(_notebook('# %% [markdown]\n# ## Campaigns\n\n# %%\nprint("campaigns of", country)'))
    (notebooks / "comparison.py").write_text(_notebook(
        "# %%\nprint(countries)", tags_parameters="countries = []\ndata_dir = None\nprocessed_dir = None"))
    (notebooks / "countries" / "ghana-broken.py").write_text(_notebook(
        "# %% [markdown]\n# ## Local question", "# %%\nraise ValueError('the local question has no data yet')"))
    paths = resolve_paths(data=DEMO_DATA, out=tmp_path / "out")

    result = run.run_batch(["ghana"], paths=paths, notebooks_dir=notebooks, progress=False)
    status = dict(zip(result.summary["notebook"], result.summary["status"]))
    # One country of seven: its comparison has a name of its own (see test_a_comparison_of_some_countries...).
    assert status == {"ghana": "ran", "countries/ghana-broken": "failed", "comparison-ghana": "ran"}
    assert not result.ok
    failed = result.summary.set_index("notebook").loc["countries/ghana-broken"]
    assert (failed["error_name"], failed["error_value"], failed["error_section"]) == (
        "ValueError", "the local question has no data yet", "Local question")
    reports = paths.reports
    executed = nbformat.read(reports / failed["executed"], as_version=4)
    assert execute.failure_of(executed)["error_cell"] == failed["error_cell"]
    report = (reports / failed["report"]).read_text()
    assert 'id="failed-cell"' in report and "the local question has no data yet" in report
    index = (reports / "index.html").read_text()
    assert 'href="countries/ghana-broken.html#failed-cell"' in index
    assert (reports / "ghana.html").exists() and (reports / "comparison-ghana.html").exists()

    # The command line, in a project whose notebooks are these: failures are not cached, so only
    # the broken notebook runs again; exit 1. Its output is a log's (not a terminal): no bar, no "\r".
    (tmp_path / "sparklearn.toml").write_text(f'data = "{DEMO_DATA.as_posix()}"\nnotebooks = "notebooks"\n')
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "--country", "ghana", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "FAILED countries/ghana-broken (section 'Local question'" in out
    assert "the local question has no data yet" in out
    assert "2 cached, 1 failed" in out
    assert "[1/1] failed  countries/ghana-broken" in out
    assert "\r" not in out + err


@pytest.mark.slow
def test_cache_skips_unchanged_work_and_reruns_only_what_a_change_touches(demo_batch):
    paths = demo_batch.paths
    before = {p.name: p.stat().st_mtime_ns for p in paths.reports.glob("*.html")}
    # How fast a no-change rerun is belongs to benchmarks/bench_batch.py; here: that it does nothing.
    again = run.run_batch(paths=paths, progress=False)
    assert again.executed == [] and set(again.summary["status"]) == {"cached"}
    assert {p.name: p.stat().st_mtime_ns for p in paths.reports.glob("*.html")} == before

    session = sorted((paths.raw / "ghana" / "sessions").glob("*.md"))[0]
    session.write_text(session.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = run.run_batch(paths=paths, progress=False)
    assert sorted(changed.executed) == ["comparison", "ghana"]
    assert changed.ok
    assert (paths.reports / "kenya.html").stat().st_mtime_ns == before["kenya.html"]


@pytest.mark.slow
def test_a_run_for_some_countries_leaves_the_comparison_of_all_as_it_was(demo_batch):
    paths = demo_batch.paths
    whole = paths.reports / "comparison.html"
    before = whole.read_bytes()
    some = run.run_batch(["senegal", "kenya"], paths=paths, progress=False)
    assert some.ok
    assert dict(zip(some.summary["notebook"], some.summary["status"]))["comparison-kenya-senegal"] == "ran"
    assert whole.read_bytes() == before
    report = (paths.reports / "comparison-kenya-senegal.html").read_text(encoding="utf-8")
    assert "Kenya and Senegal only: 2 of the 7 countries" in report
    index = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (paths.reports / "index.html").read_text(encoding="utf-8")))
    assert "Covers every country: Ghana, India, Indonesia, Kenya, Nigeria, Senegal and South Africa" in index
    assert "Covers only Kenya and Senegal" in index


def _descendants(pid: int) -> dict[int, bytes]:
    """Every process below ``pid`` (kernels and what they started) -> its command line (Linux /proc)."""
    parents, commands = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            commands[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
    below, grew = {pid}, True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in below and child not in below:
                below.add(child)
                grew = True
    return {p: commands.get(p, b"") for p in below - {pid}}


def _kernels_of(pid: int) -> list[int]:
    """The processes below ``pid`` that are kernels."""
    return [p for p, command in _descendants(pid).items() if b"ipykernel_launcher" in command]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads kernel processes from Linux's /proc")
def test_ctrl_c_stops_the_batch_at_once_and_leaves_no_kernel_behind(kenya_data, tmp_path):
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    batch = subprocess.Popen(
        [sys.executable, "-m", "sparklearn.cli", "run", "--country", "kenya", "--data", str(kenya_data),
         "--out", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # As a terminal starts it: a test earlier in the session may leave SIGINT ignored in this process, and a
        # child inheriting that ignores Ctrl-C (Python then installs no KeyboardInterrupt handler).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not _kernels_of(batch.pid) and batch.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert batch.poll() is None, f"no kernel started: {batch.stderr.read()}"
        time.sleep(1)  # into the notebook
        left = list(_descendants(batch.pid))  # kernels and anything they started
        started = time.monotonic()
        os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the batch's process group
        _, err = batch.communicate(timeout=60)
        seconds = time.monotonic() - started
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    assert batch.returncode == 130 and "interrupted" in err, err
    assert seconds < 10
    for _ in range(50):
        if not any(_alive(pid) for pid in left):
            break
        time.sleep(0.1)
    assert left and not [pid for pid in left if _alive(pid)]
    # Nothing half-written: no temporary file or work folder left among the reports.
    assert not [p for p in (out / "reports").rglob(".*") if p.name != ".cache.json"]


def test_report_figures_are_compact_pngs_with_a_white_background():
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig, ax = plt.subplots(figsize=(8, 4.2))
    grid = np.random.default_rng(0).random((15, 15))
    ax.imshow(grid, cmap="YlGnBu")  # a heat map: the costliest kind of figure in the reports
    plain = io.BytesIO()
    fig.savefig(plain, format="png", dpi=matplotlib.rcParams["savefig.dpi"], bbox_inches="tight", facecolor="white")
    small = display.figure_png(fig)
    plt.close(fig)
    image = Image.open(io.BytesIO(small))
    assert image.mode == "P"  # 256-colour palette
    assert image.convert("RGB").getpixel((1, 1)) == (255, 255, 255)
    assert image.size == Image.open(plain).size
    assert len(small) < 0.6 * len(plain.getvalue())


def _savefig_tight(fig):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight", facecolor="white")
    return Image.open(buffer).convert("RGB")


@pytest.fixture
def report_dpi():
    import matplotlib
    matplotlib.use("Agg")

    with matplotlib.rc_context({"figure.dpi": 96, "savefig.dpi": 96}):
        yield 96


def test_report_figures_are_drawn_once_and_cropped_as_savefig_crops_them(report_dpi):
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.barh([f"a long theme label {i}\nwith a second line" for i in range(8)], range(8), color="#b5121b")
    ax.set_title("The themes that came up most often", fontweight="bold")
    fig.tight_layout()
    reference = _savefig_tight(fig)
    cropped = display._figure_image(fig)
    plt.close(fig)
    # Same picture: the size to the pixel (savefig rounds the crop its own way: at most one
    # pixel apart) and the same pixels but for anti-aliased edges a fraction of a pixel apart.
    assert abs(cropped.size[0] - reference.size[0]) <= 1 and abs(cropped.size[1] - reference.size[1]) <= 1
    w, h = min(cropped.size[0], reference.size[0]), min(cropped.size[1], reference.size[1])
    a = np.asarray(cropped, dtype=int)[:h, :w]
    b = np.asarray(reference, dtype=int)[:h, :w]
    assert np.abs(a - b).mean() < 8
    assert (np.abs(a - b).sum(axis=2) > 60).mean() < 0.08
    # The red bars are where savefig draws them.
    red = lambda img: (img[..., 0] > 150) & (img[..., 1] < 60)  # noqa: E731
    assert abs(int(red(a).sum()) - int(red(b).sum())) < 0.02 * red(b).sum()
    assert cropped.getpixel((0, 0)) == (255, 255, 255)


def test_a_figure_reaching_past_its_edges_is_grown_as_savefig_grows_it(report_dpi):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.legend(["a legend placed outside the axes and the figure"], loc="center left", bbox_to_anchor=(1.05, 0.5))
    reference = _savefig_tight(fig)
    image = display._figure_image(fig)
    plt.close(fig)
    assert image.size == reference.size
    assert image.size[0] > 4 * report_dpi  # wider than the figure: nothing cut off


@pytest.mark.slow
def test_in_a_kernel_each_figure_is_drawn_once_and_sent_as_one_png():
    """report_setup takes pyplot's redraw-everything hook out (the public way): one draw per figure."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    client = manager.client()
    client.start_channels()

    def run(code: str) -> list[dict]:
        messages: list[dict] = []
        reply = client.execute_interactive(code, timeout=120, output_hook=messages.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        return messages

    try:
        client.wait_for_ready(timeout=60)
        run("from sparklearn.report.display import report_setup\nreport_setup()\n"
            "from matplotlib.figure import Figure\ndraws = []\n_draw = Figure.draw\n"
            "def counted(self, renderer):\n    draws.append(id(self))\n    return _draw(self, renderer)\n"
            "Figure.draw = counted")
        shown = run("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2, 3]);")
        shown += run("fig2, ax2 = plt.subplots()\nax2.bar(['a', 'b'], [1, 2]);")
        counted = run("print(len(draws), len(set(draws)))")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    images = [m["content"]["data"] for m in shown if m["msg_type"] == "display_data"]
    assert [sorted(data) for data in images] == [["image/png", "text/plain"]] * 2
    printed = "".join(m["content"].get("text", "") for m in counted if m["msg_type"] == "stream")
    assert printed.split() == ["2", "2"]


def test_importing_the_batch_patches_nothing_process_wide():
    """The rfc3987_syntax stand-in belongs to the command line's entry point, not to an import."""
    import subprocess
    import sys

    code = ("import sys; import sparklearn.batch.run, sparklearn.report.display; "
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.slow
def test_a_report_names_problem_files_within_the_data_folder_never_where_the_data_lie(kenya_data, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(kenya_data / "kenya" / "decisions.xlsx")
    book["Decisions"]["I3"] = "next week"
    book.save(kenya_data / "kenya" / "decisions.xlsx")
    result = run.run_batch(["kenya"], paths=resolve_paths(data=kenya_data, out=tmp_path / "out"), progress=False)
    assert result.exit_code == 3  # every report built; an input had errors
    html = (tmp_path / "out" / "reports" / "kenya.html").read_text(encoding="utf-8")
    assert "kenya/decisions.xlsx" in html and "Due by (I)" in html and "next week" in html
    assert str(kenya_data) not in html and str(tmp_path) not in html
