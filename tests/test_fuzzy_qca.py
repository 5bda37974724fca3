from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest

from sparklearn.analysis import fuzzy_qca
from sparklearn.analysis.fuzzy_qca import fuzzy_minimise, fuzzy_truth_table, sufficiency
from sparklearn.analysis.fuzzy_sets import set_membership
from sparklearn.analysis.qca import truth_table
from sparklearn.exceptions import InputError, ParameterError

# ---------------------------------------------------------------------------- published data

#: Krook's (2010) women's representation in 22 Western democracies, the R package
#: QCA's ``d.represent``: conditions ES (electoral system), QU (quotas), WS (social
#: democratic welfare state), WM (autonomous women's movement), LP (left parties);
#: outcome WNP (women in parliament). Typed from QCA's published truth table with
#: cases (tests/testthat/_snaps/truthTable.md, ``truthTable(d.represent, outcome =
#: WNP, complete = TRUE, show.cases = TRUE)``): QCA row number -> (cases, OUT).
KROOK_ROWS = {
    4: ("NZ", 1), 12: ("DE", 1), 21: ("FI", 1), 24: ("DK", 1), 26: ("AT", 1), 27: ("ES", 1), 29: ("SE", 1),
    28: ("NL,BE", 1), 32: ("NO,IS", 1), 9: ("IT", 0), 18: ("LU", 0), 3: ("CA,US", 0), 25: ("CH,PT,GR", 0),
    11: ("AU,GB,FR,IE", 0),
}
KROOK = ["ES", "QU", "WS", "WM", "LP"]

#: Lipset's data calibrated to crisp sets, QCA's ``LC`` (Rihoux & De Meur 2009),
#: from QCA's published ``truthTable(LC, SURV, show.cases = TRUE)``.
LIPSET_ROWS = {
    1: ("GR,PT,ES", 0), 2: ("IT,RO", 0), 5: ("HU,PL", 0), 6: ("EE", 0), 22: ("FI,IE", 1), 23: ("AU", 0),
    24: ("FR,SE", 1), 31: ("DE", 0), 32: ("BE,CZ,NL,UK", 1),
}
LIPSET = ["DEV", "URB", "LIT", "IND", "STB"]


def row_number(table: pd.DataFrame, conditions: list[str]) -> list[int]:
    """QCA's row number: the configuration read as binary, plus one."""
    return (table[conditions].to_numpy() @ (1 << np.arange(len(conditions) - 1, -1, -1)) + 1).tolist()


def cases_from_rows(rows: dict[int, tuple[str, int]], conditions: list[str], outcome: str) -> pd.DataFrame:
    """One crisp case per name in each published truth-table row, with the row's outcome."""
    k = len(conditions)
    records = [[name, *(((row - 1) >> (k - 1 - i)) & 1 for i in range(k)), y]
               for row, (names, y) in rows.items() for name in names.split(",")]
    return pd.DataFrame(records, columns=["case", *conditions, outcome])


def one_case_per_row(outcomes: dict[int, int], conditions: list[str]) -> pd.DataFrame:
    return cases_from_rows({row: (f"r{row}", y) for row, y in outcomes.items()}, conditions, "Y")


def models(solutions: pd.DataFrame) -> list[frozenset[str]]:
    return [frozenset(rows["term"]) for _, rows in solutions.groupby("solution", sort=True)]


# ---------------------------------------------------------------------------- Krook: truth table and fit


