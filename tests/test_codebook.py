from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import keyboard_slips

from sparklearn.codebook import (
    CODEBOOK_COLUMNS,
    children,
    codebook_from_dict,
    codebook_table,
    descendants,
    load_codebook,
    lookup_codes,
    vocabulary,
)
from sparklearn.config import find_project

DEMO_DATA = find_project(__file__).data  # this checkout's demo data
from sparklearn.exceptions import CodebookError, ParameterError

GROUPS = ["OA", "SC", "AE", "PW", "ARC", "CO", "EP", "BR", "LA"]
REQUIRED_IDS = """
OA-POWER OA-SPACES OA-EQUITY OA-ACCOUNT
SC-AGENCY SC-COALITION SC-ROOTCAUSE SC-ECOSYSTEM SC-ENABLING SC-DISCOURSE
AE-SAI AE-LEGISLATURE AE-EXECUTIVE AE-LOCALGOV AE-MEDIA AE-COURTS AE-CSO AE-TRADFAITH AE-DONOR
AE-COMMUNITY AE-PRIVATE
PW-FORM PW-FORM-VISIBLE PW-FORM-HIDDEN PW-FORM-INVISIBLE PW-SPACE PW-SPACE-CLOSED PW-SPACE-INVITED
PW-SPACE-CLAIMED PW-LEVEL PW-LEVEL-LOCAL PW-LEVEL-NATIONAL PW-LEVEL-GLOBAL PW-EXPR PW-EXPR-OVER
PW-EXPR-TO PW-EXPR-WITH PW-EXPR-WITHIN
ARC-TACTICAL ARC-STRATEGIC ARC-SANDWICH ARC-VERTICAL ARC-ANSWERABILITY ARC-ENFORCEMENT
CO-FORM CO-FORM-COALITION CO-FORM-ALLIANCE CO-FORM-NETWORK CO-ALLY CO-ALLY-AFFECTED
CO-ALLY-INTERESTED CO-ALLY-STRENGTH CO-ALLY-ACCESS CO-PRACTICE CO-PRACTICE-ISSUE CO-PRACTICE-PLANNING
CO-PRACTICE-ROLES CO-PRACTICE-FOLLOWUP CO-PRACTICE-LETTINGGO
EP-FOUNDATION EP-CAPACITY EP-INCLUSION EP-VISIBILITY EP-FUNDING
BR-INFORMATION BR-CAPACITY BR-CLOSEDSPACE BR-COOPTATION BR-REPRESSION BR-ELITECAPTURE BR-FUNDING
LA-REFLECTION LA-ADAPTATION LA-EVIDENCE LA-SETBACK
""".split()


@pytest.fixture(scope="module")
def cb():
    return load_codebook(DEMO_DATA / "codebook.yaml")


@pytest.fixture(scope="module")
def table(cb):
    return codebook_table(cb).set_index("code_id")


# ------------------------------------------------------------------ the real file

def test_real_codebook_has_every_required_code_under_its_group(cb, table):
    assert cb.version == "1.0.0" and cb.title == "SPARK codebook"
    assert list(codebook_table(cb).columns[: len(CODEBOOK_COLUMNS)]) == CODEBOOK_COLUMNS
    assert table.index[table["depth"] == 0].tolist() == GROUPS
    assert set(REQUIRED_IDS) <= set(table.index)
    prefix_group = pd.Series(table.index.str.split("-").str[0], index=table.index)
    assert (prefix_group == table["group_id"]).all()


def test_four_outcome_areas_and_six_components_mapped_to_five_ibp_components(cb, table):
    assert children(cb, "OA") == ["OA-POWER", "OA-SPACES", "OA-EQUITY", "OA-ACCOUNT"]
    sc = table.loc[children(cb, "SC"), "ibp_component"]
    assert sc.to_dict() == {
        "SC-AGENCY": "ibp-capacity", "SC-COALITION": "ibp-coalitions", "SC-ROOTCAUSE": "ibp-capacity",
        "SC-ECOSYSTEM": "ibp-ecosystem", "SC-ENABLING": "ibp-participation", "SC-DISCOURSE": "ibp-norms",
    }
    ibp = vocabulary(cb, "ibp_component")["id"].tolist()
    assert len(ibp) == 5 and set(sc) == set(ibp)
    assert table["ibp_component"].notna().sum() == 6  # only strategic components carry one


