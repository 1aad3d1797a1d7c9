"""Bytes per report of the report database, by table and index (issue 17).

    .venv/bin/python bench/bench_dbsize.py [--bodies 200] [--years 5] [--resplit] [--demo] [--db PATH]
                                           [--keep PATH] [--commit-every N ...]

Builds, in a temporary directory, the fixture mix: every fixture report page
parsed once by the core (as bench_pipeline does) and stored, then
``bodies × years`` reports varied from the parsed fixture reports (as
bench_findings does: each body its own name and a shuffled two-thirds of a
report's lines), findings recomputed, the search index brought up to date.
``--demo`` measures a real ``scrapy demo`` crawl of the fixture portals
instead; ``--db`` measures an existing database (read only).

Sizes come from SQLite's ``dbstat`` virtual table (pages, b-tree by b-tree)
of a page-for-page copy: "B/report" as the crawl wrote the file, "vacuumed"
after a VACUUM of the copy (pages packed full); each index and each FTS5
shadow table is listed under the table it belongs to.
The store's cost is printed too: CPU per report and the bytes its commits
wrote to the WAL per report.  ``--commit-every`` also times storing the same
reports with that many reports per transaction (1 = the store's one
transaction per report), interleaved rounds, medians.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_pages import ROOT, report_pages

from crawler.core import parse_report
from crawler.findings.store import recompute_findings
from crawler.parsing.sections import split_sections
from crawler.search import index_pending
from crawler.storage import open_db, save_report, stored_record

NOW = "2026-01-01T00:00:00"


def fixture_records() -> list[dict[str, Any]]:
    """Every fixture report page, parsed once, as the store receives it."""
    out = []
    for page in report_pages():
        url = f"http://127.0.0.1/{page.site}{page.path}"
        report = parse_report(page.body, page.content_type, url)
        fetch = {"portal_id": page.site, "province": "fixture", "fetched_at": NOW}
        out.append({**fetch, **stored_record(dict(report.filled()))})
    return out


def varied_records(
    base: list[dict[str, Any]], bodies: int, years: int, resplit: bool = False
) -> Iterator[dict[str, Any]]:
    """bench_findings' generator: per body and year, a fixture report with its own name and shuffled lines.

    Its sections stay those of the fixture report, though its text no longer
    prints them (its lines are shuffled); ``resplit`` splits each record's
    own text into sections instead, as the pipeline's sections stage does.
    """
    rng = random.Random(7)
    rich = [r for r in base if r.get("cells") and r.get("text")]
    for b in range(bodies):
        name = f"测试{b:04d}县"
        for y in range(years):
            year = 2019 + y
            record = dict(rng.choice(rich))
            lines = str(record["text"]).splitlines()
            rng.shuffle(lines)
            record.update(
                report_id=f"r{b:04d}-{year}",
                url=f"http://127.0.0.1/b{b}/{year}.html",
                report_year=year,
                title=f"{name}{year}年政府信息公开工作年度报告",
                publisher=f"{name}人民政府",
                publish_date=f"{year + 1}-0{rng.randint(1, 5)}-15",
                province="bench",
                level="county",
                portal_id="bench",
                text="\n".join(lines[: max(5, len(lines) * 2 // 3)]),
            )
            if resplit:
                record["sections"] = [
                    {"seq": seq, **part} for seq, part in enumerate(split_sections(record["text"]), start=1)
                ]
            yield record


def mix(bodies: int, years: int, resplit: bool = False) -> list[dict[str, Any]]:
    base = fixture_records()
    return [*base, *varied_records(base, bodies, years, resplit)]


def build(path: Path, records: list[dict[str, Any]], commit_every: int = 1) -> tuple[float, float, int]:
    """Store `records` (`commit_every` reports per transaction), findings and search index.

    Returns CPU s and wall s of the store, and the bytes it wrote to the WAL
    (no checkpoint meanwhile: every page each commit wrote, as the disk sees it).
    """
    db = open_db(path)
    db.execute("PRAGMA wal_autocheckpoint=0")
    cpu, wall = time.process_time(), time.perf_counter()
    if commit_every <= 1:
        for record in records:
            save_report(db, record, NOW)
    else:
        for start in range(0, len(records), commit_every):
            with db.atomic():  # save_report's own atomic() nests as a savepoint
                for record in records[start : start + commit_every]:
                    save_report(db, record, NOW)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    written = Path(f"{path}-wal").stat().st_size
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA wal_autocheckpoint=1000")
    recompute_findings(db)
    index_pending(db)
    db.close()
    return cpu, wall, written


def demo_db(path: Path) -> None:
    """A real crawl of the fixture portals (``scrapy demo``)."""
    scrapy = str(Path(sys.executable).parent / "scrapy")
    subprocess.run([scrapy, "demo", "--db", str(path)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _btrees(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """{(table, b-tree): bytes} from dbstat; indexes and FTS5 shadow tables under the table they serve."""
    owner = {name: table for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master")}
    fts = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    out = {}
    for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        for virtual in fts:  # FTS5 shadow tables: <fts>_data, _idx, _docsize, _config, _content
            if name.startswith(virtual + "_"):
                table = virtual
        out[(table, name)] = int(size)
    return out


def sizes(path: Path) -> tuple[int, int, int, dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(reports, file bytes, file bytes after VACUUM, b-trees as written, b-trees after VACUUM) of `path`."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        src.backup(dst)  # page for page, with what is still in the WAL
        src.close()
        dst.execute("PRAGMA journal_mode=DELETE")
        (reports,) = dst.execute("SELECT COUNT(*) FROM reports").fetchone()
        live, live_size = _btrees(dst), copy.stat().st_size
        dst.execute("VACUUM")
        packed, packed_size = _btrees(dst), copy.stat().st_size
        dst.close()
        return reports, live_size, packed_size, live, packed


def report(path: Path) -> float:
    """Print bytes per report by table and b-tree; return KB per report of the file as written."""
    reports, live_size, packed_size, live, packed = sizes(path)
    per = max(reports, 1)
    print(
        f"reports: {reports}; file {live_size / 1e6:.2f} MB = {live_size / per / 1024:.1f} KB per report "
        f"(after VACUUM {packed_size / 1e6:.2f} MB = {packed_size / per / 1024:.1f} KB per report)"
    )
    tables: dict[str, list[tuple[str, str]]] = {}
    for key in sorted(live, key=lambda k: -live[k]):
        tables.setdefault(key[0], []).append(key)
    total = lambda keys, sizes: sum(sizes.get(k, 0) for k in keys)  # noqa: E731
    print(f"{'table':22} {'b-tree (table, index, FTS shadow)':44} {'B/report':>9} {'vacuumed':>9} {'share':>6}")
    for table, keys in sorted(tables.items(), key=lambda kv: -total(kv[1], live)):
        print(
            f"{table:22} {'(all)':44} {total(keys, live) / per:9.0f} {total(keys, packed) / per:9.0f}"
            f" {total(keys, live) / live_size:6.1%}"
        )
        if len(keys) > 1:
            for key in keys:
                print(f"{'':22} {key[1]:44} {live[key] / per:9.0f} {packed.get(key, 0) / per:9.0f}")
    return live_size / per / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=200)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--demo", action="store_true", help="measure a scrapy demo crawl of the fixture portals")
    parser.add_argument("--resplit", action="store_true", help="varied reports' sections split from their own text")
    parser.add_argument("--db", type=Path, help="measure this existing database instead")
    parser.add_argument("--keep", type=Path, help="also copy the built database here")
    parser.add_argument("--commit-every", type=int, nargs="*", default=[], help="time N reports per transaction")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --commit-every (medians)")
    args = parser.parse_args()
    if args.db:
        report(args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        if args.demo:
            demo_db(path)
            print("fixture mix: scrapy demo (the fixture portals, crawled)")
        else:
            records = mix(args.bodies, args.years, args.resplit)
            cpu, wall, written = build(path, records)
            split = ", sections split from each text" if args.resplit else ""
            print(
                f"fixture mix: {len(records)} reports (fixture pages + {args.bodies} bodies × {args.years} years{split})"
            )
            print(
                f"store, one transaction per report: {cpu / len(records) * 1e3:.2f} ms CPU per report, "
                f"{written / len(records) / 1024:.0f} KiB written to the WAL per report"
            )
        report(path)
        if args.keep:  # through SQLite, so what is still in the WAL is copied too
            with sqlite3.connect(path) as src, sqlite3.connect(args.keep) as dst:
                src.backup(dst)
        if args.commit_every and not args.demo:
            timings = []
            for _ in range(args.rounds):  # interleaved rounds, each a fresh file
                for n in [1, *args.commit_every]:
                    fresh = Path(tmp) / f"commit{n}.db"
                    cpu, wall, written = build(fresh, records, n)
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{fresh}{suffix}").unlink(missing_ok=True)
                    timings.append((n, cpu, wall, written))
            base_cpu = statistics.median(t[1] for t in timings if t[0] == 1)
            base_wall = statistics.median(t[2] for t in timings if t[0] == 1)
            for n in [1, *args.commit_every]:
                cpu = statistics.median(t[1] for t in timings if t[0] == n)
                wall = statistics.median(t[2] for t in timings if t[0] == n)
                written = statistics.median(t[3] for t in timings if t[0] == n)
                print(
                    f"{n:5d} report(s) per transaction: {cpu / len(records) * 1e3:.2f} ms CPU, "
                    f"{wall / len(records) * 1e3:.2f} ms wall, {written / len(records) / 1024:.0f} KiB WAL per report"
                    f" ({cpu / base_cpu:.2f}× CPU, {wall / base_wall:.2f}× wall of one per transaction)"
                )


if __name__ == "__main__":
    main()
