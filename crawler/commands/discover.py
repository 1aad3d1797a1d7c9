"""`scrapy discover URL [URL…]`: find a portal's 年报 column(s) and print ready registry entries.

    scrapy discover https://www.example.gov.cn/ [--province X] [--level L] [--allow-host H]…

From each URL (a home page or a 政府信息公开 page) the discovery spider
(crawler/cms/probes.py) follows 信息公开/政务公开 → 年报/年度报告 links,
fingerprints each candidate column's CMS and proves it with that CMS's own
adapter; every column proved is printed as a YAML registry entry, indented to
paste under ``portals:`` in a registry file.  It runs through the real
engine with the project's settings (robots.txt, politeness, retries) and the
host policy: only http(s), only the URL's own host plus ``--allow-host``
ones; 信息公开 links to other hosts are listed, not fetched.  Nothing is
written to ``REPORTS_DB`` unless ``-s REPORTS_DB=…`` is given.

Exit status: 0 when a column was found, 1 when none was (stderr says what
was followed and why nothing qualified), 2 for bad arguments.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from scrapy.commands import ScrapyCommand
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.arguments import ArgumentError, province_or_error
from crawler.cms.discover import column_entry
from crawler.cms.probes import DiscoverSpider, Discovery, hosts_of
from crawler.registry import LEVELS
from crawler.registry.schema import HOST_PATTERN
from crawler.security.hosts import host_of, scheme_refusal

if TYPE_CHECKING:
    import argparse

USAGE_ERROR = 2
NOTHING_FOUND = 1


def check_arguments(urls: list[str], opts: argparse.Namespace) -> None:
    """Each URL, province, level and allowed host checked; the first mistake as an ArgumentError."""
    if not urls:
        raise ArgumentError("give at least one URL: scrapy discover https://www.example.gov.cn/")
    for url in urls:
        refusal = scheme_refusal(url)
        if refusal is not None:
            raise ArgumentError(f"{url}: {refusal.message}")
        if host_of(url) is None:
            raise ArgumentError(f"{url}: names no host")
    if opts.province:
        province_or_error(opts.province)
    if opts.level and opts.level not in LEVELS:
        raise ArgumentError(f"--level {opts.level} is not a level: use one of {', '.join(LEVELS)}")
    for host in opts.allow_host or ():
        if not re.match(HOST_PATTERN, host):
            raise ArgumentError(
                f"--allow-host {host} is not a host (files.example.gov.cn or files.example.gov.cn:8080)"
            )


def entries_text(discoveries: list[Discovery], today: str | None = None) -> tuple[str, int]:
    """The YAML entries of every column found (indented for ``portals:``) and how many there are."""
    taken: set[str] = set()
    lines: list[str] = []
    count = 0
    for discovery in discoveries:
        if not discovery.columns or discovery.site is None:
            continue
        allowed = discovery.portal.allowed_hosts
        entries = [column_entry(c, discovery.site, taken, today, allowed) for c in discovery.columns.values()]
        count += len(entries)
        lines.append(f"  # {discovery.portal.start_urls[0]}: {len(entries)} column(s) found by scrapy discover")
        if not discovery.site.province:
            lines.append("  # province: not named on the page: fill it in (or run again with --province)")
        text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=10_000)
        lines.extend("  " + line if line else line for line in text.splitlines())
    return "\n".join(lines), count


def explain(discovery: Discovery) -> list[str]:
    """Why a start URL gave no column: what was fetched, what was off-host, what failed."""
    url = discovery.portal.start_urls[0]
    if discovery.site is None:  # the start page itself never arrived
        why = "; ".join(discovery.problems) or "it could not be fetched"
        return [f"{url}: no 年报 column found: the page could not be read ({why})"]
    lines = [f"{url}: no 年报 column found"]
    if discovery.hubs_seen:
        lines.append(f"  信息公开 pages followed: {', '.join(discovery.hubs_seen)}")
    else:
        lines.append("  no link named 信息公开/政务公开 (or to xxgk/zwgk/zfxxgk) on the page")
    if discovery.candidates_seen:
        lines.append(f"  candidate columns tried: {', '.join(discovery.candidates_seen)}")
    else:
        lines.append("  no link named 年报/年度报告 (or to gknb/xxgknb/ndbg/annualreport) on the pages followed")
    lines.extend(f"  {problem}" for problem in discovery.problems)
    if discovery.off_host:
        lines.append(
            f"  links to other hosts not followed: {', '.join(f'{link.text} <{link.url}>' for link in discovery.off_host)}; "
            f"run again with --allow-host {' --allow-host '.join(hosts_of(discovery.off_host))} to follow them"
        )
    return lines


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "URL [URL ...] [--province X] [--level L] [--allow-host HOST ...]"

    def short_desc(self) -> str:
        return "Find a portal's 年报 column(s) from its home page and print registry entries"

    def long_desc(self) -> str:
        return (
            "From each URL (a portal's home or 政府信息公开 page) follow 信息公开 → 年报 links, fingerprint "
            "the column's CMS, prove it with that CMS's adapter and print a ready-to-paste registry entry per "
            "column. Only the URL's host (and --allow-host hosts) is fetched, with the project's settings. "
            "Exit 0: found; 1: none (stderr says why); 2: bad arguments."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", metavar="X", help="province of the entries (else read from the page)")
        parser.add_argument("--level", metavar="L", help=f"level of the entries, one of: {', '.join(LEVELS)}")
        parser.add_argument(
            "--allow-host",
            metavar="HOST",
            action="append",
            default=[],
            help="another host the pages may lead to (repeatable), as registry allowed_hosts",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if (self.settings.getpriority("REPORTS_DB") or 0) < SETTINGS_PRIORITIES["cmdline"]:
            self.settings.set("REPORTS_DB", "", priority="cmdline")  # discovery stores nothing unless asked

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            check_arguments(args, opts)
        except ArgumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = USAGE_ERROR
            return
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(DiscoverSpider)
        self.crawler_process.crawl(
            crawler, urls=args, allowed_hosts=opts.allow_host, province=opts.province, level=opts.level
        )
        self.crawler_process.start()
        spider = crawler.spider
        assert isinstance(spider, DiscoverSpider)
        text, count = entries_text(spider.discoveries)
        if text:
            print(text)
        for discovery in spider.discoveries:
            if not discovery.columns:
                print("\n".join(explain(discovery)), file=sys.stderr)
            elif discovery.off_host:
                print(
                    f"{discovery.portal.start_urls[0]}: also links, on other hosts (not followed): "
                    f"{', '.join(f'{link.text} <{link.url}>' for link in discovery.off_host)}",
                    file=sys.stderr,
                )
        self.exitcode = 0 if count else NOTHING_FOUND
