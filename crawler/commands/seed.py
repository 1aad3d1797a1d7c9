"""`scrapy seed [-a province=…] [--db PATH]`: start a distributed crawl.

Puts the spider's own start requests (from the registry, exactly as a
single-process crawl would make them) into the shared Redis queue, after
clearing what a previous run left there, and publishes what the store already
holds so workers stay incremental.  Then start workers with ``scrapy crawl
province_reports -s REDIS_URL=…`` (or ``REDIS_URL`` in the environment) and
one ``scrapy drain``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, cast

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.distributed.addon import redis_url
from crawler.distributed.scheduler import RedisScheduler, seed
from crawler.storage import completed_listings, known_report_urls, open_db

if TYPE_CHECKING:
    from crawler.spiders.province_reports import ProvinceReportsSpider

SPIDER = "province_reports"


class Command(BaseRunSpiderCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[-a province=P] [-a portals=FILE] [-a years=Y] [-a refresh=1] [--db PATH]"

    def short_desc(self) -> str:
        return "Start a distributed crawl: put the start requests into the Redis queue (needs REDIS_URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--db", default=None, help="the store the drain writes (default: REPORTS_DB or data/reports.db)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if not redis_url(self.settings):
            raise UsageError("set REDIS_URL: scrapy seed -s REDIS_URL=redis://host:6379/0 … (or in the environment)")
        db_path = opts.db or self.settings.get("REPORTS_DB") or "data/reports.db"
        db = open_db(db_path)  # create and migrate the store now, before drain and workers
        spargs = dict(opts.spargs)
        refresh = str(spargs.get("refresh", "0")).lower() in ("1", "true", "yes")
        known = set() if refresh else known_report_urls(db)
        complete = set() if refresh else completed_listings(db)
        db.close()

        crawler = self.crawler_process.create_crawler(SPIDER)
        crawler._apply_settings()  # add-ons (the distributed switch), stats and request fingerprinter, as for a crawl
        spider = cast("ProvinceReportsSpider", crawler.spidercls.from_crawler(crawler, **spargs))
        spider.known, spider.complete = set(known), set(complete)
        crawler.spider = spider
        scheduler = RedisScheduler.from_crawler(crawler)
        scheduler.open(spider)
        count = seed(scheduler.server, spider, scheduler, known, complete)
        print(
            f"Seeded {count} start request(s) for {len(spider.selected)} portal(s) into "
            f"{scheduler.queue.key}; store {Path(db_path)} holds {len(known)} report URL(s)"
        )
