"""Parsing in worker processes (PARSE_WORKERS): the same reports, stats and errors as in-process.

Real crawls through the engine against the fixture server, real worker
processes: the databases of a pooled and an in-process crawl are compared
table by table; a worker is killed with SIGKILL while it parses a slow
report; a report over PARSE_TIMEOUT is stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, Crawl

from crawler.core import STAGE_NAMES, Report, parse_report
from crawler.core.pool import ParsePool, ParseTimeout, WorkerDied
from fixture_server import FixtureServer, render_registry

sys.path.insert(0, str(ROOT / "scripts"))
from compare_dbs import compare

pytestmark = pytest.mark.services

TEMPLATE = FIXTURES / "sites/static_guannan/xxgk/zfxxgknb/2025/0121/c58213.html"
INDEX_NO = b"014133461/2025-00008"
STAGE_STATS = re.compile(rf"^(?:{'|'.join(STAGE_NAMES)}|parse|store)/|^item_scraped_count$")


def slow_page(megabytes: float = 6.0) -> bytes:
    """The guannan report with its paragraphs repeated inside the content: seconds of parsing."""
    page = TEMPLATE.read_bytes().replace(INDEX_NO, b"014133461/2025-99999")
    paragraphs = list(re.finditer(rb"<p[^>]*>.*?</p>", page, re.S))
    block = b"".join(m.group(0) for m in paragraphs)
    at = paragraphs[-1].end()
    return page[:at] + block * int(megabytes * 1024 * 1024 / len(block)) + page[at:]


def build_slow_site(root: Path) -> None:
    """One plain-HTML portal: two ordinary reports and one slow one."""
    site = root / "sites" / "pool_slow"
    (site / "nb").mkdir(parents=True)
    (site / "site.yaml").write_text('headers:\n  "*": {Content-Type: "text/html; charset=utf-8"}\n', "utf-8")
    template = TEMPLATE.read_bytes()
    names = {"a.html": "甲镇", "slow.html": "乙镇", "c.html": "丙镇"}
    for n, name in enumerate(names):
        body = slow_page() if name == "slow.html" else template.replace(INDEX_NO, b"014133461/2025-%05d" % n)
        (site / "nb" / name).write_bytes(body)
    links = "".join(
        f'<li><a href="{name}">{town}2024年政府信息公开工作年度报告</a><span>2025-01-21</span></li>'
        for name, town in names.items()
    )
    (site / "nb" / "index.html").write_text(
        f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul></body></html>', "utf-8"
    )
    (root / "portals.yaml").write_text(
        "portals:\n  - {id: pool-slow, name: 慢速门户, province: jiangsu, cms: static,"
        ' start_urls: ["{site:pool_slow}/nb/index.html"]}\n',
        "utf-8",
    )


class SiteCrawl(Crawl):
    """Crawls of a fixture tree built by the test (its own portals.yaml)."""

    def __init__(self, server: FixtureServer, tmp: Path, portals: Path) -> None:
        self.server, self.tmp = server, tmp
        self.db_path = tmp / "reports.db"
        self.registry = render_registry(portals, server.sites, tmp / "portals.yaml")
        self.runs = 0


@pytest.fixture
def slow_crawl(tmp_path: Path) -> Iterator[Crawl]:
    build_slow_site(tmp_path / "fx")
    with FixtureServer(tmp_path / "fx", log_path=tmp_path / "requests.jsonl", workdir=tmp_path) as server:
        yield SiteCrawl(server, tmp_path, tmp_path / "fx" / "portals.yaml")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def comparable(db: Path, dest: Path) -> Path:
    """A copy without what two crawls cannot share: run ids (a time and a pid) and fetches that timed out.

    On this loaded machine an in-process parse can hold the reactor past the
    tests' 4 s DOWNLOAD_TIMEOUT; the retried fetch is in both databases, with
    the attempt number the timeout gave it.
    """
    shutil.copy(db, dest)
    with sqlite3.connect(dest) as conn:
        conn.execute("UPDATE runs SET run_id = ''")
        conn.execute("DELETE FROM pages WHERE error LIKE 'DownloadTimeoutError:%'")
        conn.execute("UPDATE pages SET attempt = 1 WHERE error IS NULL")
    return dest


def crawl_stats(log: str) -> dict[str, int]:
    """The integer counters of the crawl's final stats dump."""
    dump = log.rsplit("Dumping Scrapy stats", 1)[-1]
    return {key: int(value) for key, value in re.findall(r"'([\w/.-]+)': (\d+)[,}]", dump)}


