"""The synthetic demo data: deterministic, complete, safe, and shaped so analyses find something."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from statsmodels.stats.inter_rater import cohens_kappa

from sparklearn.codebook import codebook_table, load_codebook
from sparklearn.config import find_project

DEMO_DATA = find_project(__file__).data  # this checkout's demo data
from sparklearn.countries import load_registry
from sparklearn.demo import (
    OUTCOME_COLUMNS,
    SYNTHETIC_MARKER,
    demo_campaign_conditions,
    generate_demo,
    synth_campaigns,
    synth_codings,
    synth_outcomes,
)
from sparklearn.exceptions import ParameterError
from sparklearn.ingest.spreadsheets import read_table

REGISTRY = load_registry(DEMO_DATA / "countries.yaml")
SLUGS = REGISTRY.slugs
TURN = re.compile(r"^\*\*([A-Z]{2}-P\d{2})(?: \[(\w+)\])?:\*\* ", re.M)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out)
    return out


def _session_files(root: Path, slug: str) -> list[Path]:
    return sorted((root / slug / "sessions").glob("*.md"))


@cache
def _read_session(path: Path) -> tuple[dict, str]:
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


@cache
def _codings(root: Path, slug: str) -> pd.DataFrame:
    return pd.concat([read_table(p) for p in sorted((root / slug / "codings").glob("*.csv"))], ignore_index=True)


@cache
def _outcomes(root: Path, slug: str) -> pd.DataFrame:
    return read_table(root / slug / "outcomes.xlsx", sheet="Outcomes")


@pytest.fixture(scope="module")
def code_ids(fresh) -> pd.DataFrame:
    """All codings of all countries with labels turned back into ids, and the round of each session."""
    table = codebook_table(load_codebook(DEMO_DATA / "codebook.yaml"))
    to_id = {**dict(zip(table["label"], table["code_id"])), **dict(zip(table["code_id"], table["code_id"]))}
    frames = []
    for slug in SLUGS:
        c = _codings(fresh, slug)
        rounds = {p.stem: _read_session(p)[0]["round"] for p in _session_files(fresh, slug)}
        frames.append(c.assign(country=slug, code_id=c["code"].map(to_id), round=c["session_id"].map(rounds)))
    return pd.concat(frames, ignore_index=True)


def test_same_seed_gives_the_same_bytes_whichever_countries_are_written(fresh, tmp_path):
    generate_demo(tmp_path, countries=["kenya"])
    again = _hashes(tmp_path)
    assert set(p.split("/")[0] for p in again) == {"kenya", "countries.yaml", "codebook.yaml"}
    assert again == {k: v for k, v in _hashes(fresh).items() if k in again}
    generate_demo(tmp_path, countries=["kenya"], seed=7)
    assert _hashes(tmp_path / "kenya") != _hashes(fresh / "kenya")


def test_committed_demo_data_is_what_the_generator_writes(fresh):
    for slug in SLUGS:
        assert _hashes(DEMO_DATA / slug) == _hashes(fresh / slug), (
            f"data/raw/{slug} differs from a fresh generation: run `sparklearn demo-data --out data/raw`")


def test_every_country_has_enough_sessions_rounds_codings_and_outcomes(fresh):
    starts = REGISTRY.campaigns.set_index("campaign_id")["start_date"]
    for slug in SLUGS:
        fronts = [_read_session(p)[0] for p in _session_files(fresh, slug)]
        assert len(fronts) >= 6 and len({f["round"] for f in fronts}) >= 3
        for f in fronts:
            day = pd.Timestamp(f["date"])
            assert pd.Timestamp("2020-01-01") <= day <= pd.Timestamp("2024-12-31")
            assert all(day > starts[c] for c in f["campaigns"]) and f["country"] == slug
            assert f["facilitator"] == "research lead" and f["language"] in {"en", "fr", "id"}
        codings = _codings(fresh, slug)
        ids = {f["session_id"] for f in fronts}
        assert set(codings.loc[codings["coder"] == "coder-a", "session_id"]) == ids
        assert codings.loc[codings["coder"] == "coder-b", "session_id"].nunique() >= len(ids) / 3
        assert len(_outcomes(fresh, slug)) >= 25


def test_segments_point_at_real_turns(fresh):
    for slug in SLUGS:
        turns = {p.stem: len(TURN.findall(_read_session(p)[1])) for p in _session_files(fresh, slug)}
        assert all(8 <= n <= 20 for n in turns.values())
        seg = _codings(fresh, slug)["segment_id"].str.extract(r"^(.+)-T(\d{3})$")
        assert (seg[1].astype(int) <= seg[0].map(turns)).all() and (seg[1].astype(int) >= 1).all()


def test_languages_french_in_senegal_bahasa_in_indonesia(fresh):
    senegal = [_read_session(p) for p in _session_files(fresh, "senegal")]
    assert all(f["language"] == "fr" for f, _ in senegal)
    assert all(" nous " in body or " les " in body for _, body in senegal)
    indonesia = [_read_session(p) for p in _session_files(fresh, "indonesia")]
    langs = {f["language"] for f, _ in indonesia}
    assert langs == {"id", "en"}
    tagged = {tag for f, body in indonesia for _, tag in TURN.findall(body) if tag}
    assert tagged == {"id", "en"}
    assert any(" yang " in body and " kami " in body.lower() for _, body in indonesia)


def test_crlf_and_a_byte_order_mark_exercise_the_readers(fresh):
    raw = [p.read_bytes() for slug in SLUGS for p in _session_files(fresh, slug)]
    assert sum(b.startswith(b"\xef\xbb\xbf") for b in raw) == 1
    assert sum(b"\r\n" in b for b in raw) >= len(SLUGS)


def test_names_live_only_in_the_register_and_the_session_texts(fresh):
    for slug in SLUGS:
        people = read_table(fresh / slug / "participants.csv")
        assert 8 <= len(people) <= 14 and people["name"].is_unique
        full = people["name"].tolist()
        given = [n.split(" ")[0] for n in full]
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, full + given)) + r")\b")
        sessions = [_read_session(p) for p in _session_files(fresh, slug)]
        assert any(pattern.search(body) for _, body in sessions)
        assert not any(pattern.search(yaml.safe_dump(front, allow_unicode=True)) for front, _ in sessions)
        for frame in (_codings(fresh, slug), _outcomes(fresh, slug)):
            text = frame.drop(columns=["source_file"]).astype(str).to_numpy().ravel()
            hits = [t for t in text if pattern.search(t)]
            assert not hits, hits[:3]


def test_every_file_says_it_is_synthetic(fresh):
    for slug in SLUGS:
        for csv in [fresh / slug / "participants.csv", *(fresh / slug / "codings").glob("*.csv")]:
            assert csv.read_text(encoding="utf-8").startswith(f"# {SYNTHETIC_MARKER}")
        assert all(SYNTHETIC_MARKER in _read_session(p)[0]["synthetic"] for p in _session_files(fresh, slug))
        book = openpyxl.load_workbook(fresh / slug / "outcomes.xlsx", read_only=True)
        cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
        assert any(SYNTHETIC_MARKER in c for c in cells)


def test_codings_use_codebook_leaves_with_some_labels(code_ids):
    table = codebook_table(load_codebook(DEMO_DATA / "codebook.yaml"))
    leaves = set(table.loc[table["is_leaf"], "code_id"])
    assert code_ids["code_id"].isin(leaves).all()
    labelled = (code_ids["code"] != code_ids["code_id"]).mean()
    assert 0.01 < labelled < 0.1
    assert code_ids.groupby(["coder", "segment_id"])["code_id"].size().between(1, 3).all()


def test_second_coder_agrees_only_in_part(fresh, code_ids):
    for slug in SLUGS:
        c = code_ids[code_ids["country"] == slug].drop_duplicates(["coder", "segment_id", "code_id"])
        double = set(c.loc[c["coder"] == "coder-b", "session_id"])
        n = sum(len(TURN.findall(_read_session(p)[1])) for p in _session_files(fresh, slug) if p.stem in double)
        c = c[c["session_id"].isin(double)]
        counts = pd.crosstab(c["code_id"], c["coder"])
        both = c.groupby(["segment_id", "code_id"])["coder"].nunique().eq(2).groupby(level="code_id").sum()
        counts = counts.assign(both=both.reindex(counts.index, fill_value=0))
        counts = counts[counts["coder-a"] + counts["coder-b"] >= 10]
        kappas = [cohens_kappa([[n - a - b + ab, a - ab], [b - ab, ab]]).kappa
                  for a, b, ab in counts[["coder-a", "coder-b", "both"]].itertuples(index=False)]
        assert 0.5 <= np.mean(kappas) <= 0.9, (slug, np.mean(kappas))


def _share(code_ids: pd.DataFrame, prefixes: tuple[str, ...]) -> pd.Series:
    hit = code_ids["code_id"].str.startswith(prefixes)
    return hit.groupby(code_ids["country"]).mean()


@pytest.mark.parametrize("codes, leaders", [
    (("AE-LEGISLATURE", "ARC-SANDWICH", "PW-SPACE-INVITED"), {"south-africa", "kenya"}),
    (("SC-ROOTCAUSE", "BR-INFORMATION"), {"ghana"}),
    (("EP-",), {"senegal"}),
    (("BR-REPRESSION", "PW-SPACE-CLOSED"), {"indonesia"}),
    (("OA-POWER", "SC-AGENCY", "PW-EXPR-WITHIN"), {"india"}),
    (("AE-TRADFAITH", "CO-FORM-NETWORK"), {"nigeria"}),
])
def test_countries_differ_where_the_design_says(code_ids, codes, leaders):
    share = _share(code_ids, codes).sort_values(ascending=False)
    assert set(share.index[:len(leaders)]) == leaders
    assert share.iloc[len(leaders) - 1] > 1.5 * share.iloc[len(leaders):].max()


def test_barriers_come_early_and_outcomes_late(code_ids):
    first = code_ids[code_ids["round"] == 1]
    late = code_ids[code_ids["round"] >= 3]
    assert first["code_id"].str.startswith("BR-").mean() > 1.5 * late["code_id"].str.startswith("BR-").mean()
    assert late["code_id"].str.startswith("OA-").mean() > 1.5 * first["code_id"].str.startswith("OA-").mean()


def test_outcomes_are_classified_with_the_codebook_and_build_on_earlier_ones(fresh):
    codebook = load_codebook(DEMO_DATA / "codebook.yaml")
    vocab = {name: set(codebook.vocabularies[name]["id"]) for name in
             ("actor_type", "type_of_change", "level", "substantiation", "intended", "valence", "outcome_area")}
    components = set(codebook.vocabularies["strategic_component"]["id"])
    for slug in SLUGS:
        o = _outcomes(fresh, slug)
        assert list(o.columns[:len(OUTCOME_COLUMNS)]) == OUTCOME_COLUMNS or set(OUTCOME_COLUMNS) <= set(o.columns)
        for column, allowed in vocab.items():
            assert set(o[column]) <= allowed, column
        sc = o["strategic_components"].str.split(";")
        assert sc.map(len).between(1, 3).all() and set(sc.explode()) <= components
        assert pd.to_datetime(o["date"]).between("2020-01-01", "2024-12-31").all()
        assert set(o["campaign_id"]) == set(REGISTRY.campaigns_of(slug)["campaign_id"])
        links = o.loc[o["builds_on"] != "", ["outcome_id", "builds_on"]]
        pairs = links.assign(parent=links["builds_on"].str.split(";")).explode("parent")
        assert pairs["parent"].isin(o["outcome_id"]).all() and (pairs["parent"] < pairs["outcome_id"]).all()
        depth = dict.fromkeys(o["outcome_id"], 1)
        for child, parent in zip(pairs["outcome_id"], pairs["parent"]):
            depth[child] = max(depth[child], depth[parent] + 1)
        assert max(depth.values()) >= 3
        assert 0 < (o["valence"] == "negative").mean() < 0.2
        assert (o["substantiation"] == "not-yet").mean() > 0.4
        assert ((o["substantiation"] == "not-yet") == (o["substantiator_role"] == "")).all()


def test_substantiated_policy_or_budget_outcomes_follow_the_campaign_conditions(fresh):
    conditions = demo_campaign_conditions(REGISTRY).set_index("campaign_id")
    outcomes = pd.concat([_outcomes(fresh, slug) for slug in SLUGS])
    win = outcomes["type_of_change"].isin(["policy", "budget"]) & (outcomes["valence"] == "positive") \
        & outcomes["substantiation"].isin(["fully", "partially"])
    observed = win.groupby(outcomes["campaign_id"]).any().reindex(conditions.index, fill_value=False)
    assert (observed.astype(int) == conditions["policy_win"]).all()
    engaged = outcomes["actor_type"].isin(["legislature", "audit-institution"]).groupby(outcomes["campaign_id"]).any()
    assert (engaged.reindex(conditions.index).astype(int) == conditions["oversight_engagement"]).all()


def test_refuses_to_overwrite_a_folder_that_is_not_demo_data(tmp_path):
    (tmp_path / "ghana").mkdir()
    (tmp_path / "ghana" / "real-notes.md").write_text("not demo data")
    with pytest.raises(ParameterError, match="not sparklearn demo data"):
        generate_demo(tmp_path, countries=["ghana"])
    assert (tmp_path / "ghana" / "real-notes.md").exists()
    with pytest.raises(ParameterError, match="atlantis"):
        generate_demo(tmp_path, countries=["atlantis"])


def test_synth_codings_is_large_tidy_and_partly_agreeing():
    t = synth_codings(100_000, 25_000, 40, n_coders=3, seed=5)
    assert list(t.columns) == ["segment_id", "session_id", "coder", "code_id", "country"]
    assert len(t) == 100_000 and all(pd.api.types.is_string_dtype(t[c]) for c in t.columns)
    assert not t.duplicated(["segment_id", "coder", "code_id"]).any()
    assert t["segment_id"].nunique() <= 25_000 and t["coder"].nunique() == 3
    assert (t["segment_id"].str[:7] == t["session_id"]).all()
    assert set(t["country"]) == set(SLUGS)
    first = t.drop_duplicates(["segment_id", "coder"]).pivot(index="segment_id", columns="coder", values="code_id")
    agree = (first["coder-0"] == first["coder-1"]).mean()
    assert 0.4 < agree < 0.9
    assert synth_codings(1000, 100, 5, seed=5).equals(synth_codings(1000, 100, 5, seed=5))
    with pytest.raises(ParameterError, match="n_codes"):
        synth_codings(1000, 10, 3)


def test_synth_outcomes_and_campaigns_have_the_real_shapes():
    o = synth_outcomes(20_000, n_countries=12, seed=1)
    assert list(o.columns) == OUTCOME_COLUMNS and len(o) == 20_000
    assert o["country"].nunique() == 12 and o["outcome_id"].is_unique
    assert pd.api.types.is_datetime64_any_dtype(o["date"])
    links = o.loc[o["builds_on"] != ""]
    assert (links["builds_on"].str[:4] == links["outcome_id"].str[:4]).all()
    assert (links["builds_on"] < links["outcome_id"]).all()
    reg = synth_campaigns(100, seed=1)
    assert len(reg.countries) == 100 and reg.campaigns["country"].isin(reg.countries["slug"]).all()
    assert list(reg.campaigns.columns) == list(REGISTRY.campaigns.columns)
    assert reg.campaigns["campaign_id"].is_unique


def test_demo_harvests_say_who_gained_and_follow_the_money_in_each_countrys_currency(fresh):
    currencies = {"ghana": "GHS", "india": "INR", "indonesia": "IDR", "kenya": "KES", "nigeria": "NGN",
                  "senegal": "XOF", "south-africa": "ZAR"}
    top_group = {}
    for slug in SLUGS:
        o = _outcomes(fresh, slug).replace("", pd.NA)
        named = o["social_group"].fillna("")
        assert (named != "").mean() > 0.7 and o["kind_of_change"].notna().any() and o["budget_stage"].notna().any()
        money = o.loc[o["amount"].notna()]
        assert len(money) >= 2 and money["currency"].notna().all() and money["amount_year"].notna().all()
        assert currencies[slug] in set(money["currency"])
        assert set(money["currency"]) <= {currencies[slug], "USD"}
        top_group[slug] = named.str.split(";").explode().replace("", pd.NA).dropna().value_counts().index[0]
    # Who gains follows each campaign's sector: the countries' most frequent groups differ.
    assert len(set(top_group.values())) >= 5
    assert "USD" in set(_outcomes(fresh, "ghana")["currency"])  # mining royalties: two currencies
