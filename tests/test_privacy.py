from __future__ import annotations

import hashlib
import hmac
import shutil

import pandas as pd
import pytest

from sparklearn.config import find_project

DEMO_DATA = find_project(__file__).data  # this checkout's demo data
from sparklearn.exceptions import InputError, ParameterError
from sparklearn.ingest.privacy import (
    AMBIGUOUS,
    DEMO_SALT,
    find_names,
    pseudonym,
    pseudonymise_segments,
    pseudonymise_text,
    read_register,
    salt_for,
)
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.ingest.sessions import read_sessions

COUNTRIES = sorted(p.parent.name for p in DEMO_DATA.glob("*/participants.csv"))

REGISTER = pd.DataFrame({
    "participant_id": ["KE-P01", "KE-P04", "KE-P06", "SN-P04", "SN-P10"],
    "name": ["Omondi Barasa", "Kiptoo Lekishon", "Nashipae Lekishon", "Aïssatou Diop", "Moussa Sy"],
    "role": ["research lead", "partner staff", "community monitor", "community monitor", "community monitor"],
})


def _expected(pid, role, salt="s"):
    # An independent computation of the documented recipe: role + first 4 hex of HMAC-SHA256(salt, id).
    return f"{role} {hmac.new(salt.encode(), pid.encode(), hashlib.sha256).hexdigest()[:4]}"


def _segments(rows):
    return pd.DataFrame(rows, columns=["segment_id", "session_id", "speaker", "speaker_role", "text"])


def test_pseudonym_follows_the_documented_recipe_and_hides_name_and_id():
    p = pseudonym("KE-P04", "partner staff", "s")
    assert p == _expected("KE-P04", "partner staff")
    assert "KE-P04" not in p and "Kiptoo" not in p
    assert pseudonym("KE-P04", "partner staff", "s") == p  # same call, same answer
    assert pseudonym("KE-P04", "partner staff", "other salt") != p
    assert pseudonym("KE-P05", "partner staff", "s") != p


def test_same_person_same_pseudonym_across_sessions_and_calls():
    seg = _segments([["S1-T001", "S1", "KE-P04", "partner staff", "a"],
                     ["S2-T001", "S2", "KE-P04", "partner staff", "b"],
                     ["S2-T002", "S2", "KE-P06", "community monitor", "c"]])
    one = pseudonymise_segments(seg, REGISTER, "s")
    two = pseudonymise_segments(seg.iloc[::-1], REGISTER, "s")
    assert one["speaker"].tolist() == [_expected("KE-P04", "partner staff")] * 2 + [
        _expected("KE-P06", "community monitor")]
    assert two.loc[one.index, "speaker"].tolist() == one["speaker"].tolist()
    other = pseudonymise_segments(seg, REGISTER, "t")
    assert not set(other["speaker"]) & set(one["speaker"])


def test_pseudonym_role_comes_from_the_register_and_unregistered_speakers_get_one():
    seg = _segments([["S1-T001", "S1", "KE-P04", "facilitator", "x"],
                     ["S1-T002", "S1", "KE-P99", "visitor", "y"],
                     ["S1-N001", "S1", "", "note", "z"]])
    out = pseudonymise_segments(seg, REGISTER, "s")
    assert out["speaker"].tolist() == [_expected("KE-P04", "partner staff"), _expected("KE-P99", "visitor"), ""]
    assert out["speaker_role"].tolist() == ["facilitator", "visitor", "note"]


