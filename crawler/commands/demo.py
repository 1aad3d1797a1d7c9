"""`scrapy demo`: crawl the bundled fixture portals into SQLite and summarise.

Starts the fixture server on 127.0.0.1, renders the fixture registry with its
URLs, runs `province_reports` against it (no traffic leaves loopback), then
prints what was stored.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from scrapy.commands import ScrapyCommand
from scrapy.utils.conf import closest_scrapy_cfg

from crawler.storage import open_db


class NotACheckout(Exception):
    """`scrapy demo` was run where there is no checkout of the project."""


def project_root() -> Path:
    cfg = closest_scrapy_cfg()
    if not cfg:
        raise NotACheckout("needs a checkout of the project (no scrapy.cfg here or above)")
    return Path(cfg).parent


def fixture_tools(root: Path) -> ModuleType:
    """The checkout's ``fixture_server`` package, loaded from beside scrapy.cfg.

    It is a test tool, not part of the installed package (nor of the scrapyd
    egg), so it is loaded by its path in the checkout, not from ``sys.path``.
    """
    init = root / "fixture_server" / "__init__.py"
    if not init.is_file() or not (root / "fixtures" / "portals.yaml").is_file():
        raise NotACheckout(
            f"needs a checkout of the project: no fixture_server/ and fixtures/ beside {root}/scrapy.cfg"
        )
    loaded = sys.modules.get("fixture_server")
    if loaded is not None and Path(loaded.__file__ or "").resolve() == init.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location("fixture_server", init, submodule_search_locations=[str(init.parent)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fixture_server"] = module
    spec.loader.exec_module(module)
    return module


SUMMARY_BY_PORTAL = """
SELECT u.portal_id, COUNT(*) AS urls, SUM(u.kept) AS kept,
       SUM(1 - u.kept) AS elsewhere
FROM report_urls u GROUP BY u.portal_id ORDER BY u.portal_id"""


def summary(db_path: str | Path) -> str:
    """A short human summary of what a database holds."""
    db = open_db(db_path)
    lines = [
        f"Database: {db_path}",
        "",
        f"{'portal':28} {'report URLs':>11} {'stored here':>11} {'duplicate/redirect':>18}",
    ]
    for pid, urls, kept, elsewhere in db.execute(SUMMARY_BY_PORTAL):
        lines.append(f"{pid:28} {urls:>11} {kept:>11} {elsewhere:>18}")
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    (reports,) = one("SELECT COUNT(*) FROM reports")
    formats = ", ".join(
        f"{f or 'unknown'} {n}"
        for f, n in db.execute("SELECT format, COUNT(*) FROM reports GROUP BY format ORDER BY format")
    )
    (cells,) = one("SELECT COUNT(*) FROM table_cells")
    checks = ", ".join(
        f"{s} {n}" for s, n in db.execute("SELECT status, COUNT(*) FROM checks GROUP BY status ORDER BY status")
    )
    (fetches, failed) = one("SELECT COUNT(*), SUM(error IS NOT NULL) FROM pages")
    (errors,) = one("SELECT COUNT(*) FROM reports WHERE errors IS NOT NULL")
    lines += [
        "",
        f"reports: {reports} ({formats})   table cells: {cells}   checks: {checks or 'none'}",
        f"fetches logged in pages: {fetches} ({failed or 0} failed)   reports with recorded parsing problems: {errors}",
        "Browse: datasette " + str(db_path) + " -m crawler/datasette/metadata.yaml",
    ]
    db.close()
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--db PATH] [--fixtures DIR]"

    def short_desc(self) -> str:
        return "Crawl the bundled fixture portals (on 127.0.0.1) into SQLite and print a summary"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not opts.loglevel:  # a demo prints its summary, not the crawl log
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", default=None, help="SQLite file (default: REPORTS_DB, data/reports.db)")
        parser.add_argument("--fixtures", default=None, help="fixtures directory (default: <project>/fixtures)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            root = project_root()
            tools = fixture_tools(root)
        except NotACheckout as exc:
            print(f"scrapy demo: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        assert self.settings is not None
        fixtures = Path(opts.fixtures) if opts.fixtures else root / "fixtures"
        db_path = opts.db or self.settings.get("REPORTS_DB")
        if not Path(db_path).is_absolute():
            db_path = str(root / db_path)
        self.settings.set("REPORTS_DB", db_path, priority="cmdline")
        # Fixture portals are ours and local: no need to be slow with them.
        self.settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        self.settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        with tools.FixtureServer(fixtures, workdir=Path(db_path).parent) as server:
            registry = tools.render_registry(
                fixtures / "portals.yaml", server.sites, Path(db_path).parent / "fixture-portals.yaml"
            )
            print(f"Fixture portals: {', '.join(f'{k}={v}' for k, v in server.sites.items())}")
            assert self.crawler_process is not None
            self.crawler_process.crawl("province_reports", portals=str(registry))
            self.crawler_process.start()
        print(summary(db_path))
