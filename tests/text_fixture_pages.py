"""Seed fixture pages for the text-stage tests and benchmark: bytes + Content-Type."""

from __future__ import annotations

from pathlib import Path

from fixture_server import Site

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
# seed → (site, path), from fixtures/README.md
SEED_PAGES = {
    "000": ("hanweb_zhejiang", "/art/2022/1/21/art_1229078532_48871.html"),
    "001": ("static_mengjin", "/zwgk/nb/2017/0210/1862.html"),
    "002": ("trs_funing", "/zwgk/xxgkzl/xxgknb/202101/t20210107_1167215.html"),
    "003": ("static_guannan", "/xxgk/zfxxgknb/2025/0121/c58213.html"),
    "004": ("hanweb_huangyan", "/art/2021/1/19/art_1229427361_3754231.html"),
}


def content_type(site: str, path: str) -> str | None:
    """The Content-Type the fixture server sends for `path` (its own header rules)."""
    served = Site.load(ROOT / "sites" / site)
    return served.headers_for(path, ROOT / "sites" / site / path.lstrip("/")).get("Content-Type")


def page(site: str, path: str) -> tuple[bytes, str | None]:
    return (ROOT / "sites" / site / path.lstrip("/")).read_bytes(), content_type(site, path)
