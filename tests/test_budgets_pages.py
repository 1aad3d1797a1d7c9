"""Page budgets: spans that expand past GRID_MAX_CELLS, too many tables, a page too big, endless mojibake.

Run through the whole core (:func:`crawler.core.parse_report`): the report
comes back with the budget named in its errors and the rest of the page read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from parsel import Selector
from scrapy.utils.project import get_project_settings

from crawler import budgets
from crawler.budgets import SETTINGS, BudgetExceeded, Budgets, from_settings
from crawler.core import parse_report
from crawler.parsing.grid import data_tables, table_grid
from crawler.text.encoding import decode_body

TITLE = "<title>某县2023年政府信息公开工作年度报告</title>"


@pytest.fixture
def limits() -> Iterator[None]:
    previous = budgets.current()
    yield
    budgets.configure(previous)


def page(body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{TITLE}</head><body>{body}</body></html>".encode()


def test_spans_that_expand_past_the_grid_budget_are_refused_before_they_are_made() -> None:
    # Each cell asks for 200 x 200 slots: 40,000 apiece, just under the span cap.
    rows = "".join('<tr><td rowspan="200" colspan="200">0</td><td>1</td></tr>' for _ in range(200))
    started = time.process_time()
    report = parse_report(page(f"<p>一、总体情况</p><table>{rows}</table>"), "text/html", "http://127.0.0.1/a.html")
    assert time.process_time() - started < 5
    tables_errors = [e["error"] for e in report.errors if e["stage"] == "tables"]
    assert any(
        "budget: table spans ask for more than 100000 cells (row 3), over GRID_MAX_CELLS=100000" in e
        for e in tables_errors
    )
    assert report.title == "某县2023年政府信息公开工作年度报告"  # the other stages read the page


def test_a_wide_row_over_many_rows_is_refused_by_its_rectangle() -> None:
    wide = "<tr>" + '<td colspan="200">x</td>' * 10 + "</tr>"  # 2,000 columns
    html = f"<table>{wide}{'<tr><td>1</td><td>2</td></tr>' * 100}</table>"
    with pytest.raises(BudgetExceeded, match=r"table of 101 rows by 2000 columns, over GRID_MAX_CELLS=100000"):
        table_grid(Selector(text=html).xpath("//table")[0])


def test_a_table_within_the_budget_is_expanded() -> None:
    html = '<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr><tr><td>c</td><td>d</td></tr></table>'
    grid = table_grid(Selector(text=html).xpath("//table")[0])
    assert [[c.text for c in row] for row in grid] == [["a", "b", "b"], ["a", "c", "d"]]


def test_a_page_of_more_data_tables_than_the_budget_is_refused() -> None:
    tables = "<table><tr><td>a</td><td>1</td></tr></table>" * 201
    with pytest.raises(BudgetExceeded, match=r"page has more than 200 data tables, over TABLES_MAX_PER_PAGE=200"):
        data_tables(Selector(text=f"<html><body>{tables}</body></html>"))
    assert len(data_tables(Selector(text=f"<html><body>{tables[: len(tables) // 201 * 200]}</body></html>"))) == 200


def test_a_page_over_the_html_budget_is_stored_with_the_error_not_parsed(limits: None) -> None:
    budgets.configure(Budgets(html_max_bytes=1024 * 1024))
    body = page("<p>年度报告</p>" * 200_000)
    report = parse_report(body, "text/html", "http://127.0.0.1/big.html")
    (error,) = [e["error"] for e in report.errors if e["stage"] == "decode"]
    assert error.endswith(f"budget: page is {len(body)} bytes, over HTML_MAX_BYTES=1048576")
    assert report.tree is None
    assert parse_report(page("<p>年度报告</p>"), "text/html", "http://127.0.0.1/small.html").tree is not None


def test_random_bytes_cost_the_mojibake_repair_a_bounded_number_of_runs() -> None:
    body = random.Random(18).randbytes(200_000)
    started = time.process_time()
    decoded = decode_body(body, "text/html")
    assert time.process_time() - started < 10  # ~1 s; it was 24 s (the offset sum), 8 s linear but unbounded
    (record,) = [r for r in decoded.repairs if r["kind"] == "budget"]
    assert record["reason"] == (
        "budget: more than 5000 runs hold traces of damage, over MOJIBAKE_MAX_RUNS=5000; the rest is left as read"
    )
    assert 0 < record["where"] < len(decoded.html)


def test_the_project_settings_hold_the_default_budgets_and_can_change_them() -> None:
    settings = get_project_settings()
    assert all(settings.get(name) is not None for name in SETTINGS), "a budget is missing from crawler/settings.py"
    assert from_settings(settings.get) == budgets.DEFAULTS
    assert from_settings({"PDF_MAX_PAGES": "50", "PDF_MAX_SECONDS": "2.5"}) == Budgets(
        pdf_max_pages=50, pdf_max_seconds=2.5
    )
    for bad in ("0", "-1", "many"):
        with pytest.raises(ValueError, match="PDF_MAX_PAGES must be"):
            from_settings({"PDF_MAX_PAGES": bad})


def test_every_parse_of_a_page_is_bounded_by_the_html_budget_even_without_the_decode_stage(limits: None) -> None:
    # DECODE_ENABLED off: the later stages parse the page by its declared charset (plain_tree),
    # through the same parse_html, so the same budget stops them, each stage saying so.
    budgets.configure(Budgets(html_max_bytes=1024 * 1024))
    body = page("<p>年度报告</p>" * 200_000)
    report = parse_report(body, "text/html; charset=utf-8", "http://127.0.0.1/big.html", skip=("decode",))
    over = [e for e in report.errors if "over HTML_MAX_BYTES=1048576" in e["error"]]
    assert {e["stage"] for e in over} >= {"metadata"} and report.tree is None
    assert all(e["error"].startswith("budget: the page is ") for e in over)


def test_a_page_nested_past_the_depth_budget_is_refused_with_its_name_not_a_recursion_error() -> None:
    deep = page("<div>" * 5000 + "<p>深处</p>" + "</div>" * 5000)
    report = parse_report(deep, "text/html", "http://127.0.0.1/deep.html")
    (error,) = [e["error"] for e in report.errors if e["stage"] == "decode"]
    assert error == "budget: the page nests elements more than 256 deep, over HTML_MAX_DEPTH=256"
    assert not [e for e in report.errors if "RecursionError" in e["error"]]
    shallow = page("<div>" * 200 + "<p>一、总体情况</p>" + "</div>" * 200)
    assert parse_report(shallow, "text/html", "http://127.0.0.1/ok.html").tree is not None
