"""No spreadsheet cell sparklearn writes runs as a formula (issue 11, cause 3; OWASP "CSV injection").

Text fields of a Kenya copy are made to start with ``=``, ``+``, ``-``, ``@``, tab and
carriage return (codebook labels, campaign names, session titles and turns, coder
names, codes and memos, outcome text, a participant's role, values that are rejected
and quoted in problems); then every command that writes a CSV or Excel file runs
(``validate --out``, ``template outcomes``, ``template coding``, ``export
framework-matrix``, ``export disagreements``, ``export-qdpx``, ``import-qdpx``). Every
CSV is read back with the csv module and every workbook with openpyxl: no cell may
start with a formula character unless it starts with ``'``, and no cell is a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from strategies import relabel_codebook

from sparklearn.cli import main
from sparklearn.files import FORMULA_START

#: One risky start per kind: a formula, a DDE call, a sign, an at, a tab, a carriage return.
RISKY = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1",
         "\r=1+1"]


def _risky(i: int) -> str:
    return RISKY[i % len(RISKY)]


def _poison(data: Path) -> None:
    n = iter(range(10_000))
    codebook = relabel_codebook(yaml.safe_load((data / "codebook.yaml").read_text(encoding="utf-8")),
                                lambda old, i: f"{_risky(i)} {old}", n)
    (data / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")

    registry = yaml.safe_load((data / "countries.yaml").read_text(encoding="utf-8"))
    registry["countries"] = [c for c in registry["countries"] if c["slug"] == "kenya"]
    for campaign in registry["countries"][0]["campaigns"]:
        campaign["name"] = f"{_risky(next(n))} {campaign['name']}"
    (data / "countries.yaml").write_text(yaml.safe_dump(registry, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")

    for sheet in sorted((data / "kenya" / "codings").glob("*.csv")):
        comments = [line for line in sheet.read_text(encoding="utf-8").splitlines(keepends=True)
                    if line.startswith("#")]
        frame = pd.read_csv(sheet, comment="#", dtype=str, keep_default_na=False)
        frame["memo"] = [_risky(next(n)) for _ in range(len(frame))]
        frame.loc[frame.index[:3], "code"] = RISKY[:3]  # unknown codes: rejected, quoted in problems
        sheet.write_text("".join(comments) + frame.to_csv(index=False), encoding="utf-8")

    for session in sorted((data / "kenya" / "sessions").glob("*.md")):
        text = session.read_text(encoding="utf-8")
        title = text.split('title: "', 1)[1].split('"', 1)[0]
        text = text.replace(f'title: "{title}"', f'title: "@{title}"', 1)
        # Every turn opens with a risky start (quoted in the framework matrix and the templates).
        text = text.replace(":** ", ":** =SUM(1+1) ")
        session.write_text(text, encoding="utf-8")
    broken = data / "kenya" / "sessions" / "KE-S99.md"
    broken.write_text((data / "kenya" / "sessions" / "KE-S01.md").read_text(encoding="utf-8")
                      .replace("session_id: KE-S01", "session_id: KE-S99").replace("date: 2020-12-02", "date: =NOW()"),
                      encoding="utf-8")

    register = data / "kenya" / "participants.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    lines.append("=KE-P99,=Someone,@role,-org")
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")

    book = openpyxl.load_workbook(data / "kenya" / "outcomes.xlsx")
    sheet = book["Outcomes"]
    header = [c.value for c in sheet[1]]
    for column in ("Social actor", "Outcome", "Significance", "Contribution", "Other contributors", "Sources"):
        j = header.index(column) + 1
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, j).value = f"{_risky(next(n))} {sheet.cell(row, j).value or ''}"
            sheet.cell(row, j).data_type = "s"
    sheet.cell(2, header.index("Outcome area") + 1).value = "=1+1"
    sheet.cell(2, header.index("Outcome area") + 1).data_type = "s"
    book.save(data / "kenya" / "outcomes.xlsx")


def _cells(path: Path) -> list[tuple[str, object, str]]:
    """(where, value, openpyxl data type or 'csv') of every cell of a CSV or workbook."""
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return [(f"{path.name}:{i}", value, "csv") for i, row in enumerate(csv.reader(handle), start=1)
                    for value in row]
    book = openpyxl.load_workbook(path)
    return [(f"{path.name}!{ws.title}!{cell.coordinate}", cell.value, cell.data_type)
            for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def _live(cells) -> list:
    return [(where, value) for where, value, kind in cells
            if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_START))]


@pytest.mark.slow
def test_no_file_sparklearn_writes_holds_a_live_formula(kenya_data, tmp_path):
    _poison(kenya_data)
    data, out, files = str(kenya_data), tmp_path / "out", tmp_path / "files"
    assert main(["validate", "--country", "kenya", "--data", data, "--out", str(out)]) == 1  # the poisoned rows
    assert main(["template", "outcomes", "--country", "kenya", "--data", data,
                 "--output", str(files / "harvest.xlsx")]) == 0
    assert main(["template", "coding", "--country", "kenya", "--coder", "@me", "--data", data, "--out", str(out),
                 "--output", str(files / "coding")]) == 0
    for kind in ("framework-matrix", "disagreements"):
        assert main(["export", kind, "--country", "kenya", "--data", data, "--out", str(out),
                     "--output", str(files / f"{kind}.xlsx")]) == 0
    assert main(["export-qdpx", "--country", "kenya", "--data", data, "--out", str(out),
                 "--output", str(files / "kenya.qdpx")]) == 0
    main(["import-qdpx", str(files / "kenya.qdpx"), "--country", "kenya", "--data", data, "--out", str(out),
          "--output", str(files / "imported.csv")])

    written = sorted(p for p in [*out.rglob("*"), *files.rglob("*")] if p.suffix in (".csv", ".xlsx"))
    names = {p.name for p in written}
    for expected in ("problems.csv", "rejected_sessions.csv", "rejected_codings.csv", "problems_codings.csv",
                     "rejected_outcomes.csv", "rejected_participants.csv", "harvest.xlsx",
                     "framework-matrix.xlsx", "disagreements.xlsx", "imported.csv", "coding-KE-S01.xlsx"):
        assert expected in names, (expected, sorted(names))

    cells = [cell for path in written for cell in _cells(path)]
    assert _live(cells) == []
    # The risky text is there, neutralised: the test looked at the cells that matter.
    values = {str(value) for _, value, _ in cells if value is not None}
    # (Tab and carriage return never get this far: the readers strip them from a cell's ends.)
    for start in ("'=", "'+", "'-", "'@"):
        assert any(v.startswith(start) for v in values), start


def test_the_store_shows_problem_values_as_they_were_typed(kenya_data, tmp_path):
    """problems.csv is neutralised on disk and read back exactly (the reports quote the original value)."""
    from sparklearn.config import resolve_paths
    from sparklearn.store import country_tables

    sheet = kenya_data / "kenya" / "codings" / "coder-a.csv"
    comments = [line for line in sheet.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith("#")]
    frame = pd.read_csv(sheet, comment="#", dtype=str, keep_default_na=False)
    frame.loc[frame.index[:2], "code"] = ["=HYPERLINK(1)", "'=quoted"]
    sheet.write_text("".join(comments) + frame.to_csv(index=False), encoding="utf-8")
    paths = resolve_paths(data=kenya_data, out=tmp_path / "out")

    problems = country_tables("kenya", paths).problems
    on_disk = (paths.processed / "kenya" / "problems.csv").read_text(encoding="utf-8")
    assert {"=HYPERLINK(1)", "'=quoted"} <= set(problems["value"])
    assert "'=HYPERLINK(1)" in on_disk and "''=quoted" in on_disk
    # Read again from the folder (not the run that wrote it): the same values.
    assert {"=HYPERLINK(1)", "'=quoted"} <= set(country_tables("kenya", paths).problems["value"])
