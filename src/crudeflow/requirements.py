"""Political and commercial requirements as text, e.g. ``"via AKTAU,KURYK >= 20 Mt/yr"``.

The grammar (case of keywords does not matter)::

    avoid CC|PASSAGE[,...]                no flow on routes crossing any of these countries,
                                          or listing any of these passages
    via ID[,ID...] (>=|<=|==) N UNIT      flow through a set of nodes, routes or route groups
    share CC (<=|>=|==) N%                share of exported volume that enters country CC
    share PASSAGE (<=|>=|==) N%           flow on routes listing PASSAGE vs total supply
    route ID (<=|>=|==) N UNIT            flow on a route (or a route group) capped/floored

``UNIT`` is a rate, spelled exactly as in :data:`crudeflow.units.RATE_UNITS`: ``Mt/yr`` (also
``Mt/y``, ``Mt/a``, ``Mtpa``), ``kt/yr``, ``t/yr``, ``t/d``, ``b/d`` (``bpd``), ``kb/d`` (``kbd``)
or ``mb/d`` (``MMb/d``) = million barrels a day; barrels convert through the grade of the routes
concerned. Ambiguous spellings (``Mb/d``: thousand or million? ``mt/yr``: metric tonne or
megatonne?) are refused with a hint. Amounts are finite, >= 0 and at most
:data:`MAX_RATE_MTPA` (10,000 Mt/yr; barrels counted at 7.33 bbl/t for this check).

A 2-letter code is an ISO 3166-1 country; an id of 3 or more letters, digits and ``_`` is a
*passage* (a strait, canal or bypass pipeline of the passages table: ``HORMUZ``,
``BOSPORUS``), written in capitals whatever the case typed (docs/dataset-format.md,
"Passages").

Parsing does not need a network. Given one (``parse_requirement(text, network=net)``, as
:func:`crudeflow.plan` does), ids are checked against it and made canonical: node, route and
group ids match **regardless of case** (``route cpc`` is the group ``cpc``, ``via aktau`` the
node ``AKTAU``), the requirement's text then shows the dataset's spelling, and an unknown id is a
:class:`~crudeflow.errors.RequirementError` with a "did you mean" for near misses.

Examples
--------
>>> parse_requirement("via AKTAU,KURYK >= 20 Mt/yr")
Via(targets=('AKTAU', 'KURYK'), op='>=', amount=20.0, unit='Mt/yr', text='via AKTAU,KURYK >= 20 Mt/yr')
>>> parse_requirement("avoid RU, BY")
Avoid(countries=('RU', 'BY'), text='avoid RU, BY', passages=())
>>> parse_requirement("avoid ru,hormuz")
Avoid(countries=('RU',), text='avoid ru,hormuz', passages=('HORMUZ',))
>>> parse_requirement("share BOSPORUS <= 50%").passage
'BOSPORUS'
>>> parse_requirement("share RU <= 10%").fraction
0.1
>>> parse_requirement("route CPC <= 40 Mt")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
crudeflow.errors.RequirementError: cannot read requirement 'route CPC <= 40 Mt' at column 17: expected a rate unit ('Mt' is an amount, not a rate: add a time, e.g. Mt/yr); accepted: Mt/yr, Mt/y, ...
  route CPC <= 40 Mt
                  ^
>>> from crudeflow.network.model import toy_network
>>> parse_requirement("route a_b <= 5 Mt/yr", network=toy_network())
RouteLimit(route='A_B', op='<=', amount=5.0, unit='Mt/yr', text='route A_B <= 5 Mt/yr')
>>> parse_requirement("via A_C >= 1 Mt/yr", network=toy_network())
Traceback (most recent call last):
...
crudeflow.errors.RequirementError: cannot read requirement 'via A_C >= 1 Mt/yr' at column 5: expected a node, route or route group of the network (did you mean A_M or A_B?)
  via A_C >= 1 Mt/yr
      ^
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crudeflow.errors import RequirementError, UnitError
from crudeflow.ids import AmbiguousIdError, did_you_mean, match_id
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.units import RATE_UNITS, rate_factor, rate_unit_hint

if TYPE_CHECKING:
    from crudeflow.network.model import Network

__all__ = [
    "MAX_RATE_MTPA",
    "Avoid",
    "Requirement",
    "RouteLimit",
    "Share",
    "Via",
    "check_fields",
    "parse_requirement",
    "parse_requirements",
    "resolve_requirement",
]

Op = Literal[">=", "<=", "=="]

MAX_RATE_MTPA = 10_000.0
"""Largest requirement amount accepted, in Mt/yr: far above any country's crude exports, and
small enough that the optimiser's numbers stay well conditioned (amounts of 1e16 Mt/yr made
HiGHS fail). Barrel amounts are converted at :data:`_CHECK_BBL_PER_T` for this check."""

_CHECK_BBL_PER_T = 7.33


@dataclass(frozen=True, slots=True)
class Avoid:
    """No flow on any route that crosses one of ``countries`` or lists one of ``passages``."""

    countries: tuple[str, ...]
    text: str = ""
    passages: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text or f"avoid {','.join((*self.countries, *self.passages))}"


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
    """Share of exported volume entering ``country`` compared with ``fraction``.

    With ``passage`` (and ``country`` empty): flow on the routes listing the passage over
    total supply (docs/dataset-format.md, "Passages").
    """

    country: str
    op: Op
    fraction: float
    text: str = ""
    passage: str = ""

    @property
    def target(self) -> str:
        """The country code or passage id the share is of."""
        return self.passage or self.country

    def __str__(self) -> str:
        return self.text or f"share {self.target} {self.op} {self.fraction * 100:g}%"


Requirement = Avoid | Via | RouteLimit | Share

_TOKEN = re.compile(r"\s*(?:(?P<op>>=|<=|==|=)|(?P<bad>[<>])|(?P<word>[^\s<>=]+))")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_PASSAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,}$")
_PLACE = "an ISO 3166-1 alpha-2 country code such as RU, or a passage id such as HORMUZ"


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


def _country_hint(code: str, countries: Collection[str] | None) -> str:
    """' (did you mean RU?)' from the countries a network's routes cross, or ''."""
    return did_you_mean(code, sorted(countries), cutoff=0.5) if countries else ""


