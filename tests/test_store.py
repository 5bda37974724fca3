"""The store, the only reader of processed tables: one contract, one staleness rule, one period rule."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from sparklearn import store
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError, MissingColumnsError
from sparklearn.prepare import TABLE_COLUMNS, TABLES, conform, prepare


@pytest.fixture()
def kenya(kenya_data, tmp_path):
    """Paths over a copy of the demo data holding only Kenya, with an output folder."""
    return resolve_paths(data=kenya_data, out=tmp_path / "out")


def _files(folder) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- the contract


def test_every_table_has_the_contract_columns_even_without_rows(kenya):
    (kenya.country_raw("kenya") / "outcomes.xlsx").unlink()  # a country without a harvest
    tables = store.country_tables("kenya", kenya)
    for name in TABLES:
        assert tuple(getattr(tables, name).columns) == TABLE_COLUMNS[name], name
    assert tables.outcomes.empty
    written = pd.read_parquet(kenya.country_processed("kenya") / "outcomes.parquet")
    assert tuple(written.columns) == TABLE_COLUMNS["outcomes"]
    stacked = store.load_processed(kenya, ["kenya"])
    assert tuple(stacked.outcomes.columns) == TABLE_COLUMNS["outcomes"]


def test_the_store_and_prepare_share_one_definition_of_the_tables():
    assert store.TABLE_COLUMNS is TABLE_COLUMNS and store.TABLES == tuple(TABLE_COLUMNS)
    with pytest.raises(MissingColumnsError, match="codings"):
        conform("codings", pd.DataFrame({"segment_id": ["S1-T001"]}))
    # Tables written before empty tables had columns are read with them.
    assert tuple(conform("outcomes", pd.DataFrame()).columns) == TABLE_COLUMNS["outcomes"]


# --------------------------------------------------------------------------- the staleness rule


def test_tables_are_current_by_their_fingerprint_not_because_they_exist(kenya):
    assert store.stale_reason("kenya", kenya) == "not prepared yet"
    store.ensure_current("kenya", kenya)
    assert store.stale_reason("kenya", kenya) is None
    folder = kenya.country_processed("kenya")
    before = _files(folder)
    store.country_tables("kenya", kenya)
    assert _files(folder) == before  # current: read, not prepared again

    # A raw file changes: stale, and named.
    with open(kenya.country_raw("kenya") / "codings" / "coder-b.csv", "a", encoding="utf-8") as handle:
        handle.write("KE-S01,KE-S01-T002,OA-POWER,coder-b,\n")
    assert store.stale_reason("kenya", kenya) == "raw files changed: kenya/codings/coder-b.csv"
    n_before = len(pd.read_parquet(folder / "codings.parquet"))
    assert len(store.country_tables("kenya", kenya).codings) == n_before + 1
    assert store.stale_reason("kenya", kenya) is None

    # A file is renamed: the same bytes under another name are another input.
    sheet = kenya.country_raw("kenya") / "codings" / "coder-b.csv"
    sheet.rename(sheet.with_name("coder-c.csv"))
    assert "coder-b.csv" in store.stale_reason("kenya", kenya) and "coder-c.csv" in store.stale_reason("kenya", kenya)


def test_tables_written_by_another_build_of_the_library_are_stale(kenya):
    store.ensure_current("kenya", kenya)
    manifest_file = kenya.country_processed("kenya") / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps({**manifest, "library": "0" * 16}))
    assert store.stale_reason("kenya", kenya).startswith("written by another build of sparklearn")
    manifest_file.write_text(json.dumps({**manifest, "sparklearn_version": "0.0.1"}))
    assert "0.0.1" in store.stale_reason("kenya", kenya)
    assert store.ensure_current("kenya", kenya) == manifest  # prepared again, same tables
    (kenya.country_processed("kenya") / "codings.parquet").unlink()
    assert "codings" in store.stale_reason("kenya", kenya)
    manifest_file.write_text("{not json")
    assert "cannot be read" in store.stale_reason("kenya", kenya)


def test_ensure_current_prepares_again_only_when_forced_or_stale(kenya):
    store.ensure_current("kenya", kenya)
    manifest_file = kenya.country_processed("kenya") / "manifest.json"
    stamp = manifest_file.stat().st_mtime_ns
    store.ensure_current("kenya", kenya)
    assert manifest_file.stat().st_mtime_ns == stamp
    os.utime(manifest_file, ns=(stamp - 10**9, stamp - 10**9))
    store.ensure_current("kenya", kenya, force=True)
    assert manifest_file.stat().st_mtime_ns != stamp - 10**9


# --------------------------------------------------------------------------- no output folder: in memory


def test_without_an_output_folder_nothing_is_written_and_the_tables_are_the_same(kenya, kenya_data, tmp_path):
    in_memory = Paths(kenya_data)  # no output folder
    before = _files(tmp_path)
    tables = store.country_tables("kenya", in_memory)
    stacked = store.load_processed(in_memory, ["kenya"])
    assert _files(tmp_path) == before
    pd.testing.assert_frame_equal(stacked.codings, tables.codings)
    from_folder = store.country_tables("kenya", kenya)
    for name in (*TABLES, "problems"):
        pd.testing.assert_frame_equal(getattr(tables, name), getattr(from_folder, name), obj=name)
    assert tables.manifest == from_folder.manifest


# --------------------------------------------------------------------------- a processed folder on its own
# (moved from test_compare.py: these test the store)


def _write_country(folder, slug: str, n: int) -> None:
    (folder / slug).mkdir(parents=True)
    tables = {
        "sessions": pd.DataFrame({"session_id": [f"{slug}-S1"], "country": slug, "campaign_ids": f"{slug}-c",
                                  "date": pd.to_datetime(["2021-01-01"]), "round": 1}),
        "segments": pd.DataFrame({"segment_id": [f"{slug}-S1-T{i:03d}" for i in range(1, n + 1)],
                                  "session_id": f"{slug}-S1", "country": slug, "turn": range(1, n + 1)}),
        "codings": pd.DataFrame({"country": slug, "session_id": f"{slug}-S1", "segment_id": [f"{slug}-S1-T001"],
                                 "code_id": "SC-AGENCY", "coder": "coder-a"}),
        "outcomes": pd.DataFrame(),  # a country without a harvest writes an empty table
    }
    for name, table in tables.items():
        # Written as prepare writes them: every column of the contract, unused ones empty.
        table.reindex(columns=TABLE_COLUMNS[name]).to_parquet(folder / slug / f"{name}.parquet", index=False)


def test_load_processed_stacks_countries_and_names_what_is_missing(tmp_path):
    _write_country(tmp_path, "ghana", 2)
    _write_country(tmp_path, "kenya", 3)
    stacked = store.load_processed(tmp_path)
    assert stacked.countries == ("ghana", "kenya")
    assert stacked.segments.groupby("country").size().to_dict() == {"ghana": 2, "kenya": 3}
    assert len(stacked.outcomes) == 0 and "campaign_id" in stacked.outcomes.columns
    # Written before the decisions register existed: read as a register with no rows.
    assert stacked.decisions.empty and list(stacked.decisions.columns) == list(TABLE_COLUMNS["decisions"])

    with pytest.raises(InputError, match="senegal") as err:
        store.load_processed(tmp_path, ["ghana", "senegal"])
    assert "sparklearn run" in str(err.value) and err.value.file == str(tmp_path / "senegal")

    (tmp_path / "kenya" / "codings.parquet").unlink()
    with pytest.raises(InputError, match="codings") as err:
        store.load_processed(tmp_path, ["kenya"])
    assert err.value.file.endswith("kenya/codings.parquet") and "sparklearn run" in err.value.fix

    with pytest.raises(InputError, match="no country folder"):
        store.load_processed(tmp_path / "ghana")


def test_load_processed_keeps_the_period_asked_for(tmp_path):
    _write_country(tmp_path, "ghana", 2)
    _write_country(tmp_path, "kenya", 3)
    outcomes = pd.DataFrame({"outcome_id": ["KE-O001", "KE-O002", "KE-O003"], "campaign_id": "kenya-c",
                             "date": pd.to_datetime(["2020-05-01", "2021-03-01", None])})
    outcomes.reindex(columns=TABLE_COLUMNS["outcomes"]).to_parquet(tmp_path / "kenya" / "outcomes.parquet",
                                                                   index=False)
    early = store.load_processed(tmp_path, period_end="2020-12-31")
    assert early.sessions.empty and early.segments.empty and early.codings.empty
    assert early.outcomes["outcome_id"].tolist() == ["KE-O001", "KE-O003"]  # undated outcomes stay
    late = store.load_processed(tmp_path, period_start="2021-01-01")
    assert len(late.segments) == 5 and late.outcomes["outcome_id"].tolist() == ["KE-O002", "KE-O003"]


# --------------------------------------------------------------------------- the period rule


def test_both_views_follow_one_period_rule_and_keep_undated_rows(kenya):
    prepare("kenya", kenya)
    folder = kenya.country_processed("kenya")
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    outcomes.loc[[0, 1], "date"] = pd.NaT  # two outcomes without a date
    outcomes.to_parquet(folder / "outcomes.parquet", index=False)
    start, end = "2021-01-01", "2021-12-31"

    one = store.country_tables("kenya", kenya, period_start=start, period_end=end)
    # The raw data did not change, but the tables did: the manifest still matches, so they are read as they are.
    assert one.outcomes["date"].isna().sum() == 2
    many = store.load_processed(kenya.processed, ["kenya"], period_start=start, period_end=end)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(many, name), obj=name)

    dated = one.outcomes["date"].dropna()
    assert dated.between(pd.Timestamp(start), pd.Timestamp(end)).all()
    assert one.sessions["date"].between(pd.Timestamp(start), pd.Timestamp(end)).all()
    assert set(one.segments["session_id"]) <= set(one.sessions["session_id"])
    assert set(one.codings["session_id"]) <= set(one.sessions["session_id"])
    assert len(one.sessions) < len(pd.read_parquet(folder / "sessions.parquet"))
    assert one.undated == many.undated == {"sessions": 0, "outcomes": 2, "decisions": 0}
    assert one.period_note.startswith("2 outcomes have no date and are kept in this period")
    assert store.PERIOD_RULE in one.period_note

    whole = store.country_tables("kenya", kenya)
    assert whole.undated == {} and whole.period_note == ""
    assert len(whole.outcomes) == len(outcomes)