def test_krook_truth_table_reproduces_the_published_one():
    """QCA (Dusa), tests/testthat/_snaps/truthTable.md, ``truthTable(d.represent,
    outcome = WNP)``: 14 observed rows, each with incl and PRI 1.000 or 0.000, n as
    published (e.g. row 11: n = 4, OUT 0; row 28: n = 2, OUT 1)."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    tt = fuzzy_truth_table(cases, KROOK, "WNP", case="case")
    assert list(tt.columns) == [*KROOK, *fuzzy_qca.TRUTH_TABLE_COLUMNS]
    got = dict(zip(row_number(tt, KROOK), zip(tt["out"], tt["n"], tt["cases"])))
    assert got == {row: (y, len(names.split(",")), names.replace(",", ";")) for row, (names, y) in KROOK_ROWS.items()}
    assert tt["incl"].tolist() == tt["out"].astype(float).tolist()
    assert tt["pri"].tolist() == tt["out"].astype(float).tolist()


def test_krook_sufficiency_of_single_conditions_matches_published_pof():
    """QCA, tests/testthat/_snaps/pof.md, ``pof(x, WNP, relation = "suf")`` and
    ``pof(x, 1 - WNP, relation = "suf")``: inclS, PRI, covS, covU per condition."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    fit = sufficiency(cases, KROOK, "WNP", case="case").set_index("expression").round(3)
    assert fit["consistency"].tolist() == [0.692, 0.500, 1.000, 0.571, 0.889]
    assert fit["pri"].tolist() == [0.692, 0.500, 1.000, 0.571, 0.889]
    assert fit["raw_coverage"].tolist() == [0.818, 0.727, 0.455, 0.727, 0.727]
    assert fit["unique_coverage"].tolist() == [0.0] * 5
    absent = sufficiency(cases, KROOK, "~WNP", case="case").set_index("expression").round(3)
    assert absent["consistency"].tolist() == [0.308, 0.500, 0.000, 0.429, 0.111]
    assert absent["raw_coverage"].tolist() == [0.364, 0.727, 0.000, 0.545, 0.091]
    assert absent["unique_coverage"].tolist() == [0.000, 0.091, 0.000, 0.182, 0.000]
    assert fit.loc["WS", "cases"] == "FI;DK;SE;NO;IS" and fit.loc["WS", "deviant_cases"] == ""
    assert fit.loc["LP", "deviant_cases"] == "LU"


