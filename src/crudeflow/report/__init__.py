"""The offline HTML report: maps, Sankey diagrams, comparisons and tables of solved plans.

One self-contained file: plotly.js and the country outlines are inlined, nothing is fetched.

Examples
--------
>>> from crudeflow.report import ReportCase, build_report, write_default_report
>>> callable(build_report) and callable(write_default_report)
True
"""

from __future__ import annotations

from crudeflow.report.build import (
    ReportCase,
    build_report,
    default_cases,
    report_command,
    report_title,
    write_default_report,
)

__all__ = [
    "ReportCase",
    "build_report",
    "default_cases",
    "report_command",
    "report_title",
    "write_default_report",
]
