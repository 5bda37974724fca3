from __future__ import annotations

import pandas as pd
import pytest
from test_fuzzy_qca import one_case_per_row

from sparklearn.analysis.fuzzy_sets import calibrate_fuzzy
from sparklearn.analysis.robustness import RUN_COLUMNS, TERM_COLUMNS, robustness
from sparklearn.exceptions import InputError, ParameterError


def shifting_cases() -> pd.DataFrame:
    """Case c5 (A = 6) is more in A with the crossover at 5, more out with it at 7.

    Reference anchors 0/5/10: configurations A*B (c1, c2: outcome), ~A*B (c3),
    ~A*~B (c4), A*~B (c5, no outcome), so A*~B is a negative row and the
    parsimonious solution is A*B. With the crossover at 7, A*~B has no case: a
    remainder, and the parsimonious solution becomes A. No corner is perfectly
    consistent (inclusion below 1), so a cut of 1.0 finds nothing.
    """
    return pd.DataFrame({"A": [9, 8, 2, 1, 6], "B": [0.9, 0.8, 0.9, 0.1, 0.2], "Y": [0.9, 0.8, 0.1, 0.1, 0.2]},
                        index=["c1", "c2", "c3", "c4", "c5"])


def test_terms_survive_in_the_share_of_runs_worked_out_by_hand():
    raw = shifting_cases()
    assert calibrate_fuzzy(raw, "A", (0, 5, 10)).iloc[4] > 0.5 > calibrate_fuzzy(raw, "A", (0, 7, 10)).iloc[4]
    result = robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10), (0, 7, 10)]}, incl_cuts=[0.8, 1.0],
                        include="parsimonious")
    runs = result.runs
    assert list(runs.columns) == RUN_COLUMNS and list(result.terms.columns) == TERM_COLUMNS
    assert runs["changed"].tolist() == ["reference", "A 0/7/10", "incl_cut 1", "A 0/7/10; incl_cut 1"]
    assert runs["term"].tolist()[:2] == ["A*B", "A"]
    assert runs["status"].tolist()[:2] == ["ok", "ok"]
    assert runs["status"].iloc[2].startswith("no configuration is positive") and pd.isna(runs["term"].iloc[2])
    terms = result.terms.set_index("term")
    assert terms[["in_reference", "runs", "runs_in_every_model", "share"]].to_dict("index") == {
        "A*B": {"in_reference": True, "runs": 4, "runs_in_every_model": 1, "share": 0.25},
        "A": {"in_reference": False, "runs": 4, "runs_in_every_model": 1, "share": 0.25},
    }
    # The complex solution does not use remainders: A*B survives both calibrations.
    complex_ = robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10), (0, 7, 10)]}, include="complex")
    assert complex_.terms[["term", "share"]].values.tolist() == [["A*B", 1.0]]


def test_one_at_a_time_and_full_grids_count_their_runs():
    raw = shifting_cases().assign(B=[9, 8, 9, 1, 2])
    anchors = {"A": [(0, 5, 10), (0, 7, 10), (0, 4, 10)], "B": [(0, 5, 10), (0, 6, 10)]}
    one = robustness(raw, ["A", "B"], "Y", anchors, incl_cuts=[0.8, 0.9], include="complex")
    assert one.runs["run"].nunique() == (1 + 2 + 1) * 2
    assert one.runs.drop_duplicates("run")["changed"].tolist()[:4] == [
        "reference", "A 0/7/10", "A 0/4/10", "B 0/6/10"]
    full = robustness(raw, ["A", "B"], "Y", anchors, incl_cuts=[0.8, 0.9], include="complex", grid="full")
    assert full.runs["run"].nunique() == 3 * 2 * 2
    assert "A 0/7/10; B 0/6/10; incl_cut 0.9" in set(full.runs["changed"])
    with pytest.raises(ParameterError, match="more than max_runs=5"):
        robustness(raw, ["A", "B"], "Y", anchors, incl_cuts=[0.8, 0.9], grid="full", max_runs=5,
                   include="complex")


def test_terms_of_ambiguous_runs_count_in_some_but_not_every_model():
    """The CVF truth table (see test_fuzzy_qca) has four parsimonious models:
    ~NATPRIDE is in all of them, DEMOC*ETHFRACT*GEOCON in two."""
    cvf = ["DEMOC", "ETHFRACT", "GEOCON", "POLDIS", "NATPRIDE"]
    cases = one_case_per_row({**dict.fromkeys([5, 15, 16, 24, 27, 29, 30, 31, 32], 1),
                              **dict.fromkeys([2, 6, 8, 10, 14, 20, 22, 28], 0)}, cvf)
    result = robustness(cases, cvf, "Y", {}, include="parsimonious", case="case")
    terms = result.terms.set_index("term")
    assert terms.loc["~NATPRIDE", ["runs_in_every_model", "runs_in_some_model"]].tolist() == [1, 1]
    assert terms.loc["DEMOC*ETHFRACT*GEOCON", ["runs_in_every_model", "runs_in_some_model", "share"]].tolist() == [
        0, 1, 0.0]
    assert result.runs["solution"].max() == 4


def test_robustness_parameters_are_checked():
    raw = shifting_cases()
    with pytest.raises(ParameterError, match="neither a condition nor the outcome"):
        robustness(raw, ["A", "B"], "Y", {"C": [(0, 5, 10)]})
    with pytest.raises(ParameterError, match="run in one direction"):
        robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10), (5, 0, 10)]})
    with pytest.raises(ParameterError, match="at least the reference anchors"):
        robustness(raw, ["A", "B"], "Y", {"A": []})
    with pytest.raises(ParameterError, match="incl_cuts"):
        robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10)]}, incl_cuts=[1.5])
    with pytest.raises(ParameterError, match="grid"):
        robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10)]}, grid="random")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="directional_expectations"):
        robustness(raw, ["A", "B"], "Y", {"A": [(0, 5, 10)]})  # intermediate by default
    with pytest.raises(InputError, match="between 0 and 1"):
        robustness(raw, ["A", "B"], "Y", {"B": [(0, 5, 10)]}, include="complex")  # A is raw, not calibrated
