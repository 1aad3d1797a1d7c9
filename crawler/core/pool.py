"""The parsing core on every core: a small pool of worker processes.

The crawl's reactor must never wait for a parse (~40 ms of CPU a report on
one core), so :class:`ParsePool` runs :func:`parse_in_worker` in separate
processes and hands back a :class:`concurrent.futures.Future` per report,
which the item pipeline awaits (crawler/pipelines/pool.py) and a blocking
caller can simply ``.result()``.

Our own code rather than ``ProcessPoolExecutor``: when one of its
workers dies every report in flight fails with ``BrokenProcessPool`` and a
running task cannot be stopped; here each worker runs one report at a time,
so a crash or a timeout is charged to exactly that report
(:class:`WorkerDied`, :class:`ParseTimeout`) and only that worker is
replaced.  Workers start from a fork server that has imported the core, so
they are cheap to replace and inherit nothing of the crawl (sockets, SQLite,
threads).  A worker that has parsed ``max_reports`` reports is retired after
its last one and the next starts fresh from the fork server (as Celery's
``max-tasks-per-child``): what a worker's memory gathers over a long crawl
(pages it un-shared from the fork server, full caches, a fragmented heap) is
given back, so the process tree's memory stays flat however long the crawl.
No Scrapy here, like the rest of ``crawler.core``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing import spawn
from multiprocessing.connection import Connection
from typing import Any

from crawler import budgets
from crawler.core.report import FIELD_NAMES, Report
from crawler.core.stages import run_stages

logger = logging.getLogger(__name__)

# Fields a worker does not send back.  The body and the table images were sent
# to it and are still on the item; parsed trees cannot cross a process
# boundary.  The decoded page is read by the stages only and never stored; it
# was most of what a worker sent back (a 120 KB page: 51 of 70 KiB), which made
# each result one more pipe write the crawl process had to drain.
NOT_RETURNED = frozenset({"body", "images", "html", "tree", "main"})
READY = "ready"
AHEAD = 2  # jobs sent to a worker before its oldest is answered: it never waits for the next one
POLL_SECONDS = 0.05  # how often a slot waiting for a result looks for a newly queued report
STARTUP_SECONDS = 120.0  # a fresh worker's start (the fork server's import and warm-up the first time)
PRELOAD = ["crawler.core.pool", "crawler.core.prewarm"]  # what the fork server imports (and warms) for every worker
MAIN_ENV = "CRAWLER_POOL_MAIN"  # how this process's main script is named, for the fork server (see workers_main)


class PoolFailure(Exception):
    """A worker could not return this report; the message names what happened."""


class WorkerDied(PoolFailure):
    """The worker process ended (crash, OOM kill, ``kill -9``) while parsing this report."""


class ParseTimeout(PoolFailure):
    """The report took longer than the pool's timeout; its worker was stopped."""


@dataclass
class Parsed:
    """What a worker sends back: the report's filled fields, its errors and stage counts, its log."""

    fields: dict[str, Any]
    errors: list[dict[str, str]]
    counts: Counter[str]
    records: list[logging.LogRecord] = field(default_factory=list)


def workers_main() -> str:
    """How multiprocessing would have each worker re-run this process's main script: ``path:…``, ``name:…`` or "".

    A worker forked from the fork server runs the parent's ``__main__`` again
    unless its own ``__main__`` already is that script.  For ``scrapy crawl``
    that is an import of all of Scrapy, ~0.45 s of CPU and its memory for
    every worker started.  The fork server was meant to load ``__main__``
    once when asked to preload it, but that never worked before Python 3.13
    (CPython gh-126631).  The workers run only this module's functions and
    need nothing of ``__main__``, so the fork server marks its own as the
    parent's (:mod:`crawler.core.prewarm`) and the workers skip it.
    """
    data = spawn.get_preparation_data("parse-worker")  # what every Process.start() sends its child
    if "init_main_from_name" in data:
        return f"name:{data['init_main_from_name']}"
    if "init_main_from_path" in data:
        return f"path:{data['init_main_from_path']}"
    return ""


