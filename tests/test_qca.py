from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest

from sparklearn.analysis import qca
from sparklearn.analysis.qca import (
    calibrate_crisp,
    calibrate_crisp_columns,
    minimise,
    truth_table,
)
from sparklearn.exceptions import InputError, ParameterError

# Lipset's indicators for the survival of democracy in inter-war Europe, crisp
# version (DEV, URB, LIT, IND, STB; outcome SURV), 18 cases.
LIPSET = pd.DataFrame.from_dict({
    "AU": (1, 0, 1, 1, 0, 0), "BE": (1, 1, 1, 1, 1, 1), "CZ": (1, 1, 1, 1, 1, 1),
    "EE": (0, 0, 1, 0, 1, 0), "FI": (1, 0, 1, 0, 1, 1), "FR": (1, 0, 1, 1, 1, 1),
    "DE": (1, 1, 1, 1, 0, 0), "GR": (0, 0, 0, 0, 0, 0), "HU": (0, 0, 1, 0, 0, 0),
    "IE": (1, 0, 1, 0, 1, 1), "IT": (0, 0, 0, 0, 1, 0), "NL": (1, 1, 1, 1, 1, 1),
    "PL": (0, 0, 1, 0, 0, 0), "PT": (0, 0, 0, 0, 0, 0), "RO": (0, 0, 0, 0, 1, 0),
    "ES": (0, 0, 0, 0, 0, 0), "SE": (1, 0, 1, 1, 1, 1), "UK": (1, 1, 1, 1, 1, 1),
}, orient="index", columns=["DEV", "URB", "LIT", "IND", "STB", "SURV"]).rename_axis("country").reset_index()
LIPSET_CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]


def configuration_number(table: pd.DataFrame, conditions: list[str]) -> list[int]:
    """QCA software's row number: the configuration read as binary, plus one."""
    return (table[conditions].to_numpy() @ (1 << np.arange(len(conditions) - 1, -1, -1)) + 1).tolist()


def one_case_per_configuration(outcome_of: dict[tuple[int, ...], int], conditions: list[str]) -> pd.DataFrame:
    rows = [(*config, y) for config, y in outcome_of.items()]
    return pd.DataFrame(rows, columns=[*conditions, "Y"])


# --------------------------------------------------------------------------- published examples


def test_ragin_1987_strikes_solution_is_ac_plus_bc():
    """Ragin (1987), *The Comparative Method*, ch. 6 ("A Boolean approach to
    qualitative comparison"): hypothetical truth table of successful strikes with
    A = booming product market, B = threat of sympathy strikes, C = large strike
    fund. Positive rows AbC, aBc, ABc, ABC; negative Abc, abC, aBC, abc. The prime
    implicants are AC, AB and Bc; AB is redundant, so the published minimal
    solution is S = AC + Bc ("A*C + B*~C" here). The book also gives the number of
    strikes per row; the solution depends only on which rows are positive, so one
    case per row is used.
    """
    strikes = one_case_per_configuration({
        (1, 0, 1): 1, (0, 1, 0): 1, (1, 1, 0): 1, (1, 1, 1): 1,
        (1, 0, 0): 0, (0, 0, 1): 0, (0, 1, 1): 0, (0, 0, 0): 0,
    }, ["A", "B", "C"])
    tt = truth_table(strikes, ["A", "B", "C"], "Y")
    for include in ("complex", "parsimonious"):  # all eight rows observed: no remainders
        result = minimise(tt, ["A", "B", "C"], include=include)
        assert result.solutions["expression"].unique().tolist() == ["A*C + B*~C"]
        assert result.simplifying_assumptions.empty


