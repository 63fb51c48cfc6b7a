"""fleet.csv: loading tanker classes, the capacity formula, and every malformed cell reported
with file:line, field and value (docs/dataset-format.md, "The tanker fleet").

The rows go into a copy of ``tests/fixtures/mini`` (tanker routes PORT_MED and PORT_EU from
PORT_Y). Line 2 is the first row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crudeflow import load_dataset
from crudeflow.network._fleet import Fleet, fleet_summary
from crudeflow.solve.lp import Periods, build_lp
from tests.dataset_rows import copy_mini, problems, problems_in, validate_cli, write_rows

# fmt: off
COLUMNS = [
    "id", "name", "routes", "vessels", "vessels_source", "deadweight_t", "deadweight_source",
    "cargo_fraction", "cargo_source", "speed_knots", "ballast_speed_knots", "speed_source",
    "distance_nm", "distance_source", "port_days", "port_source", "weather_days",
    "weather_source", "source", "note",
]
# fmt: on
ROW = dict(
    id="SHUTTLE",
    name="Test shuttle",
    routes="PORT_MED",
    vessels="20",
    deadweight_t="100000",
    speed_knots="12",
    distance_nm="1440",
    port_days="4",
    weather_days="5;4;0;0;0;0;0;0;0;0;0;5",
    source="src_cap",
)


def write(folder: Path, *rows: dict[str, str], columns: list[str] = COLUMNS) -> Path:
    return write_rows(folder, "fleet.csv", rows, columns)


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return copy_mini(tmp_path)


def test_fleet_loads_and_computes_round_trip_and_rate(mini: Path) -> None:
    write(
        mini, ROW, dict(ROW, id="SLOW", vessels="0", ballast_speed_knots="8", cargo_fraction="0.5")
    )
    shuttle, slow = load_dataset(mini).fleet
    # 1440 nm at 12 kn = 5 days each way, + 4 in port = 14 days a round trip
    assert shuttle.round_trip_days == pytest.approx(14.0)
    assert slow.round_trip_days == pytest.approx(5 + 7.5 + 4)
    # one vessel: 100,000 t x (365 - 14) / 14 days = 2.507 Mt a year
    assert shuttle.mtpa_per_vessel == pytest.approx(0.1 * 351 / 14)
    assert shuttle.mtpa == pytest.approx(20 * 0.1 * 351 / 14)
    feb = shuttle.month_mt(2024)[1]  # leap February: 29 days, 4 of them lost to weather
    assert feb == pytest.approx(20 * 0.1 * 25 / 14)
    assert (slow.vessels, slow.payload_t) == (0, 50_000.0)


def test_pool_row_binds_month_by_month(mini: Path) -> None:
    write(mini, dict(ROW, vessels="4"))
    net = load_dataset(mini)
    lp = build_lp(net, Periods.monthly(2025))
    (fr,) = lp.fleet_rows
    assert fr.pool == ("PORT_MED",) and fr.classes == ("SHUTTLE",)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
    weather = np.array([5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], dtype=float)
    want = 4 * 0.1 * (days - weather) / 14
    np.testing.assert_allclose(fr.capacity_mt, want, rtol=1e-12)
    np.testing.assert_allclose(lp.row_upper[fr.first_row : fr.first_row + 12], want, rtol=1e-12)
    annual = build_lp(net, Periods.annual(2025)).fleet_rows[0]
    assert annual.capacity_mt[0] == pytest.approx(want.sum())


def test_classes_on_the_same_legs_share_one_pool(mini: Path) -> None:
    pair = dict(ROW, routes="PORT_EU;PORT_MED")
    write(mini, pair, dict(pair, id="OTHER", routes="PORT_MED;PORT_EU", vessels="1"))
    lp = build_lp(load_dataset(mini), Periods.annual(2025))
    (fr,) = lp.fleet_rows
    assert fr.classes == ("SHUTTLE", "OTHER")
    assert fr.capacity_mt[0] == pytest.approx(21 * 0.1 * 351 / 14)


def test_fleet_summary_counts_vessels_for_a_target() -> None:
    f = Fleet("F", "", ("R",), 2, 10_000.0, 10.0, 120.0, 0.0)  # 1 day a trip: 3.65 Mt a vessel
    (line,) = fleet_summary([f], 2025, target_mtpa=20.0)
    assert line.pool_mt == pytest.approx(7.3)
    assert line.vessels_needed == 4  # 7.3 + 4 x 3.65 = 21.9 >= 20; 3 more give 18.25
    assert fleet_summary([f], 2025, target_mtpa=5.0)[0].vessels_needed == 0


OWN_SOURCES = {
    c: "src_cap"
    for c in ("vessels_source", "deadweight_source", "speed_source", "distance_source",
              "port_source", "weather_source")
}  # fmt: skip
BAD = [
    ("id", dict(ROW, id="bad id"), "fleet.csv:2: id = 'bad id': expected an id"),
    (
        "routes-unknown",
        dict(ROW, routes="PORT_MDE"),
        "fleet.csv:2: routes = 'PORT_MDE': expected a route id from routes.csv (did you mean PORT_MED",
    ),
    ("routes-empty", dict(ROW, routes=""), "fleet.csv:2: routes = '': expected route ids"),
    (
        "routes-twice",
        dict(ROW, routes="PORT_MED;PORT_MED"),
        "fleet.csv:2: routes = 'PORT_MED;PORT_MED': expected each route once",
    ),
    (
        "vessels-frac",
        dict(ROW, vessels="2.5"),
        "fleet.csv:2: vessels = '2.5': expected a number of vessels, a whole number",
    ),
    (
        "vessels-neg",
        dict(ROW, vessels="-1"),
        "fleet.csv:2: vessels = '-1': expected a number of vessels",
    ),
    (
        "vessels-big",
        dict(ROW, vessels="1001"),
        "fleet.csv:2: vessels = '1001': expected a number of vessels",
    ),
    (
        "dwt-zero",
        dict(ROW, deadweight_t="0"),
        "fleet.csv:2: deadweight_t = '0': expected a deadweight in t",
    ),
    (
        "dwt-text",
        dict(ROW, deadweight_t="8kt"),
        "fleet.csv:2: deadweight_t = '8kt': expected a deadweight in t",
    ),
    (
        "dwt-empty",
        dict(ROW, deadweight_t=""),
        "fleet.csv:2: deadweight_t = '': expected a deadweight in t",
    ),
    (
        "cargo",
        dict(ROW, cargo_fraction="1.2"),
        "fleet.csv:2: cargo_fraction = '1.2': expected a share of the deadweight",
    ),
    (
        "speed",
        dict(ROW, speed_knots="0"),
        "fleet.csv:2: speed_knots = '0': expected a speed in knots",
    ),
    (
        "ballast",
        dict(ROW, ballast_speed_knots="60"),
        "fleet.csv:2: ballast_speed_knots = '60': expected a speed in knots",
    ),
    (
        "distance",
        dict(ROW, distance_nm="nan"),
        "fleet.csv:2: distance_nm = 'nan': expected a distance in nautical miles",
    ),
    (
        "port",
        dict(ROW, port_days="-1"),
        "fleet.csv:2: port_days = '-1': expected days per round trip",
    ),
    (
        "weather-11",
        dict(ROW, weather_days="0;0;0;0;0;0;0;0;0;0;0"),
        "fleet.csv:2: weather_days = '0;0;0;0;0;0;0;0;0;0;0': expected 12 numbers",
    ),
    (
        "weather-feb",
        dict(ROW, weather_days="0;29;0;0;0;0;0;0;0;0;0;0"),
        "fleet.csv:2: weather_days = '0;29;0;0;0;0;0;0;0;0;0;0': expected 12 numbers",
    ),
    (
        "weather-text",
        dict(ROW, weather_days="0;x;0;0;0;0;0;0;0;0;0;0"),
        "fleet.csv:2: weather_days = '0;x;0;0;0;0;0;0;0;0;0;0': expected 12 numbers",
    ),
    (
        "source",
        dict(ROW, source="", **OWN_SOURCES),
        "fleet.csv:2: source = '': expected a source id",
    ),
    (
        "source-id",
        dict(ROW, source="nowhere", **OWN_SOURCES),
        "fleet.csv:2: source = 'nowhere': expected a source id from sources.csv",
    ),
    (
        "cell-source",
        dict(ROW, vessels_source="estimate: x"),
        "fleet.csv:2: vessels_source = 'estimate: x': expected 'estimate: ' followed by the reasoning",
    ),
]


@pytest.mark.parametrize(("row", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_fleet_cells_name_file_line_and_field(
    mini: Path, row: dict[str, str], message: str
) -> None:
    found = problems_in(write(mini, row), "fleet.csv", message)
    assert len(found) == 1, found


def test_duplicate_id_and_a_route_in_two_pools(mini: Path) -> None:
    write(
        mini,
        ROW,
        dict(ROW, name="again"),
        dict(ROW, id="MIXED", routes="PORT_MED;PORT_EU"),
    )
    found = problems(mini)
    assert "fleet.csv:3: id = 'SHUTTLE': expected a unique id (also on line 2)" in found
    assert any(
        p.startswith("fleet.csv:4: routes = 'PORT_MED;PORT_EU': expected the same set of routes")
        for p in found
    ), found


def test_misspelled_fleet_column_is_an_error(mini: Path) -> None:
    cols = [c if c != "port_days" else "port_day" for c in COLUMNS]
    write(mini, {**ROW, "port_day": "4"}, columns=cols)
    found = problems(mini)
    assert any(p.startswith("fleet.csv:1: port_day") and "port_days" in p for p in found), found


def test_network_validate_exits_1_on_a_bad_fleet(mini: Path) -> None:
    write(mini, dict(ROW, vessels="many"))
    out = validate_cli(mini)
    assert out.returncode == 1
    assert "fleet.csv:2: vessels = 'many'" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
