"""Time crudeflow's plan against a bare scipy + highspy reference (and PyPSA) on one instance.

Usage::

    python bench/plan_bench.py --nodes 10000 --periods 12 --seed 1 --repeat 3 --pypsa

The parent writes a synthetic dataset folder (``bench/synthetic.py``) and then runs every
measured tool in its **own subprocess**, ``--repeat`` times, interleaved. Each subprocess times
its pipeline with ``time.perf_counter`` (imports excluded, reported apart) and reports its peak
memory as ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (with ``VmHWM`` from
``/proc/self/status`` as a cross-check). The tools:

``crudeflow``
    ``load_dataset(folder)`` -> ``plan(network, periods=Periods.monthly(2025), baseline=False)``
    -> ``plan.route_frame()``.
``bare``
    pandas reads the same CSV files; numpy/scipy.sparse build the identical LP (same columns,
    rows, bounds and order); ``highspy`` solves it (``HighsLp``, ``kColwise``); the flows go
    into a DataFrame.
``pypsa``
    buses; links (p_nom = capacity, efficiency 1, marginal_cost = tariff); generators at the
    fields (p_nom = supply rate); markets as negative generators priced at the market price;
    crudeflow's storage (stock = opening + h - g, closing >= opening, a small cost on h and g)
    as two stores per storage node; snapshot weightings = each month's share of the year;
    ``n.optimize(solver_name="highs")`` (linopy's default LP-file route).

Before timing, ``--verify`` checks that crudeflow's ``build_lp`` and the bare LP are identical
array for array (if crudeflow's model changes, update ``_bare_lp`` and the PyPSA model).
The parent imports nothing heavy: a child started by ``subprocess`` inherits the parent's peak
RSS in ``ru_maxrss`` across ``exec`` on Linux, so a big parent would inflate every figure.

Results (median time, max memory, ratios to ``bare``, objective agreement) are printed and
appended to ``--out`` (``bench/RESULTS.md``) with the machine and the date.

Profile crudeflow alone on a kept dataset (``--keep-data`` prints its folder)::

    python bench/plan_bench.py --worker crudeflow --folder DIR --periods 12 --profile out.prof
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YEAR = 2025
# crudeflow.solve.lp's storage assumptions (the --verify step catches any drift)
STORAGE_START_FILL = 0.5
STORAGE_COST_USD_PER_T = 0.01
TOOLS = ("crudeflow", "bare", "pypsa")
TIME_TARGET = 1.25
MEMORY_TARGET = 1.5


# ---------------------------------------------------------------------------------------
# helpers used in the workers (kept free of heavy imports so the parent stays small)
def _status_kb(key: str) -> int:
    """A ``/proc/self/status`` figure in kB (VmRSS, VmHWM); 0 where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _Clock:
    """Stage timer: wall seconds and resident memory after each stage."""

    def __init__(self) -> None:
        self.c0 = time.process_time()
        self.t0 = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}
        self.rss_mib: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = now - self.last
        self.rss_mib[name] = _status_kb("VmRSS") / 1024
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.t0

    def cpu(self) -> float:
        """CPU seconds (all threads) since the clock started."""
        return time.process_time() - self.c0


def _months(periods: int) -> list[float]:
    """Share of the year of each of ``periods`` months from January ``YEAR``."""
    in_year = 366.0 if calendar.isleap(YEAR) else 365.0
    return [float(calendar.monthrange(YEAR, m)[1]) / in_year for m in range(1, periods + 1)]