def test_krook_parsimonious_solution_lists_both_models_all_prime_implicants_and_assumptions():
    """QCA, tests/testthat/_snaps/minimize.md, ``minimize(d.represent, outcome =
    "WNP", include = "?", details = TRUE)`` (Kro.sp): two models
    M1 WS + ES*WM + QU*LP + ~ES*LP and M2 WS + ES*WM + QU*LP + WM*LP, covS
    .455/.545/.545/.182/.636, unique coverage within each model .182/.091/.091/.091,
    solution inclS = PRI = covS = 1; the PI chart lists 7 prime implicants; the
    simplifying assumptions are rows 2, 5-8, 10, 13-16, 19, 20, 22, 23, 30, 31 (M1)
    and the same without row 2 (M2)."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    tt = fuzzy_truth_table(cases, KROOK, "WNP", case="case")
    result = fuzzy_minimise(tt, cases, KROOK, "WNP", include="parsimonious", case="case")
    s = result.solutions
    assert list(s.columns) == fuzzy_qca.SOLUTION_COLUMNS
    assert models(s) == [frozenset({"WS", "ES*WM", "~ES*LP", "QU*LP"}), frozenset({"WS", "ES*WM", "QU*LP", "WM*LP"})]
    fit = s.set_index(["solution", "term"]).round(3)
    for model, last, cov in ((1, "~ES*LP", 0.182), (2, "WM*LP", 0.636)):
        assert fit.loc[(model, last), "raw_coverage"] == cov
        assert [fit.loc[(model, t), "unique_coverage"] for t in ("WS", "ES*WM", "QU*LP", last)] == [
            0.182, 0.091, 0.091, 0.091]
        assert [fit.loc[(model, t), "raw_coverage"] for t in ("WS", "ES*WM", "QU*LP")] == [0.455, 0.545, 0.545]
    assert s[["consistency", "pri", "solution_consistency", "solution_pri", "solution_coverage"]].eq(1).all().all()
    assert fit.loc[(1, "WS"), "cases"] == "FI;DK;SE;NO;IS"
    primes = result.prime_implicants.set_index("term")
    assert set(primes.index) == {"WS", "~ES*LP", "ES*WM", "QU*LP", "WM*LP", "ES*~QU*~LP", "~QU*~WM*~LP"}
    assert primes["solutions"].to_dict() == {"WS": "1;2", "ES*WM": "1;2", "~ES*LP": "1", "QU*LP": "1;2",
                                             "WM*LP": "2", "ES*~QU*~LP": "", "~QU*~WM*~LP": ""}
    assumed = result.simplifying_assumptions.assign(row=lambda t: row_number(t, KROOK))
    m1 = [2, 5, 6, 7, 8, 10, 13, 14, 15, 16, 19, 20, 22, 23, 30, 31]
    assert assumed.groupby("solution")["row"].apply(list).to_dict() == {1: m1, 2: m1[1:]}
    assert (assumed["n"] == 0).all()


def test_krook_complex_solution_matches_the_published_one():
    """QCA, tests/testthat/_snaps/minimize.md, ``minimize(d.represent, outcome = "WNP")``:
    ~ES*~WS*WM*LP + ES*QU*~WS*WM + ES*QU*~WS*LP + ES*WS*~WM*~LP + ES*WS*WM*LP."""
    cases = cases_from_rows(KROOK_ROWS, KROOK, "WNP")
    tt = fuzzy_truth_table(cases, KROOK, "WNP", case="case")
    result = fuzzy_minimise(tt, cases, KROOK, "WNP", case="case")
    assert models(result.solutions) == [frozenset(
        {"~ES*~WS*WM*LP", "ES*QU*~WS*WM", "ES*QU*~WS*LP", "ES*WS*~WM*~LP", "ES*WS*WM*LP"})]
    assert result.simplifying_assumptions.empty


# ---------------------------------------------------------------------------- intermediate solutions


def test_emmenegger_intermediate_solution_and_its_easy_counterfactuals_match_the_published_ones():
    """Emmenegger (2011), job security regulations, QCA's ``d.jobsecurity``
    (conditions S C L R P V). The truth table at incl.cut = 0.9 is published in
    QCA's tests/testthat/_snaps/truthTable.md (``truthTable(d.jobsecurity, outcome
    = JSR, incl.cut = c(0.9, 0.5))``; rows coded C there are 0 at a single cut of
    0.9). Published results (tests/testthat/_snaps/minimize.md, Emm.si):
    parsimonious M1 S*R + L*P, M2 S*R + P*~V; with dir.exp 1,1,1,1,1,0 the
    intermediate solution "From C1P1, C1P2" is S*R*~V + S*C*R*P + S*L*R*P +
    C*L*P*~V, its easy counterfactuals rows 31, 39, 45, 53, 55, 59, 61, 63, and its
    PI chart S*R*~V: 37, 47; S*C*R*P: 56, 64; S*L*R*P: 47, 48, 64; C*L*P*~V: 27.
    Complex (from ``pof(1 - Emm.sc$pims, ...)`` in _snaps/pof.md): S*~C*L*R*P +
    S*C*R*P*V + S*~C*~L*R*~P*~V + ~S*C*L*~R*P*~V. The fuzzy memberships are not
    published as text, so the parameters of fit are not checked here."""
    js = ["S", "C", "L", "R", "P", "V"]
    cases = one_case_per_row({2: 0, 5: 0, 10: 0, 20: 0, 25: 0, 27: 1, 33: 0, 37: 1, 47: 1, 48: 1, 56: 1, 57: 0,
                              64: 1}, js)
    tt = fuzzy_truth_table(cases, js, "Y", case="case", incl_cut=0.9)
    complex_ = fuzzy_minimise(tt, cases, js, "Y", case="case")
    assert models(complex_.solutions) == [frozenset({"S*~C*L*R*P", "S*C*R*P*V", "S*~C*~L*R*~P*~V",
                                                     "~S*C*L*~R*P*~V"})]
    parsimonious = fuzzy_minimise(tt, cases, js, "Y", include="parsimonious", case="case")
    assert models(parsimonious.solutions) == [frozenset({"S*R", "L*P"}), frozenset({"S*R", "P*~V"})]
    result = fuzzy_minimise(tt, cases, js, "Y", include="intermediate", case="case",
                            directional_expectations={"S": 1, "C": 1, "L": 1, "R": 1, "P": 1, "V": 0})
    assert models(result.solutions) == [frozenset({"S*R*~V", "S*C*R*P", "S*L*R*P", "C*L*P*~V"})]
    assert set(result.solutions["from_parsimonious"]) == {"1;2"}
    assert row_number(result.simplifying_assumptions, js) == [31, 39, 45, 53, 55, 59, 61, 63]
    chart = result.prime_implicants.set_index("term")["configurations"].str.split(";").map(len).to_dict()
    assert chart == {"S*R*~V": 2, "S*C*R*P": 2, "S*L*R*P": 3, "C*L*P*~V": 1}


def test_parsimonious_models_with_the_same_easy_counterfactuals_are_minimised_once(monkeypatch):
    """Emmenegger's two parsimonious models use the same easy counterfactuals: one table,
    minimised once (plus the parsimonious minimisation itself), and the intermediate
    solution still says it comes from both."""
    from sparklearn.analysis import qca

    js = ["S", "C", "L", "R", "P", "V"]
    cases = one_case_per_row({2: 0, 5: 0, 10: 0, 20: 0, 25: 0, 27: 1, 33: 0, 37: 1, 47: 1, 48: 1, 56: 1, 57: 0,
                              64: 1}, js)
    tt = fuzzy_truth_table(cases, js, "Y", case="case", incl_cut=0.9)
    calls = []
    minimise = qca.minimise
    monkeypatch.setattr(qca, "minimise", lambda *args, **kwargs: calls.append(1) or minimise(*args, **kwargs))
    result = fuzzy_minimise(tt, cases, js, "Y", include="intermediate", case="case",
                            directional_expectations={"S": 1, "C": 1, "L": 1, "R": 1, "P": 1, "V": 0})
    assert len(calls) == 2
    assert set(result.solutions["from_parsimonious"]) == {"1;2"}


def test_lipset_intermediate_solution_lies_between_complex_and_parsimonious():
    """Lipset's data (QCA's LF, fuzzy) gives, published in QCA's
    tests/testthat/_snaps/minimize.md: complex DEV*~URB*LIT*STB + DEV*LIT*IND*STB,
    parsimonious DEV*STB and, with dir.exp = "1,1,1,1,1", the intermediate
    DEV*LIT*STB, all on the positive rows FI,IE; FR,SE; BE,CZ,NL,UK (rows 22, 24, 32).
    LF's memberships are not published as text; the crisp LC truth table (same
    complex and parsimonious solutions, published above) yields the same
    intermediate solution, with one easy counterfactual: row 30
    (DEV*URB*LIT*~IND*STB), one of LC's published simplifying assumptions."""
    cases = cases_from_rows(LIPSET_ROWS, LIPSET, "SURV")
    tt = fuzzy_truth_table(cases, LIPSET, "SURV", case="case")
    expect = dict.fromkeys(LIPSET, 1)
    solutions = {include: fuzzy_minimise(tt, cases, LIPSET, "SURV", include=include, case="case",
                                         directional_expectations=expect)
                 for include in ("complex", "parsimonious", "intermediate")}
    assert models(solutions["complex"].solutions) == [frozenset({"DEV*~URB*LIT*STB", "DEV*LIT*IND*STB"})]
    assert models(solutions["parsimonious"].solutions) == [frozenset({"DEV*STB"})]
    intermediate = solutions["intermediate"]
    assert models(intermediate.solutions) == [frozenset({"DEV*LIT*STB"})]
    assert row_number(intermediate.simplifying_assumptions, LIPSET) == [30]
    assert intermediate.simplifying_assumptions["configuration"].tolist() == ["DEV*URB*LIT*~IND*STB"]
    assert intermediate.solutions[["consistency", "raw_coverage", "solution_coverage"]].values.tolist() == [
        [1.0, 1.0, 1.0]]
    assert intermediate.solutions["cases"].iloc[0] == "FI;IE;FR;SE;BE;CZ;NL;UK"
    # The complex solution's crisp fit, published for LC: covS .50/.75, covU .25/.50.
    fit = solutions["complex"].solutions.set_index("term")
    assert fit.loc[["DEV*~URB*LIT*STB", "DEV*LIT*IND*STB"], "raw_coverage"].tolist() == [0.5, 0.75]
    assert fit.loc[["DEV*~URB*LIT*STB", "DEV*LIT*IND*STB"], "unique_coverage"].tolist() == [0.25, 0.5]


