"""Write the report screenshots of the docs: ``python tests/report/make_screenshots.py [DIR]``.

Builds the default report (the built-in dataset, base plan vs avoid Russia) into a temporary
folder, opens it in Debian's Chromium and saves ``report-map.png``, ``report-sankey.png`` and
``report-summary.png`` into DIR (default: ``docs/screenshots`` of the repository).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

try:
    from .report_browser import open_report
except ImportError:  # run as a script: python tests/report/make_screenshots.py
    from report_browser import open_report  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = {
    "report-map.png": "#map .card",
    "report-sankey.png": "#sankey",
    "report-summary.png": "#summary",
}


def make_screenshots(target: Path) -> list[Path]:
    """Build the default report and save the screenshots into ``target``."""
    from crudeflow.report import write_default_report

    target.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        report = write_default_report(Path(tmp) / "report.html")
        with open_report(report) as rep:
            bad = rep.non_local_requests()
            if bad:
                raise RuntimeError(f"the report made network requests: {bad}")
            for name, selector in SHOTS.items():
                out = target / name
                rep.page.locator(selector).first.screenshot(path=str(out))
                written.append(out)
    return written


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in make_screenshots(folder):
        print(path)
