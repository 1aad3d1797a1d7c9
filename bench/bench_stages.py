"""CPU per report of each parsing stage, against lxml parsing the same pages (issue 17).

    .venv/bin/python bench/bench_stages.py [--rounds 7] [--profile 30] [--dump FILE]

The pages: every fixture report page ``bench/bench_pipeline.py`` uses plus the
report pages of the real-shape fixture sites (``fixtures/shapes/fixtures.yaml``),
each with the Content-Type its site serves.  Per page and round, back to back so
a busy moment of the machine falls on all of them: ``lxml.html.document_fromstring``
of the bytes (the baseline, first, before the stages leave garbage behind), the
spider's attachment check (``may_link_attachment`` on the bytes, then
``attachment_to_follow`` on the response's selector where it may, as the spider
does), then every core stage in order (``crawler.core.STAGES``, each timed alone
with ``process_time``).
Per-page figures are medians over rounds; the totals are ms per report over the
HTML pages and their ratio to the lxml parse, so they hold across machines.
Attachments (PDF/DOCX) are reported apart: their converters are their cost.

``--profile N`` prints cProfile's N most expensive functions (cumulative) of
one untimed extra round; ``--dump FILE [--all]`` writes every page's report (what
``scrapy extract`` prints, plus the text and cells) as JSON, to diff a change's
output field by field; with ``--all``, of every HTML file of every fixture site
(409 on 2026-12-01: the check issue 17's speed work ran after every commit —
dump before, change, dump again, ``cmp``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import lxml.html
import yaml
from scrapy.http import HtmlResponse, TextResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_pages import FIXTURES, Page, report_pages

from crawler.attachments import is_attachment
from crawler.attachments.detect import may_link_attachment
from crawler.attachments.links import attachment_to_follow
from crawler.core import STAGES, Report, run_stage

SPIDER = "spider check"


def shape_pages() -> list[Page]:
    """The report pages of the real-shape fixture sites."""
    from fixture_server import Site

    spec = yaml.safe_load((FIXTURES / "shapes" / "fixtures.yaml").read_text("utf-8"))
    pages = []
    for entry in spec["pages"]:
        if entry.get("kind") != "report":
            continue
        site = Site.load(FIXTURES / "sites" / entry["site"])
        file = site.resolve(entry["path"])
        assert file is not None, f"{entry['site']}{entry['path']} missing"
        content_type = site.headers_for(entry["path"], file).get("Content-Type")
        pages.append(Page(entry["site"], entry["path"], file.read_bytes(), content_type))
    return pages


def all_pages() -> list[Page]:
    return report_pages() + shape_pages()


HTML_SUFFIXES = (".html", ".htm", ".shtml", ".jsp", ".asp", ".aspx", ".php")


def every_html_file() -> list[Page]:
    """Every HTML file of every fixture site (listings, covers, hostile shapes too): what a speed change must not alter."""
    from fixture_server import Site

    pages = []
    for site_dir in sorted((FIXTURES / "sites").iterdir()):
        if not site_dir.is_dir():
            continue
        try:
            site = Site.load(site_dir)
        except Exception:  # noqa: BLE001 - a directory that is no fixture site (tools, sources)
            continue
        for file in sorted(site_dir.rglob("*")):
            if file.is_file() and file.suffix.lower() in HTML_SUFFIXES:
                path = "/" + str(file.relative_to(site_dir))
                try:
                    content_type = site.headers_for(path, file).get("Content-Type")
                except Exception:  # noqa: BLE001 - a file the site's rules do not cover
                    content_type = "text/html"
                pages.append(Page(site_dir.name, path, file.read_bytes(), content_type))
    return pages


def url_of(page: Page) -> str:
    return f"http://127.0.0.1/{page.site}{page.path}"


def spider_check(page: Page) -> str | None:
    """What the spider does with a report response before it yields the item."""
    headers = {"Content-Type": page.content_type} if page.content_type else {}
    response = HtmlResponse(url_of(page), body=page.body, headers=headers)
    if not isinstance(response, TextResponse) or not may_link_attachment(response.body, response.url):
        return None
    return attachment_to_follow(response.selector, response.url)


def timed_run(page: Page) -> dict[str, float]:
    """CPU seconds of the spider check and of each stage on one page."""
    out: dict[str, float] = {}
    start = time.process_time()  # the baseline first, before the stages' garbage
    lxml.html.document_fromstring(page.body)
    out["lxml"] = time.process_time() - start
    start = time.process_time()
    spider_check(page)
    out[SPIDER] = time.process_time() - start
    report = Report(url=url_of(page), body=page.body, content_type=page.content_type)
    for known in STAGES:
        start = time.process_time()
        run_stage(known, report)
        out[known.name] = time.process_time() - start
    return out


def report_dump(page: Page) -> dict[str, Any]:
    """Every field a stage set (trees left out), the spider's decision, the stage counts."""
    report = Report(url=url_of(page), body=page.body, content_type=page.content_type)
    for known in STAGES:
        run_stage(known, report)
    out: dict[str, Any] = {
        name: value for name, value in report.filled() if name not in ("body", "tree", "main", "html")
    }
    out["html_length"] = len(report.html or "")
    out["errors"] = report.errors
    out["counts"] = dict(sorted(report.counts.items()))
    out["spider_attachment"] = spider_check(page)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions of one round")
    parser.add_argument("--dump", type=Path, help="write every page's report as JSON here and exit")
    parser.add_argument("--all", action="store_true", help="with --dump: every HTML file of every fixture site")
    args = parser.parse_args()
    pages = every_html_file() if args.dump and args.all else all_pages()
    if args.dump:
        dump = {page.site + page.path: report_dump(page) for page in pages}
        args.dump.write_text(
            json.dumps(dump, ensure_ascii=False, indent=1, sort_keys=True, default=str), "utf-8", "backslashreplace"
        )
        print(f"{len(dump)} pages → {args.dump}")
        return
    for page in pages:
        timed_run(page)  # warm-up: converters, caches, imports
    samples: list[list[dict[str, float]]] = [[] for _ in pages]
    for _ in range(args.rounds):
        for i, page in enumerate(pages):
            samples[i].append(timed_run(page))
    names = [SPIDER, *(s.name for s in STAGES)]
    medians = [{k: statistics.median(s[k] for s in runs) for k in [*names, "lxml"]} for runs in samples]
    html = [i for i, p in enumerate(pages) if not is_attachment(p.content_type, p.body, p.path)]
    files = [i for i in range(len(pages)) if i not in html]
    n = len(html)
    lxml_ms = sum(medians[i]["lxml"] for i in html) * 1e3 / n
    print(f"{n} HTML report pages ({sum(len(pages[i].body) for i in html) / 1024:.0f} KB), {args.rounds} rounds")
    print(f"{'stage':14} {'ms/report':>10} {'× lxml':>8}")
    total = 0.0
    for name in names:
        ms = sum(medians[i][name] for i in html) * 1e3 / n
        if name != SPIDER:
            total += ms
        print(f"{name:14} {ms:10.2f} {ms / lxml_ms:8.2f}")
    spider = sum(medians[i][SPIDER] for i in html) * 1e3 / n
    print(f"{'stages total':14} {total:10.2f} {total / lxml_ms:8.2f}")
    print(f"{'+ spider':14} {total + spider:10.2f} {(total + spider) / lxml_ms:8.2f}")
    print(f"{'lxml parse':14} {lxml_ms:10.2f} {1.0:8.2f}")
    for i in files:
        ms = sum(medians[i][k] for k in names) * 1e3
        print(f"attachment {pages[i].site + pages[i].path}: {len(pages[i].body) / 1024:.0f} KB, {ms:.1f} ms CPU")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for i in html:
            timed_run(pages[i])
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
