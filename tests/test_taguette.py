"""Taguette: sparklearn's export through Taguette's own code and back, the reader's quirks, privacy.

Taguette (installed from PyPI with the test extras) is driven without a server: its
codebook CSV import (``import_codebook.list_tags``), its document conversion
(``convert.to_html_chunks``, HTML needs no calibre), its database models on a temporary
SQLite file, the snippet extraction its API runs when a highlight is added
(``extract.extract``) and its highlights exports (``export.highlights_csv`` /
``highlights_xslx``).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from taguette import convert, database, export, extract, import_codebook, validate

from sparklearn.cli import main
from sparklearn.codebook import codebook_from_dict, load_codebook
from sparklearn.config import resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.ingest.privacy import read_register
from sparklearn.ingest.spreadsheets import read_table
from sparklearn.ingest.taguette import read_taguette_highlights, taguette_report
from sparklearn.report.taguette import export_taguette, taguette_codebook, write_taguette
from sparklearn.store import country_tables

FIXTURES = Path(__file__).parent / "fixtures" / "taguette"


class TaguetteProject:
    """A Taguette project in a temporary SQLite database, changed only through Taguette's own code."""

    def __init__(self, folder: Path) -> None:
        self.db = database.connect(f"sqlite:///{folder / 'taguette.sqlite3'}")()
        user = database.User(login="lead")
        self.project = database.Project(name="Learning with SPARK: kenya", description="")
        self.db.add_all([user, self.project])
        self.db.flush()
        self.db.add(database.ProjectMember(project=self.project, user=user, privileges=database.Privileges.ADMIN))
        self.tags: dict[str, database.Tag] = {}

    def import_codebook(self, csv_file: Path) -> list[dict]:
        """What Project > Import codebook does with a CSV (``web/views.py``, ``ProjectImportCodebook``)."""
        with csv_file.open("rb") as reader:
            tags = import_codebook.list_tags(reader)
        for tag in tags:
            validate.tag_path(tag["path"])
            validate.description(tag["description"])
            self.tags[tag["path"].split(" ", 1)[0]] = database.Tag(project=self.project, **tag)
        self.db.add_all(self.tags.values())
        self.db.flush()
        return tags

    def add_document(self, file: Path, name: str | None = None) -> database.Document:
        """What the "Add a document" form and ``api.DocumentAdd`` do, with Taguette's default name."""
        name = name or file.name[:50]
        validate.document_name(name)
        contents = asyncio.run(convert.to_html_chunks(file.read_bytes(), "text/html", file.name, {}))
        document = database.Document(name=name, description="", filename=validate.fix_filename(file.name),
                                     project=self.project, contents=contents,
                                     text_direction=database.TextDirection.LEFT_TO_RIGHT)
        self.db.add(document)
        self.db.flush()
        return document

    def highlight(self, document: database.Document, start: str, end: str, *codes: str) -> database.Highlight:
        """Select from the text ``start`` to the end of ``end`` as a reader sees it; tag it (``api.HighlightAdd``)."""
        text = "".join(BeautifulSoup(document.contents, "html5lib").strings)  # what Taguette's offsets count
        a = text.index(start)
        b = text.index(end, a) + len(end)
        start_byte, end_byte = len(text[:a].encode("utf-8")), len(text[:b].encode("utf-8"))
        highlight = database.Highlight(document=document, start_offset=start_byte, end_offset=end_byte,
                                       snippet=extract.extract(document.contents, start_byte, end_byte))
        self.db.add(highlight)
        self.db.flush()
        self.db.execute(database.highlight_tags.insert(),
                        [{"highlight_id": highlight.id, "tag_id": self.tags[code].id} for code in codes])
        self.db.commit()
        return highlight

    def export_csv(self, file: Path) -> Path:
        with file.open("w", encoding="utf-8", newline="") as out:
            export.highlights_csv(self.db, self.project.id, "", out)
        return file

    def export_xlsx(self, file: Path) -> Path:
        export.highlights_xslx(self.db, self.project.id, "", str(file))
        return file


