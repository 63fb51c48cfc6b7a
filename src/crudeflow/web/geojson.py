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

from crudeflow.explanation import country_name
from crudeflow.network.export import geojson_collection
from crudeflow.network.model import Network, Route
from crudeflow.watch import crosses_watch, watch_name

__all__ = ["avoidable_countries", "corridor", "network_geojson"]


def corridor(route: Route, producer: str, watch: str = "") -> str:
    """``'via'`` (crosses the dataset's watched country or lists its watched passage),
    ``'domestic'`` (only the producer) or ``'bypass'`` (any other, cross-border)."""
    if crosses_watch(route, watch):
        return "via"
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
    # The exporter's collection, plus what the page uses: a feature id, the corridor colour
    # class and the physical capacity beside the usable one.
    features = geojson_collection(network)["features"]
    for f in features:
        props = f["properties"]
        props["feature"] = props["layer"]
        f["id"] = f"{props['layer']}:{props['id']}"
        if props["layer"] == "route":
            route = network.route(props["id"])
            props["physical_capacity_mtpa"] = route.physical_capacity_mtpa
            props["corridor"] = corridor(route, producer, network.meta.watch)
    countries = avoidable_countries(network)
    return {
        "type": "FeatureCollection",
        "features": features,
        "metadata": {
            "dataset": network.meta.name,
            "title": network.meta.title,
            "producer": producer,
            "producer_name": country_name(producer),
            "watch": network.meta.watch,
            "watch_name": watch_name(network),
            "base_year": network.meta.base_year,
            "years": list(network.years),
            "countries": countries,
            "country_names": {c: country_name(c) for c in countries},
            "topojson": topojson,
        },
    }
