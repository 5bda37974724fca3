from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import keyboard_slips

from sparklearn.countries import Registry, load_registry
from sparklearn.exceptions import RegistryError, SparklearnError

MALFORMED = Path(__file__).parent / "fixtures" / "malformed" / "registry"
SECTORS = "sectors: [{id: health, label: Health}]\n"


def test_registry_has_the_seven_countries_and_fourteen_campaigns():
    reg = load_registry()
    assert reg.slugs == ["ghana", "india", "indonesia", "kenya", "nigeria", "senegal", "south-africa"]
    assert len(reg.campaigns) == 14
    assert reg.campaigns.groupby("country").size().to_dict() == {
        "ghana": 2, "india": 3, "indonesia": 2, "kenya": 2, "nigeria": 2, "senegal": 2, "south-africa": 1}


def test_sectors_across_countries_match_the_domain_notes():
    sectors = load_registry().campaigns.groupby("sector")["country"].nunique()
    assert sectors["water and sanitation"] == 4
    assert sectors["health"] == 3
    assert sectors["agriculture"] == 2
    assert sectors["social assistance"] == 2


def test_partners_and_dates_are_tidy():
    camp = load_registry().campaigns.set_index("campaign_id")
    assert camp.loc["ke-baringo-water", "partners"] == "CEDGG"
    assert camp.loc["in-manual-scavengers", "partners"] == "Safai Karmachari Andolan (SKA); CBGA"
    assert pd.api.types.is_datetime64_any_dtype(camp["start_date"])
    assert (camp["start_date"] >= "2019-01-01").all()


def test_unknown_country_names_the_known_ones():
    with pytest.raises(RegistryError, match="unknown country 'narnia'.*ghana, india"):
        load_registry().country("narnia")


def _write(tmp_path, text):
    p = tmp_path / "countries.yaml"
    p.write_text(SECTORS + text)
    return p


def test_missing_file_says_where_to_point(tmp_path):
    with pytest.raises(RegistryError, match="not found.*--data"):
        load_registry(tmp_path / "countries.yaml")


def test_yaml_syntax_error_gives_the_line(tmp_path):
    p = _write(tmp_path, "countries:\n  - slug: ghana\n    name: [Ghana\n")
    with pytest.raises(RegistryError) as err:
        load_registry(p)
    assert err.value.row == 5 and "countries.yaml" in str(err.value)


def test_missing_campaign_field_is_named(tmp_path):
    p = _write(tmp_path, """countries:
  - {slug: x, name: X, code: XX, languages: [en], colour: "#000", campaigns: [{id: x-a, name: A, sector: health, partners: [P], start_date: 2020-01-01}]}
""")
    with pytest.raises(RegistryError, match="campaign 'x-a' of x lacks entry_point") as err:
        load_registry(p)
    assert err.value.column == "entry_point"


def test_duplicate_campaign_ids_are_rejected(tmp_path):
    camp = "{id: x-a, name: A, sector: health, entry_point: e, partners: [P], start_date: 2020-01-01}"
    p = _write(tmp_path, f"""countries:
  - {{slug: x, name: X, code: XX, languages: [en], colour: "#000", campaigns: [{camp}, {camp}]}}
""")
    with pytest.raises(RegistryError, match="campaign id 'x-a' is used twice") as err:
        load_registry(p)
    assert err.value.row == 3 and err.value.column == "id"


def test_bad_start_date_is_rejected(tmp_path):
    p = _write(tmp_path, """countries:
  - {slug: x, name: X, code: XX, languages: [en], colour: "#000", campaigns: [{id: x-a, name: A, sector: health, entry_point: e, partners: [P], start_date: "soon"}]}
""")
    with pytest.raises(RegistryError, match="campaign 'x-a' of x: start_date is not a date") as err:
        load_registry(p)
    assert (err.value.row, err.value.column, err.value.value) == (3, "start_date", "soon")


def test_sectors_are_a_vocabulary_with_labels():
    reg = load_registry()
    assert reg.sectors.columns.tolist() == ["sector", "label", "n_campaigns"]
    assert set(reg.campaigns["sector"]) <= set(reg.sectors["sector"])
    assert reg.sectors.set_index("sector")["n_campaigns"].to_dict() == reg.campaigns["sector"].value_counts().reindex(
        reg.sectors["sector"]).fillna(0).astype(int).to_dict()
    assert reg.sector_labels()["mining communities"] == "Mining communities"


def test_a_sector_spelled_with_other_case_and_spaces_is_the_listed_sector():
    reg = load_registry(MALFORMED / "sector-case-and-spaces.yaml")
    assert reg.campaigns.set_index("campaign_id").loc["ke-primary-health", "sector"] == "health"
    assert reg.sectors.set_index("sector")["n_campaigns"].to_dict() == {"health": 1, "water and sanitation": 2}