@pytest.fixture(scope="module")
def kenya(tmp_path_factory):
    """Kenya's demo tables and what ``export-taguette`` writes for them."""
    paths = resolve_paths(default_out=False)
    folder = tmp_path_factory.mktemp("taguette-export")
    return {"paths": paths, "written": export_taguette("kenya", folder, paths=paths), "folder": folder,
            "tables": country_tables("kenya", paths), "codebook": load_codebook(paths.codebook_file)}


def _codings(checked) -> set[tuple[str, str]]:
    return set(zip(checked.accepted["segment_id"], checked.accepted["code_id"]))


# --------------------------------------------------------------------------- through Taguette's own code


def test_the_export_goes_into_taguette_and_its_highlights_come_back_on_the_right_turns(kenya, tmp_path,
                                                                                     repo_untouched):
    folder = kenya["folder"]
    taguette = TaguetteProject(tmp_path)
    taguette.import_codebook(folder / "codebook.csv")
    s01 = taguette.add_document(folder / "KE-S01.html")  # named "KE-S01.html", as Taguette names it by default
    long_name = tmp_path / "KE-S02 Round 1 reflection building budget skills, water in Baringo.html"
    shutil.copy(folder / "KE-S02.html", long_name)
    s02 = taguette.add_document(long_name)  # Taguette cuts the name to 50 characters
    assert s02.name == "KE-S02 Round 1 reflection building budget skills, "

    taguette.highlight(s01, "The committee chair gave us", "present what the monitors found in Gilgil.",
                       "OA-SPACES", "AE-LEGISLATURE")
    # Across two turns: the end of budget analyst 735f's turn and the start of IBP country team 50c4's.
    taguette.highlight(s01, "with their own eyes.", "are an invited space", "SC-ECOSYSTEM")
    taguette.highlight(s01, "lead e9cc: Can you say", "officials reacted?", "PW-SPACE-INVITED")  # from in a label
    taguette.highlight(s02, "Today we reflect", "partner sta", "SC-AGENCY")  # ending in the next label
    taguette.highlight(s02, "CEDGG has one person", "depends on that person.", "SC-AGENCY")

    expected = {("KE-S01-T002", "OA-SPACES"), ("KE-S01-T002", "AE-LEGISLATURE"),
                ("KE-S01-T004", "SC-ECOSYSTEM"), ("KE-S01-T005", "SC-ECOSYSTEM"),
                ("KE-S01-T003", "PW-SPACE-INVITED"),
                ("KE-S02-T001", "SC-AGENCY"), ("KE-S02-T002", "SC-AGENCY")}
    segments, codebook = kenya["tables"].segments, kenya["codebook"]
    sheet = taguette.export_csv(tmp_path / "all_tags.csv")
    assert sheet.read_text(encoding="utf-8").splitlines()[0] == "id,document,tag,content"
    for exported in (sheet, taguette.export_xlsx(tmp_path / "all_tags.xlsx")):
        checked = read_taguette_highlights(exported, segments=segments, codebook=codebook, country="kenya",
                                           coder="lead-ke")
        assert _codings(checked) == expected, exported.name
        assert checked.rejected.empty and (checked.problems["severity"] != "error").all()
        assert checked.split[["document", "segment_ids", "n_turns"]].values.tolist() == [
            ["KE-S01.html", "KE-S01-T004;KE-S01-T005", 2]]
        report = taguette_report(exported, checked, coder="lead-ke")
        assert report.positions.endswith("1 highlight covered several turns and was split onto the 2 turns it covers")
        assert report.ok and report.n_codings == len(expected)

    coding_sheet = tmp_path / "taguette-codings.csv"
    assert main(["import-qdpx", str(sheet), "--country", "kenya", "-o", str(coding_sheet)]) == 0
    written = pd.read_csv(coding_sheet, keep_default_na=False)
    assert set(zip(written["segment_id"], written["code"])) == expected
    assert set(written["coder"]) == {"taguette"}  # Taguette's export does not say who highlighted
    # --coder says who did: the codings come in under that coder, as a second coder's would for agreement.
    assert main(["import-qdpx", str(sheet), "--country", "kenya", "-o", str(coding_sheet), "--coder", "coder-b"]) == 0
    written = pd.read_csv(coding_sheet, keep_default_na=False)
    assert set(written["coder"]) == {"coder-b"} and len(written) == len(expected)