def test_lipset_crisp_set_truth_table_and_solutions_match_published_values():
    """Lipset's (1959) data as calibrated to crisp sets in Rihoux & De Meur (2009),
    "Crisp-set qualitative comparative analysis (csQCA)", ch. 3 of Rihoux & Ragin
    (eds.), *Configurational Comparative Methods*, SAGE; the same data is ``LC`` in
    the R package QCA (Dusa; see Dusa 2019, *QCA with R*, Springer). The expected
    numbers are those printed by QCA::truthTable and QCA::minimize for ``LC``, as
    recorded in that package's tests (tests/testthat/_snaps/minimize.md):
    complex  DEV*~URB*LIT*STB + DEV*LIT*IND*STB (covS .50/.75, covU .25/.50),
    parsimonious DEV*STB with simplifying assumptions rows 18, 20, 26, 28, 30.
    """
    tt = truth_table(LIPSET, LIPSET_CONDITIONS, "SURV", case="country")
    published = {  # QCA row: (OUT, n, cases)
        32: (1, 4, "BE;CZ;NL;UK"), 22: (1, 2, "FI;IE"), 24: (1, 2, "FR;SE"), 1: (0, 3, "GR;PT;ES"),
        2: (0, 2, "IT;RO"), 5: (0, 2, "HU;PL"), 6: (0, 1, "EE"), 23: (0, 1, "AU"), 31: (0, 1, "DE"),
    }
    got = dict(zip(configuration_number(tt, LIPSET_CONDITIONS), zip(tt["out"], tt["n"], tt["cases"])))
    assert got == published
    assert tt["incl"].tolist() == tt["out"].astype(float).tolist()  # every row fully consistent
    assert not tt["contradictory"].any()

    complex_ = minimise(tt, LIPSET_CONDITIONS, include="complex")
    s = complex_.solutions
    assert s["expression"].unique().tolist() == ["DEV*~URB*LIT*STB + DEV*LIT*IND*STB"]
    assert s["term"].tolist() == ["DEV*~URB*LIT*STB", "DEV*LIT*IND*STB"]
    assert s["consistency"].tolist() == [1.0, 1.0]
    assert s["raw_coverage"].tolist() == [0.5, 0.75]
    assert s["unique_coverage"].tolist() == [0.25, 0.5]
    assert s["cases"].tolist() == ["FI;IE;FR;SE", "FR;SE;BE;CZ;NL;UK"]
    assert s[["solution_consistency", "solution_coverage"]].drop_duplicates().values.tolist() == [[1.0, 1.0]]
    assert complex_.simplifying_assumptions.empty

    parsimonious = minimise(tt, LIPSET_CONDITIONS, include="parsimonious")
    assert parsimonious.solutions[["expression", "raw_coverage", "solution_coverage"]].values.tolist() == [
        ["DEV*STB", 1.0, 1.0]]
    sa = parsimonious.simplifying_assumptions
    assert configuration_number(sa, LIPSET_CONDITIONS) == [18, 20, 26, 28, 30]
    assert sa["configuration"].iloc[0] == "DEV*~URB*~LIT*~IND*STB"
    assert sa["n"].tolist() == [0] * 5 and sa["solution"].tolist() == [1] * 5


def test_lipset_breakdown_of_democracy_matches_published_values():
    """Same source as above, for the outcome's absence (QCA: outcome "~SURV"):
    complex ~DEV*~URB*~IND + DEV*LIT*IND*~STB; parsimonious ~DEV + ~STB with
    covS 0.8/0.7 and covU 0.3/0.2.
    """
    tt = truth_table(LIPSET, LIPSET_CONDITIONS, "~SURV", case="country")
    complex_ = minimise(tt, LIPSET_CONDITIONS).solutions
    assert complex_["term"].tolist() == ["~DEV*~URB*~IND", "DEV*LIT*IND*~STB"]
    assert complex_["raw_coverage"].tolist() == [0.8, 0.2]
    parsimonious = minimise(tt, LIPSET_CONDITIONS, include="parsimonious").solutions
    assert parsimonious["expression"].iloc[0] == "~DEV + ~STB"
    assert parsimonious["raw_coverage"].tolist() == [0.8, 0.7]
    assert parsimonious["unique_coverage"].tolist() == pytest.approx([0.3, 0.2])
    assert parsimonious["cases"].iloc[1] == "GR;PT;ES;HU;PL;AU;DE"


# --------------------------------------------------------------------------- hand-computed fixtures