def test_names_in_text_are_replaced_by_the_persons_pseudonym():
    texts = pd.Series([
        "Omondi's report went to the clerk.",
        "OMONDI BARASA and omondi  barasa agreed.",
        "Aïssatou est venue ; Aissatou aussi, et AÏSSATOU DIOP.",
        "Ai\u0308ssatou (decomposed) and Diop.",
        "Kiptoo said Lekishon would come.",
        "Moussa Sy spoke; Sy is too short to match alone.",
        "As KE-P01 said, nothing else.",
        "Barasat is a longer word; Omondiland too.",
    ])
    got = pseudonymise_text(texts, REGISTER, "s").tolist()
    omondi = f"[{_expected('KE-P01', 'research lead')}]"
    aissatou = f"[{_expected('SN-P04', 'community monitor')}]"
    assert got == [
        f"{omondi}'s report went to the clerk.",
        f"{omondi} and {omondi} agreed.",
        f"{aissatou} est venue ; {aissatou} aussi, et {aissatou}.",
        f"{aissatou} (decomposed) and {aissatou}.",
        f"[{_expected('KE-P04', 'partner staff')}] said {AMBIGUOUS} would come.",
        f"[{_expected('SN-P10', 'community monitor')}] spoke; Sy is too short to match alone.",
        f"As {omondi} said, nothing else.",
        "Barasat is a longer word; Omondiland too.",
    ]


def test_a_lowercase_word_that_is_also_a_name_part_is_left_alone():
    reg = pd.DataFrame({"participant_id": ["ID-P05"], "name": ["Made Daeng"], "role": ["leader"]})
    got = pseudonymise_text(pd.Series(["The office made a promise to Made.", "made daeng"]), reg, "s").tolist()
    tag = f"[{_expected('ID-P05', 'leader')}]"
    assert got == [f"The office made a promise to {tag}.", tag]


def test_pseudonymise_segments_does_not_mutate_its_input():
    seg = _segments([["S1-T001", "S1", "KE-P04", "partner staff", "Omondi Barasa spoke"]])
    before = seg.copy()
    out = pseudonymise_segments(seg, REGISTER, "s")
    pd.testing.assert_frame_equal(seg, before)
    assert list(out.columns) == list(seg.columns) and out is not seg
    with pytest.raises(ParameterError, match="speaker"):
        pseudonymise_segments(seg.drop(columns="speaker"), REGISTER, "s")


@pytest.mark.parametrize("country", COUNTRIES)
def test_no_registered_name_survives_in_any_demo_country(country):
    register = read_register(DEMO_DATA / country / "participants.csv")
    read = read_sessions(DEMO_DATA / country / "sessions")
    # The guard must see names in the raw text (the demo mentions people), or the test proves nothing.
    assert len(find_names(read.segments, register)) > 5
    out = pseudonymise_segments(read.segments, register, salt_for(DEMO_DATA))
    assert find_names(out, register).empty
    assert find_names(read.sessions, register).empty
    # A second, plainer check: no full name and no participant id in any text.
    names = register.accepted["name"].str.lower()
    text = out["text"].str.lower()
    assert not any(text.str.contains(n, regex=False).any() for n in names)
    ids = register.accepted["participant_id"]
    assert not any(out["text"].str.contains(i, regex=False).any() for i in ids)
    assert not out["speaker"].isin(register.accepted["participant_id"]).any()
    # One pseudonym per person, different people never merged.
    assert out.groupby(read.segments["speaker"])["speaker"].nunique().eq(1).all()
    assert out["speaker"].nunique() == read.segments["speaker"].nunique()


def test_find_names_finds_a_planted_name_and_says_where():
    register = read_register(DEMO_DATA / "kenya" / "participants.csv")
    table = pd.DataFrame({"outcome": ["The clerk replied.", "Thanks to achieng tanui, the ward met.", "ok"],
                          "note": ["", "", "see Chebet"], "n": [1, 2, 3]}, index=[10, 11, 12])
    hits = find_names(table, register)
    assert hits.values.tolist() == [["outcome", 11, "KE-P05", 10], ["note", 12, "KE-P03", 4]]
    assert find_names(table.iloc[[0]], register).empty