def report_inputs(report: Report) -> dict[str, Any]:
    """What a worker needs of a report: every filled field a process boundary can carry."""
    return {name: value for name, value in report.filled() if name not in ("tree", "main")}


def parse_in_worker(inputs: dict[str, Any], errors: list[dict[str, str]], skip: Collection[str]) -> Parsed:
    """Run the stages not in ``skip`` on one report (in a worker); the log records come back too."""
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        report = Report(**inputs)
        report.errors = list(errors)
        run_stages(report, skip=skip)
    finally:
        root.removeHandler(capture)
    fields = {name: getattr(report, name) for name in FIELD_NAMES if name not in NOT_RETURNED}
    return Parsed({k: v for k, v in fields.items() if v is not None}, report.errors, report.counts, capture.records)


class _Capture(logging.Handler):
    """Keeps a worker's log records of one report, flattened so they pickle."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.msg, record.args = record.getMessage(), None
        self.records.append(record)


def replay(records: list[logging.LogRecord]) -> None:
    """Hand a worker's log records to this process's loggers (the crawl's log file)."""
    for record in records:
        target = logging.getLogger(record.name)
        if target.isEnabledFor(record.levelno):
            target.handle(record)


def _worker_main(conn: Connection, limits: budgets.Budgets, level: int, nice: int = 0) -> None:
    """One worker: reports in, results out, until told to stop or the crawl process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; it stops us
    if nice:
        try:  # below the crawl process, which every worker waits on: it fetches, feeds and stores
            os.nice(nice)
        except OSError as exc:  # a sandbox that forbids it: parse at the same priority
            logger.debug("parse worker could not lower its priority by %d: %s", nice, exc)
    budgets.configure(limits)
    logging.getLogger().setLevel(level)
    try:
        conn.send(READY)  # a report's timeout starts once its worker is up, not while it imports
    except OSError:  # the crawl process is gone
        return
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, inbox), name="parse-worker-inbox", daemon=True).start()
    while True:
        message = inbox.get()
        if message is None:
            return
        fn, args = message
        try:
            result: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - the function's own failure goes back to its caller
            result = (False, RuntimeError(f"{type(exc).__name__}: {exc}"))
        try:
            conn.send(result)
        except OSError:
            return
        except Exception as exc:  # noqa: BLE001 - a result that does not pickle: say so instead
            conn.send((False, RuntimeError(f"result could not be sent back: {type(exc).__name__}: {exc}")))


def _receive(conn: Connection, inbox: queue.SimpleQueue[Any]) -> None:
    """A worker's jobs as they arrive (None: stop), so the next report waits here while this one is parsed.

    Reading on a thread of its own also means the crawl process's send of a
    large report never waits for this worker's send of its last result.
    """
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the crawl process is gone
            message = None
        except Exception as exc:  # noqa: BLE001 - a job that cannot be loaded here fails, not the worker
            message = (_unreadable, (f"the worker could not read this job: {type(exc).__name__}: {exc}",))
        inbox.put(message)
        if message is None:
            return


def _unreadable(error: str) -> None:
    """Stands in for a job the worker could not unpickle, so its caller gets the reason."""
    raise RuntimeError(error)


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future[Any]


class _Slot:
    """One worker process and the thread that feeds it: up to ``AHEAD`` jobs sent, answered in order.

    The next report is sent while the worker parses this one, so a worker
    never waits for the crawl process (busy fetching and storing) between two
    reports.  A worker parses its jobs in the order sent, so the oldest
    unanswered one is the one it is parsing: a timeout or a death is charged
    to that one, and the others, not started, are sent to its replacement.
    """

    def __init__(self, pool: ParsePool, number: int) -> None:
        self.pool, self.number = pool, number
        self.parsed = 0  # reports the current process has parsed
        self.given = 0  # reports sent to the current process
        self.sent: deque[_Job] = deque()  # sent to the current process, not answered yet, oldest first
        self.since = 0.0  # when the oldest of them became the one being parsed
        self.closing = False
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.thread = threading.Thread(target=self.run, name=f"parse-pool-{number}", daemon=True)

    def start_process(self) -> None:
        ours, theirs = self.pool.context.Pipe()
        process = self.pool.context.Process(
            target=_worker_main,
            args=(theirs, self.pool.limits, self.pool.level, self.pool.nice),
            name=f"parse-worker-{self.number}",
        )
        process.daemon = True
        process.start()
        theirs.close()
        self.process, self.conn, self.parsed, self.given = process, ours, 0, 0
        try:
            ready = ours.poll(STARTUP_SECONDS) and ours.recv() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self.stop_process(kill=True)
            raise PoolFailure(f"parse worker could not start within {STARTUP_SECONDS:g} s (exit status {code})")

    def stop_process(self, kill: bool) -> int | None:
        """End the worker (politely unless ``kill``); returns its exit code."""
        process, conn = self.process, self.conn
        self.process = self.conn = None
        if process is None:
            return None
        if kill:
            process.kill()
        elif conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
        if conn is not None:
            conn.close()
        return process.exitcode

    def run(self) -> None:
        try:  # at once, so the fork server's start and warm-up overlap the crawl's first fetches
            self.start_process()
        except Exception:
            logger.exception("parse worker %d could not start; trying again with the next report", self.number)
        while True:
            self.take(block=not self.sent)
            if not self.sent:
                if self.closing:
                    self.stop_process(kill=False)
                    return
                continue
            self.answer_oldest()

    def take(self, block: bool) -> None:
        """Send jobs from the queue until ``AHEAD`` are unanswered (waiting for one only if ``block``)."""
        limit = self.pool.max_reports
        while not self.closing and len(self.sent) < AHEAD and not (limit and self.given >= limit):
            try:
                job = self.pool.jobs.get(block=block)
            except queue.Empty:
                return
            block = False
            if job is None:
                self.closing = True
                return
            if job.future.set_running_or_notify_cancel():
                self.send(job)

    def send(self, job: _Job) -> None:
        """Send ``job`` to the worker (started first if none is running and none owes a result)."""
        if not self.sent and (self.process is None or not self.process.is_alive()):
            try:
                if self.process is not None:  # died between jobs (e.g. killed while idle): replace it
                    self.stop_process(kill=True)
                    self.pool.replaced += 1
                self.start_process()
            except PoolFailure as exc:
                self.pool.replaced += 1
                job.future.set_exception(exc)
                return
        assert self.conn is not None
        try:
            self.conn.send((job.fn, job.args))
        except OSError:  # the worker died: waiting for its oldest job finds out, and this one is sent again
            pass
        except Exception as exc:  # noqa: BLE001 - the job does not pickle (nothing was written): said on it
            job.future.set_exception(PoolFailure(f"parse pool error: {type(exc).__name__}: {exc}"))
            return
        if not self.sent:
            self.since = time.monotonic()
        self.sent.append(job)
        self.given += 1

    def answer_oldest(self) -> None:
        """Wait for the oldest job's result (taking new jobs meanwhile), or charge it its timeout or death."""
        conn, timeout = self.conn, self.pool.timeout
        assert conn is not None and self.process is not None
        while True:
            wait = POLL_SECONDS if timeout is None else min(POLL_SECONDS, self.since + timeout - time.monotonic())
            if conn.poll(max(wait, 0)):
                break
            if timeout is not None and time.monotonic() >= self.since + timeout:
                pid = self.process.pid
                self.fail_oldest(
                    ParseTimeout(
                        f"not parsed within PARSE_TIMEOUT={timeout:g} s; worker {pid} was stopped and replaced"
                    )
                )
                return
            self.take(block=False)  # a report that arrived meanwhile goes to the worker now
        job = self.sent[0]
        try:
            ok, value = conn.recv()
        except (EOFError, OSError):
            pid = self.process.pid
            code = self.stop_process(kill=True)
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            self.fail_oldest(WorkerDied(f"worker {pid} died while parsing ({how}); it was replaced"))
            return
        except Exception as exc:  # noqa: BLE001 - a result that does not unpickle: said on the report
            self.fail_oldest(PoolFailure(f"parse pool error: {type(exc).__name__}: {exc}"))
            return
        self.sent.popleft()
        self.since = time.monotonic()
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
        self.parsed += 1
        if self.pool.max_reports and self.parsed >= self.pool.max_reports:
            self.stop_process(kill=False)
            self.parsed = self.given = 0
            self.pool.retired += 1
            try:  # now, so the next report does not wait for the fork
                self.start_process()
            except Exception:
                logger.exception("parse worker %d could not start; trying again with the next report", self.number)

    def fail_oldest(self, exc: PoolFailure) -> None:
        """The oldest job fails with ``exc``; its worker is replaced and given the others again."""
        self.stop_process(kill=True)  # nothing to do when it is already stopped (a dead worker)
        self.pool.replaced += 1
        self.sent.popleft().future.set_exception(exc)
        again, self.sent = self.sent, deque()
        for job in again:
            self.send(job)


class ParsePool:
    """``workers`` processes running one report each; :meth:`submit` returns a Future.

    Jobs wait in an unbounded queue: callers bound what they submit (the item
    pipeline keeps at most a few per worker in flight).  ``timeout`` (seconds
    or None) is per job, counted from when a worker took it; ``max_reports``
    (None: never) retires a worker after that many jobs; ``nice`` (0: none)
    is how much lower than this process's priority the workers run.
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout: float | None = None,
        level: int = logging.INFO,
        max_reports: int | None = None,
        nice: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError(f"a parse pool needs at least one worker, not {workers}")
        if max_reports is not None and max_reports < 1:
            raise ValueError(f"a worker must parse at least one report before it is retired, not {max_reports}")
        self.max_reports, self.nice = max_reports, nice
        self.retired = 0  # workers retired after max_reports and started afresh
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)
        os.environ[MAIN_ENV] = workers_main()  # read by the fork server, started with the first worker
        self.workers, self.timeout, self.level = workers, timeout, level
        self.limits = budgets.current()  # the crawl's per-report budgets hold in the workers too
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.replaced = 0  # workers that died or were stopped and replaced
        self.slots = [_Slot(self, n) for n in range(workers)]
        for slot in self.slots:
            slot.thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a worker; ``fn`` must be importable by module (workers do not load ``__main__``)."""
        if getattr(fn, "__module__", None) in ("__main__", "__mp_main__"):
            raise ValueError(f"{fn.__qualname__} is defined in __main__, which parse workers do not load")
        future: Future[Any] = Future()
        self.jobs.put(_Job(fn, args, future))
        return future

    def parse(self, report: Report, skip: Collection[str] = ()) -> Future[Parsed]:
        """The stages not in ``skip`` run on ``report`` in a worker; the report itself is not changed."""
        return self.submit(parse_in_worker, report_inputs(report), list(report.errors), tuple(skip))

    def pids(self) -> list[int]:
        """The worker processes now running (tests kill one of them)."""
        return [s.process.pid for s in self.slots if s.process is not None and s.process.pid is not None]

    def close(self) -> None:
        """Stop every worker once it has finished its current job; queued jobs still run first."""
        for _ in self.slots:
            self.jobs.put(None)
        for slot in self.slots:
            slot.thread.join()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def apply(report: Report, parsed: Parsed) -> None:
    """Copy a worker's result onto ``report`` (the crawl process's copy)."""
    for name, value in parsed.fields.items():
        setattr(report, name, value)
    report.errors[:] = parsed.errors
    report.counts.update(parsed.counts)