def small_cases() -> pd.DataFrame:
    """Configurations 11 (3 with Y, 1 without), 10 (2 with Y), 01 (2 without), 00 (1 and 1)."""
    return pd.DataFrame({
        "case": list("abcdefghij"),
        "A": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "B": [1, 1, 1, 1, 0, 0, 1, 1, 0, 0],
        "Y": [1, 1, 1, 0, 1, 1, 0, 0, 0, 1],
    })


def test_truth_table_counts_consistency_and_contradictions():
    tt = truth_table(small_cases(), ["A", "B"], "Y", case="case", incl_cut=0.75)
    assert list(tt.columns) == ["A", "B", *qca.TRUTH_TABLE_COLUMNS]
    assert tt[["A", "B", "n", "n_outcome"]].values.tolist() == [[0, 0, 2, 1], [0, 1, 2, 0], [1, 0, 2, 2], [1, 1, 4, 3]]
    assert tt["incl"].tolist() == [0.5, 0.0, 1.0, 0.75]
    assert tt["out"].tolist() == [0, 0, 1, 1]  # 0.75 >= incl_cut counts as positive
    assert tt["contradictory"].tolist() == [True, False, False, True]
    assert tt["cases"].tolist() == ["i;j", "g;h", "e;f", "a;b;c;d"]
    assert truth_table(small_cases(), ["A", "B"], "Y", incl_cut=0.8)["out"].tolist() == [0, 0, 1, 0]


def test_consistency_and_coverage_by_hand():
    tt = truth_table(small_cases(), ["A", "B"], "Y", case="case", incl_cut=0.75)
    s = minimise(tt, ["A", "B"]).solutions
    # X = A: cases a-f (6), X∩Y = a,b,c,e,f (5); Y = a,b,c,e,f,j (6).
    assert s["term"].tolist() == ["A"]
    assert s["consistency"].iloc[0] == pytest.approx(5 / 6)
    assert s["raw_coverage"].iloc[0] == pytest.approx(5 / 6)
    assert s["unique_coverage"].iloc[0] == pytest.approx(5 / 6)
    assert s["solution_consistency"].iloc[0] == pytest.approx(5 / 6)
    assert s["cases"].iloc[0] == "e;f;a;b;c;d"
    assert list(s.columns) == qca.SOLUTION_COLUMNS


def test_remainders_make_complex_and_parsimonious_differ_and_are_listed():
    # Positive 111, 110; negative 000, 001, 010; remainders 011, 100, 101 (never observed).
    cases = one_case_per_configuration({(1, 1, 1): 1, (1, 1, 0): 1, (0, 0, 0): 0, (0, 0, 1): 0, (0, 1, 0): 0},
                                       ["A", "B", "C"])
    tt = truth_table(cases, ["A", "B", "C"], "Y")
    assert minimise(tt, ["A", "B", "C"]).solutions["expression"].tolist() == ["A*B"]
    parsimonious = minimise(tt, ["A", "B", "C"], include="parsimonious")
    assert parsimonious.solutions["expression"].tolist() == ["A"]
    assert parsimonious.simplifying_assumptions["configuration"].tolist() == ["A*~B*~C", "A*~B*C"]
    # complete=True lists the same remainders in the truth table itself.
    full = truth_table(cases, ["A", "B", "C"], "Y", complete=True)
    remainders = full.loc[full["n"] == 0]
    assert len(full) == 8 and configuration_number(remainders, ["A", "B", "C"]) == [4, 5, 6]
    assert remainders["out"].isna().all() and remainders["incl"].isna().all()
    assert remainders["cases"].tolist() == ["", "", ""]
    assert minimise(full, ["A", "B", "C"], include="parsimonious").solutions.equals(parsimonious.solutions)


