"""Extraction accuracy: cells, fields and section sequences, per set and per shape class.

Run from the repository root:

    .venv/bin/python bench/eval_extraction.py

Two sets of expected answers, reported apart:

* ``typed`` — ``fixtures/expected/typed/``: typed by hand from rendered
  screenshots of the hand-written real-shape fixture sites, by someone who
  saw neither the HTML nor the parser (its README).  Per shape class too,
  with the classes of ``fixtures/shapes/fixtures.yaml``.
* ``generated`` — ``fixtures/expected/reports/``: the older fixtures, whose
  answers share code with the tools that built the pages (so they only show
  that the parser reads what those tools write).

Every page is run through the parsing core (``scrapy extract``'s path) with
the Content-Type its fixture site serves.  A cell is (table, row, col) with
its value; precision = correct / extracted, recall = correct / expected.
Fields: title (spaces and widths folded), publisher, publish_date,
report_year, index_no, format.  A section sequence is right when the codes
of the top-level parts, in order, equal the expected ones.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.commands.extract import extract_report  # noqa: E402
from fixture_server import Site  # noqa: E402

FIXTURES = ROOT / "fixtures"
SETS = {"typed": FIXTURES / "expected" / "typed", "generated": FIXTURES / "expected" / "reports"}
FIELDS = ("title", "publisher", "publish_date", "report_year", "index_no", "format")


@dataclass
class Tally:
    pages: int = 0
    expected: int = 0
    extracted: int = 0
    correct: int = 0
    fields: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    sections: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, other: Tally) -> None:
        self.pages += other.pages
        self.expected += other.expected
        self.extracted += other.extracted
        self.correct += other.correct
        for name, (right, total) in other.fields.items():
            self.fields[name][0] += right
            self.fields[name][1] += total
        self.sections[0] += other.sections[0]
        self.sections[1] += other.sections[1]

    def line(self, label: str) -> str:
        precision = self.correct / self.extracted if self.extracted else 1.0
        recall = self.correct / self.expected if self.expected else 1.0
        fields = " ".join(f"{n}={r}/{t}" for n, (r, t) in self.fields.items())
        return (
            f"{label:44.44} pages {self.pages:3}  cells {self.expected:5} P {precision:.4f} R {recall:.4f}  "
            f"sections {self.sections[0]}/{self.sections[1]}  {fields}"
        )


def flatten(tables: dict[str, Any]) -> dict[tuple[str, str, str], object]:
    return {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}


def _fold(value: object) -> object:
    if isinstance(value, str):
        return "".join(unicodedata.normalize("NFKC", value).split())
    return value


def page_of(expected: dict[str, Any], rel: Path) -> tuple[Path, str | None, str]:
    """The fixture file, its served Content-Type, and its URL."""
    site_name = expected.get("site") or rel.parts[0]
    path = expected.get("path") or "/" + "/".join(rel.parts[1:])
    site = Site.load(FIXTURES / "sites" / site_name)
    file = site.resolve(path)
    if file is None:
        raise FileNotFoundError(f"{site_name}{path}: no such fixture page")
    return file, site.headers_for(path, file).get("Content-Type"), f"http://127.0.0.1{path}"


# The typist typed `publisher` as a labelled field prints it (发布机构, 来源, 發佈單位) and null
# where none is printed; the parser also names the body from the signature or the title,
# marked by `publisher_source`. Scored like with like: the printed publisher only.
PRINTED_PUBLISHER = ("field", "meta", "byline")


def score(expected: dict[str, Any], report: dict[str, Any], set_name: str = "typed") -> Tally:
    tally = Tally(pages=1)
    if set_name == "typed" and report.get("publisher_source") not in PRINTED_PUBLISHER:
        report = {**report, "publisher": None}
    want, got = flatten(expected.get("tables") or {}), flatten(report.get("tables") or {})
    tally.expected, tally.extracted = len(want), len(got)
    tally.correct = sum(1 for k, v in got.items() if k in want and want[k] == v)
    for name in FIELDS:
        if name in expected:
            tally.fields[name][0] += int(_fold(report.get(name)) == _fold(expected[name]))
            tally.fields[name][1] += 1
    if "sections" in expected:
        codes = [s[0] for s in expected["sections"]]
        tally.sections = [int([s["code"] for s in report.get("sections") or []] == codes), 1]
    return tally


def shape_classes() -> dict[tuple[str, str], list[str]]:
    spec = yaml.safe_load((FIXTURES / "shapes" / "fixtures.yaml").read_text("utf-8"))
    return {(p["site"], p["path"]): sorted(p.get("shapes") or {}) for p in spec["pages"]}


def main() -> int:
    classes = shape_classes()
    for set_name, directory in SETS.items():
        overall = Tally()
        by_class: dict[str, Tally] = defaultdict(Tally)
        misses: list[str] = []
        for expected_path in sorted(directory.rglob("*.json")):
            expected = json.loads(expected_path.read_text("utf-8"))
            if expected.get("is_report") is False:
                continue
            rel = expected_path.relative_to(directory).with_suffix("")
            file, content_type, url = page_of(expected, rel)
            report = extract_report(file.read_bytes(), url=url, content_type=content_type)
            tally = score(expected, report, set_name)
            overall.add(tally)
            key = (expected.get("site") or rel.parts[0], expected.get("path") or "")
            for shape in classes.get(key, []):
                by_class[shape].add(tally)
            wrong = [n for n, (r, t) in tally.fields.items() if t and not r]
            if wrong or tally.correct < tally.expected or tally.correct < tally.extracted or not tally.sections[0]:
                misses.append(
                    f"  {rel}: cells {tally.correct}/{tally.expected} (extracted {tally.extracted})"
                    f"{'; fields ' + ','.join(wrong) if wrong else ''}{'' if tally.sections[0] else '; sections'}"
                )
        print(f"== {set_name} ({directory.relative_to(ROOT)})")
        print(overall.line("ALL"))
        if by_class:
            print("per shape class:")
            for shape in sorted(by_class):
                print(by_class[shape].line("  " + shape))
        if misses:
            print("pages not read entirely right:")
            print("\n".join(misses))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
