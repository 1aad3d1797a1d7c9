"""The four consistency checks, with pass / fail / not_checkable."""

from __future__ import annotations

import pytest

from crawler.parsing.checks import run_checks
from crawler.parsing.labels import APPLICATION_COLUMNS, APPLICATION_ROWS_2021, REVIEW_COLUMNS


def consistent_apps() -> dict[str, dict[str, object]]:
    apps = {r: {c: 0 for c in APPLICATION_COLUMNS} for r in APPLICATION_ROWS_2021}
    for row, col, n in [
        ("3.1", "natural_person", 3),
        ("3.3.5", "commercial", 2),
        ("4", "natural_person", 1),
        ("2", "natural_person", 1),
    ]:
        apps[row][col] = n
    for col in APPLICATION_COLUMNS[:-1]:
        apps["3.7"][col] = sum(apps[r][col] for r in APPLICATION_ROWS_2021 if r.startswith("3.") and r != "3.7")
        apps["1"][col] = apps["3.7"][col] + apps["4"][col] - apps["2"][col]
    for row in apps.values():
        row["total"] = sum(row[c] for c in APPLICATION_COLUMNS[:-1])
    return apps


def statuses(tables):
    return {(c["check_code"], c["scope"]): c["status"] for c in run_checks(tables)}


def test_consistent_report_passes_every_check():
    review = {"all": dict(zip(REVIEW_COLUMNS, [1, 0, 0, 1, 2] + [0] * 10, strict=False))}
    result = statuses({"applications": consistent_apps(), "review_litigation": review})
    assert len(result) == 7 + 7 + len(APPLICATION_ROWS_2021) + 3 and set(result.values()) == {"pass"}


@pytest.mark.parametrize(
    ("row", "col", "value", "failing"),
    [
        ("1", "natural_person", 9, {("applications_balance", "natural_person"), ("applications_applicants", "1")}),
        (
            "3.7",
            "commercial",
            5,
            {
                ("applications_balance", "commercial"),
                ("applications_outcomes", "commercial"),
                ("applications_applicants", "3.7"),
            },
        ),
        ("3.3.5", "total", 7, {("applications_applicants", "3.3.5"), ("applications_outcomes", "total")}),
    ],
)
def test_broken_number_fails_exactly_the_checks_it_breaks(row, col, value, failing):
    apps = consistent_apps()
    apps[row][col] = value
    result = statuses({"applications": apps})
    assert {k for k, v in result.items() if v == "fail"} == failing


def test_check_records_expected_and_actual():
    apps = consistent_apps()
    apps["1"]["natural_person"] = 9
    check = next(
        c
        for c in run_checks({"applications": apps})
        if c["check_code"] == "applications_balance" and c["scope"] == "natural_person"
    )
    assert check == {
        "check_code": "applications_balance",
        "scope": "natural_person",
        "expected": 10,
        "actual": 4,
        "status": "fail",
    }


def test_blank_cell_in_a_row_with_numbers_is_not_checkable():
    apps = consistent_apps()
    apps["3.1"]["research"] = None
    result = statuses({"applications": apps})
    assert result[("applications_outcomes", "research")] == "not_checkable"
    assert result[("applications_applicants", "3.1")] == "not_checkable"


def test_blank_row_counts_as_zero():
    apps = consistent_apps()
    apps["3.3.8"] = {c: None for c in APPLICATION_COLUMNS}
    assert set(statuses({"applications": apps}).values()) == {"pass"}


def test_review_group_total_is_checked_per_group():
    review = {"all": dict(zip(REVIEW_COLUMNS, [1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3], strict=False))}
    assert statuses({"review_litigation": review}) == {
        ("review_litigation_totals", "review"): "pass",
        ("review_litigation_totals", "suit_direct"): "pass",
        ("review_litigation_totals", "suit_after_review"): "fail",
    }


def test_report_without_tables_has_no_checks():
    assert run_checks({}) == []


def test_a_table_cut_off_after_some_row_is_not_checkable_rather_than_failing():
    """Rows from 3.5.1 on left blank (unfilled or truncated): the totals cannot be checked."""
    apps = consistent_apps()
    cut = APPLICATION_ROWS_2021.index("3.5.1")
    for row in APPLICATION_ROWS_2021[cut:]:
        apps[row] = dict.fromkeys(APPLICATION_COLUMNS)
    result = statuses({"applications": apps})
    assert result[("applications_balance", "natural_person")] == "not_checkable"
    assert "fail" not in result.values()


def test_a_fully_printed_table_that_does_not_add_up_still_fails():
    apps = consistent_apps()
    apps["3.7"]["natural_person"] += 1  # every operand printed, the total is wrong
    result = statuses({"applications": apps})
    assert result[("applications_balance", "natural_person")] == "fail"
    assert result[("applications_outcomes", "natural_person")] == "fail"


def test_a_blank_row_that_still_adds_up_passes():
    apps = consistent_apps()
    apps["3.3.1"] = dict.fromkeys(APPLICATION_COLUMNS)  # an all-zero row left blank, as many reports print it
    assert statuses({"applications": apps})[("applications_outcomes", "natural_person")] == "pass"