def test_rare_configurations_below_n_cut_are_remainders_with_their_cases_counted():
    cases = one_case_per_configuration({(1, 1): 1, (1, 0): 1, (0, 0): 0}, ["A", "B"])
    cases = pd.concat([cases, cases.iloc[[0, 2]]], ignore_index=True)  # 11 and 00 twice, 10 once
    tt = truth_table(cases, ["A", "B"], "Y", n_cut=2)
    assert tt["out"].isna().tolist() == [False, True, False]
    assert minimise(tt, ["A", "B"]).solutions["expression"].tolist() == ["A*B"]
    # Remainders 10 (one case, below n_cut) and 01 (none): A or B each cover 11.
    parsimonious = minimise(tt, ["A", "B"], include="parsimonious")
    s = parsimonious.solutions
    assert s[["solution", "term", "consistency"]].values.tolist() == [[1, "A", 1.0], [2, "B", 1.0]]
    # The rare case still counts: A holds all 3 cases with the outcome, B the 2 in 11.
    assert s["raw_coverage"].tolist() == pytest.approx([1.0, 2 / 3])
    sa = parsimonious.simplifying_assumptions
    assert sa[["solution", "configuration", "n"]].values.tolist() == [[1, "A*~B", 1], [2, "~A*B", 0]]


def test_two_equally_minimal_solutions_are_both_returned():
    # The cyclic function m(0,1,2,5,6,7): two covers of three terms each.
    positive = {0, 1, 2, 5, 6, 7}
    cases = one_case_per_configuration(
        {tuple((m >> s) & 1 for s in (2, 1, 0)): int(m in positive) for m in range(8)}, ["A", "B", "C"])
    s = minimise(truth_table(cases, ["A", "B", "C"], "Y"), ["A", "B", "C"]).solutions
    models = {frozenset(g["term"]) for _, g in s.groupby("solution")}
    assert models == {frozenset({"~A*~B", "B*~C", "A*C"}), frozenset({"~A*~C", "~B*C", "A*B"})}
    assert s["solution"].tolist() == [1, 1, 1, 2, 2, 2]
    assert s["raw_coverage"].tolist() == pytest.approx([1 / 3] * 6)
    assert s["unique_coverage"].tolist() == pytest.approx([1 / 3] * 6)
    with pytest.raises(InputError, match="more than 1 complex solutions") as err:
        minimise(truth_table(cases, ["A", "B", "C"], "Y"), ["A", "B", "C"], max_solutions=1)
    assert "fewer conditions" in err.value.fix


# --------------------------------------------------------------------------- independent check


def brute_force_solutions(status: dict[int, str], k: int, include: str) -> set[frozenset[str]]:
    """Every minimal sum of prime implicants, by enumerating all 3**k cubes naively."""
    positive = {m for m, s in status.items() if s == "pos"}
    allowed = positive | ({m for m, s in status.items() if s == "rem"} if include == "parsimonious" else set())
    names = [f"X{i}" for i in range(k)]
    cubes = {}
    for digits in product((0, 1, 2), repeat=k):
        members = frozenset(m for m in range(2**k)
                            if all(d == 2 or (m >> (k - 1 - i)) & 1 == d for i, d in enumerate(digits)))
        if members <= allowed and members & positive:
            cubes[digits] = members
    primes = {d: m for d, m in cubes.items() if not any(m < other for other in cubes.values())}
    text = {d: "*".join(n if v else f"~{n}" for n, v in zip(names, d) if v != 2) or "1" for d in primes}
    for size in range(1, len(primes) + 1):
        found = {frozenset(text[d] for d in combo) for combo in combinations(primes, size)
                 if positive <= frozenset().union(*(primes[d] for d in combo))}
        if found:
            return found
    raise AssertionError("no cover")


@pytest.mark.parametrize("seed", range(40))
def test_minimise_matches_a_brute_force_enumeration(seed):
    rng = np.random.default_rng(seed)
    k = 3 if seed < 10 else 4
    status = {m: s for m, s in enumerate(rng.choice(["pos", "neg", "rem"], size=2**k, p=[0.4, 0.35, 0.25]))}
    if "pos" not in status.values():
        status[0] = "pos"
    names = [f"X{i}" for i in range(k)]
    cases = one_case_per_configuration(
        {tuple((m >> (k - 1 - i)) & 1 for i in range(k)): int(s == "pos") for m, s in status.items() if s != "rem"},
        names)
    tt = truth_table(cases, names, "Y")
    for include in ("complex", "parsimonious"):
        s = minimise(tt, names, include=include, max_solutions=10_000).solutions
        assert {frozenset(g["term"]) for _, g in s.groupby("solution")} == brute_force_solutions(status, k, include)


