"""Units: Mt/yr and kb/d through a grade's barrels per tonne."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crudeflow import UnitError, kbd_to_mtpa, mtpa_to_kbd
from crudeflow.units import RATE_UNITS, parse_rate, rate_factor, rate_unit_hint

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
        ("Mtpa", 1.0),
        ("MTPA", 1.0),
        ("Mt/y", 1.0),
        ("kbd", 1e3 * 365.25 / 7.5 / 1e6),
        ("bpd", 365.25 / 7.5 / 1e6),
        ("MMb/d", 1e6 * 365.25 / 7.5 / 1e6),
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


# -- issue 8 item 15: only unambiguous unit spellings ----------------------------------------
@pytest.mark.parametrize("unit", list(RATE_UNITS))
def test_every_accepted_unit_converts_to_a_positive_rate(unit: str) -> None:
    assert rate_factor(unit, 7.5) > 0


@pytest.mark.parametrize(
    ("unit", "same_as"),
    [
        ("Mt/y", "Mt/yr"),
        ("Mt/a", "Mt/yr"),
        ("Mtpa", "Mt/yr"),
        ("MTPA", "Mt/yr"),
        ("ktpa", "kt/yr"),
        ("kbd", "kb/d"),
        ("kbbl/d", "kb/d"),
        ("bpd", "b/d"),
        ("MMb/d", "mb/d"),
        ("MMbbl/d", "mb/d"),
        ("tpd", "t/d"),
    ],
)
def test_unit_synonyms_agree(unit: str, same_as: str) -> None:
    assert rate_factor(unit, 7.5) == pytest.approx(rate_factor(same_as, 7.5), rel=1e-12)


def test_mb_d_is_million_barrels_and_kb_d_thousand() -> None:
    assert rate_factor("mb/d", 7.5) == pytest.approx(1000 * rate_factor("kb/d", 7.5))
    assert rate_factor("kb/d", 7.5) == pytest.approx(1000 * rate_factor("b/d", 7.5))


@pytest.mark.parametrize(
    "unit", ["Mb/d", "MB/d", "Mbd", "MBD", "Mbbl/d", "mbbl/d", "Mbpd", "Mb/day", "Mbbl/day"]
)
def test_ambiguous_barrel_units_are_rejected_with_hint(unit: str) -> None:
    with pytest.raises(UnitError) as info:
        rate_factor(unit, 7.5)
    msg = str(info.value)
    assert "ambiguous" in msg
    assert "kb/d for thousand" in msg and "mb/d" in msg
    assert "accepted units: Mt/yr" in msg


@pytest.mark.parametrize("unit", ["mt/yr", "MT/yr", "mt/y", "mtpa", "MT/year", "mmt/yr"])
def test_ambiguous_tonne_units_are_rejected_with_hint(unit: str) -> None:
    with pytest.raises(UnitError) as info:
        rate_factor(unit, 7.5)
    assert "ambiguous" in str(info.value)
    assert "write Mt/yr" in str(info.value)


@pytest.mark.parametrize(
    "unit", ["megatonne/year", "kg/s", "m**3/day", "Mt/yr ", "KB/D", "kt/hour", "knot"]
)
def test_no_unit_outside_the_list_is_guessed(unit: str) -> None:
    """pint used to read any unit it knew (kg/s, m**3/day); now only the list is accepted."""
    if unit.strip() in RATE_UNITS:
        assert rate_factor(unit, 7.5) > 0  # surrounding blanks are forgiven
        return
    with pytest.raises(UnitError, match="accepted units: Mt/yr"):
        rate_factor(unit, 7.5)


@pytest.mark.parametrize(
    ("unit", "hint"),
    [
        ("mb/day", "did you mean 'mb/d'?"),
        ("MMB/D", "units are case-sensitive: did you mean 'MMb/d'?"),
        ("MMt/yr", "did you mean 'Mt/yr'?"),
        ("MMbbl/day", "did you mean 'MMbbl/d'?"),
    ],
)
def test_unambiguous_misspellings_get_a_spelling_hint_not_ambiguity(unit: str, hint: str) -> None:
    assert hint in rate_unit_hint(unit)
    assert "ambiguous" not in rate_unit_hint(unit)


@pytest.mark.parametrize("unit", ["Mt/d", "mbpd", "MMbbl/day", "bbl/yr", "kt/s", "Mt/yer"])
def test_a_suggestion_never_changes_the_magnitude(unit: str) -> None:
    """'Mt/d' once suggested 't/d' and 'mbpd' 'bpd': a million-fold error if taken."""
    hint = rate_unit_hint(unit)
    if "did you mean" in hint:
        suggested = hint.split("'")[1]
        assert rate_factor(suggested, 7.5) == pytest.approx(
            {"mbpd": rate_factor("mb/d", 7.5), "MMbbl/day": rate_factor("mb/d", 7.5)}[unit]
        )


def test_case_only_misspelling_suggests_the_accepted_spelling() -> None:
    assert rate_unit_hint("KB/D") == "units are case-sensitive: did you mean 'kb/d'?"
    assert rate_unit_hint("kt/Yr") == "units are case-sensitive: did you mean 'kt/yr'?"
