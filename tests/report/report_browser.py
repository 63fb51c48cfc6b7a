"""Open a report in Debian's Chromium (Playwright, no browser download) and inspect it.

Shared by ``test_report_browser.py`` and ``make_screenshots.py``. The browser gets a new
temporary profile and flags that stop its own background traffic; every request the page
makes is recorded so tests can assert that none leaves the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("CRUDEFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--no-default-browser-check",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:")

# Everything the checks need, read from the DOM once the figures are drawn.
PROBE = """() => {
  const len = (el) => (el && el.getAttribute('d') || '').length;
  const maps = Array.from(document.querySelectorAll('.plot-map')).map((div) => ({
    id: div.id,
    countries: len(div.querySelector('.geo .layer.countries path')),
    coastlines: len(div.querySelector('.geo .layer.coastlines path')),
    land: len(div.querySelector('.geo .layer.land path')),
    lines: div.querySelectorAll('.geo .scattergeo path.js-line').length,
    tinted: div.querySelectorAll('.geo path.choroplethlocation').length,
  }));
  const sankeys = Array.from(document.querySelectorAll('.plot-sankey')).map((div) => ({
    id: div.id,
    nodes: div.querySelectorAll('.sankey .sankey-node').length,
    links: div.querySelectorAll('.sankey path.sankey-link').length,
  }));
  return {
    plots: document.querySelectorAll('.js-plotly-plot').length,
    figures: document.querySelectorAll('.plot').length,
    maps: maps,
    sankeys: sankeys,
  };
}"""

READY = """() => {
  const figs = document.querySelectorAll('.plot').length;
  const done = document.querySelectorAll('.js-plotly-plot').length;
  const maps = Array.from(document.querySelectorAll('.plot-map'));
  const drawn = maps.every((d) => {
    const p = d.querySelector('.geo .layer.countries path');
    return p && (p.getAttribute('d') || '').length > 1000;
  });
  const sankeys = Array.from(document.querySelectorAll('.plot-sankey'));
  const flows = sankeys.every((d) => d.querySelectorAll('.sankey .sankey-node').length > 0);
  return figs > 0 && done === figs && drawn && flows;
}"""


def chromium_path() -> Path | None:
    """Debian's Chromium, if installed."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@dataclass
class OpenReport:
    """A report open in a page, with every request and error it caused."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def non_local_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]

    def probe(self) -> dict[str, Any]:
        result: dict[str, Any] = self.page.evaluate(PROBE)
        return result


@contextmanager
def open_report(
    path: Path, *, width: int = 1400, height: int = 1000, timeout_s: float = 120.0
) -> Iterator[OpenReport]:
    """Open ``path`` from ``file://`` and wait until every figure has drawn."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
    with (
        tempfile.TemporaryDirectory(prefix="crudeflow-chromium-") as profile,
        sync_playwright() as pw,
    ):
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(exe),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            device_scale_factor=1,
        )
        try:
            page = ctx.new_page()
            rep = OpenReport(page)
            page.on("request", lambda r: rep.requests.append(r.url))
            page.on(
                "console",
                lambda m: (
                    rep.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda e: rep.errors.append(f"pageerror: {e}"))
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_function(READY, timeout=timeout_s * 1000)
            time.sleep(0.5)  # let transitions settle before screenshots
            yield rep
        finally:
            ctx.close()


def png_ink(png: bytes) -> float:
    """Share of non-zero bytes in a PNG's filtered pixel stream (0 for a blank image).

    Examples
    --------
    >>> import struct, zlib
    >>> def chunk(kind, data):
    ...     crc = zlib.crc32(kind + data)
    ...     return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
    >>> ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0)
    >>> blank = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(
    ...     b"IDAT", zlib.compress(b"\\x00\\x00\\x00")) + chunk(b"IEND", b"")
    >>> png_ink(blank)
    0.0
    """
    pos, idat = 8, b""
    while pos < len(png):
        size = int.from_bytes(png[pos : pos + 4], "big")
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += png[pos + 8 : pos + 8 + size]
        pos += 12 + size
    raw = zlib.decompress(idat)
    return sum(1 for b in raw if b) / max(len(raw), 1)