def test_cvf_parsimonious_models_prime_implicants_and_row_dominance_match_the_published_ones():
    """Cebotari & Vink (2013), ethnopolitical protest, QCA's ``CVF``. Truth table at
    incl.cut = 0.8 published in QCA's tests/testthat/_snaps/truthTable.md (positive
    rows 5, 15, 16, 24, 27, 29, 30, 31, 32; negative 2, 6, 8, 10, 14, 20, 22, 28).
    Published in _snaps/minimize.md: four parsimonious models (pCVF),
    ~NATPRIDE + DEMOC*GEOCON*POLDIS plus one of {~DEMOC*ETHFRACT*POLDIS +
    DEMOC*ETHFRACT*GEOCON}, {~DEMOC*ETHFRACT*POLDIS + DEMOC*ETHFRACT*~POLDIS},
    {DEMOC*ETHFRACT*GEOCON + ETHFRACT*GEOCON*POLDIS}, {DEMOC*ETHFRACT*~POLDIS +
    ETHFRACT*GEOCON*POLDIS}; its PI chart (six primes, with their columns); and
    with row.dom = TRUE the single model ~NATPRIDE + DEMOC*ETHFRACT*GEOCON +
    DEMOC*GEOCON*POLDIS + ETHFRACT*GEOCON*POLDIS."""
    cvf = ["DEMOC", "ETHFRACT", "GEOCON", "POLDIS", "NATPRIDE"]
    positive, negative = [5, 15, 16, 24, 27, 29, 30, 31, 32], [2, 6, 8, 10, 14, 20, 22, 28]
    cases = one_case_per_row({**dict.fromkeys(positive, 1), **dict.fromkeys(negative, 0)}, cvf)
    tt = fuzzy_truth_table(cases, cvf, "Y", case="case")
    result = fuzzy_minimise(tt, cases, cvf, "Y", include="parsimonious", case="case")
    core = {"~NATPRIDE", "DEMOC*GEOCON*POLDIS"}
    assert set(models(result.solutions)) == {
        frozenset(core | {"~DEMOC*ETHFRACT*POLDIS", "DEMOC*ETHFRACT*GEOCON"}),
        frozenset(core | {"~DEMOC*ETHFRACT*POLDIS", "DEMOC*ETHFRACT*~POLDIS"}),
        frozenset(core | {"DEMOC*ETHFRACT*GEOCON", "ETHFRACT*GEOCON*POLDIS"}),
        frozenset(core | {"DEMOC*ETHFRACT*~POLDIS", "ETHFRACT*GEOCON*POLDIS"}),
    }
    published_chart = {"~NATPRIDE": [5, 15, 27, 29, 31], "~DEMOC*ETHFRACT*POLDIS": [15, 16],
                       "DEMOC*ETHFRACT*GEOCON": [29, 30, 31, 32], "DEMOC*ETHFRACT*~POLDIS": [29, 30],
                       "DEMOC*GEOCON*POLDIS": [24, 31, 32], "ETHFRACT*GEOCON*POLDIS": [15, 16, 31, 32]}
    key = {"*".join(n if (r - 1) >> (4 - i) & 1 else f"~{n}" for i, n in enumerate(cvf)): r for r in positive}
    chart = result.prime_implicants.set_index("term")["configurations"].map(
        lambda text: sorted(key[c] for c in text.split(";")))
    assert chart.to_dict() == published_chart
    assert not result.prime_implicants["dominated"].any()
    dominated = fuzzy_minimise(tt, cases, cvf, "Y", include="parsimonious", row_dominance=True, case="case")
    assert models(dominated.solutions) == [frozenset(core | {"DEMOC*ETHFRACT*GEOCON", "ETHFRACT*GEOCON*POLDIS"})]
    assert dominated.prime_implicants.loc[dominated.prime_implicants["dominated"], "term"].tolist() == [
        "~DEMOC*ETHFRACT*POLDIS", "DEMOC*ETHFRACT*~POLDIS"]