def test_every_code_is_documented_in_full(table):
    for column in ["label", "definition", "when_to_use", "when_not_to_use", "example"]:
        text = table[column]
        assert text.notna().all(), f"{column} missing for {text.index[text.isna()].tolist()}"
        assert (text.str.len() >= (3 if column == "label" else 20)).all(), column
    # No copy-pasted boilerplate: each definition and example is the code's own.
    assert table["definition"].is_unique and table["example"].is_unique
    assert not table["definition"].str.contains(r"TODO|TBD|lorem", case=False).any()


def test_table_depth_path_group_and_leaves(table):
    hidden = table.loc["PW-FORM-HIDDEN"]
    assert (hidden["parent_id"], hidden["group_id"], hidden["depth"]) == ("PW-FORM", "PW", 2)
    assert hidden["path"] == "Power (power cube) > Forms of power > Hidden power"
    assert table.loc["CO-PRACTICE-LETTINGGO", "path"] == "Coalitions > Coalition practices > Letting go"
    assert table.loc["OA", "depth"] == 0 and pd.isna(table.loc["OA", "parent_id"])
    assert table.loc["OA", "path"] == "SPARK outcome areas"
    assert table.loc["SC-AGENCY", ["group_id", "depth"]].tolist() == ["SC", 1]
    assert table["depth"].max() == 2
    assert not table.loc["PW-FORM", "is_leaf"] and table.loc["PW-FORM-HIDDEN", "is_leaf"]
    assert table["order"].tolist() == list(range(1, len(table) + 1))
    assert table.index[0] == "OA" and table.loc["OA-POWER", "order"] == 2


def test_vocabularies_for_outcome_harvests(cb, table):
    assert set(cb.vocabularies) == {"outcome_area", "strategic_component", "ibp_component", "actor_type",
                                    "type_of_change", "level", "substantiation", "intended", "valence",
                                    "social_group", "kind_of_change", "budget_stage"}
    area = vocabulary(cb, "outcome_area")
    assert area["id"].tolist() == ["OA-POWER", "OA-SPACES", "OA-EQUITY", "OA-ACCOUNT"]
    assert area["label"].tolist() == table.loc[area["id"], "label"].tolist()
    components = vocabulary(cb, "strategic_component")
    assert components.set_index("id")["ibp_component"]["SC-ROOTCAUSE"] == "ibp-capacity"
    actors = vocabulary(cb, "actor_type").set_index("id")["code"]
    assert len(actors) == 11 and set(actors) == set(children(cb, "AE"))
    assert actors["audit-institution"] == "AE-SAI" and actors["private-sector"] == "AE-PRIVATE"
    assert vocabulary(cb, "type_of_change")["id"].tolist() == [
        "action", "relationship", "agenda", "policy", "budget", "practice", "discourse"]
    assert vocabulary(cb, "type_of_change")["description"].notna().all()
    assert vocabulary(cb, "level")["id"].tolist() == ["local", "subnational", "national", "international"]
    subst = vocabulary(cb, "substantiation").set_index("id")["label"]
    assert subst.to_dict() == {"not-yet": "Not yet", "fully": "Fully agrees",
                               "partially": "Partially agrees", "disagree": "Disagrees"}
    assert vocabulary(cb, "intended")["id"].tolist() == ["intended", "unintended"]
    assert vocabulary(cb, "valence")["id"].tolist() == ["positive", "negative"]


def test_vocabulary_and_table_are_copies(cb):
    valence, table = vocabulary(cb, "valence"), codebook_table(cb)
    valence.loc[0, "label"] = table.loc[0, "label"] = "changed"
    assert vocabulary(cb, "valence").loc[0, "label"] == "Positive"
    assert cb.codes.loc[0, "label"] == "SPARK outcome areas"
    with pytest.raises(TypeError):
        cb.vocabularies["new"] = pd.DataFrame()


def test_unknown_vocabulary_lists_the_known_ones(cb):
    with pytest.raises(ParameterError, match=r"unknown vocabulary 'actor_typ'; did you mean 'actor_type'\?.*"
                                             r"outcome_area, strategic_component, ibp_component, actor_type"):
        vocabulary(cb, "actor_typ")