def stage_stats(crawl: Crawl, run: int) -> dict[str, int]:
    """The stage and store counts of one run.

    Kept and duplicate are summed: when two copies of one report arrive, whether the
    second one counts as kept (it is more complete) or as a duplicate depends on
    which copy the network delivered first, in any crawl, pooled or not.
    """
    stats = {k: v for k, v in crawl_stats(crawl.log(run)).items() if STAGE_STATS.search(k)}
    stored = stats.pop("store/report_kept_count", 0) + stats.pop("store/report_duplicate_count", 0)
    return {**stats, "store/report_kept_or_duplicate": stored}


def rows(crawl: Crawl, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return crawl.query(sql, *params)


# ---------------------------------------------------------------- same results as in-process


def crawl_twice(tmp_path: Path, **settings: Any) -> tuple[Crawl, Crawl]:
    """The fixture portals crawled in-process (PARSE_WORKERS=0) and with two workers, one database each."""
    with FixtureServer(FIXTURES, workdir=tmp_path) as server:
        crawls = []
        for workers in ("0", "2"):
            (tmp_path / workers).mkdir()
            crawl = Crawl(server, tmp_path / workers)
            crawl.run(PARSE_WORKERS=workers, **settings)
            crawls.append(crawl)
    return crawls[0], crawls[1]


def test_pool_stores_the_same_database_and_stats_as_in_process_parsing(tmp_path: Path) -> None:
    # Workers retired every 3 reports: the fresh ones parse exactly as the first did.
    inline, pooled = crawl_twice(tmp_path, PARSE_WORKER_MAX_REPORTS="3")
    assert "Parsing in 2 worker process(es)" in pooled.log(1)
    assert "Parsing in" not in inline.log(1)
    assert rows(inline, "SELECT count(*) FROM reports")[0][0] >= 20
    before = comparable(inline.db_path, tmp_path / "inline.db")
    after = comparable(pooled.db_path, tmp_path / "pooled.db")
    assert compare(str(before), str(after)) == []
    inline_stats, pooled_stats = stage_stats(inline, 1), stage_stats(pooled, 1)
    assert any(k.startswith("decode/") for k in inline_stats) and any(k.startswith("normalise/") for k in inline_stats)
    assert inline_stats["item_scraped_count"] >= 20
    assert pooled_stats.pop("parse/workers_retired_count") >= inline_stats["item_scraped_count"] // 3 - 2
    assert pooled_stats == inline_stats
    # what the stages logged in the workers is in the crawl's log, under the stage's logger
    stage_lines = [line for line in inline.log(1).splitlines() if "[crawler.core.stages]" in line]
    assert stage_lines, "the fixture crawl logs stage warnings"
    assert len([line for line in pooled.log(1).splitlines() if "[crawler.core.stages]" in line]) == len(stage_lines)


def test_stage_switches_and_removed_stage_pipelines_are_honoured_by_the_pool(tmp_path: Path) -> None:
    from crawler import settings as project

    pipelines = {**project.ITEM_PIPELINES, "crawler.pipelines.tables.TablesPipeline": None}
    inline, pooled = crawl_twice(tmp_path, NORMALISE_ENABLED="0", ITEM_PIPELINES=json.dumps(pipelines))
    (parsing,) = [line for line in pooled.log(1).splitlines() if "Parsing in 2 worker process(es)" in line]
    assert parsing.split("stage pipelines: ")[1] == (
        "attachment, decode, images, metadata, sections, checks, dedup (PARSE_TIMEOUT=300 s, PARSE_WORKER_NICE=10)"
    )
    before = comparable(inline.db_path, tmp_path / "inline.db")
    after = comparable(pooled.db_path, tmp_path / "pooled.db")
    assert compare(str(before), str(after)) == []
    assert rows(pooled, "SELECT count(*) FROM table_cells") == [(0,)]
    assert rows(pooled, "SELECT count(*) FROM reports WHERE text IS NOT NULL AND text != ''") == [(0,)]
    stats = stage_stats(pooled, 1)
    assert not [k for k in stats if k.startswith(("normalise/", "tables/"))]
    assert stats == stage_stats(inline, 1)


# ---------------------------------------------------------------- a dead or slow worker costs one report


def test_a_worker_killed_mid_report_costs_only_that_report(slow_crawl: Crawl) -> None:
    import subprocess

    from conftest import FAST, SCRAPY

    log = slow_crawl.tmp / "crawl.log"
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={slow_crawl.registry}"]
    for key, value in {**FAST, "REPORTS_DB": slow_crawl.db_path, "LOG_FILE": log, "PARSE_WORKERS": 1}.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def all_served() -> bool:
            paths = {r["path"] for r in slow_crawl.server.requests()}
            return {"/nb/a.html", "/nb/slow.html", "/nb/c.html"} <= paths

        wait_for(all_served, 120, "the three reports to be fetched")
        forkserver = wait_for(lambda: children(proc.pid), 30, "the parse pool's fork server")
        worker = wait_for(lambda: [w for f in forkserver for w in children(f)], 30, "the parse worker")[0]
        # The two small reports cost well under a second of CPU; the slow one several seconds.
        start = cpu_seconds(worker)
        wait_for(lambda: cpu_seconds(worker) - start >= 1.0, 60, "the worker to be busy with the slow report")
        os.kill(worker, signal.SIGKILL)
        assert proc.wait(180) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    stored = dict(
        slow_crawl.query("SELECT substr(url, instr(url, '/nb/') + 4), errors FROM reports WHERE url LIKE '%/nb/%'")
    )
    assert set(stored) == {"a.html", "slow.html", "c.html"}
    slow_errors = json.loads(stored["slow.html"])
    assert [e["stage"] for e in slow_errors] == ["parse"]
    assert re.fullmatch(r"worker \d+ died while parsing \(signal 9\); it was replaced", slow_errors[0]["error"])
    for name in ("a.html", "c.html"):
        assert "parse" not in {e["stage"] for e in json.loads(stored[name] or "[]")}
    titles = dict(slow_crawl.query("SELECT substr(url, instr(url, '/nb/') + 4), title FROM reports"))
    assert titles["a.html"] and titles["c.html"] and titles["slow.html"] is None
    text = log.read_text("utf-8")
    assert crawl_stats(text)["parse/worker_died_count"] == 1
    assert crawl_stats(text)["item_scraped_count"] == 3


def test_a_report_over_parse_timeout_is_stored_with_the_timeout_error(slow_crawl: Crawl) -> None:
    slow_crawl.run(PARSE_WORKERS=1, PARSE_TIMEOUT=1)
    errors = dict(slow_crawl.query("SELECT substr(url, instr(url, '/nb/') + 4), errors FROM reports"))
    assert set(errors) == {"a.html", "slow.html", "c.html"}
    slow_errors = json.loads(errors["slow.html"])
    assert [e["stage"] for e in slow_errors] == ["parse"]
    assert re.fullmatch(
        r"not parsed within PARSE_TIMEOUT=1 s; worker \d+ was stopped and replaced", slow_errors[0]["error"]
    )
    assert all("parse" not in {e["stage"] for e in json.loads(errors[n] or "[]")} for n in ("a.html", "c.html"))
    stats = crawl_stats(slow_crawl.log())
    assert stats["parse/timeout_count"] == 1 and stats["item_scraped_count"] == 3


# ---------------------------------------------------------------- the pool itself


def test_pool_replaces_a_killed_worker_and_parses_the_next_report() -> None:
    small = TEMPLATE.read_bytes()
    with ParsePool(1, timeout=120) as pool:
        first = pool.parse(Report(url="http://127.0.0.1/slow.html", body=slow_page(), content_type="text/html"))
        worker = wait_for(pool.pids, 30, "the worker")[0]
        wait_for(lambda: cpu_seconds(worker) >= 1.0, 60, "the worker to be busy")
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(WorkerDied, match=rf"worker {worker} died while parsing \(signal 9\)"):
            first.result(60)
        second = pool.parse(Report(url="http://127.0.0.1/a.html", body=small, content_type="text/html")).result(60)
        assert pool.pids() and pool.pids() != [worker]
    expected = parse_report(small, "text/html", "http://127.0.0.1/a.html")
    assert second.fields["title"] == expected.title and second.fields["cells"] == expected.cells
    assert second.counts == expected.counts


def test_a_worker_sends_back_what_the_stages_read_and_not_the_page_it_was_sent() -> None:
    """The body, the table images and the decoded page stay out of the result; every other field is in-process's."""
    small = TEMPLATE.read_bytes()
    images = {"http://127.0.0.1/t.png": b"\x89PNG not really"}
    sent = Report(url="http://127.0.0.1/a.html", body=small, content_type="text/html", images=images)
    with ParsePool(1, timeout=120) as pool:
        parsed = pool.parse(sent).result(60)
    expected = parse_report(small, "text/html", "http://127.0.0.1/a.html")
    assert expected.html and expected.body == small
    assert not {"body", "images", "html", "tree", "main"} & set(parsed.fields)
    assert parsed.fields["text"] == expected.text and parsed.fields["cells"] == expected.cells
    assert parsed.fields["sections"] == expected.sections and parsed.fields["checks"] == expected.checks
    assert parsed.fields["report_id"] == expected.report_id and len(parsed.fields["text"]) > 1000


@pytest.mark.parametrize("ending", ["killed", "timeout"])
def test_a_report_sent_ahead_to_a_worker_that_fails_is_parsed_by_its_replacement(ending: str) -> None:
    """The next report waits in the worker while it parses this one; this one's failure is not charged to it."""
    small = TEMPLATE.read_bytes()
    with ParsePool(1, timeout=120 if ending == "killed" else 0.5) as pool:
        worker = wait_for(pool.pids, 30, "the worker")[0]
        slow = pool.parse(Report(url="http://127.0.0.1/slow.html", body=slow_page(), content_type="text/html"))
        ahead = pool.parse(Report(url="http://127.0.0.1/a.html", body=small, content_type="text/html"))
        wait_for(lambda: len(pool.slots[0].sent) == 2, 30, "both reports to be sent to the worker")
        if ending == "killed":
            wait_for(lambda: cpu_seconds(worker) >= 1.0, 60, "the worker to be busy")
            os.kill(worker, signal.SIGKILL)
            with pytest.raises(WorkerDied, match=rf"worker {worker} died while parsing \(signal 9\)"):
                slow.result(60)
        else:
            with pytest.raises(ParseTimeout, match=r"PARSE_TIMEOUT=0.5 s; worker \d+ was stopped"):
                slow.result(60)
        parsed = ahead.result(60)
        assert pool.pids() and pool.pids() != [worker]
        assert pool.replaced == 1
    expected = parse_report(small, "text/html", "http://127.0.0.1/a.html")
    assert parsed.fields["title"] == expected.title and parsed.fields["cells"] == expected.cells
    assert parsed.errors == expected.errors and parsed.counts == expected.counts


MAIN_SCRIPT = """
import json, os, sys
from pathlib import Path
with open(os.environ["MAIN_RUNS"], "a") as runs:  # every run of this file, as which module
    runs.write(__name__ + "\\n")
if __name__ == "__main__":
    from crawler.core.pool import ParsePool
    from crawler.core.report import Report
    body = Path(os.environ["PAGE"]).read_bytes()
    with ParsePool(2, timeout=120, max_reports=1) as pool:
        futures = [pool.parse(Report(url=f"http://127.0.0.1/{n}.html", body=body, content_type="text/html"))
                   for n in range(3)]
        print(json.dumps([f.result(120).fields["title"] for f in futures]))
"""


@pytest.mark.parametrize("run_as", ["script", "module"])
def test_workers_do_not_run_the_crawls_main_script_again(tmp_path: Path, run_as: str) -> None:
    """``scrapy crawl``'s script imports all of Scrapy; a worker needs none of it (each start cost ~0.45 s)."""
    (tmp_path / "pool_main.py").write_text(MAIN_SCRIPT, "utf-8")
    runs = tmp_path / "runs.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAIN_RUNS": str(runs), "PAGE": str(TEMPLATE)}
    command = [sys.executable, "pool_main.py"] if run_as == "script" else [sys.executable, "-m", "pool_main"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected = parse_report(TEMPLATE.read_bytes(), "text/html", "http://127.0.0.1/0.html").title
    assert json.loads(done.stdout) == [expected] * 3  # three reports, each by a fresh worker (max_reports=1)
    assert runs.read_text("utf-8").split() == ["__main__"]  # the crawl process's own run, and no worker's


def _refuse_to_load() -> None:
    raise ValueError("this object does not load in a worker")


class _LoadsNowhere:
    """Pickles in the crawl process; unpickling it raises."""

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        return _refuse_to_load, ()


def test_a_job_a_worker_cannot_read_fails_with_the_reason_and_the_worker_goes_on() -> None:
    small = TEMPLATE.read_bytes()
    with ParsePool(1, timeout=60) as pool:
        unreadable = pool.submit(len, _LoadsNowhere())
        with pytest.raises(RuntimeError, match="could not read this job: ValueError: this object does not load"):
            unreadable.result(60)
        parsed = pool.parse(Report(url="http://127.0.0.1/a.html", body=small, content_type="text/html")).result(60)
        assert pool.replaced == 0
    assert parsed.fields["title"] == parse_report(small, "text/html", "http://127.0.0.1/a.html").title


def test_a_job_defined_in_main_is_refused_before_it_reaches_a_worker() -> None:
    def job() -> int:
        return 1

    job.__module__ = "__main__"
    with ParsePool(1, timeout=60) as pool, pytest.raises(ValueError, match="defined in __main__"):
        pool.submit(job)


def test_pool_retires_a_worker_after_its_max_reports_and_a_fresh_one_parses_the_rest() -> None:
    small = TEMPLATE.read_bytes()
    expected = parse_report(small, "text/html", "http://127.0.0.1/a.html")
    with ParsePool(1, timeout=120, max_reports=2) as pool:
        seen: list[int] = []
        results = []
        for _ in range(5):
            results.append(pool.parse(Report(url="http://127.0.0.1/a.html", body=small, content_type="text/html")))
            results[-1].result(60)
            seen.extend(pool.pids())
        # reports 1-2 by the first process, 3-4 by a second, 5 by a third (retired ones are not running)
        assert len(set(seen)) == 3, seen
        assert pool.retired == 2 and pool.replaced == 0
    for future in results:
        parsed = future.result()
        assert parsed.fields["title"] == expected.title and parsed.fields["cells"] == expected.cells


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("PARSE_TIMEOUT", "soon", "PARSE_TIMEOUT must be a number of seconds, not 'soon'"),
        ("PARSE_TIMEOUT", "-1", "PARSE_TIMEOUT must be 0 (no limit) or more, not '-1'"),
        ("PARSE_WORKER_MAX_REPORTS", "1.5", "PARSE_WORKER_MAX_REPORTS must be a whole number (0: never), not '1.5'"),
        ("PARSE_WORKER_MAX_REPORTS", "-2", "PARSE_WORKER_MAX_REPORTS must be 0 (never) or more, not '-2'"),
        ("PARSE_WORKER_NICE", "low", "PARSE_WORKER_NICE must be a whole number from 0 to 19, not 'low'"),
        ("PARSE_WORKER_NICE", "-5", "PARSE_WORKER_NICE must be 0 (the same priority) or more, not '-5'"),
        ("PARSE_WORKER_NICE", "20", "PARSE_WORKER_NICE must be 19 or less (the lowest priority), not 20"),
    ],
)
def test_pool_limits_out_of_range_are_refused_naming_the_setting(name: str, raw: str, message: str) -> None:
    from scrapy.settings import Settings

    from crawler.pipelines.pool import parse_timeout, worker_max_reports, worker_nice

    read = {"PARSE_TIMEOUT": parse_timeout, "PARSE_WORKER_MAX_REPORTS": worker_max_reports}.get(name, worker_nice)
    with pytest.raises(ValueError) as refused:
        read(Settings({name: raw}))
    assert str(refused.value) == message
    assert not read(Settings({name: "0"}))  # 0: no limit / never retired / the same priority


