"""Crawl throughput over many hosts: does the item pipeline bound the crawl? (issue 17)

    .venv/bin/python bench/bench_crawl_hosts.py [--hosts 200] [--reports 25] [--rounds 5] [--quick]

Serves ``--hosts`` portals on as many loopback addresses (127.0.0.2, 127.0.0.3,
...: Scrapy's politeness is per host name, so distinct ports on 127.0.0.1
would share one download slot), each a plain-HTML column of ``--reports``
report pages (20 links per listing page, 下一页 paging, robots.txt).  The
report pages are the fixture report pages that print an ASCII 索引号 (16 of
them), each copy with its own 索引号, so every page is a distinct report.
Then crawls them through the real engine with the project's default
politeness (robots.txt, 2 per host, DOWNLOAD_DELAY, AutoThrottle), each
crawl a ``scrapy crawl`` subprocess on a fresh database, interleaved:

* ``a``: no item pipelines (fetch and spider only: the ceiling);
* ``b``: every stage in the crawl process (``PARSE_WORKERS=0``);
* ``c``: every stage in the worker pool (``PARSE_WORKERS`` default: one per core).

It prints the median reports/s of each and the ratios b/a and c/a (issue
17's target: c/a >= 0.6), then re-crawls the unchanged portals on c's
database, once with the default ``CONCURRENT_REQUESTS`` and once with 16,
and counts the requests (target: one listing page per column plus
robots.txt per host).  It prints the size of c's database per report (the
issue's "bytes per report" on the crawl it measured; ``--keep FILE`` copies
it for ``bench_dbsize.py --db FILE``).  ``--quick`` is 20 hosts and 2 rounds.

The server is our own ~60 lines of asyncio (``--serve``), not the fixture
server: that one binds 127.0.0.1 only, with a thread per connection, and
would cost the 2-core machine more CPU than the crawl it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PER_PAGE = 20
INDEX = b"@@INDEX@@"
MODES = {
    "a": {"ITEM_PIPELINES": "{}"},
    "b": {"PARSE_WORKERS": "0"},
    "c": {},
}
STAT = re.compile(r"'([\w/.-]+)': ([\d.]+)[,}]")


def host(n: int) -> str:
    return f"127.0.0.{n + 2}"


# ---------------------------------------------------------------- the portals


def build_templates(dest: Path) -> int:
    """The fixture report pages with their 索引号 replaced by a placeholder; returns how many."""
    from fixture_pages import report_pages

    from crawler.attachments import is_attachment
    from crawler.core import parse_report

    templates = []
    for page in report_pages():
        if is_attachment(page.content_type, page.body, page.path):
            continue
        index_no = parse_report(page.body, page.content_type, "http://127.0.0.1" + page.path).index_no
        if not index_no or not index_no.isascii() or index_no.encode() not in page.body:
            continue
        templates.append(
            {
                "body": page.body.replace(index_no.encode(), INDEX).decode("latin-1"),
                "content_type": page.content_type or "text/html",
                "coded": bool(re.match(r"^[0-9A-Z]{6,}[/\-]", index_no)),
            }
        )
    dest.write_text(json.dumps(templates), "utf-8")
    return len(templates)


def listing(n: int, page: int, reports: int) -> bytes:
    pages = (reports + PER_PAGE - 1) // PER_PAGE
    items = "".join(
        f'<li><a href="r{k}.html">第{n}号镇{2000 + k % 25}年政府信息公开工作年度报告（{k}）</a><span>2025-01-21</span></li>'
        for k in range((page - 1) * PER_PAGE, min(reports, page * PER_PAGE))
    )
    nxt = f'<a href="list_{page + 1}.html">下一页</a>' if page < pages else ""
    return f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>{nxt}</body></html>'.encode()


def answer(templates: list[dict[str, Any]], n: int, path: str, reports: int) -> tuple[int, str, bytes]:
    """(status, content type, body) of ``path`` on host number ``n``."""
    if path == "/robots.txt":
        return 200, "text/plain", b"User-agent: *\nAllow: /\n"
    if path == "/nb/index.html":
        return 200, "text/html; charset=utf-8", listing(n, 1, reports)
    if m := re.fullmatch(r"/nb/list_(\d+)\.html", path):
        return 200, "text/html; charset=utf-8", listing(n, int(m.group(1)), reports)
    if (m := re.fullmatch(r"/nb/r(\d+)\.html", path)) and int(m.group(1)) < reports:
        k = int(m.group(1))
        serial = n * reports + k
        template = templates[serial % len(templates)]
        index = f"{n:04d}{k:05d}/2025-{serial:05d}" if template["coded"] else f"{serial:06d}"
        return 200, template["content_type"], template["body"].encode("latin-1").replace(INDEX, index.encode())
    return 404, "text/html", b"<html><body>404</body></html>"


async def serve(templates_path: Path, hosts: int, reports: int) -> None:
    """HTTP/1.1 with keep-alive on 127.0.0.2.. for ``hosts`` hosts, one port; prints the port."""
    templates = json.loads(templates_path.read_text("utf-8"))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        n = int(writer.get_extra_info("sockname")[0].rsplit(".", 1)[1]) - 2
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                status, ctype, body = answer(templates, n, path.split("?", 1)[0], reports)
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nServer: nginx\r\n\r\n".encode("latin-1")
                    + (body if method != "HEAD" else b"")
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    first = await asyncio.start_server(handle, host(0), 0)
    port = first.sockets[0].getsockname()[1]
    servers = [first] + [await asyncio.start_server(handle, host(n), port) for n in range(1, hosts)]
    print(port, flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def registry(path: Path, hosts: int, port: int) -> Path:
    lines = ["portals:"]
    for n in range(hosts):
        lines.append(
            f"  - {{id: bench-{n}, name: 基准门户{n}, province: jiangsu, cms: static,"
            f' start_urls: ["http://{host(n)}:{port}/nb/index.html"]}}'
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


# ---------------------------------------------------------------- the crawls


def crawl(portals: Path, db: Path, log: Path, settings: dict[str, str]) -> dict[str, float]:
    cmd = [str(Path(sys.executable).parent / "scrapy"), "crawl", "province_reports", "-a", f"portals={portals}"]
    for key, value in {"REPORTS_DB": str(db), "LOG_FILE": str(log), "PROGRESS_INTERVAL": "0", **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    start = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    dump = log.read_text("utf-8").rsplit("Dumping Scrapy stats", 1)[-1]
    stats = {key: float(value) for key, value in STAT.findall(dump)}
    stats["wall"] = wall
    return stats


def stats_reports(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers and crawls started here are stopped too
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--reports", type=int, default=25, help="reports per host")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default="abc")
    parser.add_argument("--quick", action="store_true", help="20 hosts, 2 rounds")
    parser.add_argument("--keep", type=Path, help="copy the last c crawl's database here (for bench_dbsize.py --db)")
    parser.add_argument("--serve", nargs=3, metavar=("TEMPLATES", "HOSTS", "REPORTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2])))
        return
    if args.quick:
        args.hosts, args.rounds = 20, 2
    with tempfile.TemporaryDirectory(prefix="bench-hosts-") as tmp_name:
        tmp = Path(tmp_name)
        count = build_templates(tmp / "templates.json")
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(tmp / "templates.json"), str(args.hosts), str(args.reports)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            portals = registry(tmp / "portals.yaml", args.hosts, port)
            total = args.hosts * args.reports
            print(
                f"{args.hosts} hosts x {args.reports} reports = {total} reports ({count} fixture page templates); "
                f"{args.rounds} interleaved rounds of {args.modes}; {os.cpu_count()} cores; load {load()}"
            )
            rates: dict[str, list[float]] = {m: [] for m in args.modes}
            last_db = tmp / "none.db"
            for r in range(args.rounds):
                order = args.modes[r % len(args.modes) :] + args.modes[: r % len(args.modes)]
                for mode in order:
                    db = tmp / f"{mode}{r}.db"
                    stats = crawl(portals, db, tmp / f"{mode}{r}.log", MODES[mode])
                    items = stats.get("item_scraped_count", 0)
                    rate = items / stats["elapsed_time_seconds"]
                    rates[mode].append(rate)
                    print(
                        f"round {r + 1} {mode}: {items:.0f} reports in {stats['elapsed_time_seconds']:.1f} s = "
                        f"{rate:.1f} reports/s; {stats.get('downloader/request_count', 0):.0f} requests; "
                        f"load {load()}",
                        flush=True,
                    )
                    if items < total:
                        print(f"  short of {total}: see {tmp / f'{mode}{r}.log'}")
                    if mode == "c":
                        last_db = db
                    else:
                        db.unlink(missing_ok=True)
            median = {m: statistics.median(v) for m, v in rates.items()}
            print("median reports/s: " + ", ".join(f"{m} {v:.1f}" for m, v in median.items()))
            if "a" in median:
                for m in median:
                    if m != "a":
                        print(
                            f"{m}/a = {median[m] / median['a']:.2f}  (per round: "
                            + ", ".join(f"{x / y:.2f}" for x, y in zip(rates[m], rates["a"], strict=True))
                            + ")"
                        )
            if last_db.exists():
                size = sum(p.stat().st_size for p in last_db.parent.glob(last_db.name + "*"))  # with its WAL
                stored = stats_reports(last_db)
                print(
                    f"c's database after its crawl: {size / 1e6:.2f} MB for {stored} reports = "
                    f"{size / max(stored, 1) / 1000:.1f} KB per report (file and WAL; 1 KB = 1,000 B)"
                )
                if args.keep:
                    shutil.copy(last_db, args.keep)  # the crawl closed its connection: the WAL is checkpointed
                for label, extra in (
                    ("default CONCURRENT_REQUESTS", {}),
                    ("CONCURRENT_REQUESTS=16", {"CONCURRENT_REQUESTS": "16"}),
                ):
                    stats = crawl(portals, last_db, tmp / f"recrawl-{len(extra)}.log", extra)
                    print(
                        f"unchanged re-crawl ({label}): {stats.get('downloader/request_count', 0):.0f} requests "
                        f"(expected {2 * args.hosts}: robots.txt + one listing page per column), "
                        f"{stats.get('item_scraped_count', 0):.0f} reports, {stats['elapsed_time_seconds']:.1f} s; "
                        f"load {load()}"
                    )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
