"""The one text reader and the safe YAML loader: encodings, binary files, size limits, YAML bombs."""

from __future__ import annotations

import codecs
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sparklearn.exceptions import InputError, SparklearnError
from sparklearn.ingest.privacy import DEMO_SALT, salt_for
from sparklearn.ingest.text import MAX_TEXT_BYTES, read_text_file
from sparklearn.textfiles import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    DecodedText,
    Problem,
    decode_text,
    load_yaml,
    parse_yaml,
    raise_problems,
)

TEXT = Path(__file__).parent / "fixtures" / "malformed" / "text"
SALT = "4f9c2a7e1b3d5f60a8c9e7d1b2a3c4d5"
REGISTER_LINE = "SN-P01,Aïssatou Fall,research lead,research team"
WHAT = "the participants register"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- fixtures that read

@pytest.mark.parametrize(("name", "encoding", "had_bom"), [
    ("salt-utf8.txt", "utf-8", False),
    ("salt-utf8-bom.txt", "utf-8", True),
    ("salt-utf16le-bom.txt", "utf-16-le", True),
    ("salt-utf16be-bom.txt", "utf-16-be", True),
])
def test_salt_in_any_unicode_encoding_reads_the_same(name, encoding, had_bom):
    found = read_text_file(TEXT / name, what="the salt file")
    assert (found.encoding, found.had_bom) == (encoding, had_bom)
    assert found.text.splitlines()[1] == SALT and not found.text.startswith("\ufeff")


@pytest.mark.parametrize(("name", "encoding", "description"), [
    ("register-utf8.csv", "utf-8", "UTF-8"),
    ("register-utf16le-bom.csv", "utf-16-le", "UTF-16 little-endian with a byte-order mark"),
    ("register-utf32-bom.csv", "utf-32-le", "UTF-32 little-endian with a byte-order mark"),
    ("register-windows-1252.csv", "cp1252", "Windows-1252"),
])
def test_register_in_each_encoding_excel_writes_gives_the_same_names(name, encoding, description):
    found = read_text_file(TEXT / name, what=WHAT)
    assert found.encoding == encoding and found.description == description
    assert found.text.splitlines()[1].replace("\t", ",") == REGISTER_LINE
    assert found.fell_back == (encoding == "cp1252")


# --------------------------------------------------------------------------- fixtures that are refused