@pytest.mark.parametrize("nice", [0, 3])
def test_pool_workers_run_that_much_below_the_crawl_process_priority(nice: int) -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    if ours + nice > 19:
        pytest.skip(f"this process already runs at nice {ours}")
    tiny = b"<html><body><h1>x</h1></body></html>"
    with ParsePool(2, timeout=60, nice=nice) as pool:
        pool.parse(Report(url="http://127.0.0.1/t.html", body=tiny, content_type="text/html")).result(60)
        deadline = time.monotonic() + 30  # the second worker may still be starting: it renices itself first
        while True:
            workers = pool.pids()
            seen = [os.getpriority(os.PRIO_PROCESS, pid) for pid in workers]
            if (len(workers) == 2 and seen == [ours + nice] * 2) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(workers) == 2 and seen == [ours + nice] * 2, (ours, nice, seen)
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours  # the crawl process itself keeps its priority


def test_pool_stops_a_report_over_its_timeout_and_goes_on() -> None:
    with ParsePool(1, timeout=0.5) as pool:
        slow = pool.parse(Report(url="http://127.0.0.1/slow.html", body=slow_page(), content_type="text/html"))
        with pytest.raises(ParseTimeout, match=r"PARSE_TIMEOUT=0.5 s"):
            slow.result(60)
        tiny = b"<html><body><h1>x</h1></body></html>"
        assert pool.parse(Report(url="http://127.0.0.1/t.html", body=tiny, content_type="text/html")).result(60)