def test_read_register_checks_rows_and_keeps_the_rejected(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text("# SYNTHETIC DEMO DATA\nparticipant_id,name,role,organisation\n"
                    "KE-P01,Omondi Barasa,research lead,team\nKE-P02,,budget analyst,IBP\n"
                    "KE-P03,Chebet Chelimo,,IBP\nKE-P03,Chebet Other,analyst,IBP\n,No Id,analyst,IBP\n",
                    encoding="utf-8")
    reg = read_register(path)
    assert reg.n_read == 5 and reg.accepted["participant_id"].tolist() == ["KE-P01"]
    assert list(reg.problems.columns) == PROBLEM_COLUMNS
    assert reg.problems[["row", "column", "severity"]].values.tolist() == [
        [4, "name", "error"], [5, "participant_id", "error"], [5, "role", "warning"],
        [6, "participant_id", "error"], [7, "participant_id", "error"]]
    # Names of rejected rows are still hidden when the whole result is passed.
    text = pd.Series(["Chebet Other and No Id came"])
    assert "Chebet" not in pseudonymise_text(text, reg, "s").iloc[0]
    assert "No Id" not in pseudonymise_text(text, reg, "s").iloc[0]
    assert len(find_names(pd.DataFrame({"t": text}), reg)) == 2


def test_register_problems_name_the_columns_as_the_file_heads_them(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text("Participant ID,Name,Role,Organisation\nKE-P01,,research lead,team\n"
                    "KE-P02,Chebet Chelimo,,IBP\nKE-P02,Chebet Other,analyst,IBP\n", encoding="utf-8")
    reg = read_register(path)
    assert reg.problems[["row", "column", "value", "severity"]].values.tolist() == [
        [2, "Name", "", "error"], [3, "Participant ID", "KE-P02", "error"], [3, "Role", "", "warning"],
        [4, "Participant ID", "KE-P02", "error"]]
    assert reg.accepted.empty and reg.n_read == 3


def test_read_register_with_a_renamed_column_is_a_user_error(tmp_path):
    """Which file, which column, the header row and the expected headers; never a developer's message."""
    path = tmp_path / "participants.csv"
    path.write_text("# notes\nparticipant_id,full name,role\nKE-P01,Omondi Barasa,lead\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_register(path)
    e = err.value
    assert not isinstance(e, ParameterError)
    assert (e.file, e.row, e.column) == (str(path), 2, "name")
    assert "participant_id, name, role, organisation" in e.fix


def test_a_register_without_its_header_row_does_not_quote_the_first_person(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text("KE-P01,Omondi Barasa,lead\nKE-P02,Akinyi Wanjiru,monitor\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_register(path)
    assert "omondi" not in str(err.value).lower() and "add the header row" in err.value.fix


def test_salt_rules(tmp_path):
    assert salt_for(DEMO_DATA) == DEMO_SALT
    real = tmp_path / "real"
    (real / "kenya").mkdir(parents=True)
    (real / "kenya" / "participants.csv").write_text("participant_id,name,role\nKE-P01,A B,lead\n")
    with pytest.raises(InputError) as err:
        salt_for(real)
    assert "secrets.token_hex(16)" in err.value.fix and str(real / "salt.txt") in err.value.fix
    (real / "salt.txt").write_text("# my salt\n\n  0f1e2d3c  \n")
    assert salt_for(real) == "0f1e2d3c"
    (real / "salt.txt").write_text("\n")
    with pytest.raises(InputError, match="holds no salt"):
        salt_for(real)
    with pytest.raises(InputError):
        salt_for(tmp_path / "empty")
    # A copy of the synthetic demo data (every register marked) uses the demo salt.
    copy = tmp_path / "copy"
    for country in COUNTRIES[:2]:
        (copy / country).mkdir(parents=True)
        shutil.copy(DEMO_DATA / country / "participants.csv", copy / country / "participants.csv")
    assert salt_for(copy) == DEMO_SALT
    shutil.copy(real / "kenya" / "participants.csv", copy / COUNTRIES[0] / "participants.csv")
    with pytest.raises(InputError):
        salt_for(copy)


def test_without_a_salt_names_become_a_generic_placeholder_and_missing_text_stays_missing():
    got = pseudonymise_text(pd.Series(["Omondi came with KE-P04", None, "a"], dtype=object), REGISTER, None)
    assert got.iloc[0] == f"{AMBIGUOUS} came with {AMBIGUOUS}"
    assert got.iloc[1] is None and got.iloc[2] == "a"


# ------------------------------------------------------------------ names where people type them by hand


@pytest.fixture()
def kenya_paths(kenya_data, tmp_path):
    from sparklearn.config import resolve_paths

    return resolve_paths(data=kenya_data, out=tmp_path / "out")


def _all_text(prepared) -> str:
    tables = [*prepared.tables.values(), prepared.problems,
              *(c.rejected for c in prepared.quarantine.values()), *(c.problems for c in prepared.quarantine.values())]
    return "\n".join(t.astype(str).to_csv() for t in tables)


def test_a_name_in_a_session_title_becomes_the_pseudonym_with_a_warning_at_its_line(kenya_paths):
    """Not "report this as a bug" and no location: the country runs, the lead is told where, without the name."""
    from sparklearn.prepare import prepare

    session = kenya_paths.country_raw("kenya") / "sessions" / "KE-S01.md"
    text = session.read_text(encoding="utf-8")
    session.write_text(text.replace('title: "Round 1', 'title: "Omondi Barasa on round 1', 1)
                       .replace("facilitator: research lead", "facilitator: Chebet Chelimo")
                       .replace('role: "community monitor"', 'role: "Kiptoo Lekishon"'), encoding="utf-8")
    prepared = prepare("kenya", kenya_paths, write=False)
    title = prepared.tables["sessions"].set_index("session_id").loc["KE-S01", "title"]
    assert title.startswith("[research lead ") and title.endswith("] on round 1 reflection: working with legislators, "
                                                                  "primary health care")
    named = prepared.problems.loc[prepared.problems["rule"].str.startswith("a participant's name (or id) in the "
                                                                           "session's")]
    assert named[["file", "row", "column", "value", "severity"]].values.tolist() == [
        [str(session), 4, "title", "(name withheld)", "warning"],
        [str(session), 9, "facilitator", "(name withheld)", "warning"],
        [str(session), 11, "participants", "(name withheld)", "warning"],
    ]
    assert "describe people by their role" in named["fix"].iloc[0]
    everything = _all_text(prepared)
    for part in ("Omondi", "Barasa", "Chebet", "Chelimo", "Kiptoo", "Lekishon"):
        assert part not in everything, part


def test_text_before_the_first_speaker_tag_is_never_quoted(kenya_paths):
    from sparklearn.prepare import prepare

    session = kenya_paths.country_raw("kenya") / "sessions" / "KE-S02.md"
    text = session.read_text(encoding="utf-8")
    first_turn = text.index("**KE-P")
    # Someone not in the register too: the problem must not quote them either.
    session.write_text(text[:first_turn] + "Notes by Omondi Barasa with Zawadi Unregistered.\n\n" + text[first_turn:],
                       encoding="utf-8")
    prepared = prepare("kenya", kenya_paths, write=False)
    note = prepared.problems.loc[prepared.problems["rule"].str.contains("read as a note")]
    assert note[["value", "severity"]].values.tolist() == [["(text withheld)", "warning"]]
    assert note["row"].iloc[0] == text[:first_turn].count("\n") + 1
    assert "Zawadi" not in _all_text(prepared).replace(
        prepared.tables["segments"].astype(str).to_csv(), "")  # only the segment itself holds the note's text
    assert "Omondi" not in _all_text(prepared)


def test_a_name_that_cannot_be_replaced_stops_the_country_saying_where(kenya_paths):
    """A coding sheet named after a registered person: nothing is written, the message says where but not who."""
    from sparklearn.prepare import prepare

    codings = kenya_paths.country_raw("kenya") / "codings"
    (codings / "coder-a.csv").rename(codings / "Barasa.csv")
    with pytest.raises(InputError) as err:
        prepare("kenya", kenya_paths)
    message = str(err.value)
    assert "report this as a bug" not in message and "Barasa" not in message
    assert err.value.file.startswith(str(codings / "[research lead ")) and err.value.file.endswith("].csv")
    assert err.value.row is not None and err.value.column == "source_file"
    assert "rename the file" in err.value.fix
    assert not kenya_paths.country_processed("kenya").exists()  # nothing was written
