"""Units: Mt/yr and kb/d through a grade's barrels per tonne."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crudeflow import UnitError, kbd_to_mtpa, mtpa_to_kbd
from crudeflow.units import parse_rate, rate_factor

BBL_PER_T = st.floats(min_value=5.0, max_value=10.0)


@settings(max_examples=100, deadline=None, database=None)
@given(mtpa=st.floats(min_value=0.0, max_value=1e4), bbl_per_t=BBL_PER_T)
def test_mtpa_kbd_round_trip(mtpa: float, bbl_per_t: float) -> None:
    kbd = mtpa_to_kbd(mtpa, bbl_per_t=bbl_per_t)
    back = kbd_to_mtpa(kbd, bbl_per_t=bbl_per_t)
    assert back == pytest.approx(mtpa, rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None, database=None)
@given(mtpa=st.floats(min_value=0.001, max_value=1e4), bbl_per_t=BBL_PER_T)
def test_kbd_is_tonnes_times_barrels_per_tonne_per_day(mtpa: float, bbl_per_t: float) -> None:
    # 1 Mt/yr = 1e6 t * bbl_per_t bbl / 365.25 days, in thousands of barrels
    expected = mtpa * 1e6 * bbl_per_t / 365.25 / 1e3
    assert mtpa_to_kbd(mtpa, bbl_per_t=bbl_per_t) == pytest.approx(expected, rel=1e-9)


def test_known_value() -> None:
    assert mtpa_to_kbd(67.0, bbl_per_t=7.35) == pytest.approx(1348, abs=1)
    assert kbd_to_mtpa(1348.0, bbl_per_t=7.35) == pytest.approx(67.0, abs=0.05)


def test_grade_changes_barrels() -> None:
    light = mtpa_to_kbd(10.0, bbl_per_t=7.9)
    heavy = mtpa_to_kbd(10.0, bbl_per_t=7.0)
    assert light != pytest.approx(heavy)
    assert light / heavy == pytest.approx(7.9 / 7.0)


def test_arrays_work() -> None:
    out = mtpa_to_kbd(np.array([0.0, 1.0, 2.0]), bbl_per_t=7.5)
    assert out.shape == (3,)
    assert out[2] == pytest.approx(2 * out[1])


@pytest.mark.parametrize(
    ("unit", "mtpa_per_unit"),
    [
        ("Mt/yr", 1.0),
        ("mtpa", 1.0),
        ("t/d", 365.25e-6),
        ("kb/d", 1e3 * 365.25 / 7.5 / 1e6),
        ("mb/d", 1e6 * 365.25 / 7.5 / 1e6),
        ("b/d", 365.25 / 7.5 / 1e6),
        pytest.param(
            "kt/yr",
            1e-3,
        ),
    ],
)
def test_rate_factor(unit: str, mtpa_per_unit: float) -> None:
    assert rate_factor(unit, 7.5) == pytest.approx(mtpa_per_unit, rel=1e-9)


def test_parse_rate() -> None:
    assert parse_rate("20 Mt/yr", bbl_per_t=7.92) == 20.0
    assert parse_rate("400 kb/d", bbl_per_t=7.5) == pytest.approx(kbd_to_mtpa(400.0, bbl_per_t=7.5))
    assert parse_rate("1,5 Mt/yr", bbl_per_t=7.5) == 1.5


@pytest.mark.parametrize("text", ["20 Mt", "20 kg", "20 km/h", "Mt/yr", "twenty Mt/yr", ""])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(UnitError):
        parse_rate(text, bbl_per_t=7.5)


@pytest.mark.parametrize("unit", ["Mt", "bbl", "day", "furlong", ""])
def test_rate_factor_rejects_non_rates(unit: str) -> None:
    with pytest.raises(UnitError, match="as a rate"):
        rate_factor(unit, 7.5)


def test_mt_is_not_a_rate_message() -> None:
    with pytest.raises(UnitError) as info:
        parse_rate("20 Mt", bbl_per_t=7.92)
    assert "'Mt'" in str(info.value)
