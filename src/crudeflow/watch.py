"""The dataset's *watched* country or passage (``watch`` in dataset.yaml): what maps, legends,
the report and ``crudeflow run`` contrast ("via Russia", "via the Strait of Hormuz").

Nothing here names a country: the watch comes from the dataset (docs/dataset-format.md).

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> import dataclasses
>>> net = toy_network()  # its dataset watches RU
>>> watch_name(net), watch_routes(net)
('Russia', ('A_B',))
>>> [crosses_watch(r, "RU") for r in net.routes]
[True, True, False]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crudeflow.network.model import Network, Route

__all__ = [
    "crosses_watch",
    "is_passage",
    "run_case",
    "watch_name",
    "watch_routes",
    "watch_verb",
]


def is_passage(code: str) -> bool:
    """A passage id (3 or more characters), not a 2-letter country code."""
    return len(code) > 2


def crosses_watch(route: Route, watch: str) -> bool:
    """Whether ``route`` crosses the watched country or lists the watched passage."""
    if not watch:
        return False
    return watch in (route.passages if is_passage(watch) else route.countries)


def watch_name(network: Network, code: str | None = None) -> str:
    """Readable name of the watch (or of ``code``): a country's name, a passage's name.

    >>> from crudeflow.network.load import load_dataset
    >>> watch_name(load_dataset(), "HORMUZ")
    'the Strait of Hormuz'
    """
    from crudeflow.explanation import country_name

    code = network.meta.watch if code is None else code
    if not code:
        return ""
    if is_passage(code):
        name = next((p.name for p in network.passages if p.id == code), code)
        return f"the {name}" if name.split()[0] in ("Strait", "Turkish", "Suez") else name
    return country_name(code)


def watch_verb(code: str) -> str:
    """'enters' for a country, 'passes' for a passage."""
    return "passes" if is_passage(code) else "enters"


def watch_routes(network: Network, code: str | None = None) -> tuple[str, ...]:
    """Routes whose flow is "the flow via the watch", each tonne counted once per entry:
    for a country the routes entering it (:meth:`Network.entering`), for a passage the routes
    listing it."""
    code = network.meta.watch if code is None else code
    if not code:
        return ()
    if is_passage(code):
        return network.routes_passing([code])
    return network.entering(code)


def run_case(network: Network) -> tuple[str, tuple[str, ...]] | None:
    """Label and requirements of the case ``crudeflow run`` and the default report compare
    with the base plan: dataset.yaml's ``run``, else ``avoid WATCH``, else None (base only).

    >>> from crudeflow.network.model import toy_network
    >>> run_case(toy_network())
    ('Avoid Russia', ('avoid RU',))
    >>> from crudeflow.network.load import load_dataset
    >>> run_case(load_dataset())
    ('Avoid Russia, via Caspian ports ≥ 20 Mt/yr', ('avoid RU', 'via AKTAU,KURYK >= 20 Mt/yr'))
    """
    meta = network.meta
    reqs = meta.run_requirements or ((f"avoid {meta.watch}",) if meta.watch else ())
    if not reqs:
        return None
    label = meta.run_label or (
        f"Avoid {watch_name(network)}" if not meta.run_requirements else "; ".join(reqs)
    )
    return label, tuple(reqs)