# ---------------------------------------------------------------------------------------
# (a) crudeflow
def run_crudeflow(folder: Path, periods: int, profile: str | None = None) -> dict[str, Any]:
    t_imp = time.perf_counter()
    # crudeflow imports highspy and pint lazily; import them here so that every tool's timed
    # pipeline excludes module imports (pint's unit registry is still built inside plan())
    import highspy  # noqa: F401
    import pint  # noqa: F401

    from crudeflow.network.load import load_dataset
    from crudeflow.solve.highs import HighsSession
    from crudeflow.solve.lp import Periods
    from crudeflow.solve.plan import plan

    import_s = time.perf_counter() - t_imp
    # keep the solver's objective value (the Plan reports netback, which leaves out the
    # storage tie-breaker cost); a pass-through wrapper, no extra work
    solves: list[Any] = []
    solve = HighsSession.solve

    def keep(self: Any) -> Any:
        res = solve(self)
        solves.append(res)
        return res

    HighsSession.solve = keep  # type: ignore[method-assign]
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    clock = _Clock()
    network = load_dataset(folder)
    clock.lap("load")
    p = plan(network, periods=Periods.monthly(YEAR, months=periods), baseline=False)
    clock.lap("plan")
    routes = p.route_frame()
    clock.lap("route_frame")
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    # split plan() with its own timings: build, HiGHS (pass + solve), result assembly
    stages = {
        "load": clock.stages["load"],
        "build": p.timings["build_s"],
        "highs": p.timings["solve_s"],
        "assemble": clock.stages["plan"] - p.timings["total_s"],
        "route_frame": clock.stages["route_frame"],
    }
    return {
        "seconds": clock.total,
        "cpu_s": clock.cpu(),
        "import_s": import_s,
        "stages": stages,
        "rss_mib": clock.rss_mib,
        "objective": float(solves[-1].objective),
        "minus_netback": -p.netback_musd,
        "iterations": int(solves[-1].iterations),
        "flow_total_mtpa": float(routes["flow_mtpa"].sum()),
        "n_routes": len(routes),
        "status": p.status.value,
    }


# ---------------------------------------------------------------------------------------
# (b) the bare reference: pandas + numpy/scipy.sparse + highspy
def _bare_read(folder: Path) -> dict[str, Any]:
    import pandas as pd
    import yaml

    meta = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    bpt = {str(g["id"]): float(g["bbl_per_t"]) for g in meta["grades"]}
    default_grade = str(meta.get("default_grade") or next(iter(bpt)))
    nodes = pd.read_csv(folder / "nodes.csv", usecols=["id", "storage_mt"], dtype={"id": str})
    rcols = ["id", "from", "to", "capacity_mtpa", "tariff_usd_per_t", "status"]
    header = pd.read_csv(folder / "routes.csv", nrows=0).columns
    optional = [c for c in ("since_year", "transit_days", "loss_pct") if c in header]
    routes = pd.read_csv(
        folder / "routes.csv",
        usecols=rcols + optional,
        dtype={"id": str, "from": str, "to": str, "status": str},
    )
    for col in ("transit_days", "loss_pct"):
        if col in routes and routes[col].fillna(0.0).ne(0.0).any():
            raise NotImplementedError(f"the bare reference ignores {col}; the data has some")
    supply = pd.read_csv(folder / "supply.csv", usecols=["node", "year", "mt"], dtype={"node": str})
    markets = pd.read_csv(
        folder / "markets.csv",
        usecols=["node", "grade", "diff_usd_per_bbl", "max_mtpa"],
        dtype={"node": str, "grade": str},
    )
    brent = pd.read_csv(folder / "benchmarks.csv", usecols=["year", "brent_usd_per_bbl"])
    return {
        "bpt": bpt,
        "default_grade": default_grade,
        "nodes": nodes,
        "routes": routes,
        "supply": supply,
        "markets": markets,
        "brent": brent,
    }


