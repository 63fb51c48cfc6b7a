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
    "days_in_period",
    "kbd_to_mtpa",
    "mtpa_to_kbd",
    "parse_rate",
    "rate_factor",
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


_UNIT_ALIASES: dict[str, str] = {
    "mt/yr": "Mt/year",
    "mtpa": "Mt/year",
    "mt/y": "Mt/year",
    "mt/a": "Mt/year",
    "mt/year": "Mt/year",
    # pint reads "kt" as the knot; in oil it is a kilotonne
    "kt/yr": "kilotonne/year",
    "kt/y": "kilotonne/year",
    "kt/a": "kilotonne/year",
    "kt/year": "kilotonne/year",
    "t/yr": "t/year",
    "t/d": "t/day",
    "kt/d": "kilotonne/day",
    "kt/day": "kilotonne/day",
    "kt/month": "kilotonne/month",
    "mt/month": "Mt/month",
    "b/d": "bbl/day",
    "bpd": "bbl/day",
    "bbl/d": "bbl/day",
    "kb/d": "kbbl/day",
    "kbd": "kbbl/day",
    "kbpd": "kbbl/day",
    "kbbl/d": "kbbl/day",
    "mb/d": "Mbbl/day",
    "mbd": "Mbbl/day",
    "mbbl/d": "Mbbl/day",
}


@cache
def rate_factor(unit: str, bbl_per_t: float) -> float:
    """Mt/yr in one ``unit`` of a rate (``"kb/d"``, ``"Mt/yr"``, ``"t/d"`` ...).

    Parameters
    ----------
    unit : str
        A rate unit: mass per time or barrels per time.
    bbl_per_t : float
        Barrels per tonne of the grade concerned (used only for volume units).

    Returns
    -------
    float
        How many Mt/yr one unit is.

    Raises
    ------
    UnitError
        If the unit is not a rate of mass or volume.

    Examples
    --------
    >>> round(rate_factor("kb/d", 7.32), 5)
    0.0499
    >>> rate_factor("Mt/yr", 7.32)
    1.0
    """
    reg = _registry()
    name = _UNIT_ALIASES.get(unit.strip().lower(), unit.strip())
    try:
        one = reg.Quantity(1.0, name)
        value = one.to("Mt/year", "crude", bbl_per_t=bbl_per_t).magnitude
    except Exception as exc:  # pint raises several unrelated types; all mean "not a rate"
        raise UnitError(
            f"cannot use {unit!r} as a rate: expected Mt/yr, kt/yr, t/d, kb/d, mb/d or b/d"
        ) from exc
    return float(value)


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
    >>> parse_rate("20 Mt", bbl_per_t=7.92)
    Traceback (most recent call last):
    ...
    crudeflow.errors.UnitError: cannot use 'Mt' as a rate: expected Mt/yr, kt/yr, t/d, kb/d, mb/d or b/d
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