def _ids(
    text: str,
    tokens: list[tuple[str, int]],
    *,
    country: bool,
    at: int | None = None,
    countries: Collection[str] | None = None,
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
        start = max(start, where + len(item)) if where >= 0 else start
        if country:
            if len(item) == 2 and item.upper() not in ISO_ALPHA2:
                raise RequirementError(
                    text,
                    max(where, 0),
                    "an ISO 3166-1 alpha-2 country code such as RU"
                    + _country_hint(item, countries),
                )
            if len(item) != 2 and not _PASSAGE.match(item):
                raise RequirementError(text, max(where, 0), _PLACE + _country_hint(item, countries))
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
        factor = rate_factor(unit, _CHECK_BBL_PER_T)
    except UnitError:
        hint = rate_unit_hint(unit)
        raise RequirementError(
            text,
            unit_pos,
            "a rate unit" + (f" ({hint})" if hint else "") + f"; accepted: {', '.join(RATE_UNITS)}",
        ) from None
    if extra:
        raise RequirementError(text, extra[0][1], "the end of the requirement")
    if number * factor > MAX_RATE_MTPA:
        limit = MAX_RATE_MTPA / factor
        raise RequirementError(
            text,
            pos,
            f"an amount of at most {MAX_RATE_MTPA:,.0f} Mt/yr"
            + ("" if unit == "Mt/yr" else f" ({limit:,.6g} {unit})"),
        )
    return number, unit


def parse_requirement(text: str, *, network: Network | None = None) -> Requirement:
    """Parse one requirement; see the module docstring for the grammar.

    Parameters
    ----------
    text : str
        E.g. ``"via AKTAU,KURYK >= 20 Mt/yr"``.
    network : Network, optional
        Check the ids against this network and make them canonical
        (:func:`resolve_requirement`); without it only the grammar is checked.

    Raises
    ------
    RequirementError
        Naming the column of the first token that does not fit.
    """
    req = _parse(text, countries=None if network is None else _countries(network))
    return req if network is None else resolve_requirement(req, network)


def _parse(text: str, *, countries: Collection[str] | None = None) -> Requirement:
    tokens = _tokens(text)
    if not tokens:
        raise RequirementError(text, 0, "'avoid', 'via', 'share' or 'route'")
    head, head_pos = tokens[0]
    keyword = head.lower()
    rest = tokens[1:]
    op_at = next((i for i, (t, _) in enumerate(rest) if t in (">=", "<=", "==", "=")), None)
    if keyword == "avoid":
        if op_at is not None:
            raise RequirementError(
                text,
                rest[op_at][1],
                "country codes only after 'avoid' (and passage ids such as HORMUZ)",
            )
        places = _ids(text, rest, country=True, countries=countries)
        return Avoid(
            tuple(dict.fromkeys(p for p in places if len(p) == 2)),
            text=text.strip(),
            passages=tuple(dict.fromkeys(p for p in places if len(p) != 2)),
        )
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
    codes = _ids(text, names, country=True, countries=countries)
    if len(codes) != 1:
        raise RequirementError(text, names[0][1], "one country code or passage id")
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
    if len(codes[0]) != 2:
        return Share("", op, fraction, text=text.strip(), passage=codes[0])
    return Share(codes[0], op, fraction, text=text.strip())


def parse_requirements(
    texts: Iterable[str | Requirement], *, network: Network | None = None
) -> tuple[Requirement, ...]:
    """Parse several requirements (already-parsed ones pass through).

    With ``network``, every requirement (parsed here or before) is checked against it and its
    ids made canonical (:func:`resolve_requirement`).

    Examples
    --------
    >>> [type(r).__name__ for r in parse_requirements(["avoid RU", "route CPC <= 40 Mt/yr"])]
    ['Avoid', 'RouteLimit']
    >>> from crudeflow.network.model import toy_network
    >>> [str(r) for r in parse_requirements(["via b >= 1 Mt/yr"], network=toy_network())]
    ['via B >= 1 Mt/yr']
    """
    if network is None:
        return tuple(parse_requirement(t) if isinstance(t, str) else t for t in texts)
    return tuple(
        parse_requirement(t, network=network)
        if isinstance(t, str)
        else resolve_requirement(t, network)
        for t in texts
    )


# -- ids against a network ------------------------------------------------------------------
def _countries(network: Network) -> frozenset[str]:
    """Countries that at least one route of ``network`` crosses."""
    return frozenset(c for r in network.routes for c in r.countries)


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def _position(text: str, name: str) -> int:
    """Column of id ``name`` in ``text`` after the keyword (exactly, else ignoring case), or 0."""
    words = [m for m in _WORD.finditer(text) if m.start() > 0]
    for same in (str.__eq__, lambda a, b: a.casefold() == b.casefold()):
        for m in words:
            if same(m.group(), name):
                return m.start()
    return 0


def _upper_codes(text: str, codes: Iterable[str]) -> str:
    """``text`` with the country codes written in capitals (``avoid ru`` -> ``avoid RU``)."""
    upper = set(codes)
    renamed = {w: w.upper() for w in _WORD.findall(text) if w != w.upper() and w.upper() in upper}
    return _retext(text, renamed)


def _resolve_ids(
    text: str, names: tuple[str, ...], network: Network, *, route_only: bool
) -> tuple[str, ...]:
    """The canonical ids ``names`` stand for (each distinct name looked up once)."""
    spaces: list[list[str]] = [[r.id for r in network.routes], list(network.meta.groups)]
    if not route_only:
        spaces.append([n.id for n in network.nodes])
    exact = {i for ids in spaces for i in ids}
    done: dict[str, str] = {}
    for name in names:
        if name not in done:
            done[name] = name if name in exact else _resolve_id(text, name, network, spaces)
    return tuple(done[n] for n in names)


def _resolve_id(text: str, name: str, network: Network, spaces: list[list[str]]) -> str:
    """The canonical id ``name`` stands for, ignoring case; no exact match exists."""
    route_only = len(spaces) == 2
    for ids in spaces:
        try:
            hit = match_id(name, ids)
        except AmbiguousIdError as exc:
            raise RequirementError(
                text, _position(text, name), f"an id spelled exactly: {exc}"
            ) from None
        if hit is not None:
            return hit
    what = "route or route group" if route_only else "node, route or route group"
    node = match_id(name, [n.id for n in network.nodes]) if route_only else None
    if node is not None:
        raise RequirementError(
            text,
            _position(text, name),
            f"a {what} ({node} is a node: write 'via {node} ...' for the flow through it)",
        )
    hint = did_you_mean(name, [i for ids in spaces for i in ids])
    raise RequirementError(text, _position(text, name), f"a {what} of the network{hint}")


def _resolve_passage(text: str, name: str, network: Network) -> str:
    """The passage id ``name`` stands for (any case); else a "did you mean" error."""
    ids = network.passage_ids()
    hit = match_id(name, ids)
    if hit is not None:
        return hit
    hint = did_you_mean(name, ids) or _country_hint(name, _countries(network))
    raise RequirementError(
        text, _position(text, name), "a country code or a passage of the passages table" + hint
    )


def _retext(text: str, renamed: dict[str, str]) -> str:
    """``text`` with the ids before the comparison replaced by their canonical spelling."""
    if not text or not renamed:
        return text
    m = re.search(r"[<>=]", text)
    head, tail = (text[: m.start()], text[m.start() :]) if m else (text, "")
    keyword = re.match(r"\s*\S+", head)
    k = keyword.end() if keyword else 0

    def swap(t: re.Match[str]) -> str:
        return renamed.get(t.group(), t.group())

    return head[:k] + _WORD.sub(swap, head[k:]) + tail


def check_fields(req: Requirement) -> None:
    """Check a requirement built in Python (not parsed) as the parser checks text.

    A ``Via(("AKTAU",), ">=", float("nan"), "Mt/yr")`` must fail here, at the edge, not in the
    optimiser: ops, amounts (finite, >= 0, at most :data:`MAX_RATE_MTPA`), units, fractions and
    country codes get the parser's rules. :func:`resolve_requirement` calls it.

    Raises
    ------
    RequirementError
        Naming the field that does not fit.

    Examples
    --------
    >>> check_fields(Via(("A",), ">=", 1e20, "Mt/yr"))
    Traceback (most recent call last):
    ...
    crudeflow.errors.RequirementError: cannot read requirement 'via A >= 1e+20 Mt/yr' at column 1: expected an amount of at most 10,000 Mt/yr
      via A >= 1e+20 Mt/yr
      ^
    """
    text = req.text or str(req)
    if isinstance(req, Avoid):
        if not req.countries and not req.passages:
            raise RequirementError(
                text, 0, "a comma-separated list of country codes or passage ids"
            )
        for code in req.countries:
            if not isinstance(code, str) or code.upper() not in ISO_ALPHA2:
                raise RequirementError(text, 0, f"an ISO 3166-1 alpha-2 code, not {code!r}")
        for pid in req.passages:
            if not isinstance(pid, str) or not _PASSAGE.match(pid):
                raise RequirementError(text, 0, f"a passage id such as HORMUZ, not {pid!r}")
        return
    if req.op not in (">=", "<=", "=="):
        raise RequirementError(text, 0, f"a comparison: >=, <= or ==, not {req.op!r}")
    if isinstance(req, Share):
        if req.passage:
            if req.country or not isinstance(req.passage, str) or not _PASSAGE.match(req.passage):
                raise RequirementError(
                    text, 0, f"one passage id such as HORMUZ (and no country), not {req.passage!r}"
                )
        elif not isinstance(req.country, str) or req.country.upper() not in ISO_ALPHA2:
            raise RequirementError(text, 0, f"an ISO 3166-1 alpha-2 code, not {req.country!r}")
        if not (isinstance(req.fraction, int | float) and 0.0 <= req.fraction <= 1.0):
            raise RequirementError(text, 0, "a share between 0 and 1 (0% to 100%)")
        return
    names = req.targets if isinstance(req, Via) else (req.route,)
    if not names or not all(isinstance(n, str) and _ID.match(n) for n in names):
        raise RequirementError(text, 0, "node, route or group ids")
    if not isinstance(req.amount, int | float) or not math.isfinite(req.amount) or req.amount < 0:
        raise RequirementError(text, 0, "a finite number >= 0")
    try:
        factor = rate_factor(req.unit, _CHECK_BBL_PER_T)
    except (UnitError, AttributeError, TypeError):
        raise RequirementError(text, 0, f"a rate unit; accepted: {', '.join(RATE_UNITS)}") from None
    if req.amount * factor > MAX_RATE_MTPA:
        raise RequirementError(text, 0, f"an amount of at most {MAX_RATE_MTPA:,.0f} Mt/yr")


def resolve_requirement(req: Requirement, network: Network) -> Requirement:
    """``req`` with its ids checked against ``network`` and spelled as the dataset spells them.

    Node, route and group ids match regardless of case; an exact match wins, then (ignoring
    case) a route, a route group, a node, in that order. ``route`` takes routes and groups only.
    A ``share`` country must be crossed by a route of the network; a passage (``avoid``,
    ``share``) must be in the network's passages table, and a ``share`` passage listed by a
    route.

    Raises
    ------
    RequirementError
        An id the network lacks (with "did you mean" for near misses), or ids that differ
        only in case.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> resolve_requirement(parse_requirement("via a,B_m >= 2 kb/d"), toy_network()).text
    'via A,B_M >= 2 kb/d'
    """
    text = req.text or str(req)
    check_fields(req)
    if isinstance(req, Via):
        targets = _resolve_ids(text, req.targets, network, route_only=False)
        if targets == req.targets:
            return req
        renamed = dict(zip(req.targets, targets, strict=True))
        return dataclasses.replace(req, targets=targets, text=_retext(req.text, renamed))
    if isinstance(req, RouteLimit):
        (route,) = _resolve_ids(text, (req.route,), network, route_only=True)
        if route == req.route:
            return req
        return dataclasses.replace(req, route=route, text=_retext(req.text, {req.route: route}))
    if isinstance(req, Avoid):
        codes = tuple(c.upper() for c in req.countries)
        passages = tuple(_resolve_passage(text, p, network) for p in req.passages)
        canonical = _upper_codes(req.text, (*codes, *passages))
        if codes == req.countries and passages == req.passages and canonical == req.text:
            return req
        return dataclasses.replace(req, countries=codes, passages=passages, text=canonical)
    if req.passage:
        passage = _resolve_passage(text, req.passage, network)
        listed = sorted({p for r in network.routes for p in r.passages})
        if passage not in listed:
            raise RequirementError(
                text,
                _position(text, req.passage),
                "a passage that a route of the network lists: " + (", ".join(listed) or "none"),
            )
        canonical = _upper_codes(req.text, (passage,))
        if passage == req.passage and canonical == req.text:
            return req
        return dataclasses.replace(req, passage=passage, text=canonical)
    country = req.country.upper()
    crossed = _countries(network)
    if country not in crossed:
        raise RequirementError(
            text,
            _position(text, req.country),
            "a country that a route of the network crosses: " + ", ".join(sorted(crossed)),
        )
    canonical = _upper_codes(req.text, (country,))
    if country == req.country and canonical == req.text:
        return req
    return dataclasses.replace(req, country=country, text=canonical)