def _bare_lp(data: dict[str, Any], periods: int) -> dict[str, Any]:
    """The planning LP as arrays, column and row order as in crudeflow.solve.lp."""
    import numpy as np
    import scipy.sparse as sp

    nodes, routes, supply, markets = data["nodes"], data["routes"], data["supply"], data["markets"]
    T = periods
    frac_list = _months(T)
    frac = np.array(frac_list)
    node_ix = nodes["id"]
    pos = {nid: i for i, nid in enumerate(node_ix)}
    N, R = len(nodes), len(routes)
    frm = routes["from"].map(pos).to_numpy(np.int64)
    to = routes["to"].map(pos).to_numpy(np.int64)
    open_ = (routes["status"] == "operating").to_numpy()
    if "since_year" in routes:
        open_ = open_ & (routes["since_year"].isna() | (routes["since_year"] <= YEAR)).to_numpy()
    cap = routes["capacity_mtpa"].to_numpy(float) * open_
    tariff = routes["tariff_usd_per_t"].to_numpy(float)

    sup = supply[supply["year"] == YEAR].groupby("node", sort=True)["mt"].sum()
    s_nodes = sup.index.map(pos).to_numpy(np.int64)
    m_nodes = markets["node"].map(pos).to_numpy(np.int64)
    grade = markets["grade"].fillna("").replace("", data["default_grade"])
    brent = float(data["brent"].set_index("year").loc[YEAR, "brent_usd_per_bbl"])
    price = (brent + markets["diff_usd_per_bbl"].to_numpy(float)) * grade.map(data["bpt"]).to_numpy(
        float
    )
    m_cap = markets["max_mtpa"].fillna(np.inf).to_numpy(float)
    storage = nodes["storage_mt"].fillna(0.0).to_numpy(float)
    st = np.flatnonzero(storage > 0) if T > 1 else np.array([], dtype=np.int64)
    S, M, H = len(s_nodes), len(m_nodes), len(st)

    # storage as in crudeflow.solve.lp: stock = opening + h - g, opening = a fixed share of the
    # working storage, h and g priced as a tie-breaker, closing stock >= opening stock
    h_open = storage[st] * STORAGE_START_FILL
    n_x, n_s, n_d, n_h = T * R, T * S, T * M, T * H
    base_s, base_d, base_h = n_x, n_x + n_s, n_x + n_s + n_d
    base_g = base_h + n_h
    n_col = base_g + n_h
    t_x = np.repeat(np.arange(T), R) * N
    t_s = np.repeat(np.arange(T), S) * N
    t_d = np.repeat(np.arange(T), M) * N
    t_h = np.repeat(np.arange(T), H)
    st_t = np.tile(st, T)
    carry = t_h + 1 < T  # the stock at the end of t is there at the start of t + 1
    xcol = np.arange(n_x)
    hcol = base_h + np.arange(n_h)
    gcol = base_g + np.arange(n_h)
    n_c = int(carry.sum())
    rows = np.concatenate(
        [
            t_x + np.tile(frm, T),  # departures
            t_x + np.tile(to, T),  # arrivals (no losses, no transit lag)
            t_s + np.tile(s_nodes, T),  # supply
            t_d + np.tile(m_nodes, T),  # deliveries
            t_h * N + st_t,  # h: stock built in period t ...
            (t_h[carry] + 1) * N + st_t[carry],  # ... available in t + 1
            t_h * N + st_t,  # g: the same with the opposite sign
            (t_h[carry] + 1) * N + st_t[carry],
        ]
    )
    cols = np.concatenate(
        [
            *(xcol, xcol, base_s + np.arange(n_s), base_d + np.arange(n_d)),
            *(hcol, hcol[carry], gcol, gcol[carry]),
        ]
    )
    vals = np.concatenate(
        [
            *(-np.ones(n_x), np.ones(n_x), np.ones(n_s), -np.ones(n_d)),
            *(-np.ones(n_h), np.ones(n_c), np.ones(n_h), -np.ones(n_c)),
        ]
    )
    A = sp.csc_array((vals, (rows, cols)), shape=(T * N, n_col))
    c = np.concatenate(
        [
            np.tile(tariff, T),
            np.zeros(n_s),
            -np.tile(price, T),
            np.full(2 * n_h, STORAGE_COST_USD_PER_T),
        ]
    )
    g_upper = np.tile(h_open, T)
    g_upper[(T - 1) * H :] = 0.0
    col_upper = np.concatenate(
        [
            (cap[None, :] * frac[:, None]).ravel(),
            (sup.to_numpy(float)[None, :] * frac[:, None]).ravel(),
            (m_cap[None, :] * frac[:, None]).ravel(),
            np.tile(storage[st] - h_open, T),
            g_upper,
        ]
    )
    return {
        "c": c,
        "A": A,
        "col_lower": np.zeros(n_col),
        "col_upper": col_upper,
        "row_lower": np.zeros(T * N),
        "row_upper": np.zeros(T * N),
        "T": T,
        "R": R,
        "frac": frac,
        "cap": cap,
    }


