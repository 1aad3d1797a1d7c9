"""The end-of-crawl report: one row per portal, in the log, the ``runs`` table and Markdown.

Per portal: listing pages parsed, new report links, links already stored,
failed listing and report fetches, incomplete listings, and — read back from
the store for the reports this run fetched — reports stored, those with
parse problems and those failing a check.  A portal *failed entirely* when
none of its listing pages could be fetched; a crawl with such a portal, or
with a listing left incomplete, is not a success (:attr:`RunReport.ok`), and
``scrapy crawl`` then exits with :data:`INCOMPLETE_EXIT`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

INCOMPLETE_EXIT = 3  # the crawl ran, but a portal failed entirely or a listing stayed incomplete
EVENTS = ("listing_pages", "new_links", "known", "listing_failed", "report_failed")


@dataclass
class PortalRow:
    portal_id: str
    listing_pages: int = 0
    new_links: int = 0
    known: int = 0
    listing_failed: int = 0
    report_failed: int = 0
    stored: int = 0
    parse_problems: int = 0
    failing_checks: int = 0
    incomplete: list[str] = field(default_factory=list)

    @property
    def failed_entirely(self) -> bool:
        return self.listing_pages == 0 and self.listing_failed > 0


@dataclass
class RunReport:
    run_id: str
    started_at: str
    finished_at: str
    finish_reason: str
    portals: list[PortalRow]

    @property
    def failed_portals(self) -> list[str]:
        return [p.portal_id for p in self.portals if p.failed_entirely]

    @property
    def incomplete(self) -> list[str]:
        return [f"{p.portal_id}: {reason}" for p in self.portals for reason in p.incomplete]

    @property
    def ok(self) -> bool:
        return not self.failed_portals and not self.incomplete

    def markdown(self) -> str:
        """The report as a Markdown table with a verdict line."""
        head = (
            "| portal | listing pages | new | known | stored | failed listings | failed reports "
            "| incomplete listings | parse problems | failing checks |"
        )
        lines = [
            f"# Crawl {self.run_id}",
            "",
            f"{self.started_at} → {self.finished_at}, finish reason `{self.finish_reason}`",
            "",
            head,
            "|" + "---|" * 10,
        ]
        for p in self.portals:
            flag = " **(failed entirely)**" if p.failed_entirely else ""
            lines.append(
                f"| {p.portal_id}{flag} | {p.listing_pages} | {p.new_links} | {p.known} | {p.stored} "
                f"| {p.listing_failed} | {p.report_failed} | {len(p.incomplete)} | {p.parse_problems} "
                f"| {p.failing_checks} |"
            )
        lines.append("")
        if self.ok:
            lines.append("Every portal was reached and every listing walked to its end.")
        for pid in self.failed_portals:
            lines.append(f"- portal {pid} failed entirely: none of its listing pages could be fetched")
        for text in self.incomplete:
            lines.append(f"- incomplete listing, {text}")
        return "\n".join(lines) + "\n"

    def summary(self) -> dict[str, Any]:
        """What the ``runs`` table keeps of the report (JSON)."""
        return {
            "portals": [asdict(p) for p in self.portals],
            "failed_portals": self.failed_portals,
            "incomplete": self.incomplete,
        }


def build_report(
    *,
    run_id: str,
    started_at: str,
    finished_at: str,
    finish_reason: str,
    stats: Mapping[str, Any],
    portal_ids: Iterable[str],
    incomplete: Iterable[tuple[str, str, str]],
    db: sqlite_utils.Database | None,
) -> RunReport:
    """The run's report from the crawl's stats, its incomplete listings and the store."""
    rows = {pid: PortalRow(pid) for pid in portal_ids}
    for pid, row in rows.items():
        for event in EVENTS:
            setattr(row, event, int(stats.get(f"portal/{pid}/{event}", 0) or 0))
    for url, pid, reason in incomplete:
        if pid in rows:
            rows[pid].incomplete.append(f"{url}: {reason}")
    if db is not None:
        for pid, stored, problems in db.execute(
            "SELECT portal_id, COUNT(*), SUM(errors IS NOT NULL) FROM reports WHERE fetched_at >= ? GROUP BY portal_id",
            [started_at],
        ):
            if pid in rows:
                rows[pid].stored, rows[pid].parse_problems = stored, problems or 0
        for pid, failing in db.execute(
            "SELECT r.portal_id, COUNT(DISTINCT r.report_id) FROM reports r JOIN checks c ON c.report_id = r.report_id"
            " WHERE r.fetched_at >= ? AND c.status = 'fail' GROUP BY r.portal_id",
            [started_at],
        ):
            if pid in rows:
                rows[pid].failing_checks = failing
    return RunReport(run_id, started_at, finished_at, finish_reason, list(rows.values()))


def store_run(db: sqlite_utils.Database, report: RunReport, spider: str, exit_status: int) -> None:
    """One ``runs`` row per crawl."""
    with db.conn:
        db.conn.execute(
            "INSERT OR REPLACE INTO runs (run_id, spider, started_at, finished_at, finish_reason, exit_status, summary)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                report.run_id,
                spider,
                report.started_at,
                report.finished_at,
                report.finish_reason,
                exit_status,
                json.dumps(report.summary(), ensure_ascii=False),
            ],
        )
