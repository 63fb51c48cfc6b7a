"""Load test of ``crudeflow serve``: concurrent clients posting plan requests on loopback.

Usage::

    python bench/load_web.py --clients 50 --duration 30                  # the README mix
    python bench/load_web.py --clients 50 --duration 30 --mix distinct   # no two alike

The script starts ``crudeflow serve`` (one uvicorn front process answering HTTP and the
plan cache, and ``--workers`` solver processes taking the solves from one queue; default:
the server's own default, one per core) in a **subprocess** on 127.0.0.1 with a free port,
waits for ``/api/health``, then runs ``--clients`` concurrent clients for ``--duration`` seconds,
each posting ``POST /api/plan`` in a loop on one keep-alive HTTP/1.1 connection. The
clients are ``--client raw`` (default: a few lines on asyncio streams; httpx takes about
2.5 times the server's CPU per cached answer, and client and server share the machine) or
``--client httpx`` (``httpx.AsyncClient``, as in the first recorded run).

* ``--mix readme`` (default): alternating the base plan and ``avoid RU`` (every fifth
  request also adds a requirement and a capacity change): three distinct requests, so after
  the warm-up the server answers from its plan cache.
* ``--mix distinct``: every request is different (a capacity change on a route, its value
  unique to the request; every other request also avoids RU), so every one is solved.

A request counts as an error unless it answers 200 with a plan (the answer is parsed, with
orjson: the client shares the machine with the server, so its CPU is kept small). Latency is measured per
request on the client (``time.perf_counter``), from just before sending to the end of
reading the body.

CPU time is measured too, since latency on a shared machine depends on what else runs:
the server's processes (``/proc/PID/stat``, the serving process and its workers) and the
client's (``getrusage``), each per successful request; and, per worker process, the
keep-alive connections it holds (sockets matched in ``/proc/net/tcp``) and its share of the
server's CPU: the front process holds every connection, and the solver processes' shares
show how evenly the solves were spread.

The result (requests/s, p50/p90/p99/max latency, errors, CPU) is printed and appended as a dated
section with machine information to ``--out`` (default ``bench/RESULTS.md``; never rewritten).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson  # the client parses every answer: json would take ~3x its CPU (the server's too)

HERE = Path(__file__).resolve().parent
MAX_DURATION_S = 300.0
MAX_CLIENTS = 1000


@dataclass
class Tally:
    """Latencies (s) of successful requests and the errors seen."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux /proc; just ``root`` elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connections(pid: int, port: int) -> int:
    """Established TCP connections on local ``port`` held by process ``pid``."""
    try:
        inodes = {
            os.readlink(fd)[8:-1]
            for fd in Path(f"/proc/{pid}/fd").iterdir()
            if os.readlink(fd).startswith("socket:[")
        }
    except OSError:
        return 0
    n = 0
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port and f[9] in inodes:
                n += 1
    return n


@dataclass
class CpuSnapshot:
    """CPU seconds of each server process and of this client, at one moment."""

    server: dict[int, float]
    client: float
    conns: dict[int, int] = field(default_factory=dict)


def snapshot(root: int, port: int, *, count_connections: bool = False) -> CpuSnapshot:
    pids = process_tree(root)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSnapshot(
        {pid: cpu_seconds(pid) for pid in pids},
        ru.ru_utime + ru.ru_stime,
        {pid: connections(pid, port) for pid in pids} if count_connections else {},
    )


def bodies(route: str | None) -> list[tuple[str, dict[str, Any]]]:
    """The request mix: base, avoid RU, and (every fifth) a requirement plus a capacity."""
    extra: dict[str, Any] = {"requirements": ["share RU <= 80%"]}
    if route is not None:
        extra["capacity_overrides"] = {route: 5.0}
    return [
        ("base", {}),
        ("avoid RU", {"avoid": ["RU"]}),
        ("base", {}),
        ("avoid RU", {"avoid": ["RU"]}),
        ("requirement + capacity", extra),
    ]


class Distinct:
    """Request bodies no two alike: route ``n % R`` gets capacity ``1 + n / 1000`` Mt/yr."""

    def __init__(self, routes: list[str]) -> None:
        self.routes = routes or ["?"]
        self.n = 0

    def next(self) -> tuple[str, dict[str, Any]]:
        n = self.n
        self.n += 1
        body: dict[str, Any] = {
            "capacity_overrides": {self.routes[n % len(self.routes)]: 1 + n / 1000}
        }
        if n % 2:
            body["avoid"] = ["RU"]
            return "distinct, avoid RU", body
        return "distinct", body