def test_pool_pipeline_hands_reports_on_in_arrival_order_though_a_later_one_finishes_first() -> None:
    from scrapy.utils.test import get_crawler

    from crawler.items import ReportItem
    from crawler.pipelines.pool import ParsePoolPipeline

    crawler = get_crawler(settings_dict={"PARSE_WORKERS": 2})
    assert crawler.stats is not None
    pipeline = ParsePoolPipeline(crawler.stats, 2, None, STAGE_NAMES)
    small = TEMPLATE.read_bytes()
    bodies = [slow_page(3), *(small.replace(INDEX_NO, b"014133461/2025-%05d" % n) for n in range(5))]
    items = [
        ReportItem(url=f"http://127.0.0.1/{n}.html", body=b, content_type="text/html", errors=[])
        for n, b in enumerate(bodies)
    ]
    handed_on: list[str] = []

    async def run() -> None:
        pipeline.open_spider()

        async def one(item: ReportItem) -> None:
            handed_on.append((await pipeline.process_item(item))["url"])

        await asyncio.gather(*(one(i) for i in items))

    started = time.monotonic()
    try:
        asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert handed_on == [i["url"] for i in items]
    assert time.monotonic() - started < 300
    assert all(i["title"] and i["report_id"] for i in items)
    assert crawler.stats.get_value("decode/encoding/utf-8") == 6


