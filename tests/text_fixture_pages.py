"""Seed fixture pages for the text-stage tests and benchmark: bytes + Content-Type."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

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
    """Content-Type the fixture server sends for `path` (first matching glob)."""
    config = yaml.safe_load((ROOT / "sites" / site / "site.yaml").read_text(encoding="utf-8"))
    for pattern, headers in (config.get("headers") or {}).items():
        if path == pattern or fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(
            path.rsplit("/", 1)[-1], pattern
        ):
            return headers.get("Content-Type")
    return None


def page(site: str, path: str) -> tuple[bytes, str | None]:
    return (ROOT / "sites" / site / path.lstrip("/")).read_bytes(), content_type(site, path)


def report_pages() -> list[tuple[str, str]]:
    """Every report page listed in fixtures/expected_urls.yaml that exists on disk."""
    pages = []
    for site_dir in sorted((ROOT / "sites").iterdir()):
        for html in sorted(site_dir.rglob("art_*.html")) + sorted(site_dir.rglob("t2*.html")) + sorted(
            site_dir.rglob("c[0-9]*.html")
        ) + sorted(p for p in site_dir.rglob("[0-9]*.html")):
            pages.append((site_dir.name, "/" + str(html.relative_to(site_dir))))
    return pages
