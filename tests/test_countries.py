from __future__ import annotations

import pandas as pd
import pytest

from sparklearn.countries import load_registry
from sparklearn.exceptions import RegistryError


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
    p.write_text(text)
    return p


def test_missing_file_says_where_to_point(tmp_path):
    with pytest.raises(RegistryError, match="not found.*--data"):
        load_registry(tmp_path / "countries.yaml")


def test_yaml_syntax_error_gives_the_line(tmp_path):
    p = _write(tmp_path, "countries:\n  - slug: ghana\n    name: [Ghana\n")
    with pytest.raises(RegistryError) as err:
        load_registry(p)
    assert err.value.row == 4 and "countries.yaml" in str(err.value)


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
    with pytest.raises(RegistryError, match="campaign_id"):
        load_registry(p)


def test_bad_start_date_is_rejected(tmp_path):
    p = _write(tmp_path, """countries:
  - {slug: x, name: X, code: XX, languages: [en], colour: "#000", campaigns: [{id: x-a, name: A, sector: health, entry_point: e, partners: [P], start_date: "soon"}]}
""")
    with pytest.raises(RegistryError, match="start_date|start dates"):
        load_registry(p)
