"""Compute and store the findings for the reports a crawl changed, and only their bodies.

The store's triggers put every inserted or changed report into
``findings_queue``.  :func:`recompute_findings` takes that queue, gives each
queued report its body (``reports.body_id``), and for every body touched
recomputes, in one transaction per body: its ``bodies`` row, the findings
checks (outline, text_vs_table, cross-year, foreign_name) and measures (rates,
days late, text reuse) of all its reports, and its ``missing_reports``.
Text reuse across bodies reads a MinHash signature per report from
``report_signatures`` and an LSH index per year, so no pairwise scan.  A
crash before the queue is emptied leaves it for the next run.

Reuse is measured from the changed report's side: when body B copies A's
report, B's measure names A at once; A's own figure changes only when A's
reports change (its body is not recomputed for B's sake).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlite_utils

from crawler.findings.cross_year import YearReport, cross_year_checks
from crawler.findings.outline import outline_checks
from crawler.findings.rates import Measure, outcome_rates
from crawler.findings.reuse import foreign_names, lsh_index, minhash_from_bytes, reuse, sentence_keys, signature_bytes
from crawler.findings.text_tables import text_vs_table
from crawler.findings.timeliness import days_late, deadline
from crawler.parsing.bodies import Body, body_of

logger = logging.getLogger(__name__)

FINDING_CHECKS = ("outline", "text_vs_table", "cross_year_carryover", "cross_year_in_force", "foreign_name")
MAX_PASSAGES = 5


@dataclass
class Recomputed:
    """What one recomputation touched (the test of 'only what changed' counts these)."""

    queued: int = 0
    bodies: set[str] = field(default_factory=set)
    reports: int = 0


@dataclass
class _Row:
    report_id: str
    report_year: int | None
    format: str | None
    url: str
    text: str
    publish_date: str | None
    level: str | None
    title: str | None
    publisher: str | None
    completeness: int
    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def recompute_findings(
    db: sqlite_utils.Database, *, column_names: Mapping[str, str] | None = None, today: date | None = None
) -> Recomputed:
    """Findings for every queued report's body; returns what was touched.

    ``column_names`` maps portal_id → the registry column's name (a last
    resort for a report that prints its body nowhere).
    """
    done = Recomputed()
    rows = db.execute("SELECT report_id, body_id FROM findings_queue").fetchall()
    queued = [r for r, _ in rows]
    done.queued = len(queued)
    if not queued:
        return done
    today = today or datetime.now(UTC).date()
    dirty, years = _assign_bodies(db, queued, column_names or {})
    dirty |= {body for _, body in rows if body}  # bodies of reports since dropped (superseded)
    for body_id in sorted(dirty):
        with db.conn:
            done.reports += _recompute_body(db, body_id)
        done.bodies.add(body_id)
    with db.conn:
        _reuse_across_bodies(db, queued, years)
        _missing_reports(db, dirty, today)
        db.conn.executemany("DELETE FROM findings_queue WHERE report_id = ?", [(r,) for r in queued])
    logger.info("Findings recomputed for %d bodies (%d reports queued)", len(done.bodies), len(queued))
    return done


def _assign_bodies(
    db: sqlite_utils.Database, queued: list[str], column_names: Mapping[str, str]
) -> tuple[set[str], set[int]]:
    """Give each queued report its body; the bodies touched (old and new) and the years."""
    dirty: set[str] = set()
    years: set[int] = set()
    marks = ",".join("?" * len(queued))
    rows = db.execute(
        "SELECT r.report_id, r.province, r.title, r.publisher, r.portal_id, r.level, r.body_id, r.report_year,"
        " (SELECT link_title FROM report_urls u WHERE u.report_id = r.report_id ORDER BY kept DESC LIMIT 1)"
        f" FROM reports r WHERE r.report_id IN ({marks})",
        queued,
    ).fetchall()
    with db.conn:
        for report_id, province, title, publisher, portal_id, level, old_body, year, link_title in rows:
            body = body_of(
                province=province,
                title=title,
                publisher=publisher,
                link_title=link_title,
                column_name=column_names.get(portal_id or ""),
            )
            if old_body:
                dirty.add(old_body)
            if year:
                years.add(int(year))
            if body is None:
                db.conn.execute("UPDATE reports SET body_id = NULL WHERE report_id = ?", [report_id])
                continue
            dirty.add(body.body_id)
            _upsert_body(db, body, province, level, portal_id)
            db.conn.execute("UPDATE reports SET body_id = ? WHERE report_id = ?", [body.body_id, report_id])
    return dirty, years


def _upsert_body(
    db: sqlite_utils.Database, body: Body, province: str | None, level: str | None, portal: str | None
) -> None:
    db.conn.execute(
        "INSERT INTO bodies (body_id, name, province, level, portal_id) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(body_id) DO NOTHING",
        [body.body_id, body.name, province, body.level or level, portal],
    )


def _load(db: sqlite_utils.Database, body_id: str) -> list[_Row]:
    rows = [
        _Row(*r)
        for r in db.execute(
            "SELECT report_id, report_year, format, url, COALESCE(text, ''), publish_date, level, title, publisher,"
            " COALESCE(completeness, 0) FROM reports WHERE body_id = ? ORDER BY report_year, completeness DESC",
            [body_id],
        )
    ]
    by_id = {r.report_id: r for r in rows}
    if not by_id:
        return rows
    marks = ",".join("?" * len(by_id))
    for report_id, table, row, col, value in db.execute(
        f"SELECT report_id, table_code, row_code, col_code, value FROM table_cells WHERE report_id IN ({marks})",
        list(by_id),
    ):
        by_id[report_id].tables.setdefault(table, {}).setdefault(row, {})[col] = value
    for report_id, code, heading in db.execute(
        f"SELECT report_id, code, heading FROM sections WHERE report_id IN ({marks}) ORDER BY report_id, seq",
        list(by_id),
    ):
        by_id[report_id].sections.append({"code": code, "heading": heading})
    return rows


def _recompute_body(db: sqlite_utils.Database, body_id: str) -> int:
    """All findings of one body's reports; returns how many reports it holds."""
    rows = _load(db, body_id)
    ids = [r.report_id for r in rows]
    marks = ",".join("?" * len(ids)) or "''"
    codes = ",".join("?" * len(FINDING_CHECKS))
    db.conn.execute(
        f"DELETE FROM checks WHERE report_id IN ({marks}) AND check_code IN ({codes})", [*ids, *FINDING_CHECKS]
    )
    db.conn.execute(f"DELETE FROM measures WHERE report_id IN ({marks}) AND code != 'text_reuse_other_bodies'", ids)
    body = db.execute("SELECT name, level FROM bodies WHERE body_id = ?", [body_id]).fetchone()
    if not rows:
        db.conn.execute("DELETE FROM missing_reports WHERE body_id = ?", [body_id])
        db.conn.execute("DELETE FROM bodies WHERE body_id = ?", [body_id])
        return 0
    name, body_level = body if body else (None, None)
    kept = _one_per_year(rows)
    names = sorted({n for r in rows for n in (r.publisher, r.title) if n})
    years = [y for y in kept if y is not None]
    db.conn.execute(
        "UPDATE bodies SET names = ?, first_year = ?, last_year = ?, reports = ? WHERE body_id = ?",
        [json.dumps(names, ensure_ascii=False), min(years, default=None), max(years, default=None), len(rows), body_id],
    )
    checks: list[tuple[Any, ...]] = []
    measures: list[Measure] = []
    measure_rows: list[tuple[str, Measure]] = []
    for row in rows:
        found = outline_checks(row.sections, row.format) + text_vs_table(row.text, row.tables)
        if row.report_year is not None and kept.get(row.report_year) is row:
            previous = kept.get(row.report_year - 1)
            found += cross_year_checks(_year(row), _year(previous) if previous is not None else None)
        found += _foreign_name_checks(row, name)
        checks += [_check_row(row.report_id, c) for c in found]
        measures = outcome_rates(row.tables)
        late = days_late(row.report_year, body_level or row.level, row.publish_date)  # listing dates are not stored
        if late is not None:
            measures.append(late)
        reused = _reuse_prev_year(row, kept, name)
        if reused is not None:
            measures.append(reused)
        measure_rows += [(row.report_id, m) for m in measures]
        keys = sentence_keys(row.text, [name or "", row.publisher or ""])
        db.conn.execute(
            "INSERT INTO report_signatures (report_id, report_year, body_id, sentences, signature)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(report_id) DO UPDATE SET report_year = excluded.report_year,"
            " body_id = excluded.body_id, sentences = excluded.sentences, signature = excluded.signature",
            [row.report_id, row.report_year, body_id, len(keys), signature_bytes(keys)],
        )
    db.conn.executemany(
        "INSERT OR REPLACE INTO checks (report_id, check_code, scope, expected, actual, status, evidence)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        checks,
    )
    db.conn.executemany(
        "INSERT OR REPLACE INTO measures (report_id, code, value, denominator, evidence) VALUES (?, ?, ?, ?, ?)",
        [(rid, m.code, m.value, m.denominator, json.dumps(m.evidence, ensure_ascii=False)) for rid, m in measure_rows],
    )
    return len(rows)


