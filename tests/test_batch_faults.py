"""``sparklearn run`` tells the truth about data and survives being killed (issue 11, causes 4, 7, 9).

- The end of every run summarises the input files' problems, and the exit status says
  "inputs had errors" (3) apart from "a notebook failed" (1).
- A batch killed with SIGKILL at each stage boundary (while preparing, while a notebook
  runs, after a report is written, after the index is written), its input then put
  back: the next run rebuilds what is stale and removes what the killed run left, and
  the processed tables, the reports and the index all describe the input as it is.
- An output folder that is a file, read-only, or full gives a message, not a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sparklearn.batch.run import BatchResult, _print_problems, sweep
from sparklearn.config import resolve_paths

BAD_CODE = "NOT-A-CODE-XYZ"


# ------------------------------------------------------------------ fast tests


def test_sweep_removes_what_a_killed_run_left_and_nothing_else(tmp_path):
    paths = resolve_paths(data=tmp_path / "data", out=tmp_path / "out")
    work = paths.reports / "notebooks" / ".run-abc123"
    work.mkdir(parents=True)
    (work / "kenya.ipynb").write_text("{}")
    leftovers = [paths.reports / ".kenya.html.0f0f.tmp", paths.processed / "kenya" / ".codings.parquet.1a2b.tmp"]
    kept = [paths.reports / "kenya.html", paths.processed / "kenya" / "manifest.json", paths.reports / ".cache.json",
            paths.reports / "notebooks" / "kenya.ipynb"]
    for f in leftovers + kept:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x")
    removed = sweep(paths)
    assert sorted(removed) == sorted([work, *leftovers])
    assert not work.exists() and not any(f.exists() for f in leftovers) and all(f.exists() for f in kept)


def _result(statuses, severities) -> BatchResult:
    summary = pd.DataFrame({"status": statuses})
    return BatchResult(summary, Path("index.html"), {}, pd.DataFrame({"country": "kenya", "severity": severities}))


@pytest.mark.parametrize(("statuses", "severities", "code"), [
    (["ran", "cached"], [], 0),
    (["ran", "cached"], ["warning"], 0),
    (["ran", "cached"], ["error", "warning"], 3),
    (["ran", "failed"], ["error"], 1),
    (["ran", "failed"], [], 1),
])
def test_exit_code_tells_a_failed_notebook_from_input_errors(statuses, severities, code):
    result = _result(statuses, severities)
    assert result.exit_code == code
    assert result.input_errors == severities.count("error")


def test_the_closing_data_summary_counts_by_country_and_file_and_names_the_worst(tmp_path, capsys):
    paths = resolve_paths(data=tmp_path / "data", out=tmp_path / "out")
    raw = str(paths.raw)
    problems = pd.DataFrame({
        "country": ["kenya"] * 4 + ["ghana"],
        "file": [f"{raw}/kenya/codings/coder-a.csv"] * 3 + [f"{raw}/kenya/outcomes.xlsx", f"{raw}/ghana/x.csv"],
        "row": ["3", "9", "", "2", "4"], "column": ["code", "code", "", "date", "coder"],
        "value": ["X"] * 5, "rule": ["unknown code", "unknown code", "file has no header", "date in the future",
                                     "empty coder"],
        "fix": ["f"] * 5, "severity": ["error", "error", "warning", "warning", "error"],
    })
    _print_problems(problems, paths, worst=2)
    out = capsys.readouterr().out
    assert "Data: 3 errors and 2 warnings in the input files (rows with errors are left out" in out
    assert "kenya: kenya/codings/coder-a.csv: 2 errors, 1 warning" in out
    assert "kenya: kenya/outcomes.xlsx: 1 warning" in out and "ghana: ghana/x.csv: 1 error" in out
    assert "ERROR kenya/codings/coder-a.csv, row 3, column 'code': unknown code" in out
    first = out.split("First to fix:")[1].split("Every problem")[0]
    assert first.count("\n  ERROR") == 2 and "WARNING" not in first and "empty coder" not in first  # errors first
    # The real files, no placeholder, and validate as this run was given its data.
    assert f"{paths.processed / 'ghana' / 'problems.csv'}, {paths.processed / 'kenya' / 'problems.csv'}" in out
    assert "<country>" not in out and f"`sparklearn validate --data {paths.raw}`" in out
    _print_problems(problems.iloc[0:0], paths)
    assert "no problems found" in capsys.readouterr().out


def test_out_pointing_at_a_file_is_a_message_with_the_path_and_the_fix(tmp_path, kenya_data, capsys):
    from sparklearn.cli import main

    target = tmp_path / "reports.txt"
    target.write_text("not a folder")
    assert main(["run", "--country", "kenya", "--data", str(kenya_data), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "must name a folder, not a file" in err and "Traceback" not in err


@pytest.fixture()
def small_disk(tmp_path):
    """A tmpfs of ``size``, mounted for the test (skipped where mounting is not allowed)."""
    mounted = []

    def mount(size: str, *options: str) -> Path:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs",
                               str(where)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", str(where)], check=False)


def test_read_only_output_folder_is_a_message_with_the_path_and_the_fix(small_disk, kenya_data, capsys):
    from sparklearn.cli import main

    # A read-only file system: the one read-only folder even root cannot write (chmod does not stop root).
    out = small_disk("1m", "ro")
    assert main(["validate", "--country", "kenya", "--data", str(kenya_data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "choose an output folder you may write to" in err and "Traceback" not in err


# ------------------------------------------------------------- the real batch, slow


def _cli(data: Path, out: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "sparklearn.cli", "run", "--country", "kenya", "--data", str(data),
            "--out", str(out), "--jobs", "1", *more]


def _break_input(data: Path) -> None:
    """Input B: a coding with a code the codebook does not have (one error), a new turn quoted in the report."""
    sheet = data / "kenya" / "codings" / "coder-a.csv"
    sheet.write_text(sheet.read_text(encoding="utf-8") + f"KE-S01,KE-S01-T002,{BAD_CODE},coder-a,\n",
                     encoding="utf-8")


@pytest.mark.slow
def test_input_errors_are_summarised_and_exit_3_with_every_report_built(kenya_data, tmp_path):
    _break_input(kenya_data)
    done = subprocess.run(_cli(kenya_data, tmp_path / "out"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 failed" not in done.stdout and "0 failed" in done.stdout
    assert "Data: 1 error and 0 warnings in the input files" in done.stdout
    assert "kenya: kenya/codings/coder-a.csv: 1 error" in done.stdout
    assert "ERROR kenya/codings/coder-a.csv, row " in done.stdout and "problems.csv" in done.stdout
    assert (tmp_path / "out" / "reports" / "kenya.html").exists()


def _fingerprint_of(report: Path) -> str:
    text = report.read_text(encoding="utf-8")
    return text.split("Input fingerprint <code>", 1)[1].split("</code>", 1)[0]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """Input A (the Kenya demo data) and a finished batch of it, to copy for each fault test."""
    from tests.conftest import DEMO_DATA

    base = tmp_path_factory.mktemp("baseline")
    data = base / "data"
    data.mkdir()
    for name in ("countries.yaml", "codebook.yaml"):
        shutil.copy(DEMO_DATA / name, data / name)
    shutil.copytree(DEMO_DATA / "kenya", data / "kenya")
    done = subprocess.run(_cli(data, base / "out"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return data, base / "out"


def _stage_reached(stage: str, out: Path, before: dict[str, float]) -> bool:
    """Whether the running batch has just crossed ``stage``'s boundary (seen from the files it writes)."""
    reports, processed = out / "reports", out / "processed" / "kenya"
    if stage == "prepare":  # preparing has begun: the old manifest is gone, the new not yet written
        return not (processed / "manifest.json").exists()
    if stage == "notebook":  # a notebook is running in its work folder
        return any((reports / "notebooks").glob(".run-*"))
    if stage == "render":  # a report was rewritten, the index not yet
        return any(p.stat().st_mtime_ns != before.get(str(p)) for p in reports.rglob("*.html")
                   if p.name != "index.html")
    return (reports / "index.html").stat().st_mtime_ns != before[str(reports / "index.html")]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "killpg"), reason="SIGKILL of a process group is POSIX")
