"""Monitoring thresholds with hysteresis: edges, no flapping, monotone rises and falls, rules refused by name.

Plain functions: no database, no Django.
"""

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.rules.risk import COLOURS
from yingji.rules.thresholds import (
    NORMAL,
    Direction,
    Rule,
    State,
    Threshold,
    default_rules,
    evaluate,
    evaluate_all,
    load_rules,
)

PROPERTY = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=300
)
RULES = default_rules()
RAIN = RULES["rain_1h"]
FOG = RULES["visibility"]


def rule(*pairs, direction=Direction.RISING, hysteresis="0", inclusive=True):
    return Rule(
        key="test",
        thresholds=tuple(Threshold(level, Decimal(str(value))) for level, value in pairs),
        direction=direction,
        hysteresis=Decimal(hysteresis),
        inclusive=inclusive,
    )


def levels_after(r, values, state=NORMAL):
    """The level after each value."""
    result = []
    for value in values:
        state, _ = evaluate(r, state, value)
        result.append(state.level)
    return result


def rank(level):
    return -1 if level is None else COLOURS.index(level)


# --- The shipped rules -------------------------------------------------------------------------------------------


def test_the_shipped_rules_load_with_a_source_for_every_level():
    assert set(RULES) >= {"rain_1h", "wind_mean", "visibility"}
    for r in RULES.values():
        assert all(t.source and t.mark in {"V", "S", "M"} for t in r.thresholds)
    assert RAIN.levels == ("yellow", "orange")
    assert RAIN.unit == "mm" and RAIN.direction is Direction.RISING


def test_rainfall_reaches_yellow_at_50_mm_and_orange_at_100_mm_inclusive():
    assert levels_after(RAIN, [Decimal("49.9")]) == [None]
    assert levels_after(RAIN, [50]) == ["yellow"]  # 以上含本数
    assert levels_after(RAIN, [Decimal("99.9")]) == ["yellow"]
    assert levels_after(RAIN, [100]) == ["orange"]


def test_a_level_is_held_down_to_threshold_minus_hysteresis_and_left_below_it():
    # rain_1h: hysteresis 5 mm, so yellow holds at 45 and is left at 44.9.
    assert levels_after(RAIN, [50, 45]) == ["yellow", "yellow"]
    assert levels_after(RAIN, [50, Decimal("44.9")]) == ["yellow", None]
    assert levels_after(RAIN, [100, 95, Decimal("94.9")]) == ["orange", "orange", "yellow"]


def test_a_value_oscillating_round_the_threshold_raises_one_alert_not_many():
    state, crossings = evaluate_all(RAIN, [48, 50, 47, 52, 46, Decimal("50.5"), 45, 49, 51])
    assert state.level == "yellow"
    assert [(c.level, c.raised) for c in crossings] == [("yellow", True)]


def test_a_fall_lands_on_the_most_severe_level_still_held():
    state, crossings = evaluate_all(RAIN, [120, 60])
    assert state.level == "yellow"
    assert [(c.previous, c.level, c.raised, c.edge) for c in crossings] == [
        (None, "orange", True, Decimal(100)),
        ("orange", "yellow", False, Decimal(95)),
    ]
    _, crossings = evaluate_all(RAIN, [120, 10])
    assert [(c.previous, c.level, c.edge) for c in crossings][-1] == ("orange", None, Decimal(45))


def test_a_jump_past_a_level_raises_one_crossing_to_the_level_reached():
    state, crossings = evaluate_all(RAIN, [0, 150])
    assert state.level == "orange"
    assert [(c.previous, c.level, c.raised) for c in crossings] == [(None, "orange", True)]


def test_visibility_is_worse_when_lower_and_its_bounds_are_strict():
    # 大雾: 能见度小于 500 m 黄色, 小于 200 m 橙色, 小于 50 m 红色; hysteresis 50 m.
    assert levels_after(FOG, [500]) == [None]
    assert levels_after(FOG, [499]) == ["yellow"]
    assert levels_after(FOG, [199]) == ["orange"]
    assert levels_after(FOG, [49]) == ["red"]
    assert levels_after(FOG, [199, 249, 250]) == ["orange", "orange", "yellow"]
    assert levels_after(FOG, [499, 549, 550]) == ["yellow", "yellow", None]


def test_hysteresis_zero_means_the_level_follows_the_value():
    r = rule(("yellow", 10), ("red", 20))
    assert levels_after(r, [10, Decimal("9.99"), 20, Decimal("19.99"), 0]) == [
        "yellow",
        None,
        "red",
        "yellow",
        None,
    ]


def test_a_strict_rising_rule_is_entered_only_past_its_threshold():
    r = rule(("yellow", 10), inclusive=False, hysteresis="1")
    # Strict hold as well: held while above 10 − 1, left at 9 itself.
    assert levels_after(r, [10, Decimal("10.01"), Decimal("9.01"), 9]) == [None, "yellow", "yellow", None]