def test_coder_is_refused_for_a_project_that_names_its_coders_and_when_blank(tmp_path, capsys):
    project = tmp_path / "project.qdpx"
    project.write_bytes(b"not read: refused before")
    assert main(["import-qdpx", str(project), "--country", "kenya", "-o", str(tmp_path / "c.csv"),
                 "--coder", "coder-b"]) == 2
    err = capsys.readouterr().err
    assert "project.qdpx" in err and "creatingUser" in err and "leave out --coder" in err
    sheet = tmp_path / "all_tags.csv"
    sheet.write_text("id,document,tag,content\n", encoding="utf-8")
    assert main(["import-qdpx", str(sheet), "--country", "kenya", "-o", str(tmp_path / "c.csv"), "--coder", " "]) == 2
    assert "coder's name is blank" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_taguette_imports_the_whole_codebook_with_its_descriptions(kenya):
    with (kenya["folder"] / "codebook.csv").open("rb") as reader:
        tags = pd.DataFrame(import_codebook.list_tags(reader))
    ours = taguette_codebook(kenya["codebook"])
    assert tags.values.tolist() == ours.values.tolist()  # path = tag, the same description
    assert len(tags) == len(kenya["codebook"].codes) and tags["path"].str.len().max() <= 200
    power = tags.set_index("path").loc["OA-POWER Countervailing power of marginalised groups in the fiscal domain"]
    assert power["description"].startswith("Change in the capacity of marginalised groups")
    assert "Use when: A passage reports marginalised people" in power["description"]


def test_each_session_reads_in_taguette_as_its_title_and_pseudonymised_turns_only(kenya, tmp_path):
    taguette = TaguetteProject(tmp_path)
    sessions, segments = kenya["tables"].sessions, kenya["tables"].segments
    register = read_register(kenya["paths"].country_raw("kenya") / "participants.csv").accepted
    documents = [p for p in kenya["written"] if p.suffix == ".html"]
    assert [p.stem for p in documents] == sorted(sessions["session_id"])
    for file in documents:
        plain = convert.html_to_plaintext(taguette.add_document(file).contents)  # as Taguette exports text
        turns = segments.loc[segments["session_id"] == file.stem].sort_values("start")
        title = sessions.set_index("session_id").loc[file.stem, "title"]
        spoken = " ".join(f"{s}: {' '.join(t.split())}" for s, t in zip(turns["speaker"], turns["text"]))
        assert plain == f"{title} {spoken}"
        assert not any(pid in plain for pid in register["participant_id"])
        assert not any(name in plain for name in register["name"])
        assert "participant" not in file.read_text(encoding="utf-8")  # no front matter


# --------------------------------------------------------------------------- the reader, on a Taguette 1.5.2 export


FIXTURE_CODEBOOK = codebook_from_dict({"version": "1", "codes": [
    {"id": "OA", "label": "SPARK outcome areas"},
    {"id": "OA-POWER", "label": "Countervailing power of marginalised groups", "parent": "OA"},
    {"id": "OA-SPACES", "label": "Democratised fiscal governance spaces", "parent": "OA"},
    {"id": "SC", "label": "Strategic components"},
    {"id": "SC-AGENCY", "label": "Bolster agency from the bottom up", "parent": "SC"},
    {"id": "SC-ECOSYSTEM", "label": "Strengthen the accountability ecosystem", "parent": "SC"},
]})


def _fixture_segments() -> pd.DataFrame:
    return read_table(FIXTURES / "segments.csv").astype({"start": "int64", "end": "int64"})