def _one_per_year(rows: Iterable[_Row]) -> dict[int | None, _Row]:
    """The body's report for each year: the most complete when it published more than one."""
    kept: dict[int | None, _Row] = {}
    for row in rows:  # ordered by year, then completeness descending
        kept.setdefault(row.report_year, row)
    return kept


def _year(row: _Row) -> YearReport:
    return YearReport(row.report_id, row.report_year or 0, row.format, row.url, row.tables)


def _check_row(report_id: str, check: dict[str, Any]) -> tuple[Any, ...]:
    evidence = check.get("evidence")
    return (
        report_id,
        check["check_code"],
        check["scope"],
        check.get("expected") if not isinstance(check.get("expected"), (list, dict)) else json.dumps(check["expected"]),
        check.get("actual") if not isinstance(check.get("actual"), (list, dict)) else json.dumps(check["actual"]),
        check["status"],
        json.dumps(evidence, ensure_ascii=False) if evidence is not None else None,
    )


def _foreign_name_checks(row: _Row, own: str | None) -> list[dict[str, Any]]:
    if not own or not row.text:
        return []
    found = foreign_names(row.text, own)
    if not found:
        return [
            {
                "check_code": "foreign_name",
                "scope": "text",
                "expected": own,
                "actual": None,
                "status": "pass",
                "evidence": None,
            }
        ]
    return [
        {
            "check_code": "foreign_name",
            "scope": f"text.{i}",
            "expected": own,
            "actual": hit["name"],
            "status": "fail",
            "evidence": {"sentence": hit["sentence"], "url": row.url},
        }
        for i, hit in enumerate(found, start=1)
    ]


