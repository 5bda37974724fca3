"""The malformed-input corpus (tests/fixtures/malformed/, see its README): no traceback, a message
with every part a user needs, rows read = accepted + rejected, no name quoted, no file changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from sparklearn.codebook import load_codebook
from sparklearn.config import find_project
from sparklearn.countries import load_registry
from sparklearn.exceptions import InputError
from sparklearn.ingest.codings import read_codings
from sparklearn.ingest.harvest import read_harvest
from sparklearn.ingest.privacy import read_register
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.ingest.refi_qda import read_qdpx
from sparklearn.ingest.sessions import read_session_file, read_sessions
from sparklearn.ingest.taguette import read_taguette_highlights

DEMO_DATA = find_project(__file__).data
CORPUS = Path(__file__).parent / "fixtures" / "malformed"
REGISTRY = load_registry(DEMO_DATA / "countries.yaml")
CODEBOOK = load_codebook(DEMO_DATA / "codebook.yaml")

#: Parts of the names of the demo's people that the corpus writes into its files.
NAMES = ("Omondi", "Barasa", "Chebet", "Chelimo", "Kiptoo", "Lekishon", "Aïssatou")


@dataclass(frozen=True)
class Read:
    """What a reader said about one file: its problems (or the error it raised) and its row counts."""

    problems: pd.DataFrame
    n_read: int
    n_accepted: int
    n_rejected: int


def _error_as_problem(err: InputError) -> pd.DataFrame:
    return pd.DataFrame([{"file": err.file, "row": err.row, "column": err.column or "",
                          "value": "" if err.value is None else str(err.value), "rule": err.message,
                          "fix": err.fix or "", "severity": "error"}], columns=PROBLEM_COLUMNS)


_SEGMENTS = None


def _segments() -> pd.DataFrame:
    global _SEGMENTS
    if _SEGMENTS is None:
        _SEGMENTS = read_sessions(DEMO_DATA / "kenya" / "sessions").segments
    return _SEGMENTS


def read(kind: str, path: Path) -> Read:
    """Read ``path`` as sparklearn reads a file of ``kind``; an InputError becomes its one problem."""
    try:
        if kind == "sessions":
            r = read_session_file(path, registry=REGISTRY, country="kenya")
            return Read(r.problems, r.n_read, len(r.sessions), len(r.rejected))
        if kind == "codings":
            c = read_codings(path, codebook=CODEBOOK, segments=_segments(), country="kenya")
        elif kind == "harvest":
            c = read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK)
        elif kind == "register":
            c = read_register(path)
        elif path.suffix == ".csv":
            c = read_taguette_highlights(path, segments=_segments(), codebook=CODEBOOK, country="kenya")
        else:
            p = read_qdpx(path, codebook=CODEBOOK)
            return Read(p.problems, len(p.selections) + len(p.rejected), len(p.selections), len(p.rejected))
    except InputError as err:
        return Read(_error_as_problem(err), 0, 0, 0)
    return Read(c.problems, c.n_read, len(c.accepted), len(c.rejected))


@dataclass(frozen=True)
class Case:
    """One file and the problem it must produce (``row`` None: the whole file; value and texts are substrings)."""

    kind: str
    name: str
    row: int | None
    column: str
    value: str
    rule: str
    fix: str
    severity: str = "error"
    counts: tuple[int, int, int] = (0, 0, 0)  # read, accepted, rejected

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


UTF8 = "save it as UTF-8"
RESAVE = "save it again"
# A problem in a sheet names the column as the file heads it (with its Excel letter in a workbook).
CASES = [
    # ---------------------------------------------------------------- sessions
    Case("sessions", "empty.md", None, "file", "", "session file is empty", "write the session notes", counts=(1, 0, 1)),
    Case("sessions", "bom-only.md", None, "file", "", "session file is empty", "or delete it", counts=(1, 0, 1)),
    Case("sessions", "utf16-no-bom.md", None, "file", "", "UTF-16 text without a byte-order mark", UTF8,
         counts=(1, 0, 1)),
    Case("sessions", "binary.md", 19, "file", "", "(0x81, line 19)", UTF8, counts=(1, 0, 1)),
    Case("sessions", "word-document.md", None, "file", "", "is not text: it is a zip archive", "right file",
         counts=(1, 0, 1)),
    Case("sessions", "no-front-matter.md", 1, "file", "", "no YAML front matter", "start the file with a line '---'",
         counts=(1, 0, 1)),
    Case("sessions", "unclosed-front-matter.md", 1, "file", "", "no YAML front matter", "then '---'",
         counts=(1, 0, 1)),
    Case("sessions", "bad-yaml.md", 8, "file", "", "front matter is not valid YAML", "check that line",
         counts=(1, 0, 1)),
    Case("sessions", "front-matter-list.md", 1, "file", "", "not a list of 'key: value' lines",
         "between two '---' lines", counts=(1, 0, 1)),
    Case("sessions", "alias-bomb.md", 19, "file", "", "once its aliases (*name) are expanded", "write the values out",
         counts=(1, 0, 1)),
    Case("sessions", "deep-nesting.md", 14, "file", "", "nested more than 50 deep", "check the indentation",
         counts=(1, 0, 1)),
    Case("sessions", "duplicate-key.md", 14, "date", "", "('date' on lines 5, 14)", "check the indentation",
         counts=(1, 0, 1)),
    Case("sessions", "future-date.md", 5, "date", "2090-01-15", "in the future or before 1990", "check the year",
         counts=(1, 0, 1)),
    Case("sessions", "ancient-date.md", 5, "date", "1921-03-04", "in the future or before 1990",
         "dates from 1990-01-01", counts=(1, 0, 1)),
    Case("sessions", "impossible-date.md", 5, "date", "2021-02-30", "a real date written YYYY-MM-DD",
         "date: 2020-12-02", counts=(1, 0, 1)),
    Case("sessions", "round-zero.md", 6, "round", "0", "whole number >= 1", "round: 2", counts=(1, 0, 1)),
    Case("sessions", "unknown-campaign.md", 8, "campaigns", "ke-nowhere", "unknown campaign for kenya",
         "ke-primary-health, ke-baringo-water", counts=(1, 0, 1)),
    Case("sessions", "other-country.md", 7, "country", "ghana", "in the folder of 'kenya'", "set 'country: kenya'",
         counts=(1, 0, 1)),
    Case("sessions", "missing-session-id.md", 1, "session_id", "", "front matter has no session_id",
         "add a line 'session_id:", counts=(1, 0, 1)),
    Case("sessions", "note-with-name.md", 17, "turn", "(text withheld)", "read as a note",
         "start the paragraph with **<participant_id>:**", "warning", counts=(1, 1, 0)),
    Case("sessions", "unknown-speaker.md", 19, "turn", "KE-P77", "not in the session's participants list",
         "participant_id: KE-P77", "warning", counts=(1, 1, 0)),
    # ---------------------------------------------------------------- coding sheets
    Case("codings", "empty.csv", None, "", "", "the coding sheet is empty", "with its header row"),
    Case("codings", "header-only.csv", None, "", "", "the sheet has no codings", "not coded yet", "warning"),
    Case("codings", "utf16-no-bom.csv", None, "", "", "UTF-16 text without a byte-order mark", UTF8),
    Case("codings", "cp1252.csv", None, "", "", "read as Windows-1252", "CSV UTF-8", "warning", counts=(1, 1, 0)),
    Case("codings", "missing-code-column.csv", 1, "code", "", "required column 'code' is missing",
         "add a column headed 'code'", counts=(1, 0, 1)),
    Case("codings", "unbalanced-quote.csv", 2, "", "", "quoted cell that starts on line 2 is never closed",
         "close the quote"),
    Case("codings", "duplicate-columns.csv", 1, "code", "", "two columns have the same name", "rename or delete"),
    Case("codings", "reserved-column.csv", 1, "source_row", "", "a name sparklearn keeps", "rename that column"),
    Case("codings", "unknown-code.csv", 3, "code", "OA-POWR", "unknown code", "did you mean 'OA-POWER'?",
         counts=(2, 1, 1)),
    Case("codings", "no-such-segment.csv", 3, "segment_id", "KE-S01-T099", "no such segment", "GH-S01-T004",
         counts=(2, 1, 1)),
    Case("codings", "memo-no-code.csv", 2, "code", "a thought without a code", "a memo but no code",
         "choose the code", counts=(1, 0, 1)),
    Case("codings", "duplicate-coding.csv", 3, "code", "oa-power", "duplicate coding", "as row 2 of",
         counts=(2, 1, 1)),
    Case("codings", "wrong-session.csv", 2, "session_id", "KE-S02", "belongs to another session",
         "is in session KE-S01", counts=(1, 0, 1)),
    Case("codings", "formula.csv", 2, "code", "=HYPERLINK", "unknown code", "code id or label", counts=(1, 0, 1)),
    Case("codings", "truncated.xlsx", None, "", "", "damaged or incomplete", "copy the file again"),
    Case("codings", "csv-named.xlsx", None, "", "", "is a text file, not an Excel workbook", "rename it to .csv"),
    Case("codings", "encrypted.xlsx", None, "", "", "password-protected", "remove the password"),
    Case("codings", "old-format.xlsx", None, "", "", "old-format Office file", RESAVE),
    Case("codings", "empty.xlsx", None, "", "", "the file is empty", RESAVE),
    Case("codings", "zip-bomb.xlsx", None, "", "", "more than the 256 MB sparklearn reads", RESAVE),
    Case("codings", "bad-crc.xlsx", None, "", "", "is damaged", "copy the file again"),
    Case("codings", "coding-KE-S01.xlsx", 2, "coder (F)", "", "no coder", "--coder NAME", counts=(1, 0, 1)),
    # ---------------------------------------------------------------- outcome harvests
    Case("harvest", "future-date.csv", 3, "Date", "2090-03-15", "in the future or before 1990", "check the year",
         counts=(2, 1, 1)),
    Case("harvest", "ancient-date.csv", 3, "Date", "1919-03-15", "in the future or before 1990",
         "dates from 1990-01-01", counts=(2, 1, 1)),
    Case("harvest", "broken-link.csv", 3, "Builds on", "KE-O99", "not in the harvest: the link was left out",
         "remove the link", "warning", counts=(2, 2, 0)),
    Case("harvest", "self-link.csv", 3, "Builds on", "KE-O02", "links to itself: the link was left out",
         "remove the outcome's own id", "warning", counts=(2, 2, 0)),
    Case("harvest", "circular.csv", 2, "Builds on", "KE-O02", "go round in a circle", "remove one link",
         counts=(3, 1, 2)),
    Case("harvest", "duplicate-id.csv", 3, "Outcome ID", "KE-O01", "used more than once", "(rows 2, 3)",
         counts=(3, 1, 2)),
    Case("harvest", "not-a-date.csv", 3, "Date", "sometime in spring", "not a date", "2023-03-15",
         counts=(2, 1, 1)),
    Case("harvest", "unknown-level.csv", 3, "Level", "county-ish", "not in the codebook list",
         "local, subnational, national, international", counts=(2, 1, 1)),
    Case("harvest", "missing-outcome-column.csv", 1, "Outcome", "", "required column 'Outcome' is missing",
         "add a column headed 'Outcome'", counts=(1, 0, 1)),
    Case("harvest", "header-only.csv", 1, "", "", "no outcomes yet", "until outcomes are harvested", "warning"),
    Case("harvest", "utf16-no-bom.csv", None, "", "", "UTF-16 text without a byte-order mark", UTF8),
    Case("harvest", "cp1252.csv", None, "", "", "read as Windows-1252", "CSV UTF-8", "warning", counts=(1, 1, 0)),
    Case("harvest", "wrong-country.csv", 3, "Country", "ghana", "outcome of another country", "write 'kenya'",
         counts=(2, 1, 1)),
    Case("harvest", "truncated.xlsx", None, "", "", "damaged or incomplete", "copy the file again"),
    Case("harvest", "csv-named.xlsx", None, "", "", "is a text file, not an Excel workbook", "rename it to .csv"),
    Case("harvest", "encrypted.xlsx", None, "", "", "password-protected", "remove the password"),
    Case("harvest", "empty.xlsx", None, "", "", "the file is empty", RESAVE),
    Case("harvest", "zip-bomb.xlsx", None, "", "", "more than the 256 MB sparklearn reads", RESAVE),
    Case("harvest", "no-harvest-sheet.xlsx", None, "", "", "no sheet looks like an outcome harvest",
         "name the harvest sheet 'Outcomes'"),
    Case("harvest", "formula-and-error.xlsx", 3, "Outcome (G)", "=A2", "formula without a saved result",
         "open the file in Excel and save it", counts=(2, 1, 1)),
    Case("harvest", "merged-cells.xlsx", 2, "Campaign ID (C)", "C2:C3", "merged cells", "unmerge C2:C3", "warning",
         counts=(2, 2, 0)),
    # ---------------------------------------------------------------- participants registers
    Case("register", "empty.csv", None, "", "", "the participants register is empty", "with its header row"),
    Case("register", "renamed-column.csv", 2, "name", "", "has no 'name' column in its header row",
         "participant_id, name, role, organisation"),
    Case("register", "no-header.csv", 1, "participant_id", "", "no 'participant_id' or 'name' or 'role' column",
         "add the header row above it"),
    Case("register", "utf16-no-bom.csv", None, "", "", "UTF-16 text without a byte-order mark", UTF8),
    Case("register", "cp1252.csv", None, "", "", "read as Windows-1252", "check accented letters in names",
         "warning", counts=(1, 1, 0)),
    Case("register", "duplicate-id.csv", 4, "participant_id", "KE-P01", "participant_id appears twice",
         "give each person their own id", counts=(3, 1, 2)),
    Case("register", "empty-name.csv", 3, "name", "", "name is empty", "write the person's name", counts=(2, 1, 1)),
    Case("register", "workbook-named-csv.csv", None, "", "", "is not text: it is a zip archive", UTF8),
    Case("register", "unbalanced-quote.csv", 3, "", "", "starts on line 3 is never closed", "close the quote"),
    # ---------------------------------------------------------------- REFI-QDA projects, Taguette exports
    Case("qdpx", "empty.qdpx", None, "", "", "the file is empty", "export the project again"),
    Case("qdpx", "text.qdpx", None, "", "", "is a text file, not a REFI-QDA project", "which is a zip file"),
    Case("qdpx", "truncated.qdpx", None, "", "", "damaged or incomplete", "copy the file again"),
    Case("qdpx", "no-project.qdpx", None, "", "", "has no .qde project file such as project.qde (the zip holds: sources/a.txt)",
         "REFI-QDA project"),
    Case("qdpx", "malformed-xml.qdpx", 111, "", "", "not well-formed XML at line 111", "export the project again"),
    Case("qdpx", "deep-nesting.qdpx", 8, "", "", "nests elements more than 256 levels deep",
         "export the project again"),
    Case("qdpx", "zip-bomb.qdpx", None, "", "", "more than the 256 MB sparklearn reads", "REFI-QDA project"),
    Case("qdpx", "bad-crc.qdpx", None, "", "", "'project.qde' in the archive is damaged", "copy the file again"),
    Case("qdpx", "billion-laughs.qdpx", 8, "", "", "entities that expand far beyond the file",
         "export the project again"),
    Case("qdpx", "external-source.qdpx", 48, "TextSource/@plainTextPath", "absolute:///etc/passwd",
         "text of source 'GH-S01.md' is missing", "texts kept outside the project are not read", counts=(7, 4, 3)),
    Case("qdpx", "positions-outside.qdpx", 52, "PlainTextSelection/@endPosition", "402-999999",
         "outside the source text", "export the project again", counts=(7, 6, 1)),
    Case("qdpx", "unknown-code-ref.qdpx", 52, "CodeRef/@targetGUID", "00000000-0000-4000-8000-000000000000",
         "not in the project's codebook", "deleted without its codings", counts=(7, 6, 1)),
    Case("qdpx", "taguette-missing-columns.csv", 1, "tag", "", "not a Taguette highlights export",
         "id, document, tag, content"),
    Case("qdpx", "taguette-unknown-tag.csv", 3, "tag", "power-ish", "tag is not in the codebook", "did you mean",
         counts=(3, 1, 2)),
]


KINDS = ("sessions", "codings", "harvest", "register", "qdpx")


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for kind in KINDS for p in sorted((folder / kind).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", autouse=True)
def corpus_unchanged():
    """Raw files are never modified: every file of the corpus hashes the same after all the tests."""
    before = _digest(CORPUS)
    yield
    assert _digest(CORPUS) == before


def test_the_corpus_is_as_its_readmes_list_it():
    files = sorted(f"{kind}/{p.name}" for kind in KINDS for p in (CORPUS / kind).iterdir() if p.name != "README.md")
    assert len(files) >= 40
    for name in files:
        kind, file = name.split("/")
        assert f"`{file}" in (CORPUS / kind / "README.md").read_text(encoding="utf-8"), f"{name} is not in its README"
    # Every file has a case below but the two that readers take as they are (prepare and a folder read test them).
    assert set(files) - {"sessions/name-in-title.md", "sessions/folder.md"} == {str(c) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_malformed_input_gets_a_message_with_every_part(case):
    path = CORPUS / case.kind / case.name
    result = read(case.kind, path)
    problems = result.problems
    assert list(problems.columns) == PROBLEM_COLUMNS
    rows = problems["row"].astype("Int64")
    hit = problems.loc[
        problems["file"].astype(str).str.endswith(case.name)
        & (rows.isna() if case.row is None else (rows == case.row)).fillna(False).to_numpy()
        & (problems["column"].astype(str) == case.column)
        & problems["rule"].astype(str).str.contains(case.rule, regex=False)
    ]
    assert len(hit) >= 1, f"{case}: no problem like it in\n{problems.to_string()}"
    first = hit.iloc[0]
    assert case.value in str(first["value"]) and (case.value or str(first["value"]) in ("", "(text withheld)"))
    assert case.fix in str(first["fix"])
    assert first["severity"] == case.severity
    # Rows read = rows accepted + rows rejected, and as many as the file holds.
    assert result.n_read == result.n_accepted + result.n_rejected
    assert (result.n_read, result.n_accepted, result.n_rejected) == case.counts


@pytest.mark.parametrize("case", CASES, ids=str)
def test_no_registered_name_is_quoted_in_any_message(case):
    text = read(case.kind, CORPUS / case.kind / case.name).problems[["value", "rule", "fix"]].to_string()
    assert not any(name in text for name in NAMES), text


def test_a_folder_named_like_a_session_is_a_warning():
    r = read_sessions(CORPUS / "sessions")
    folder = r.problems.loc[r.problems["file"].str.endswith("folder.md")]
    assert folder[["column", "value", "severity"]].values.tolist() == [["file", "folder.md", "warning"]]
    assert "a folder named like a session file" in folder["rule"].iloc[0]
    # Every file of the folder is a session read (the README too, as a file without front matter):
    # accepted or rejected, never lost.
    files = [p for p in (CORPUS / "sessions").glob("*.md") if p.is_file()]
    assert r.n_read == len(files) == len(r.sessions) + len(r.rejected)


def test_the_external_source_is_never_read():
    project = read_qdpx(CORPUS / "qdpx" / "external-source.qdpx")
    assert not project.sources["text"].fillna("").str.contains("root:").any()
