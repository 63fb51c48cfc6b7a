"""The network as a GeoJSON FeatureCollection: one Point per node, one LineString per route.

Routes are straight lines from the start node to the end node (the dataset has no paths).
Beyond the GeoJSON members, the collection carries a ``metadata`` object (a foreign member,
allowed by RFC 7946) with what the page needs to build its controls.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> fc = network_geojson(toy_network())
>>> fc["type"], len(fc["features"])
('FeatureCollection', 6)
>>> route = fc["features"][-1]["properties"]
>>> route["id"], route["countries"], route["corridor"]
('A_M', ['KZ', 'AZ', 'TR'], 'bypass')
>>> fc["metadata"]["countries"]
['AZ', 'RU', 'TR']
"""

from __future__ import annotations

from typing import Any

from crudeflow.explain import country_name
from crudeflow.network.model import Network, Route
from crudeflow.units import mtpa_to_kbd

__all__ = ["avoidable_countries", "corridor", "network_geojson"]


def corridor(route: Route, producer: str) -> str:
    """``'via_russia'``, ``'domestic'`` (only the producer) or ``'bypass'``."""
    if "RU" in route.countries:
        return "via_russia"
    if set(route.countries) <= {producer}:
        return "domestic"
    return "bypass"


def avoidable_countries(network: Network) -> list[str]:
    """Countries the routes cross, except the producer, sorted."""
    return sorted({c for r in network.routes for c in r.countries} - {network.meta.producer})


def network_geojson(network: Network, *, topojson: bool = False) -> dict[str, Any]:
    """The network as a GeoJSON FeatureCollection (coordinates are ``[lon, lat]``).

    Parameters
    ----------
    network : Network
        The network to draw.
    topojson : bool
        Whether the server has country outlines to offer (copied into ``metadata``).

    Returns
    -------
    dict
        JSON-ready FeatureCollection with a ``metadata`` foreign member.
    """
    producer = network.meta.producer
    features: list[dict[str, Any]] = []
    for n in network.nodes:
        features.append(
            {
                "type": "Feature",
                "id": f"node:{n.id}",
                "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
                "properties": {
                    "feature": "node",
                    "id": n.id,
                    "name": n.name,
                    "kind": n.kind,
                    "country": n.country,
                    "storage_mt": n.storage_mt,
                },
            }
        )
    for r in network.routes:
        a, b = network.node(r.from_node), network.node(r.to_node)
        bpt = network.grade_of(r.grade).bbl_per_t
        features.append(
            {
                "type": "Feature",
                "id": f"route:{r.id}",
                "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                "properties": {
                    "feature": "route",
                    "id": r.id,
                    "name": r.name or r.id,
                    "from": r.from_node,
                    "to": r.to_node,
                    "mode": r.mode,
                    "status": r.status,
                    "since_year": r.since_year,
                    "capacity_mtpa": r.capacity_mtpa,
                    "capacity_kbd": float(mtpa_to_kbd(r.capacity_mtpa, bbl_per_t=bpt)),
                    "physical_capacity_mtpa": r.physical_capacity_mtpa,
                    "tariff_usd_per_t": r.tariff_usd_per_t,
                    "countries": list(r.countries),
                    "corridor": corridor(r, producer),
                },
            }
        )
    countries = avoidable_countries(network)
    return {
        "type": "FeatureCollection",
        "features": features,
        "metadata": {
            "dataset": network.meta.name,
            "title": network.meta.title,
            "producer": producer,
            "producer_name": country_name(producer),
            "base_year": network.meta.base_year,
            "years": list(network.years),
            "countries": countries,
            "country_names": {c: country_name(c) for c in countries},
            "topojson": topojson,
        },
    }
