"""The validating loader: every kind of bad input is reported with file, line and field.

Line numbers refer to ``tests/fixtures/mini`` (the header is line 1):

* nodes.csv: 2 FIELD_A, 3 FIELD_B, 4 HUB_X, 5 PORT_Y, 6 MKT_MED, 7 MKT_EU
* routes.csv: 2 A_HUB, 3 B_HUB, 4 HUB_PORT, 5 PORT_MED, 6 PORT_EU, 7 B_EU_RAIL (planned)
* supply.csv: 2 FIELD_A 2024, 3 FIELD_B 2024, 4 FIELD_A 2025, 5 FIELD_B 2025
* sources.csv: 2 src_geo, 3 src_cap, 4 src_tariff, 5 src_supply, 6 src_prices, 7 src_grades,
  8 src_obs
* dataset.yaml: 3 producer, 4 base_year, 6 default_grade, 8-11 grade MINI (10 bbl_per_t,
  11 source), 12-15 grade LITE (14 bbl_per_t), 17 group black_sea, 18 group rail
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crudeflow import DatasetError, load_dataset, validate_dataset
from crudeflow.errors import Problem

# fmt: off
ROUTE_COLUMNS = [
    "id", "name", "from", "to", "mode", "grade", "capacity_mtpa", "capacity_source",
    "physical_capacity_mtpa", "physical_capacity_source", "tariff_usd_per_t", "tariff_source",
    "transit_days", "transit_source", "loss_pct", "loss_source", "countries", "status",
    "since_year", "source", "note",
]
# fmt: on


def route_row(**cells: str) -> str:
    """A routes.csv line: a valid FIELD_B -> HUB_X pipeline unless ``cells`` say otherwise."""
    row = dict.fromkeys(ROUTE_COLUMNS, "")
    row.update(
        id="B_HUB_2",
        **{"from": "FIELD_B", "to": "HUB_X"},
        mode="pipeline",
        capacity_mtpa="1",
        tariff_usd_per_t="1",
        countries="KZ",
        status="operating",
        source="src_cap",
    )
    row.update(cells)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([row[c] for c in ROUTE_COLUMNS])
    return buf.getvalue()


Edit = Callable[[Any], object]
Where = tuple[str, int | None, str]

# (case id, edit applied to a fresh copy, (file, line, field) of a problem that must be reported)
CASES: list[tuple[str, Edit, Where]] = [
    # files and columns
    ("missing-routes-file", lambda d: d.delete("routes.csv"), ("routes.csv", None, "")),
    ("missing-yaml-file", lambda d: d.delete("dataset.yaml"), ("dataset.yaml", None, "")),
    ("missing-benchmarks-file", lambda d: d.delete("benchmarks.csv"), ("benchmarks.csv", None, "")),
    (
        "missing-column-mode",
        lambda d: d.drop_column("routes.csv", "mode"),
        ("routes.csv", 1, "mode"),
    ),
    (
        "missing-column-year",
        lambda d: d.drop_column("supply.csv", "year"),
        ("supply.csv", 1, "year"),
    ),
    (
        "extra-cells-in-row",
        lambda d: d.append("routes.csv", route_row() + ",surplus"),
        ("routes.csv", 8, ""),
    ),
    # ids
    (
        "duplicate-node-id",
        lambda d: d.append("nodes.csv", "HUB_X,Copy hub,hub,KZ,47.1,51.9,src_geo,,,src_geo,"),
        ("nodes.csv", 8, "id"),
    ),
    (
        "duplicate-route-id",
        lambda d: d.append("routes.csv", route_row(id="A_HUB")),
        ("routes.csv", 8, "id"),
    ),
    (
        "bad-node-id",
        lambda d: d.set_cell("nodes.csv", "HUB_X", "id", "HUB X"),
        ("nodes.csv", 4, "id"),
    ),
    # references to nodes
    (
        "route-from-unknown-node",
        lambda d: d.set_cell("routes.csv", "A_HUB", "from", "NOWHERE"),
        ("routes.csv", 2, "from"),
    ),
    (
        "route-to-unknown-node",
        lambda d: d.set_cell("routes.csv", "PORT_MED", "to", "NOWHERE"),
        ("routes.csv", 5, "to"),
    ),
    (
        "supply-unknown-node",
        lambda d: d.set_cell("supply.csv", "FIELD_B", "node", "NOWHERE"),
        ("supply.csv", 3, "node"),
    ),
    (
        "market-unknown-node",
        lambda d: d.set_cell("markets.csv", "MKT_EU", "node", "NOWHERE"),
        ("markets.csv", 3, "node"),
    ),
    # numbers
    (
        "non-numeric-capacity",
        lambda d: d.set_cell("routes.csv", "B_HUB", "capacity_mtpa", "lots"),
        ("routes.csv", 3, "capacity_mtpa"),
    ),
    (
        "negative-capacity",
        lambda d: d.set_cell("routes.csv", "HUB_PORT", "capacity_mtpa", "-5"),
        ("routes.csv", 4, "capacity_mtpa"),
    ),
    (
        "empty-capacity",
        lambda d: d.set_cell("routes.csv", "PORT_EU", "capacity_mtpa", ""),
        ("routes.csv", 6, "capacity_mtpa"),
    ),
    (
        "infinite-tariff",
        lambda d: d.set_cell("routes.csv", "A_HUB", "tariff_usd_per_t", "inf"),
        ("routes.csv", 2, "tariff_usd_per_t"),
    ),
    (
        "physical-below-capacity",
        lambda d: d.set_cell("routes.csv", "B_HUB", "physical_capacity_mtpa", "10"),
        ("routes.csv", 3, "physical_capacity_mtpa"),
    ),
    (
        "loss-pct-100",
        lambda d: d.set_cell("routes.csv", "HUB_PORT", "loss_pct", "100"),
        ("routes.csv", 4, "loss_pct"),
    ),
    (
        "loss-pct-negative",
        lambda d: d.set_cell("routes.csv", "HUB_PORT", "loss_pct", "-0.5"),
        ("routes.csv", 4, "loss_pct"),
    ),
    (
        "since-year-not-a-year",
        lambda d: d.set_cell("routes.csv", "B_HUB", "since_year", "soon"),
        ("routes.csv", 3, "since_year"),
    ),
    (
        "latitude-above-90",
        lambda d: d.set_cell("nodes.csv", "FIELD_B", "lat", "91"),
        ("nodes.csv", 3, "lat"),
    ),
    (
        "latitude-below-minus-90",
        lambda d: d.set_cell("nodes.csv", "PORT_Y", "lat", "-90.5"),
        ("nodes.csv", 5, "lat"),
    ),
    (
        "longitude-below-minus-180",
        lambda d: d.set_cell("nodes.csv", "MKT_EU", "lon", "-181"),
        ("nodes.csv", 7, "lon"),
    ),
    (
        "negative-supply",
        lambda d: d.set_cell("supply.csv", "FIELD_B", "mt", "-1"),
        ("supply.csv", 3, "mt"),
    ),
    (
        "zero-brent",
        lambda d: d.set_cell("benchmarks.csv", "2025", "brent_usd_per_bbl", "0"),
        ("benchmarks.csv", 3, "brent_usd_per_bbl"),
    ),
    # codes and choices
    (
        "node-unknown-country",
        lambda d: d.set_cell("nodes.csv", "HUB_X", "country", "XX"),
        ("nodes.csv", 4, "country"),
    ),
    (
        "node-empty-country-not-market",
        lambda d: d.set_cell("nodes.csv", "FIELD_A", "country", ""),
        ("nodes.csv", 2, "country"),
    ),
    (
        "route-unknown-country",
        lambda d: d.set_cell("routes.csv", "PORT_EU", "countries", "RU;TR;ZZ"),
        ("routes.csv", 6, "countries"),
    ),
    (
        "route-no-countries",
        lambda d: d.set_cell("routes.csv", "A_HUB", "countries", ""),
        ("routes.csv", 2, "countries"),
    ),
    (
        "unknown-mode",
        lambda d: d.set_cell("routes.csv", "A_HUB", "mode", "truck"),
        ("routes.csv", 2, "mode"),
    ),
    (
        "unknown-status",
        lambda d: d.set_cell("routes.csv", "B_EU_RAIL", "status", "dreaming"),
        ("routes.csv", 7, "status"),
    ),
    (
        "unknown-kind",
        lambda d: d.set_cell("nodes.csv", "PORT_Y", "kind", "volcano"),
        ("nodes.csv", 5, "kind"),
    ),
    (
        "producer-unknown-country",
        lambda d: d.replace("dataset.yaml", "producer: KZ", "producer: XX"),
        ("dataset.yaml", 3, "producer"),
    ),
    # sources
    (
        "unknown-source-id",
        lambda d: d.set_cell("routes.csv", "A_HUB", "capacity_source", "src_nope"),
        ("routes.csv", 2, "capacity_source"),
    ),
    (
        "unknown-source-id-in-list",
        lambda d: d.set_cell("supply.csv", "FIELD_A", "source", "src_supply;src_nope"),
        ("supply.csv", 2, "source"),
    ),
    (
        "estimate-without-reasoning",
        lambda d: d.set_cell("nodes.csv", "FIELD_B", "coords_source", "estimate:"),
        ("nodes.csv", 3, "coords_source"),
    ),
    (
        "estimate-blank-reasoning",
        lambda d: d.set_cell("markets.csv", "MKT_EU", "max_source", "estimate:    "),
        ("markets.csv", 3, "max_source"),
    ),
    (
        "grade-estimate-without-reasoning",
        lambda d: d.replace("dataset.yaml", "source: src_grades", 'source: "estimate:"'),
        ("dataset.yaml", 11, "grades.source"),
    ),
    (
        "unused-source",
        lambda d: d.append("sources.csv", "src_spare,Spare,https://example.org/spare,2024,a quote"),
        ("sources.csv", 9, "id"),
    ),
    (
        "url-without-scheme",
        lambda d: d.set_cell("sources.csv", "src_cap", "url", "example.org/capacity"),
        ("sources.csv", 3, "url"),
    ),
    (
        "url-ftp",
        lambda d: d.set_cell("sources.csv", "src_geo", "url", "ftp://example.org/x"),
        ("sources.csv", 2, "url"),
    ),
    (
        "url-with-space",
        lambda d: d.set_cell("sources.csv", "src_obs", "url", "https://exa mple.org/x"),
        ("sources.csv", 8, "url"),
    ),
    (
        "bad-as-of",
        lambda d: d.set_cell("sources.csv", "src_tariff", "as_of", "June 2024"),
        ("sources.csv", 4, "as_of"),
    ),
    (
        "supply-without-source",
        lambda d: d.set_cell("supply.csv", "FIELD_B", "source", ""),
        ("supply.csv", 3, "source"),
    ),
    (
        "tariff-without-any-source",
        lambda d: d.set_cell("routes.csv", "B_HUB", "tariff_source", "").set_cell(
            "routes.csv", "B_HUB", "source", ""
        ),
        ("routes.csv", 3, "tariff_source"),
    ),
    (
        "brent-without-source",
        lambda d: d.set_cell("benchmarks.csv", "2024", "source", ""),
        ("benchmarks.csv", 2, "source"),
    ),
    # network shape
    (
        "route-into-field",
        lambda d: d.set_cell("routes.csv", "A_HUB", "to", "FIELD_B"),
        ("routes.csv", 2, "to"),
    ),
    (
        "route-out-of-market",
        lambda d: d.set_cell("routes.csv", "PORT_EU", "from", "MKT_MED"),
        ("routes.csv", 6, "from"),
    ),
    (
        "self-loop",
        lambda d: d.set_cell("routes.csv", "HUB_PORT", "to", "HUB_X"),
        ("routes.csv", 4, "to"),
    ),
    (
        "disconnected-supply-new-field",
        lambda d: d.append(
            "nodes.csv", "FIELD_C,Gamma test field,field,KZ,44,54,src_geo,,,src_geo,"
        ).append("supply.csv", "FIELD_C,2024,3,src_supply,"),
        ("supply.csv", 6, "node"),
    ),
    (
        "disconnected-supply-cut-trunk",
        lambda d: d.drop_row("routes.csv", "HUB_PORT"),
        ("supply.csv", 4, "node"),
    ),
    # supply, markets, benchmarks, groups
    (
        "duplicate-supply-row",
        lambda d: d.append("supply.csv", "FIELD_B,2025,9,src_supply,"),
        ("supply.csv", 6, "node"),
    ),
    (
        "supply-at-market",
        lambda d: d.set_cell("supply.csv", "FIELD_B", "node", "MKT_EU"),
        ("supply.csv", 3, "node"),
    ),
    (
        "supply-year-without-brent",
        lambda d: d.append("supply.csv", "FIELD_A,2026,23,src_supply,"),
        ("supply.csv", 6, "year"),
    ),
    (
        "duplicate-brent-year",
        lambda d: d.append("benchmarks.csv", "2024,81,src_prices,"),
        ("benchmarks.csv", 4, "year"),
    ),
    (
        "market-row-for-non-market",
        lambda d: d.append("markets.csv", "HUB_X,MINI,0,src_prices,,,src_prices,"),
        ("markets.csv", 4, "node"),
    ),
    (
        "market-node-without-row",
        lambda d: d.drop_row("markets.csv", "MKT_MED"),
        ("nodes.csv", 6, "id"),
    ),
    (
        "duplicate-market-row",
        lambda d: d.append("markets.csv", "MKT_MED,MINI,0,src_prices,,,src_prices,"),
        ("markets.csv", 4, "node"),
    ),
    (
        "route-unknown-grade",
        lambda d: d.set_cell("routes.csv", "A_HUB", "grade", "HEAVY"),
        ("routes.csv", 2, "grade"),
    ),
    (
        "market-unknown-grade",
        lambda d: d.set_cell("markets.csv", "MKT_MED", "grade", "HEAVY"),
        ("markets.csv", 2, "grade"),
    ),
    (
        "unknown-default-grade",
        lambda d: d.replace("dataset.yaml", "default_grade: MINI", "default_grade: HEAVY"),
        ("dataset.yaml", 6, "default_grade"),
    ),
    (
        "bbl-per-t-too-high",
        lambda d: d.replace("dataset.yaml", "bbl_per_t: 7.9", "bbl_per_t: 12.5"),
        ("dataset.yaml", 14, "grades.bbl_per_t"),
    ),
    (
        "bbl-per-t-too-low",
        lambda d: d.replace("dataset.yaml", "bbl_per_t: 7.5", "bbl_per_t: 4"),
        ("dataset.yaml", 10, "grades.bbl_per_t"),
    ),
    (
        "bbl-per-t-not-a-number",
        lambda d: d.replace("dataset.yaml", "bbl_per_t: 7.5", "bbl_per_t: heavy"),
        ("dataset.yaml", 10, "grades.bbl_per_t"),
    ),
    (
        "base-year-not-a-year",
        lambda d: d.replace("dataset.yaml", "base_year: 2025", "base_year: soon"),
        ("dataset.yaml", 4, "base_year"),
    ),
    (
        "group-unknown-route",
        lambda d: d.replace("dataset.yaml", "rail: [B_EU_RAIL]", "rail: [B_EU_RAIL, NO_SUCH]"),
        ("dataset.yaml", 18, "groups.rail"),
    ),
    (
        "group-not-a-list",
        lambda d: d.replace(
            "dataset.yaml", "black_sea: [PORT_MED, PORT_EU]", "black_sea: PORT_MED"
        ),
        ("dataset.yaml", 17, "groups.black_sea"),
    ),
    (
        "observed-unknown-group",
        lambda d: d.set_cell("observed.csv", "2024", "group", "nope"),
        ("observed.csv", 2, "group"),
    ),
    # YAML syntax
    (
        "yaml-mapping-in-scalar",
        lambda d: d.replace("dataset.yaml", "name: Lite test blend", "name: Lite: test blend"),
        ("dataset.yaml", 13, ""),
    ),
    (
        "yaml-tab-indent",
        lambda d: d.replace("dataset.yaml", "    bbl_per_t: 7.9", "\tbbl_per_t: 7.9"),
        ("dataset.yaml", 14, ""),
    ),
    (
        "yaml-impossible-date",
        lambda d: d.replace("dataset.yaml", "base_year: 2025", "base_year: 2025-13-45"),
        ("dataset.yaml", None, ""),
    ),
    (
        "yaml-not-a-mapping",
        lambda d: d.write("dataset.yaml", "- just\n- a list\n"),
        ("dataset.yaml", 1, ""),
    ),
]


def where(problem: Problem) -> Where:
    return (problem.file, problem.line, problem.field)


def test_mini_fixture_is_valid(mini_path: Path) -> None:
    assert validate_dataset(mini_path) == []
    net = load_dataset(mini_path)
    assert len(net.nodes) == 6
    assert len(net.routes) == 6
    assert net.years == (2024, 2025)
    assert net.route("B_EU_RAIL").status == "planned"
    assert net.meta.groups["black_sea"] == ("PORT_MED", "PORT_EU")
    assert {s.id for s in net.sources} == {
        "src_geo",
        "src_cap",
        "src_tariff",
        "src_supply",
        "src_prices",
        "src_grades",
        "src_obs",
    }


def test_case_ids_are_unique() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 20


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported(
    broken_dataset: Callable[[], Any], edit: Edit, expected: Where
) -> None:
    copy = broken_dataset()
    edit(copy)
    problems = validate_dataset(copy.path)
    assert expected in [where(p) for p in problems], "\n".join(map(str, problems))
    for p in problems:
        assert p.expected, p
        assert str(p).startswith(p.file)
    with pytest.raises(DatasetError) as info:
        load_dataset(copy.path)
    assert list(info.value.problems) == problems
    assert str(expected[0]) in str(info.value)


def test_every_problem_is_reported_at_once(broken_dataset: Callable[[], Any]) -> None:
    copy = (
        broken_dataset()
        .set_cell("routes.csv", "A_HUB", "mode", "truck")
        .set_cell("routes.csv", "PORT_EU", "capacity_mtpa", "-1")
        .set_cell("nodes.csv", "HUB_X", "lat", "123")
        .set_cell("supply.csv", "FIELD_B", "node", "NOWHERE")
        .set_cell("markets.csv", "MKT_MED", "grade", "HEAVY")
        .append("sources.csv", "src_spare,Spare,https://example.org/spare,2024,a quote")
        .replace("dataset.yaml", "producer: KZ", "producer: XX")
    )
    expected = {
        ("routes.csv", 2, "mode"),
        ("routes.csv", 6, "capacity_mtpa"),
        ("nodes.csv", 4, "lat"),
        ("supply.csv", 3, "node"),
        ("markets.csv", 2, "grade"),
        ("sources.csv", 9, "id"),
        ("dataset.yaml", 3, "producer"),
    }
    problems = validate_dataset(copy.path)
    assert expected <= {where(p) for p in problems}
    with pytest.raises(DatasetError) as info:
        load_dataset(copy.path)
    assert expected <= {where(p) for p in info.value.problems}


def test_same_mistake_on_two_lines_is_reported_twice(broken_dataset: Callable[[], Any]) -> None:
    copy = (
        broken_dataset()
        .set_cell("routes.csv", "A_HUB", "status", "dreaming")
        .set_cell("routes.csv", "PORT_MED", "status", "dreaming")
    )
    wheres = [where(p) for p in validate_dataset(copy.path)]
    assert ("routes.csv", 2, "status") in wheres
    assert ("routes.csv", 5, "status") in wheres


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert [p.line for p in validate_dataset(missing)] == [None]
    with pytest.raises(DatasetError):
        load_dataset(missing)


def test_loader_reads_the_copy_not_the_fixture(broken_dataset: Callable[[], Any]) -> None:
    copy = broken_dataset()
    assert load_dataset(copy.path).path == str(copy.path)


# -- garbage never crashes the loader ---------------------------------------------------
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "A_HUB",
            "FIELD_A",
            "HUB_X",
            "MKT_EU",
            "pipeline",
            "operating",
            "KZ;RU",
            "src_cap",
            "estimate:",
            "-1",
            "1e999",
            "nan",
            "12",
            "0",
            "MINI",
            ";",
            '"',
            "\x00",
        ]
    ),
    st.text(max_size=12),
)
HEADERS = st.one_of(
    st.just(ROUTE_COLUMNS),
    st.lists(st.sampled_from([*ROUTE_COLUMNS, "", "id"]), max_size=25),
)


@st.composite
def csv_text(draw: st.DrawFn) -> bytes:
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=6))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8", errors="surrogatepass")


GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    csv_text(),
)


def _must_load_or_raise_dataset_error(folder: Path) -> None:
    try:
        load_dataset(folder)
    except DatasetError as exc:
        assert exc.problems


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(content=GARBAGE)
def test_garbage_routes_csv_only_raises_dataset_error(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    folder = tmp_path_factory.mktemp("garbage")
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "mini", folder, dirs_exist_ok=True)
    (folder / "routes.csv").write_bytes(content)
    _must_load_or_raise_dataset_error(folder)


YAML_BITS = st.sampled_from(
    [
        "name: x\n",
        "grades:\n",
        "  - id: A\n",
        "    bbl_per_t: 7\n",
        "groups:\n",
        "  g: [A_HUB]\n",
        "  g: 3\n",
        "base_year: 2025-13-45\n",
        "default_grade: [1]\n",
        "[",
        "{",
        "? [a]\n: b\n",
        "&a [*a]\n",
        "'",
        "\t",
        ": :\n",
        "producer: 12\n",
        "- 1\n",
        "!!python/object:os.system\n",
        "grades: 5\n",
        "groups: [x]\n",
        "grades: [{id: A, bbl_per_t: .nan}]\n",
    ]
)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(parts=st.lists(st.one_of(YAML_BITS, st.text(max_size=20)), max_size=8))
def test_garbage_dataset_yaml_only_raises_dataset_error(
    tmp_path_factory: pytest.TempPathFactory, parts: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("garbage")
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "mini", folder, dirs_exist_ok=True)
    (folder / "dataset.yaml").write_bytes("".join(parts).encode("utf-8", errors="surrogatepass"))
    _must_load_or_raise_dataset_error(folder)


def test_deeply_nested_yaml_is_a_problem_not_a_crash(broken_dataset: Callable[[], Any]) -> None:
    copy = broken_dataset().write("dataset.yaml", "name: " + "[" * 1000)
    problems = validate_dataset(copy.path)
    assert ("dataset.yaml", None, "") in [where(p) for p in problems]


# -- unknown columns and keys (issue 8 item 3) ------------------------------------------
def _rename_header(copy: Any, name: str, old: str, new: str) -> Any:
    """Rename one column in the header (line 1) of ``name``."""
    lines = copy.text(name).split("\n")
    cols = lines[0].split(",")
    cols[cols.index(old)] = new
    lines[0] = ",".join(cols)
    return copy.write(name, "\n".join(lines))


def test_misspelled_optional_column_is_an_error_not_ignored(
    broken_dataset: Callable[[], Any],
) -> None:
    """`loss_percent` for `loss_pct` used to be ignored silently, changing the plan."""
    copy = _rename_header(broken_dataset(), "routes.csv", "loss_pct", "loss_percent")
    problems = validate_dataset(copy.path)
    hits = [p for p in problems if where(p) == ("routes.csv", 1, "loss_percent")]
    assert hits, "\n".join(map(str, problems))
    assert "did you mean 'loss_pct'?" in hits[0].expected
    assert "x_" in hits[0].expected
    with pytest.raises(DatasetError, match=r"routes\.csv:1: loss_percent"):
        load_dataset(copy.path)


@pytest.mark.parametrize(
    ("name", "old", "typo", "suggestion"),
    [
        ("nodes.csv", "coords_source", "coord_source", "coords_source"),
        ("routes.csv", "transit_days", "transit_day", "transit_days"),
        ("routes.csv", "capacity_mtpa", "capacity_mtp", "capacity_mtpa"),
        ("supply.csv", "note", "notes", "note"),
        ("markets.csv", "max_mtpa", "max_mt", "max_mtpa"),
        ("benchmarks.csv", "note", "Note", "note"),
        ("observed.csv", "note", "nota", "note"),
        ("sources.csv", "as_of", "asof", "as_of"),
    ],
)
def test_unknown_column_in_any_csv_names_file_line_and_suggestion(
    broken_dataset: Callable[[], Any], name: str, old: str, typo: str, suggestion: str
) -> None:
    copy = _rename_header(broken_dataset(), name, old, typo)
    problems = [p for p in validate_dataset(copy.path) if where(p) == (name, 1, typo)]
    assert problems
    assert f"did you mean {suggestion!r}?" in problems[0].expected


def test_extra_unknown_column_without_near_miss_lists_the_columns(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = _rename_header(broken_dataset(), "supply.csv", "note", "zzzz")
    [problem] = [p for p in validate_dataset(copy.path) if p.field == "zzzz"]
    assert "node, year, mt, source, note" in problem.expected


def test_user_columns_with_x_prefix_are_allowed(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = broken_dataset()
    for name in ("routes.csv", "nodes.csv", "supply.csv", "sources.csv"):
        lines = copy.text(name).rstrip("\n").split("\n")
        copy.write(name, "\n".join([lines[0] + ",x_comment"] + [ln + ",mine" for ln in lines[1:]]))
    copy.replace("dataset.yaml", "currency: USD", "currency: USD\nx_owner: me")
    copy.replace("dataset.yaml", "    source: src_grades", "    source: src_grades\n    x_assay: 1")
    assert validate_dataset(copy.path) == []
    assert (
        load_dataset(copy.path).route("A_HUB").loss_pct
        == load_dataset(broken_dataset().path).route("A_HUB").loss_pct
    )


def test_unknown_top_level_yaml_key_is_an_error_with_line(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = broken_dataset().replace("dataset.yaml", "currency: USD", "curency: USD")
    [problem] = [p for p in validate_dataset(copy.path) if p.field == "curency"]
    assert (problem.file, problem.line) == ("dataset.yaml", 5)
    assert "did you mean 'currency'?" in problem.expected


def test_unknown_grade_key_is_an_error_with_line(broken_dataset: Callable[[], Any]) -> None:
    copy = broken_dataset().replace(
        "dataset.yaml", "    source: src_grades", "    source: src_grades\n    bbl_per_ton: 7"
    )
    [problem] = [p for p in validate_dataset(copy.path) if p.field == "grades.bbl_per_ton"]
    assert (problem.file, problem.line) == ("dataset.yaml", 12)
    assert "did you mean 'bbl_per_t'?" in problem.expected


def test_default_dataset_has_no_unknown_columns_or_keys() -> None:
    assert validate_dataset(Path(__file__).parents[2] / "src/crudeflow/data/kazakhstan") == []


# -- sane ranges and plain digits (found by the dataset fuzz target) ----------------------
@pytest.mark.parametrize(
    ("name", "key", "col", "value", "line"),
    [
        ("benchmarks.csv", "2025", "brent_usd_per_bbl", "1e30", 3),
        ("benchmarks.csv", "2025", "brent_usd_per_bbl", "1000.5", 3),
        ("routes.csv", "A_HUB", "capacity_mtpa", "1e308", 2),
        ("routes.csv", "B_HUB", "physical_capacity_mtpa", "20001", 3),
        ("routes.csv", "A_HUB", "tariff_usd_per_t", "1e20", 2),
        ("supply.csv", "FIELD_A", "mt", "1e16", 2),
        ("markets.csv", "MKT_EU", "max_mtpa", "1e300", 3),
        ("nodes.csv", "HUB_X", "storage_mt", "1e12", 4),
        ("observed.csv", "2024", "mt", "1e17", 2),
    ],
)
def test_huge_numbers_are_bad_data_not_a_solver_error(
    broken_dataset: Callable[[], Any], name: str, key: str, col: str, value: str, line: int
) -> None:
    """A Brent of 1e30 used to reach HiGHS and end as 'solver error' (exit 4)."""
    copy = broken_dataset().set_cell(name, key, col, value)
    problems = [p for p in validate_dataset(copy.path) if where(p) == (name, line, col)]
    assert problems, validate_dataset(copy.path)
    assert "to 10,000" in problems[0].expected or "at most 1,000" in problems[0].expected


@pytest.mark.parametrize("value", ["٣", "７", "1_000", "0x10", " 5 5"])
def test_numbers_must_be_written_with_ascii_digits(
    broken_dataset: Callable[[], Any], value: str
) -> None:
    """float() reads '٣' as 3 and '1_000' as 1000: a dataset cell may not rely on that."""
    copy = broken_dataset().set_cell("routes.csv", "A_HUB", "capacity_mtpa", value)
    assert ("routes.csv", 2, "capacity_mtpa") in [where(p) for p in validate_dataset(copy.path)]


@pytest.mark.parametrize("value", ["٢٠٢٥", "2_025"])
def test_years_must_be_written_with_ascii_digits(
    broken_dataset: Callable[[], Any], value: str
) -> None:
    copy = broken_dataset().set_cell("supply.csv", "FIELD_B", "year", value)
    assert ("supply.csv", 3, "year") in [where(p) for p in validate_dataset(copy.path)]


def test_numbers_at_the_limits_still_plan(broken_dataset: Callable[[], Any]) -> None:
    from crudeflow.solve.plan import plan

    copy = (
        broken_dataset()
        .set_cell("benchmarks.csv", "2025", "brent_usd_per_bbl", "1000")
        .set_cell("routes.csv", "A_HUB", "capacity_mtpa", "10000")
        .set_cell("routes.csv", "HUB_PORT", "tariff_usd_per_t", "10000")
        .set_cell("supply.csv", "FIELD_A", "mt", "1e-300")
    )
    result = plan(load_dataset(copy.path), year=2025)
    assert result.exported_mt >= 0


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("base_year: 2025", "base_year: 2025\nbase_year: 2024", 5, "base_year"),
        ("    bbl_per_t: 7.9", "    bbl_per_t: 7.9\n    bbl_per_t: 9.9", 15, "grades.bbl_per_t"),
        ("  rail: [B_EU_RAIL]", "  rail: [B_EU_RAIL]\n  rail: [PORT_MED]", 19, "groups.rail"),
    ],
)
def test_yaml_key_written_twice_is_an_error_not_last_wins(
    broken_dataset: Callable[[], Any], old: str, new: str, line: int, field: str
) -> None:
    """YAML keeps the last of two equal keys silently: the first value would be ignored."""
    copy = broken_dataset().replace("dataset.yaml", old, new)
    [problem] = [p for p in validate_dataset(copy.path) if p.field == field and p.line == line]
    assert "each key once" in problem.expected
    assert f"also on line {line - 1}" in problem.expected


def test_yaml_merge_keys_are_not_duplicates(broken_dataset: Callable[[], Any]) -> None:
    copy = broken_dataset().replace(
        "dataset.yaml",
        "  - id: LITE\n    name: Lite test blend",
        "  - <<: {id: LITE, name: Old name}\n    name: Lite test blend",
    )
    assert validate_dataset(copy.path) == []


def test_row_with_too_few_cells_is_an_error(broken_dataset: Callable[[], Any]) -> None:
    """A missing comma shifted later cells left and the empty tail was read as 'not given'."""
    copy = broken_dataset().append("supply.csv", "FIELD_B,2026,9")
    problems = [p for p in validate_dataset(copy.path) if (p.file, p.line) == ("supply.csv", 6)]
    assert any(p.field == "source" and "5 cells" in p.expected for p in problems), problems


def test_currency_other_than_usd_is_an_error(broken_dataset: Callable[[], Any]) -> None:
    """`currency: EUR` was accepted and every *_usd* figure read as USD anyway."""
    copy = broken_dataset().replace("dataset.yaml", "currency: USD", "currency: EUR")
    assert ("dataset.yaml", 5, "currency") in [where(p) for p in validate_dataset(copy.path)]


def test_duplicate_observation_is_an_error(broken_dataset: Callable[[], Any]) -> None:
    """Two reported volumes for one group and year: the backtest would use one silently."""
    copy = broken_dataset()
    first = copy.text("observed.csv").splitlines()[1]
    copy.append("observed.csv", first)
    n = len(copy.text("observed.csv").splitlines())
    assert ("observed.csv", n, "group") in [where(p) for p in validate_dataset(copy.path)]