REFUSED = {
    # file: (message parts, line or None, fix part)
    "salt-utf16-no-bom.txt": (["looks like UTF-16 text without a byte-order mark"], None, "save it as UTF-8"),
    "salt-utf16-truncated.txt": (["starts with a UTF-16 little-endian byte-order mark",
                                  "not UTF-16 little-endian text", "byte 140, line 2"], None, "save it as UTF-8"),
    "salt-binary.txt": (["holds NUL bytes", "byte 0, line 1", "it is not text"], None, "right file"),
    "register-xlsx-renamed.csv": (["is not text: it is a zip archive", "Excel workbook"], None, "CSV UTF-8"),
    "register-encrypted-workbook.csv": (["is not text", "password-protected workbook"], None, "CSV UTF-8"),
    "register-utf8-bom-then-latin1.csv": (["starts with a UTF-8 byte-order mark but is not UTF-8 text",
                                           "line 3"], None, "save it as UTF-8"),
    "register-control-bytes.csv": (["is neither UTF-8 nor Windows-1252 text", "byte 46 (0xEF, line 2)"], 2,
                                   "CSV UTF-8"),
    "notes-nul-bytes.md": (["holds NUL bytes", "byte 37, line 4"], None, "right file"),
    "notes-pdf.md": (["is not text: it is a PDF document"], None, "right file"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_that_is_not_text_is_refused_naming_file_what_found_and_fix(name):
    parts, line, fix = REFUSED[name]
    with pytest.raises(InputError) as err:
        read_text_file(TEXT / name, what=WHAT)
    text = str(err.value)
    assert text.startswith(str(TEXT / name)) and f"{WHAT} " in err.value.message
    for part in parts:
        assert part in text, (part, text)
    assert err.value.row == line and fix in err.value.fix


def test_every_text_fixture_is_tested_and_described():
    files = {p.name for p in TEXT.iterdir()} - {"README.md"}
    tested = set(REFUSED) | {"salt-utf8.txt", "salt-utf8-bom.txt", "salt-utf16le-bom.txt", "salt-utf16be-bom.txt",
                             "register-utf8.csv", "register-utf16le-bom.csv", "register-utf32-bom.csv",
                             "register-windows-1252.csv", "salt-empty.txt", "salt-only-comments.txt"}
    assert files == tested
    readme = (TEXT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)


# --------------------------------------------------------------------------- the salt

@pytest.mark.parametrize("name", ["salt-utf8.txt", "salt-utf8-bom.txt", "salt-utf16le-bom.txt",
                                  "salt-utf16be-bom.txt"])
def test_salt_for_reads_a_utf16_salt_as_the_same_salt(tmp_path, name):
    shutil.copy(TEXT / name, tmp_path / "salt.txt")
    assert salt_for(tmp_path) == SALT


@pytest.mark.parametrize(("name", "message"), [
    ("salt-utf16-no-bom.txt", "the salt file looks like UTF-16 text without a byte-order mark"),
    ("salt-binary.txt", "the salt file holds NUL bytes"),
    ("salt-empty.txt", "salt.txt holds no salt"),
    ("salt-only-comments.txt", "salt.txt holds no salt"),
])
def test_an_unusable_salt_is_a_message_not_a_traceback(tmp_path, name, message):
    shutil.copy(TEXT / name, tmp_path / "salt.txt")
    with pytest.raises(InputError) as err:
        salt_for(tmp_path)
    assert err.value.file == str(tmp_path / "salt.txt") and message in str(err.value) and err.value.fix


def test_a_demo_register_saved_as_utf16_is_still_recognised_as_demo(tmp_path):
    (tmp_path / "kenya").mkdir()
    (tmp_path / "kenya" / "participants.csv").write_bytes(
        codecs.BOM_UTF16_LE + "# SYNTHETIC DEMO DATA - fictitious people\nparticipant_id,name\n".encode("utf-16-le"))
    assert salt_for(tmp_path) == DEMO_SALT


def test_a_register_that_is_a_workbook_is_named_when_looking_for_the_salt(tmp_path):
    (tmp_path / "kenya").mkdir()
    shutil.copy(TEXT / "register-xlsx-renamed.csv", tmp_path / "kenya" / "participants.csv")
    with pytest.raises(InputError, match="the participants register is not text: it is a zip archive") as err:
        salt_for(tmp_path)
    assert err.value.file == str(tmp_path / "kenya" / "participants.csv")


# --------------------------------------------------------------------------- size limits and odd paths

def test_a_text_file_over_the_limit_is_refused_with_sizes(tmp_path):
    big = tmp_path / "participants.csv"
    with open(big, "wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(InputError) as err:
        read_text_file(big, what=WHAT)
    assert "the participants register is 20.0 MB, more than the 20.0 MB" in str(err.value)
    assert err.value.file == str(big) and "right file" in err.value.fix


def test_max_bytes_is_the_callers_limit(tmp_path):
    p = tmp_path / "notes.md"
    p.write_bytes(b"x" * 2001)
    with pytest.raises(InputError, match=r"session notes is 2,001 bytes, more than the 2,000 bytes"):
        read_text_file(p, what="session notes", max_bytes=2000)
    assert read_text_file(p, what="session notes", max_bytes=2001).text == "x" * 2001


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "the participants register not found"),
    (lambda p: p.mkdir(), "the participants register is a folder or device, not a file"),
])
def test_a_missing_file_or_a_folder_is_a_message(tmp_path, make, message):
    p = tmp_path / "participants.csv"
    make(p)
    with pytest.raises(InputError, match=re.escape(message)) as err:
        read_text_file(p, what=WHAT)
    assert err.value.file == str(p)


def test_a_yaml_file_over_the_limit_is_refused(tmp_path):
    p = tmp_path / "codebook.yaml"
    with open(p, "wb") as handle:
        handle.truncate(MAX_YAML_BYTES + 1)
    with pytest.raises(InputError, match="the codebook is 2.0 MB, more than the 2.0 MB"):
        load_yaml(p, what="the codebook", expect="'codes:'")


# --------------------------------------------------------------------------- YAML

def _yaml(tmp_path, text: str | bytes) -> Path:
    p = tmp_path / "file.yaml"
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def test_yaml_in_utf16_with_a_bom_loads(tmp_path):
    p = _yaml(tmp_path, codecs.BOM_UTF16_LE + "title: Sénégal\n".encode("utf-16-le"))
    assert load_yaml(p, what="the codebook", expect="x").data == {"title": "Sénégal"}


def test_yaml_is_never_read_as_windows_1252(tmp_path):
    p = _yaml(tmp_path, "title: Sénégal\n".encode("cp1252"))
    with pytest.raises(InputError) as err:
        load_yaml(p, what="the codebook", expect="x")
    assert "this file must be UTF-8" in str(err.value) and err.value.row == 1
    assert "text editor" in err.value.fix and "Excel" not in err.value.fix


def test_aliases_a_real_file_might_use_still_load(tmp_path):
    p = _yaml(tmp_path, "base: &b {label: x}\ncopy: *b\nmerged:\n  <<: *b\n  label: y\n")
    assert load_yaml(p, what="f", expect="x").data == {"base": {"label": "x"}, "copy": {"label": "x"},
                                                      "merged": {"label": "y"}}