# ---------------------------------------------------------------- the distributed worker

WORKER_SETTINGS = """
import json, sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
settings = get_project_settings()
settings.setdict(json.loads(sys.argv[1]), priority="cmdline")
install_reactor(settings["TWISTED_REACTOR"])
crawler = CrawlerProcess(settings).create_crawler("province_reports")
crawler._apply_settings()  # as `scrapy crawl` does before building the engine: the add-ons have run
from crawler.pipelines.pool import enabled_stages, parse_workers, pool_parses
s = crawler.settings
print(json.dumps({"pool": pool_parses(s), "workers": parse_workers(s), "stages": enabled_stages(s),
                  "pipelines": sorted(f"{c.__module__}.{c.__name__}" for c in (load_object(k)
                                      for k, v in s.getdict("ITEM_PIPELINES").items() if v is not None))}))
"""


def test_a_distributed_worker_parses_in_the_pool_and_pushes_to_redis() -> None:
    import subprocess

    url = "redis://127.0.0.1:1/0"  # never connected to: only the settings are built
    proc = subprocess.run(
        [sys.executable, "-c", WORKER_SETTINGS, json.dumps({"REDIS_URL": url, "PARSE_WORKERS": "3"})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["pool"] is True and result["workers"] == 3
    assert result["stages"] == list(STAGE_NAMES)
    assert "crawler.pipelines.pool.ParsePoolPipeline" in result["pipelines"]
    assert "crawler.pipelines.redis_queue.RedisQueuePipeline" in result["pipelines"]
    assert "crawler.pipelines.store.SQLiteStorePipeline" not in result["pipelines"]


class _ItemThatCannotBeRead(dict):  # type: ignore[type-arg]
    """A report item whose fields raise when read: a bug before the report's turn."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key == "title":
            raise ValueError("unreadable field")
        return super().get(key, default)


def test_a_report_failing_before_its_turn_does_not_hold_up_the_reports_after_it() -> None:
    from scrapy.utils.test import get_crawler

    from crawler.pipelines.pool import ParsePoolPipeline

    crawler = get_crawler(settings_dict={"PARSE_WORKERS": 1})
    assert crawler.stats is not None
    pipeline = ParsePoolPipeline(crawler.stats, 1, None, STAGE_NAMES)
    page = TEMPLATE.read_bytes()

    async def both() -> list[Any]:
        pipeline.open_spider()
        bad = _ItemThatCannotBeRead(url="http://127.0.0.1/bad.html", body=page, errors=[])
        good = {"url": "http://127.0.0.1/good.html", "body": page, "content_type": "text/html", "errors": []}
        return await asyncio.wait_for(
            asyncio.gather(pipeline.process_item(bad), pipeline.process_item(good), return_exceptions=True), 120
        )

    try:
        failed, stored = asyncio.run(both())
    finally:
        pipeline.close_spider()
    assert isinstance(failed, ValueError)
    assert stored["title"] and stored["report_id"]
