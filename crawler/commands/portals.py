"""`scrapy portals`: list the registry's portal columns, filtered; their coverage; their liveness.

    scrapy portals [--province X] [--level L] [--cms C] [--registry PATH]
    scrapy portals --stats [--missing] [filters]
    scrapy portals --check [filters]

Prints an aligned table (id, province, level, cms, start_url) and a count.
``--stats`` prints coverage per province and level (entries, distinct
prefecture-level cities, observed vs derived start URLs:
crawler/registry/coverage.py) and, per province, how many of its
prefecture-level divisions (民政部 2024, crawler/registry/prefectures.py)
have an entry; ``--missing`` also names the ones that have none.  ``--check`` fetches each selected entry's
first listing page through the Scrapy engine with the project's settings
(robots.txt, politeness, retries, host policy), classifies it alive /
moved / dead / wrong_cms / blocked / empty (crawler/cms/liveness.py),
prints a table and appends one row per start URL to ``portal_checks`` in
``REPORTS_DB``; it exits 0 when every column is alive, 1 otherwise.
The work is in `portal_rows` and `format_table`; the command parses options,
calls them and turns registry problems into a one-line error.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.registry import LEVELS, RegistryError, load_registry
from crawler.registry.coverage import format_coverage, format_prefectures
from crawler.registry.provinces import province_slug
from crawler.registry.schema import CMS_NAMES

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Sequence

    from crawler.registry import Portal

logger = logging.getLogger(__name__)

COLUMNS = ("id", "province", "level", "cms", "start_url")


def portal_rows(portals: Iterable[Portal]) -> list[tuple[str, ...]]:
    """One row per start URL: an entry with two columns lists both."""
    rows: list[tuple[str, ...]] = []
    for p in portals:
        for url in p.start_urls:
            rows.append((p.id, p.province, p.level or "-", p.cms, url))
    return rows


def format_table(portals: Sequence[Portal]) -> str:
    """The aligned table with a header and a final count of entries.

    The last column is not padded, so lines carry no trailing blanks.
    """
    rows = [COLUMNS, *portal_rows(portals)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    noun = "portal" if len(portals) == 1 else "portals"
    lines.append(f"{len(portals)} {noun}")
    return "\n".join(lines)


def select_portals(
    registry_path: str | None = None, province: str | None = None, level: str | None = None, cms: str | None = None
) -> list[Portal]:
    """The registry's entries matching every given filter.

    Raises ValueError for an unknown province, level or cms, and
    RegistryError for a registry that does not load.
    """
    if province is not None:
        try:
            province = province_slug(province)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    if cms is not None and cms not in CMS_NAMES:
        raise ValueError(f"unknown cms {cms!r}; use one of: {', '.join(CMS_NAMES)}")
    registry = load_registry(registry_path)
    return registry.select(province=province, level=level, cms=cms)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--stats [--missing] | --check] [--province X] [--level L] [--cms C] [--registry PATH]"

    def short_desc(self) -> str:
        return "List the portal columns in the registry (--stats: coverage, --check: liveness)"

    def long_desc(self) -> str:
        return (
            "List the registry's portal columns (id, province, level, cms, start URL), "
            "optionally filtered by province (slug or Chinese name), level or CMS family. "
            "--registry reads another YAML registry instead of the bundled one. "
            "--stats prints coverage per province and level and covered/total prefecture-level divisions "
            "per province; --missing (implies --stats) also names the divisions with no entry; --check fetches each entry's first listing "
            "page (robots, politeness, retries), says alive/moved/dead/wrong_cms/blocked/empty and stores "
            "the result in REPORTS_DB (table portal_checks); exit 1 when any column is not alive."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", metavar="X", help="province slug or name, e.g. zhejiang or 浙江")
        parser.add_argument("--level", metavar="L", help=f"one of: {', '.join(LEVELS)}")
        parser.add_argument("--cms", metavar="C", help=f"one of: {', '.join(CMS_NAMES)}")
        parser.add_argument(
            "--registry", metavar="PATH", help="a YAML registry file to read instead of the bundled one"
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--stats", action="store_true", help="coverage per province and level")
        mode.add_argument(
            "--check", action="store_true", help="fetch each entry's first listing page and store its liveness"
        )
        parser.add_argument(
            "--missing", action="store_true", help="with --stats: name the prefecture-level divisions with no entry"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.missing and opts.check:
            raise UsageError("--missing goes with --stats, not --check")
        try:
            portals = select_portals(opts.registry, opts.province, opts.level, opts.cms)
        except (ValueError, RegistryError) as exc:  # RegistryError is a ValueError; named for the reader
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if opts.stats or opts.missing:
            print(format_coverage(portals))
            scope = [province_slug(opts.province)] if opts.province else None
            print(format_prefectures(portals, scope, missing=opts.missing))
        elif opts.check:
            self.exitcode = self._check(portals)
        else:
            print(format_table(portals))

    def _check(self, portals: list[Portal]) -> int:
        """Run the check spider over `portals`, print the table, store the rows; 0 when all are alive."""
        from scrapy.crawler import CrawlerProcess

        from crawler.cms.liveness import format_checks, store_checks
        from crawler.cms.probes import CheckSpider
        from crawler.storage import StoreError, open_db

        assert self.settings is not None
        if not portals:
            print("error: no entry matches the filters: nothing to check", file=sys.stderr)
            return 2
        settings = self.settings.copy()
        settings.set("LOG_ENABLED", True, priority="command")  # to LOG_FILE, or WARNING on stderr
        settings.set("LOG_LEVEL", "WARNING", priority="command")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(CheckSpider)
        process.crawl(crawler, portals=portals)
        process.start()
        spider = crawler.spider
        assert isinstance(spider, CheckSpider)
        checks = spider.results()
        print(format_checks(checks))
        db_path = settings.get("REPORTS_DB")
        if db_path:
            try:
                db = open_db(db_path)
                try:
                    store_checks(db, checks, datetime.now(UTC).isoformat(timespec="seconds"))
                finally:
                    db.close()
            except (StoreError, OSError) as exc:
                print(f"error: the checks could not be stored in {db_path}: {exc}", file=sys.stderr)
                return 2
        return 0 if all(c.status == "alive" for c in checks) else 1