@pytest.mark.parametrize("stage", ["prepare", "notebook", "render", "index"])
def test_a_batch_killed_at_each_stage_then_rerun_describes_the_current_input(baseline, tmp_path, stage):
    from sparklearn import __version__
    from sparklearn.batch.cache import fingerprint
    from sparklearn.prepare import input_hashes
    from sparklearn.store import country_problems, stale_reason

    data_a, out_a = baseline
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(data_a, data)
    shutil.copytree(out_a, out)
    before = {str(p): p.stat().st_mtime_ns for p in (out / "reports").rglob("*.html")}

    _break_input(data)  # input B
    batch = subprocess.Popen(_cli(data, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while batch.poll() is None and time.monotonic() < deadline and not _stage_reached(stage, out, before):
            time.sleep(0.002)
        assert batch.poll() is None, f"the batch finished before the {stage} boundary could be caught"
        os.killpg(batch.pid, signal.SIGKILL)
        batch.wait(timeout=30)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    assert batch.returncode == -signal.SIGKILL

    shutil.copy(data_a / "kenya" / "codings" / "coder-a.csv", data / "kenya" / "codings" / "coder-a.csv")  # A again
    done = subprocess.run(_cli(data, out), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Data: no problems found" in done.stdout

    paths = resolve_paths(data=data, out=out)
    # Nothing the killed run left behind.
    assert not list((out / "reports" / "notebooks").glob(".run-*"))
    assert not list(out.rglob("*.tmp"))
    # Processed tables: current for input A, and its problems are A's (none), not B's.
    manifest = json.loads((out / "processed" / "kenya" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"] == input_hashes("kenya", paths) and manifest["n_errors"] == 0
    # (stale_reason also compares the library's own fingerprint, which moves while the checkout is edited.)
    assert stale_reason("kenya", paths) in (None, f"written by another build of sparklearn ({__version__})")
    assert country_problems("kenya", paths).empty
    # Reports: made from input A (the fingerprint in each footer), none mentions B's error.
    a_print = fingerprint(input_hashes("kenya", paths))
    for report in (out / "reports").rglob("*.html"):
        text = report.read_text(encoding="utf-8")
        assert BAD_CODE not in text, report.name
        if report.name != "index.html" and "comparison" not in report.name:
            assert _fingerprint_of(report) == a_print, report.name
    # The index: A's data problems (none) beside every report, none failed.
    import lxml.html

    rows = lxml.html.parse(str(out / "reports" / "index.html")).getroot().xpath("//tbody/tr")
    cells = [[" ".join(td.text_content().split()) for td in row.xpath("td")] for row in rows]
    assert cells and all("failed" not in " ".join(c).lower() for c in cells)
    assert [c[4] for c in cells if c[4]] and all(c[4] == "0 error(s), 0 warning(s)" for c in cells if c[4])


@pytest.mark.slow
def test_a_full_disk_is_a_message_and_leaves_no_temporary_file(small_disk, kenya_data):
    out = small_disk("600k")  # room for the processed tables and a report or two, not for the whole batch
    done = subprocess.run(_cli(kenya_data, out), capture_output=True, text=True, timeout=600)
    assert done.returncode in (1, 2), done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "No space left on device" in done.stdout + done.stderr
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".run-*"))