class RawConnection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: a load generator that takes
    little CPU (httpx takes about 2.5 times the server's CPU per cached answer), so on a
    shared machine the server, not the client, is what is measured."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = orjson.dumps(body)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def client_loop(
    client: httpx.AsyncClient | RawConnection,
    index: int,
    deadline: float,
    mix: list[tuple[str, dict[str, Any]]] | Distinct,
    tally: Tally,
) -> None:
    i = index  # stagger the mix across clients
    while time.perf_counter() < deadline:
        if isinstance(mix, Distinct):
            kind, body = mix.next()
        else:
            kind, body = mix[i % len(mix)]
        i += 1
        t0 = time.perf_counter()
        try:
            if isinstance(client, RawConnection):
                status, payload = await client.post("/api/plan", body)
            else:
                r = await client.post("/api/plan", json=body)
                status, payload = r.status_code, r.content
            ok = status == 200 and "exported_mtpa" in orjson.loads(payload)
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.error(type(exc).__name__)
            if isinstance(client, RawConnection):
                await client.close()
            continue
        dt_s = time.perf_counter() - t0
        if ok:
            tally.latencies.append(dt_s)
            tally.by_kind[kind] = tally.by_kind.get(kind, 0) + 1
        else:
            tally.error(f"HTTP {status}")


