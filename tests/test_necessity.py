from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_fuzzy_qca import KROOK, KROOK_ROWS, cases_from_rows

from sparklearn.analysis.necessity import NECESSITY_COLUMNS, necessity
from sparklearn.exceptions import InputError, ParameterError


def test_krook_necessity_matches_the_published_pof_values():
    """QCA (Dusa), tests/testthat/_snaps/pof.md: ``pof(x, WNP)`` and ``pof(1 - x, WNP)``
    on ``d.represent`` (Krook 2010; data typed from QCA's published truth table with
    cases, see test_fuzzy_qca.KROOK_ROWS): inclN, RoN, covN per condition and negation."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    got = necessity(cases, KROOK, "WNP", case="case").set_index("expression").round(3)
    assert list(got.reset_index().columns) == NECESSITY_COLUMNS
    published = {  # inclN, RoN, covN
        "ES": (0.818, 0.692, 0.692), "QU": (0.727, 0.429, 0.500), "WS": (0.455, 1.000, 1.000),
        "WM": (0.727, 0.571, 0.571), "LP": (0.727, 0.929, 0.889),
        "~ES": (0.182, 0.650, 0.222), "~QU": (0.273, 0.842, 0.500), "~WS": (0.545, 0.312, 0.353),
        "~WM": (0.273, 0.737, 0.375), "~LP": (0.273, 0.474, 0.231),
    }
    assert {e: tuple(row) for e, row in got[["consistency", "relevance", "coverage"]].iterrows()} == published
    assert got["kind"].tolist() == ["condition"] * 5 + ["negation"] * 5
    assert not got["necessary"].any()
    assert got.loc["WS", "deviant_cases"] == "NZ;DE;AT;ES;NL;BE"


def test_krook_necessity_for_the_outcome_absence_and_a_trivial_necessary_condition():
    """QCA, tests/testthat/_snaps/pof.md: ``pof(x, 1 - WNP)`` and ``pof(1 - x, 1 - WNP)``.
    ~WS is perfectly consistent (1.000) but its relevance is only 0.455: almost
    every country lacks a social-democratic welfare state, so it is close to
    trivially necessary and is not reported as necessary at relevance_cut 0.5."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    got = necessity(cases, KROOK, "~WNP", case="case").set_index("expression").round(3)
    published = {
        "ES": (0.364, 0.500, 0.308), "QU": (0.727, 0.429, 0.500), "WS": (0.000, 0.773, 0.000),
        "WM": (0.545, 0.500, 0.429), "LP": (0.091, 0.619, 0.111),
        "~ES": (0.636, 0.867, 0.778), "~QU": (0.273, 0.842, 0.500), "~WS": (1.000, 0.455, 0.647),
        "~WM": (0.455, 0.824, 0.625), "~LP": (0.909, 0.750, 0.769),
    }
    assert {e: tuple(row) for e, row in got[["consistency", "relevance", "coverage"]].iterrows()} == published
    assert got.index[got["necessary"]].tolist() == ["~LP"]
    assert got.loc["~LP", "deviant_cases"] == "LU"
    assert necessity(cases, KROOK, "~WNP", relevance_cut=0.4).set_index("expression")["necessary"].loc["~WS"]


def test_small_published_example_and_an_undefined_relevance():
    """QCA, tests/testthat/_snaps/pof.md: ``pof(dd[, -5], dd$O)`` gives A and B
    1/1/1, C and D inclN 0.5 with RoN and covN 1; ``pof("X <- Y")`` with every case
    fully in X and Y prints RoN "-" (undefined)."""
    dd = pd.DataFrame({"A": [1, 1, 1, 0, 1], "B": [1, 1, 1, 0, 1], "C": [0, 1, 0, 0, 1], "D": [0, 0, 1, 0, 1],
                       "O": [1, 1, 1, 0, 1]})
    got = necessity(dd, ["A", "B", "C", "D"], "O", negations=False)
    assert got[["consistency", "relevance", "coverage"]].values.tolist() == [
        [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.5, 1.0, 1.0], [0.5, 1.0, 1.0]]
    ones = necessity(pd.DataFrame({"X": [1] * 6, "Y": [1] * 6}), ["X"], "Y", negations=False)
    assert ones["consistency"].tolist() == [1.0] and ones["coverage"].tolist() == [1.0]
    assert np.isnan(ones["relevance"].iloc[0]) and not ones["necessary"].iloc[0]


def test_fuzzy_necessity_and_disjunctions_by_hand():
    cases = pd.DataFrame({"A": [0.9, 0.4, 0.2], "B": [0.3, 0.8, 0.6], "Y": [0.8, 0.7, 0.1]}, index=list("abc"))
    got = necessity(cases, ["A", "B"], "Y", disjunctions=True).set_index("expression")
    assert got.index.tolist() == ["A", "B", "~A", "~B", "A + B", "A + ~B", "~A + B", "~A + ~B"]
    # A: min(A, Y) = (0.8, 0.4, 0.1) = 1.3; sum(Y) = 1.6; sum(A) = 1.5; sum(1-A) = 1.5; sum(1 - min) = 1.7
    assert got.loc["A", ["consistency", "coverage", "relevance"]].tolist() == pytest.approx([1.3 / 1.6, 1.3 / 1.5,
                                                                                              1.5 / 1.7])
    # A + B = (0.9, 0.8, 0.6): min with Y = (0.8, 0.7, 0.1) = 1.6; sum = 2.3; sum(1 - X) = 0.7; sum(1 - min) = 1.4
    assert got.loc["A + B", ["consistency", "coverage", "relevance"]].tolist() == pytest.approx([1.0, 1.6 / 2.3,
                                                                                                  0.7 / 1.4])
    assert got.loc["A + B", "kind"] == "disjunction"
    assert got.loc["A + B", "necessary"]  # consistent, and relevance 0.5 is just enough
    assert got.loc["B", "deviant_cases"] == "a"
    assert necessity(cases, ["A", "B"], "Y", negations=False, disjunctions=True)["expression"].tolist() == [
        "A", "B", "A + B"]


@pytest.mark.parametrize("seed", range(5))
def test_necessity_matches_a_brute_force_computation(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.random((15, 3)).round(2), rng.random(15).round(2)
    cases = pd.DataFrame(x, columns=["A", "B", "C"]).assign(Y=y)
    got = necessity(cases, ["A", "B", "C"], "~Y")
    for j, row in enumerate(got.itertuples()):
        xs = x[:, j % 3] if j < 3 else 1 - x[:, j % 3]
        ys = 1 - y
        both = sum(min(a, b) for a, b in zip(xs, ys))
        assert (row.consistency, row.coverage) == pytest.approx((both / sum(ys), both / sum(xs)))
        assert row.relevance == pytest.approx(sum(1 - a for a in xs) / sum(1 - min(a, b) for a, b in zip(xs, ys)))


def test_necessity_errors_name_the_problem():
    cases = pd.DataFrame({"A": [0.9, 0.4], "Y": [0.8, 1.7]})
    with pytest.raises(InputError, match="between 0 and 1") as err:
        necessity(cases, ["A"], "Y")
    assert (err.value.column, err.value.row) == ("Y", 3)
    with pytest.raises(InputError, match="has no 'B' column"):
        necessity(cases, ["A", "B"], "Y")
    with pytest.raises(ParameterError, match="consistency_cut"):
        necessity(cases, ["A"], "Y", consistency_cut=1.2)
    with pytest.raises(ParameterError, match="both a condition and the outcome"):
        necessity(cases, ["A", "Y"], "~Y")
