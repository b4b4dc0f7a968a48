"""Risk assessment: LEC bands at every edge, the matrix cell by cell, inputs refused by name, results as JSON.

Plain functions: no database, no Django.
"""

import itertools
import json
from dataclasses import FrozenInstanceError
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.rules.risk import (
    COLOURS,
    RISK_LEVEL_NAMES,
    Assessment,
    factor_values,
    lec,
    lec_band,
    load_bands,
    load_factors,
    load_matrix,
    matrix,
)

PROPERTY = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
L_VALUES = factor_values("L")
E_VALUES = factor_values("E")
C_VALUES = factor_values("C")
CELLS = load_matrix()


def severity(colour):
    return COLOURS.index(colour)


# --- The tables are the ones DOMAIN.md section 6 gives -------------------------------------------------------


def test_the_factor_tables_are_the_standard_lec_values():
    assert factor_values("L") == tuple(Decimal(v) for v in ("10", "6", "3", "1", "0.5", "0.2", "0.1"))
    assert factor_values("E") == tuple(Decimal(v) for v in ("10", "6", "3", "2", "1", "0.5"))
    assert factor_values("C") == tuple(Decimal(v) for v in ("100", "40", "15", "7", "3", "1"))


def test_every_factor_value_has_a_meaning_and_a_source():
    for value in load_factors():
        assert value.meaning and value.source and value.mark in {"V", "S", "M"}


# --- Band edges: D > 320 extreme, 160–320 high, 70–160 significant, 20–70 general, < 20 low ------------------


@pytest.mark.parametrize(
    ("score", "band", "colour"),
    [
        ("10000", "extreme", "red"),
        ("320.01", "extreme", "red"),
        ("320", "high", "orange"),  # "D > 320": 320 itself is not extreme
        ("160", "high", "orange"),  # 以上含本数
        ("159.99", "significant", "yellow"),
        ("70", "significant", "yellow"),
        ("69.99", "general", "blue"),
        ("20", "general", "blue"),  # "< 20 low": 20 itself is not low
        ("19.99", "low", "blue"),
        ("0", "low", "blue"),
    ],
)
def test_a_d_value_falls_in_the_band_domain_md_gives_at_each_edge(score, band, colour):
    found = lec_band(Decimal(score))
    assert (found.band, found.colour) == (band, colour)


def test_both_general_and_low_danger_are_blue_but_keep_their_own_band():
    general, low = lec(0.5, 1, 40), lec(0.1, 0.5, 1)
    assert general.colour == low.colour == "blue"
    assert general.level_name == low.level_name == "低风险"
    assert (general.band, low.band) == ("general", "low")
    assert general.band_name.startswith("一般危险") and low.band_name.startswith("稍有危险")


@pytest.mark.parametrize(
    ("l_value", "e_value", "c_value", "score", "band", "colour"),
    [
        (0.5, 1, 40, "20", "general", "blue"),  # the lowest edge that products can reach
        (1, 2, 7, "14", "low", "blue"),
        (1, 10, 7, "70", "significant", "yellow"),  # the 70 edge
        (3, 6, 3, "54", "general", "blue"),
        (3, 6, 7, "126", "significant", "yellow"),
        (6, 6, 7, "252", "high", "orange"),
        (3, 6, 15, "270", "high", "orange"),
        (10, 6, 7, "420", "extreme", "red"),
        (10, 10, 100, "10000", "extreme", "red"),
        (0.1, 0.5, 1, "0.05", "low", "blue"),
    ],
)
def test_literal_assessments(l_value, e_value, c_value, score, band, colour):
    result = lec(l_value, e_value, c_value)
    assert result.score == Decimal(score)
    assert (result.band, result.colour, result.method) == (band, colour, "lec")
    assert result.level_name == RISK_LEVEL_NAMES[colour]


def test_no_product_of_the_tables_lands_exactly_on_160_or_320():
    products = {lv * ev * cv for lv, ev, cv in itertools.product(L_VALUES, E_VALUES, C_VALUES)}
    assert Decimal(160) not in products and Decimal(320) not in products
    assert Decimal(20) in products and Decimal(70) in products


def test_every_combination_of_the_tables_gets_d_and_the_band_of_d():
    for lv, ev, cv in itertools.product(L_VALUES, E_VALUES, C_VALUES):
        result = lec(lv, ev, cv)
        assert result.score == lv * ev * cv
        assert result.band == lec_band(lv * ev * cv).band
        assert dict(result.inputs) == {"likelihood": lv, "exposure": ev, "consequence": cv}


factor = st.sampled_from


