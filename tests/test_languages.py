"""Languages: a translation for any turn in the session file, kept apart from what was said,
carried into the segments table and the quotes, and shown with ``lang`` attributes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html

from sparklearn.analysis.quotes import QUOTE_PART_COLUMNS, quote_parts, quotes
from sparklearn.config import find_project, resolve_paths
from sparklearn.ingest.privacy import pseudonymise_segments
from sparklearn.ingest.sessions import read_sessions, session_text
from sparklearn.prepare import prepare
from sparklearn.report.quotes import context_html, quote_html, quotes_html, table_with_quotes_html
from sparklearn.report.tables import sanitise_report

DEMO_DATA = find_project(__file__).data  # this checkout's demo data

SESSION = """---
session_id: SN-S01
title: t
date: 2021-03-02
round: 1
country: senegal
campaigns: [sn-sanitation]
language: fr
facilitator: research lead
participants:
  - {participant_id: SN-P01, role: research lead}
  - {participant_id: SN-P02, role: relais}
---
# t

**SN-P01:** Bienvenue à tous.

> [en] Welcome, everyone.

**SN-P02:** Nous avons écrit au maire.

Il n'a pas répondu.

> [EN] We wrote to the mayor.
>
> He did not answer.

**SN-P02 [wo]:** Waaw.

> Une citation sans langue reste dans le tour.

**SN-P01 [en]:** Thank you.

> [fr] Merci.

