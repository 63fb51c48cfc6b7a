"""projects.csv: loading into Network.projects, and every malformed row kind reported with
file:line, field and value (exit 1 from `crudeflow network validate`).

The rows go into a copy of ``tests/fixtures/mini`` (routes A_HUB, B_HUB, HUB_PORT, PORT_MED,
PORT_EU, B_EU_RAIL (planned)). Line 2 is the first row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.invest import Project
from tests.dataset_rows import copy_mini, problems, problems_in, validate_cli, write_rows

# fmt: off
COLUMNS = [
    "id", "name", "route", "adds_mtpa", "adds_source", "modules_max", "capex_musd",
    "capex_source", "opex_musd_per_yr", "opex_source", "lifetime_years", "lifetime_source",
    "earliest_year", "year_source", "requires", "excludes", "hypothetical", "source", "note",
]
# fmt: on
ROW = dict(
    id="PORT_TANKERS",
    name="More tankers",
    route="PORT_MED",
    adds_mtpa="0.375",
    modules_max="8",
    capex_musd="15",
    opex_musd_per_yr="1",
    lifetime_years="25",
    earliest_year="2027",
    source="src_cap",
)
RAIL = dict(ROW, id="RAIL", name="Rail link", route="B_EU_RAIL", adds_mtpa="5", modules_max="1")


def write(folder: Path, *rows: dict[str, str], columns: list[str] = COLUMNS) -> Path:
    return write_rows(folder, "projects.csv", rows, columns)


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return copy_mini(tmp_path)


def row_problems(folder: Path, message: str, *rows: dict[str, str], **kw: list[str]) -> list[str]:
    """Write ``rows``, check a problem starts with ``message`` and return those on projects.csv."""
    return problems_in(write(folder, *rows, **kw), "projects.csv", message)


def test_no_projects_file_gives_no_projects(mini: Path) -> None:
    assert load_dataset(mini).projects == ()


def test_projects_load_in_file_order_with_links(mini: Path) -> None:
    write(
        mini,
        dict(RAIL, requires="", excludes="", hypothetical="yes", note="n"),
        dict(ROW, requires="RAIL"),
    )
    tankers = Project(
        id="PORT_TANKERS",
        name="More tankers",
        route="PORT_MED",
        adds_mtpa=0.375,
        modules_max=8,
        capex_musd=15.0,
        opex_musd_per_yr=1.0,
        lifetime_years=25,
        earliest_year=2027,
        requires=("RAIL",),
        source="src_cap",
    )
    rail = dataclasses.replace(
        tankers, id="RAIL", name="Rail link", route="B_EU_RAIL", adds_mtpa=5.0, modules_max=1
    )
    rail = dataclasses.replace(rail, requires=(), hypothetical=True, note="n")
    assert load_dataset(mini).projects == (rail, tankers)


def test_optional_columns_may_be_left_out(mini: Path) -> None:
    required = [
        "id", "name", "route", "adds_mtpa", "modules_max", "capex_musd", "opex_musd_per_yr",
        "lifetime_years", "earliest_year", "source",
    ]  # fmt: skip
    write(mini, ROW, columns=required)
    assert [p.id for p in load_dataset(mini).projects] == ["PORT_TANKERS"]


def test_mutual_requires_is_allowed(mini: Path) -> None:
    write(mini, dict(ROW, requires="RAIL"), dict(RAIL, requires="PORT_TANKERS"))
    assert problems(mini) == []


# one malformed cell (or pair of rows) -> the exact problem, on the right line
BAD = [
    (dict(ROW, id="a b"), "projects.csv:2: id = 'a b': expected an id of letters"),
    (dict(ROW, name=""), "projects.csv:2: name = '': expected a project name"),
    (
        dict(ROW, route="PORT_MDE"),
        "projects.csv:2: route = 'PORT_MDE': expected a route id from routes.csv "
        "(did you mean PORT_MED",
    ),
    (dict(ROW, adds_mtpa="0"), "projects.csv:2: adds_mtpa = '0': expected Mt/yr added"),
    (dict(ROW, adds_mtpa="-1"), "projects.csv:2: adds_mtpa = '-1': expected Mt/yr added"),
    (dict(ROW, adds_mtpa="nan"), "projects.csv:2: adds_mtpa = 'nan'"),
    (dict(ROW, adds_mtpa="1e9"), "projects.csv:2: adds_mtpa = '1e9'"),
    (dict(ROW, adds_mtpa=""), "projects.csv:2: adds_mtpa = '': expected Mt/yr added"),
    (dict(ROW, modules_max="0"), "projects.csv:2: modules_max = '0': expected how many"),
    (dict(ROW, modules_max="2.5"), "projects.csv:2: modules_max = '2.5': expected how many"),
    (dict(ROW, modules_max="1001"), "projects.csv:2: modules_max = '1001'"),
    (dict(ROW, capex_musd="-5"), "projects.csv:2: capex_musd = '-5': expected a capital cost"),
    (dict(ROW, capex_musd="1e7"), "projects.csv:2: capex_musd = '1e7'"),
    (dict(ROW, capex_musd="ten"), "projects.csv:2: capex_musd = 'ten'"),
    (dict(ROW, opex_musd_per_yr="-1"), "projects.csv:2: opex_musd_per_yr = '-1'"),
    (dict(ROW, lifetime_years="0"), "projects.csv:2: lifetime_years = '0': expected a lifetime"),
    (dict(ROW, lifetime_years="101"), "projects.csv:2: lifetime_years = '101'"),
    (dict(ROW, earliest_year="soon"), "projects.csv:2: earliest_year = 'soon': expected a whole"),
    (dict(ROW, earliest_year="3000"), "projects.csv:2: earliest_year = '3000': expected a year"),
    (dict(ROW, hypothetical="maybe"), "projects.csv:2: hypothetical = 'maybe': expected yes, no"),
    (dict(ROW, source=""), "projects.csv:2: source = '': expected a source id"),
    (dict(ROW, source="nope"), "projects.csv:2: source = 'nope': expected a source id"),
    (
        dict(ROW, source="", capex_source="src_cap"),
        "projects.csv:2: adds_source = '': expected a source for adds_mtpa",
    ),
    (dict(ROW, capex_source="estimate: x"), "projects.csv:2: capex_source = 'estimate: x'"),
    (
        dict(ROW, requires="RIAL"),
        "projects.csv:2: requires = 'RIAL': expected a project id from projects.csv "
        "(did you mean RAIL?)",
    ),
    (
        dict(ROW, requires="PORT_TANKERS"),
        "projects.csv:2: requires = 'PORT_TANKERS': expected another",
    ),
    (dict(ROW, excludes="RAIL;RAIL"), "projects.csv:2: excludes = 'RAIL;RAIL': expected each"),
    (dict(ROW, excludes="a b"), "projects.csv:2: excludes = 'a b': expected project ids"),
    (
        dict(ROW, requires="RAIL", excludes="RAIL"),
        "projects.csv:2: excludes = 'RAIL': expected a project that PORT_TANKERS does not both",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD, ids=[m.split(": ")[1] for _, m in BAD])
def test_every_malformed_row_kind_names_file_line_and_field(
    mini: Path, row: dict[str, str], message: str
) -> None:
    row_problems(mini, message, row, RAIL)


# two rows that are each well formed but not together -> exactly this problem, nothing else
PAIRS = {
    "contradiction": (
        (dict(ROW, requires="RAIL"), dict(RAIL, excludes="PORT_TANKERS")),
        "projects.csv:2: requires = 'RAIL': expected a project that PORT_TANKERS does not both "
        "require and exclude (see line 3)",
    ),
    "duplicate-id": (
        (ROW, ROW),
        "projects.csv:3: id = 'PORT_TANKERS': expected a unique id (also on line 2)",
    ),
}


@pytest.mark.parametrize("case", list(PAIRS))
def test_row_pairs_give_exactly_their_problem(mini: Path, case: str) -> None:
    rows, message = PAIRS[case]
    write(mini, *rows)
    assert problems(mini) == [message]


def test_unknown_column_gets_did_you_mean(mini: Path) -> None:
    cols = [c if c != "capex_musd" else "capex_usd" for c in COLUMNS]
    write(mini, dict(ROW, capex_usd="15"), columns=cols)
    found = problems(mini)
    assert any("capex_usd" in p and "did you mean 'capex_musd'" in p for p in found), found


def test_load_raises_dataset_error_with_every_problem(mini: Path) -> None:
    write(mini, dict(ROW, adds_mtpa="0"), dict(RAIL, lifetime_years="0"))
    with pytest.raises(DatasetError) as err:
        load_dataset(mini)
    text = str(err.value)
    assert "projects.csv:2: adds_mtpa" in text and "projects.csv:3: lifetime_years" in text


def test_validate_cli_exits_1_with_file_line(mini: Path) -> None:
    write(mini, dict(ROW, route="NOPE"))
    out = validate_cli(mini)
    assert out.returncode == 1
    assert "projects.csv:2: route = 'NOPE'" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
