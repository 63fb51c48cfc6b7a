"""The report's investment section and `crudeflow invest --report`."""

from __future__ import annotations

import html
from pathlib import Path

from crudeflow.invest import plan_portfolio
from crudeflow.report import build_report
from crudeflow.report.portfolio import portfolio_cases, portfolio_section
from tests.cli.test_cli import cli
from tests.invest.test_deterministic import BIG, MOD, toy


def test_portfolio_section_shows_the_portfolio_figures_and_sentences(tmp_path: Path) -> None:
    p = plan_portfolio(toy(BIG, MOD), requirements=["via B >= 11 Mt/yr"], discount_rate=0)
    section = portfolio_section(p)
    assert section.startswith('<section id="portfolio"><h2>Investment portfolio</h2>')
    assert "2 of 10" in section and ">1.00<" in section  # modules, capacity added
    for sentence in p.sentences():
        assert html.escape(sentence, quote=False) in section
    out = build_report(
        portfolio_cases(p, toy(BIG, MOD)),
        title="Portfolio",
        out=tmp_path / "r.html",
        lead_sections=[section],
    )
    page = out.read_text(encoding="utf-8")
    assert page.index('id="portfolio"') < page.index('id="summary"')
    assert "Cheapest-to-target portfolio" in page and "No projects" in page


def test_invest_report_writes_once_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "invest.html"
    args = ("invest", "--require", "via AKTAU,KURYK >= 10 Mt/yr", "--report", str(out))
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    page = out.read_text(encoding="utf-8")
    assert 'id="portfolio"' in page and "Kuryk" in page
    assert "crudeflow invest --require" in page  # the command that regenerates it
    again = cli(*args)
    assert again.returncode == 2 and "--force" in again.stderr
