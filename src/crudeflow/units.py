"""Units: tonnes, barrels, Mt/yr and kb/d, through a grade's barrels per tonne.

crudeflow keeps volumes in **Mt** (million tonnes) and rates in **Mt/yr** inside the model. A
tonne of crude becomes barrels only through the grade's barrels per tonne (``bbl_per_t``), via
the pint context ``"crude"``; there is no hidden global conversion factor. A year is pint's
``year`` (365.25 days); monthly periods use the days of their month (see ``days_in_period``).

Examples
--------
>>> round(mtpa_to_kbd(1.0, bbl_per_t=7.32), 2)
20.04
>>> round(kbd_to_mtpa(1200.0, bbl_per_t=7.45), 2)
58.83
>>> round(parse_rate("400 kb/d", bbl_per_t=7.5), 3)
19.48
>>> parse_rate("20 Mt/yr", bbl_per_t=7.92)
20.0
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from crudeflow.errors import UnitError

__all__ = [
    "RATE_UNITS",
    "days_in_period",
    "kbd_to_mtpa",
    "mtpa_to_kbd",
    "parse_rate",
    "rate_factor",
    "rate_unit_error",
    "rate_unit_hint",
    "ureg",
]

ArrayOrFloat = TypeVar("ArrayOrFloat", float, npt.NDArray[np.float64])


@cache
def _registry() -> Any:
    import pint

    # Parsing pint's definitions takes ~0.5 s; its on-disk cache makes later starts ~20x faster.
    try:
        reg: Any = pint.UnitRegistry(cache_folder=":auto:")
    except Exception:  # an unwritable cache folder must not stop a conversion
        reg = pint.UnitRegistry(cache_folder=None)
    # pint's "bbl" is the 31.5-gallon US liquid barrel; in oil, a barrel is 42 US gallons.
    # Redefining logs a warning through pint's logger, which we silence for this one line.
    pint_log = logging.getLogger("pint.util")
    level = pint_log.level
    pint_log.setLevel(logging.ERROR)
    try:
        reg.define("oil_bbl_ = 42 * gallon = bbl")
    finally:
        pint_log.setLevel(level)
    ctx = pint.Context("crude", defaults={"bbl_per_t": 7.33})

    def _mass_to_volume(reg_: Any, x: Any, bbl_per_t: float) -> Any:
        return x * (bbl_per_t * reg_.bbl / reg_.tonne)

    def _volume_to_mass(reg_: Any, x: Any, bbl_per_t: float) -> Any:
        return x / (bbl_per_t * reg_.bbl / reg_.tonne)

    to_volume: Any = _mass_to_volume
    to_mass: Any = _volume_to_mass
    ctx.add_transformation("[mass]", "[length] ** 3", to_volume)
    ctx.add_transformation("[length] ** 3", "[mass]", to_mass)
    ctx.add_transformation("[mass] / [time]", "[length] ** 3 / [time]", to_volume)
    ctx.add_transformation("[length] ** 3 / [time]", "[mass] / [time]", to_mass)
    reg.add_context(ctx)
    return reg


def ureg() -> Any:
    """The pint registry crudeflow uses, with the ``crude`` context and ``bbl`` defined.

    Examples
    --------
    >>> q = ureg().Quantity(1, "Mt").to("Mbbl", "crude", bbl_per_t=7.92)
    >>> round(q.magnitude, 2)
    7.92
    >>> round(ureg().Quantity(1, "bbl").to("litre").magnitude, 2)
    158.99
    """
    return _registry()


# The rate units crudeflow accepts, spelled exactly (case matters), and the pint unit each one
# means. Only spellings with one meaning in oil usage are here: "Mb/d" and "MMbbl" read as
# thousand in some (US, Roman-numeral) usage and million in others, and "mt"/"MT" can be a
# metric tonne or a megatonne, so those are refused with a hint rather than guessed.
RATE_UNITS: dict[str, str] = {
    # million tonnes a year
    "Mt/yr": "Mt/year",
    "Mt/y": "Mt/year",
    "Mt/a": "Mt/year",
    "Mt/year": "Mt/year",
    "Mtpa": "Mt/year",
    "MTPA": "Mt/year",
    "Mt/month": "Mt/month",
    # thousand tonnes (pint reads "kt" as the knot; in oil it is a kilotonne)
    "kt/yr": "kilotonne/year",
    "kt/y": "kilotonne/year",
    "kt/a": "kilotonne/year",
    "kt/year": "kilotonne/year",
    "ktpa": "kilotonne/year",
    "kt/month": "kilotonne/month",
    "kt/d": "kilotonne/day",
    "kt/day": "kilotonne/day",
    # tonnes
    "t/yr": "t/year",
    "t/y": "t/year",
    "t/a": "t/year",
    "t/year": "t/year",
    "t/d": "t/day",
    "t/day": "t/day",
    "tpd": "t/day",
    # barrels a day (42 US gallons), converted through the grade's barrels per tonne
    "b/d": "bbl/day",
    "bbl/d": "bbl/day",
    "bbl/day": "bbl/day",
    "bpd": "bbl/day",
    "kb/d": "kbbl/day",
    "kbd": "kbbl/day",
    "kbbl/d": "kbbl/day",
    "kbbl/day": "kbbl/day",
    "kbpd": "kbbl/day",
    "mb/d": "Mbbl/day",  # million, as the IEA writes it
    "MMb/d": "Mbbl/day",
    "MMbbl/d": "Mbbl/day",
    "MMbpd": "Mbbl/day",
}
"""Accepted rate units (exact spelling) and the pint unit each stands for."""

_ACCEPTED_TEXT = ", ".join(RATE_UNITS)


def rate_unit_hint(unit: str) -> str:
    """Why ``unit`` is not an accepted rate unit and what to write instead ('' if it is one).

    Examples
    --------
    >>> rate_unit_hint("Mt/yr")
    ''
    >>> rate_unit_hint("Mb/d")
    "'Mb/d' is ambiguous, M is a thousand in some oil usage and a million in other: write kb/d for thousand or mb/d (MMb/d) for million barrels a day"
    >>> rate_unit_hint("mt/yr")
    "'mt/yr' is ambiguous, mt can be a metric tonne or a million tonnes: write Mt/yr for million tonnes, t/yr for tonnes"
    >>> rate_unit_hint("Mtpy")
    "did you mean 'Mtpa'?"
    >>> rate_unit_hint("mbpd")  # never a suggestion of another magnitude (not 'bpd')
    "did you mean 'mb/d'?"
    >>> rate_unit_hint("Mt")
    "'Mt' is an amount, not a rate: add a time, e.g. Mt/yr"
    >>> rate_unit_hint("mb/day")
    "did you mean 'mb/d'?"
    """
    import difflib

    u = unit.strip()
    if u in RATE_UNITS:
        return ""
    low = u.lower()
    if low in {"t", "kt", "mt", "mmt", "b", "bbl", "kb", "kbbl", "mb", "mmb", "mbbl", "mmbbl"}:
        return (
            f"{u!r} is an amount, not a rate: add a time, e.g. {'Mt/yr' if 't' in low else 'kb/d'}"
        )
    # "M" alone is the ambiguous prefix; "MM" (million) and "mb" (million, as the IEA writes
    # it) are not, so those get a spelling hint below instead.
    mega_barrels = u.startswith("MM") or (u.startswith("mb") and not u.startswith("mbbl"))
    if re.fullmatch(r"m{1,2}(?:b|bbl|bbls)?(?:/d|/day|d|pd)", low) and not mega_barrels:
        return (
            f"{u!r} is ambiguous, M is a thousand in some oil usage and a million in other: "
            "write kb/d for thousand or mb/d (MMb/d) for million barrels a day"
        )
    mega_tonnes = u.startswith(("Mt", "MMt"))
    if re.fullmatch(r"m{1,2}t(?:pa|/yr|/y|/a|/year|/month|/d|/day)", low) and not mega_tonnes:
        return (
            f"{u!r} is ambiguous, mt can be a metric tonne or a million tonnes: "
            "write Mt/yr for million tonnes, t/yr for tonnes"
        )
    # A suggestion must not change the magnitude: same prefix, same quantity, same period.
    same = [a for a in RATE_UNITS if _kind(a) == _kind(u)]
    folded = {k.lower(): k for k in same}
    if low in folded:
        return f"units are case-sensitive: did you mean {folded[low]!r}?"
    close = difflib.get_close_matches(u, same, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return ""


def _kind(unit: str) -> tuple[str, str, str]:
    """(prefix, quantity, period) of a unit spelling, for suggestions of the same magnitude.

    Examples
    --------
    >>> _kind("MMb/d"), _kind("kt/yr"), _kind("Mtpa"), _kind("bpd")
    (('M', 'b', 'd'), ('k', 't', 'y'), ('M', 't', 'y'), ('', 'b', 'd'))
    """
    u = unit.strip()
    if u.startswith(("MM", "Mt", "MT")) or (u.startswith("mb") and not u.startswith("mbbl")):
        prefix = "M"
    elif u[:1] in ("k", "K"):
        prefix = "k"
    else:
        prefix = ""
    low = u.lower()
    quantity = "b" if "b" in low.split("/")[0] else "t"
    if re.search(r"(?:/d|/day|pd|d)$", low):
        period = "d"
    elif re.search(r"(?:/month|/mo)$", low):
        period = "m"
    elif re.search(r"(?:/yr|/y|/a|/year|pa|py)$", low):
        period = "y"
    else:
        period = "?"
    return prefix, quantity, period


def rate_unit_error(unit: str) -> str:
    """The message for a unit that is not an accepted rate: the hint, then the accepted list.

    Examples
    --------
    >>> rate_unit_error("furlongs").startswith("cannot use 'furlongs' as a rate; accepted units:")
    True
    """
    hint = rate_unit_hint(unit)
    return (
        f"cannot use {unit!r} as a rate"
        + (f" ({hint})" if hint else "")
        + (f"; accepted units: {_ACCEPTED_TEXT}")
    )


@cache
def rate_factor(unit: str, bbl_per_t: float) -> float:
    """Mt/yr in one ``unit`` of a rate (``"kb/d"``, ``"Mt/yr"``, ``"t/d"`` ...).

    Parameters
    ----------
    unit : str
        One of :data:`RATE_UNITS`, spelled exactly: ``Mt/yr`` (also ``Mt/y``, ``Mt/a``,
        ``Mtpa``), ``kt/yr``, ``t/yr``, ``t/d``, ``b/d`` (``bpd``), ``kb/d`` (``kbd``) or
        ``mb/d`` (``MMb/d``) = million barrels a day. Ambiguous spellings such as ``Mb/d``
        (thousand or million?) and ``mt/yr`` (metric tonne or megatonne?) are refused.
    bbl_per_t : float
        Barrels per tonne of the grade concerned (used only for barrel units).

    Returns
    -------
    float
        How many Mt/yr one unit is.

    Raises
    ------
    UnitError
        If the unit is not an accepted rate unit; the message lists the accepted ones.

    Examples
    --------
    >>> round(rate_factor("kb/d", 7.32), 5)
    0.0499
    >>> rate_factor("Mt/yr", 7.32)
    1.0
    >>> round(rate_factor("mb/d", 7.32) / rate_factor("kb/d", 7.32))
    1000
    """
    name = RATE_UNITS.get(unit.strip())
    if name is None:
        raise UnitError(rate_unit_error(unit))
    reg = _registry()
    one = reg.Quantity(1.0, name)
    return float(one.to("Mt/year", "crude", bbl_per_t=bbl_per_t).magnitude)


def mtpa_to_kbd(mtpa: ArrayOrFloat, *, bbl_per_t: float) -> ArrayOrFloat:
    """Convert Mt/yr to thousand barrels per day through the grade's barrels per tonne.

    Works on floats and numpy arrays alike.

    Examples
    --------
    >>> round(mtpa_to_kbd(67.0, bbl_per_t=7.35), 0)
    1348.0
    """
    return mtpa / rate_factor("kb/d", bbl_per_t)


def kbd_to_mtpa(kbd: ArrayOrFloat, *, bbl_per_t: float) -> ArrayOrFloat:
    """Convert thousand barrels per day to Mt/yr through the grade's barrels per tonne.

    Examples
    --------
    >>> round(kbd_to_mtpa(1000.0, bbl_per_t=7.3), 2)
    50.03
    """
    return kbd * rate_factor("kb/d", bbl_per_t)


_RATE_RE = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*([A-Za-z/ ]+?)\s*$")


def parse_rate(text: str, *, bbl_per_t: float) -> float:
    """Read a rate such as ``"20 Mt/yr"`` or ``"400 kb/d"`` and return Mt/yr.

    Raises
    ------
    UnitError
        If the text is not a number followed by a rate unit.

    Examples
    --------
    >>> parse_rate("1.5 Mt/yr", bbl_per_t=7.92)
    1.5
    >>> parse_rate("20 Mt", bbl_per_t=7.92)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crudeflow.errors.UnitError: cannot use 'Mt' as a rate ('Mt' is an amount, not a rate: add a time, e.g. Mt/yr); accepted units: Mt/yr, ...
    """
    match = _RATE_RE.match(text)
    if not match:
        raise UnitError(f"cannot read {text!r} as a rate: expected e.g. '20 Mt/yr' or '400 kb/d'")
    number = float(match.group(1).replace(",", "."))
    return number * rate_factor(match.group(2).replace(" ", ""), bbl_per_t)


def days_in_period(year: int, month: int | None = None) -> float:
    """Days in a calendar year or month (leap years counted).

    Examples
    --------
    >>> days_in_period(2024), days_in_period(2025, 2)
    (366.0, 28.0)
    """
    import calendar

    if month is None:
        return 366.0 if calendar.isleap(year) else 365.0
    return float(calendar.monthrange(year, month)[1])
