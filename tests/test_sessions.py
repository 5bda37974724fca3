from __future__ import annotations

import re

import pandas as pd
import pytest

from sparklearn.config import find_project

DEMO_DATA = find_project(__file__).data  # this checkout's demo data
from sparklearn.countries import load_registry
from sparklearn.exceptions import InputError
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.ingest.sessions import (
    SEGMENT_COLUMNS,
    SESSION_COLUMNS,
    read_session_file,
    read_sessions,
    session_text,
)

REGISTRY = load_registry(DEMO_DATA / "countries.yaml")

SESSION = """---
session_id: SN-S99
title: "Cycle 2 : suivi"
date: 2021-03-04
round: 2
country: senegal
campaigns: [sn-sanitation]
facilitator: research lead
language: fr
participants:
  - {participant_id: SN-P01, role: "research lead"}
  - {participant_id: SN-P04, role: "community monitor"}
---
# Cycle 2 : suivi

**SN-P01:** Bonjour à tous ; Aïssatou commence.

**SN-P04 [en]:** We went to the municipality.

A second paragraph of the same turn.

**SN-P04:** [wo] Waaw.
"""


def _write(folder, name, text, *, bom=False, newline="\n"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8"))
    return path


def _rules(read):
    return read.problems[["column", "rule", "severity"]].values.tolist()


def test_segments_match_a_hand_reading(tmp_path):
    path = _write(tmp_path, "SN-S99.md", SESSION)
    r = read_session_file(path, registry=REGISTRY)
    assert r.problems.empty and r.rejected.empty
    assert list(r.sessions.columns) == SESSION_COLUMNS and list(r.segments.columns) == SEGMENT_COLUMNS
    s = r.sessions.iloc[0]
    assert (s["session_id"], s["country"], s["campaign_ids"], s["date"], s["round"], s["title"],
            s["facilitator_role"], s["language"], s["n_participants"]) == (
        "SN-S99", "senegal", "sn-sanitation", pd.Timestamp("2021-03-04"), 2, "Cycle 2 : suivi",
        "research lead", "fr", 2)
    assert r.sessions["date"].dtype == "datetime64[ns]" and r.sessions["round"].dtype == "int64"
    seg = r.segments
    assert seg["segment_id"].tolist() == ["SN-S99-T001", "SN-S99-T002", "SN-S99-T003"]
    assert seg["turn"].tolist() == [1, 2, 3]
    assert seg["speaker"].tolist() == ["SN-P01", "SN-P04", "SN-P04"]
    assert seg["speaker_role"].tolist() == ["research lead", "community monitor", "community monitor"]
    assert seg["language"].tolist() == ["fr", "en", "wo"]
    assert seg["text"].tolist() == ["Bonjour à tous ; Aïssatou commence.",
                                    "We went to the municipality.\n\nA second paragraph of the same turn.",
                                    "Waaw."]
    text = session_text(path)
    # Offsets found independently: where each expected text occurs in the file.
    assert seg["start"].tolist() == [text.index("Bonjour"), text.index("We went"), text.index("Waaw")]
    assert all(text[a:b] == t for a, b, t in zip(seg["start"], seg["end"], seg["text"]))


@pytest.mark.parametrize("bom,newline", [(True, "\n"), (False, "\r\n"), (True, "\r\n")])
def test_bom_and_crlf_give_the_same_offsets_and_segments(tmp_path, bom, newline):
    plain = read_session_file(_write(tmp_path / "plain", "SN-S99.md", SESSION), registry=REGISTRY)
    other_path = _write(tmp_path / "other", "SN-S99.md", SESSION, bom=bom, newline=newline)
    other = read_session_file(other_path, registry=REGISTRY)
    pd.testing.assert_frame_equal(plain.segments, other.segments)
    assert other.problems.empty
    text = session_text(other_path)
    assert "\r" not in text and not text.startswith("\ufeff")
    assert all(text[a:b] == t for a, b, t in zip(other.segments["start"], other.segments["end"],
                                                 other.segments["text"]))


def test_every_demo_country_reads_cleanly_and_offsets_slice_the_text():
    for folder in sorted(DEMO_DATA.glob("*/sessions")):
        r = read_sessions(folder, registry=REGISTRY, country=folder.parent.name)
        assert r.problems.empty and r.rejected.empty, folder
        files = sorted(folder.glob("*.md"))
        assert r.sessions["session_id"].tolist() == [f.stem for f in files]
        for f in files:
            text = session_text(f)
            seg = r.segments.loc[r.segments["session_id"] == f.stem]
            # An independent count of turns: lines that start with a bold speaker tag.
            assert len(seg) == len(re.findall(r"^\*\*[A-Z]{2}-P\d+", text, re.MULTILINE)), f
            assert all(text[a:b] == t for a, b, t in zip(seg["start"], seg["end"], seg["text"])), f
        # Every segment the demo codings point at exists.
        codings = pd.concat([pd.read_csv(c, comment="#") for c in folder.parent.glob("codings/*.csv")])
        assert set(codings["segment_id"]) <= set(r.segments["segment_id"])


def test_demo_untagged_paragraph_belongs_to_the_turn_above():
    r = read_session_file(DEMO_DATA / "kenya" / "sessions" / "KE-S01.md")
    t5 = r.segments.set_index("segment_id").loc["KE-S01-T005"]
    assert t5["speaker"] == "KE-P02"
    assert t5["text"].endswith("\n\nAchieng Tanui went to the County Department of Health with the group last month.")


def test_demo_language_tags_and_session_language():
    r = read_session_file(DEMO_DATA / "indonesia" / "sessions" / "ID-S03.md")
    assert r.sessions.loc[0, "language"] == "en"
    assert r.segments["language"].head(3).tolist() == ["en", "id", "en"]
    assert r.segments.loc[1, "text"].startswith("Seminggu setelah")


def test_untagged_text_before_the_first_turn_and_after_a_heading_is_a_note(tmp_path):
    text = SESSION.replace("# Cycle 2 : suivi\n\n", "# Cycle 2 : suivi\n\nPresent: six people.\n\n")
    text += "\n## Actions\n\nVisit the mayor.\n"
    r = read_session_file(_write(tmp_path, "SN-S99.md", text))
    seg = r.segments
    assert seg["segment_id"].tolist() == ["SN-S99-N001", "SN-S99-T001", "SN-S99-T002", "SN-S99-T003",
                                          "SN-S99-N002"]
    notes = seg.loc[seg["speaker_role"] == "note"]
    assert notes["text"].tolist() == ["Present: six people.", "Visit the mayor."]
    assert notes["speaker"].tolist() == ["", ""] and notes["turn"].tolist() == [0, 0]
    assert seg.loc[3, "text"] == "Waaw."  # the heading ends the turn above it
    assert (r.problems["severity"] == "warning").sum() == 2 and len(r.sessions) == 1
    full = session_text(tmp_path / "SN-S99.md")
    assert all(full[a:b] == t for a, b, t in zip(seg["start"], seg["end"], seg["text"]))


def test_front_matter_problems_reject_the_session_with_line_numbers(tmp_path):
    bad = SESSION.replace("date: 2021-03-04", "date: 2021-13-45").replace("[sn-sanitation]", "[sn-sanitaton]")
    good = SESSION.replace("SN-S99", "SN-S98")
    _write(tmp_path, "SN-S99.md", bad)
    _write(tmp_path, "SN-S98.md", good)
    r = read_sessions(tmp_path, registry=REGISTRY)
    assert r.sessions["session_id"].tolist() == ["SN-S98"] and r.n_read == 2
    assert r.rejected["session_id"].tolist() == ["SN-S99"]
    assert "date must be a real date" in r.rejected.loc[0, "problem"]
    assert set(r.segments["session_id"]) == {"SN-S98"}
    p = r.problems.set_index("column")
    assert list(r.problems.columns) == PROBLEM_COLUMNS
    assert (p.loc["date", "row"], p.loc["date", "value"]) == (4, "2021-13-45")
    assert (p.loc["campaigns", "row"], p.loc["campaigns", "value"]) == (7, "sn-sanitaton")
    assert "sn-sanitation" in p.loc["campaigns", "fix"]


def test_unknown_country_missing_id_round_and_wrong_folder(tmp_path):
    _write(tmp_path, "A.md", SESSION.replace("country: senegal", "country: senegall"))
    _write(tmp_path, "B.md", SESSION.replace("session_id: SN-S99\n", "").replace("round: 2", "round: two"))
    r = read_sessions(tmp_path, registry=REGISTRY, country="senegal")
    assert r.sessions.empty and len(r.rejected) == 2
    got = {(p.file.split("/")[-1], p.column, p.rule) for p in r.problems.itertuples() if p.severity == "error"}
    assert ("A.md", "country", "unknown country") in got
    assert ("A.md", "country", "session is in the folder of 'senegal'") in got
    assert ("B.md", "session_id", "front matter has no session_id") in got
    assert ("B.md", "round", "round must be a whole number >= 1") in got


def test_speaker_not_in_participants_is_a_warning_and_kept(tmp_path):
    r = read_session_file(_write(tmp_path, "SN-S99.md", SESSION + "\n**SN-P07:** Moi aussi.\n"))
    assert len(r.sessions) == 1 and r.segments["speaker"].iloc[-1] == "SN-P07"
    assert r.segments["speaker_role"].iloc[-1] == ""
    assert _rules(r) == [["turn", "speaker is not in the session's participants list", "warning"]]
    assert r.problems.loc[0, "row"] == SESSION.count("\n") + 2


def test_duplicate_session_ids_across_files_reject_both(tmp_path):
    _write(tmp_path, "SN-S99.md", SESSION)
    _write(tmp_path, "copy.md", SESSION)
    _write(tmp_path, "SN-S98.md", SESSION.replace("SN-S99", "SN-S98"))
    r = read_sessions(tmp_path)
    assert r.sessions["session_id"].tolist() == ["SN-S98"]
    assert sorted(r.rejected["source_file"].str.split("/").str[-1]) == ["SN-S99.md", "copy.md"]
    errors = r.problems.loc[r.problems["severity"] == "error"]
    assert errors["rule"].unique().tolist() == ["the same session_id is in another file"]
    assert len(errors) == 2


def test_empty_non_utf8_and_no_front_matter_files(tmp_path):
    (tmp_path / "empty.md").write_bytes(b"\xef\xbb\xbf\r\n")
    (tmp_path / "latin.md").write_bytes(SESSION.replace("SN-S99", "SN-S97").encode("cp1252"))
    # 0x81 is neither UTF-8 here nor a Windows-1252 character: not text sparklearn can read.
    (tmp_path / "binary.md").write_bytes(SESSION.replace("SN-S99", "SN-S96").encode("cp1252").replace(b"\xe0", b"\x81"))
    (tmp_path / "plain.md").write_text("**SN-P01:** hello\n", encoding="utf-8")
    (tmp_path / "broken.md").write_text("---\nsession_id: [oops\n---\n", encoding="utf-8")
    _write(tmp_path, "SN-S99.md", SESSION)
    r = read_sessions(tmp_path)
    # Windows-1252 (Notepad's "ANSI") is read, with a warning to check the accents.
    assert sorted(r.sessions["session_id"]) == ["SN-S97", "SN-S99"] and r.n_read == 6
    assert r.segments.loc[r.segments["session_id"] == "SN-S97", "text"].str.contains("à").any()
    by_file = {p.file.split("/")[-1]: p for p in r.problems.itertuples()}
    assert by_file["empty.md"].rule == "session file is empty"
    latin = r.problems.loc[r.problems["file"].str.endswith("latin.md")]
    assert ["not UTF-8: read as Windows-1252", "warning"] in latin[["rule", "severity"]].values.tolist()
    assert (latin["severity"] == "warning").all()
    binary = by_file["binary.md"]
    assert "UTF-8" in binary.rule and "(0x81, line" in binary.rule and "UTF-8" in binary.fix
    assert binary.severity == "error"
    # The first unreadable byte (where line 22's 'à' was) is reported on its line.
    assert binary.row == 1 + SESSION.split("\n").index(next(ln for ln in SESSION.split("\n") if "à" in ln))
    assert by_file["plain.md"].rule == "no YAML front matter at the top of the file"
    assert by_file["plain.md"].value == ""  # the first line is not quoted: notes name people
    assert by_file["broken.md"].rule.startswith("front matter is not valid YAML") and by_file["broken.md"].row == 2


def test_title_falls_back_to_the_heading_and_a_session_without_turns(tmp_path):
    text = SESSION.replace('title: "Cycle 2 : suivi"\n', "").split("**SN-P01")[0]
    r = read_session_file(_write(tmp_path, "SN-S99.md", text))
    assert r.sessions.loc[0, "title"] == "Cycle 2 : suivi" and r.segments.empty
    assert [x[1] for x in _rules(r)] == ["front matter has no title (the # heading is used)",
                                         "session has no speaker turns"]


def test_session_text_and_folder_errors(tmp_path):
    (tmp_path / "x.md").write_bytes(b"caf\xe9")
    assert session_text(tmp_path / "x.md") == "café"  # read as Windows-1252, as read_sessions reads it
    (tmp_path / "y.md").write_bytes(b"caf\x81")
    with pytest.raises(InputError, match="UTF-8"):
        session_text(tmp_path / "y.md")
    with pytest.raises(InputError, match="not found"):
        read_sessions(tmp_path / "nowhere")
    empty = read_sessions(_mkdir(tmp_path / "e"))
    assert empty.sessions.empty and list(empty.sessions.columns) == SESSION_COLUMNS
    assert empty.problems["rule"].tolist() == ["no session files (*.md) in the folder"]


def _mkdir(path):
    path.mkdir()
    return path


def test_lines_of_many_spaces_are_read_in_linear_time(tmp_path):
    """A pasted table of spaces after '**' once took minutes (the speaker pattern backtracked over them)."""
    import time

    spaces = " " * 20_000
    text = SESSION + f"\n**{spaces}x{spaces}\n\n#{spaces}heading{spaces}##{spaces}\n"
    started = time.perf_counter()
    r = read_session_file(_write(tmp_path, "SN-S99.md", text))
    assert time.perf_counter() - started < 5
    assert r.n_read == 1 and len(r.sessions) == 1
