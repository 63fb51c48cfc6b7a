"""Requirement input on the command line: bad amounts, units, ids and years give one clear line.

Issue 8 items 12, 14 and 15 as a user meets them: exit 2 for a requirement that cannot be used
(never 4, "solver error"), the message points at the token and says what would work.
"""

from __future__ import annotations

import pytest

from tests.conftest import invoke_cli


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and everything printed (stdout and stderr) for ``crudeflow *args``."""
    code, out = invoke_cli(*args)
    captured = capsys.readouterr()
    return code, out + captured.out + captured.err


@pytest.mark.parametrize(
    ("requirement", "needle"),
    [
        ("via AKTAU >= 1e16 Mt/yr", "at most 10,000 Mt/yr"),
        ("via AKTAU >= 1e20 Mt/yr", "at most 10,000 Mt/yr"),
        ("via AKTAU >= 1e17 Mt/yr", "at most 10,000 Mt/yr"),
        ("route cpc <= 1e9 kb/d", "at most 10,000 Mt/yr"),
        ("via AKTAU >= -3 Mt/yr", "a finite number >= 0"),
        ("via AKTAU >= nan Mt/yr", "a number"),
        ("via AKTAU >= 1 Mb/d", "ambiguous"),
        ("via AKTAU >= 1 mt/yr", "ambiguous"),
        ("via AKTAU >= 1 kg/s", "accepted: Mt/yr"),
        ("via AKTUA >= 1 Mt/yr", "did you mean AKTAU"),
        ("route trans_kaspian <= 1 Mt/yr", "did you mean trans_caspian"),
        ("route AKTAU <= 1 Mt/yr", "AKTAU is a node"),
        ("share FR <= 10%", "crosses"),
    ],
)
def test_bad_requirement_is_exit_2_with_a_clear_message(
    requirement: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("plan", "--require", requirement, capsys=capsys)
    assert code == 2, out
    assert needle in out
    assert "solver error" not in out
    assert "Traceback" not in out


def test_avoid_unknown_country_suggests_one_the_network_crosses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run("plan", "--avoid", "RUS", capsys=capsys)
    assert code == 2
    assert "did you mean RU?" in out


@pytest.mark.parametrize(
    ("requirement", "canonical"),
    [
        ("route CPC <= 40 Mt/yr", "route cpc <= 40 Mt/yr"),
        ("via aktau,kuryk >= 1 Mt/yr", "via AKTAU,KURYK >= 1 Mt/yr"),
    ],
)
def test_ids_in_any_case_plan_and_print_the_dataset_spelling(
    requirement: str, canonical: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("plan", "--require", requirement, capsys=capsys)
    assert code == 0, out
    assert f"Requirement {canonical}:" in out


@pytest.mark.parametrize("year", ["1900", "99999999", "-5", "0", "10000"])
@pytest.mark.parametrize("monthly", [False, True])
def test_year_outside_the_dataset_is_a_clean_error(
    year: str, monthly: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("plan", "--year", year, *(["--monthly"] if monthly else []), capsys=capsys)
    assert code in (1, 2), out
    assert "no supply data" in out or "year" in out
    assert "Traceback" not in out