# ---------------------------------------------------------------------------- independent checks


def brute_force_truth_table(x: np.ndarray, y: np.ndarray) -> dict[int, tuple[int, float, float, float]]:
    """Row -> (n, incl, PRI, coverage), by explicit loops over cases and conditions."""
    k = x.shape[1]
    found = {}
    for row in range(2**k):
        bits = [(row >> (k - 1 - j)) & 1 for j in range(k)]
        member = [min(x[i, j] if bits[j] else 1 - x[i, j] for j in range(k)) for i in range(len(x))]
        n = sum(all((x[i, j] > 0.5) == bool(bits[j]) and x[i, j] != 0.5 for j in range(k)) for i in range(len(x)))
        if n == 0:
            continue
        both = sum(min(m, v) for m, v in zip(member, y))
        neither = sum(min(m, v, 1 - v) for m, v in zip(member, y))
        found[row] = (n, both / sum(member), (both - neither) / (sum(member) - neither), both / sum(y))
    return found


@pytest.mark.parametrize("seed", range(8))
def test_fuzzy_truth_table_matches_a_brute_force_computation(seed):
    rng = np.random.default_rng(seed)
    x = rng.choice([0.0, 0.1, 0.3, 0.45, 0.55, 0.7, 0.9, 1.0], size=(25, 3))
    y = rng.choice([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], size=25)
    cases = pd.DataFrame(x, columns=["A", "B", "C"]).assign(Y=y)
    tt = fuzzy_truth_table(cases, ["A", "B", "C"], "Y", incl_cut=0.7)
    expected = brute_force_truth_table(x, y)
    assert [r - 1 for r in row_number(tt, ["A", "B", "C"])] == sorted(expected)
    got = tt[["n", "incl", "pri", "coverage"]].to_numpy()
    assert got == pytest.approx(np.array([expected[r] for r in sorted(expected)]))
    assert tt["out"].tolist() == [int(incl >= 0.7) for incl in tt["incl"]]
    assert (tt["n_outcome"] <= tt["n"]).all()