def test_children_and_descendants(cb):
    assert children(cb, "PW") == ["PW-FORM", "PW-SPACE", "PW-LEVEL", "PW-EXPR"]
    assert children(cb, "PW-FORM-HIDDEN") == []
    pw = descendants(cb, "PW")
    assert len(pw) == 1 + 4 + 3 + 3 + 3 + 4 and pw[0] == "PW" and pw[-1] == "PW-EXPR-WITHIN"
    assert descendants(cb, "CO-ALLY") == ["CO-ALLY", "CO-ALLY-AFFECTED", "CO-ALLY-INTERESTED",
                                          "CO-ALLY-STRENGTH", "CO-ALLY-ACCESS"]
    assert descendants(cb, "LA-SETBACK") == ["LA-SETBACK"]
    with pytest.raises(ParameterError, match="unknown code 'PW-FROM'; did you mean 'PW-FORM'"):
        descendants(cb, "PW-FROM")


# --------------------------------------------------------------------- lookups

def test_lookup_by_id_label_case_and_whitespace(cb):
    values = pd.Series(["OA-POWER", "oa-power ", "Hidden power", "  HIDDEN   Power", "Letting go"],
                       index=[10, 11, 12, 13, 14])
    out = lookup_codes(values, cb)
    assert out.columns.tolist() == ["value", "code_id", "suggestion", "matched_by"]
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out["value"].tolist() == values.tolist()
    assert out["code_id"].tolist() == ["OA-POWER", "OA-POWER", "PW-FORM-HIDDEN", "PW-FORM-HIDDEN",
                                       "CO-PRACTICE-LETTINGGO"]
    assert out["matched_by"].tolist() == ["id", "id", "label", "label", "label"]
    assert out["suggestion"].isna().all()


def test_lookup_suggests_near_misses_and_leaves_the_rest_unmatched(cb):
    out = lookup_codes(pd.Series(["OA-POWR", "Hiden power", "the weather", None, "OA-POWR"]), cb)
    assert out["code_id"].isna().all() and out["matched_by"].isna().all()
    assert out["suggestion"].tolist()[:3] == ["OA-POWER", "Hidden power", pd.NA]
    assert out["suggestion"].iloc[4] == "OA-POWER"
    assert pd.isna(out["suggestion"].iloc[3]) and len(out) == 5


def test_lookup_does_not_mutate_its_input(cb):
    values = pd.Series([" oa-power"])
    lookup_codes(values, cb)
    assert values.tolist() == [" oa-power"]


# ------------------------------------------------------------------- bad files

HEADER = 'version: "1.0"\ntitle: t\ncodes:\n'


def _write(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "codebook.yaml"
    path.write_text(header + textwrap.dedent(body))
    return path


def _error(path) -> CodebookError:
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert "codebook.yaml" in str(err.value) and "Fix:" in str(err.value)
    return err.value


def test_missing_file_says_where_to_point(tmp_path):
    err = _error(tmp_path / "codebook.yaml")
    assert "not found" in str(err) and "--data" in str(err)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    err = _error(_write(tmp_path, """\
        - id: A
          label: [Group A
        """))
    assert err.row == 6 and "not valid YAML" in str(err) and "indentation" in err.fix


def test_missing_version(tmp_path):
    err = _error(_write(tmp_path, "- {id: A, label: A}\n", header="title: t\ncodes:\n"))
    assert "has no version" in str(err) and err.column == "version" and 'version: "1.0.0"' in err.fix


def test_duplicate_id_names_both_positions(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: A, label: Group A}
        - {id: A-1, label: One, parent: A}
        - {id: a-1, label: Another one, parent: A}
        """))
    assert "id 'A-1' is used by more than one code" in str(err)
    assert "entry 2 (line 5) and entry 3 (line 6)" in str(err)
    assert "own id" in err.fix


def test_duplicate_label_names_both_positions(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: A, label: Other}
        - {id: B, label: Group B}
        - {id: B-1, label: other , parent: B}
        """))
    assert "label 'Other' is used by more than one code" in str(err) and "line 4" in str(err)