def run_bare(folder: Path, periods: int) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import highspy
    import numpy as np
    import pandas as pd
    import scipy.sparse  # noqa: F401
    import yaml  # noqa: F401

    import_s = time.perf_counter() - t_imp
    clock = _Clock()
    data = _bare_read(folder)
    clock.lap("read")
    lp = _bare_lp(data, periods)
    clock.lap("build")
    A = lp["A"]
    hlp = highspy.HighsLp()
    hlp.num_col_, hlp.num_row_ = A.shape[1], A.shape[0]
    hlp.col_cost_ = lp["c"]
    hlp.col_lower_, hlp.col_upper_ = lp["col_lower"], lp["col_upper"]
    hlp.row_lower_, hlp.row_upper_ = lp["row_lower"], lp["row_upper"]
    hlp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    hlp.a_matrix_.start_ = A.indptr.astype(np.int32)
    hlp.a_matrix_.index_ = A.indices.astype(np.int32)
    hlp.a_matrix_.value_ = A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(hlp)
    del hlp
    clock.lap("pass")
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {h.modelStatusToString(status)}")
    clock.lap("solve")
    info = h.getInfo()
    objective = float(info.objective_function_value)
    iterations = int(info.simplex_iteration_count)
    x = np.asarray(h.getSolution().col_value)
    T, R = lp["T"], lp["R"]
    flow_mt = x[: T * R].reshape(T, R).sum(axis=0)
    routes = data["routes"]
    years = float(lp["frac"].sum())
    df = pd.DataFrame(
        {
            "route": routes["id"],
            "from": routes["from"],
            "to": routes["to"],
            "flow_mtpa": flow_mt / years,
            "capacity_mtpa": lp["cap"],
        }
    ).set_index("route")
    clock.lap("extract")
    return {
        "seconds": clock.total,
        "cpu_s": clock.cpu(),
        "import_s": import_s,
        "stages": clock.stages,
        "rss_mib": clock.rss_mib,
        "objective": objective,
        "flow_total_mtpa": float(df["flow_mtpa"].sum()),
        "n_routes": len(df),
        "n_cols": int(A.shape[1]),
        "n_rows": int(A.shape[0]),
        "nnz": int(A.nnz),
        "iterations": iterations,
        "status": "optimal",
    }