def _reuse_prev_year(row: _Row, kept: Mapping[int | None, _Row], own: str | None) -> Measure | None:
    if row.report_year is None or kept.get(row.report_year) is not row:
        return None
    previous = kept.get(row.report_year - 1)
    if previous is None:
        return None
    names = [own or "", row.publisher or "", previous.publisher or ""]
    mine = sentence_keys(row.text, names)
    found = reuse(mine, sentence_keys(previous.text, names))
    if found.share is None:
        return None
    evidence = {
        "previous_report_id": previous.report_id,
        "previous_url": previous.url,
        "url": row.url,
        "sentences": found.sentences,
        "shared": found.shared[:MAX_PASSAGES],
        "shared_count": len(found.shared),
    }
    return Measure("text_reuse_prev_year", found.share, float(found.sentences), evidence)


def _reuse_across_bodies(db: sqlite_utils.Database, queued: list[str], years: set[int]) -> None:
    """``text_reuse_other_bodies`` for the queued reports, one LSH index per year.

    Each candidate's sentence keys are computed once per year, however many
    queued reports it is a candidate for.
    """
    wanted = set(queued)
    for year in sorted(years):
        signatures = db.execute(
            "SELECT report_id, body_id, signature FROM report_signatures WHERE report_year = ? AND sentences > 0",
            [year],
        ).fetchall()
        if not any(rid in wanted for rid, _, _ in signatures):
            continue
        owner = {rid: body for rid, body, _ in signatures}
        index = lsh_index((rid, blob) for rid, _, blob in signatures)
        keys = _KeyCache(db)
        for report_id, body_id, blob in signatures:
            if report_id not in wanted:
                continue
            candidates = [c for c in index.query(minhash_from_bytes(blob)) if owner.get(c) != body_id]
            db.conn.execute(
                "DELETE FROM measures WHERE report_id = ? AND code = 'text_reuse_other_bodies'", [report_id]
            )
            measure = _reuse_from(keys, report_id, candidates)
            if measure is not None:
                db.conn.execute(
                    "INSERT OR REPLACE INTO measures (report_id, code, value, denominator, evidence) VALUES (?, ?, ?, ?, ?)",
                    [
                        report_id,
                        measure.code,
                        measure.value,
                        measure.denominator,
                        json.dumps(measure.evidence, ensure_ascii=False),
                    ],
                )