def test_unknown_parent_names_the_code_and_suggests(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: POWER, label: Power}
        - {id: POWER-X, label: X, parent: POWR}
        """))
    assert "code 'POWER-X' has an unknown parent" in str(err)
    assert err.row == 5 and err.column == "parent" and err.value == "POWR"
    assert "did you mean 'POWER'?" in err.fix


def test_cycle_names_the_path(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: ROOT, label: Root}
        - {id: A, label: A, parent: C}
        - {id: B, label: B, parent: A}
        - {id: C, label: C, parent: B}
        """))
    assert "cycle through their parents: A -> C -> B -> A" in str(err)
    assert err.row == 5 and "outside the cycle" in err.fix


def test_self_parent_is_a_cycle(tmp_path):
    err = _error(_write(tmp_path, "- {id: A, label: A, parent: A}\n"))
    assert "A -> A" in str(err)


def test_missing_id_and_label_are_reported_together(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: A, label: A}
        - {label: No id}
        - {id: B}
        """))
    assert "2 problems" in str(err)
    assert "line 5: codes entry 2 has no id" in str(err) and "line 6: code 'B' has no label" in str(err)


def test_id_with_spaces_and_misspelt_field(tmp_path):
    err = _error(_write(tmp_path, "- {id: A B, label: A}\n"))
    assert "spaces" in str(err) and err.value == "A B"
    err = _error(_write(tmp_path, "- {id: A, label: A, defintion: text}\n"))
    assert "unknown field 'defintion'" in str(err) and "did you mean 'definition'" in err.fix
    # Extra fields that are not misspellings are kept as columns.
    cb = load_codebook(_write(tmp_path, "- {id: A, label: A, label_fr: Groupe A}\n"))
    assert codebook_table(cb)["label_fr"].tolist() == ["Groupe A"]


def test_comma_inside_flow_mapping_is_caught(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: A, label: A}
        vocabularies:
          level:
            - {id: local, label: Local, description: Village, ward or district.}
        """))
    assert "field named 'ward or district.'" in str(err) and "quotes" in err.fix


