"""REFI-QDA import/export: hand-made projects to the standard, quirks, bad input, schema, round trip."""

from __future__ import annotations

import codecs
import functools
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sparklearn.codebook import codebook_from_dict
from sparklearn.exceptions import InputError
from sparklearn.ingest.codings import CODING_COLUMNS
from sparklearn.ingest.qda_codings import selections_to_codings
from sparklearn.ingest.refi_qda import read_qdc, read_qdpx, refi_guid
from sparklearn.ingest.taguette import read_taguette_highlights
from sparklearn.report.refi_qda import write_qdc, write_qdpx

FIXTURES = Path(__file__).parent / "fixtures" / "qdpx"
REPO = Path(__file__).resolve().parents[1]
S01, S02 = "5b1e0c3a-1f2d-4e6a-9b7c-0d1e2f3a4b01", "5b1e0c3a-1f2d-4e6a-9b7c-0d1e2f3a4b02"
TEXTS = {"GH-S01": (FIXTURES / f"standard/sources/{S01}.txt").read_text(encoding="utf-8"),
         "GH-S02": (FIXTURES / f"standard/sources/{S02}.txt").read_text(encoding="utf-8")}
TURNS = {
    "GH-S01": ["We met the district budget officer about the fertiliser vouchers.",
               "The vouchers arrived late again, after planting.\n\nFarmers wrote to the assembly member together.",
               "Next time we will bring the budget figures."],
    "GH-S02": ["The community never saw the royalty money.", "The radio station covered our petition."],
}
CODEBOOK = codebook_from_dict({"version": "1.0.0", "title": "Test codebook", "codes": [
    {"id": "OA", "label": "SPARK outcome areas", "definition": "The four areas in which SPARK seeks outcomes."},
    {"id": "OA-POWER", "label": "Countervailing power", "parent": "OA", "definition": "Power & voice <fiscal>."},
    {"id": "SC", "label": "Strategic components"},
    {"id": "SC-AGENCY", "label": "Bolster agency", "parent": "SC"},
    {"id": "SC-ROOT", "label": "Deep analysis of root causes", "parent": "SC"},
]})
# (segment, code, coder) the hand-made standard project codes, worked out from its offsets.
STANDARD_CODINGS = {
    ("GH-S01-T001", "SC-ROOT", "coder-a"),
    ("GH-S01-T002", "SC-AGENCY", "coder-a"), ("GH-S01-T003", "SC-AGENCY", "coder-a"),  # one selection, two turns
    ("GH-S01-T002", "SC-AGENCY", "coder-b"),
    ("GH-S02-T001", "OA-POWER", "coder-b"),
    ("GH-S02-T002", "OA-POWER", "coder-a"), ("GH-S02-T002", "SC-AGENCY", "coder-b"),
    ("GH-S02-T001", "OA", "coder-a"),
}


def _segments(texts: dict[str, str] = TEXTS, name: str | None = None) -> pd.DataFrame:
    """Segments with offsets found in ``texts``; ``name`` stands in for "the district budget officer"."""
    rows = []
    for sid, turns in TURNS.items():
        for n, text in enumerate(turns, 1):
            text = text.replace("the district budget officer", name) if name else text
            start = texts[sid].index(text)
            rows.append({"segment_id": f"{sid}-T{n:03d}", "session_id": sid, "country": "ghana", "turn": n,
                         "text": text, "start": start, "end": start + len(text)})
    return pd.DataFrame(rows)


