"""ParsePoolPipeline: every enabled parsing stage of a report in a worker process (priority 80).

``PARSE_WORKERS`` processes (default: one per core; ``0``: no pool, the stage
pipelines run in the crawl process as before) run the core's stages
(:func:`crawler.core.pool.parse_in_worker`) while the reactor goes on
fetching.  What stays the same as in-process parsing:

* the stages that run are those whose pipeline is in ``ITEM_PIPELINES`` and
  whose switch (``ATTACHMENTS_ENABLED``, ...) is on; the stage pipelines
  themselves step aside (``NotConfigured``) while the pool parses;
* each stage's counts go into the crawl's stats, its errors onto the item,
  its log lines into the crawl's log;
* reports reach the store in the order they reached this pipeline (a parse
  that finishes early waits for the ones before it), one at a time.

A worker that dies or takes longer than ``PARSE_TIMEOUT`` seconds costs only
its report: the report is stored with a ``parse`` error that says which
(``parse/worker_died_count``, ``parse/timeout_count``) and the worker is
replaced.  A worker is retired after ``PARSE_WORKER_MAX_REPORTS`` reports
(default 1,000; ``parse/workers_retired_count``) and a fresh one forked, so
the workers' memory stays flat over a long crawl.  The workers run
``PARSE_WORKER_NICE`` (default 10) below the crawl process's priority: the
crawl process is the one every worker waits on (it fetches, feeds and
stores), and on two cores three busy processes otherwise share them evenly.
At most ``IN_FLIGHT_PER_WORKER`` reports per worker are in the pool at once; the
rest wait here, and Scrapy stops taking new responses while its scraper is
full, so memory stays flat however long the crawl.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.exceptions import NotConfigured
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.reactor import is_asyncio_reactor_installed

from crawler import budgets
from crawler.core import STAGES, Report, run_stage, stage, switched_off
from crawler.core.pool import (
    Parsed,
    ParsePool,
    ParseTimeout,
    PoolFailure,
    WorkerDied,
    apply,
    default_workers,
    replay,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.items import ReportItem

logger = logging.getLogger(__name__)

N = TypeVar("N", int, float)
# Enough to keep every worker busy while parsed reports wait for their turn and for the crawl
# process's loop, which also runs the spider: with 4, the workers sat idle a third of a 200-host
# crawl with every slot taken by parsed reports (16: median c 63.6 -> 68.0 reports/s, 3 pairs).
IN_FLIGHT_PER_WORKER = 16


def parse_workers(settings: BaseSettings) -> int:
    """``PARSE_WORKERS`` as a number: unset or empty → one per core; 0 → parse in the crawl process.

    The pool needs the asyncio reactor (settings.py installs it); under any
    other reactor the stages run in-process, as with 0.
    """
    raw = settings.get("PARSE_WORKERS")
    if raw is None or str(raw).strip().lower() in ("", "auto", "none"):
        workers = default_workers()
    else:
        try:
            workers = int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"PARSE_WORKERS must be a whole number (0: no pool), not {raw!r}") from None
        if workers < 0:
            raise ValueError(f"PARSE_WORKERS must be 0 or more, not {raw!r}")
    if workers and not is_asyncio_reactor_installed():
        logger.warning("PARSE_WORKERS=%s needs the asyncio reactor; parsing in the crawl process", raw)
        return 0
    return workers


def parse_timeout(settings: BaseSettings) -> float | None:
    """``PARSE_TIMEOUT`` in seconds (0 or empty: no limit)."""
    return _limit(settings, "PARSE_TIMEOUT", float, "a number of seconds", "no limit")


def worker_max_reports(settings: BaseSettings) -> int | None:
    """``PARSE_WORKER_MAX_REPORTS``: reports a worker parses before a fresh one takes over (0: never)."""
    return _limit(settings, "PARSE_WORKER_MAX_REPORTS", int, "a whole number (0: never)", "never")


def worker_nice(settings: BaseSettings) -> int:
    """``PARSE_WORKER_NICE``: how much nicer than the crawl process the workers run (0: the same)."""
    nice = _limit(settings, "PARSE_WORKER_NICE", int, "a whole number from 0 to 19", "the same priority") or 0
    if nice > 19:
        raise ValueError(f"PARSE_WORKER_NICE must be 19 or less (the lowest priority), not {nice}")
    return nice


def _limit(settings: BaseSettings, name: str, number: Callable[[Any], N], kind: str, zero: str) -> N | None:
    """A setting that is 0 or more, where 0 or empty means no limit (None); a clear error otherwise."""
    raw = settings.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = number(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {kind}, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 ({zero}) or more, not {raw!r}")
    return value or None


def enabled_stages(settings: BaseSettings) -> list[str]:
    """The stages an in-process crawl would run: their pipeline is listed and their switch is on."""
    from crawler.pipelines.stage import StagePipeline

    listed: set[str] = set()
    for path in build_component_list(settings.get_component_priority_dict_with_base("ITEM_PIPELINES")):
        cls = load_object(path) if isinstance(path, str) else path
        if isinstance(cls, type) and issubclass(cls, StagePipeline):
            listed.add(cls.stage_name)
    off = switched_off(settings.getbool)
    return [s.name for s in STAGES if s.name in listed and s.name not in off]


def pool_parses(settings: BaseSettings) -> bool:
    """True when this pipeline will parse: workers wanted, it is listed, and some stage is enabled.

    The stage pipelines ask this too, and step aside only then: never both, never neither.
    """
    listed = build_component_list(settings.get_component_priority_dict_with_base("ITEM_PIPELINES"))
    mine = any((load_object(p) if isinstance(p, str) else p) is ParsePoolPipeline for p in listed)
    return mine and bool(parse_workers(settings)) and bool(enabled_stages(settings))


class ParsePoolPipeline:
    """Runs the enabled stages of each report in the pool and puts the results on the item, in order."""

    def __init__(
        self,
        stats: StatsCollector,
        workers: int,
        timeout: float | None,
        stages: Collection[str],
        max_reports: int | None = None,
        nice: int = 0,
    ) -> None:
        self.stats, self.workers, self.timeout, self.max_reports = stats, workers, timeout, max_reports
        self.nice = nice
        self.stages = list(stages)
        self.skip = tuple(s.name for s in STAGES if s.name not in self.stages)
        self.pool: ParsePool | None = None
        self.slots = asyncio.Semaphore(workers * IN_FLIGHT_PER_WORKER)
        self.tickets = 0  # handed out in arrival order
        self.turn = 0  # the ticket whose result goes on next
        self.waiting: dict[int, asyncio.Future[None]] = {}
        self.abandoned: set[int] = set()  # tickets whose report failed before its turn: skipped

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not pool_parses(settings):
            raise NotConfigured()  # PARSE_WORKERS=0 or no stage enabled: the stage pipelines parse, as before
        workers, stages = parse_workers(settings), enabled_stages(settings)
        budgets.configure(budgets.from_settings(settings.get))  # taken to the workers by the pool
        assert crawler.stats is not None
        return cls(
            crawler.stats, workers, parse_timeout(settings), stages, worker_max_reports(settings), worker_nice(settings)
        )

    def open_spider(self) -> None:
        level = logging.getLogger("crawler").getEffectiveLevel()
        self.pool = ParsePool(
            self.workers, timeout=self.timeout, level=level, max_reports=self.max_reports, nice=self.nice
        )
        logger.info(
            "Parsing in %d worker process(es) (PARSE_WORKERS), not in the stage pipelines: %s"
            " (PARSE_TIMEOUT=%s, PARSE_WORKER_NICE=%d)",
            self.workers,
            ", ".join(self.stages),
            f"{self.timeout:g} s" if self.timeout else "none",
            self.nice,
        )

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
            if self.pool.retired:
                self.stats.set_value("parse/workers_retired_count", self.pool.retired)
            self.pool = None

    async def process_item(self, item: ReportItem) -> ReportItem:
        async with self.slots:
            # The ticket is taken inside the slot: the earliest ticket always holds a slot, so the
            # reports waiting for their turn can never starve the one they wait for.
            ticket, self.tickets = self.tickets, self.tickets + 1
            try:
                await self._parse_in_turn(item, ticket)
            except BaseException:  # a bug or a cancellation before its turn: the reports after it still go on
                if self.turn <= ticket:
                    self._give_up_turn(ticket)
                raise
        return item

    async def _parse_in_turn(self, item: ReportItem, ticket: int) -> None:
        report = Report.from_mapping(item)
        assert self.pool is not None, "open_spider starts the pool"
        parsed: Parsed | None = None
        failure: Exception | None = None
        try:
            parsed = await asyncio.wrap_future(self.pool.parse(report, self.skip))
        except Exception as exc:  # noqa: BLE001 - a dead or stopped worker, or the pool: logged, on the report
            failure = exc
        await self._my_turn(ticket)
        try:
            if parsed is not None:
                replay(parsed.records)
                apply(report, parsed)
            else:
                self._failed(report, failure)
            for name, value in report.filled():
                item[name] = value
            item["errors"] = report.errors
            for key, n in report.counts.items():
                self.stats.inc_value(key, n)
        finally:
            self._next_turn()

    def _give_up_turn(self, ticket: int) -> None:
        """A report that will never take its turn: skipped when the turn reaches it."""
        self.waiting.pop(ticket, None)
        if ticket == self.turn:
            self._next_turn()
        else:
            self.abandoned.add(ticket)

    async def _my_turn(self, ticket: int) -> None:
        """Wait until every report that arrived before this one has gone on."""
        if ticket != self.turn:
            waiter = asyncio.get_running_loop().create_future()
            self.waiting[ticket] = waiter
            await waiter

    def _next_turn(self) -> None:
        self.turn += 1
        while self.turn in self.abandoned:
            self.abandoned.discard(self.turn)
            self.turn += 1
        waiter = self.waiting.pop(self.turn, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _failed(self, report: Report, exc: Exception | None) -> None:
        """The worker gave nothing back: the report keeps what was fetched, with the reason and an id."""
        kind = "timeout" if isinstance(exc, ParseTimeout) else "worker_died" if isinstance(exc, WorkerDied) else "error"
        message = str(exc) if isinstance(exc, PoolFailure) else f"parse pool error: {type(exc).__name__}: {exc}"
        logger.error("%s: not parsed: %s", report.url, message)
        report.fail("parse", message)
        report.count(f"parse/{kind}_count")
        if "dedup" in self.stages:  # from the URL alone: cheap, and the store needs an id
            run_stage(stage("dedup"), report)