def test_aliases_expanding_past_the_limit_are_refused_at_the_line_that_crosses_it(tmp_path):
    levels = 1
    while 10 ** levels <= MAX_YAML_NODES:
        levels += 1
    lines = ["l0: &l0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    with pytest.raises(InputError) as err:
        load_yaml(_yaml(tmp_path, "\n".join(lines) + "\n"), what="the codebook", expect="x")
    assert f"more than {MAX_YAML_NODES:,} values once its aliases" in str(err.value)
    assert err.value.row == levels and "aliases" in err.value.fix


def test_nesting_past_the_limit_is_refused(tmp_path):
    deep = "a: " + "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1) + "\n"
    with pytest.raises(InputError, match=f"nested more than {MAX_YAML_DEPTH} deep"):
        load_yaml(_yaml(tmp_path, deep), what="f", expect="x")
    ok = "a: " + "[" * (MAX_YAML_DEPTH - 2) + "]" * (MAX_YAML_DEPTH - 2) + "\n"
    assert load_yaml(_yaml(tmp_path, ok), what="f", expect="x").data["a"]


def test_repeated_keys_are_listed_in_one_message_with_their_lines(tmp_path):
    p = _yaml(tmp_path, "a:\n  id: 1\n  label: x\n  id: 2\n  label: y\nb: 1\n")
    with pytest.raises(InputError) as err:
        load_yaml(p, what="f", expect="x")
    assert "'id' on lines 2, 4; 'label' on lines 3, 5" in str(err.value)
    assert err.value.row == 4 and err.value.column == "id" and "'- '" in err.value.fix


@pytest.mark.parametrize(("value", "words"), [("2021-02-30", "is not a date that exists"),
                                              ("!!int " + "7" * 5000, "is not a whole number of ordinary size"),
                                              ("!!float abc", "is not a number")])
def test_values_yaml_parses_but_python_cannot_build_name_their_line(tmp_path, value, words):
    p = _yaml(tmp_path, f"title: x\nwhen:\n  start: {value}\n")
    with pytest.raises(InputError) as err:
        load_yaml(p, what="f", expect="x")
    assert words in str(err.value) and err.value.row == 3 and err.value.column == "start"


def test_yaml_inside_another_file_is_reported_at_that_files_lines():
    front = ("session_id: KE-S01\nparticipants:\n  - {participant_id: KE-P01}\n"
             "  - {participant_id: KE-P02, participant_id: x}\n")
    with pytest.raises(InputError) as err:
        parse_yaml(front, file="KE-S01.md", what="the front matter", expect="'session_id:'", first_line=2)
    assert err.value.row == 5 and "'participant_id' on lines 5, 5" in str(err.value)
    doc = parse_yaml("a: 1\n", file="KE-S01.md", what="the front matter", expect="x", first_line=2)
    assert doc.data == {"a": 1} and doc.root.start_mark.line + 1 == 2


def test_problems_become_one_error_listing_each_with_its_line():
    with pytest.raises(InputError) as err:
        raise_problems([Problem("a", "fix a", line=3), Problem("b", "fix b", line=9, value="v")], file="f.yaml",
                       what="the registry")
    assert str(err.value) == ("f.yaml: 2 problems in the registry:\n  - line 3: a. Fix: fix a\n"
                              "  - line 9: b (value: 'v'). Fix: fix b")
    raise_problems([], file="f.yaml", what="the registry")  # nothing to say, nothing raised


# --------------------------------------------------------------------------- properties

@FAST
@given(st.binary(max_size=300))
def test_any_bytes_are_text_that_round_trips_or_an_input_error(data):
    try:
        found = decode_text(data, file="f.csv", what=WHAT)
    except InputError as err:
        assert err.file == "f.csv" and WHAT in err.message and err.fix
        return
    bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    assert (bom[found.encoding] if found.had_bom else b"") + found.text.encode(found.encoding) == data


_TYPED = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff")
                 | st.sampled_from("\n\t\r"), max_size=200)


@FAST
@given(_TYPED, st.sampled_from([("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE)]))
def test_any_typed_text_saved_in_a_unicode_encoding_reads_back(text, saved):
    assume(not text.startswith(("%PDF", "{\\rtf")))  # a file that starts like a PDF is taken for one
    encoding, bom = saved
    assert decode_text(bom + text.encode(encoding), file="f", what="notes") == DecodedText(text, encoding, bool(bom))


@FAST
@given(st.binary(max_size=400) | _TYPED.map(lambda t: t.encode("utf-8")))
def test_any_bytes_as_yaml_give_data_or_one_of_our_errors(tmp_path, data):
    p = _yaml(tmp_path, data)
    try:
        doc = load_yaml(p, what="the codebook", expect="'codes:'")
    except SparklearnError as err:
        assert str(p) in str(err)
        return
    assert isinstance(doc.data, dict)
