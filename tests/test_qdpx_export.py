"""REFI-QDA export (``write_qdpx`` / ``export-qdpx``) on Kenya's demo data: what each QDA tool needs, nothing private.

The Kenya project is exported once per module from the store (prepared in memory), then
read as the tools read it: against the REFI-QDA schema, by QualCoder's import rules
(as its source code states them), and back through sparklearn's own import.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from sparklearn.codebook import codebook_from_dict, codebook_table, load_codebook
from sparklearn.config import resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.ingest.qda_codings import selections_to_codings
from sparklearn.ingest.refi_qda import PROJECT_NS, read_qdpx, refi_guid
from sparklearn.report.refi_qda import (
    EXPORTER,
    export_texts,
    source_names,
    write_qdpx,
)
from tests.conftest import DEMO_DATA, REPO

NS = {"q": PROJECT_NS}
SCHEMAS = Path(os.environ.get("SPARKLEARN_REFIQDA_DIR") or REPO.parent / "shared" / "refi-qda")


@functools.cache
def _schema_file(name: str) -> Path:
    if not (SCHEMAS / name).is_file():
        pytest.skip(f"REFI-QDA schema {name} not found in {SCHEMAS} (set SPARKLEARN_REFIQDA_DIR to the folder "
                    "holding Project.xsd; it is not copied into the repository)")
    return SCHEMAS / name


class Kenya:
    """Kenya's processed tables, its export and the export's parts."""

    def __init__(self, folder: Path):
        from sparklearn.ingest.privacy import read_register
        from sparklearn.store import country_tables

        if not (DEMO_DATA / "kenya" / "sessions").is_dir():
            pytest.skip(f"no demo sessions in {DEMO_DATA / 'kenya'} (make demo-data)")
        self.paths = resolve_paths(DEMO_DATA, default_out=False)
        self.codebook = load_codebook(self.paths.codebook_file)
        self.tables = country_tables("kenya", self.paths)
        self.register = read_register(self.paths.country_raw("kenya") / "participants.csv")
        self.file = self.export(folder / "kenya.qdpx")
        with zipfile.ZipFile(self.file) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}
        self.root = etree.fromstring(self.members["project.qde"])
        self.codings = self.tables.codings.assign(memo=self.tables.codings["memo"].fillna(""))

    def export(self, path: Path) -> Path:
        """What ``export_project`` writes (the command's test checks it is the same bytes), without preparing again."""
        private = pd.concat([self.register.accepted["name"], self.register.accepted["participant_id"]])
        return write_qdpx(path, sessions=self.tables.sessions, segments=self.tables.segments,
                          codings=self.tables.codings, codebook=self.codebook, names=private,
                          project_name="Learning with SPARK: kenya")

    def text_of(self, source: etree._Element) -> str:
        return self.members[f"sources/{source.get('plainTextPath').removeprefix('internal://')}"].decode("utf-8")


@pytest.fixture(scope="module")
def kenya(tmp_path_factory) -> Kenya:
    return Kenya(tmp_path_factory.mktemp("kenya-export"))


def _users(root: etree._Element) -> dict[str, str]:
    return {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}


# --------------------------------------------------------------------------- the standard


def test_kenya_export_validates_against_the_schema_and_is_byte_stable(kenya, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(_schema_file("Project.xsd")).validate(kenya.members["project.qde"].decode("utf-8"))
    assert kenya.export(tmp_path / "again.qdpx").read_bytes() == kenya.file.read_bytes()


def _datable_tags(xsd: Path) -> set[str]:
    """Element names whose schema type has a creationDateTime attribute (read from Project.xsd itself)."""
    x = {"x": "http://www.w3.org/2001/XMLSchema"}
    schema = etree.parse(str(xsd))
    dated = {t.get("name") for t in schema.iterfind("x:complexType", x)
             if t.find("x:attribute[@name='creationDateTime']", x) is not None}
    return {e.get("name") for e in schema.iterfind(".//x:element", x) if e.get("type") in dated}


def test_every_element_the_schema_lets_date_is_dated_and_owned_by_a_declared_user(kenya):
    tags = _datable_tags(_schema_file("Project.xsd"))
    assert {"Project", "TextSource", "PlainTextSelection", "Coding", "Note"} <= tags
    users = _users(kenya.root)
    session_dates = {refi_guid("source", s): f"{d:%Y-%m-%d}T00:00:00Z"
                     for s, d in zip(kenya.tables.sessions["session_id"], kenya.tables.sessions["date"])}
    latest = f"{kenya.tables.sessions['date'].max():%Y-%m-%d}T00:00:00Z"
    seen = 0
    for element in kenya.root.iter(*(f"{{{PROJECT_NS}}}{t}" for t in tags)):
        seen += 1
        owner = element.get("creatingUser") or element.get("creatingUserGUID")
        assert owner in users, etree.QName(element).localname
        source = next(element.iterancestors(f"{{{PROJECT_NS}}}TextSource"), None)
        source = element if etree.QName(element).localname == "TextSource" else source
        expected = session_dates[source.get("guid")] if source is not None else latest
        assert element.get("creationDateTime") == expected
    n_selections = len(kenya.root.findall(".//q:PlainTextSelection", NS))
    assert seen == 1 + len(kenya.tables.sessions) + n_selections + len(kenya.codings) + 1  # project ... note


# --------------------------------------------------------------------------- codings under their coders


def test_each_coder_has_a_selection_of_their_own_on_each_turn_they_coded(kenya):
    users = _users(kenya.root)
    rows, memos = [], []
    for selection in kenya.root.iterfind(".//q:PlainTextSelection", NS):
        coder = users[selection.get("creatingUser")]
        codings = selection.findall("q:Coding", NS)
        assert codings and {c.get("creatingUser") for c in codings} == {selection.get("creatingUser")}
        rows += [(selection.get("name"), coder) for _ in codings]
        memos.append((selection.get("name"), coder, selection.findtext("q:Description", "", NS)))
    exported = pd.DataFrame(rows, columns=["segment_id", "coder"])
    # One selection per (turn, coder), split only where the coder's codings of the turn carry different memos:
    # 157 turn-coder pairs, 19 of them with a memo on some codes and not on others.
    assert len(memos) == len(set(memos)) == len(kenya.codings.drop_duplicates(["segment_id", "coder", "memo"])) == 176
    assert kenya.codings.drop_duplicates(["segment_id", "coder"]).shape[0] == 157
    assert exported.value_counts().sort_index().equals(
        kenya.codings[["segment_id", "coder"]].value_counts().sort_index())
    assert exported["coder"].value_counts().to_dict() == {"coder-a": 226, "coder-b": 107}
    assert list(users.values()) == ["coder-a", "coder-b", EXPORTER]


def test_a_memo_is_the_description_of_its_coders_selection(kenya):
    users = _users(kenya.root)
    described = {(c.find("q:CodeRef", NS).get("targetGUID"), s.get("name"), users[s.get("creatingUser")],
                  s.findtext("q:Description", namespaces=NS))
                 for s in kenya.root.iterfind(".//q:PlainTextSelection", NS)
                 if s.find("q:Description", NS) is not None for c in s.iterfind("q:Coding", NS)}
    memos = kenya.codings.loc[kenya.codings["memo"] != ""]
    assert len(memos) == len(described) == 21
    assert described == set(zip(memos["code_id"].map(lambda c: refi_guid("code", c)), memos["segment_id"],
                                memos["coder"], memos["memo"]))
    assert not kenya.root.findall(".//q:Coding/q:NoteRef", NS)  # written once, where the tools read it


def test_different_memos_of_one_coder_on_one_turn_get_selections_of_their_own(tmp_path):
    codebook = codebook_from_dict({"version": "1", "codes": [{"id": "A", "label": "Alpha"},
                                                             {"id": "B", "label": "Beta"},
                                                             {"id": "C", "label": "Gamma"}]})
    segments = pd.DataFrame({"segment_id": ["S-T1"], "session_id": "S", "start": 0, "end": 5, "text": "Hello",
                             "speaker": "partner staff 0a1b"})
    codings = pd.DataFrame({"segment_id": "S-T1", "code_id": ["A", "B", "C"], "coder": "ann",
                            "memo": ["why A", "", ""]})
    out = write_qdpx(tmp_path / "s.qdpx", sessions=pd.DataFrame({"session_id": ["S"]}), segments=segments,
                     codings=codings, codebook=codebook)
    project = read_qdpx(out)
    assert project.selections["selection_guid"].nunique() == 2
    back = selections_to_codings(project, segments, codebook=codebook, country="x").accepted
    assert back[["code_id", "memo"]].values.tolist() == [["A", "why A"], ["B", ""], ["C", ""]]


def test_a_control_character_in_a_memo_title_or_turn_is_written_as_a_space_not_a_crash(tmp_path):
    # A bell pasted into a memo made lxml refuse the whole export with a bare ValueError.
    from sparklearn.report.taguette import session_document

    codebook = codebook_from_dict({"version": "1", "codes": [{"id": "A", "label": "Alpha"}]})
    segments = pd.DataFrame({"segment_id": ["S-T1"], "session_id": "S", "start": 0, "end": 5, "text": "Hello",
                             "speaker": "partner staff 0a1b"})
    codings = pd.DataFrame({"segment_id": ["S-T1"], "code_id": ["A"], "coder": ["ann"], "memo": ["ring\x07here"]})
    out = write_qdpx(tmp_path / "s.qdpx", sessions=pd.DataFrame({"session_id": ["S"], "title": ["Round\x0b1"]}),
                     segments=segments, codings=codings, codebook=codebook)
    root = etree.fromstring(zipfile.ZipFile(out).read("project.qde"))
    assert [d.text for d in root.iterfind(".//q:Description", NS)][:2] == ["Round 1", "ring here"]
    assert read_qdpx(out).selections["memo"].tolist() == ["ring here"]
    page = session_document("Round\x0b1", segments.assign(text="Hel\x0blo"))
    assert "\x0b" not in page and "<h1>Round 1</h1>" in page and "Hel lo" in page


def test_the_import_gives_back_every_coding_of_every_coder(kenya):
    checked = selections_to_codings(read_qdpx(kenya.file), kenya.tables.segments, codebook=kenya.codebook,
                                    country="kenya")
    columns = ["session_id", "segment_id", "code_id", "coder", "memo"]
    back = checked.accepted[columns].sort_values(columns).reset_index(drop=True)
    expected = kenya.codings[columns].astype(str).sort_values(columns).reset_index(drop=True)
    pd.testing.assert_frame_equal(back.astype(str), expected)
    assert back["coder"].value_counts().to_dict() == {"coder-a": 226, "coder-b": 107}
    assert checked.rejected.empty
    assert not checked.problems["rule"].str.contains("again", regex=False).any()  # none collapsed as duplicates
    assert checked.problems.empty, checked.problems[["rule", "value"]].to_string()


def test_qualcoder_imports_every_coding_under_its_coder_by_its_own_rules(kenya):
    """QualCoder's REFI-QDA project import, its rules as its source code states them.

    Followed: ccbogel/QualCoder ``src/qualcoder/refi.py`` (``RefiImport``, commit
    06db5fabd264bff558245c9596a054e279d7a668), and the ``code_text`` table of its project
    database (``unique(cid,fid,pos0,pos1, owner)``):

    - ``parse_project_tag``: ``Project/@origin`` is upper-cased (it must exist);
    - ``parse_users``: users are (name, guid);
    - ``import_project``: ``CodeBook``'s first child is ``Codes``; ``sub_codes`` maps each
      ``Code`` guid to a code (``code_name`` is ``unique(name)``);
    - ``name_creating_user_create_date_source_path_helper`` / ``load_text_source``: the
      text is ``sources/`` + the part of ``plainTextPath`` after ``internal:/``, read as
      UTF-8 (a byte-order mark stays in the text), with ``\\n`` widened to ``\\n `` when
      its first line ends in CRLF; a repeated source name gets a number prefix;
    - ``load_codings_for_text``: the owner of every coding of a ``PlainTextSelection`` is
      the user named by the *selection's* ``creatingUser`` (else ``modifyingUser``, else
      "default"); its memo is the selection's ``Description``; ``seltext`` is
      ``fulltext[startPosition:endPosition]``; a coding whose (code, source, positions,
      owner) is already there is dropped ("Duplicated text coding for code and coder");
    - ``parse_notes``: ``creationDateTime`` (else ``modifiedDateTime``) of every ``Note`` is
      used with ``.replace``: a note without either stops the import.
    """
    root = kenya.root
    assert root.get("origin").upper()
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    book = list(root.find("q:CodeBook", NS))
    assert etree.QName(book[0]).localname == "Codes"
    codes = {c.get("guid"): c.get("name") for c in book[0].iter(f"{{{PROJECT_NS}}}Code")}
    assert len(set(codes.values())) == len(codes)
    for note in root.iterfind("q:Notes/q:Note", NS):
        assert (note.get("creationDateTime") or note.get("modifiedDateTime")).replace("T", " ").replace("Z", "")

    code_text: dict[tuple, dict] = {}
    names = []
    segments = kenya.tables.segments.set_index("segment_id")["text"]
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        names.append(source.get("name"))
        raw = kenya.members["sources" + source.get("plainTextPath").split("internal:/")[1]]
        fulltext = raw.decode("utf-8", errors="replace")
        if raw.split(b"\n", 1)[0].endswith(b"\r"):
            fulltext = fulltext.replace("\n", "\n ")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            owner = users.get(selection.get("creatingUser") or selection.get("modifyingUser"), "default")
            pos0, pos1 = int(selection.get("startPosition")), int(selection.get("endPosition"))
            memo = selection.findtext("q:Description", default="", namespaces=NS)
            for coding in selection.iterfind("q:Coding", NS):
                cid = codes[coding.find("q:CodeRef", NS).get("targetGUID")]
                code_text.setdefault((cid, source.get("name"), pos0, pos1, owner),
                                     {"seltext": fulltext[pos0:pos1], "memo": memo,
                                      "segment_id": selection.get("name")})
    assert len(set(names)) == len(names)
    imported = pd.DataFrame([{"code": k[0], "owner": k[4], **v} for k, v in code_text.items()])
    assert len(imported) == len(kenya.codings) == 333  # none dropped as a duplicate
    assert imported["owner"].value_counts().to_dict() == {"coder-a": 226, "coder-b": 107}
    assert (imported["seltext"] == imported["segment_id"].map(segments)).all()
    labels = dict(zip(codebook_table(kenya.codebook)["code_id"], codebook_table(kenya.codebook)["label"]))
    assert sorted(zip(imported["segment_id"], imported["code"], imported["owner"], imported["memo"])) == sorted(
        zip(kenya.codings["segment_id"], kenya.codings["code_id"].map(labels), kenya.codings["coder"],
            kenya.codings["memo"]))


# --------------------------------------------------------------------------- texts and names


def test_every_selection_indexes_its_turns_pseudonymised_text_exactly(kenya):
    segments = kenya.tables.segments.set_index("segment_id")
    checked = 0
    for source in kenya.root.iterfind("q:Sources/q:TextSource", NS):
        text = kenya.text_of(source)
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert text[start:end] == segments.loc[selection.get("name"), "text"]
            checked += 1
    assert checked == 176


def test_sources_are_named_by_session_and_title_and_stored_as_txt(kenya):
    sources = kenya.root.findall("q:Sources/q:TextSource", NS)
    assert [s.get("name") for s in sources][:2] == [
        "KE-S01 Round 1 reflection - working with legislators, primary health care",
        "KE-S02 Round 1 reflection - building budget skills, water in Baringo"]
    for source in sources:
        assert not re.search(r'[\\/:*?"<>|]', source.get("name")) and len(source.get("name")) <= 100
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        assert f"sources/{source.get('guid')}.txt" in kenya.members
    assert source_names(pd.DataFrame({"session_id": ["X-S1"], "title": ["  A: b/c.  "]})).tolist() == ["X-S1 A - b c"]


def _participant_ids() -> list[str]:
    ids = []
    for register in sorted(DEMO_DATA.glob("*/participants.csv")):
        ids += pd.read_csv(register, comment="#", dtype=str)["participant_id"].dropna().tolist()
    return ids


def test_no_participant_id_name_front_matter_or_raw_speaker_label_in_any_byte(kenya):
    ids = _participant_ids()
    assert len(ids) > 40 and "KE-P01" in ids
    names = kenya.register.accepted["name"].tolist()
    front_matter = ["participant_id", "participants:", "synthetic:", "facilitator:", "campaigns:", "---",
                    "SYNTHETIC DEMO DATA", "**"]
    # The archive as stored (member names, zip headers) and every member as it unpacks. Short markers are looked
    # for in the unpacked members only: in compressed bytes, two or three given bytes occur by chance.
    raw = kenya.file.read_bytes().lower()
    for word in [*ids, *names]:
        assert word.lower().encode("utf-8") not in raw, f"{word!r} found in the archive's bytes"
    for where, blob in kenya.members.items():
        low = blob.lower()
        for word in [*ids, *names, *front_matter]:
            assert word.lower().encode("utf-8") not in low, f"{word!r} found in {where}"
        # Name parts too (a given or family name alone), as whole capitalised words.
        for part in {p for n in names for p in n.split() if len(p) >= 3}:
            assert not re.search(rb"\b" + re.escape(part.encode("utf-8")) + rb"\b", blob), f"{part} in {where}"
    # Between the turns there is nothing but a blank line and the next speaker's pseudonym.
    speakers = set(kenya.tables.segments["speaker"].dropna()) - {""}
    sources = {s.get("name").split()[0]: kenya.text_of(s) for s in kenya.root.iterfind("q:Sources/q:TextSource", NS)}
    for session, turns in export_texts(kenya.tables.segments).groupby("session_id"):
        text = sources[session]
        starts, ends = turns["export_start"].tolist(), turns["export_end"].tolist()
        gaps = [text[a:b] for a, b in zip([0, *ends], [*starts, len(text)])]
        assert gaps[-1] == "\n" and all(g.startswith("\n\n") for g in gaps[1:-1])
        labels = {g.removeprefix("\n\n").removesuffix(": ") for g in gaps[:-1]} - {""}
        pseudonym = re.compile(r".+ [0-9a-f]{4}(?:[0-9a-f]{4})?")
        assert labels <= speakers and all(pseudonym.fullmatch(label) for label in labels), labels


def test_export_texts_lays_out_turns_as_the_import_reads_them(kenya):
    laid = export_texts(kenya.tables.segments)
    texts = laid.attrs["texts"]
    assert all(texts[s][a:b] == t for s, a, b, t in zip(laid["session_id"], laid["export_start"],
                                                         laid["export_end"], laid["text"]))
    assert texts["KE-S01"].startswith(f"{laid['speaker'].iloc[0]}: {laid['text'].iloc[0]}\n\n")


def test_a_name_or_participant_id_left_in_a_turn_is_refused_and_nothing_written(kenya, tmp_path):
    segments = kenya.tables.segments.copy()
    segments.loc[3, "text"] = segments.loc[3, "text"] + " Ask KE-P04."
    with pytest.raises(InputError, match="session KE-S01 still contains a registered participant's name or id") as e:
        write_qdpx(tmp_path / "leak.qdpx", sessions=kenya.tables.sessions, segments=segments,
                   codings=kenya.tables.codings, codebook=kenya.codebook, names=["KE-P04"])
    assert "KE-P04" not in str(e.value) and not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- the command


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_export_qdpx_writes_only_the_file_it_names(kenya, second_clone, repo_untouched, monkeypatch, capsys):
    from sparklearn.cli import build_parser, main

    helptext = build_parser()._subparsers._group_actions[0].choices["export-qdpx"].format_help()
    assert "only" in helptext and "--output FILE" in helptext
    monkeypatch.chdir(second_clone)
    before = _tree(second_clone)
    code = main(["export-qdpx", "--country", "kenya", "--output", "exports/kenya.qdpx"])
    assert code == 0 and f"wrote {Path('exports/kenya.qdpx')}" in capsys.readouterr().out
    after = _tree(second_clone)
    assert set(after) - set(before) == {"exports/kenya.qdpx"}
    assert {k: v for k, v in after.items() if k in before} == before
    assert (second_clone / "exports/kenya.qdpx").read_bytes() == kenya.file.read_bytes()