def test_solution_fit_matches_a_hand_computation_on_fuzzy_memberships():
    """Two terms A*~B and C on four cases; the union is the maximum of the terms."""
    cases = pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "B": [0.6, 0.3, 0.4, 0.9], "C": [0.1, 0.6, 0.7, 0.2],
                          "Y": [0.8, 0.9, 0.1, 0.4]}, index=list("abcd"))
    fit = sufficiency(cases, ["A*~B", "C", "A*~B + C"], "Y").set_index("expression")
    # A*~B = (0.4, 0.7, 0.2, 0.1); C = (0.1, 0.6, 0.7, 0.2); union = (0.4, 0.7, 0.7, 0.2); sum(Y) = 2.2
    # min with Y: A*~B (0.4, 0.7, 0.1, 0.1) = 1.3; C (0.1, 0.6, 0.1, 0.2) = 1.0; union (0.4, 0.7, 0.1, 0.2) = 1.4
    # min(X, Y, 1-Y): A*~B (0.2, 0.1, 0.1, 0.1) = 0.5; C (0.1, 0.1, 0.1, 0.2) = 0.5; union (0.2, 0.1, 0.1, 0.2) = 0.6
    assert fit.loc["A*~B", ["consistency", "pri", "raw_coverage"]].tolist() == pytest.approx([1.3 / 1.4, 0.8 / 0.9,
                                                                                              1.3 / 2.2])
    assert fit.loc["C", ["consistency", "pri", "raw_coverage"]].tolist() == pytest.approx([1.0 / 1.6, 0.5 / 1.1,
                                                                                           1.0 / 2.2])
    assert fit.loc["A*~B + C", ["consistency", "pri"]].tolist() == pytest.approx([1.4 / 2.0, 0.8 / 1.4])
    # Unique coverage against the union of all three expressions: only the whole sum adds nothing new.
    assert fit["unique_coverage"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    pair = sufficiency(cases, ["A*~B", "C"], "Y")
    assert pair["unique_coverage"].tolist() == pytest.approx([(1.4 - 1.0) / 2.2, (1.4 - 1.3) / 2.2])
    assert pair["cases"].tolist() == ["b", "b;c"] and pair["deviant_cases"].tolist() == ["", "c"]


def brute_force_covers(allowed: set[int], positive: set[int], k: int) -> set[frozenset[tuple[int, ...]]]:
    """All minimal sums of prime implicants of ``allowed`` covering ``positive``, naively."""
    cubes = {}
    for digits in product((0, 1, 2), repeat=k):
        members = frozenset(m for m in range(2**k)
                            if all(d == 2 or (m >> (k - 1 - i)) & 1 == d for i, d in enumerate(digits)))
        if members <= allowed and members & positive:
            cubes[digits] = members
    primes = {d: m for d, m in cubes.items() if not any(m < other for other in cubes.values())}
    for size in range(1, len(primes) + 1):
        found = {frozenset(combo) for combo in combinations(primes, size)
                 if positive <= frozenset().union(*(primes[d] for d in combo))}
        if found:
            return {frozenset((d, tuple(sorted(primes[d]))) for d in combo) for combo in found}
    raise AssertionError("no cover")


def brute_force_intermediate(status: dict[int, str], k: int, expect: dict[int, int]) -> set[frozenset[str]]:
    """Ragin & Sonnett by definition: easy counterfactuals within each parsimonious model."""
    positive = {m for m, s in status.items() if s == "pos"}
    remainder = {m for m, s in status.items() if s == "rem"}

    def bit(m: int, j: int) -> int:
        return (m >> (k - 1 - j)) & 1

    easy = {r for r in remainder if any(all(bit(r, j) == bit(p, j) or expect.get(j) == bit(r, j) for j in range(k))
                                        for p in positive)}
    names = [f"X{i}" for i in range(k)]
    found = set()
    for model in brute_force_covers(positive | remainder, positive, k):
        covered = set().union(*(set(members) for _, members in model))
        for cover in brute_force_covers(positive | (easy & covered), positive, k):
            found.add(frozenset("*".join(n if v else f"~{n}" for n, v in zip(names, d) if v != 2) or "1"
                                for d, _ in cover))
    return found


@pytest.mark.parametrize("seed", range(25))
def test_intermediate_solution_matches_the_definition_and_lies_between_the_other_two(seed):
    rng = np.random.default_rng(100 + seed)
    k = 3 if seed < 8 else 4
    status = {m: s for m, s in enumerate(rng.choice(["pos", "neg", "rem"], size=2**k, p=[0.35, 0.35, 0.3]))}
    status.setdefault(0, "pos")
    if "pos" not in status.values():
        status[0] = "pos"
    expect = {j: int(v) for j, v in enumerate(rng.integers(0, 2, size=k)) if rng.random() < 0.75}
    names = [f"X{i}" for i in range(k)]
    cases = one_case_per_row({m + 1: int(s == "pos") for m, s in status.items() if s != "rem"}, names)
    tt = fuzzy_truth_table(cases, names, "Y", case="case")
    result = fuzzy_minimise(tt, cases, names, "Y", include="intermediate", case="case", max_solutions=10_000,
                            directional_expectations={names[j]: v for j, v in expect.items()})
    assert set(models(result.solutions)) == brute_force_intermediate(status, k, expect)
    # Between: every intermediate model covers the complex solution's cases and lies inside a parsimonious model.
    complex_ = fuzzy_minimise(tt, cases, names, "Y", case="case", max_solutions=10_000).solutions
    parsimonious = fuzzy_minimise(tt, cases, names, "Y", include="parsimonious", case="case",
                                  max_solutions=10_000).solutions
    everything = one_case_per_row({m + 1: 0 for m in range(2**k)}, names)

    def covered(expression: str) -> set[int]:
        return set(np.flatnonzero(set_membership(everything, expression).to_numpy() == 1))
    wide = [covered(e) for e in parsimonious.groupby("solution")["expression"].first()]
    narrow = covered(complex_["expression"].iloc[0])
    for expression, sources in result.solutions.groupby("solution")[["expression", "from_parsimonious"]].first(
            ).itertuples(index=False):
        assert narrow <= covered(expression)
        assert all(covered(expression) <= wide[int(j) - 1] for j in sources.split(";"))


def test_an_ambiguous_intermediate_solution_says_which_parsimonious_model_each_comes_from():
    """Positive rows 2, 3, 8, 10, 15, 16, negative 1 and 12, every condition expected
    present: two parsimonious models, and three intermediate ones (one from the
    first, two from the second), as the brute-force definition also finds. With
    ``max_solutions=2`` each parsimonious model is within the limit but the three
    intermediate ones together are not."""
    names = ["X0", "X1", "X2", "X3"]
    positive, negative = [2, 3, 8, 10, 15, 16], [1, 12]
    cases = one_case_per_row({**dict.fromkeys(positive, 1), **dict.fromkeys(negative, 0)}, names)
    tt = fuzzy_truth_table(cases, names, "Y", case="case")
    expect = dict.fromkeys(names, 1)
    result = fuzzy_minimise(tt, cases, names, "Y", include="intermediate", case="case",
                            directional_expectations=expect)
    origin = result.solutions.drop_duplicates("solution").set_index("expression")["from_parsimonious"].to_dict()
    assert origin == {"~X0*X2 + X1*X2 + ~X2*X3": "1", "X1*X2 + ~X2*X3 + X2*~X3": "2",
                      "X1*X3 + ~X2*X3 + X2*~X3": "2"}
    status = {m: "pos" if m + 1 in positive else "neg" if m + 1 in negative else "rem" for m in range(16)}
    assert set(models(result.solutions)) == brute_force_intermediate(status, 4, dict.fromkeys(range(4), 1))
    with pytest.raises(InputError, match="more than 2 intermediate solutions"):
        fuzzy_minimise(tt, cases, names, "Y", include="intermediate", case="case", directional_expectations=expect,
                       max_solutions=2)


# ---------------------------------------------------------------------------- cut-offs, edge cases, errors


def small_cases() -> pd.DataFrame:
    return pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "B": [0.6, 0.3, 0.4, 0.9], "Y": [0.8, 0.9, 0.1, 0.4]},
                        index=list("abcd"))


