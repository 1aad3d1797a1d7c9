"""The fixture report pages with the headers their portal serves them with."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT))  # fixture_server is a tool of the checkout, not of the installed package
from fixture_server import Site  # noqa: E402


@dataclass(frozen=True)
class Page:
    site: str
    path: str
    body: bytes
    content_type: str | None


def report_pages() -> list[Page]:
    expected = yaml.safe_load((FIXTURES / "expected_urls.yaml").read_text("utf-8"))
    pages = []
    for site_name, spec in expected["sites"].items():
        site = Site.load(FIXTURES / "sites" / site_name)
        for path in spec["reports"]:
            file = site.resolve(path)
            assert file is not None, f"{site_name}{path} missing"
            pages.append(Page(site_name, path, file.read_bytes(), site.headers_for(path, file).get("Content-Type")))
    return pages
