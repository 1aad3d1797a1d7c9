"""One core stage as an item pipeline: the policy every parsing pipeline shares.

Settings: a stage with a switch (``ATTACHMENTS_ENABLED``, ``DECODE_ENABLED``,
``NORMALISE_ENABLED``) raises ``NotConfigured`` when it is off, and every
stage does while ``PARSE_WORKERS`` worker processes parse instead
(crawler/pipelines/pool.py: it runs the stages these pipelines would, with
the same stats and errors).  Errors: the
core records them on the report (:func:`crawler.core.run_stage`).  Stats:
whatever the stage counted goes into the crawl's stats under its own key.
The item carries every field between stages (and to feed exports), so the
report is rebuilt from it for each stage: a dataclass of ~30 fields, cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from scrapy.exceptions import NotConfigured

from crawler import budgets
from crawler.core import Report, Stage, run_stage, stage
from crawler.pipelines.pool import pool_parses

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.items import ReportItem


class StagePipeline:
    """Runs ``stage_name`` of the core on each item; subclasses only name the stage."""

    stage_name: ClassVar[str]

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.stage: Stage = stage(self.stage_name)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        switch = stage(cls.stage_name).switch
        if switch is not None and not crawler.settings.getbool(switch, True):
            raise NotConfigured(f"{switch} is off")
        if pool_parses(crawler.settings):
            raise NotConfigured()  # no message, so no warning: ParsePoolPipeline logs what runs where
        budgets.configure(budgets.from_settings(crawler.settings.get))  # the crawl's per-report limits (-s)
        return cls(crawler.stats)

    def process_item(self, item: ReportItem) -> ReportItem:
        report = Report.from_mapping(item)
        run_stage(self.stage, report)
        for name, value in report.filled():
            item[name] = value
        if report.errors:
            item["errors"] = report.errors
        if self.stats is not None:
            for key, n in report.counts.items():
                self.stats.inc_value(key, n)
        return item