def test_cut_offs_for_inclusion_pri_and_frequency():
    tt = fuzzy_truth_table(small_cases(), ["A", "B"], "Y", incl_cut=0.75)
    assert tt["out"].tolist() == [0, 1, 1]  # incl 0.5, 0.929, 0.778
    assert fuzzy_truth_table(small_cases(), ["A", "B"], "Y", incl_cut=0.75, pri_cut=0.7)["out"].tolist() == [0, 1, 0]
    rare = fuzzy_truth_table(small_cases(), ["A", "B"], "Y", incl_cut=0.75, n_cut=2)
    assert rare["out"].isna().tolist() == [True, True, False]
    full = fuzzy_truth_table(small_cases(), ["A", "B"], "Y", complete=True)
    assert len(full) == 4 and full.loc[1, "n"] == 0 and np.isnan(full.loc[1, "incl"]) and full.loc[1, "cases"] == ""
    # Rows below n_cut are remainders: with no negative row left, the parsimonious
    # solution is the whole space "1" (consistency = sum(Y) / cases = 2.2 / 4).
    result = fuzzy_minimise(rare, small_cases(), ["A", "B"], "Y", include="parsimonious")
    assert result.solutions["term"].tolist() == ["1"]
    assert result.solutions["consistency"].iloc[0] == pytest.approx(0.55)
    assert result.simplifying_assumptions[["configuration", "n"]].values.tolist() == [
        ["~A*~B", 1], ["~A*B", 0], ["A*~B", 1]]


