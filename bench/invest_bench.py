"""Benchmark: the risk-aware investment model, crudeflow (Benders) vs PyPSA 1.4 (stochastic).

    python bench/invest_bench.py --draws 10 100 1000 --out bench/RESULTS.md

The problem both tools solve: the built-in Kazakhstan dataset as PyPSA can represent it
(transit lags removed, so a month's departures arrive in that month; the projects' requires /
excludes links dropped; no requirements), its projects.csv candidates at 8%, the monthly LP of
the base year under draws 0 ... K-1 (seed 0) of its outages.csv, risk-neutral or with
``--risk cvar:A:W``. Each (tool, K) runs in its own process; the time is the wall time of
building the problem and solving it (imports shown apart). Also, for crudeflow, the extensive
form (``--extensive``, one MIP) at the K given with ``--extensive-draws``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _problem(draws: int, risk: str) -> tuple[Any, Any]:
    from crudeflow.invest.stochastic import build_problem, parse_risk
    from crudeflow.network.load import load_dataset

    net = load_dataset()
    routes = tuple(dataclasses.replace(r, transit_days=None) for r in net.routes)
    # the PyPSA export has no loading limits: drop them and the node projects that raise them
    nodes = tuple(dataclasses.replace(n, throughput_mtpa=None) for n in net.nodes)
    projects = tuple(
        dataclasses.replace(p, requires=(), excludes=()) for p in net.projects if not p.on_node
    )
    net = dataclasses.replace(net, nodes=nodes, routes=routes, projects=projects)
    prob = build_problem(
        net, projects, year=net.meta.base_year, draws=draws, seed=0, risk=parse_risk(risk)
    )
    return net, prob


def run_worker(tool: str, draws: int, risk: str) -> dict[str, Any]:
    t_imp = time.perf_counter()
    import numpy as np

    from crudeflow.invest.stochastic import solve_two_stage

    if tool == "pypsa":
        from crudeflow.invest.pypsa_export import pypsa_network, pypsa_portfolio
    import_s = time.perf_counter() - t_imp
    t0, c0 = time.perf_counter(), time.process_time()
    net, prob = _problem(draws, risk)
    build = time.perf_counter() - t0
    if tool == "crudeflow":
        sol = solve_two_stage(prob)
        modules = {k: float(v) for k, v in sol.modules.items()}
        objective = sol.objective_musd_per_yr
        extra = {"iterations": sol.iterations, "lp_solves": sol.lp_solves,
                 "master_s": sol.master_seconds}  # fmt: skip
    elif tool == "extensive":
        sol = solve_two_stage(prob, method="extensive")
        modules = {k: float(v) for k, v in sol.modules.items()}
        objective = sol.objective_musd_per_yr
        extra = {}
    else:
        n = pypsa_network(prob, net, integer=True)
        modules, objective = pypsa_portfolio(n, prob)
        extra = {}
    seconds = time.perf_counter() - t0
    return {
        "tool": tool,
        "draws": draws,
        "distinct": prob.n_distinct,
        "seconds": seconds,
        "build_s": build,
        "cpu_s": time.process_time() - c0,
        "import_s": import_s,
        "objective": objective,
        "modules": {k: round(v, 6) for k, v in modules.items() if abs(v) > 1e-9},
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "n_projects": len(prob.projects),
        "load": os.getloadavg()[0],
        **extra,
        "_": float(np.nan),
    }


def _spawn(tool: str, draws: int, risk: str, timeout: float | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool,
           "--draws", str(draws), "--risk", risk]  # fmt: skip
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "draws": draws, "error": f"over {timeout:.0f} s (stopped)"}
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT "):
            out: dict[str, Any] = json.loads(line[len("@@RESULT ") :])
            out["process_s"] = time.perf_counter() - t0
            return out
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"tool": tool, "draws": draws, "error": f"exit {proc.returncode}: " + " | ".join(tail)}


def _report(args: argparse.Namespace, rows: list[dict[str, Any]], load: tuple[float, float]) -> str:
    from plan_bench import _machine

    m = _machine()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}: risk-aware investment, crudeflow vs PyPSA (bench/invest_bench.py)",
        "",
        f"- command: `python bench/invest_bench.py {' '.join(sys.argv[1:])}`",
        f"- machine: {m['platform']}; {m['cpu']}; {m['memory']} RAM",
        f"- python {m['python']}; {m['versions']}; crudeflow at git {m['commit']}",
        "- problem: built-in Kazakhstan dataset without transit lags and without the projects' "
        "requires/excludes, its projects.csv at 8%, monthly LP of the base year, draws 0..K-1 of "
        f"seed 0, risk `{args.risk}`; integer modules on both sides (PyPSA `p_nom_mod`)",
        "- time = wall time of building and solving in a fresh process (imports apart); the "
        "machine is shared with other engineers' work: load average (1 min) at start / end "
        f"{load[0]:.2f} / {load[1]:.2f}, so times are noisy (CPU time is the steadier figure)",
        "",
        "| K | tool | distinct draws | time (s) | CPU (s) | imports (s) | peak RSS (MiB) | "
        "objective (USD m/yr) | rel. diff to crudeflow | portfolio | time / crudeflow |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    by_k: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["tool"] == "crudeflow" and "error" not in r:
            by_k[r["draws"]] = r
    for r in rows:
        base = by_k.get(r["draws"])
        if "error" in r:
            lines.append(f"| {r['draws']:,} | {r['tool']} | | {r['error']} | | | | | | | |")
            continue
        rel = (
            abs(r["objective"] - base["objective"]) / abs(base["objective"])
            if base
            else float("nan")
        )
        port = ", ".join(f"{k} {v:g}" for k, v in r["modules"].items())
        ratio = r["seconds"] / base["seconds"] if base else float("nan")
        note = ""
        if r["tool"] == "crudeflow":
            note = f" ({r['iterations']} iterations, {r['lp_solves']:,} LPs, master {r['master_s']:.1f} s)"
        lines.append(
            f"| {r['draws']:,} | {r['tool']}{note} | {r['distinct']:,} | {r['seconds']:.2f} | "
            f"{r['cpu_s']:.2f} | {r['import_s']:.2f} | {r['maxrss_mib']:.0f} | "
            f"{r['objective']:.6f} | {rel:.1e} | {port} | {ratio:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--risk", default="none")
    ap.add_argument("--worker", choices=("crudeflow", "pypsa", "extensive"))
    ap.add_argument("--no-pypsa", action="store_true")
    ap.add_argument("--pypsa-timeout", type=float, default=900.0)
    ap.add_argument("--extensive-draws", type=int, nargs="*", default=[])
    ap.add_argument("--extensive-timeout", type=float, default=600.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    if args.worker:
        res = run_worker(args.worker, args.draws[0], args.risk)
        res.pop("_", None)
        print("@@RESULT " + json.dumps(res))
        return 0
    load0 = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    for k in args.draws:
        rows.append(_spawn("crudeflow", k, args.risk, None))
        print(rows[-1], file=sys.stderr)
        if k in args.extensive_draws:
            rows.append(_spawn("extensive", k, args.risk, args.extensive_timeout))
            print(rows[-1], file=sys.stderr)
        if not args.no_pypsa:
            rows.append(_spawn("pypsa", k, args.risk, args.pypsa_timeout))
            print(rows[-1], file=sys.stderr)
    text = _report(args, rows, (load0, os.getloadavg()[0]))
    print(text)
    if args.out:
        with args.out.open("a") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