def _zip(target: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def _standard(tmp_path: Path, *, qde: str | None = None, drop: tuple[str, ...] = ()) -> Path:
    """The hand-made standard project zipped, optionally with an edited project.qde or a source left out."""
    folder = FIXTURES / "standard"
    members = {f.relative_to(folder).as_posix(): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}
    if qde is not None:
        members["project.qde"] = qde
    return _zip(tmp_path / "standard.qdpx", {k: v for k, v in members.items() if k not in drop})


def _triples(codings: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(codings[["segment_id", "code_id", "coder"]].itertuples(index=False, name=None))


@functools.cache
def _schema(name: str):
    xmlschema = pytest.importorskip("xmlschema")
    folder = Path(os.environ.get("SPARKLEARN_REFIQDA_DIR") or REPO.parent / "shared" / "refi-qda")
    if not (folder / name).is_file():
        pytest.skip(f"REFI-QDA schema {name} not found in {folder} (set SPARKLEARN_REFIQDA_DIR to the folder "
                    "holding Project.xsd and Codebook.xsd; they are not copied into the repository)")
    return xmlschema.XMLSchema(folder / name)


# --------------------------------------------------------------------------- import


def test_hand_made_project_is_valid_refi_qda():
    _schema("Project.xsd").validate(FIXTURES / "standard" / "project.qde")


def test_hand_made_project_imports_with_the_right_counts(tmp_path):
    p = read_qdpx(_standard(tmp_path), codebook=CODEBOOK)
    assert p.name == "Ghana reflection sessions"
    assert p.users["name"].tolist() == ["coder-a", "coder-b"]
    assert len(p.codes) == 5 and p.codes["depth"].tolist() == [0, 1, 0, 1, 1]
    codes = p.codes.set_index("name")
    assert codes.loc["Countervailing power", "parent_guid"] == codes.loc["SPARK outcome areas", "guid"]
    assert codes.loc["Bolster agency", "path"] == "Strategic components/Bolster agency"
    assert codes.loc["SPARK outcome areas", "color"] == "#1f77b4"
    assert not codes.loc["Strategic components", "is_codable"]
    assert codes["code_id"].tolist() == ["OA", "OA-POWER", "SC", "SC-AGENCY", "SC-ROOT"]
    assert p.sources[["name", "n_chars"]].values.tolist() == [["GH-S01.md", 635], ["GH-S02", 483]]
    assert p.sources["text"].tolist() == [TEXTS["GH-S01"], TEXTS["GH-S02"]]
    assert len(p.selections) == 7 and p.selections["selection_guid"].nunique() == 6 and p.rejected.empty
    first = p.selections.iloc[0]
    assert (first["start"], first["end"], first["code_name"], first["coder"]) == (
        402, 436, "Deep analysis of root causes", "coder-a")
    assert first["created"] == pd.Timestamp("2021-07-02T10:15:00Z")
    assert first["memo"] == "first mention of the budget office"
    assert p.selections.loc[3, "memo"] == "Royalties came up three times."  # from the Note the Coding refers to
    assert p.cases[["name", "source_guids"]].values.tolist() == [["gh-fertiliser", S01], ["gh-mining", S02]]
    assert p.variables[["owner", "variable", "value"]].values.tolist() == [
        ["case", "country", "ghana"], ["case", "country", "ghana"], ["source", "round", "1"], ["source", "round", "2"]]
    assert p.sets["member_kind"].tolist() == ["code", "code"]
    assert p.notes[["name", "coder"]].values.tolist() == [["royalties memo", "coder-b"]]
    assert p.problems.empty


def test_selections_code_every_turn_they_overlap(tmp_path):
    checked = selections_to_codings(read_qdpx(_standard(tmp_path)), _segments(), codebook=CODEBOOK, country="ghana")
    assert list(checked.accepted.columns) == CODING_COLUMNS
    assert _triples(checked.accepted) == STANDARD_CODINGS and len(checked.accepted) == 8
    spanning = checked.accepted.loc[checked.accepted["source_row"] == 2]
    assert spanning["segment_id"].tolist() == ["GH-S01-T002", "GH-S01-T003"]
    assert (checked.accepted["country"] == "ghana").all()
    assert checked.accepted["source_file"].str.endswith("standard.qdpx").all()
    assert checked.rejected.empty and checked.problems.empty


def test_a_coding_on_the_whole_source_codes_all_its_turns(tmp_path):
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8").replace(
        '<VariableValue>\n        <VariableRef targetGUID="7a000000-0000-4000-8000-000000000001"/>\n'
        '        <IntegerValue>2</IntegerValue>',
        '<Coding guid="c0d10000-0000-4000-8000-000000000099" creatingUser="0c0de000-0000-4000-8000-00000000000b">'
        '<CodeRef targetGUID="1d000000-0000-4000-8000-000000000003"/></Coding>\n'
        '<VariableValue>\n        <VariableRef targetGUID="7a000000-0000-4000-8000-000000000001"/>\n'
        '        <IntegerValue>2</IntegerValue>')
    checked = selections_to_codings(read_qdpx(_standard(tmp_path, qde=qde)), _segments(), codebook=CODEBOOK,
                                    country="ghana")
    assert _triples(checked.accepted) - STANDARD_CODINGS == {("GH-S02-T001", "SC", "coder-b"),
                                                             ("GH-S02-T002", "SC", "coder-b")}


def test_inline_and_relative_source_texts_are_read(tmp_path):
    """A relative:// text is read from inside the archive; inline PlainTextContent as it is."""
    from xml.sax.saxutils import escape

    qde = ((FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
           .replace(f'plainTextPath="internal://{S01}.txt"', 'plainTextPath="relative://texts/GH-S01.txt"')
           .replace(f'plainTextPath="internal://{S02}.txt">',
                    f'>\n<PlainTextContent>{escape(TEXTS["GH-S02"])}</PlainTextContent>'))
    qdpx = _zip(tmp_path / "standard.qdpx", {"project.qde": qde, "texts/GH-S01.txt": TEXTS["GH-S01"]})
    p = read_qdpx(qdpx)
    assert p.sources["path_in_zip"].tolist() == ["texts/GH-S01.txt", ""]
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert _triples(checked.accepted) == STANDARD_CODINGS and checked.problems.empty


@pytest.mark.parametrize("location", ["relative://secret.txt", "absolute://{folder}/secret.txt",
                                      "file://{folder}/secret.txt", "relative://../outside/secret.txt"])
def test_files_outside_the_archive_are_never_read(tmp_path, location):
    """A crafted project cannot make sparklearn copy a local file (relative, absolute, file:// or via basePath)."""
    secret = "SECRET local file content"
    (tmp_path / "secret.txt").write_text(secret, encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/secret.txt").write_text(secret, encoding="utf-8")
    (tmp_path / "inside").mkdir()
    qde = ((FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
           .replace("<Project ", f'<Project basePath="{tmp_path}" ', 1)
           .replace(f'plainTextPath="internal://{S01}.txt"',
                    f'plainTextPath="{location.format(folder=tmp_path)}"'))
    qdpx = _zip(tmp_path / "inside/crafted.qdpx", {"project.qde": qde, f"sources/{S02}.txt": TEXTS["GH-S02"]})
    p = read_qdpx(qdpx)
    assert not p.sources["text"].fillna("").str.contains("SECRET").any()
    missing = p.problems.loc[p.problems["rule"].str.startswith("text of source")]
    assert len(missing) == 1 and missing["severity"].tolist() == ["error"]
    assert "texts kept outside the project are not read" in missing["fix"].iloc[0]
    assert (p.rejected["source_name"] == "GH-S01.md").all() and len(p.rejected) >= 1


def test_quirky_project_is_read_with_a_warning_per_quirk(tmp_path):
    crlf_bom = codecs.BOM_UTF8 + TEXTS["GH-S01"].replace("\n", "\r\n").encode("utf-8")
    qdpx = _zip(tmp_path / "quirks.qdpx", {
        "project.qde": (FIXTURES / "quirks/project.qde").read_bytes(),
        f"Sources/{S01}.txt": crlf_bom,
        "Sources/src-2.txt": TEXTS["GH-S02"],
    })
    p = read_qdpx(qdpx)
    rules = p.problems["rule"].tolist()
    assert (p.problems["severity"] == "warning").all()
    for expected in ("schema location does not name urn:QDA-XML:project:1.0 Project.xsd",
                     "7 element(s), from <CodeBook>, are in namespace 'urn:QDA-XML:codebook:1.0'",
                     "@guid value(s) are not GUIDs", "@targetGUID value(s) are not GUIDs",
                     "source texts are in 'Sources/' rather than 'sources/'",
                     "source text starts with a byte-order mark", "source text has 23 CRLF line end(s)",
                     "1 set member(s) use @guid where the schema has @targetGUID"):
        assert sum(expected in r for r in rules) == 1, expected
    assert p.sources.loc[0, "guid"] == S01  # braces and upper case normalised
    assert p.sources.loc[0, "text"] == TEXTS["GH-S01"]
    # Positions counted with CRLF = 2 land on the same characters of the LF text.
    assert p.selections[["start", "end"]].values.tolist() == [[402, 436], [531, 603], [443, 482]]
    assert p.sets["member_guid"].tolist() == ["code-4", "src-2"]
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert _triples(checked.accepted) == {
        ("GH-S01-T001", "SC-ROOT", "coder-a"), ("GH-S01-T002", "SC-AGENCY", "coder-b"),
        ("GH-S01-T003", "SC-AGENCY", "coder-b"), ("GH-S02-T002", "OA-POWER", "coder-a")}


@pytest.mark.parametrize(("members", "message", "row"), [
    (None, "is a text file, not a REFI-QDA project (.qdpx)", None),
    (b"", "the file is empty", None),
    ({"sources/x.txt": "text", "__MACOSX/._project.qde": "fork"},
     "has no .qde project file such as project.qde (the zip holds: sources/x.txt, __MACOSX/._project.qde)", None),
    ({"Ghana.qde": "<Project/>", "old/project.qde": "<Project/>"},
     "holds 2 .qde project files (Ghana.qde, old/project.qde)", None),
    ({"project.qde": ""}, "project.qde is empty", None),
    ({"project.qde": '<?xml version="1.0"?>\n<Project name="x">\n  <Users>\n</Project>'},
     "project.qde is not well-formed XML at line 4", 4),
    ({"PROJECT.QDE": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'}, "not a REFI-QDA <Project>", 1),
])
def test_unreadable_projects_raise_a_clear_error(tmp_path, members, message, row):
    path = tmp_path / "coded.qdpx"
    if members is None:
        path.write_text("session notes, not a zip")
    elif isinstance(members, bytes):
        path.write_bytes(members)
    else:
        _zip(path, members)
    with pytest.raises(InputError, match=re.escape(message)) as err:
        read_qdpx(path)
    assert err.value.file == str(path) and err.value.row == row and err.value.fix


def test_bad_selections_are_reported_and_the_good_ones_kept(tmp_path):
    qde = ((FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
           .replace('startPosition="402" endPosition="436"', 'startPosition="402" endPosition="9999"')
           .replace('<CodeRef targetGUID="1d000000-0000-4000-8000-000000000004"/>\n        </Coding>\n'
                    '      </PlainTextSelection>\n      <VariableValue>',
                    '<CodeRef targetGUID="1d000000-0000-4000-8000-0000000000ff"/>\n        </Coding>\n'
                    '      </PlainTextSelection>\n      <VariableValue>'))
    p = read_qdpx(_standard(tmp_path, qde=qde, drop=(f"sources/{S02}.txt",)))
    assert len(p.selections) + len(p.rejected) == 7
    assert p.selections["ordinal"].tolist() == [2]
    reasons = p.rejected.set_index("ordinal")["problem"]
    assert reasons[1] == "selection positions are outside the source text"
    assert reasons[3] == "coding refers to a code that is not in the project's codebook"
    assert (reasons[[4, 5, 6, 7]] == "selection is in a source whose text is missing from the project").all()
    errors = p.problems.loc[p.problems["severity"] == "error"]
    assert len(errors) == 7  # the missing text itself, then one per rejected selection
    outside = errors.loc[errors["rule"] == "selection positions are outside the source text"].iloc[0]
    assert (outside["row"], outside["value"]) == (52, "402-9999")  # line of the Coding in project.qde
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert _triples(checked.accepted) == {("GH-S01-T002", "SC-AGENCY", "coder-a"),
                                          ("GH-S01-T003", "SC-AGENCY", "coder-a")}
    assert len(checked.rejected) == 6


def test_unmapped_selections_are_rejected_with_the_reason_and_a_suggestion(tmp_path):
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8").replace(
        'startPosition="481" endPosition="512"', 'startPosition="367" endPosition="388"')  # the "# title" line
    codebook = codebook_from_dict({"version": "1", "codes": [
        {"id": "OA", "label": "SPARK outcome areas"}, {"id": "OA-POWER", "label": "Countervailing power"},
        {"id": "SC-AGENCY", "label": "Bolster agencies"}, {"id": "SC-ROOT", "label": "Deep analysis of root causes"}]})
    segments = _segments().query("session_id == 'GH-S01'")
    checked = selections_to_codings(read_qdpx(_standard(tmp_path, qde=qde)), segments, codebook=codebook,
                                    country="ghana")
    assert _triples(checked.accepted) == {("GH-S01-T001", "SC-ROOT", "coder-a")}
    reasons = checked.rejected.set_index("ordinal")["problem"].to_dict()
    assert reasons == {
        2: "code is not in the codebook",
        3: "selection covers no speaker turn (only a title, header or blank lines); code is not in the codebook",
        4: "source is not a session of ghana", 5: "source is not a session of ghana",
        6: "source is not a session of ghana; code is not in the codebook", 7: "source is not a session of ghana",
    }
    unknown = checked.problems.loc[checked.problems["rule"] == "code is not in the codebook"]
    assert set(unknown["value"]) == {"Bolster agency"}
    assert unknown["fix"].str.endswith("(did you mean 'Bolster agencies'?)").all()
    assert checked.n_read == 1 + 6


# --------------------------------------------------------------------------- export


def _sessions() -> pd.DataFrame:
    return pd.DataFrame({
        "session_id": ["GH-S02", "GH-S01"], "country": "ghana",
        "campaign_ids": ["gh-mining", "gh-fertiliser;gh-mining"],
        "date": pd.to_datetime(["2021-06-10", "2021-03-15"]), "round": [2, 1],
        "title": ["Mining royalties", "Fertiliser vouchers"],
    })


def _codings() -> pd.DataFrame:
    rows = sorted(STANDARD_CODINGS)
    return pd.DataFrame({"country": "ghana", "session_id": [r[0][:6] for r in rows],
                         "segment_id": [r[0] for r in rows], "code_id": [r[1] for r in rows],
                         "coder": [r[2] for r in rows],
                         "memo": ["noted" if r == ("GH-S01-T001", "SC-ROOT", "coder-a") else "" for r in rows]})


def _pseudonymised() -> pd.DataFrame:
    """Segments as the pipeline gives them: a turn's text changed length, offsets still into the file."""
    segments = _segments()
    segments.loc[0, "text"] = segments.loc[0, "text"].replace("the district budget officer", "Official 1")
    return segments


def _export(path: Path, **overrides) -> Path:
    arguments = {"sessions": _sessions(), "segments": _pseudonymised(), "codings": _codings(),
                 "codebook": CODEBOOK, "users": ["coder-c"]}
    return write_qdpx(path, **{**arguments, **overrides})


def test_export_validates_against_the_refi_qda_schemas_and_is_byte_stable(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first, second = _export(tmp_path / "a/ghana.qdpx"), _export(tmp_path / "b/ghana.qdpx")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["project.qde", *sorted([*(f"sources/{refi_guid('source', s)}.txt"
                                                                for s in ("GH-S01", "GH-S02")),
                                                              f"sources/{refi_guid('note', 'about this export')}.txt"])]
        qde = archive.read("project.qde").decode("utf-8")
        s01 = archive.read(f"sources/{refi_guid('source', 'GH-S01')}.txt").decode("utf-8")
    _schema("Project.xsd").validate(qde)
    assert "Official 1" in s01 and "district budget officer" not in s01
    p = read_qdpx(first)
    assert p.users["name"].tolist() == ["coder-a", "coder-b", "coder-c", "sparklearn"]
    assert p.codes[["name", "depth"]].values.tolist() == [
        ["SPARK outcome areas", 0], ["Countervailing power", 1], ["Strategic components", 0],
        ["Bolster agency", 1], ["Deep analysis of root causes", 1]]
    assert p.codes.loc[1, "description"] == "Power & voice <fiscal>."
    assert p.cases[["name", "source_guids"]].values.tolist() == [
        ["gh-fertiliser", refi_guid("source", "GH-S01")],
        ["gh-mining", f"{refi_guid('source', 'GH-S01')};{refi_guid('source', 'GH-S02')}"]]
    assert p.variables.query("owner == 'source'")[["variable", "value"]].values.tolist() == [
        ["country", "ghana"], ["round", "1"], ["date", "2021-03-15"],
        ["country", "ghana"], ["round", "2"], ["date", "2021-06-10"]]
    # One selection per coded segment and coder (test_qdpx_export.py checks the rest of the export on Kenya).
    assert len(p.selections) == 8 and p.selections["selection_guid"].nunique() == 8
    assert p.sources["name"].tolist() == ["GH-S01 Fertiliser vouchers", "GH-S02 Mining royalties"]


def test_codebook_export_validates_and_reads_back_nested(tmp_path):
    out = write_qdc(tmp_path / "spark.qdc", CODEBOOK)
    _schema("Codebook.xsd").validate(out)
    codes = read_qdc(out, codebook=CODEBOOK)
    assert codes[["code_id", "name", "depth"]].values.tolist() == [
        ["OA", "SPARK outcome areas", 0], ["OA-POWER", "Countervailing power", 1],
        ["SC", "Strategic components", 0], ["SC-AGENCY", "Bolster agency", 1],
        ["SC-ROOT", "Deep analysis of root causes", 1]]
    assert codes.loc[1, "parent_guid"] == codes.loc[0, "guid"] == refi_guid("code", "OA")
    assert codes.attrs["problems"].empty


def test_read_qdc_flattens_a_hand_made_codebook_and_warns_about_its_namespace(tmp_path):
    path = tmp_path / "nvivo.qdc"
    path.write_text("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook origin="NVivo">
  <Codes>
    <Code guid="{11111111-2222-4333-8444-555555555555}" name="Power" isCodable="true">
      <Code guid="11111111-2222-4333-8444-555555555556" name="Forms" isCodable="false">
        <Code guid="11111111-2222-4333-8444-555555555557" name="Hidden" isCodable="true" color="#ABCDEF">
          <Description>Agenda setting behind the scenes.</Description>
        </Code>
      </Code>
    </Code>
    <Code guid="11111111-2222-4333-8444-555555555558" name="Barriers" isCodable="true"/>
  </Codes>
</CodeBook>""", encoding="utf-8")
    codes = read_qdc(path)
    assert codes[["name", "depth", "path"]].values.tolist() == [
        ["Power", 0, "Power"], ["Forms", 1, "Power/Forms"], ["Hidden", 2, "Power/Forms/Hidden"],
        ["Barriers", 0, "Barriers"]]
    assert codes["parent_guid"].tolist()[:3] == [pd.NA, "11111111-2222-4333-8444-555555555555",
                                                 "11111111-2222-4333-8444-555555555556"]
    assert codes.loc[2, "description"] == "Agenda setting behind the scenes."
    assert codes["is_codable"].tolist() == [True, False, True, True]
    assert codes.attrs["problems"]["rule"].tolist() == [
        "7 element(s), from <CodeBook>, are in no namespace instead of urn:QDA-XML:codebook:1.0"]


def test_round_trip_gives_the_same_codings(tmp_path):
    out = _export(tmp_path / "ghana.qdpx")
    segments = _pseudonymised()
    checked = selections_to_codings(read_qdpx(out), segments, codebook=CODEBOOK, country="ghana")
    assert _triples(checked.accepted) == _triples(_codings()) == STANDARD_CODINGS
    memo = checked.accepted.set_index(["segment_id", "code_id", "coder"])["memo"]
    assert memo[("GH-S01-T001", "SC-ROOT", "coder-a")] == "noted"
    assert checked.rejected.empty and checked.problems.empty


def test_export_refuses_a_registered_name_without_repeating_it(tmp_path):
    segments = _pseudonymised()
    segments.loc[4, "text"] += " Notes taken by Ama Mensah."
    with pytest.raises(InputError, match="session GH-S02 still contains a registered participant's name") as err:
        _export(tmp_path / "leak.qdpx", segments=segments, names=["Kofi Boateng", "ama mensah"])
    assert "Mensah" not in str(err.value) and not (tmp_path / "leak.qdpx").exists()
    # A name left in the session file but not in the (pseudonymised) segments is not exported: the export's
    # texts are the segments' texts only.
    raw = {**TEXTS, "GH-S01": TEXTS["GH-S01"].replace("the district budget officer", "Kofi Boateng")}
    segments = _segments(raw, name="Kofi Boateng")
    segments.loc[0, "text"] = segments.loc[0, "text"].replace("Kofi Boateng", "Official 1")
    out = _export(tmp_path / "ok.qdpx", segments=segments, names=["Kofi Boateng"])
    with zipfile.ZipFile(out) as archive:
        assert "Official 1 about" in archive.read(f"sources/{refi_guid('source', 'GH-S01')}.txt").decode("utf-8")


def test_export_rejects_codings_it_cannot_place(tmp_path):
    stray = pd.concat([_codings(), pd.DataFrame({"segment_id": ["GH-S09-T001"], "code_id": ["OA"], "coder": ["x"]})])
    with pytest.raises(InputError, match="1 coding\\(s\\) refer to a segment_id"):
        _export(tmp_path / "x.qdpx", codings=stray)
    unknown = _codings().assign(code_id="OA-WEATHER")
    with pytest.raises(InputError, match="code_id that is not a codebook code"):
        _export(tmp_path / "x.qdpx", codings=unknown)


# --------------------------------------------------------------------------- Taguette


def test_taguette_highlights_become_codings_and_the_unmatched_are_reported(tmp_path):
    sheet = tmp_path / "highlights.csv"
    pd.DataFrame({
        "id": range(1, 9),
        "document": ["GH-S01.md", "GH-S01.md", "GH-S02", "GH-S02", "GH-S07", "GH-S02", "GH-S01.md", "GH-S01"],
        "tag": ["SC-ROOT", "Strategic components/Bolster agency", "countervailing POWER", "Bolster agencie",
                "OA", "OA", "Bolster agency", "OA"],
        "content": ["district budget   officer",  # whitespace differs from the text
                    "Farmers wrote to the assembly member together.\n\n**GH-P01:** Next time we",  # spans turns
                    "The radio station covered our petition.",
                    "royalty money", "anything", "The minister resigned.",
                    "The vouchers arrived late again",  # same turn, code and coder as id 2
                    "budget"],  # in turns 1 and 3
    }).to_csv(sheet, index=False)
    checked = read_taguette_highlights(sheet, segments=_segments(), codebook=CODEBOOK, country="ghana",
                                       coder="lead-gh")
    assert checked.accepted[["segment_id", "code_id", "coder", "source_row"]].values.tolist() == [
        ["GH-S01-T001", "OA", "lead-gh", 9], ["GH-S01-T001", "SC-ROOT", "lead-gh", 2],
        ["GH-S01-T002", "SC-AGENCY", "lead-gh", 3], ["GH-S01-T003", "SC-AGENCY", "lead-gh", 3],
        ["GH-S02-T002", "OA-POWER", "lead-gh", 4]]
    problems = checked.problems.set_index("row")
    assert problems.loc[5, "rule"] == "tag is not in the codebook"
    assert problems.loc[5, "fix"].endswith("(did you mean 'Bolster agency'?)")
    assert problems.loc[6, "rule"] == "document is not a session of ghana"
    assert problems.loc[7, "rule"] == "highlighted text is not found in the session's turns"
    assert problems.loc[7, "value"] == "The minister resigned."
    assert problems.loc[8, "rule"] == "codes GH-S01-T002 with SC-AGENCY for coder lead-gh again (as entry 3)"
    assert problems.loc[9, "rule"] == "text is found in 2 turns; coded the first (GH-S01-T001)"
    assert problems.loc[[8, 9], "severity"].tolist() == ["warning", "warning"]
    assert checked.rejected["source_row"].tolist() == [5, 6, 7]
    assert len(checked.problems) == 5


def test_taguette_sheet_without_its_columns_is_refused(tmp_path):
    sheet = tmp_path / "codebook.csv"
    sheet.write_text("tag,description,number of highlights\nOA,areas,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a Taguette highlights export: it has no column 'document'") as err:
        read_taguette_highlights(sheet, segments=_segments(), codebook=CODEBOOK, country="ghana")
    assert err.value.row == 1


# --------------------------------------------------------------------------- the command-line steps


def test_country_export_round_trips_through_the_pipeline(tmp_path):
    from sparklearn.config import find_project, resolve_paths

    DEMO_DATA = find_project(__file__).data
    from sparklearn.prepare import prepare
    from sparklearn.report.refi_qda import export_project, import_project

    if not (DEMO_DATA / "ghana" / "sessions").is_dir():
        pytest.skip(f"no demo sessions in {DEMO_DATA / 'ghana'} (make demo-data)")
    paths = resolve_paths(DEMO_DATA, tmp_path)
    out = export_project("ghana", tmp_path / "ghana.qdpx", paths=paths)
    with zipfile.ZipFile(out) as archive:
        _schema("Project.xsd").validate(archive.read("project.qde").decode("utf-8"))
    checked = import_project(out, country="ghana", paths=paths, output=tmp_path / "nvivo.csv")
    assert _triples(checked.accepted) == _triples(prepare("ghana", paths).tables["codings"])
    assert checked.rejected.empty
    sheet = pd.read_csv(tmp_path / "nvivo.csv", keep_default_na=False)
    assert list(sheet.columns) == ["session_id", "segment_id", "code", "coder", "memo"]
    assert len(sheet) == len(checked.accepted)


def test_two_sources_sharing_a_guid_are_read_as_two_with_a_warning(tmp_path):
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8").replace(f'guid="{S02}"', f'guid="{S01}"', 1)
    p = read_qdpx(_standard(tmp_path, qde=qde))
    assert p.sources["guid"].is_unique and len(p.sources) == 2
    shared = p.problems.loc[p.problems["column"] == "TextSource/@guid"]
    assert shared[["value", "severity"]].values.tolist() == [[S01, "warning"]]
    assert "another source has the same" in shared["rule"].iloc[0] and shared["row"].iloc[0] > 1
    # Every coding is still one selection, kept or rejected, none counted twice.
    ordinals = sorted([*p.selections["ordinal"], *p.rejected["ordinal"]])
    assert ordinals == list(range(1, len(ordinals) + 1))


# --------------------------------------------------------------------------- positions, project files, reports


def _fixture(tmp_path: Path, folder: str, **replace: bytes) -> Path:
    """A fixture folder zipped as a .qdpx (its README and .gitattributes left out), members optionally replaced."""
    root = FIXTURES / folder
    members = {f.relative_to(root).as_posix(): f.read_bytes() for f in sorted(root.rglob("*"))
               if f.is_file() and f.name not in {"README.md", ".gitattributes"}}
    return _zip(tmp_path / f"{folder}.qdpx", {**members, **replace})


def _placed(checked) -> list[tuple]:
    return sorted(checked.accepted[["segment_id", "code_id", "coder", "source_row"]].itertuples(index=False,
                                                                                                name=None))


@pytest.mark.parametrize(("folder", "convention"), [("qualcoder-crlf", "LF"), ("atlasti-crlf", "CRLF")])
def test_crlf_exports_import_to_the_same_codings_as_the_lf_original(tmp_path, folder, convention):
    """QualCoder counts a CRLF as one character, ATLAS.ti as two: both land on the LF original's turns."""
    original = selections_to_codings(read_qdpx(_standard(tmp_path)), _segments(), codebook=CODEBOOK, country="ghana")
    p = read_qdpx(_fixture(tmp_path, folder))
    assert p.positions["convention"].tolist() == [convention, convention]
    assert p.positions["tried"].tolist() == ["CRLF, LF", "CRLF, LF"]
    assert p.positions["n_lined_up"].tolist() == p.positions["n_selections"].tolist() == [3, 4]
    assert p.sources["text"].tolist() == [TEXTS["GH-S01"], TEXTS["GH-S02"]]
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert len(checked.accepted) == len(original.accepted) == 8
    assert _placed(checked) == _placed(original)
    assert checked.rejected.empty and not (checked.problems["severity"] == "error").any()
    assert checked.report.positions.startswith(f"{convention}: ")
    assert checked.report.by_coder.equals(original.report.by_coder)


def test_the_two_crlf_fixtures_really_count_differently():
    """Every selection's position differs between the fixtures, so one fixed convention misplaces one of them."""
    def starts(path: Path) -> list[int]:
        return [int(v) for v in re.findall(r'startPosition="(\d+)"', path.read_text(encoding="utf-8"))]

    qualcoder = starts(FIXTURES / "qualcoder-crlf/project.qde")
    atlas = starts(FIXTURES / "atlasti-crlf/Ghana reflection sessions.qde")
    assert len(qualcoder) == len(atlas) == 6 and all(q < a for q, a in zip(qualcoder, atlas))
    assert qualcoder == starts(FIXTURES / "standard/project.qde")


def test_a_counted_byte_order_mark_is_recognised(tmp_path):
    """Positions counting the BOM as a character (one more than the ATLAS.ti fixture's) line up as CRLF+BOM."""
    qde = (FIXTURES / "atlasti-crlf/Ghana reflection sessions.qde").read_text(encoding="utf-8")
    qde = re.sub(r'(start|end)Position="(\d+)"', lambda m: f'{m.group(1)}Position="{int(m.group(2)) + 1}"', qde)
    sources = {f"sources/{g}.txt": codecs.BOM_UTF8 + (FIXTURES / f"atlasti-crlf/sources/{g}.txt").read_bytes()
               for g in (S01, S02)}
    p = read_qdpx(_fixture(tmp_path, "atlasti-crlf", **{"Ghana reflection sessions.qde": qde.encode()}, **sources))
    assert p.positions["convention"].tolist() == ["CRLF+BOM", "CRLF+BOM"]
    assert p.positions["tried"].iloc[0] == "CRLF, LF, CRLF+BOM, LF+BOM"
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert _triples(checked.accepted) == STANDARD_CODINGS


def test_selections_that_line_up_under_no_convention_are_refused_by_name(tmp_path):
    """Positions three characters off (another version of the text) are rejected, each named, never placed."""
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
    shifted = re.sub(r'(start|end)Position="(\d+)"', lambda m: f'{m.group(1)}Position="{int(m.group(2)) + 3}"',
                     qde.split("<TextSource", 2)[1])
    qde = qde.replace(qde.split("<TextSource", 2)[1], shifted)  # GH-S01's three selections only
    p = read_qdpx(_standard(tmp_path, qde=qde))
    assert p.positions.set_index("source_name")["convention"].to_dict() == {"GH-S01.md": "none", "GH-S02": "LF"}
    refused = p.problems.loc[p.problems["rule"].str.startswith("selection does not line up")]
    assert refused["value"].tolist() == ["405-439", "534-606", "484-515"]
    assert (refused["severity"] == "error").all() and (refused["file"] == str(tmp_path / "standard.qdpx")).all()
    assert refused["row"].tolist() == [52, 58, 63]  # the Coding's line in project.qde
    assert p.rejected["ordinal"].tolist() == [1, 2, 3] and len(p.selections) == 4
    checked = selections_to_codings(p, _segments(), codebook=CODEBOOK, country="ghana")
    assert checked.report.positions == "none for GH-S01.md; LF for GH-S02"
    assert not checked.report.ok


def test_a_project_file_named_after_the_project_is_read(tmp_path):
    """ATLAS.ti 26 writes '<project name>.qde' instead of project.qde."""
    p = read_qdpx(_fixture(tmp_path, "atlasti-crlf"))
    assert p.name == "Ghana reflection sessions" and len(p.selections) == 7


def test_import_report_counts_add_up(tmp_path):
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8").replace(
        'name="Bolster agency"', 'name="Agency (own code)"')
    p = read_qdpx(_standard(tmp_path, qde=qde))
    segments = _segments().query("session_id == 'GH-S01'")
    checked = selections_to_codings(p, segments, codebook=CODEBOOK, country="ghana")
    report = checked.report
    assert len(report.codes) == 5 and report.codes_unmatched == ["Agency (own code)"]
    assert report.codes_matched == ["SPARK outcome areas", "Countervailing power", "Strategic components",
                                    "Deep analysis of root causes"]
    assert report.sources_matched == ["GH-S01.md"] and report.sources_unmatched == ["GH-S02"]
    assert report.by_coder.to_dict("list") == {"coder": ["coder-a", "coder-b"], "read": [4, 3], "imported": [1, 0],
                                               "ignored": [0, 0], "rejected": [3, 3], "turn_codings": [1, 0]}
    assert report.by_coder["read"].sum() == len(p.selections) + len(p.rejected)
    assert report.by_coder["rejected"].sum() == len(checked.rejected)
    assert report.n_codings == len(checked.accepted) == 1
    assert report.positions.startswith("LF: ") and report.n_errors > 0 and not report.ok
    lines = report.lines()
    assert ("  codes: 5 read, 4 matched to the codebook, 0 mapped, 0 ignored, 1 unmapped: Agency (own code)"
            in lines)
    assert "  sources: 2 read, 1 matched a session (1 by file name), 1 unmatched: GH-S02" in lines
    assert "    coder-a: 4 read = 1 imported + 0 ignored + 3 rejected; 1 turn coding(s)" in lines


def test_a_project_with_its_own_codes_and_documents_says_nothing_was_imported(tmp_path):
    """MAXQDA's way: its own codes, documents not named after sessions. Not silence, and not success."""
    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
    for n, name in enumerate(["SPARK outcome areas", "Countervailing power", "Strategic components",
                              "Bolster agency", "Deep analysis of root causes"]):
        qde = qde.replace(f'name="{name}"', f'name="Thema {n}"')
    qde = qde.replace('name="GH-S01.md"', 'name="Interview 1"').replace('name="GH-S02"', 'name="Interview 2"')
    checked = selections_to_codings(read_qdpx(_standard(tmp_path, qde=qde)), _segments(), codebook=CODEBOOK,
                                    country="ghana")
    report = checked.report
    assert checked.accepted.empty and not report.ok
    # The documents hold the sessions' text, so they match by text; the codes match nothing.
    assert report.sources["matched_by"].tolist() == ["text", "text"] and len(report.codes_unmatched) == 5
    assert report.lines()[1] == ("  NOTHING IMPORTED: none of 5 code(s) is a SPARK code or mapped to one; all 7 "
                                 "coding(s) were rejected or ignored")


def test_read_qdc_keeps_the_codebook_sets(tmp_path):
    path = tmp_path / "atlas.qdc"
    path.write_text("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="11111111-2222-4333-8444-555555555551" name="Power" isCodable="true"/>
    <Code guid="11111111-2222-4333-8444-555555555552" name="Voice" isCodable="true"/>
    <Code guid="11111111-2222-4333-8444-555555555553" name="Barriers" isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="22222222-2222-4333-8444-555555555551" name="Outcomes">
      <Description>Codes for outcome areas.</Description>
      <MemberCode guid="11111111-2222-4333-8444-555555555551"/>
      <MemberCode guid="11111111-2222-4333-8444-555555555552"/>
    </Set>
    <Set guid="22222222-2222-4333-8444-555555555552" name="Empty"/>
  </Sets>
</CodeBook>""", encoding="utf-8")
    _schema("Codebook.xsd").validate(path)
    codes = read_qdc(path)
    sets = codes.attrs["sets"]
    assert sets[["name", "description", "member_guid"]].fillna("").values.tolist() == [
        ["Outcomes", "Codes for outcome areas.", "11111111-2222-4333-8444-555555555551"],
        ["Outcomes", "Codes for outcome areas.", "11111111-2222-4333-8444-555555555552"],
        ["Empty", "", ""]]
    assert set(sets["member_guid"].dropna()) <= set(codes["guid"]) and codes.attrs["problems"].empty


# --------------------------------------------------------------------------- import-qdpx on the command line


def _demo_data() -> Path:
    from sparklearn.config import find_project

    data = find_project(__file__).data
    if not (data / "ghana" / "sessions").is_dir():
        pytest.skip(f"no demo sessions in {data / 'ghana'} (make demo-data)")
    return data


def test_import_qdpx_prints_the_report_and_exits_0_on_a_clean_import(tmp_path, capsys):
    from sparklearn.cli import main
    from sparklearn.config import resolve_paths
    from sparklearn.report.refi_qda import export_project

    data = _demo_data()
    project = export_project("ghana", tmp_path / "ghana.qdpx", paths=resolve_paths(data, default_out=False))
    code = main(["import-qdpx", str(project), "--country", "ghana", "--data", str(data),
                 "--output", str(tmp_path / "codings.csv")])
    out = capsys.readouterr().out
    sheet = pd.read_csv(tmp_path / "codings.csv")
    assert code == 0 and len(sheet) > 0
    assert f"import report for {project}" in out and "  positions: LF: a line break counts as one character" in out
    assert f"wrote {len(sheet)} codings to {tmp_path / 'codings.csv'}" in out and "NOTHING IMPORTED" not in out


def test_import_qdpx_writes_a_code_map_for_a_project_with_its_own_codes_and_exits_4(tmp_path, capsys):
    """A MAXQDA-like project with its own codes and documents: the code map, a summary, exit 4, no sheet."""
    from sparklearn.cli import main

    qde = (FIXTURES / "standard/project.qde").read_text(encoding="utf-8")
    qde = qde.replace('name="GH-S01.md"', 'name="Interview 1"').replace('name="GH-S02"', 'name="Interview 2"')
    for n, name in enumerate(["SPARK outcome areas", "Countervailing power", "Strategic components",
                              "Bolster agency", "Deep analysis of root causes"]):
        qde = qde.replace(f'name="{name}"', f'name="Thema {n}"')
    code = main(["import-qdpx", str(_standard(tmp_path, qde=qde)), "--country", "ghana", "--data",
                 str(_demo_data()), "--output", str(tmp_path / "codings.csv")])
    out = capsys.readouterr().out
    assert code == 4 and (tmp_path / "codings-code-map.xlsx").is_file() and not (tmp_path / "codings.csv").exists()
    assert f"  NOTHING IMPORTED: 5 code(s) are not SPARK codes; fill in the code map {tmp_path}" in out
    assert "  sources: 2 read, 0 matched a session, 2 unmatched: Interview 1, Interview 2" in out


def test_import_qdpx_turns_a_qdc_codebook_into_a_code_map(tmp_path, capsys):
    import openpyxl

    from sparklearn.cli import main
    from sparklearn.codebook import load_codebook
    from sparklearn.config import resolve_paths

    data = _demo_data()
    qdc = write_qdc(tmp_path / "spark.qdc", load_codebook(resolve_paths(data, default_out=False).codebook_file))
    code = main(["import-qdpx", str(qdc), "--data", str(data), "--output", str(tmp_path / "map.xlsx")])
    out = capsys.readouterr().out
    rows = list(openpyxl.load_workbook(tmp_path / "map.xlsx")["Code map"].iter_rows(min_row=2, values_only=True))
    assert code == 0 and len(rows) > 0 and all(r[9] == r[6] for r in rows)  # every code is a SPARK code
    assert f"  codes: {len(rows)} read, {len(rows)} matched to the codebook, 0 mapped, 0 ignored, 0 unmapped" in out
    assert f"wrote the code map of {len(rows)} codes to" in out and "not a zip" not in out


def test_a_taguette_import_has_a_report_too(tmp_path):
    from sparklearn.ingest.qda_codings import highlights_report

    sheet = tmp_path / "highlights.csv"
    pd.DataFrame({"id": [1, 2, 3], "document": ["GH-S01.md", "GH-S01", "GH-S07"], "tag": ["SC-ROOT", "Weather", "OA"],
                  "content": ["district budget officer", "budget figures", "anything"]}).to_csv(sheet, index=False)
    checked = read_taguette_highlights(sheet, segments=_segments(), codebook=CODEBOOK, country="ghana",
                                       coder="lead-gh")
    report = highlights_report(sheet, checked, coder="lead-gh")
    assert report.codes_matched == ["SC-ROOT"] and report.codes_unmatched == ["Weather"]
    assert report.sources_matched == ["GH-S01"] and report.sources_unmatched == ["GH-S07"]
    assert report.by_coder.to_dict("list") == {"coder": ["lead-gh"], "read": [3], "imported": [1], "ignored": [0],
                                               "rejected": [2], "turn_codings": [1]}
    assert "Taguette exports no positions" in report.positions and not report.ok  # two rows in error


def test_a_position_too_large_for_any_text_is_a_problem_not_a_crash(tmp_path):
    """Found by hypothesis: endPosition="99999999999999999999" once crashed the position conventions."""
    guid = "8a4e6b52-7a57-4b3c-9d43-5ac2e0a1b000"
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
           f'<Sources><TextSource guid="{guid}" name="KE-S00" plainTextPath="internal://{guid}.txt">'
           f'<PlainTextSelection guid="{guid}" startPosition="0" endPosition="99999999999999999999">'
           f'<Coding guid="{guid}" creatingUser="{guid}"><CodeRef targetGUID="{guid}"/></Coding>'
           f'</PlainTextSelection>'
           f'</TextSource></Sources></Project>')
    path = tmp_path / "huge.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"sources/{guid}.txt", "some text")
    project = read_qdpx(path)
    rules = project.problems["rule"].tolist()
    assert any(r.startswith("selection positions are not whole numbers (or are too large") for r in rules), rules
    assert project.selections.empty or project.selections["start"].notna().sum() == 0