def test_a_case_at_exactly_one_half_counts_in_inclusion_but_sits_on_no_corner():
    cases = small_cases().assign(B=[0.6, 0.5, 0.4, 0.9])
    tt = fuzzy_truth_table(cases, ["A", "B"], "Y")
    assert tt["n"].sum() == 3 and "b" not in ";".join(tt["cases"])
    # Corner A*B: memberships (0.6, 0.5, 0.2, 0.7) with Y (0.8, 0.9, 0.1, 0.4): incl = 1.6 / 2.0.
    assert tt.loc[(tt["A"] == 1) & (tt["B"] == 1), "incl"].iloc[0] == pytest.approx(0.8)


def test_the_outcome_can_be_negated():
    tt = fuzzy_truth_table(small_cases(), ["A", "B"], "~Y", incl_cut=0.75)
    assert tt["n_outcome"].tolist() == [1, 0, 1]
    # ~Y = (0.2, 0.1, 0.9, 0.6); A*~B = (0.4, 0.7, 0.2, 0.1) -> sum of minima 0.6 over 1.4
    assert tt["incl"].tolist() == pytest.approx([0.9 / 1.0, 0.6 / 1.4, 1.1 / 1.8])


def test_bad_input_and_parameters_are_clear_errors():
    cases = small_cases()
    with pytest.raises(InputError, match="between 0 and 1") as err:
        fuzzy_truth_table(cases.assign(B=[0.6, 1.3, 0.4, 0.9]), ["A", "B"], "Y")
    assert (err.value.row, err.value.column, err.value.value) == (3, "B", 1.3)
    with pytest.raises(InputError, match="has no 'C' column"):
        fuzzy_truth_table(cases, ["A", "C"], "Y")
    for kwargs, message in [({"incl_cut": 0}, "incl_cut"), ({"pri_cut": 1.5}, "pri_cut"), ({"n_cut": 0}, "n_cut")]:
        with pytest.raises(ParameterError, match=message):
            fuzzy_truth_table(cases, ["A", "B"], "Y", **kwargs)
    with pytest.raises(ParameterError, match="both a condition and the outcome"):
        fuzzy_truth_table(cases, ["A", "Y"], "Y")
    with pytest.raises(ParameterError, match="cannot be used"):
        fuzzy_truth_table(cases.rename(columns={"B": "out"}), ["A", "out"], "Y")
    tt = fuzzy_truth_table(cases, ["A", "B"], "Y")
    with pytest.raises(ParameterError, match="include"):
        fuzzy_minimise(tt, cases, ["A", "B"], "Y", include="all")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="needs directional_expectations"):
        fuzzy_minimise(tt, cases, ["A", "B"], "Y", include="intermediate")
    with pytest.raises(ParameterError, match=r"not in the analysis: \['C'\]"):
        fuzzy_minimise(tt, cases, ["A", "B"], "Y", include="intermediate", directional_expectations={"C": 1})
    with pytest.raises(ParameterError, match="1 \\(present\\) or 0 \\(absent\\)"):
        fuzzy_minimise(tt, cases, ["A", "B"], "Y", include="intermediate", directional_expectations={"A": 2})
    with pytest.raises(InputError, match="no configuration is positive"):
        fuzzy_minimise(fuzzy_truth_table(cases, ["A", "B"], "Y", incl_cut=1.0), cases, ["A", "B"], "Y")


def test_a_crisp_truth_table_from_qca_is_accepted_and_inputs_are_not_mutated():
    cases = cases_from_rows(LIPSET_ROWS, LIPSET, "SURV")
    before = cases.copy()
    crisp = truth_table(cases, LIPSET, "SURV", case="case")
    crisp_before = crisp.copy()
    result = fuzzy_minimise(crisp, cases, LIPSET, "SURV", include="parsimonious", case="case")
    assert result.solutions["term"].tolist() == ["DEV*STB"]
    pd.testing.assert_frame_equal(cases, before)
    pd.testing.assert_frame_equal(crisp, crisp_before)
