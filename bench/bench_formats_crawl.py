"""Formats at crawl level: flipbooks and table images through the real engine, cells against typed values, CPU.

    .venv/bin/python bench/bench_formats_crawl.py

Serves the fixture sites on 127.0.0.1 and runs ``scrapy crawl`` on the two
portals of fixtures/portals-formats.yaml that need the spider's help
(fx-formats-flipbook: three books, one with a page missing; fx-formats-inline:
HTML reports whose tables are PNGs).  CPU is the crawl process and its
children (tesseract), from ``getrusage(RUSAGE_CHILDREN)``; a crawl of the same
portal with every report outside ``-a years`` (start-up, listing, no report)
is measured in the same run and subtracted, so "CPU s/page" is what one book
page or one table image costs.  Accuracy: stored cells equal to the numbers
typed into fixtures/sites/formats_src (expected.json), over all typed cells.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from fixture_server import FixtureServer, render_registry  # noqa: E402

logger = logging.getLogger(__name__)

FIXTURES = ROOT / "fixtures"
SCRAPY = str(Path(sys.executable).parent / "scrapy")
FAST = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(registry: Path, db: Path, *args: str, **settings: str) -> tuple[float, float, dict[str, int]]:
    """(CPU s, wall s, integer stats) of one ``scrapy crawl`` into `db`."""
    log = db.with_suffix(".log")
    cmd = [SCRAPY, "crawl", "province_reports", "-a", f"portals={registry}", "-s", f"REPORTS_DB={db}"]
    cmd += ["-s", f"LOG_FILE={log}", *args]
    for key, value in {**FAST, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    cpu, wall = children_cpu(), time.monotonic()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=900)
    cpu, wall = children_cpu() - cpu, time.monotonic() - wall
    dump = log.read_text("utf-8", "replace").rsplit("Dumping Scrapy stats", 1)[-1]
    stats = {k: int(v) for k, v in re.findall(r"'([a-z_]+/[\w/.-]+)': (\d+)", dump)}
    return cpu, wall, stats


def registry_for(sites: dict[str, str], portal_id: str, dest: Path) -> Path:
    path = render_registry(FIXTURES / "portals-formats.yaml", sites, dest)
    data = yaml.safe_load(path.read_text("utf-8"))
    data["portals"] = [p for p in data["portals"] if p["id"] == portal_id]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def typed(tables: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    return {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}


def score(db: Path, url: str, want: dict[tuple[str, str, str], Any]) -> tuple[int, int, int]:
    """(right, typed, stored) cells of the report stored at `url`."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT report_id FROM report_urls WHERE url = ?", [url]).fetchone()
        if row is None:
            return 0, len(want), 0
        got = {
            (t, r, c): v
            for t, r, c, v in conn.execute(
                "SELECT table_code, row_code, col_code, value FROM table_cells WHERE report_id = ?", [row[0]]
            )
        }
    return sum(1 for k, v in want.items() if got.get(k) == v), len(want), len(got)


def main() -> None:
    qingxi = json.loads((FIXTURES / "sites/formats_qingxi/expected.json").read_text("utf-8"))
    books = json.loads((FIXTURES / "sites/formats_flipbook/expected.json").read_text("utf-8"))
    inline = json.loads((FIXTURES / "sites/formats_inline/expected.json").read_text("utf-8"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        with FixtureServer(FIXTURES, workdir=tmp) as server:
            fb = registry_for(server.sites, "fx-formats-flipbook", tmp / "fb.yaml")
            il = registry_for(server.sites, "fx-formats-inline", tmp / "il.yaml")
            base_fb, _, _ = crawl(fb, tmp / "fb0.db", "-a", "years=2008")
            cpu, wall, stats = crawl(fb, tmp / "fb.db")
            site = server.sites["formats_flipbook"]
            cases = [
                ("flipbook, 4 pages (2023)", qingxi["flipbook"]["path"], qingxi["flipbook"]["tables"]),
                ("flipbook behind its viewer (2022)", books["book2022"]["path"], books["book2022"]["tables"]),
                ("flipbook, page 3 missing (2021)", books["book2021"]["path"], books["book2021"]["tables"]),
            ]
            pages = stats.get("flipbook/pages_count", 0)
            for name, path, tables in cases:
                right, total, stored = score(tmp / "fb.db", site + path, typed(tables))
                rows.append((name, right, total, stored))
            per_page = (cpu - base_fb) / max(pages, 1)
            fb_line = (pages, cpu, base_fb, per_page, wall)

            base_il, _, _ = crawl(il, tmp / "il0.db", "-a", "years=2008")
            no_ocr, _, _ = crawl(il, tmp / "il1.db", TABLE_IMAGES_MAX_PER_REPORT="0")
            settings = {"TABLE_IMAGE_MAX_BYTES": "400000", "TABLE_IMAGES_MAX_PER_REPORT": "3"}
            cpu, wall, stats = crawl(il, tmp / "il.db", **settings)
            site = server.sites["formats_inline"]
            part = inline["images"]
            right, total, stored = score(tmp / "il.db", site + part["path"], typed(part["tables"]))
            rows.append(("HTML report, 3 tables as PNG", right, total, stored))
            part = inline["corrupt"]
            right, total, stored = score(tmp / "il.db", site + part["path"], typed(part["tables"]))
            rows.append(("HTML report, 1 truncated PNG + 2 HTML tables", right, total, stored))
            images = stats.get("images/spliced_count", 0)
            il_line = (
                stats.get("images/fetched_count", 0),
                images,
                cpu,
                base_il,
                no_ocr,
                (cpu - no_ocr) / max(images, 1),
                wall,
            )

    print("| report | cells right | typed | stored | accuracy |")
    print("|---|---|---|---|---|")
    for name, right, total, stored in rows:
        print(f"| {name} | {right} | {total} | {stored} | {right / total:.3f} |")
    pages, cpu, base, per_page, wall = fb_line
    print(
        f"\nflipbook crawl: {pages} pages fetched, CPU {cpu:.2f} s (baseline crawl, no report: {base:.2f} s),"
        f" {per_page:.3f} s/page, wall {wall:.1f} s"
    )
    fetched, spliced, cpu, base, no_ocr, per_image, wall = il_line
    print(
        f"table-image crawl: {fetched} images fetched, {spliced} read into tables, CPU {cpu:.2f} s"
        f" (baseline no report {base:.2f} s; same crawl without images {no_ocr:.2f} s),"
        f" {per_image:.2f} s per table image, wall {wall:.1f} s"
    )


if __name__ == "__main__":
    main()
