"""Scenario files with many changes: read, parse and apply time against the number of changes.

Issue 8 item 11: 20,000 changes took 75 s (quadratic); the target is 100,000 changes (the
documented maximum) in under 10 s, growing linearly. Each size writes one scenario file on
the default dataset with a monthly horizon 2022-01 to 2025-12 and single-day changes spread
over every route's capacity and tariff, every market's price and every supply node (no two on
the same thing on the same day, so the file is valid), then times, each in a fresh process:

- ``load``: :func:`crudeflow.scenario.load_scenario` (read, YAML limits check, parse);
- ``apply``: :func:`crudeflow.scenario.apply_scenario` on the default dataset (per-period
  capacities, tariffs, prices and supply).

Wall and CPU time are both shown: on a shared machine wall time grows with the load. The
solve is left out: its size depends on the horizon, not on the number of changes.

Usage::

    python bench/scenario_bench.py                       # 10k, 20k, 50k, 100k changes
    python bench/scenario_bench.py --sizes 100000 --out bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_scenario(path: Path, n: int) -> None:
    """A valid scenario of ``n`` single-day changes on the default dataset."""
    from crudeflow.network.load import load_dataset

    net = load_dataset()
    first = dt.date(2022, 1, 1)
    days = (dt.date(2025, 12, 31) - first).days + 1
    slots: list[tuple[str, str, str]] = []
    for r in net.routes:
        slots.append(("route", r.id, "capacity_factor: 0.5"))
        slots.append(("route", r.id, "tariff_usd_per_t: 12.5"))
    for m in net.markets:
        slots.append(("market", m.node, "diff_usd_per_bbl: -3"))
    for node in sorted({s.node for s in net.supply}):
        slots.append(("supply", node, "factor: 0.9"))
    if n > len(slots) * days:
        raise SystemExit(f"at most {len(slots) * days:,} changes fit the horizon")
    lines = [
        f"name: bench-{n}",
        "title: Benchmark scenario",
        "horizon: {start: 2022-01, end: 2025-12}",
        "changes:",
    ]
    for k in range(n):
        kind, target, value = slots[k % len(slots)]
        day = first + dt.timedelta(days=k // len(slots))
        lines += [f"  - {kind}: {target}", f"    {value}", f"    from: {day}", f"    to: {day}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _child(path: str) -> None:
    from crudeflow.network.load import load_dataset
    from crudeflow.scenario import apply_scenario, load_scenario

    net = load_dataset()
    t0, c0 = time.perf_counter(), time.process_time()
    sc = load_scenario(path)
    t1 = time.perf_counter()
    apply_scenario(sc, net)
    t2, c2 = time.perf_counter(), time.process_time()
    out = {"changes": len(sc.changes), "load": t1 - t0, "apply": t2 - t1, "cpu": c2 - c0}
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,20000,50000,100000")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size; the median is shown")
    ap.add_argument("--out", type=Path, help="append the table to this Markdown file")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"bench-{n}.yaml"
            write_scenario(path, n)
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(out.stdout))
            runs.sort(key=lambda r: r["load"] + r["apply"])
            mid = runs[len(runs) // 2]
            size = path.stat().st_size
            total = mid["load"] + mid["apply"]
            rows.append((n, size, mid["load"], mid["apply"], total, mid["cpu"]))
            print(
                f"{n:>8,} changes  {size / 1e6:5.1f} MB  load {mid['load']:6.2f} s  "
                f"apply {mid['apply']:6.2f} s  total {total:6.2f} s  CPU {mid['cpu']:6.2f} s",
                flush=True,
            )
    if args.out:
        import yaml

        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        load1 = os.getloadavg()[0]
        text = [
            f"\n## {now}: scenario files with many changes (`bench/scenario_bench.py`)\n",
            f"- command: `python bench/scenario_bench.py --sizes {args.sizes} "
            f"--repeat {args.repeat}`",
            f"- machine: {platform.platform()}; python {platform.python_version()}; "
            f"PyYAML {yaml.__version__} (libyaml: {getattr(yaml, '__with_libyaml__', False)})",
            "- median of the runs, each in its own process; horizon 2022-01 to 2025-12 monthly,"
            " single-day changes on routes, tariffs, markets and supply of the default dataset",
            f"- load average (1 min) at the end: {load1:.2f} on {os.cpu_count()} CPUs (wall time"
            " grows with it; CPU time, the process's own, does not)",
            "- target (issue 8 item 11): 100,000 changes in under 10 s, linear\n",
            "| changes | file (MB) | load (s) | apply (s) | total (s) | CPU (s) | CPU µs per change |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for n, size, load, apply, total, cpu in rows:
            text.append(
                f"| {n:,} | {size / 1e6:.1f} | {load:.2f} | {apply:.2f} | {total:.2f} | "
                f"{cpu:.2f} | {cpu / n * 1e6:.0f} |"
            )
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(text) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
