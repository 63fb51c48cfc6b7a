"""outages.csv: loading, and every malformed row kind reported with file:line, field and value.

The rows go into a copy of ``tests/fixtures/mini`` (routes A_HUB, B_HUB, HUB_PORT, PORT_MED,
PORT_EU, B_EU_RAIL; nodes FIELD_A, FIELD_B, HUB_X, PORT_Y, MKT_MED, MKT_EU; groups black_sea,
rail). Line 2 is the row under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crudeflow import DatasetError, load_dataset, validate_dataset
from crudeflow.montecarlo import Hazard, OutageModel
from crudeflow.network.model import toy_network
from tests.dataset_rows import MINI, copy_mini, validate_cli, write_rows

# fmt: off
COLUMNS = [
    "id", "kind", "target", "events_per_year", "rate_source", "median_days", "p90_days",
    "duration_days", "duration_source", "lost_min", "lost_max", "lost_source", "months",
    "month_weights", "season_source", "shared", "source", "note",
]
# fmt: on
EVENT = dict(
    id="storm",
    kind="event",
    target="route:PORT_MED",
    events_per_year="2",
    median_days="3",
    p90_days="10",
    lost_min="1",
    source="src_cap",
)
DERATE = dict(id="ice", kind="derate", target="from:PORT_Y", lost_min="0.5", months="12;1;2")
DERATE["source"] = "src_cap"
LIST = dict(median_days="", p90_days="", duration_days="1;2")


def write(folder: Path, *rows: dict[str, str], columns: list[str] = COLUMNS) -> Path:
    return write_rows(folder, "outages.csv", rows, columns)


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return copy_mini(tmp_path)


def row(base: dict[str, str], **cells: str) -> dict[str, str]:
    return {**base, **cells}


def test_no_outages_file_gives_an_empty_model() -> None:
    net = load_dataset(MINI)
    assert net.outages == OutageModel() and not net.outages


def test_a_valid_file_loads_into_frozen_hazards(mini: Path) -> None:
    write(
        mini,
        EVENT,
        row(EVENT, id="storm2", target="node:PORT_Y", shared="s1", **LIST),
        row(EVENT, id="storm3", target="country:TR", shared="s1", **LIST),
        row(DERATE),
        row(EVENT, id="w", target="group:black_sea", month_weights="1;1;1;0;0;0;0;0;0;0;2;2"),
    )
    net = load_dataset(mini)
    m = net.outages
    assert [h.id for h in m.hazards] == ["storm", "storm2", "storm3", "ice", "w"]
    storm = m.hazard("storm")
    assert (storm.median_days, storm.p90_days, storm.lost_max, storm.line) == (3.0, 10.0, 1.0, 2)
    assert m.route_ids(m.hazard("storm2"), net) == ("HUB_PORT", "PORT_MED", "PORT_EU")
    assert m.route_ids(m.hazard("storm3"), net) == ("PORT_MED", "PORT_EU")
    assert m.route_ids(m.hazard("ice"), net) == ("PORT_MED", "PORT_EU")
    assert m.hazard("ice").month_weights == (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    assert m.hazard("w").month_weights[11] == 2.0
    assert [k for k, _ in m.processes] == ["storm", "s1", "w"]
    with pytest.raises(AttributeError):
        storm.events_per_year = 3.0  # type: ignore[misc]


def test_shared_rows_may_differ_in_target_and_loss(mini: Path) -> None:
    write(
        mini,
        row(EVENT, shared="k"),
        row(EVENT, id="b", target="route:PORT_EU", shared="k", lost_min="0.2", lost_max="0.5"),
    )
    assert dict(load_dataset(mini).outages.processes) == {"k": (0, 1)}


# (case, the row on line 2 (or None: the whole file), field that must be named, value)
CASES: list[tuple[str, dict[str, str], str, str]] = [
    ("bad-id", row(EVENT, id="a storm"), "id", "a storm"),
    ("bad-kind", row(EVENT, kind="outage"), "kind", "outage"),
    ("target-without-prefix", row(EVENT, target="PORT_MED"), "target", "PORT_MED"),
    ("target-unknown-prefix", row(EVENT, target="port:PORT_Y"), "target", "port:PORT_Y"),
    ("target-unknown-route", row(EVENT, target="route:NOPE"), "target", "route:NOPE"),
    ("target-unknown-group", row(EVENT, target="group:nope"), "target", "group:nope"),
    ("target-unknown-node", row(EVENT, target="node:NOPE"), "target", "node:NOPE"),
    ("target-node-no-routes", row(EVENT, target="from:MKT_EU"), "target", "from:MKT_EU"),
    ("target-bad-country", row(EVENT, target="country:XX"), "target", "country:XX"),
    ("target-country-not-crossed", row(EVENT, target="country:CN"), "target", "country:CN"),
    ("rate-missing", row(EVENT, events_per_year=""), "events_per_year", ""),
    ("rate-not-a-number", row(EVENT, events_per_year="often"), "events_per_year", "often"),
    ("rate-zero", row(EVENT, events_per_year="0"), "events_per_year", "0"),
    ("rate-negative", row(EVENT, events_per_year="-1"), "events_per_year", "-1"),
    ("rate-infinite", row(EVENT, events_per_year="inf"), "events_per_year", "inf"),
    ("no-duration", row(EVENT, median_days="", p90_days=""), "median_days", ""),
    ("median-without-p90", row(EVENT, p90_days=""), "p90_days", ""),
    ("p90-without-median", row(EVENT, median_days=""), "median_days", ""),
    ("median-zero", row(EVENT, median_days="0"), "median_days", "0"),
    ("p90-below-median", row(EVENT, p90_days="2"), "p90_days", "2"),
    ("both-duration-forms", row(EVENT, duration_days="2;3"), "duration_days", "2;3"),
    (
        "duration-list-bad",
        row(EVENT, median_days="", p90_days="", duration_days="2;x"),
        "duration_days",
        "2;x",
    ),
    (
        "duration-list-zero",
        row(EVENT, median_days="", p90_days="", duration_days="2;0"),
        "duration_days",
        "2;0",
    ),
    ("lost-missing", row(EVENT, lost_min=""), "lost_min", ""),
    ("lost-above-one", row(EVENT, lost_min="1.5"), "lost_min", "1.5"),
    ("lost-negative", row(EVENT, lost_min="-0.1"), "lost_min", "-0.1"),
    ("lost-max-below-min", row(EVENT, lost_min="0.5", lost_max="0.4"), "lost_max", "0.4"),
    ("lost-max-above-one", row(EVENT, lost_min="0.5", lost_max="2"), "lost_max", "2"),
    ("lost-zero", row(EVENT, lost_min="0"), "lost_min", "0"),
    ("months-bad", row(EVENT, months="13"), "months", "13"),
    ("months-not-numbers", row(EVENT, months="Nov;Dec"), "months", "Nov;Dec"),
    ("months-repeated", row(EVENT, months="1;1"), "months", "1;1"),
    (
        "weights-eleven",
        row(EVENT, month_weights=";".join("1" * 11)),
        "month_weights",
        "1;" * 10 + "1",
    ),
    (
        "weights-all-zero",
        row(EVENT, month_weights=";".join("0" * 12)),
        "month_weights",
        "0;" * 11 + "0",
    ),
    (
        "weights-negative",
        row(EVENT, month_weights="-1" + ";1" * 11),
        "month_weights",
        "-1" + ";1" * 11,
    ),
    (
        "weights-other-digits",  # float() reads '\uff11' and '1_0': the digits 0-9 only
        row(EVENT, month_weights="\uff11" + ";1_0" * 11),
        "month_weights",
        "\uff11" + ";1_0" * 11,
    ),
    (
        "duration-list-other-digits",
        row(EVENT, median_days="", p90_days="", duration_days="2;1_0"),
        "duration_days",
        "2;1_0",
    ),
    (
        "months-and-weights",
        row(EVENT, months="1", month_weights="1" + ";1" * 11),
        "month_weights",
        "1" + ";1" * 11,
    ),
    ("bad-shared-key", row(EVENT, shared="a b"), "shared", "a b"),
    ("no-source", row(EVENT, source=""), "source", ""),
    ("unknown-source", row(EVENT, source="nope"), "source", "nope"),
    ("unknown-rate-source", row(EVENT, rate_source="nope"), "rate_source", "nope"),
    ("empty-estimate", row(EVENT, duration_source="estimate:"), "duration_source", "estimate:"),
    ("unknown-lost-source", row(EVENT, lost_source="nope"), "lost_source", "nope"),
    (
        "unknown-season-source",
        row(EVENT, months="1", season_source="nope"),
        "season_source",
        "nope",
    ),
    ("derate-without-months", row(DERATE, months=""), "months", ""),
    ("derate-with-rate", row(DERATE, events_per_year="2"), "events_per_year", "2"),
    ("derate-with-duration", row(DERATE, median_days="3"), "median_days", "3"),
    ("derate-with-weights", row(DERATE, months="", month_weights="1" + ";1" * 11), "months", ""),
    ("derate-with-shared", row(DERATE, shared="k"), "shared", "k"),
    ("derate-with-range", row(DERATE, lost_max="0.8"), "lost_max", "0.8"),
]


@pytest.mark.parametrize(("case", "bad", "field", "value"), CASES, ids=[c[0] for c in CASES])
def test_every_malformed_row_kind_is_reported(
    mini: Path, case: str, bad: dict[str, str], field: str, value: str
) -> None:
    write(mini, bad)
    problems = validate_dataset(mini)
    hits = [p for p in problems if (p.file, p.line, p.field) == ("outages.csv", 2, field)]
    assert hits, f"{case}: {problems}"
    assert hits[0].value == value and hits[0].expected


def test_duplicate_id_names_the_first_line(mini: Path) -> None:
    write(mini, EVENT, EVENT)
    (p,) = validate_dataset(mini)
    assert (p.file, p.line, p.field, p.value) == ("outages.csv", 3, "id", "storm")
    assert "line 2" in p.expected


@pytest.mark.parametrize(
    ("col", "other"),
    [("events_per_year", "3"), ("median_days", "2"), ("p90_days", "11"), ("months", "1;2")],
)
def test_rows_sharing_a_key_must_agree_on_rate_duration_and_season(
    mini: Path, col: str, other: str
) -> None:
    write(mini, row(EVENT, shared="k"), row(EVENT, id="b", shared="k", **{col: other}))
    problems = validate_dataset(mini)
    assert [(p.line, p.field) for p in problems] == [(3, col)]
    assert "line 2" in problems[0].expected


def test_missing_required_column_is_reported_on_the_header(mini: Path) -> None:
    write(mini, EVENT, columns=[c for c in COLUMNS if c != "target"])
    assert ("outages.csv", 1, "target") in {
        (p.file, p.line, p.field) for p in validate_dataset(mini)
    }


def test_unused_source_check_counts_outages(mini: Path) -> None:
    with (mini / "sources.csv").open("a", encoding="utf-8") as fh:
        fh.write('src_storms,Storm log,https://example.org/storms,2024,"two storms a year"\n')
    write(mini, row(EVENT, rate_source="src_storms"))
    assert validate_dataset(mini) == []
    write(mini, EVENT)
    assert [p.value for p in validate_dataset(mini)] == ["src_storms"]


def test_load_raises_with_every_problem(mini: Path) -> None:
    write(mini, row(EVENT, kind="x"), row(EVENT, id="b", lost_min="7"))
    with pytest.raises(DatasetError) as err:
        load_dataset(mini)
    assert {(p.line, p.field) for p in err.value.problems} == {(2, "kind"), (3, "lost_min")}


def test_cli_network_validate_reports_outages_with_file_line_and_exits_1(mini: Path) -> None:
    write(mini, row(EVENT, events_per_year="often"))
    proc = validate_cli(mini)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "outages.csv:2: events_per_year = 'often'" in proc.stderr + proc.stdout


def test_route_ids_of_every_target_kind() -> None:
    net = toy_network()
    m = OutageModel()
    hit = {
        kind: m.route_ids(Hazard("h", "event", kind, name), net)  # type: ignore[arg-type]
        for kind, name in [
            ("route", "A_M"),
            ("node", "B"),
            ("from", "A"),
            ("to", "M"),
            ("country", "RU"),
        ]
    }
    assert hit == {
        "route": ("A_M",),
        "node": ("A_B", "B_M"),
        "from": ("A_B", "A_M"),
        "to": ("B_M", "A_M"),
        "country": ("A_B", "B_M"),
    }
    with pytest.raises(KeyError):
        m.route_ids(Hazard("h", "event", "node", "NOPE"), net)
