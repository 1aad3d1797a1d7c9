"""`scrapy drain [--db PATH] [--until-idle]`: the one writer of a distributed crawl.

Workers push finished reports and page records onto a Redis list; this moves
them into SQLite with the same storage calls a single-process crawl makes,
one transaction per report, removing each message only after it committed.
It holds the database's crawl lock while it runs: a second drain, or a crawl,
on the same ``--db`` refuses with exit status 75.
Runs until killed, or with ``--until-idle`` until nothing is queued, waiting
or being crawled for ``--idle-seconds``.
"""

from __future__ import annotations

import argparse
import sys

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.commands.crawl import DATABASE_BUSY, USAGE_ERROR
from crawler.distributed.addon import redis_url
from crawler.distributed.drain import Drain
from crawler.distributed.keys import Keys
from crawler.storage import DatabaseBusy, StoreError, lock_database, open_db

SPIDER = "province_reports"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--db PATH] [--until-idle] [--idle-seconds N]"

    def short_desc(self) -> str:
        return "Write the reports of a distributed crawl from Redis into SQLite (needs REDIS_URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB or data/reports.db)")
        parser.add_argument(
            "--until-idle",
            action="store_true",
            help="stop once nothing is queued or being crawled (default: run until killed)",
        )
        parser.add_argument(
            "--idle-seconds",
            type=float,
            default=5.0,
            help="how long it must stay idle before --until-idle stops (default: 5)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        url = redis_url(self.settings)
        if not url:
            raise UsageError("set REDIS_URL: scrapy drain -s REDIS_URL=redis://host:6379/0 (or in the environment)")
        configure_logging(self.settings)
        db_path = opts.db or self.settings.get("REPORTS_DB") or "data/reports.db"
        server = redis.Redis.from_url(url)
        try:
            server.ping()
        except redis.RedisError as exc:
            raise UsageError(f"cannot reach Redis at {url}: {exc}") from None
        # The crawl's lock: a drain and a single-process crawl (or a second drain) on one
        # database would both write it; the second refuses, exit 75 like `scrapy crawl`.
        try:
            lock = lock_database(db_path)
        except DatabaseBusy as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(DATABASE_BUSY)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(USAGE_ERROR)
        try:
            db = open_db(db_path)
            try:
                counts = Drain(server, db, Keys(SPIDER)).run(until_idle=opts.until_idle, idle_seconds=opts.idle_seconds)
            except KeyboardInterrupt:
                counts = {}
            finally:
                db.close()
        finally:
            lock.release()
        if counts:
            print(
                f"Drained into {db_path}: {counts['report']} report(s) ({counts['kept']} kept), "
                f"{counts['page']} page record(s)"
                + (
                    f"; {counts['failed']} message(s) could not be handled, kept in {Keys(SPIDER).failed}"
                    if counts["failed"]
                    else ""
                )
            )