def test_a_registry_written_before_the_sector_list_still_loads_with_the_same_tables(tmp_path):
    p = tmp_path / "countries.yaml"
    text = load_registry().source.read_text(encoding="utf-8")
    p.write_text(text[:text.index("sectors:")] + text[text.index("countries:"):], encoding="utf-8")
    old, new = load_registry(p), load_registry()
    pd.testing.assert_frame_equal(old.campaigns, new.campaigns)
    pd.testing.assert_frame_equal(old.countries, new.countries)
    # Without the list, sectors come in the order campaigns first name them, labelled by their own names.
    assert old.sectors["sector"].tolist()[:3] == ["agriculture", "mining communities", "water and sanitation"]
    assert sorted(old.sectors["sector"]) == new.sectors["sector"].tolist()
    assert old.sector_labels()["health"] == "health" and new.sector_labels()["health"] == "Health"


def test_a_registry_built_in_code_gets_its_sectors_from_the_campaigns():
    base = load_registry()
    reg = Registry(base.countries, base.campaigns, base.source)
    assert sorted(reg.sectors["sector"]) == sorted(base.sectors["sector"])
    assert reg.sector_labels()["health"] == "health"


def test_a_single_partner_or_language_without_brackets_is_a_list_of_one(tmp_path):
    p = tmp_path / "countries.yaml"
    p.write_text((MALFORMED / "valid.yaml").read_text().replace("partners: [CEDC]", "partners: CEDC")
                 .replace("languages: [en, sw]", "languages: en"))
    reg = load_registry(p)
    assert reg.campaigns.loc[0, "partners"] == "CEDC" and reg.countries.loc[0, "languages"] == "en"


# --------------------------------------------------------------------------- the malformed corpus

