"""Property-based tests of the raw-input readers: whatever a file holds, a reader either returns
its tables and problems or raises one of sparklearn's own errors; rows read = accepted + rejected;
every problem names its file and says what is wrong and how to fix it; the file is not changed."""

from __future__ import annotations

import hashlib
import io
import string
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import quoteattr

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparklearn.codebook import load_codebook
from sparklearn.config import find_project
from sparklearn.countries import load_registry
from sparklearn.exceptions import SparklearnError
from sparklearn.ingest.codings import read_codings
from sparklearn.ingest.harvest import read_harvest
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.ingest.refi_qda import read_qdpx
from sparklearn.ingest.sessions import read_session_file, session_text

DEMO_DATA = find_project(__file__).data
REGISTRY = load_registry(DEMO_DATA / "countries.yaml")
CODEBOOK = load_codebook(DEMO_DATA / "codebook.yaml")

#: Modest, so that the four readers together stay within a few tens of seconds.
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    database=None)

# Text a person might type, with the characters that break parsers: quotes, separators, line ends,
# Markdown and YAML punctuation, accents, a NUL now and then.
TEXT = st.text(alphabet=st.sampled_from([*string.ascii_letters[:12], *"0123456789 -_:;,.\"'#*[]{}&!|>\n\r\t",
                                         "é", "à", "ï", "\u200b", "\ufeff", "\x00", "€"]), max_size=40)
WORDS = st.sampled_from(["KE-S01", "KE-S01-T002", "KE-S01-T999", "OA-POWER", "oa-power", "OA-POWR", "coder-a", "",
                         "ke-primary-health", "2021-03-15", "2090-01-01", "1919-05-05", "March 2023", "15/03/2023",
                         "2021-02-30", "local", "County", "KE-O01", "KE-O02", "KE-O01;KE-O02", "KE-O99", "#REF!",
                         "=1+1", "yes", "kenya", "ghana"])
CELL = st.one_of(WORDS, TEXT)

#: Where to cut a file short, as a fraction of its length: zips and workbooks carry the time
#: they were written, so their lengths vary from run to run and a cut must not depend on them.
CUT = st.floats(0, 1)


def _cut(data, fraction: float):
    return data[: int(len(data) * fraction)]