@pytest.mark.parametrize("seed", range(15))
def test_the_fallback_for_large_charts_finds_the_same_covers(seed):
    # _exact_covers switches to HiGHS and swaps when branch and bound exceeds its
    # node budget; quick_budget=1 forces that path on small random charts.
    rng = np.random.default_rng(seed)
    chart = rng.random((12, 25)) < 0.3
    chart[rng.integers(0, 12, size=25), np.arange(25)] = True
    chart = chart[chart.any(axis=1)]
    exact = qca._branch_and_bound(chart, 10_000, budget=10**9)
    for limit in (3, 10_000):
        fallback = qca._exact_covers(chart, limit, quick_budget=1, proof_budget=10**9)
        if len(exact) > limit:
            assert len(fallback) > limit and {len(c) for c in fallback} == {len(exact[0])}
            assert all(chart[:, list(c)].any(axis=1).all() for c in fallback)
        else:
            assert sorted(map(sorted, fallback)) == sorted(map(sorted, exact))


def test_a_chart_too_large_to_prove_is_an_error_not_a_hang():
    rng = np.random.default_rng(3)  # 11 minimum covers: the swaps alone cannot settle it
    chart = rng.random((12, 25)) < 0.3
    chart[rng.integers(0, 12, size=25), np.arange(25)] = True
    with pytest.raises(InputError, match="too large to list every minimal solution") as err:
        qca._exact_covers(chart, 100, quick_budget=1, proof_budget=1)
    assert "fewer conditions" in err.value.fix


# --------------------------------------------------------------------------- calibration


def test_calibrate_crisp_thresholds_are_inclusive_above_and_exclusive_below():
    raw = pd.DataFrame({"gdp": [549.9, 550, 1098], "cabinets": [10, 9, 25]})
    assert calibrate_crisp(raw, "gdp", 550).tolist() == [0, 1, 1]
    assert calibrate_crisp(raw, "cabinets", 10, above=False).tolist() == [0, 1, 0]
    out = calibrate_crisp_columns(raw, {"gdp": 550, "cabinets": 10}, below=["cabinets"])
    assert out.to_dict("list") == {"gdp": [0, 1, 1], "cabinets": [0, 1, 0]}
    assert raw["gdp"].tolist() == [549.9, 550, 1098]  # input untouched


def test_calibrate_crisp_names_the_row_of_a_bad_score():
    raw = pd.DataFrame({"gdp": ["720", "n/a", ""], "source_file": "raw.csv", "source_row": [3, 4, 5]})
    with pytest.raises(InputError, match="2 row") as err:
        calibrate_crisp(raw, "gdp", 550)
    assert (err.value.file, err.value.row, err.value.column, err.value.value) == ("raw.csv", 4, "gdp", "n/a")
    with pytest.raises(ParameterError, match="without a threshold"):
        calibrate_crisp_columns(raw, {"gdp": 550}, below=["cabinets"])


# --------------------------------------------------------------------------- bad input


def test_non_crisp_values_are_named_with_row_column_value_and_fix():
    cases = small_cases().astype({"B": object})
    cases.loc[2, "B"] = 2
    with pytest.raises(InputError) as err:
        truth_table(cases, ["A", "B"], "Y")
    assert (err.value.row, err.value.column, err.value.value) == (4, "B", 2)
    assert "calibrate_crisp" in err.value.fix
    cases.loc[2, "B"] = np.nan
    with pytest.raises(InputError, match="only 0 or 1"):
        truth_table(cases, ["A", "B"], "Y")