def test_values_may_be_ints_floats_or_decimals_but_not_bools_or_nan():
    assert evaluate(RAIN, NORMAL, 49.99)[0] == NORMAL
    assert evaluate(RAIN, NORMAL, 50.0)[1].value == Decimal("50.0")
    with pytest.raises(TypeError, match="value must be a number, not bool"):
        evaluate(RAIN, NORMAL, True)
    with pytest.raises(TypeError, match="not str"):
        evaluate(RAIN, NORMAL, "50")
    with pytest.raises(ValueError, match="finite"):
        evaluate(RAIN, NORMAL, float("nan"))


def test_a_state_with_a_level_the_rule_does_not_have_is_refused():
    with pytest.raises(ValueError, match="rule 'rain_1h' has no level 'red'; its levels are yellow, orange"):
        evaluate(RAIN, State("red"), 10)


def test_an_unchanged_level_returns_the_same_state_and_no_crossing():
    state = State("yellow")
    assert evaluate(RAIN, state, 60) == (state, None)


def test_a_crossing_is_json_ready():
    _, crossing = evaluate(RAIN, NORMAL, Decimal("50.5"))
    assert json.loads(json.dumps(crossing.as_dict())) == {
        "rule": "rain_1h",
        "previous": None,
        "level": "yellow",
        "raised": True,
        "value": "50.5",
        "edge": "50",
    }


def test_exit_points_are_threshold_minus_hysteresis_or_plus_for_falling_rules():
    assert RAIN.exit_point("yellow") == Decimal(45)
    assert FOG.exit_point("orange") == Decimal(250)


# --- Properties ---------------------------------------------------------------------------------------------------

# Rules with two to four levels, either direction, any hysteresis smaller than a gap or not.


@st.composite
def rules(draw):
    count = draw(st.integers(1, 4))
    levels = sorted(
        draw(st.lists(st.sampled_from(COLOURS), min_size=count, max_size=count, unique=True)), key=rank
    )
    steps = draw(st.lists(st.integers(1, 50), min_size=count, max_size=count))
    start = draw(st.integers(-100, 100))
    direction = draw(st.sampled_from(Direction))
    values, total = [], start
    for gap in steps:
        total += gap
        values.append(total if direction is Direction.RISING else -total)
    return Rule(
        key="generated",
        thresholds=tuple(Threshold(level, Decimal(v)) for level, v in zip(levels, values, strict=True)),
        direction=direction,
        hysteresis=Decimal(draw(st.integers(0, 30))),
        inclusive=draw(st.booleans()),
    )


def worse(r, value, amount):
    """``value`` moved ``amount`` in the worse direction."""
    return value + amount if r.direction is Direction.RISING else value - amount


@PROPERTY
@given(rules(), st.data())
def test_no_flapping_for_any_sequence_oscillating_within_the_hysteresis_band(r, data):
    # Values from the first level's exit point up to (not reaching) the next level's threshold: at most one
    # crossing, the raise to the first level, and exactly one if the threshold was reached at all.
    first = r.thresholds[0]
    low = r.exit_point(first.level)
    if not r.inclusive:
        low = worse(r, low, Decimal("0.01"))  # strict hold: must be past the exit point
    high = r.thresholds[1].value if len(r.thresholds) > 1 else worse(r, first.value, 100)
    span = abs(high - low)
    offsets = st.decimals(min_value=0, max_value=span, places=2).filter(lambda d: d < span)
    values = data.draw(st.lists(offsets.map(lambda d: worse(r, low, d)), min_size=1, max_size=40))
    state, crossings = evaluate_all(r, values)
    reached = any(r.beyond(v, first.value) for v in values)
    assert [(c.level, c.raised) for c in crossings] == ([(first.level, True)] if reached else [])
    assert state.level == (first.level if reached else None)


@PROPERTY
@given(rules(), st.data())
def test_a_monotone_rise_through_all_thresholds_raises_each_level_once_in_order(r, data):
    # One value in every band (normal first), plus any extra values, all in worsening order.
    edges = [t.value for t in r.thresholds]
    picks = [worse(r, edges[0], -1)]
    for i, edge in enumerate(edges):
        room = abs(edges[i + 1] - edge) - 1 if i + 1 < len(edges) else 10
        picks.append(worse(r, edge, data.draw(st.integers(0, max(0, room)))))
    extra = data.draw(st.lists(st.integers(-200, 400).map(Decimal), max_size=20))
    values = sorted(picks + extra, reverse=r.direction is Direction.FALLING)
    if not r.inclusive:  # a strict rule is entered only past the edge: nudge values that sit exactly on one
        values = [worse(r, v, Decimal("0.5")) if v in edges else v for v in values]
    state, crossings = evaluate_all(r, values)
    assert [c.level for c in crossings] == list(r.levels)
    assert all(c.raised for c in crossings)
    assert state.level == r.levels[-1]


@PROPERTY
@given(rules(), st.lists(st.integers(-300, 300), max_size=40))
def test_any_monotone_rise_raises_levels_at_most_once_and_in_order(r, numbers):
    values = sorted(map(Decimal, numbers), reverse=r.direction is Direction.FALLING)
    _, crossings = evaluate_all(r, values)
    assert all(c.raised for c in crossings)
    ranks = [rank(c.level) for c in crossings]
    assert ranks == sorted(set(ranks))