@PROPERTY
@given(factor(L_VALUES), factor(E_VALUES), factor(C_VALUES), st.sampled_from("LEC"))
def test_raising_any_factor_never_gives_a_milder_colour(lv, ev, cv, which):
    before = lec(lv, ev, cv)
    values = {"L": L_VALUES, "E": E_VALUES, "C": C_VALUES}[which]
    current = {"L": lv, "E": ev, "C": cv}[which]
    for higher in (v for v in values if v > current):
        args = {"L": lv, "E": ev, "C": cv, which: higher}
        after = lec(args["L"], args["E"], args["C"])
        assert severity(after.colour) >= severity(before.colour)


# --- Inputs ----------------------------------------------------------------------------------------------------


def test_inputs_may_be_ints_floats_decimals_or_strings_and_are_kept_as_the_table_value():
    a = lec(0.5, "6", Decimal("7.0"))
    b = lec("0.50", 6, 7)
    assert a == b
    assert a.as_dict()["inputs"] == {"likelihood": "0.5", "exposure": "6", "consequence": "7"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2, 6, 7), r"likelihood \(L\) must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1, not 2"),
        ((3, 4, 7), r"exposure \(E\) must be one of 10, 6, 3, 2, 1, 0.5, not 4"),
        ((3, 6, 10), r"consequence \(C\) must be one of 100, 40, 15, 7, 3, 1, not 10"),
        ((3, 6, "seven"), r"consequence \(C\) must be a number, not 'seven'"),
        ((float("nan"), 6, 7), r"likelihood \(L\) must be a finite number"),
        ((0, 6, 7), r"likelihood \(L\) must be one of"),
    ],
)
def test_a_value_not_in_its_table_is_refused_with_the_name_of_the_input(args, message):
    with pytest.raises(ValueError, match=message):
        lec(*args)


def test_a_bool_or_none_is_not_a_factor_value():
    with pytest.raises(TypeError, match=r"exposure \(E\) must be a number, not bool"):
        lec(3, True, 7)
    with pytest.raises(TypeError, match=r"likelihood \(L\) must be a number, not NoneType"):
        lec(None, 6, 7)


# --- Results as JSON -------------------------------------------------------------------------------------------


@PROPERTY
@given(factor(L_VALUES), factor(E_VALUES), factor(C_VALUES))
def test_a_result_survives_json_and_back(lv, ev, cv):
    result = lec(lv, ev, cv)
    stored = json.loads(json.dumps(result.as_dict(), ensure_ascii=False))
    assert Assessment.from_dict(stored) == result


def test_a_result_is_frozen_and_names_its_method_and_source():
    result = lec(3, 6, 7)
    with pytest.raises(FrozenInstanceError):
        result.colour = "red"
    assert "LEC" in result.source and "70" in result.source
    assert result.as_dict()["score"] == "126"


def test_a_stored_result_with_inputs_not_a_mapping_is_refused():
    data = lec(3, 6, 7).as_dict()
    data["inputs"] = ["3", "6", "7"]
    with pytest.raises(ValueError, match="inputs must be a mapping"):
        Assessment.from_dict(data)


# --- The matrix -------------------------------------------------------------------------------------------------


def test_the_default_matrix_is_five_by_five_with_every_cell_sourced():
    assert len(CELLS) == 25
    assert {(c.likelihood, c.severity) for c in CELLS} == set(itertools.product(range(1, 6), repeat=2))
    assert all(c.source and c.mark in {"V", "S", "M"} for c in CELLS)


@pytest.mark.parametrize(
    ("likelihood", "sev", "colour"),
    [
        (1, 1, "blue"),
        (2, 4, "blue"),  # 8
        (3, 3, "yellow"),  # 9
        (2, 5, "yellow"),  # 10
        (3, 4, "yellow"),  # 12
        (3, 5, "orange"),  # 15
        (4, 4, "orange"),  # 16
        (4, 5, "red"),  # 20
        (5, 5, "red"),  # 25
    ],
)
def test_the_matrix_gives_the_colour_of_the_product_band(likelihood, sev, colour):
    result = matrix(likelihood, sev)
    assert (result.colour, result.score, result.method) == (colour, Decimal(likelihood * sev), "matrix")
    assert result.band == colour and result.band_name == RISK_LEVEL_NAMES[colour]
    assert dict(result.inputs) == {"likelihood": likelihood, "severity": sev}