def test_missing_column_and_bad_parameters_are_clear_errors():
    cases = small_cases()
    with pytest.raises(InputError, match="condition table has no 'C' column") as err:
        truth_table(cases, ["A", "C"], "Y")
    assert "A, B" in err.value.fix
    with pytest.raises(InputError, match="has no 'name' column"):
        truth_table(cases, ["A", "B"], "Y", case="name")
    for kwargs, message in [({"incl_cut": 0}, "incl_cut"), ({"n_cut": 0}, "n_cut")]:
        with pytest.raises(ParameterError, match=message):
            truth_table(cases, ["A", "B"], "Y", **kwargs)
    with pytest.raises(ParameterError, match="twice"):
        truth_table(cases, ["A", "A"], "Y")
    with pytest.raises(ParameterError, match="both a condition and the outcome"):
        truth_table(cases, ["A", "Y"], "Y")
    with pytest.raises(ParameterError, match="cannot be used"):
        truth_table(cases.rename(columns={"B": "n"}), ["A", "n"], "Y")
    tt = truth_table(cases, ["A", "B"], "Y")
    with pytest.raises(ParameterError, match="include"):
        minimise(tt, ["A", "B"], include="intermediate")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="configuration twice"):
        minimise(tt, ["A"])


def test_no_positive_configuration_is_an_input_error_with_a_fix():
    tt = truth_table(small_cases(), ["A", "B"], "Y", incl_cut=1.0)
    tt = tt.assign(out=tt["out"].where(tt["n_outcome"] == 0, 0))
    with pytest.raises(InputError, match="no configuration is positive") as err:
        minimise(tt, ["A", "B"])
    assert "incl_cut" in err.value.fix


def test_inputs_are_not_mutated():
    cases, before = small_cases(), small_cases()
    tt = truth_table(cases, ["A", "B"], "Y", case="case")
    tt_before = tt.copy()
    minimise(tt, ["A", "B"], include="parsimonious")
    pd.testing.assert_frame_equal(cases, before)
    pd.testing.assert_frame_equal(tt, tt_before)


def test_every_prime_implicant_is_listed_and_row_dominance_removes_the_dominated_ones():
    """Cebotari & Vink (2013), QCA's ``CVF`` at incl.cut = 0.8: positive rows 5, 15,
    16, 24, 27, 29, 30, 31, 32 and negative rows 2, 6, 8, 10, 14, 20, 22, 28
    (QCA's tests/testthat/_snaps/truthTable.md). Published in _snaps/minimize.md:
    four parsimonious models over a PI chart of six primes, two of which
    (~DEMOC*ETHFRACT*POLDIS, DEMOC*ETHFRACT*~POLDIS) no model needs once
    ``row.dom = TRUE`` drops them, leaving one model."""
    names = ["DEMOC", "ETHFRACT", "GEOCON", "POLDIS", "NATPRIDE"]
    outcome_of = {tuple(((row - 1) >> (4 - i)) & 1 for i in range(5)): y
                  for rows, y in (([5, 15, 16, 24, 27, 29, 30, 31, 32], 1), ([2, 6, 8, 10, 14, 20, 22, 28], 0))
                  for row in rows}
    tt = truth_table(one_case_per_configuration(outcome_of, names), names, "Y")
    plain = minimise(tt, names, include="parsimonious")
    assert plain.solutions["solution"].max() == 4
    primes = plain.prime_implicants.set_index("term")
    assert len(primes) == 6 and not primes["dominated"].any()
    assert primes.loc["~NATPRIDE", "solutions"] == "1;2;3;4"
    assert primes.loc["DEMOC*GEOCON*POLDIS", "configurations"].split(";") == [
        "DEMOC*~ETHFRACT*GEOCON*POLDIS*NATPRIDE", "DEMOC*ETHFRACT*GEOCON*POLDIS*~NATPRIDE",
        "DEMOC*ETHFRACT*GEOCON*POLDIS*NATPRIDE"]
    reduced = minimise(tt, names, include="parsimonious", row_dominance=True)
    assert reduced.solutions["expression"].unique().tolist() == [
        "~NATPRIDE + DEMOC*ETHFRACT*GEOCON + DEMOC*GEOCON*POLDIS + ETHFRACT*GEOCON*POLDIS"]
    dropped = reduced.prime_implicants.set_index("term")["dominated"]
    assert dropped[dropped].index.tolist() == ["~DEMOC*ETHFRACT*POLDIS", "DEMOC*ETHFRACT*~POLDIS"]
    # Without remainders to choose among, row dominance changes nothing.
    assert minimise(tt, names, row_dominance=True).solutions.equals(minimise(tt, names).solutions)