# ---------------------------------------------------------------------------------------
# (c) PyPSA
def run_pypsa(folder: Path, periods: int) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import logging

    import numpy as np
    import pandas as pd
    import pypsa

    for name in ("pypsa", "linopy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import_s = time.perf_counter() - t_imp
    clock = _Clock()
    data = _bare_read(folder)
    clock.lap("read")
    nodes, routes, supply, markets = data["nodes"], data["routes"], data["supply"], data["markets"]
    frac = _months(periods)
    open_ = (routes["status"] == "operating").to_numpy()
    if "since_year" in routes:
        open_ = open_ & (routes["since_year"].isna() | (routes["since_year"] <= YEAR)).to_numpy()
    sup = supply[supply["year"] == YEAR].groupby("node", sort=True)["mt"].sum()
    grade = markets["grade"].fillna("").replace("", data["default_grade"])
    brent = float(data["brent"].set_index("year").loc[YEAR, "brent_usd_per_bbl"])
    price = (brent + markets["diff_usd_per_bbl"].to_numpy(float)) * grade.map(data["bpt"]).to_numpy(
        float
    )
    storage = nodes.set_index("id")["storage_mt"].fillna(0.0)
    # a market takes at most what can arrive: inflow capacity plus its own stock per period
    inflow = routes.assign(c=routes["capacity_mtpa"] * open_).groupby("to")["c"].sum()
    m_max = markets["max_mtpa"].to_numpy(float)
    m_bound = inflow.reindex(markets["node"]).fillna(0.0).to_numpy() + storage.reindex(
        markets["node"]
    ).to_numpy() / min(frac)
    m_nom = np.where(np.isnan(m_max), m_bound, m_max)

    n = pypsa.Network()
    n.set_snapshots(pd.Index([f"{YEAR}-{m:02d}" for m in range(1, periods + 1)], name="snapshot"))
    for col in n.snapshot_weightings.columns:
        n.snapshot_weightings[col] = frac
    n.add("Bus", nodes["id"].to_numpy())
    n.add(
        "Link",
        routes["id"].to_numpy(),
        bus0=routes["from"].to_numpy(),
        bus1=routes["to"].to_numpy(),
        p_nom=routes["capacity_mtpa"].to_numpy(float) * open_,
        efficiency=1.0,
        marginal_cost=routes["tariff_usd_per_t"].to_numpy(float),
    )
    n.add(
        "Generator",
        ("supply " + sup.index).to_numpy(),
        bus=sup.index.to_numpy(),
        p_nom=sup.to_numpy(float),
        marginal_cost=0.0,
    )
    n.add(
        "Generator",
        ("market " + markets["node"]).to_numpy(),
        bus=markets["node"].to_numpy(),
        p_nom=m_nom,
        p_min_pu=-1.0,
        p_max_pu=0.0,
        marginal_cost=price,
    )
    if periods > 1:
        # crudeflow's stock = opening + h - g as two stores that start empty: "above" holds h
        # (0..storage - opening), "below" holds -g (-opening..0, and 0 at the end: the stock
        # closes at least as full as it opened); each tonne of either costs
        # STORAGE_COST_USD_PER_T per period, which PyPSA weights by the snapshot weighting
        st = storage[storage > 0]
        opening = st.to_numpy(float) * STORAGE_START_FILL
        w = np.array(frac)[:, None]
        above, below = ("above " + st.index).to_numpy(), ("below " + st.index).to_numpy()
        snaps = n.snapshots
        e_min_below = np.full((periods, len(st)), -1.0)
        e_min_below[-1] = 0.0
        n.add(
            "Store",
            above,
            bus=st.index.to_numpy(),
            e_nom=st.to_numpy(float) - opening,
            marginal_cost_storage=pd.DataFrame(
                np.broadcast_to(STORAGE_COST_USD_PER_T / w, (periods, len(st))),
                index=snaps,
                columns=above,
            ),
        )
        n.add(
            "Store",
            below,
            bus=st.index.to_numpy(),
            e_nom=opening,
            e_min_pu=pd.DataFrame(e_min_below, index=snaps, columns=below),
            e_max_pu=0.0,
            marginal_cost_storage=pd.DataFrame(
                np.broadcast_to(-STORAGE_COST_USD_PER_T / w, (periods, len(st))),
                index=snaps,
                columns=below,
            ),
        )
    clock.lap("build")
    status, condition = n.optimize(solver_name="highs", solver_options={"output_flag": False})
    if status != "ok":
        raise RuntimeError(f"PyPSA/HiGHS: {status} {condition}")
    clock.lap("optimize")
    weight = n.snapshot_weightings["objective"]
    flows = n.links_t.p0.mul(weight, axis=0).sum() / sum(frac)
    df = pd.DataFrame({"flow_mtpa": flows})
    clock.lap("extract")
    return {
        "seconds": clock.total,
        "cpu_s": clock.cpu(),
        "import_s": import_s,
        "stages": clock.stages,
        "rss_mib": clock.rss_mib,
        "objective": float(n.objective) + float(getattr(n, "objective_constant", 0.0) or 0.0),
        "flow_total_mtpa": float(df["flow_mtpa"].sum()),
        "n_routes": len(df),
        "status": str(condition),
        "pypsa": pypsa.__version__,
    }


# ---------------------------------------------------------------------------------------
def run_verify(folder: Path, periods: int) -> dict[str, Any]:
    """Check that the bare LP is crudeflow's LP, array for array (no solve)."""
    import numpy as np

    from crudeflow.network.load import load_dataset
    from crudeflow.solve.lp import Periods, build_lp

    ref = build_lp(load_dataset(folder), Periods.monthly(YEAR, months=periods))
    bare = _bare_lp(_bare_read(folder), periods)
    a, b = ref.A.tocsc(), bare["A"].tocsc()
    a.sort_indices()
    b.sort_indices()
    same = {
        "A": a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data),
        "c": np.array_equal(ref.c, bare["c"]),
        "col_lower": np.array_equal(ref.col_lower, bare["col_lower"]),
        "col_upper": np.array_equal(ref.col_upper, bare["col_upper"]),
        "row_lower": np.array_equal(ref.row_lower, bare["row_lower"]),
        "row_upper": np.array_equal(ref.row_upper, bare["row_upper"]),
    }
    return {
        "identical": all(same.values()),
        "checks": same,
        "shape": list(a.shape),
        "nnz": int(a.nnz),
    }


