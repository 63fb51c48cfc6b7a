"""The default Kazakhstan dataset: every number traceable, every source used and well-formed."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from crudeflow.network._checks import _SOURCE_OF
from crudeflow.network.load import default_dataset_path, load_dataset

FOLDER = default_dataset_path()
NUMERIC = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")


def rows(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def source_ids() -> set[str]:
    return {r["id"] for r in rows("sources.csv")}


def cited(cell: str) -> list[str]:
    if cell.lower().startswith("estimate:"):
        return []
    return [c.strip() for c in cell.split(";") if c.strip()]


@pytest.mark.parametrize("name", sorted(_SOURCE_OF))
def test_every_numeric_cell_has_a_source(name: str) -> None:
    if not (FOLDER / name).is_file():
        pytest.skip(f"{name} is optional")
    ids = source_ids()
    checked = 0
    for line, row in enumerate(rows(name), start=2):
        for col, value in row.items():
            if not value or not NUMERIC.match(value.strip()) or col in ("year", "since_year"):
                continue
            src_col = _SOURCE_OF[name].get(col, "source")
            src = row.get(src_col) or row.get("source", "")
            where = f"{name}:{line} {col}={value}"
            assert src, f"{where}: no source"
            if src.lower().startswith("estimate:"):
                assert len(src) > len("estimate:") + 15, f"{where}: estimate without reasoning"
            else:
                for sid in cited(src):
                    assert sid in ids, f"{where}: unknown source {sid}"
            checked += 1
    assert checked > 0


def test_grades_are_sourced() -> None:
    meta = yaml.safe_load((FOLDER / "dataset.yaml").read_text(encoding="utf-8"))
    ids = source_ids()
    for g in meta["grades"]:
        assert g["source"], g["id"]
        for sid in cited(g["source"]):
            assert sid in ids


def test_every_source_is_used_and_well_formed() -> None:
    text = "\n".join(
        (FOLDER / f).read_text(encoding="utf-8")
        for f in (
            "nodes.csv",
            "routes.csv",
            "supply.csv",
            "markets.csv",
            "benchmarks.csv",
            "observed.csv",
            "observed_events.csv",
            "outages.csv",
            "route_years.csv",
            "commitments.csv",
            "projects.csv",
            "fleet.csv",
            "refineries.csv",
            "dataset.yaml",
        )
    )
    for src in rows("sources.csv"):
        assert re.search(rf"\b{re.escape(src['id'])}\b", text), f"{src['id']} is never cited"
        url = urlparse(src["url"])
        assert url.scheme in ("http", "https") and url.netloc and "." in url.netloc, src["url"]
        assert " " not in src["url"]
        assert src["quote"].strip() and src["title"].strip()


def test_issue_nodes_and_routes_present() -> None:
    net = load_dataset()
    names = " ".join(f"{n.id} {n.name}" for n in net.nodes).lower()
    for place in (
        "tengiz",
        "kashagan",
        "karachaganak",
        "atyrau",
        "kenkiyak",
        "kumkol",
        "atasu",
        "alashankou",
        "aktau",
        "kuryk",
        "samara",
        "cpc",
        "sheskharis",
        "ust-luga",
        "schwedt",
        "makhachkala",
        "sangachal",
        "ceyhan",
        "supsa",
        "batumi",
        "kulevi",
    ):
        assert place in names, place
    assert any(n.kind == "market" for n in net.nodes)
    btc = net.route("BTC")
    assert btc.physical_capacity_mtpa and btc.physical_capacity_mtpa > btc.capacity_mtpa


def test_dataset_readme_exists() -> None:
    assert Path(FOLDER / "README.md").stat().st_size > 5000


# -- coordinates and FOB markets (issue 8 item 21) --------------------------------------
def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km."""
    import math

    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_china_line_junctions_are_not_stacked_on_tengiz_or_alashankou() -> None:
    """Kenkiyak and Kumkol were drawn on Tengiz, Atasu on the Chinese border (~1,000 km off)."""
    net = load_dataset()
    at = {n.id: (n.lat, n.lon) for n in net.nodes}
    for nid in ("KENKIYAK", "KUMKOL", "ATASU"):
        assert _km(at[nid], at["TENGIZ"]) > 300, nid
        assert _km(at[nid], at["ALASHANKOU"]) > 900, nid
        src = net.node(nid).coords_source
        assert src.startswith("estimate:") and "wiki_atyrau" in src and "wikiwand_alashankou" in src
    # in pipeline order from Atyrau towards Alashankou
    lons = [at[n][1] for n in ("ATYRAU_KTO", "KENKIYAK", "KUMKOL", "ATASU", "ALASHANKOU")]
    assert lons == sorted(lons)


@pytest.mark.parametrize(
    ("node", "km_from_atyrau"), [("KENKIYAK", 449), ("KUMKOL", 449 + 794), ("ATASU", 2228 - 962)]
)
def test_china_line_junction_is_at_its_sourced_share_of_the_line(
    node: str, km_from_atyrau: int
) -> None:
    net = load_dataset()
    a, b, n = net.node("ATYRAU_KTO"), net.node("ALASHANKOU"), net.node(node)
    f = km_from_atyrau / 2228
    assert n.lat == pytest.approx(a.lat + f * (b.lat - a.lat), abs=0.001)
    assert n.lon == pytest.approx(a.lon + f * (b.lon - a.lon), abs=0.001)


def test_fob_markets_sit_at_their_loading_port() -> None:
    """KEBCO_FOB at Novorossiysk drew an Ust-Luga line across Russia: one FOB market per port."""
    net = load_dataset()
    fob = [m for m in net.markets if "FOB" in net.node(m.node).name]
    assert {m.node for m in fob} == {"KEBCO_FOB_UST_LUGA", "KEBCO_FOB_NOVOROSSIYSK"}
    for r in net.routes:
        if r.to_node in {m.node for m in fob}:
            a, b = net.node(r.from_node), net.node(r.to_node)
            assert _km((a.lat, a.lon), (b.lat, b.lon)) < 1.0, r.id
    # one price basis for both ports
    assert len({(m.grade, m.diff_usd_per_bbl, m.diff_source) for m in fob}) == 1
    assert net.price_usd_per_t("KEBCO_FOB_UST_LUGA", 2025) == net.price_usd_per_t(
        "KEBCO_FOB_NOVOROSSIYSK", 2025
    )