Une note après la traduction.
"""


@pytest.fixture()
def read(tmp_path: Path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "SN-S01.md").write_text(SESSION, encoding="utf-8")
    return read_sessions(folder), folder / "SN-S01.md"


def test_translations_are_read_and_kept_apart_from_what_was_said(read):
    r, path = read
    seg = r.segments.set_index("segment_id")
    assert seg.loc["SN-S01-T001", ["text", "language", "translation", "translation_language"]].tolist() == [
        "Bienvenue à tous.", "fr", "Welcome, everyone.", "en"]
    assert seg.loc["SN-S01-T002", "text"] == "Nous avons écrit au maire.\n\nIl n'a pas répondu."
    assert seg.loc["SN-S01-T002", "translation"] == "We wrote to the mayor.\n\nHe did not answer."
    assert seg.loc["SN-S01-T002", "translation_language"] == "en"
    # A block quote without a language tag is part of the turn, not a translation.
    assert seg.loc["SN-S01-T003", "text"] == "Waaw.\n\n> Une citation sans langue reste dans le tour."
    assert seg.loc["SN-S01-T003", ["language", "translation"]].tolist() == ["wo", ""]
    assert seg.loc["SN-S01-T004", ["language", "translation", "translation_language"]].tolist() == [
        "en", "Merci.", "fr"]
    # Offsets still slice the file's text: the translation is not in the turn.
    text = session_text(path)
    assert all(text[s:e] == t for s, e, t in zip(r.segments["start"], r.segments["end"], r.segments["text"]))


def test_text_after_a_translation_is_a_note_with_a_warning(read):
    r, _ = read
    note = r.segments.loc[r.segments["speaker_role"] == "note"]
    assert note["text"].tolist() == ["Une note après la traduction."]
    assert r.problems["rule"].str.contains("read as a note").sum() == 1


def test_a_translation_with_no_turn_above_is_a_note(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "SN-S01.md").write_text(SESSION.replace("# t\n\n", "# t\n\n> [en] Orphan.\n\n", 1), encoding="utf-8")
    r = read_sessions(folder)
    assert r.segments.loc[r.segments["speaker_role"] == "note", "text"].iloc[0] == "> [en] Orphan."
    assert r.problems["rule"].str.contains("no speaker turn right above it").sum() == 1
    assert r.segments.loc[r.segments["segment_id"] == "SN-S01-T001", "translation"].iloc[0] == "Welcome, everyone."


def test_crlf_files_give_the_same_translations(read, tmp_path):
    r, _ = read
    folder = tmp_path / "crlf"
    folder.mkdir()
    (folder / "SN-S01.md").write_bytes(b"\xef\xbb\xbf" + SESSION.replace("\n", "\r\n").encode("utf-8"))
    again = read_sessions(folder)
    pd.testing.assert_frame_equal(again.segments.drop(columns=[]), r.segments)


def test_names_in_a_translation_are_pseudonymised():
    register = pd.DataFrame({"participant_id": ["SN-P01"], "name": ["Awa Diop"], "role": ["research lead"]})
    seg = pd.DataFrame({"speaker": ["SN-P01"], "speaker_role": ["research lead"], "text": ["Awa Diop a écrit."],
                        "translation": ["Awa Diop wrote."]})
    out = pseudonymise_segments(seg, register, "salt")
    assert "Awa" not in out.loc[0, "translation"] and "Diop" not in out.loc[0, "text"]
    assert out.loc[0, "translation"].endswith(" wrote.")


def test_quotes_carry_language_and_translation(read):
    r, _ = read
    codings = pd.DataFrame({"segment_id": ["SN-S01-T002"], "code_id": ["X"], "coder": ["a"]})
    q = quotes("X", codings, r.segments)
    assert q.loc[0, ["language", "translation", "translation_language"]].tolist() == [
        "fr", "We wrote to the mayor.\n\nHe did not answer.", "en"]
    parts = quote_parts(r.segments, "SN-S01-T002;SN-S01-T001;missing")
    assert list(parts.columns) == QUOTE_PART_COLUMNS
    assert parts["segment_id"].tolist() == ["SN-S01-T002", "SN-S01-T001"]
    # Segments without the language columns (older tables) still give parts.
    plain = quote_parts(r.segments[["segment_id", "speaker", "text"]], ["SN-S01-T001"])
    assert plain.loc[0, ["language", "translation"]].tolist() == ["", ""]


def test_the_turns_around_a_quote_carry_their_language_too(read):
    r, _ = read
    codings = pd.DataFrame({"segment_id": ["SN-S01-T002"], "code_id": ["X"], "coder": ["a"]})
    q = quotes("X", codings, r.segments)
    assert q.loc[0, "context_before"].startswith(r.segments.loc[0, "speaker"])
    # Turns 1-4 are in French, French, Wolof and English.
    assert q.loc[0, ["context_before_language", "context_after_language"]].tolist() == ["fr", "wo"]

    def around(segment_id: str) -> list[str]:
        row = quotes("X", codings.assign(segment_id=segment_id), r.segments, context=2).iloc[0]
        return [row["context_before_language"], row["context_after_language"]]

    assert around("SN-S01-T003") == ["fr", "en"]  # two French turns before, one English after
    assert around("SN-S01-T004") == ["", ""]  # French then Wolof before: no one tag; nothing after
    assert around("SN-S01-T001") == ["fr", ""]  # the French note above it; French then Wolof after
    cell = context_html(q.loc[0, "context_before"], q.loc[0, "context_before_language"])
    span = lxml_html.fragment_fromstring(cell)
    assert span.get("lang") == "fr" and span.text_content() == " ".join(q.loc[0, "context_before"].split())
    assert 'lang="' not in context_html("x", 'fr" onmouseover="alert(1)')


def test_quotes_are_shown_with_lang_attributes_and_escaped():
    cell = quote_html("Nous <b>avons</b> écrit & signé.", "fr", "We <i>wrote</i>.", "en", speaker="relais <3")
    tree = lxml_html.fragment_fromstring(f"<div>{cell}</div>")
    said, meant = tree.findall("span")
    assert (said.get("lang"), said.text_content()) == ("fr", "“Nous <b>avons</b> écrit & signé.”")
    assert (meant.get("lang"), meant.text_content()) == ("en", "(translation: “We <i>wrote</i>.”)")
    assert "relais &lt;3" in cell and "<b>" not in cell
    # A language value that is not a tag never becomes markup.
    assert 'lang="' not in quote_html("x", 'fr" onmouseover="alert(1)')
    # A translation without its language is taken as English; no translation, no second span.
    assert 'class="translation" lang="en"' in quote_html("x", "fr", "y", "")
    assert "translation" not in quote_html("x", "fr")


def test_a_quote_table_keeps_lang_through_the_sanitiser():
    parts = pd.DataFrame({"segment_id": ["S-T001"], "speaker": ["relais 1"], "text": ["Kami menulis."],
                          "language": ["id"], "translation": ["We wrote."], "translation_language": ["en"]})
    frame = pd.DataFrame({"campaign": ["<script>x</script>"], "quote": [quotes_html(parts)]})
    page = sanitise_report(f"<html><body>{table_with_quotes_html(frame, ['quote'], caption='Quotes')}</body></html>")
    tree = lxml_html.fromstring(page)
    assert [s.get("lang") for s in tree.iter("span")] == ["id", "en"]
    assert tree.find(".//td").text_content() == "<script>x</script>" and not list(tree.iter("script"))
    assert tree.find(".//caption").text_content() == "Quotes"


def test_every_demo_turn_not_in_english_has_a_translation():
    for slug, language in (("senegal", "fr"), ("indonesia", "id")):
        seg = read_sessions(DEMO_DATA / slug / "sessions").segments
        other = seg.loc[seg["language"] != "en"]
        assert len(other) > 100 and set(other["language"]) == {language}
        assert (other["translation"] != "").all() and (other["translation_language"] == "en").all()
        assert (seg.loc[seg["language"] == "en", "translation"] == "").all()
        # Translations are English, with the campaign's English words filled in: no token left, no French or
        # Bahasa function word, no French campaign term.
        english = other["translation"]
        assert not english.str.contains("{", regex=False).any()
        assert not english.str.contains(r"\b(?:nous|les|yang|kami|la mairie|Dinas)\b", case=False).any()
        assert english.str.contains(r"\b(?:the|we|our|us)\b", case=False).mean() > 0.85


def test_prepared_segments_hold_pseudonymised_translations(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("countries.yaml", "codebook.yaml"):
        shutil.copy(DEMO_DATA / name, data / name)
    shutil.copytree(DEMO_DATA / "senegal", data / "senegal")
    prepared = prepare("senegal", resolve_paths(data=data, out=tmp_path / "out"), write=False)
    seg = prepared.tables["segments"]
    assert {"translation", "translation_language", "campaign_id"} <= set(seg.columns)
    names = pd.read_csv(data / "senegal" / "participants.csv", comment="#")["name"]
    joined = " ".join(seg["translation"])
    assert not any(name in joined for name in names)
    assert (seg.loc[seg["language"] == "fr", "translation"] != "").all()