def run_generate(folder: Path, nodes: int, seed: int) -> dict[str, Any]:
    from synthetic import make_network, write_dataset

    from crudeflow.network.load import validate_dataset

    t0 = time.perf_counter()
    net = make_network(nodes, seed=seed)
    write_dataset(net, folder)
    problems = validate_dataset(folder)
    if problems:
        raise RuntimeError(
            "synthetic dataset does not validate: " + "; ".join(str(p) for p in problems[:5])
        )
    return {
        "seconds": time.perf_counter() - t0,
        "nodes": len(net.nodes),
        "routes": len(net.routes),
        "fields": len(net.supply),
        "markets": len(net.markets),
        "storage_nodes": sum(n.storage_mt is not None for n in net.nodes),
    }


def _worker(args: argparse.Namespace) -> None:
    import resource

    folder = Path(args.folder)
    if args.worker == "crudeflow":
        out = run_crudeflow(folder, args.periods, args.profile)
    elif args.worker == "bare":
        out = run_bare(folder, args.periods)
    elif args.worker == "pypsa":
        out = run_pypsa(folder, args.periods)
    elif args.worker == "verify":
        out = run_verify(folder, args.periods)
    else:
        out = run_generate(folder, args.nodes, args.seed)
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["hwm_mib"] = _status_kb("VmHWM") / 1024
    sys.stdout.flush()
    print("\n@@RESULT " + json.dumps(out))


# ---------------------------------------------------------------------------------------
# the parent
def _spawn(
    worker: str, args: argparse.Namespace, folder: Path, timeout: float | None = None
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        worker,
        "--folder",
        str(folder),
        "--periods",
        str(args.periods),
        "--nodes",
        str(args.nodes),
        "--seed",
        str(args.seed),
    ]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "timeout": True}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("@@RESULT "):
            out: dict[str, Any] = json.loads(line[len("@@RESULT ") :])
            out["process_s"] = wall
            return out
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def _machine() -> dict[str, str]:
    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or ""
    mem = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        root = str(HERE.parent)
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit = f"{head}{' + uncommitted changes in src/' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "commit": commit,
        "platform": platform.platform(),
        "cpu": f"{cpu} ({os.cpu_count()} logical CPUs)",
        "memory": mem or "unknown",
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{p} {version(p)}"
            for p in ("crudeflow", "highspy", "numpy", "scipy", "pandas", "pypsa", "linopy")
        ),
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return None
    stages = {k: statistics.median(r["stages"][k] for r in ok) for k in ok[0]["stages"]}
    return {
        "n": len(ok),
        "time": statistics.median(r["seconds"] for r in ok),
        "times": [r["seconds"] for r in ok],
        "cpu": statistics.median(r["cpu_s"] for r in ok),
        "outside": statistics.median(_outside_highs(r) for r in ok),
        "process": statistics.median(r["process_s"] for r in ok),
        "import": statistics.median(r["import_s"] for r in ok),
        "mem": max(r["maxrss_mib"] for r in ok),
        "hwm": max(r["hwm_mib"] for r in ok),
        "objective": ok[0]["objective"],
        "objectives": [r["objective"] for r in ok],
        "flow": ok[0]["flow_total_mtpa"],
        "iterations": ok[0].get("iterations"),
        "stages": stages,
        "rss": ok[-1]["rss_mib"],
    }


def _outside_highs(run: dict[str, Any]) -> float:
    """Pipeline seconds spent outside HiGHS (NaN for PyPSA, whose optimize() mixes both)."""
    st = run["stages"]
    if "highs" in st:
        return float(run["seconds"] - st["highs"])
    if "solve" in st:
        return float(run["seconds"] - st["solve"] - st["pass"])
    return float("nan")