# file -> (line, column, value, parts of the message, part of the fix); line None: several problems, each
# part then carries its own "line N:".
CASES = {
    "duplicate-slug.yaml": (24, "slug", "kenya", ["country slug 'kenya' is used twice", "on line 6"],
                            "give each country its own slug"),
    "duplicate-code.yaml": (26, "code", "KE", ["country code 'KE' is used twice", "on line 8"],
                            "participant ids start with it"),
    "duplicate-campaign-in-country.yaml": (18, "id", "ke-primary-health", [
        "campaign id 'ke-primary-health' is used twice", "by kenya on line 12"], "give each campaign its own id"),
    "duplicate-campaign-across-countries.yaml": (30, "id", "ke-baringo-water", [
        "campaign id 'ke-baringo-water' is used twice", "by kenya on line 18, and again by senegal"],
        "give each campaign its own id"),
    "missing-sector.yaml": (30, "sector", None, ["campaign 'sn-sanitation' of senegal lacks sector"],
                            "add 'sector:' with an id from the 'sectors:' list"),
    "sector-near-miss.yaml": (14, "sector", "health care", [
        "campaign 'ke-primary-health' of kenya names the sector 'health care'", "not in the 'sectors:' list"],
        "did you mean 'health'? Use one of: health, water and sanitation"),
    "sector-unknown.yaml": (14, "sector", "schooling", ["names the sector 'schooling'"],
                            "Use one of: health, water and sanitation; or add the sector to 'sectors:'"),
    "no-sectors-list-two-spellings.yaml": (29, "sector", "sanitation", [
        "campaigns name the sectors 'water and sanitation' (line 17) and 'sanitation' (line 29)",
        "one sector written two ways?"], "if these are two sectors, list both under 'sectors:'"),
    "sector-listed-twice.yaml": (None, None, None, [
        "line 4: sector id 'Health' is not written in lowercase with single spaces",
        "line 4: sector 'Health' is listed twice (first as entry 1"], "write it as 'health'"),
    "missing-dash-merges-countries.yaml": (24, "slug", None, [
        "keys are given twice in one mapping", "'slug' on lines 6, 24", "'campaigns' on lines 11, 29",
        "only the last would count"], "a missing '- ' merges two entries into one"),
    "missing-dash-merges-campaigns.yaml": (18, "id", None, ["'id' on lines 12, 18", "'start_date' on lines 17, 23"],
                                           "a missing '- ' merges two entries into one"),
    "country-field-indented-into-campaign.yaml": (None, None, None, [
        "line 24: country entry 2 (senegal) lacks colour",
        "line 35: campaign 'sn-sanitation' of senegal has the field 'colour', which belongs to a country"],
        "check the indentation here and above"),
    "country-without-campaigns.yaml": (24, "campaigns", None, ["country entry 2 (senegal) lacks campaigns"],
                                       "add 'campaigns:' followed by its campaigns"),
    "field-typo.yaml": (None, None, None, [
        "line 11: country entry 1 (kenya) has an unknown field 'campaings'. Fix: did you mean 'campaigns'?",
        "line 6: country entry 1 (kenya) lacks campaigns"], "did you mean 'campaigns'?"),
    "impossible-date.yaml": (23, "start_date", "2021-02-30", ["'2021-02-30' is not a date that exists"],
                             "write a date that exists (YYYY-MM-DD)"),
    "date-as-words.yaml": (23, "start_date", "next spring", [
        "campaign 'ke-baringo-water' of kenya: start_date is not a date"], "write it as YYYY-MM-DD"),
    "date-implausible-year.yaml": (23, "start_date", "2202-02-01", ["start_date 2202-02-01 is implausible"],
                                   "check the year"),
    "code-read-as-false.yaml": (26, "code", False, ["country entry 2 (senegal): 'code' was read as false"],
                                'put the value in quotes, e.g. code: "NO"'),
    "colour-unquoted.yaml": (28, "colour", None, ["country entry 2 (senegal) lacks colour"],
                             "unquoted, # starts a comment"),
    "slug-path.yaml": (24, "slug", "../senegal", [("slug '../senegal' is not lowercase letters, digits and single "
                                                  "hyphens")], "it names the country's data folder"),
    "unclosed-bracket.yaml": (28, None, None, ["is not valid YAML: did not find expected ',' or ']'",
                                               "that begins on line 27"], "check the indentation"),
    "tab-indent.yaml": (25, None, None, ["is not valid YAML: found a tab character"], "spaces, not tabs"),
    "alias-bomb.yaml": (6, None, None, ["holds more than 200,000 values once its aliases (*name) are expanded"],
                        "instead of repeating aliases"),
    "alias-recursive.yaml": (1, None, None, [("the value that starts on this line holds an alias (*name) to "
                                                    "itself")],
                             "replace the alias"),
    "deep-nesting.yaml": (1, None, None, ["lists and mappings are nested more than 50 deep"], "brackets"),
    "empty.yaml": (None, None, None, ["the country registry is empty (or holds only comments)"],
                   "start the file with 'sectors:'"),
    "top-level-list.yaml": (1, None, None, ["the country registry holds a list at its top level"],
                            "start the file with 'sectors:'"),
    "windows-1252.yaml": (25, None, None, ["the country registry is not UTF-8 text", "0xE9, line 25",
                                           "this file must be UTF-8"], "text editor"),
    "zip-renamed.yaml": (None, None, None, ["the country registry is not text: it is a zip archive"],
                         "check that this is the right file"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_registry_names_file_line_field_value_and_fix(name):
    line, column, value, parts, fix = CASES[name]
    with pytest.raises(RegistryError) as err:
        load_registry(MALFORMED / name)
    text, error = str(err.value), err.value
    assert text.startswith(str(MALFORMED / name))
    assert (error.row, error.column) == (line, column)
    if value is not None:
        assert error.value == value
    for part in parts:
        assert part in text, (part, text)
    assert fix in (error.fix if line is not None or error.fix else text), (fix, text)


def test_every_registry_fixture_is_tested_and_described():
    files = {p.name for p in MALFORMED.glob("*.yaml")}
    assert files == set(CASES) | {"valid.yaml", "sector-case-and-spaces.yaml", "no-sectors-list.yaml"}
    readme = (MALFORMED / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)
    assert len(load_registry(MALFORMED / "valid.yaml").campaigns) == 3


# --------------------------------------------------------------------------- properties

VALID = (MALFORMED / "valid.yaml").read_text(encoding="utf-8")
_VALUES = st.sampled_from(["", "~", "NO", "yes", "2021-02-30", "2020-01-01", "1850-01-01", "[a, b]", "{a: 1}",
                           "'Health '", "health care", "&x kenya", "*x", "!!int 12", "!!binary x", "'", "[", "#c",
                           "-1", "1e400", "ke-primary-health", "kenya", "KE", "!!python/object:os.system x"]) | st.text(
    max_size=15)


def _slips():
    return keyboard_slips(VALID, _VALUES)


def _check_registry_or_error(path: Path) -> None:
    try:
        reg = load_registry(path)
    except RegistryError as err:
        assert str(err).startswith(str(path)) and (err.fix or "Fix: " in str(err))
        return
    campaigns = reg.campaigns
    assert campaigns["campaign_id"].is_unique and reg.countries["slug"].is_unique
    assert set(campaigns["sector"]) <= set(reg.sectors["sector"])
    assert campaigns["start_date"].notna().all() and set(campaigns["country"]) <= set(reg.slugs)
    assert reg.countries["slug"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()


_PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_PROPERTY
@given(_slips())
def test_slips_in_a_valid_registry_give_a_checked_registry_or_a_registry_error(tmp_path, text):
    p = tmp_path / "countries.yaml"
    p.write_text(text, encoding="utf-8")
    _check_registry_or_error(p)


@_PROPERTY
@given(st.binary(max_size=300) | st.text(alphabet="countries:slug-[]{}&*!,' \n\t#sectorid", max_size=200).map(
    str.encode))
def test_arbitrary_bytes_as_a_registry_give_only_registry_errors(tmp_path, data):
    p = tmp_path / "countries.yaml"
    p.write_bytes(data)
    _check_registry_or_error(p)


def test_slip_generator_reaches_many_different_messages(tmp_path):
    """The property above is only as good as its inputs: the slips must reach more than the YAML parser."""
    seen = set()
    for k, text in zip(itertools.count(), [VALID.replace("slug: senegal", "slug: kenya"),
                                           VALID.replace("sector: health\n", "sector: x\n")]):
        p = tmp_path / f"{k}.yaml"
        p.write_text(text)
        with pytest.raises(SparklearnError) as err:
            load_registry(p)
        seen.add(err.value.column)
    assert seen == {"slug", "sector"}