def test_joined_turns_labels_cut_names_and_partial_labels_of_a_taguette_1_5_2_export():
    checked = read_taguette_highlights(FIXTURES / "highlights-1.5.2.csv", segments=_fixture_segments(),
                                       codebook=FIXTURE_CODEBOOK, country="kenya")
    assert sorted(zip(checked.accepted["segment_id"], checked.accepted["code_id"], checked.accepted["source_row"])) == [
        ("KE-S01-T001", "OA-POWER", 8),  # highlight 6: three turns
        ("KE-S01-T002", "OA-POWER", 2), ("KE-S01-T002", "OA-SPACES", 4), ("KE-S01-T002", "SC-ECOSYSTEM", 3),
        ("KE-S01-T003", "OA-POWER", 8), ("KE-S01-T003", "OA-SPACES", 4), ("KE-S01-T003", "SC-ECOSYSTEM", 3),
        ("KE-S01-T004", "OA-SPACES", 5),  # starts inside "research lead e9cc:"
        ("KE-S02-T001", "SC-AGENCY", 6),  # ends inside "partner staff 104e:"; its document name cut at 50
        ("KE-S02-T002", "SC-AGENCY", 7),
    ]
    assert checked.split[["highlight", "segment_ids"]].values.tolist() == [
        ["2", "KE-S01-T002;KE-S01-T003"], ["5", "KE-S02-T001;KE-S02-T002"],
        ["6", "KE-S01-T001;KE-S01-T002;KE-S01-T003"]]
    assert checked.n_split == 3 and checked.rejected.empty
    assert checked.problems[["row", "severity"]].values.tolist() == [[8, "warning"], [7, "warning"]]  # repeats
    report = taguette_report("highlights-1.5.2.csv", checked, coder="taguette")
    assert "3 highlights covered several turns and were split onto the 7 turns they cover" in report.positions


def test_a_piece_found_nowhere_is_a_warning_and_a_session_id_must_end_where_the_name_has_it(tmp_path):
    sheet = tmp_path / "highlights.csv"
    pd.DataFrame({"id": [1, 2, 3], "document": ["KE-S01_round1.html", "KE-S010 notes", "ke-s02"],
                  "tag": ["OA-POWER", "OA-POWER", "Strategic components/Bolster agency from the bottom up"],
                  "content": ["Minutes of the meeting. budget analyst 735f: The committee visited Gilgil",
                              "Thank you for coming.", "Thank you for coming."]}).to_csv(sheet, index=False)
    checked = read_taguette_highlights(sheet, segments=_fixture_segments(), codebook=FIXTURE_CODEBOOK, country="kenya")
    assert sorted(zip(checked.accepted["segment_id"], checked.accepted["code_id"])) == [
        ("KE-S01-T002", "OA-POWER"), ("KE-S02-T001", "SC-AGENCY")]
    problems = checked.problems.set_index("row")
    assert problems.loc[2, "rule"].startswith("part of the highlighted text is not in any turn")
    assert problems.loc[2, ["value", "severity"]].tolist() == ["Minutes of the meeting.", "warning"]
    assert problems.loc[3, "rule"] == "document is not a session of kenya"
    assert checked.n_split == 0


# --------------------------------------------------------------------------- privacy and the command


def test_nothing_is_written_when_a_registered_name_or_id_is_left(tmp_path):
    sessions = pd.DataFrame({"session_id": ["KE-S01"], "title": ["Round 1"]})
    register = pd.DataFrame({"participant_id": ["KE-P03"], "name": ["Wanjiru Kamau"], "role": ["budget analyst"]})
    for speaker, text, what in [("budget analyst 735f", "Wanjiru Kamau went to the hearing.", "participant's name"),
                                ("KE-P03", "We went to the hearing.", "participant id")]:
        segments = pd.DataFrame({"segment_id": ["KE-S01-T001"], "session_id": ["KE-S01"], "start": [0],
                                 "speaker": [speaker], "text": [text]})
        folder = tmp_path / what.replace(" ", "-").replace("'", "")
        with pytest.raises(InputError, match=f"still contains a registered {what}") as err:
            write_taguette(folder, sessions=sessions, segments=segments, codebook=FIXTURE_CODEBOOK, register=register)
        assert "Wanjiru" not in str(err.value) and not folder.exists()


def test_export_taguette_command_writes_only_its_folder(tmp_path, capsys, repo_untouched):
    out = tmp_path / "for-taguette"
    assert main(["export-taguette", "--country", "kenya", "--output", str(out)]) == 0
    assert "codebook.csv" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [*(f"KE-S{n:02d}.html" for n in range(1, 10)), "codebook.csv"]
    assert (out / "codebook.csv").read_text(encoding="utf-8").startswith("tag,description\n")