@PROPERTY
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 4), st.integers(0, 4))
def test_a_cell_up_or_right_of_another_is_never_milder(likelihood, sev, more_l, more_s):
    higher = matrix(min(5, likelihood + more_l), min(5, sev + more_s))
    assert severity(higher.colour) >= severity(matrix(likelihood, sev).colour)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0, 3), ValueError, "likelihood must be a whole number from 1 to 5, not 0"),
        ((3, 6), ValueError, "severity must be a whole number from 1 to 5, not 6"),
        ((2.5, 3), TypeError, "likelihood must be a whole number, not float"),
        ((3, True), TypeError, "severity must be a whole number, not bool"),
    ],
)
def test_the_matrix_refuses_values_off_the_grid_by_name(args, error, message):
    with pytest.raises(error, match=message):
        matrix(*args)


def test_a_city_may_use_its_own_matrix(tmp_path):
    path = tmp_path / "m.csv"
    rows = ["likelihood,severity,colour,source,mark"]
    rows += [
        f"{lv},{sv},{'red' if lv * sv >= 4 else 'blue'},local rule,M" for lv in (1, 2) for sv in (1, 2, 3)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cells = load_matrix(path)
    assert matrix(2, 2, cells=cells).colour == "red"
    with pytest.raises(ValueError, match="likelihood must be a whole number from 1 to 2, not 3"):
        matrix(3, 1, cells=cells)


# --- Broken tables are refused with file and line ---------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_matrix_with_a_missing_or_milder_cell_is_refused(tmp_path):
    head = "likelihood,severity,colour,source,mark\n"
    missing = write(tmp_path, "a.csv", head + "1,1,blue,s,M\n2,2,red,s,M\n")
    with pytest.raises(ValueError, match="cell likelihood 1 × severity 2 is missing"):
        load_matrix(missing)
    milder = write(tmp_path, "b.csv", head + "1,1,red,s,M\n1,2,blue,s,M\n")
    with pytest.raises(ValueError, match=r"cell 1 × 2 \(blue\) is milder than cell 1 × 1 \(red\)"):
        load_matrix(milder)
    colour = write(tmp_path, "c.csv", head + "1,1,green,s,M\n")
    with pytest.raises(
        ValueError, match="line 2: colour must be one of blue, yellow, orange, red, not 'green'"
    ):
        load_matrix(colour)
    repeated = write(tmp_path, "d.csv", head + "1,1,blue,s,M\n1,1,blue,s,M\n")
    with pytest.raises(ValueError, match="line 3: cell likelihood 1 × severity 1 repeats"):
        load_matrix(repeated)


def test_bands_out_of_order_or_without_a_floor_are_refused(tmp_path):
    head = "band,name,colour,minimum,inclusive,source,mark\n"
    rising = write(tmp_path, "a.csv", head + "a,A,red,10,yes,s,S\nb,B,blue,20,yes,s,S\n")
    with pytest.raises(ValueError, match="line 3: minimum 20 must be below the band above"):
        load_bands(rising)
    no_floor = write(tmp_path, "b.csv", head + "a,A,red,10,yes,s,S\n")
    with pytest.raises(ValueError, match="the last band must start at 0"):
        load_bands(no_floor)
    inverted = write(tmp_path, "c.csv", head + "a,A,blue,10,yes,s,S\nb,B,red,0,yes,s,S\n")
    with pytest.raises(ValueError, match="line 3: colour red is more severe than the band above"):
        load_bands(inverted)
    unsourced = write(tmp_path, "d.csv", head + "a,A,red,0,yes,,S\n")
    with pytest.raises(ValueError, match="line 2: source is empty"):
        load_bands(unsourced)


def test_factor_tables_with_unknown_factors_or_gaps_are_refused(tmp_path):
    head = "factor,value,meaning,source,mark\n"
    with pytest.raises(ValueError, match="line 2: factor must be L, E or C, not 'X'"):
        load_factors(write(tmp_path, "a.csv", head + "X,1,m,s,S\n"))
    with pytest.raises(ValueError, match="no values for E, C"):
        load_factors(write(tmp_path, "b.csv", head + "L,1,m,s,S\n"))
    with pytest.raises(ValueError, match="line 3: L = 1.0 repeats"):
        load_factors(write(tmp_path, "c.csv", head + "L,1,m,s,S\nL,1.0,m,s,S\n"))
    with pytest.raises(ValueError, match="line 1: columns must be"):
        load_factors(write(tmp_path, "d.csv", "factor,value\nL,1\n"))


def test_a_city_may_use_its_own_bands(tmp_path):
    text = "band,name,colour,minimum,inclusive,source,mark\nhot,热,red,100,yes,s,M\ncold,冷,blue,0,yes,s,M\n"
    bands = load_bands(write(tmp_path, "b.csv", text))
    assert lec(1, 10, 7, bands=bands).colour == "blue"
    assert lec(3, 6, 7, bands=bands).band == "hot"