class _KeyCache:
    """Sentence keys (and URL) of reports, read and computed once each."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.known: dict[str, tuple[dict[str, str], str]] = {}

    def get(self, ids: list[str]) -> dict[str, tuple[dict[str, str], str]]:
        missing = [i for i in ids if i not in self.known]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, text, publisher, url, name in self.db.execute(
                "SELECT r.report_id, r.text, r.publisher, r.url, b.name FROM reports r LEFT JOIN bodies b"
                f" ON b.body_id = r.body_id WHERE r.report_id IN ({marks})",
                chunk,
            ):
                self.known[rid] = (sentence_keys(text or "", [name or "", publisher or ""]), url)
        return {i: self.known[i] for i in ids if i in self.known}


def _reuse_from(keys: _KeyCache, report_id: str, candidates: list[str]) -> Measure | None:
    found_keys = keys.get([report_id, *candidates])
    if report_id not in found_keys:
        return None
    mine, url = found_keys[report_id]
    if not mine:
        return None
    union: set[str] = set()
    best: tuple[float, str, list[str]] | None = None
    for other in candidates:
        if other not in found_keys:
            continue
        other_keys = found_keys[other][0]
        union.update(other_keys)
        found = reuse(mine, other_keys)
        # ties go to the smaller report id: the result must not depend on the order reports were stored in
        if found.share is not None and (best is None or (-found.share, other) < (-best[0], best[1])):
            best = (found.share, other, found.shared)
    overall = reuse(mine, union)
    evidence: dict[str, Any] = {"url": url, "sentences": overall.sentences, "candidates": len(candidates)}
    if best is not None and best[0] > 0:
        evidence.update(
            most_similar_report_id=best[1],
            most_similar_share=best[0],
            most_similar_url=found_keys[best[1]][1],
            shared=best[2][:MAX_PASSAGES],
        )
    return Measure("text_reuse_other_bodies", overall.share or 0.0, float(overall.sentences), evidence)


def _missing_reports(db: sqlite_utils.Database, bodies: set[str], today: date) -> None:
    """Years with no report between a body's first and last, and this year's report overdue."""
    for body_id in bodies:
        db.conn.execute("DELETE FROM missing_reports WHERE body_id = ?", [body_id])
        row = db.execute("SELECT level, first_year, last_year FROM bodies WHERE body_id = ?", [body_id]).fetchone()
        if row is None or row[1] is None:
            continue
        level, first, last = row
        have = {y for (y,) in db.execute("SELECT DISTINCT report_year FROM reports WHERE body_id = ?", [body_id])}
        missing: dict[int, str] = {}
        for year in range(first, last + 1):
            if year not in have:
                missing[year] = f"no report on {year} found, between this body's reports on {first} and {last}"
        due_year = today.year - 1  # the report on last year is due this year
        due, rule = deadline(due_year, level)
        if last < due_year and today > due:
            missing[due_year] = f"report on {due_year} not found after its deadline {due.isoformat()} ({rule})"
        db.conn.executemany(
            "INSERT OR REPLACE INTO missing_reports (body_id, year, reason) VALUES (?, ?, ?)",
            [(body_id, year, reason) for year, reason in sorted(missing.items())],
        )


def queue_all(db: sqlite_utils.Database) -> int:
    """Queue every stored report (``scrapy findings --all``); returns how many."""
    with db.conn:
        db.conn.execute(
            "INSERT INTO findings_queue (report_id) SELECT report_id FROM reports"
            " WHERE report_id NOT IN (SELECT report_id FROM findings_queue)"
        )
    return int(db.execute("SELECT COUNT(*) FROM findings_queue").fetchone()[0])


__all__ = ["FINDING_CHECKS", "Recomputed", "queue_all", "recompute_findings"]
