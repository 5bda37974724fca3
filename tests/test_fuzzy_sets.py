from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sparklearn.analysis.fuzzy_sets import (
    calibrate_fuzzy,
    calibrate_fuzzy_columns,
    check_anchors,
    memberships,
    set_membership,
)
from sparklearn.exceptions import InputError, MissingColumnsError, ParameterError

# GDP per capita (USD) of Lipset's 18 inter-war countries, in the order of the R
# package QCA's LR data (AU, BE, CZ, EE, FI, FR, DE, GR, HU, IE, IT, NL, PL, PT, RO, ES, SE, UK).
LIPSET_GDP = [720, 1098, 586, 468, 590, 983, 795, 390, 424, 662, 517, 1008, 350, 320, 331, 367, 897, 1038]


def test_direct_calibration_reproduces_the_published_lipset_memberships():
    """Thomann, Oana & Wittwer, "Performing fuzzy- and crisp-set QCA with R: a
    user-oriented beginner's guide" (version 07.03.2018), section 4.1.1, as run
    on the R package QCA's LR data in its RMarkdown version (RPubs 553549):
    ``round(calibrate(LR$DEV, type = "fuzzy", thresholds = "e=300, c=600, i=800",
    logistic = TRUE), 2)`` prints the memberships below for the raw GDP values above.
    """
    published = [0.85, 1.00, 0.47, 0.21, 0.48, 1.00, 0.95, 0.11, 0.15, 0.71, 0.31, 1.00, 0.08, 0.06, 0.07,
                 0.09, 0.99, 1.00]
    got = calibrate_fuzzy(pd.DataFrame({"DEV": LIPSET_GDP}), "DEV", (300, 600, 800))
    assert got.round(2).tolist() == published


def test_anchors_map_to_005_05_and_095_and_the_log_odds_are_linear_on_each_side():
    """Ragin (2008, *Redesigning Social Inquiry*, ch. 5), direct method: the anchors
    are log-odds -ln(19), 0 and +ln(19) (memberships 0.05, 0.5, 0.95); between
    them the log-odds are linear in the score, with a different slope on each
    side (income anchors 2,500 / 5,000 / 20,000 in Ragin's example). Checked by
    hand: halfway from the crossover to full membership the log-odds are ln(19)/2.
    """
    income = pd.DataFrame({"GNP": [2500, 5000, 20000, 12500, 3750, 100_000]})
    got = calibrate_fuzzy(income, "GNP", (2500, 5000, 20000)).to_numpy()
    half = np.sqrt(19) / (1 + np.sqrt(19))  # logistic(ln(19) / 2)
    assert got[:5] == pytest.approx([0.05, 0.5, 0.95, half, 1 - half])
    assert got[5] == pytest.approx(1 / (1 + 19 ** (-95_000 / 15_000)), abs=1e-12)
    # Ragin's own tables use 0.953 for full membership, i.e. log-odds of about 3
    # (as the QCA3 package documents for its directCalibration).
    ragin = calibrate_fuzzy(income, "GNP", (2500, 5000, 20000), full_membership=0.953).to_numpy()
    assert np.log(ragin[2] / (1 - ragin[2])) == pytest.approx(3.0, abs=0.02)


def test_decreasing_anchors_calibrate_a_set_whose_membership_falls_with_the_score():
    # Government stability from the number of cabinets: many cabinets, not stable.
    cabinets = pd.DataFrame({"STB": [5, 10, 20, 7.5, 30]})
    stable = calibrate_fuzzy(cabinets, "STB", (20, 10, 5)).to_numpy()
    assert stable[:3] == pytest.approx([0.95, 0.5, 0.05])
    rising = calibrate_fuzzy(cabinets.assign(STB=-cabinets["STB"]), "STB", (-20, -10, -5)).to_numpy()
    assert stable == pytest.approx(rising)


def test_a_case_at_the_crossover_is_exactly_half_in():
    assert calibrate_fuzzy(pd.DataFrame({"x": [600]}), "x", (300, 600, 800)).tolist() == [0.5]


@pytest.mark.parametrize(("anchors", "message"), [
    ((600, 300, 800), "run in one direction"),
    ((300, 300, 800), "no two equal"),
    ((300, 600), "three anchors"),
    ((300, "c", 800), "must be numbers"),
    ((300, np.inf, 800), "finite"),
])
def test_anchors_out_of_order_or_malformed_are_parameter_errors(anchors, message):
    with pytest.raises(ParameterError, match=message) as err:
        calibrate_fuzzy(pd.DataFrame({"GDP": [1.0]}), "GDP", anchors)
    assert "'GDP'" in str(err.value)


def test_full_membership_degree_must_lie_between_one_half_and_one():
    for bad in (0.5, 1.0, 0.3):
        with pytest.raises(ParameterError, match="full_membership"):
            calibrate_fuzzy(pd.DataFrame({"x": [1.0]}), "x", (0, 1, 2), full_membership=bad)


def test_a_raw_score_that_is_not_a_number_is_named_by_row_and_value():
    raw = pd.DataFrame({"GDP": ["720", "n/a", "900"], "source_file": "raw.xlsx", "source_row": [5, 6, 7]})
    with pytest.raises(InputError, match="not numbers") as err:
        calibrate_fuzzy(raw, "GDP", (300, 600, 800))
    assert (err.value.file, err.value.row, err.value.column, err.value.value) == ("raw.xlsx", 6, "GDP", "n/a")
    with pytest.raises(MissingColumnsError, match="'URB'"):
        calibrate_fuzzy(raw, "URB", (300, 600, 800))


def test_calibrate_columns_leaves_the_input_and_other_columns_alone():
    raw = pd.DataFrame({"case": ["AU", "BE"], "GDP": [720, 1098], "CAB": [13, 5]})
    before = raw.copy()
    out = calibrate_fuzzy_columns(raw, {"GDP": (300, 600, 800), "CAB": (20, 10, 5)})
    assert out["case"].tolist() == ["AU", "BE"]
    assert out["GDP"].tolist() == calibrate_fuzzy(raw, "GDP", (300, 600, 800)).tolist()
    assert out["CAB"].iloc[1] == pytest.approx(0.95)
    pd.testing.assert_frame_equal(raw, before)


def test_set_membership_is_min_for_and_max_for_or_and_one_minus_for_not():
    cases = pd.DataFrame({"A": [0.9, 0.3, 0.5], "B": [0.2, 0.6, 1.0], "C": [0.1, 0.7, 0.0]})
    assert set_membership(cases, "A*~B + C").tolist() == pytest.approx([0.8, 0.7, 0.0])
    assert set_membership(cases, "~A").tolist() == pytest.approx([0.1, 0.7, 0.5])
    assert set_membership(cases, "1").tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ParameterError, match="'D' in 'A\\*D' is not a condition"):
        set_membership(cases, "A*D", conditions=["A", "B"])
    with pytest.raises(ParameterError, match="empty term"):
        set_membership(cases, "A + ")


def test_memberships_outside_zero_one_are_named_by_row():
    with pytest.raises(InputError, match="between 0 and 1") as err:
        memberships(pd.DataFrame({"DEV": [0.2, 1.2]}), "DEV")
    assert (err.value.row, err.value.value) == (3, 1.2)
    assert "calibrate_fuzzy" in err.value.fix
    assert check_anchors([1, 2, 3]).crossover == 2.0 and str(check_anchors([1, 2, 3])) == "1/2/3"