def _fmt_stages(s: dict[str, Any]) -> str:
    text = ", ".join(f"{k} {v:.2f}" for k, v in s["stages"].items())
    if s.get("iterations") is not None:
        text += f" (HiGHS simplex iterations: {s['iterations']:,})"
    return text


def _report(
    args: argparse.Namespace,
    gen: dict[str, Any],
    verify: dict[str, Any] | None,
    summ: dict[str, dict[str, Any] | None],
    errors: dict[str, list[str]],
    bare_lp: dict[str, Any],
) -> str:
    m = _machine()
    now = dt.datetime.now().astimezone()
    cmdline = "python " + " ".join(shlex.quote(a) for a in ["bench/plan_bench.py", *sys.argv[1:]])
    bare = summ.get("bare")
    lines = [
        f"## {now:%Y-%m-%d %H:%M %Z}: N = {args.nodes:,}, T = {args.periods}, seed {args.seed}",
        "",
        f"- command: `{cmdline}`",
        f"- machine: {m['platform']}; {m['cpu']}; {m['memory']} RAM",
        f"- python {m['python']}; {m['versions']}; crudeflow at git {m['commit']}",
        f"- instance: {gen['nodes']:,} nodes, {gen['routes']:,} routes, {gen['fields']:,} "
        f"fields, {gen['markets']:,} markets, {gen['storage_nodes']:,} storage nodes; LP "
        f"{bare_lp.get('n_rows', 0):,} rows x {bare_lp.get('n_cols', 0):,} columns, "
        f"{bare_lp.get('nnz', 0):,} non-zeros",
    ]
    if verify is not None:
        lines.append(
            f"- LP check (crudeflow `build_lp` vs bare, array for array): "
            f"{'identical' if verify.get('identical') else verify}"
        )
    lines += [
        f"- {args.repeat} run(s) per tool"
        + (
            f" ({min(args.pypsa_repeat, args.repeat)} for PyPSA, after the others)"
            if args.pypsa
            else ""
        )
        + ", each in its own process, crudeflow and bare interleaved; "
        "time = median wall time of the pipeline (module imports excluded, shown apart), "
        "CPU = median process CPU time of the pipeline, outside HiGHS = wall time minus "
        "HiGHS's pass + solve; memory = max `ru_maxrss` of the process",
        f"- load average (1 min) at start / end: {args.load_start:.2f} / {os.getloadavg()[0]:.2f}",
        "",
        "| tool | time (s) | runs (s) | CPU (s) | outside HiGHS (s) | imports (s) "
        "| peak RSS (MiB) | time / bare | CPU / bare | memory / bare | objective (USD m) "
        "| rel. diff to bare |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in TOOLS:
        s = summ.get(tool)
        if s is None:
            if tool in errors:
                lines.append(f"| {tool} | – | {errors[tool][0]} |" + " |" * 9)
            continue
        tr = f"{s['time'] / bare['time']:.2f}" if bare else "–"
        cr = f"{s['cpu'] / bare['cpu']:.2f}" if bare else "–"
        out = "–" if s["outside"] != s["outside"] else f"{s['outside']:.2f}"
        mr = f"{s['mem'] / bare['mem']:.2f}" if bare else "–"
        rel = (
            f"{abs(s['objective'] - bare['objective']) / abs(bare['objective']):.1e}"
            if bare
            else "–"
        )
        runs = ", ".join(f"{t:.2f}" for t in s["times"])
        lines.append(
            f"| {tool} | {s['time']:.2f} | {runs} | {s['cpu']:.2f} | {out} | {s['import']:.2f} | "
            f"{s['mem']:.0f} | {tr} | {cr} | {mr} | {s['objective']:.6f} | {rel} |"
        )
    lines += ["", "Stages (median seconds):", ""]
    for tool in TOOLS:
        s = summ.get(tool)
        if s is not None:
            lines.append(f"- {tool}: {_fmt_stages(s)}")
    cf = summ.get("crudeflow")
    if cf and bare:
        t_ok = cf["time"] <= TIME_TARGET * bare["time"]
        m_ok = cf["mem"] <= MEMORY_TARGET * bare["mem"]
        lines += [
            "",
            f"Target (crudeflow <= {TIME_TARGET} x bare time, <= {MEMORY_TARGET} x bare memory): "
            f"time {cf['time'] / bare['time']:.2f} x ({'met' if t_ok else 'MISSED'}), "
            f"memory {cf['mem'] / bare['mem']:.2f} x ({'met' if m_ok else 'MISSED'}).",
        ]
    for tool, errs in errors.items():
        for e in errs:
            lines.append(f"\n{tool}: {e}")
    return "\n".join(lines) + "\n"


def _parent(args: argparse.Namespace) -> int:
    args.load_start = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="crudeflow-bench-"))
    folder = tmp / f"synthetic_{args.nodes}_{args.seed}"
    try:
        print(f"generating N = {args.nodes:,} (seed {args.seed}) in {folder} ...", flush=True)
        gen = _spawn("generate", args, folder)
        if "error" in gen:
            print("generation failed:", gen["error"], file=sys.stderr)
            return 1
        print(
            f"  {gen['routes']:,} routes, {gen['fields']} fields, {gen['markets']} markets, "
            f"{gen['storage_nodes']} storage nodes ({gen['seconds']:.1f} s)",
            flush=True,
        )
        verify = None
        if args.verify:
            verify = _spawn("verify", args, folder)
            print(f"  LP check: {verify}", flush=True)
        tools = ["crudeflow", "bare"] + (["pypsa"] if args.pypsa else [])
        runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
        errors: dict[str, list[str]] = {}
        # crudeflow and bare interleaved, then PyPSA (slow) so it does not sit between them
        schedule = [(i, t) for i in range(args.repeat) for t in ("crudeflow", "bare")]
        if args.pypsa:
            schedule += [(i, "pypsa") for i in range(min(args.pypsa_repeat, args.repeat))]
        for i, tool in schedule:
            if errors.get(tool):
                continue
            timeout = args.pypsa_timeout if tool == "pypsa" else None
            r = _spawn(tool, args, folder, timeout=timeout)
            if "error" in r:
                errors.setdefault(tool, []).append(r["error"])
                print(f"  [{i + 1}] {tool}: {r['error']}", flush=True)
                continue
            runs[tool].append(r)
            print(
                f"  [{i + 1}] {tool:9s} {r['seconds']:8.2f} s  rss {r['maxrss_mib']:7.0f} "
                f"MiB (hwm {r['hwm_mib']:.0f})  objective {r['objective']:.9f}  "
                f"[{', '.join(f'{k} {v:.2f}' for k, v in r['stages'].items())}]",
                flush=True,
            )
        summ = {t: _summary(runs[t]) for t in tools}
        bare_lp = runs["bare"][0] if runs["bare"] else {}
        text = _report(args, gen, verify, summ, errors, bare_lp)
        print()
        print(text)
        out = Path(args.out)
        if not out.exists():
            out.write_text(
                "# crudeflow planner benchmark\n\nAppended by `bench/plan_bench.py`; "
                "newest last.\n",
                encoding="utf-8",
            )
        with out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        print(f"appended to {out}")
    finally:
        if not args.keep_data:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nodes", type=int, default=10_000, help="nodes of the synthetic network")
    ap.add_argument(
        "--periods",
        type=int,
        default=12,
        choices=range(1, 13),
        metavar="1..12",
        help="monthly periods from January 2025",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool (median time)")
    ap.add_argument(
        "--pypsa",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time PyPSA (if it is installed)",
    )
    ap.add_argument(
        "--pypsa-repeat", type=int, default=1, help="PyPSA runs (at most --repeat; it is slow)"
    )
    ap.add_argument(
        "--pypsa-timeout", type=float, default=900.0, help="seconds before a PyPSA run is abandoned"
    )
    ap.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="first check that crudeflow's LP and the bare LP are identical",
    )
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--keep-data", action="store_true", help="keep the generated dataset")
    ap.add_argument("--worker", choices=(*TOOLS, "verify", "generate"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--profile", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0
    if args.pypsa:
        try:
            metadata.version("pypsa")
        except metadata.PackageNotFoundError:
            print("PyPSA is not installed: skipping it", file=sys.stderr)
            args.pypsa = False
    return _parent(args)


if __name__ == "__main__":
    sys.exit(main())
