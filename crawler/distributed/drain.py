"""The single writer of a distributed crawl: Redis messages into SQLite.

Workers push finished reports, page records and their own open/close notes
onto one Redis list; :class:`Drain` moves them into the store with the same
``store_report``/``log_page`` calls as a single-process crawl, one message at
a time, removing each only after it was handled.  When every worker has
closed cleanly it marks the listings they walked to the end complete.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import redis

from crawler.cms.walks import ColumnWalk
from crawler.distributed.keys import Keys, busy_workers, decode, queue_length
from crawler.findings.store import recompute_findings
from crawler.storage import log_page, mark_listings_complete, mark_listings_incomplete, store_report

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Drain:
    """The single writer: moves reports and page records from Redis into SQLite."""

    server: redis.Redis
    db: sqlite_utils.Database
    keys: Keys
    counts: dict[str, int] = field(default_factory=lambda: {"report": 0, "kept": 0, "page": 0, "failed": 0})
    open_workers: set[str] = field(default_factory=set)
    closed: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, raw: bytes | str) -> None:
        message = decode(raw)
        kind = message.get("kind")
        if kind == "report":
            self.counts["report"] += 1
            kept, _error = store_report(self.db, message["record"], now())
            self.counts["kept"] += kept
        elif kind == "page":
            self.counts["page"] += 1
            log_page(self.db, message["page"])
        elif kind == "worker_opened":
            self.open_workers.add(message["worker"])
        elif kind == "worker_closed":
            self.open_workers.discard(message["worker"])
            self.closed.append(message)
            logger.info(
                "Drain: worker %s closed (%s, %d failure(s)); %d still open",
                message["worker"],
                message["reason"],
                message["failures"],
                len(self.open_workers),
            )
            if not self.open_workers and not queue_length(self.server, self.keys.requests):
                self.finish_run()
        else:
            logger.warning("Drain: unknown message kind %r; skipped", kind)

    def take(self, raw: bytes | str) -> None:
        """Handle one message, then release it; one that cannot be handled is set aside, not retried forever.

        Redis or SQLite being unavailable is not the message's fault: that
        error stops the drain and the message stays in ``processing``, to be
        handled first on restart.
        """
        try:
            self.handle(raw)
        except (redis.RedisError, sqlite3.OperationalError):
            raise
        except Exception:
            logger.exception("Drain: message could not be handled; kept in %s", self.keys.failed)
            self.server.lpush(self.keys.failed, raw)
            self.counts["failed"] += 1
        self.server.lrem(self.keys.processing, 1, raw)  # type: ignore[arg-type]  # redis-py types values as str; bytes are fine

    def finish_run(self) -> None:
        """Every worker has closed: mark listings complete or incomplete, as the spider does alone.

        Incomplete ones are marked whatever the run's end (the next crawl walks
        them again); complete ones only after a run every worker finished
        without failures.
        """
        closed, self.closed = self.closed, []
        if not closed:
            return
        done_findings = recompute_findings(self.db)  # the queued reports' bodies, as a single-process crawl does
        self.counts["findings_bodies"] = len(done_findings.bodies)
        done, short = listings_walked(closed)
        if short:
            mark_listings_incomplete(self.db, short, now())
            for url, pid, reason in short:
                logger.warning("Drain: listing %s (%s) is incomplete: %s", url, pid, reason)
        if any(m["reason"] != "finished" or m["failures"] for m in closed):
            logger.info("Drain: run ended with failures or unfinished workers; listings not marked complete")
            return
        mark_listings_complete(self.db, done, now())
        logger.info("Drain: run finished by %d worker(s); %d listing(s) complete", len(closed), len(done))

    def idle(self) -> bool:
        return not (
            self.server.llen(self.keys.store)
            or queue_length(self.server, self.keys.requests)
            or busy_workers(self.server, self.keys, self.keys.alive())
        )

    def run(self, until_idle: bool = False, idle_seconds: float = 5.0, poll: float = 1.0) -> dict[str, int]:
        """Drain forever, or until nothing is queued or busy for `idle_seconds`."""
        for raw in reversed(self.server.lrange(self.keys.processing, 0, -1)):  # left by a killed drain
            self.take(raw)
        quiet_since: float | None = None
        while True:
            # redis-py types the timeout as int; BLMOVE takes fractional seconds (Redis >= 6).
            taken = self.server.blmove(self.keys.store, self.keys.processing, poll, "RIGHT", "LEFT")  # type: ignore[arg-type]  # see above
            if taken is not None:
                self.take(taken)
                quiet_since = None
                continue
            if not until_idle:
                continue
            if not self.idle():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= idle_seconds:
                break
        if self.closed and not self.open_workers:
            self.finish_run()
        return self.counts


def merged_walk(parts: list[dict[str, Any]]) -> ColumnWalk:
    """One column's walk from the workers' shares: each listing page was parsed by one worker."""
    walks = [ColumnWalk(**part) for part in parts]
    merged = ColumnWalk(
        pages=max(w.pages for w in walks),
        records=sum(w.records for w in walks),
        records_known=all(w.records_known for w in walks),
        ended=any(w.ended for w in walks),
        stopped_known=any(w.stopped_known for w in walks),
        reasons=[r for w in walks for r in w.reasons],
    )
    for name in ("declared_pages", "declared_records"):
        declared = [v for w in walks if (v := getattr(w, name)) is not None]
        setattr(merged, name, max(declared) if declared else None)
    return merged


def listings_walked(closed: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The listings walked to their end ((start_url, portal_id)) and those short of it (with the reason).

    The spider's rule for one process (crawler/cms/walks.py), on the walks of
    all workers added up per column.
    """
    parts: dict[tuple[str, str], dict[str | None, list[dict[str, Any]]]] = {}
    for message in closed:
        for pid, url, column, walk in message.get("walks", []):
            parts.setdefault((pid, url), {}).setdefault(column, []).append(walk)
    done: set[tuple[str, str]] = set()
    short: list[tuple[str, str, str]] = []
    for (pid, url), columns in sorted(parts.items(), key=lambda item: item[0]):
        problems = [
            f"{column or 'listing'}: {problem}"
            for column, shares in columns.items()
            if (problem := merged_walk(shares).shortfall()) is not None
        ]
        if problems:
            short.append((url, pid, "; ".join(problems)))
        else:
            done.add((url, pid))
    walked = set(parts)
    for message in closed:
        done |= {(url, pid) for pid, url in message.get("known_complete", []) if (pid, url) not in walked}
    return sorted(done), short
