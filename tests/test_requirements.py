"""Requirement text: every form parses, malformed text points at the bad token."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crudeflow import RequirementError, ScenarioError, parse_requirement
from crudeflow.requirements import (
    MAX_RATE_MTPA,
    Avoid,
    RouteLimit,
    Share,
    Via,
    parse_requirements,
)
from crudeflow.units import rate_factor

if TYPE_CHECKING:
    from crudeflow.network.model import Network


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
    if amount * rate_factor(unit, 7.33) > MAX_RATE_MTPA:
        with pytest.raises(RequirementError, match="at most 10,000 Mt/yr"):
            parse_requirement(text)
        return
    assert parse_requirement(text) == Via(tuple(targets), op, float(amount), unit, text=text)  # type: ignore[arg-type]


# -- issue 8 item 12: amounts are finite, >= 0 and at most MAX_RATE_MTPA ----------------------
@pytest.mark.parametrize(
    "text",
    [
        "via AKTAU >= 1e16 Mt/yr",
        "via AKTAU >= 1e17 Mt/yr",
        "via AKTAU >= 1e20 Mt/yr",
        "route cpc <= 10001 Mt/yr",
        "route cpc <= 300000 kb/d",
        "via AKTAU >= 1e400 Mt/yr",
        "via AKTAU >= -1 Mt/yr",
        "via AKTAU >= nan Mt/yr",
        "via AKTAU >= inf Mt/yr",
    ],
)
def test_huge_negative_or_non_finite_amounts_are_requirement_errors(text: str) -> None:
    with pytest.raises(RequirementError) as info:
        parse_requirement(text)
    op = text.index(">=") if ">=" in text else text.index("<=")
    assert info.value.position == op + 3


def test_amount_ceiling_names_the_limit_in_the_unit_used() -> None:
    with pytest.raises(RequirementError, match=r"at most 10,000 Mt/yr \(200,\d+ kb/d\)"):
        parse_requirement("route cpc <= 300000 kb/d")


@pytest.mark.parametrize(
    "text",
    [
        "via AKTAU >= 10000 Mt/yr",
        "route CPC == 10000 Mt/yr",
        "route cpc <= 0 Mt/yr",
        "via AKTAU >= 1e-300 Mt/yr",
        "via AKTAU,KURYK >= 200000 kb/d",
    ],
)
def test_amounts_up_to_the_ceiling_solve_without_solver_error(text: str) -> None:
    """1e16 and 1e20 Mt/yr used to end as 'solver error' (exit 4) and 503 on the API."""
    from crudeflow import load_dataset, plan

    p = plan(load_dataset(), requirements=[text], baseline=False)
    assert p.status.value == "optimal"


def test_huge_amount_is_422_not_503_on_the_api() -> None:
    from crudeflow.web.errors import ApiError
    from crudeflow.web.service import check_requirements

    with pytest.raises(ApiError) as info:
        check_requirements(["avoid RU", "via AKTAU >= 1e16 Mt/yr"])
    assert info.value.status == 422


# -- issue 8 item 14: ids resolve case-insensitively, near misses get "did you mean" --------
@pytest.fixture(scope="module")
def kz() -> Network:
    from crudeflow import load_dataset

    return load_dataset()


def test_plan_help_example_route_cpc_resolves_to_the_cpc_group(kz: Network) -> None:
    req = parse_requirement("route CPC <= 40 Mt/yr", network=kz)
    assert req == RouteLimit("cpc", "<=", 40.0, "Mt/yr", text="route cpc <= 40 Mt/yr")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("via aktau,kuryk >= 20 Mt/yr", "via AKTAU,KURYK >= 20 Mt/yr"),
        ("via Trans_Caspian >= 5 Mt/yr", "via trans_caspian >= 5 Mt/yr"),
        ("route btc <= 1 Mt/yr", "route btc <= 1 Mt/yr"),  # the group btc, spelled exactly
        ("route Btc <= 1 Mt/yr", "route BTC <= 1 Mt/yr"),  # routes before groups
        ("ROUTE cpc_atyrau_terminal >= 1 kb/d", "ROUTE CPC_ATYRAU_TERMINAL >= 1 kb/d"),
        ("via AKTAU >= 1 Mt/yr", "via AKTAU >= 1 Mt/yr"),
    ],
)
def test_ids_match_regardless_of_case_and_show_the_dataset_spelling(
    kz: Network, text: str, canonical: str
) -> None:
    req = parse_requirement(text, network=kz)
    assert str(req) == canonical
    assert parse_requirement(canonical, network=kz) == dataclasses.replace(req, text=canonical)


def test_plan_reports_the_canonical_requirement_text(kz: Network) -> None:
    from crudeflow import plan

    p = plan(kz, requirements=["via aktau >= 1 Mt/yr"], baseline=False)
    assert p.requirements == ("via AKTAU >= 1 Mt/yr",)
    assert [r.text for r in p.requirement_status] == ["via AKTAU >= 1 Mt/yr"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("via AKTUA >= 1 Mt/yr", "did you mean AKTAU"),
        ("via AKTAU,KURIK >= 1 Mt/yr", "did you mean KURYK"),
        ("route trans_kaspian <= 1 Mt/yr", "did you mean trans_caspian"),
        ("route CPC_ATYRAU_TERMNAL <= 1 Mt/yr", "did you mean CPC_ATYRAU_TERMINAL"),
    ],
)
def test_unknown_id_suggests_near_misses(kz: Network, text: str, needle: str) -> None:
    with pytest.raises(RequirementError) as info:
        parse_requirement(text, network=kz)
    assert needle in str(info.value)
    bad = info.value.text[info.value.position :].split()[0].split(",")[0]
    assert bad.upper() in {"AKTUA", "KURIK", "TRANS_KASPIAN", "CPC_ATYRAU_TERMNAL"}


def test_unknown_id_through_plan_is_a_requirement_error(kz: Network) -> None:
    from crudeflow import plan

    with pytest.raises(RequirementError, match="did you mean AKTAU"):
        plan(kz, requirements=["via AKTUA >= 1 Mt/yr"])


def test_route_limit_on_a_node_says_use_via(kz: Network) -> None:
    with pytest.raises(RequirementError, match="AKTAU is a node: write 'via AKTAU"):
        parse_requirement("route aktau >= 1 Mt/yr", network=kz)


def test_unknown_country_suggests_the_network_countries(kz: Network) -> None:
    with pytest.raises(RequirementError, match=r"did you mean RU\?"):
        parse_requirement("avoid RUS", network=kz)


def test_share_of_a_country_no_route_crosses_lists_the_crossed_ones(kz: Network) -> None:
    with pytest.raises(RequirementError, match=r"crosses: AZ, .*RU") as info:
        parse_requirement("share fr <= 5%", network=kz)
    assert info.value.position == 6


def test_ids_that_differ_only_in_case_must_be_spelled_exactly() -> None:
    from crudeflow.network.model import toy_network

    net = toy_network()
    net = dataclasses.replace(
        net, meta=dataclasses.replace(net.meta, groups={"Ab": ("A_B",), "aB": ("A_M",)})
    )
    assert parse_requirement("route Ab <= 1 Mt/yr", network=net).route == "Ab"  # type: ignore[union-attr]
    with pytest.raises(RequirementError, match="differ only in case"):
        parse_requirement("route ab <= 1 Mt/yr", network=net)


def test_resolving_already_parsed_requirements(kz: Network) -> None:
    reqs = parse_requirements(
        ["avoid RU", Via(("aktau",), ">=", 1.0, "Mt/yr"), Share("RU", "<=", 0.1)], network=kz
    )
    assert [str(r) for r in reqs] == ["avoid RU", "via AKTAU >= 1 Mt/yr", "share RU <= 10%"]


# -- requirements built in Python get the parser's checks before they reach the optimiser --
@pytest.mark.parametrize(
    "req",
    [
        Via(("AKTAU",), ">=", float("nan"), "Mt/yr"),
        Via(("AKTAU",), ">=", float("inf"), "Mt/yr"),
        Via(("AKTAU",), ">=", 1e16, "Mt/yr"),
        Via(("AKTAU",), ">=", -1.0, "Mt/yr"),
        Via(("AKTAU",), ">=", 1.0, "Mb/d"),
        Via((), ">=", 1.0, "Mt/yr"),
        Via(("AKTAU",), "!=", 1.0, "Mt/yr"),  # type: ignore[arg-type]
        RouteLimit("cpc", "<=", 1e20, "Mt/yr"),
        Share("RU", "<=", float("nan")),
        Share("RU", "<=", 1.5),
        Share("XX", "<=", 0.1),
        Avoid(()),
        Avoid(("XX",)),
    ],
    ids=repr,
)
def test_requirement_objects_are_checked_like_text(kz: Network, req: object) -> None:
    from crudeflow import plan

    with pytest.raises(RequirementError):
        plan(kz, requirements=[req], baseline=False)  # type: ignore[list-item]


def test_lower_case_country_objects_are_upper_cased(kz: Network) -> None:
    reqs = parse_requirements([Avoid(("ru",)), Share("ru", "<=", 0.5)], network=kz)
    assert reqs == (Avoid(("RU",)), Share("RU", "<=", 0.5))


def test_country_codes_are_shown_in_capitals(kz: Network) -> None:
    reqs = parse_requirements(["avoid ru, by", "Share ru <= 5%"], network=kz)
    assert [str(r) for r in reqs] == ["avoid RU, BY", "Share RU <= 5%"]


def test_share_error_points_at_the_country_in_any_case(kz: Network) -> None:
    with pytest.raises(RequirementError) as info:
        parse_requirement("share Fr <= 5%", network=kz)
    assert info.value.position == 6
