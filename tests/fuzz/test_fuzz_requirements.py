"""Fuzz: requirement strings, random and grammar-based, through the parser, plan() and the CLI.

A requirement string is user input on the command line, in scenario files and in the web API.
Whatever it is, the outcome is a plan or a :class:`~crudeflow.errors.CrudeflowError` (one line,
exit code 1-4), never another exception, never a solver failure caused by the input, never a
hang (``fuzz_settings``: 10 s per example).
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crudeflow.errors import CrudeflowError, RequirementError, SolverError
from crudeflow.network.model import Network
from crudeflow.requirements import parse_requirement, parse_requirements
from crudeflow.units import RATE_UNITS
from tests.conftest import invoke_cli
from tests.fuzz.conftest import fuzz_settings


@cache
def kz() -> Network:
    from crudeflow.network.load import load_dataset

    return load_dataset()


def _ids() -> list[str]:
    net = kz()
    return [
        *(n.id for n in net.nodes),
        *(r.id for r in net.routes),
        *net.meta.groups,
        "NOWHERE",
        "A",
        "x.y-z",
    ]


def _case(s: str, flips: list[bool]) -> str:
    return (
        "".join(c.swapcase() if flips[i % len(flips)] else c for i, c in enumerate(s))
        if flips
        else s
    )


KEYWORDS = st.sampled_from(["avoid", "via", "share", "route", "AVOID", "Via", "vía", "routes"])
IDS = st.builds(_case, st.sampled_from(_ids()), st.lists(st.booleans(), max_size=4))
COUNTRIES = st.sampled_from(["RU", "ru", "KZ", "AZ", "GE", "TR", "CN", "FR", "XX", "RUS", "r"])
OPS = st.sampled_from([">=", "<=", "==", "=", "<", ">", "=>", "=<", "!=", ">==", ""])
NUMBERS = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "20",
            "1e16",
            "1e17",
            "1e20",
            "1e308",
            "1e400",
            "-5",
            "-0",
            "nan",
            "inf",
            "-inf",
            "1e-300",
            "0x10",
            "1_000",
            "1,5",
            "٣",
            "１０",
            "10000",
            "10000.0001",
            "",
            ".",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
UNITS = st.one_of(
    st.sampled_from(list(RATE_UNITS)),
    st.sampled_from(
        [
            "Mb/d",
            "mt/yr",
            "MT/yr",
            "Mt",
            "kg/s",
            "m**3/day",
            "%",
            "",
            "Mt/yr/yr",
            "furlongs/fortnight",
            "Mt /yr",
            "kt",
            "bbl",
        ]
    ),
)
SEPARATORS = st.sampled_from([",", ", ", " , ", ",,", " ", ""])


@st.composite
def grammar(draw: st.DrawFn) -> str:
    """A requirement built from the grammar's parts, some of them wrong."""
    kw = draw(KEYWORDS)
    if kw.lower().startswith("avoid"):
        names = draw(st.lists(COUNTRIES, min_size=0, max_size=4))
        return f"{kw} {draw(SEPARATORS).join(names)}"
    if kw.lower().startswith("share"):
        number = draw(NUMBERS)
        pct = draw(st.sampled_from(["%", " %", "", "%%"]))
        return f"{kw} {draw(COUNTRIES)} {draw(OPS)} {number}{pct}"
    names = draw(st.lists(IDS, min_size=0, max_size=4))
    space = draw(st.sampled_from([" ", "", "  "]))
    return f"{kw} {draw(SEPARATORS).join(names)} {draw(OPS)} {draw(NUMBERS)}{space}{draw(UNITS)}"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A grammar-built requirement with characters inserted, deleted or replaced."""
    text = draw(grammar())
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if not text:
            break
        i = draw(st.integers(min_value=0, max_value=len(text) - 1))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        ch = draw(st.characters(codec="utf-8") | st.sampled_from(list("<>=%,./ \t\n\x00")))
        if op == "insert":
            text = text[:i] + ch + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + 1 :]
        elif op == "replace":
            text = text[:i] + ch + text[i + 1 :]
        else:
            text = text[:i] + text[i:] * 2
    return text


REQUIREMENT = st.one_of(grammar(), mutated(), st.text(max_size=60))


@fuzz_settings
@given(text=REQUIREMENT)
def test_fuzz_parse_requirement_raises_only_requirement_errors(text: str) -> None:
    try:
        req = parse_requirement(text)
    except RequirementError as err:
        assert 0 <= err.position <= len(text)
        return
    # what parses prints back to something that parses to the same requirement
    assert parse_requirement(str(req)) == parse_requirement(str(req))


@fuzz_settings
@given(texts=st.lists(REQUIREMENT, min_size=1, max_size=3))
def test_fuzz_plan_with_requirements_gives_a_plan_or_a_crudeflow_error(texts: list[str]) -> None:
    from crudeflow.solve.plan import plan

    try:
        reqs = parse_requirements(texts, network=kz())
        p = plan(kz(), requirements=reqs, baseline=False)
    except SolverError as err:  # a requirement text must never make the solver fail
        pytest.fail(f"solver error from requirements {texts!r}: {err}")
    except CrudeflowError:
        return
    assert p.exported_mtpa >= -1e-9


def _cli_exit_code(args: list[str]) -> int:
    return invoke_cli(*args)[0]


@fuzz_settings
@given(text=REQUIREMENT, strict=st.booleans())
def test_fuzz_cli_plan_require_exits_0_to_4(text: str, strict: bool) -> None:
    args = ["plan", "--require", text, "--json", *(["--strict"] if strict else [])]
    code = _cli_exit_code(args)
    # 1: the producer itself avoided (bad data for the network), 2: bad text or id, 3: --strict
    assert code in (0, 1, 2, 3), f"crudeflow plan --require {text!r}: exit {code}"