@contextmanager
def _file(name: str, data: bytes):
    """``data`` written to a fresh file ``name``; yields the path, then checks the reader left it unchanged."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        yield path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the reader changed its input"


def _check_problems(problems: pd.DataFrame) -> None:
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert problems["file"].notna().all() and (problems["file"].astype(str) != "").all()
    assert (problems["rule"].astype(str).str.len() > 0).all() and (problems["fix"].astype(str).str.len() > 0).all()
    assert problems["severity"].isin(["error", "warning"]).all()


def _only_our_errors(read):
    """Call ``read``; a SparklearnError is an allowed answer (None), anything else fails the test."""
    try:
        return read()
    except SparklearnError as err:
        assert str(err)  # a message a user can read
        return None


# --------------------------------------------------------------------------- sessions

FRONT_KEYS = st.sampled_from(["session_id", "title", "date", "round", "country", "campaigns", "facilitator",
                              "language", "participants", "x"])
FRONT_VALUES = st.one_of(WORDS, TEXT.map(lambda t: t.replace("\n", " ")),
                         st.just("[ke-primary-health]"), st.just("[{participant_id: KE-P01, role: lead}]"),
                         st.just("&a [1, 2]"), st.just("*a"), st.just("[[[[[["), st.integers(-3, 5).map(str))
TURN = st.tuples(st.sampled_from(["**KE-P01:**", "**KE-P03 [sw]:**", "**KE-P77**:", "", "# Heading", "**:**"]), TEXT)


@st.composite
def session_files(draw) -> bytes:
    lines = [f"{k}: {v}" for k, v in draw(st.lists(st.tuples(FRONT_KEYS, FRONT_VALUES), max_size=10))]
    body = "\n\n".join(f"{tag} {said}".strip() for tag, said in draw(st.lists(TURN, max_size=6)))
    text = draw(st.sampled_from(["---\n{front}\n---\n{body}", "{body}", "---\n{front}\n{body}", "{front}"])) \
        .format(front="\n".join(lines), body=body)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    return draw(st.one_of(st.just(data), st.binary(max_size=200)))


@SETTINGS
@given(data=session_files())
def test_the_sessions_reader_answers_anything_with_tables_or_its_own_error(data):
    with _file("KE-S01.md", data) as path:
        read = _only_our_errors(lambda: read_session_file(path, registry=REGISTRY, country="kenya"))
        if read is None:
            return
        _check_problems(read.problems)
        assert read.n_read == 1 == len(read.sessions) + len(read.rejected)
        if len(read.segments):
            text = session_text(path)
            assert [text[s:e] for s, e in zip(read.segments["start"], read.segments["end"])] \
                == read.segments["text"].tolist()


# --------------------------------------------------------------------------- coding sheets

CODING_HEADERS = st.lists(st.sampled_from(["session_id", "segment_id", "code", "coder", "memo", "Segment ID", "CODE",
                                           "notes", "source_row", ""]), min_size=0, max_size=6)


@st.composite
def coding_sheets(draw) -> tuple[str, bytes]:
    header = draw(CODING_HEADERS)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 1), max_size=8))
    if draw(st.booleans()):
        book = openpyxl.Workbook()
        sheet = book.active
        for row in [header, *rows]:
            # openpyxl refuses control characters a workbook cannot hold; Excel would too.
            sheet.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        return "coder-a.xlsx", draw(st.one_of(st.just(data), st.just(_cut(data, draw(CUT)))))
    text = "\n".join(",".join(f'"{c}"' if draw(st.booleans()) else c for c in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return "coder-a.csv", draw(st.one_of(st.just(text.encode(encoding, errors="replace")), st.binary(max_size=200)))


@SETTINGS
@given(sheet=coding_sheets())
def test_the_coding_sheet_reader_reads_anything_into_accepted_and_rejected_rows(sheet):
    name, data = sheet
    with _file(name, data) as path:
        # A coding sheet that cannot be read is a problem of its own: read_codings never raises for it.
        checked = read_codings(path, codebook=CODEBOOK, country="kenya")
        _check_problems(checked.problems)
        assert checked.n_read == len(checked.accepted) + len(checked.rejected)
        rows = pd.concat([checked.accepted["source_row"], checked.rejected.get("source_row", pd.Series(dtype=int))])
        assert rows.is_unique  # no row counted twice
        assert checked.accepted["code_id"].notna().all()


# --------------------------------------------------------------------------- outcome harvests

HARVEST_HEADERS = st.lists(st.sampled_from(["Outcome ID", "Campaign ID", "Date", "Outcome", "Level", "Builds on",
                                            "Country", "Significance", "Strategic components", "Substantiation",
                                            "Outcome description", "Notes", ""]), min_size=0, max_size=8)


@st.composite
def harvests(draw) -> tuple[str, bytes]:
    header = draw(HARVEST_HEADERS)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 1), max_size=8))
    if draw(st.booleans()):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = draw(st.sampled_from(["Outcomes", "Sheet1", "Budget"]))
        for row in [header, *rows]:
            sheet.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        return "outcomes.xlsx", draw(st.one_of(st.just(data), st.just(_cut(data, draw(CUT)))))
    text = "\n".join(",".join(f'"{c}"' if draw(st.booleans()) else c for c in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return "outcomes.csv", draw(st.one_of(st.just(text.encode(encoding, errors="replace")), st.binary(max_size=200)))


@SETTINGS
@given(harvest=harvests())
def test_the_harvest_reader_answers_anything_with_rows_or_its_own_error(harvest):
    name, data = harvest
    with _file(name, data) as path:
        checked = _only_our_errors(lambda: read_harvest(path, country="kenya", registry=REGISTRY, codebook=CODEBOOK))
        if checked is None:
            return
        _check_problems(checked.problems)
        assert checked.n_read == len(checked.accepted) + len(checked.rejected)
        assert checked.accepted["outcome_id"].is_unique
        errors = checked.problems.loc[checked.problems["severity"] == "error", "row"].dropna().astype(int)
        assert not checked.accepted["source_row"].isin(errors).any()  # an error always rejects its row


# --------------------------------------------------------------------------- participants registers


@st.composite
def registers(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(["participant_id", "name", "role", "organisation", "Name", "full name",
                                            "notes", ""]), max_size=5))
    rows = draw(st.lists(st.lists(st.one_of(st.sampled_from(["KE-P01", "KE-P02", "Omondi Barasa", "lead", ""]), TEXT),
                                  max_size=len(header) + 1), max_size=6))
    text = "\n".join(",".join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return draw(st.one_of(st.just(text.encode(encoding, errors="replace")), st.binary(max_size=100)))


@SETTINGS
@given(data=registers())
def test_the_register_reader_answers_anything_with_rows_or_its_own_error(data):
    from sparklearn.ingest.privacy import read_register

    with _file("participants.csv", data) as path:
        checked = _only_our_errors(lambda: read_register(path))
        if checked is None:
            return
        _check_problems(checked.problems)
        assert checked.n_read == len(checked.accepted) + len(checked.rejected)
        assert checked.accepted["participant_id"].is_unique and (checked.accepted["name"] != "").all()


# --------------------------------------------------------------------------- REFI-QDA projects

GUIDS = st.sampled_from([f"8a4e6b52-7a57-4b3c-9d43-5ac2e0a1b00{i}" for i in range(6)] + ["not-a-guid", ""])
POSITION = st.one_of(st.integers(-5, 60).map(str), st.sampled_from(["", "x", "1e3", "99999999999999999999"]))


@st.composite
def projects(draw) -> bytes:
    codes = "".join(f"<Code guid={quoteattr(g)} name={quoteattr(n)} isCodable=\"true\"/>"
                    for g, n in draw(st.lists(st.tuples(GUIDS, st.one_of(WORDS, TEXT)), max_size=4)))
    sources, members = [], {}
    for i, text in enumerate(draw(st.lists(TEXT, max_size=3))):
        guid = draw(GUIDS)
        selections = "".join(
            f"<PlainTextSelection guid={quoteattr(draw(GUIDS))} startPosition={quoteattr(s)} endPosition={quoteattr(e)}>"
            + "".join(f"<Coding guid={quoteattr(draw(GUIDS))} creatingUser={quoteattr(draw(GUIDS))}>"
                      f"<CodeRef targetGUID={quoteattr(draw(GUIDS))}/></Coding>" for _ in range(draw(st.integers(0, 2))))
            + "</PlainTextSelection>"
            for s, e in draw(st.lists(st.tuples(POSITION, POSITION), max_size=3)))
        where = draw(st.sampled_from([f"internal://{guid}.txt", "relative://x.txt", "absolute:///etc/hostname", ""]))
        sources.append(f"<TextSource guid={quoteattr(guid)} name=\"KE-S0{i}\" plainTextPath={quoteattr(where)}>"
                       f"{selections}</TextSource>")
        members[f"sources/{guid}.txt"] = text.encode("utf-8", errors="replace")
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
           f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{''.join(sources)}</Sources></Project>")
    qde = draw(st.one_of(st.just(qde), st.just(_cut(qde, draw(CUT))), TEXT))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(draw(st.sampled_from(["project.qde", "Project.QDE", "other.xml"])), qde)
        for name, data in members.items():
            archive.writestr(name, data)
    data = out.getvalue()
    return draw(st.one_of(st.just(data), st.just(_cut(data, draw(CUT))), st.binary(max_size=100)))


@SETTINGS
@given(data=projects())
def test_the_refi_qda_reader_answers_anything_with_selections_or_its_own_error(data):
    with _file("coded.qdpx", data) as path:
        project = _only_our_errors(lambda: read_qdpx(path, codebook=CODEBOOK))
        if project is None:
            return
        _check_problems(project.problems)
        # Every Coding is a selection kept or rejected: ordinals 1..n, none twice, none lost.
        ordinals = pd.concat([project.selections["ordinal"], project.rejected["ordinal"]]).sort_values()
        assert ordinals.tolist() == list(range(1, len(ordinals) + 1))
        assert project.sources["guid"].is_unique
        n_chars = pd.to_numeric(project.selections["source_guid"].map(project.sources.set_index("guid")["n_chars"]))
        kept = project.selections
        assert ((kept["start"] >= 0) & (kept["start"] < kept["end"]) & (kept["end"] <= n_chars)).all()


def test_the_strategies_reach_the_cases_that_matter():
    """A property test that only ever met unreadable files would prove little: the generators also make good ones."""
    from hypothesis import find

    quick = settings(max_examples=1000, database=None, deadline=None, derandomize=True)
    assert find(session_files(), lambda d: d.startswith(b"---\n") and b"\n---\n**KE-P01:**" in d, settings=quick)
    assert find(coding_sheets(), lambda s: s[0].endswith(".xlsx") and s[1].startswith(b"PK"), settings=quick)
    assert find(harvests(), lambda s: s[0].endswith(".csv") and s[1].startswith(b"Outcome ID,"), settings=quick)
    assert find(projects(), lambda d: d.startswith(b"PK"), settings=quick)


@pytest.mark.parametrize("limit", ["MAX_MEMBERS", "MAX_UNCOMPRESSED"])
def test_archive_limits_are_checked_before_reading(limit, monkeypatch, tmp_path):
    from sparklearn.exceptions import InputError
    from sparklearn.ingest import archives

    monkeypatch.setattr(archives, limit, 3 if limit == "MAX_MEMBERS" else 1000)
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(4):
            archive.writestr(f"sources/{i}.txt", "x" * 400)
    assert path.stat().st_size < 1000  # small on disk: only what it expands to breaks the limit
    with pytest.raises(InputError) as err:
        read_qdpx(path)
    words = "holds 4 files, more than the 3" if limit == "MAX_MEMBERS" else "expands to 1,600 bytes, more than the 1,000"
    assert words in err.value.message and err.value.file == str(path) and err.value.fix


# --------------------------------------------------------------------------- decisions registers

DECISION_HEADERS = ["Decision ID", "Session", "Campaign", "Decided on", "Decided by (role)", "Strategic component",
                    "Decision", "Addresses (codes)", "Due by", "Status", "Follow-up", "Outcomes it led to", "Notes", ""]
SESSIONS = pd.DataFrame({"session_id": ["KE-S01", "KE-S02"], "date": pd.to_datetime(["2021-01-10", "2021-06-01"]),
                         "campaign_ids": ["ke-primary-health", "ke-primary-health;ke-baringo-water"]})


@st.composite
def decision_registers(draw) -> tuple[str, bytes]:
    header = draw(st.lists(st.sampled_from(DECISION_HEADERS), max_size=8))
    rows = draw(st.lists(st.lists(st.one_of(CELL, st.sampled_from(["done", "In progress", "BR-INFORMATION;x",
                                                                   "31/02/2024", "SC-AGENCY", "KE-D01"])),
                                  max_size=len(header) + 1), max_size=6))
    separator = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(separator.join(cell.replace(separator, " ") for cell in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    as_bytes = draw(st.one_of(st.just(text.encode(encoding, errors="replace")), st.binary(max_size=100)))
    return "decisions.csv", as_bytes


@SETTINGS
@given(register=decision_registers())
def test_the_decisions_reader_answers_anything_with_rows_or_its_own_error(register):
    from sparklearn.ingest.decisions import DECISION_COLUMNS, read_decisions

    name, data = register
    with _file(name, data) as path:
        checked = _only_our_errors(lambda: read_decisions(path, country="kenya", codebook=CODEBOOK, registry=REGISTRY,
                                                          sessions=SESSIONS, outcome_ids=["KE-O01", "KE-O02"]))
        if checked is None:
            return
        _check_problems(checked.problems)
        assert list(checked.accepted.columns) == DECISION_COLUMNS
        assert checked.accepted["decision_id"].is_unique and checked.accepted["decision"].notna().all()
        assert checked.accepted["session_id"].isin(SESSIONS["session_id"]).all()
        errors = checked.problems.loc[checked.problems["severity"] == "error", "row"].dropna().astype(int)
        assert not checked.accepted["source_row"].isin(errors).any()  # an error always rejects its row
