"""The hand-written real-shape portals crawled through the engine, judged by the typed answers.

The answers in fixtures/expected/typed/ were typed from renders by someone who
never saw the parser; here they say which pages are reports (each must be
stored) and what a publisher is (a body's name, never chrome).
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, Crawl

from crawler.parsing.metadata import is_body_name
from fixture_server import render_registry

TYPED = FIXTURES / "expected" / "typed"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    from fixture_server import FixtureServer

    tmp = tmp_path_factory.mktemp("shapes")
    server = FixtureServer(FIXTURES, log_path=tmp / "requests.jsonl", workdir=tmp).__enter__()
    crawl = Crawl(server, tmp)
    registry = render_registry(FIXTURES / "portals-shapes.yaml", server.sites, tmp / "portals-shapes.yaml")
    crawl.run(registry=registry)
    yield crawl
    server.__exit__(None, None, None)


def _typed_pages() -> list[tuple[str, str]]:
    pages = []
    for path in sorted(TYPED.rglob("*.json")):
        rel = path.relative_to(TYPED).with_suffix("")
        if json.loads(path.read_text("utf-8")).get("is_report") is not False:
            pages.append((rel.parts[0], "/" + "/".join(rel.parts[1:])))
    return pages


def test_every_typed_report_page_is_stored(shapes: Crawl) -> None:
    stored = shapes.stored_urls()
    missing = [f"{site}{path}" for site, path in _typed_pages() if shapes.url(site, path) not in stored]
    assert len(_typed_pages()) == 23
    assert missing == []


def test_a_report_published_as_a_page_and_as_a_pdf_is_one_report(shapes: Crawl) -> None:
    base = "/xxgk/ndbg/2022/0121/"
    html, pdf = (shapes.url("shape_static_yunshan", base + name) for name in ("c3377.html", "P020220121563318.pdf"))
    ids = {rid for (rid,) in shapes.query("SELECT report_id FROM report_urls WHERE url IN (?, ?)", html, pdf)}
    assert len(ids) == 1
    ((publisher, year),) = shapes.query("SELECT publisher, report_year FROM reports WHERE report_id = ?", *ids)
    assert (publisher, year) == ("云杉县自然资源局", 2021)


def test_every_stored_publisher_is_a_body_name(shapes: Crawl) -> None:
    publishers = [p for (p,) in shapes.query("SELECT publisher FROM reports WHERE publisher IS NOT NULL")]
    assert publishers
    assert [p for p in publishers if not is_body_name(p)] == []
