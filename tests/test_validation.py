from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from sparklearn.ingest.problems import (
    PROBLEM_COLUMNS,
    check_schema,
    flag_rows,
    split_rejected,
)
from sparklearn.prepare import save_quarantine

SCHEMA = pa.DataFrameSchema({
    "session_id": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}-S\d+$"), metadata={"fix": "use ids like GH-S01"}),
    "round": pa.Column(int, pa.Check.ge(1), coerce=True, metadata={"fix": "rounds are numbered from 1"}),
})


def _table(rows):
    t = pd.DataFrame(rows, columns=["session_id", "round"])
    return t.assign(source_file="s.csv", source_row=range(2, 2 + len(t)))


def test_every_row_is_accepted_or_rejected_with_its_reason():
    t = _table([["GH-S01", "1"], ["GH-S02", "0"], ["bad", "2"], ["GH-S04", "x"], ["nope", "-1"]])
    c = check_schema(t, SCHEMA)
    assert c.n_read == len(t) == 5
    assert c.accepted["session_id"].tolist() == ["GH-S01"]
    assert c.accepted["round"].dtype == "int64"
    assert sorted(c.rejected["source_row"]) == [3, 4, 5, 6]
    assert list(c.problems.columns) == PROBLEM_COLUMNS
    by_row = c.problems.groupby("row")["column"].apply(sorted).to_dict()
    assert by_row == {3: ["round"], 4: ["session_id"], 5: ["round"], 6: ["round", "session_id"]}
    bad_round = c.problems.loc[c.problems["row"] == 5].iloc[0]
    assert bad_round["value"] == "x" and bad_round["rule"] == "must be a valid whole number"
    assert bad_round["fix"] == "rounds are numbered from 1"
    assert c.rejected.loc[c.rejected["source_row"] == 6, "problem"].iloc[0].count(";") == 1


def test_missing_column_rejects_all_rows_at_the_header_row():
    t = _table([["GH-S01", "1"]]).drop(columns="round")
    c = check_schema(t, SCHEMA)
    assert (len(c.accepted), len(c.rejected)) == (0, 1)
    p = c.problems.iloc[0]
    assert (p["row"], p["column"]) == (1, "round")
    assert "add a column headed 'round'" in p["fix"]


def test_warnings_do_not_reject_rows():
    t = _table([["GH-S01", "1"], ["GH-S02", "2"]])
    problems = pd.concat([
        flag_rows(t, t["session_id"] == "GH-S01", column="session_id", rule="r1", fix="f", severity="warning"),
        flag_rows(t, t["round"] == "2", column="round", rule="r2", fix="f"),
    ])
    c = split_rejected(t, problems)
    assert c.accepted["session_id"].tolist() == ["GH-S01"]
    assert c.rejected["problem"].tolist() == ["r2"]


def test_quarantine_is_written_where_asked_and_round_trips(tmp_path):
    c = check_schema(_table([["GH-S01", "1"], ["bad", "1"]]), SCHEMA)
    out = save_quarantine(tmp_path / "ghana", "sessions", c)
    assert pd.read_csv(out["rejected"])["session_id"].tolist() == ["bad"]
    assert pd.read_csv(out["problems"])["row"].tolist() == [3]
    assert not list((tmp_path / "ghana").glob("*.tmp"))