async def run_load(
    url: str,
    clients: int,
    duration: float,
    mix_name: str = "readme",
    client_kind: str = "raw",
    probe_cpu: Callable[[bool], CpuSnapshot] | None = None,
) -> tuple[Tally, float, list[CpuSnapshot]]:
    """Run the clients; ``probe_cpu`` (if given) is read at the start, once every client
    is connected (with connection counts), and at the end."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as probe:
        net = (await probe.get("/api/network")).json()
        routes = [
            f["properties"]["id"] for f in net["features"] if f["properties"]["feature"] == "route"
        ]
        readme = bodies(routes[0] if routes else None)
        # warm-up, not counted: the README requests, a few times over fresh connections
        for _ in range(4):
            for _, body in readme:
                await probe.post("/api/plan", json=body, headers={"Connection": "close"})
    mix: list[tuple[str, dict[str, Any]]] | Distinct = (
        Distinct(routes) if mix_name == "distinct" else readme
    )
    tally = Tally()
    snaps: list[CpuSnapshot] = []
    if probe_cpu is not None:
        snaps.append(probe_cpu(False))
    t0 = time.perf_counter()
    deadline = t0 + duration

    async def count_later() -> None:
        await asyncio.sleep(min(2.0, duration / 2))
        if probe_cpu is not None:
            snaps.append(probe_cpu(True))

    if client_kind == "raw":
        parts = urlsplit(url)
        conns = [
            RawConnection(parts.hostname or "127.0.0.1", parts.port or 80) for _ in range(clients)
        ]
        try:
            await asyncio.gather(
                count_later(),
                *(client_loop(conns[i], i, deadline, mix, tally) for i in range(clients)),
            )
        finally:
            if probe_cpu is not None:
                snaps.append(probe_cpu(False))
            for conn in conns:
                await conn.close()
    else:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            await asyncio.gather(
                count_later(),
                *(client_loop(client, i, deadline, mix, tally) for i in range(clients)),
            )
            if probe_cpu is not None:
                snaps.append(probe_cpu(False))
    elapsed = time.perf_counter() - t0
    return tally, elapsed, snaps


def cpu_summary(snaps: list[CpuSnapshot], n_ok: int) -> str:
    """CPU per request (server, client) and the spread over worker processes, in words."""
    if len(snaps) < 3 or n_ok == 0:
        return "CPU: not measured"
    start, mid, end = snaps[0], snaps[1], snaps[-1]
    used = {pid: end.server.get(pid, 0.0) - start.server.get(pid, 0.0) for pid in end.server}
    server = sum(used.values())
    client = end.client - start.client
    busy = [pid for pid in used if used[pid] > 0.01 * server]
    spread = ", ".join(
        f"{mid.conns.get(pid, 0)} connections {used[pid] / server:.0%} of the CPU"
        for pid in sorted(busy, key=lambda p: (-mid.conns.get(p, 0), -used[p]))
    )
    return (
        f"CPU per request: server {1000 * server / n_ok:.2f} ms, client "
        f"{1000 * client / n_ok:.2f} ms (server {server:.1f} s in all); "
        f"per process: {spread or 'not measured'}"
    )


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"crudeflow serve exited with code {proc.returncode}")
        try:
            r = httpx.get(url + "/api/health", timeout=2)
            if r.status_code == 200:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("crudeflow serve did not become healthy in time")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"; {kb / 1024**2:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.platform()}; {cpu} ({os.cpu_count()} logical CPUs){mem}"


def versions() -> str:
    names = ("crudeflow", "fastapi", "starlette", "uvicorn", "httpx", "highspy", "pydantic")
    out = []
    for n in (*names, "httptools", "orjson", "uvloop"):  # uvicorn runs on uvloop when installed
        try:
            out.append(f"{n} {metadata.version(n)}")
        except metadata.PackageNotFoundError:
            if n == "uvloop":
                out.append("no uvloop (asyncio's loop)")
    return f"python {platform.python_version()}; " + ", ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    ap.add_argument("--dataset", type=Path, default=None, help="dataset folder (default: built in)")
    ap.add_argument(
        "--max-solves",
        type=int,
        default=None,
        help="server --max-solves (default: the server's, 1)",
    )
    ap.add_argument(
        "--workers", type=int, default=None, help="server --workers (default: one per core)"
    )
    ap.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: keep-alive HTTP/1.1 on asyncio streams (light); httpx: httpx.AsyncClient",
    )
    ap.add_argument(
        "--mix",
        choices=("readme", "distinct"),
        default="readme",
        help="readme: the README's three requests; distinct: no two requests alike",
    )
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="results file")
    ap.add_argument("--no-record", action="store_true", help="print only; do not append")
    args = ap.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS:
        ap.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 1 <= args.duration <= MAX_DURATION_S:
        ap.error(f"--duration must be between 1 and {MAX_DURATION_S:g} seconds")

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-c",
        "from crudeflow.cli import main; main()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if args.max_solves is not None:
        cmd += ["--max-solves", str(args.max_solves)]
    if args.dataset is not None:
        cmd += ["--dataset", str(args.dataset)]
    if args.workers is not None:
        cmd += ["--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        health = wait_healthy(url, proc)
        print(
            f"serving {health['title']} ({health['routes']} routes) at {url}; "
            f"{args.clients} clients for {args.duration:g} s ...",
            flush=True,
        )
        tally, elapsed, snaps = asyncio.run(
            run_load(
                url,
                args.clients,
                args.duration,
                args.mix,
                args.client,
                lambda count: snapshot(proc.pid, port, count_connections=count),
            )
        )
        load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""

    lat = sorted(tally.latencies)
    n_ok = len(lat)
    n_err = sum(tally.errors.values())
    rps = n_ok / elapsed
    ms = {q: percentile(lat, q) * 1000 for q in (50, 90, 99)}
    worst = lat[-1] * 1000 if lat else float("nan")
    mean = statistics.fmean(lat) * 1000 if lat else float("nan")
    print(f"requests ok   {n_ok:,} in {elapsed:.1f} s  ->  {rps:,.1f} req/s")
    print(
        f"latency (ms)  p50 {ms[50]:.1f}  p90 {ms[90]:.1f}  p99 {ms[99]:.1f}  "
        f"max {worst:.1f}  mean {mean:.1f}"
    )
    print(f"errors        {n_err}" + (f"  {tally.errors}" if n_err else ""))
    cpu_line = cpu_summary(snaps, n_ok)
    print(cpu_line)
    if "Traceback" in stderr:
        print("server stderr:\n" + stderr[-4000:], file=sys.stderr)

    if not args.no_record:
        workers = args.workers if args.workers is not None else f"{len(os.sched_getaffinity(0))}"
        now = dt.datetime.now(dt.UTC)
        shown = " ".join(shlex.quote(a) for a in ["python", "bench/load_web.py", *sys.argv[1:]])
        mix = ", ".join(f"{k} {v:,}" for k, v in sorted(tally.by_kind.items()))
        section = f"""
## {now:%Y-%m-%d %H:%M} UTC: web app under load (`crudeflow serve`, POST /api/plan, {args.mix} mix)

- command: `{shown}`
- machine: {machine()}
- {versions()}
- server: `crudeflow serve` (a uvicorn front process and {workers} solver process(es) sharing one queue of solves) on 127.0.0.1, dataset \
{health["dataset"]} ({health["routes"]} routes, {health["nodes"]} nodes), \
{health.get("max_concurrent_solves", args.max_solves)} concurrent solve(s) per solver process, solve time limit \
{health["solve_time_limit_s"]:g} s, plan cache on; client and server share the machine \
(1-min load average {load_before:.2f} just before the run, {load_after:.2f} at its end)
- load: {args.clients} concurrent {args.client} clients (one keep-alive connection each), {elapsed:.1f} s after a warm-up; \
mix: {mix}
- {cpu_line}

| requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |
|---:|---:|---:|---:|---:|---:|---:|
| {n_ok:,} | {rps:,.1f} | {ms[50]:.1f} | {ms[90]:.1f} | {ms[99]:.1f} | {worst:.1f} | {n_err} |
"""
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write(section)
        print(f"appended to {args.out}")
    return 0 if n_err == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
