"""Cell-level precision and recall of table extraction over the fixture reports.

Run from the repository root:

    .venv/bin/python bench/eval_extraction.py

For every hand-checked ``fixtures/expected/reports/<site>/<path>.json`` the
page ``fixtures/sites/<site>/<path>`` is run through the same code as
``scrapy extract`` (metadata, sections, tables stages).  A cell is a
(table_code, row_code, col_code) with its value; an extracted cell is
correct when the expected JSON has the same key with the same value.

    precision = correct extracted cells / extracted cells
    recall    = correct extracted cells / expected cells
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_command_extract import _content_type  # noqa: E402

from crawler.commands.extract import extract_report  # noqa: E402

EXPECTED = ROOT / "fixtures" / "expected" / "reports"
SITES = ROOT / "fixtures" / "sites"


def flatten(tables: dict) -> dict[tuple[str, str, str], object]:
    return {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}


def main() -> int:
    total_expected = total_extracted = total_correct = 0
    for expected_path in sorted(EXPECTED.rglob("*.json")):
        rel = expected_path.relative_to(EXPECTED).with_suffix("")
        page = SITES / rel
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        report = extract_report(
            page.read_bytes(),
            url=expected.get("url") or page.as_uri(),
            content_type=expected.get("content_type") or _content_type(page),
        )
        want, got = flatten(expected["tables"]), flatten(report["tables"])
        correct = sum(1 for k, v in got.items() if k in want and want[k] == v)
        total_expected += len(want)
        total_extracted += len(got)
        total_correct += correct
        print(f"{rel}: expected {len(want)}, extracted {len(got)}, correct {correct}")
    precision = total_correct / total_extracted if total_extracted else 1.0
    recall = total_correct / total_expected if total_expected else 1.0
    print(
        f"reports: {len(list(EXPECTED.rglob('*.json')))}  cells expected: {total_expected}  "
        f"extracted: {total_extracted}  correct: {total_correct}"
    )
    print(f"precision: {precision:.4f}  recall: {recall:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