def test_unknown_codes_under_and_ibp_component(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: OA, label: Outcome areas}
        - {id: OA-X, label: X, parent: OA}
        vocabularies:
          outcome_area: {codes_under: OA-NOPE}
        """))
    assert "vocabulary 'outcome_area' takes codes under an unknown code" in str(err) and err.value == "OA-NOPE"
    err = _error(_write(tmp_path, """\
        - {id: SC, label: Components}
        - {id: SC-A, label: A, parent: SC, ibp_component: ibp-capacty}
        vocabularies:
          ibp_component: [{id: ibp-capacity, label: Capacity}]
        """))
    assert "code 'SC-A' has an unknown ibp_component" in str(err) and err.row == 5
    assert "did you mean 'ibp-capacity'" in err.fix
    err = _error(_write(tmp_path, "- {id: SC, label: Components, ibp_component: ibp-capacity}\n"))
    assert "no vocabulary 'ibp_component'" in str(err)


def test_vocabulary_code_references_are_checked(tmp_path):
    err = _error(_write(tmp_path, """\
        - {id: AE, label: Actors}
        vocabularies:
          actor_type: [{id: media, label: Media, code: AE-MEDIA}]
        """))
    assert "entry 'media' refers to an unknown code" in str(err) and err.value == "AE-MEDIA"


def test_codebook_from_dict_checks_the_same_rules():
    with pytest.raises(CodebookError, match="unknown parent"):
        codebook_from_dict({"version": "1", "codes": [{"id": "A", "label": "A", "parent": "B"}]})
    cb = codebook_from_dict({"version": "1", "codes": [{"id": "A", "label": "A"}]})
    assert cb.source is None and cb.codes["path"].tolist() == ["A"] and dict(cb.vocabularies) == {}


# --------------------------------------------------------------------------- the malformed corpus

MALFORMED = Path(__file__).parent / "fixtures" / "malformed" / "codebook"

# file -> (line, column, value, parts of the message, part of the fix)
CASES = {
    "alias-bomb.yaml": (7, None, None, ["holds more than 200,000 values once its aliases (*name) are expanded"],
                        "instead of repeating aliases"),
    "deep-nesting.yaml": (9, None, None, ["lists and mappings are nested more than 50 deep"], "brackets"),
    "empty.yaml": (None, None, None, ["the codebook is empty (or holds only comments)"],
                   "start the file with 'version:', 'title:' and a 'codes:' list"),
    "huge-number.yaml": (2, "revision", "9" * 40, ["is not a whole number of ordinary size"], "put text in quotes"),
    "impossible-date.yaml": (10, "example", "2021-02-30", ["'2021-02-30' is not a date that exists"],
                             "write a date that exists (YYYY-MM-DD)"),
    "missing-dash-merges-codes.yaml": (10, "id", None, ["'id' on lines 6, 10", "'label' on lines 7, 11",
                                                        "only the last would count"],
                                       "a missing '- ' merges two entries into one"),
    "pdf-renamed.yaml": (None, None, None, ["the codebook is not text: it is a PDF document"],
                         "check that this is the right file"),
    "scalar-only.yaml": (1, None, None, ["the codebook holds the single value 'SPARK codebook' at its top level"],
                         "start the file with 'version:'"),
    "top-level-list.yaml": (1, None, None, ["the codebook holds a list at its top level"],
                            "start the file with 'version:'"),
    "windows-1252.yaml": (11, None, None, ["the codebook is not UTF-8 text", "0xE9, line 11",
                                           "this file must be UTF-8"], "text editor"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_codebook_names_file_line_field_value_and_fix(name):
    line, column, value, parts, fix = CASES[name]
    with pytest.raises(CodebookError) as err:
        load_codebook(MALFORMED / name)
    text, error = str(err.value), err.value
    assert text.startswith(str(MALFORMED / name)) and (error.row, error.column) == (line, column)
    if value is not None:
        assert error.value == value
    for part in parts:
        assert part in text, (part, text)
    assert fix in error.fix


def test_every_codebook_fixture_is_tested_and_described():
    files = {p.name for p in MALFORMED.glob("*.yaml")}
    assert files == set(CASES) | {"valid.yaml"}
    readme = (MALFORMED / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)
    assert load_codebook(MALFORMED / "valid.yaml").codes["code_id"].tolist() == ["BR", "BR-INFO", "BR-SPACE"]


def test_a_codebook_saved_as_utf16_loads_like_the_utf8_one(tmp_path):
    p = tmp_path / "codebook.yaml"
    p.write_text((MALFORMED / "valid.yaml").read_text(encoding="utf-8"), encoding="utf-16")
    pd.testing.assert_frame_equal(load_codebook(p).codes, load_codebook(MALFORMED / "valid.yaml").codes)


# --------------------------------------------------------------------------- properties

VALID = (MALFORMED / "valid.yaml").read_text(encoding="utf-8") + (
    "vocabularies:\n  valence: [{id: positive, label: Positive}, {id: negative, label: Negative}]\n"
    "  barrier: {codes_under: BR}\n")
_VALUES = st.sampled_from(["", "~", "no", "2021-02-30", "[a, b]", "{a: 1}", "BR", "BR-INFO", "Barriers", "&x BR",
                           "*x", "!!int 12", "'", "[", "#c", "1.0", "{codes_under: BR-INFO}", "[{id: X}]",
                           "!!python/name:os.system"]) | st.text(max_size=15)
_NAMES = itertools.count()


def _slips():
    return keyboard_slips(VALID, _VALUES)


def _check_codebook_or_error(folder: Path, data: bytes) -> None:
    # A new name each time: the codebook is cached per file version, and fast rewrites can share an mtime.
    path = folder / f"codebook-{next(_NAMES)}.yaml"
    path.write_bytes(data)
    try:
        cb = load_codebook(path)
    except CodebookError as err:
        assert str(err).startswith(str(path)) and (err.fix or "Fix: " in str(err))
        return
    codes = cb.codes
    assert codes["code_id"].is_unique and codes["parent_id"].dropna().isin(codes["code_id"]).all()
    assert all(set(t.columns) >= {"id", "label"} for t in cb.vocabularies.values())


_PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_PROPERTY
@given(_slips())
def test_slips_in_a_valid_codebook_give_a_checked_codebook_or_a_codebook_error(tmp_path, text):
    _check_codebook_or_error(tmp_path, text.encode("utf-8"))


@_PROPERTY
@given(st.binary(max_size=300) | st.text(alphabet="version:codes-id label parent[]{}&*!,'\"\n\t#BR", max_size=200)
       .map(str.encode))
def test_arbitrary_bytes_as_a_codebook_give_only_codebook_errors(tmp_path, data):
    _check_codebook_or_error(tmp_path, data)
