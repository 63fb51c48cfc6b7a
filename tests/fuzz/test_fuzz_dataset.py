"""Fuzz target: dataset CSV cells.

Each example copies the default dataset to a fresh folder, replaces a few random cells of
random CSV files (header cells included) with random text, numbers, unicode, huge values,
``nan``, ``inf`` or nothing (half the examples put loadable numbers into numeric cells, so
that they reach the planner), loads it and, when it loads, plans it for a year and month by
month. Only a :class:`~crudeflow.errors.CrudeflowError` may come out (the CLI turns it into
one line and an exit code), and no example may take longer than the fuzz deadline (10 s).
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crudeflow.errors import CrudeflowError, DatasetError
from crudeflow.network.load import default_dataset_path, load_dataset
from crudeflow.solve.plan import plan
from tests.fuzz.conftest import fuzz_settings

DEFAULT = default_dataset_path()
CSV_FILES = (
    "sources.csv",
    "nodes.csv",
    "routes.csv",
    "supply.csv",
    "markets.csv",
    "benchmarks.csv",
    "observed.csv",
)


@cache
def original(name: str) -> tuple[tuple[str, ...], ...]:
    with (DEFAULT / name).open(newline="", encoding="utf-8") as fh:
        return tuple(tuple(row) for row in csv.reader(fh))


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "NaN",
            "-nan",
            "inf",
            "-inf",
            "1e308",
            "-1e308",
            "1e400",
            "1e-400",
            "9" * 400,
            "0",
            "-0",
            "-1",
            "0.0000001",
            "100",
            "99.9999999",
            "2025",
            "1899",
            "99999999999999999999",
            "0x10",
            "1_000",
            "٣",  # an Arabic-Indic digit: float() accepts it
            "７",  # a full-width digit
            "estimate:",
            "estimate: x",
            "estimate: " + "y" * 5000,
            ";",
            ";;",
            "src;",
            '"',
            "\x00",
            "\n",
            "\r",
            "a,b",
            "TENGIZ",
            "CPC_TERMINAL",
            "MED_AUGUSTA",
            "KEBCO",
            "RU",
            "KZ;RU;KZ",
            "operating",
            "planned",
            "market",
            "field",
            "pipeline",
            "x_extra",
            "loss_percent",
            "\u202e",
            "🛢️",
            "é",
        ]
    ),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


# numbers that load: most examples of the first kind stop at the loader, these reach the LP
NUMBER = st.one_of(
    st.sampled_from(["0", "1e-300", "1e-9", "0.5", "1", "100", "99.999", "365", "1000", "10000"]),
    st.floats(min_value=0, max_value=10_000, allow_subnormal=True).map(repr),
    st.floats(min_value=-1000, max_value=1000).map(repr),
)
NUMERIC = {
    "nodes.csv": ("lat", "lon", "storage_mt"),
    "routes.csv": (
        "capacity_mtpa",
        "physical_capacity_mtpa",
        "tariff_usd_per_t",
        "transit_days",
        "loss_pct",
    ),
    "supply.csv": ("mt",),
    "markets.csv": ("diff_usd_per_bbl", "max_mtpa"),
    "benchmarks.csv": ("brent_usd_per_bbl",),
}


@st.composite
def any_cell(draw: st.DrawFn) -> tuple[str, int, int, str]:
    name = draw(st.sampled_from(CSV_FILES))
    rows = original(name)
    # the header now and then, data rows mostly
    r = draw(st.one_of(st.just(0), st.integers(min_value=1, max_value=len(rows) - 1)))
    c = draw(st.integers(min_value=0, max_value=len(rows[r]) - 1))
    return (name, r, c, draw(CELL))


@st.composite
def number_cell(draw: st.DrawFn) -> tuple[str, int, int, str]:
    name = draw(st.sampled_from(sorted(NUMERIC)))
    rows = original(name)
    r = draw(st.integers(min_value=1, max_value=len(rows) - 1))
    c = rows[0].index(draw(st.sampled_from(NUMERIC[name])))
    return (name, r, c, draw(NUMBER))


def edits() -> st.SearchStrategy[list[tuple[str, int, int, str]]]:
    return st.one_of(
        st.lists(st.one_of(any_cell(), number_cell()), min_size=1, max_size=6),
        st.lists(number_cell(), min_size=1, max_size=6),
    )


def _write(folder: Path, changes: list[tuple[str, int, int, str]]) -> None:
    tables = {name: [list(row) for row in original(name)] for name, *_ in changes}
    for name, r, c, value in changes:
        tables[name][r][c] = value
    for name, rows in tables.items():
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        (folder / name).write_bytes(buf.getvalue().encode("utf-8", errors="surrogatepass"))


@fuzz_settings
@given(changes=edits())
def test_fuzz_dataset_cells_only_raise_crudeflow_errors(
    tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[str, int, int, str]]
) -> None:
    folder = tmp_path_factory.mktemp("fuzzdata")
    shutil.copytree(DEFAULT, folder, dirs_exist_ok=True)
    _write(folder, changes)
    try:
        net = load_dataset(folder)
    except DatasetError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file and p.expected
        return
    with contextlib.suppress(CrudeflowError):
        plan(net)
    with contextlib.suppress(CrudeflowError):
        plan(net, monthly=True)  # storage and transit days only count month by month
