"""Warm plan models: one built LP and one HiGHS session per kind of plan, reused.

A server answers many plans that differ from its dataset only in route capacities (the
page's capacity changes). :class:`WarmModels` keeps, per (periods, requirements, objective,
penalty, time limit), the LP that :func:`~crudeflow.solve.lp.build_lp` builds for the base
network and a :class:`~crudeflow.solve.highs.HighsSession` holding it. A plan of a network
whose only difference from the base is route capacities takes that LP with its flow bounds
set for the network (:func:`~crudeflow.solve.lp.with_route_capacities`) and that session with
every bound reset to them and its solver data cleared: HiGHS then starts cold from the very
model a new session would hold, so the plan is the one a fresh build gives, whatever was
solved before (``tests/web/test_warm.py`` compares the two answer by answer).

A :class:`WarmModels` is not thread-safe: one solve at a time (a server's solver process).

Examples
--------
>>> import dataclasses
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> warm = WarmModels(net)
>>> less = net.replace_routes([dataclasses.replace(net.route("A_M"), capacity_mtpa=1.0)])
>>> plan(less, warm=warm).to_dict()["routes"] == plan(less).to_dict()["routes"]
True
>>> len(warm)
1
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

from crudeflow.network.model import Network
from crudeflow.requirements import Requirement
from crudeflow.solve.highs import HighsSession
from crudeflow.solve.lp import LinearProgram, Objective, Periods, build_lp, with_route_capacities

__all__ = ["WarmModels", "differs_in_capacities_only"]

_CAPACITY_FIELDS = ("capacity_mtpa", "physical_capacity_mtpa")


def differs_in_capacities_only(network: Network, base: Network) -> bool:
    """Whether ``network`` is ``base`` with some route capacities changed (and nothing else).

    Every field but the routes must be the very object ``base`` holds (as
    :meth:`Network.replace_routes` leaves them); the routes must be ``base``'s, in order,
    equal once their capacities are put back.

    Examples
    --------
    >>> import dataclasses
    >>> from crudeflow.network.model import toy_network
    >>> net = toy_network()
    >>> r = net.route("A_M")
    >>> differs_in_capacities_only(net.replace_routes([dataclasses.replace(r, capacity_mtpa=1.0)]), net)
    True
    >>> differs_in_capacities_only(net.replace_routes([dataclasses.replace(r, tariff_usd_per_t=1.0)]), net)
    False
    """
    if network is base:
        return True
    for f in dataclasses.fields(Network):
        if f.name != "routes" and getattr(network, f.name) is not getattr(base, f.name):
            return False
    if len(network.routes) != len(base.routes):
        return False
    for r, b in zip(network.routes, base.routes, strict=True):
        if r is b:
            continue
        back = {name: getattr(b, name) for name in _CAPACITY_FIELDS}
        if dataclasses.replace(r, **back) != b:
            return False
    return True


@dataclasses.dataclass
class _Model:
    lp: LinearProgram
    session: HighsSession
    row_lower: np.ndarray
    row_upper: np.ndarray


class WarmModels:
    """Built LPs and HiGHS sessions of plans of ``base`` (and of capacity changes of it).

    Parameters
    ----------
    base : Network
        The network the LPs are built for.
    max_models : int
        Kinds of plan kept (least recently used dropped first).
    """

    def __init__(self, base: Network, max_models: int = 8) -> None:
        self.base = base
        self.max_models = max_models
        self._models: OrderedDict[Hashable, _Model] = OrderedDict()

    def __len__(self) -> int:
        return len(self._models)

    def prepare(
        self,
        network: Network,
        periods: Periods,
        requirements: tuple[Requirement, ...],
        *,
        objective: Objective,
        penalty_usd_per_t: float,
        time_limit: float | None,
    ) -> tuple[LinearProgram, HighsSession] | None:
        """The LP :func:`build_lp` gives for ``network`` (steady periods, no other option)
        and a session holding it, ready for a cold solve; None when ``network`` is not the
        base with changed route capacities (then build as usual)."""
        if not periods.steady or not differs_in_capacities_only(network, self.base):
            return None
        key = (periods.labels, repr(requirements), objective, penalty_usd_per_t, time_limit)
        model = self._models.get(key)
        if model is None:
            lp0 = build_lp(
                self.base,
                periods,
                requirements,
                objective=objective,
                penalty_usd_per_t=penalty_usd_per_t,
            )
            session = lp0.session(time_limit=time_limit)
            model = _Model(lp0, session, lp0.row_lower.copy(), lp0.row_upper.copy())
            self._models[key] = model
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
        self._models.move_to_end(key)
        lp = (
            model.lp
            if network is self.base
            else with_route_capacities(model.lp, network, requirements)
        )
        session = model.session
        session.set_col_bounds(lp.col_lower, lp.col_upper)
        session.change_row_bounds(np.arange(session.n_row), model.row_lower, model.row_upper)
        session.clear_solver()
        return lp, session
