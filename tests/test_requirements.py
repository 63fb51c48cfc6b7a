"""Requirement text: every form parses, malformed text points at the bad token."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crudeflow import RequirementError, ScenarioError, parse_requirement
from crudeflow.requirements import Avoid, RouteLimit, Share, Via, parse_requirements
from crudeflow.units import rate_factor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("avoid RU", Avoid(("RU",), text="avoid RU")),
        ("avoid ru, by", Avoid(("RU", "BY"), text="avoid ru, by")),
        ("AVOID RU,BY,IR", Avoid(("RU", "BY", "IR"), text="AVOID RU,BY,IR")),
        ("  avoid GE  ", Avoid(("GE",), text="avoid GE")),
        (
            "via AKTAU,KURYK >= 20 Mt/yr",
            Via(("AKTAU", "KURYK"), ">=", 20.0, "Mt/yr", text="via AKTAU,KURYK >= 20 Mt/yr"),
        ),
        (
            "via CPC_PIPE <= 1200 kb/d",
            Via(("CPC_PIPE",), "<=", 1200.0, "kb/d", text="via CPC_PIPE <= 1200 kb/d"),
        ),
        (
            "via trans_caspian, AKTAU == 1.5 mb/d",
            Via(
                ("trans_caspian", "AKTAU"),
                "==",
                1.5,
                "mb/d",
                text="via trans_caspian, AKTAU == 1.5 mb/d",
            ),
        ),
        ("via A = 300000 b/d", Via(("A",), "==", 300000.0, "b/d", text="via A = 300000 b/d")),
        ("Via x<=3 Mt/yr", Via(("x",), "<=", 3.0, "Mt/yr", text="Via x<=3 Mt/yr")),
        ("via X >= 2e1 Mt/yr", Via(("X",), ">=", 20.0, "Mt/yr", text="via X >= 2e1 Mt/yr")),
        pytest.param(
            "via black_sea >= 500 kt/yr",
            Via(("black_sea",), ">=", 500.0, "kt/yr", text="via black_sea >= 500 kt/yr"),
        ),
        ("share RU <= 10%", Share("RU", "<=", 0.1, text="share RU <= 10%")),
        ("share tr >= 5 %", Share("TR", ">=", 0.05, text="share tr >= 5 %")),
        ("share KZ == 100%", Share("KZ", "==", 1.0, text="share KZ == 100%")),
        (
            "route CPC_PIPE <= 40 Mt/yr",
            RouteLimit("CPC_PIPE", "<=", 40.0, "Mt/yr", text="route CPC_PIPE <= 40 Mt/yr"),
        ),
        (
            "route BTC >= 100kb/d",
            RouteLimit("BTC", ">=", 100.0, "kb/d", text="route BTC >= 100kb/d"),
        ),
        ("route X == 0 Mt/yr", RouteLimit("X", "==", 0.0, "Mt/yr", text="route X == 0 Mt/yr")),
        (
            "route rail <= 0.2 mb/d",
            RouteLimit("rail", "<=", 0.2, "mb/d", text="route rail <= 0.2 mb/d"),
        ),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert parse_requirement(text) == expected


@pytest.mark.parametrize(
    ("text", "unit", "mtpa"),
    [
        ("route A <= 40 Mt/yr", "Mt/yr", 40.0),
        ("route A <= 1000 kb/d", "kb/d", 1000 * rate_factor("kb/d", 7.5)),
        ("via A >= 1 mb/d", "mb/d", 1000 * rate_factor("kb/d", 7.5)),
        ("via A >= 20000 b/d", "b/d", 20 * rate_factor("kb/d", 7.5)),
        pytest.param("via A >= 500 kt/yr", "kt/yr", 0.5),
    ],
)
def test_amount_in_mtpa(text: str, unit: str, mtpa: float) -> None:
    req = parse_requirement(text)
    assert isinstance(req, Via | RouteLimit)
    assert req.unit == unit
    assert req.mtpa(7.5) == pytest.approx(mtpa)


def test_barrels_convert_through_the_grade() -> None:
    req = parse_requirement("route A <= 1000 kb/d")
    assert isinstance(req, RouteLimit)
    assert req.mtpa(7.0) > req.mtpa(8.0)  # lighter crude: more barrels per tonne, fewer tonnes


def test_parse_requirements_passes_parsed_ones_through() -> None:
    done = Avoid(("RU",))
    assert parse_requirements(["avoid BY", done]) == (Avoid(("BY",), text="avoid BY"), done)


def test_str_is_the_text() -> None:
    assert str(parse_requirement("via A,B >= 20 Mt/yr")) == "via A,B >= 20 Mt/yr"
    assert str(Share("RU", "<=", 0.1)) == "share RU <= 10%"


# (text, position of the bad token, words in the expectation)
MALFORMED = [
    ("", 0, "'avoid'"),
    ("go RU", 0, "'avoid'"),
    ("avoid", 5, "list of ids"),
    ("avoid XX", 6, "country code"),
    ("avoid RU BY", 9, "','"),
    ("avoid RU >= 3", 9, "country codes only"),
    ("via A B >= 20 Mt/yr", 6, "','"),
    ("via A,,B >= 1 Mt/yr", 4, "list of ids"),
    ("via A$ >= 1 Mt/yr", 4, "id"),
    ("via A >= ", 9, "amount"),
    ("via A >= lots Mt/yr", 9, "a number"),
    ("via A >= -5 Mt/yr", 9, ">= 0"),
    ("via A >= 20", 11, "rate unit"),
    ("via A >= 20 Mt", 12, "rate unit"),
    ("via A >= 20 kg", 12, "rate unit"),
    ("route A <= 40 Mt/yr/yr", 14, "rate unit"),
    ("route A <= 40 furlongs/yr", 14, "rate unit"),
    ("via A >= 20 Mt/yr please", 18, "end of the requirement"),
    ("via A >= 3 Mt/yr = 4", 17, "end of the requirement"),
    ("route A,B <= 40 Mt/yr", 6, "one route"),
    ("share RU <= 10", 12, "percentage"),
    ("share RU <= ten%", 12, "percentage"),
    ("share RU <= 150%", 12, "between 0% and 100%"),
    ("share XX <= 10%", 6, "country code"),
    ("share RU,BY <= 10%", 6, "one country"),
    ("share RU <= 10% extra", 16, "end of the requirement"),
]


@pytest.mark.parametrize(("text", "position", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed(text: str, position: int, expected: str) -> None:
    with pytest.raises(RequirementError) as info:
        parse_requirement(text)
    err = info.value
    assert err.position == position
    assert expected in err.expected
    assert err.text == text
    # the message shows the text with a caret under the bad column
    assert "  " + " " * position + "^" in str(err)
    assert isinstance(err, ScenarioError)


@pytest.mark.parametrize(
    ("text", "position"),
    [
        pytest.param("via >= 20 Mt/yr", 4, id="no-ids-points-at-the-operator"),
        pytest.param("route A < 40 Mt/yr", 8, id="lone-less-than"),
    ],
)
def test_malformed_position_operators(text: str, position: int) -> None:
    with pytest.raises(RequirementError) as info:
        parse_requirement(text)
    assert info.value.position == position


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("avoid RU < junk", id="avoid-junk-after-lt"),
        pytest.param("via A >= 20 Mt/yr <junk", id="via-junk-after-lt"),
        pytest.param("share RU <= 10% >", id="share-trailing-gt"),
        pytest.param("route A >= 1e999 Mt/yr", id="infinite-amount"),
    ],
)
def test_trailing_junk_is_rejected(text: str) -> None:
    with pytest.raises(RequirementError):
        parse_requirement(text)


WORDS = st.sampled_from(
    [
        "avoid",
        "via",
        "share",
        "route",
        "RU",
        "KZ",
        "A",
        "B_1",
        ",",
        ">=",
        "<=",
        "==",
        "=",
        "<",
        ">",
        "20",
        "-3",
        "1e999",
        "10%",
        "%",
        "Mt/yr",
        "kb/d",
        "mb/d",
        "b/d",
        "kt/yr",
        "Mt",
        "nan",
    ]
)


@settings(max_examples=100, deadline=None, database=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.lists(st.one_of(WORDS, st.text(max_size=4)), max_size=8).map(" ".join),
    )
)
def test_only_requirement_error(text: str) -> None:
    try:
        req = parse_requirement(text)
    except RequirementError as err:
        assert 0 <= err.position <= len(text)
        assert err.text == text
    else:
        assert isinstance(req, Avoid | Via | Share | RouteLimit)


IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_]{0,8}", fullmatch=True)


@settings(max_examples=100, deadline=None, database=None)
@given(
    targets=st.lists(IDS, min_size=1, max_size=4),
    op=st.sampled_from([">=", "<=", "=="]),
    amount=st.integers(min_value=0, max_value=10**6),
    unit=st.sampled_from(["Mt/yr", "kb/d", "mb/d", "b/d"]),
)
def test_via_round_trip(targets: list[str], op: str, amount: int, unit: str) -> None:
    text = f"via {','.join(targets)} {op} {amount} {unit}"
    assert parse_requirement(text) == Via(tuple(targets), op, float(amount), unit, text=text)  # type: ignore[arg-type]
