"""Per-portal progress lines during long crawls, every ``PROGRESS_INTERVAL`` seconds.

Scrapy's LogStats says how many pages and items in all; a crawl of many
portals also needs to say which are moving and which are stuck.  Each line
names a portal whose tallies changed since the last line (listing pages,
new report links, known ones, failed fetches: the spider's ``portal/<id>/…``
stats, the same ones the run report reads).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.run_report import EVENTS

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class PortalProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler, self.interval = crawler, interval
        self.last: dict[str, tuple[int, ...]] = {}
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 60.0)
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        progress = cls(crawler, interval)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self.log_progress)
        self.loop.start(self.interval, now=False)

    def log_progress(self) -> list[str]:
        """Log one line per portal whose tallies moved; returns the lines (for tests)."""
        stats = self.crawler.stats.get_stats()
        lines = []
        for pid in sorted({k.split("/")[1] for k in stats if k.startswith("portal/")}):
            now = tuple(int(stats.get(f"portal/{pid}/{event}", 0) or 0) for event in EVENTS)
            if now != self.last.get(pid):
                self.last[pid] = now
                lines.append(
                    f"{pid}: " + ", ".join(f"{e.replace('_', ' ')} {n}" for e, n in zip(EVENTS, now, strict=True))
                )
        for line in lines:
            logger.info("Progress %s", line)
        return lines

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