@PROPERTY
@given(rules(), st.lists(st.integers(-300, 300), max_size=40))
def test_any_monotone_fall_from_the_top_only_lowers(r, numbers):
    top = worse(r, r.thresholds[-1].value, 1)
    values = sorted(map(Decimal, numbers), reverse=r.direction is Direction.RISING)
    state, crossings = evaluate_all(r, values, State(r.levels[-1]))
    assert not any(c.raised for c in crossings)
    ranks = [rank(c.level) for c in crossings]
    assert ranks == sorted(set(ranks), reverse=True)
    assert evaluate(r, state, top)[0].level == r.levels[-1]


@PROPERTY
@given(rules(), st.lists(st.integers(-300, 300), max_size=60))
def test_a_level_is_raised_again_only_after_the_value_went_past_its_exit_point(r, numbers):
    state, since_left = NORMAL, dict.fromkeys(r.levels, True)
    for number in numbers:
        value = Decimal(number)
        for level in r.levels:
            if not r.beyond(value, r.exit_point(level)):
                since_left[level] = True
        state, crossing = evaluate(r, state, value)
        if crossing is not None and crossing.raised:
            assert since_left[crossing.level], "raised again without leaving first: flapping"
            for level in r.levels[: r.levels.index(crossing.level) + 1]:
                since_left[level] = False


@PROPERTY
@given(rules(), st.lists(st.integers(-300, 300), max_size=30))
def test_the_state_is_always_at_least_the_level_the_value_enters_and_at_most_the_level_it_holds(r, numbers):
    state = NORMAL
    for number in numbers:
        value = Decimal(number)
        state, _ = evaluate(r, state, value)
        entered = sum(1 for t in r.thresholds if r.beyond(value, t.value))
        held = sum(1 for t in r.thresholds if r.beyond(value, r.exit_point(t.level)))
        current = 0 if state.level is None else r.levels.index(state.level) + 1
        assert entered <= current <= held


# --- Rules refused ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: rule(("purple", 1)), "level must be one of blue, yellow, orange, red, not 'purple'"),
        (
            lambda: rule(("red", 1), ("yellow", 2)),
            "levels must go from mildest to most severe; yellow follows red",
        ),
        (
            lambda: rule(("yellow", 2), ("red", 2)),
            r"threshold of red \(2\) must be above that of yellow \(2\)",
        ),
        (
            lambda: rule(("yellow", 2), ("red", 3), direction=Direction.FALLING),
            r"threshold of red \(3\) must be below that of yellow \(2\)",
        ),
        (lambda: rule(("yellow", 2), hysteresis="-1"), "hysteresis must be a Decimal >= 0"),
        (lambda: rule(), "needs at least one threshold"),
    ],
)
def test_an_inconsistent_rule_is_refused_with_its_key(build, message):
    with pytest.raises(ValueError, match=f"rule 'test': {message}"):
        build()


def test_a_rule_file_with_disagreeing_rows_is_refused_with_file_and_line(tmp_path):
    head = "key,name,metric,unit,direction,inclusive,hysteresis,level,threshold,source,mark\n"
    path = tmp_path / "t.csv"
    path.write_text(head + "r,R,m,mm,rising,yes,5,yellow,50,s,M\nr,R,m,mm,rising,yes,3,orange,100,s,M\n")
    with pytest.raises(ValueError, match=r"line 3: hysteresis of rule r is '3', but '5' on line 2"):
        load_rules(path)
    path.write_text(head + "r,R,m,mm,upwards,yes,5,yellow,50,s,M\n")
    with pytest.raises(ValueError, match="line 2: direction must be rising or falling, not 'upwards'"):
        load_rules(path)
    path.write_text(head + "r,R,m,mm,rising,yes,5,yellow,fifty,s,M\n")
    with pytest.raises(ValueError, match="line 2: threshold 'fifty' is not a number"):
        load_rules(path)
    path.write_text(head + "r,R,m,mm,rising,yes,5,orange,50,s,M\nr,R,m,mm,rising,yes,5,yellow,100,s,M\n")
    with pytest.raises(ValueError, match="line 2: rule 'r': levels must go from mildest"):
        load_rules(path)
    path.write_text(head + "r,R,m,mm,rising,yes,5,yellow,50,,M\n")
    with pytest.raises(ValueError, match="line 2: source is empty"):
        load_rules(path)


def test_a_direction_given_as_text_is_taken_as_the_enum():
    r = Rule("r", (Threshold("red", Decimal(1)),), direction="falling")
    assert r.direction is Direction.FALLING
    with pytest.raises(ValueError, match="rule 'r': direction must be rising or falling, not 'down'"):
        Rule("r", (Threshold("red", Decimal(1)),), direction="down")


def test_default_rules_is_a_copy_a_caller_may_extend():
    mine = default_rules()
    mine["reservoir_7"] = rule(("orange", "183.5"))
    assert "reservoir_7" not in default_rules()
