"""Political and commercial requirements as text, e.g. ``"via AKTAU,KURYK >= 20 Mt/yr"``.

The grammar (case of keywords does not matter)::

    avoid CC[,CC...]                      no flow on routes crossing any of these countries
    via ID[,ID...] (>=|<=|==) N UNIT      flow through a set of nodes, routes or route groups
    share CC (<=|>=|==) N%                share of exported volume that enters country CC
    route ID (<=|>=|==) N UNIT            flow on a route (or a route group) capped/floored

``UNIT`` is a rate: ``Mt/yr``, ``kt/yr``, ``t/d``, ``kb/d``, ``mb/d`` or ``b/d``; barrels
convert through the grade of the routes concerned. Parsing does not need a network; ids are
checked when the requirement is applied to one (:func:`crudeflow.plan`).

Examples
--------
>>> parse_requirement("via AKTAU,KURYK >= 20 Mt/yr")
Via(targets=('AKTAU', 'KURYK'), op='>=', amount=20.0, unit='Mt/yr', text='via AKTAU,KURYK >= 20 Mt/yr')
>>> parse_requirement("avoid RU, BY")
Avoid(countries=('RU', 'BY'), text='avoid RU, BY')
>>> parse_requirement("share RU <= 10%").fraction
0.1
>>> parse_requirement("route CPC <= 40 Mt")
Traceback (most recent call last):
...
crudeflow.errors.RequirementError: cannot read requirement 'route CPC <= 40 Mt' at column 17: expected a rate unit such as Mt/yr or kb/d
  route CPC <= 40 Mt
                  ^
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from crudeflow.errors import RequirementError, UnitError
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.units import rate_factor

__all__ = [
    "Avoid",
    "Requirement",
    "RouteLimit",
    "Share",
    "Via",
    "parse_requirement",
    "parse_requirements",
]

Op = Literal[">=", "<=", "=="]


@dataclass(frozen=True, slots=True)
class Avoid:
    """No flow on any route that crosses one of ``countries``."""

    countries: tuple[str, ...]
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"avoid {','.join(self.countries)}"


@dataclass(frozen=True, slots=True)
class Via:
    """Annual flow through nodes, routes or route groups compared with ``amount unit``."""

    targets: tuple[str, ...]
    op: Op
    amount: float
    unit: str
    text: str = ""

    def mtpa(self, bbl_per_t: float) -> float:
        """The amount in Mt/yr (barrels converted with ``bbl_per_t``)."""
        return self.amount * rate_factor(self.unit, bbl_per_t)

    def __str__(self) -> str:
        return self.text or f"via {','.join(self.targets)} {self.op} {self.amount:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """Flow on one route (or route group) compared with ``amount unit``."""

    route: str
    op: Op
    amount: float
    unit: str
    text: str = ""

    def mtpa(self, bbl_per_t: float) -> float:
        """The amount in Mt/yr (barrels converted with ``bbl_per_t``)."""
        return self.amount * rate_factor(self.unit, bbl_per_t)

    def __str__(self) -> str:
        return self.text or f"route {self.route} {self.op} {self.amount:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Share:
    """Share of exported volume entering ``country`` compared with ``fraction``."""

    country: str
    op: Op
    fraction: float
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"share {self.country} {self.op} {self.fraction * 100:g}%"


Requirement = Avoid | Via | RouteLimit | Share

_TOKEN = re.compile(r"\s*(?:(?P<op>>=|<=|==|=)|(?P<bad>[<>])|(?P<word>[^\s<>=]+))")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _tokens(text: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        if m.group("bad"):
            raise RequirementError(text, m.start("bad"), "a comparison: >=, <= or ==")
        kind = "op" if m.group("op") else "word"
        out.append((m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _ids(
    text: str, tokens: list[tuple[str, int]], *, country: bool, at: int | None = None
) -> tuple[str, ...]:
    if not tokens:
        raise RequirementError(
            text, len(text) if at is None else at, "a comma-separated list of ids"
        )
    joined = " ".join(t for t, _ in tokens)
    items = [p.strip() for p in joined.split(",")]
    spaced = next((i for i in items if " " in i), None)
    if spaced is not None:
        raise RequirementError(text, text.find(spaced.split()[1]), "',' between ids")
    start = tokens[0][1] if tokens else len(text)
    if not tokens or not all(items):
        raise RequirementError(text, start, "a comma-separated list of ids")
    for item in items:
        where = text.find(item, start)
        if country:
            if item.upper() not in ISO_ALPHA2:
                raise RequirementError(text, max(where, 0), "an ISO country code such as RU")
        elif not _ID.match(item):
            raise RequirementError(text, max(where, 0), "a node, route or group id")
    return tuple(i.upper() if country else i for i in items)


def _op(text: str, tok: tuple[str, int] | None) -> Op:
    if tok is None:
        raise RequirementError(text, len(text), "a comparison: >=, <= or ==")
    value, pos = tok
    if value not in (">=", "<=", "==", "="):
        raise RequirementError(text, pos, "a comparison: >=, <= or ==")
    return "==" if value == "=" else value  # type: ignore[return-value]


def _amount(text: str, rest: list[tuple[str, int]]) -> tuple[float, str]:
    if not rest:
        raise RequirementError(text, len(text), "an amount such as '20 Mt/yr'")
    value, pos = rest[0]
    unit_tok: tuple[str, int] | None = rest[1] if len(rest) > 1 else None
    m = re.match(r"^([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(.*)$", value)
    if not m:
        raise RequirementError(text, pos, "a number")
    number = float(m.group(1))
    if not math.isfinite(number) or number < 0:
        raise RequirementError(text, pos, "a finite number >= 0")
    unit = m.group(2)
    unit_pos = pos + len(m.group(1))
    if not unit:
        if unit_tok is None:
            raise RequirementError(text, len(text), "a rate unit such as Mt/yr or kb/d")
        unit, unit_pos = unit_tok
        extra = rest[2:]
    else:
        extra = rest[1:]
    try:
        rate_factor(unit, 7.33)
    except UnitError:
        raise RequirementError(text, unit_pos, "a rate unit such as Mt/yr or kb/d") from None
    if extra:
        raise RequirementError(text, extra[0][1], "the end of the requirement")
    return number, unit


def parse_requirement(text: str) -> Requirement:
    """Parse one requirement; see the module docstring for the grammar.

    Raises
    ------
    RequirementError
        Naming the column of the first token that does not fit.
    """
    tokens = _tokens(text)
    if not tokens:
        raise RequirementError(text, 0, "'avoid', 'via', 'share' or 'route'")
    head, head_pos = tokens[0]
    keyword = head.lower()
    rest = tokens[1:]
    op_at = next((i for i, (t, _) in enumerate(rest) if t in (">=", "<=", "==", "=")), None)
    if keyword == "avoid":
        if op_at is not None:
            raise RequirementError(text, rest[op_at][1], "country codes only after 'avoid'")
        return Avoid(_ids(text, rest, country=True), text=text.strip())
    if keyword not in ("via", "share", "route"):
        raise RequirementError(text, head_pos, "'avoid', 'via', 'share' or 'route'")
    if op_at is None:
        where = rest[-1][1] + len(rest[-1][0]) if rest else len(text)
        raise RequirementError(text, where, "a comparison: >=, <= or ==")
    names, op_tok, after = rest[:op_at], rest[op_at], rest[op_at + 1 :]
    op = _op(text, op_tok)
    if not names:
        raise RequirementError(
            text, op_tok[1], "a comma-separated list of ids before the comparison"
        )
    if keyword == "via":
        targets = _ids(text, names, country=False)
        amount, unit = _amount(text, after)
        return Via(targets, op, amount, unit, text=text.strip())
    if keyword == "route":
        ids = _ids(text, names, country=False)
        if len(ids) != 1:
            raise RequirementError(text, names[0][1], "one route or group id (use 'via' for sets)")
        amount, unit = _amount(text, after)
        return RouteLimit(ids[0], op, amount, unit, text=text.strip())
    # share
    countries = _ids(text, names, country=True)
    if len(countries) != 1:
        raise RequirementError(text, names[0][1], "one country code")
    if not after:
        raise RequirementError(text, len(text), "a percentage such as 10%")
    value, pos = after[0]
    number = value.rstrip("%")
    if not _NUMBER.match(number) or not (
        value.endswith("%") or (len(after) > 1 and after[1][0] == "%")
    ):
        raise RequirementError(text, pos, "a percentage such as 10%")
    fraction = float(number) / 100.0
    if not math.isfinite(fraction) or not 0.0 <= fraction <= 1.0:
        raise RequirementError(text, pos, "a percentage between 0% and 100%")
    tail = after[1:] if value.endswith("%") else after[2:]
    if tail:
        raise RequirementError(text, tail[0][1], "the end of the requirement")
    return Share(countries[0], op, fraction, text=text.strip())


def parse_requirements(texts: Iterable[str | Requirement]) -> tuple[Requirement, ...]:
    """Parse several requirements (already-parsed ones pass through).

    Examples
    --------
    >>> [type(r).__name__ for r in parse_requirements(["avoid RU", "route CPC <= 40 Mt/yr"])]
    ['Avoid', 'RouteLimit']
    """
    return tuple(parse_requirement(t) if isinstance(t, str) else t for t in texts)
