"""Findings computed from one report: rates, outline, text vs tables, timeliness, body names."""

from __future__ import annotations

import pytest

from crawler.findings.outline import outline_checks
from crawler.findings.rates import outcome_rates
from crawler.findings.text_tables import text_vs_table
from crawler.findings.timeliness import days_late
from crawler.parsing.bodies import body_name, body_of


def test_rates_carry_their_denominator_and_a_small_n_flag() -> None:
    apps = {
        "3.1": {"total": 20},
        "3.2": {"total": 4},
        "3.3.1": {"total": 2},
        "3.3.2": {"total": 0},
        "3.4.1": {"total": 6},
        "3.7": {"total": 40},
    }
    rates = {m.code: m for m in outcome_rates({"applications": apps})}
    assert rates["disclosure_rate"].value == 0.6 and rates["disclosure_rate"].denominator == 40
    assert rates["refusal_rate"].value == 0.05
    assert rates["unavailable_rate"].value == 0.15
    assert rates["disclosure_rate"].evidence["small_n"] is False


def test_review_correction_rate_leaves_pending_cases_out() -> None:
    review = {
        "all": {
            "review.upheld": 3,
            "review.corrected": 1,
            "review.other": 0,
            "review.pending": 5,
            "suit_direct.upheld": 0,
            "suit_direct.corrected": 0,
            "suit_direct.other": 0,
            "suit_after_review.upheld": 0,
            "suit_after_review.corrected": 0,
            "suit_after_review.other": 0,
        }
    }
    rates = {m.code: m for m in outcome_rates({"review_litigation": review})}
    assert rates["review_correction_rate"].value == 0.25 and rates["review_correction_rate"].denominator == 4
    assert rates["review_correction_rate"].evidence["small_n"] is True
    assert "litigation_correction_rate" not in rates  # no decided suits: nothing to divide


def test_a_blank_operand_gives_no_rate_rather_than_a_wrong_one() -> None:
    apps = {"3.1": {"total": None}, "3.2": {"total": 1}, "3.7": {"total": 10}}
    assert "disclosure_rate" not in {m.code for m in outcome_rates({"applications": apps})}


LEGACY = [
    ("overview", "一、概述"),
    ("active", "二、主动公开政府信息情况"),
    ("applications", "三、依申请公开政府信息情况"),
    ("fees", "四、政府信息公开的收费及减免情况"),
    ("review_litigation", "五、因政府信息公开申请提起行政复议、行政诉讼的情况"),
    ("problems", "六、存在的主要问题及改进措施"),
    ("other", "七、其他需要报告的事项"),
]


@pytest.mark.parametrize(
    ("parts", "fmt", "want"),
    [
        (LEGACY, "legacy", {"parts_present": "pass", "parts_order": "pass", "numbering": "pass"}),
        (LEGACY[:3] + LEGACY[4:], "legacy", {"parts_present": "fail", "parts_order": "pass", "numbering": "fail"}),
        (
            [LEGACY[1], LEGACY[0]] + LEGACY[2:],
            "legacy",
            {"parts_present": "pass", "parts_order": "fail", "numbering": "fail"},
        ),
        (
            [("overview", "总体情况"), ("active", "主动公开政府信息情况")],
            "2021",
            {"parts_present": "fail", "parts_order": "pass", "numbering": "not_checkable"},
        ),
        ([], "2021", {"parts_present": "not_checkable", "parts_order": "not_checkable", "numbering": "not_checkable"}),
    ],
    ids=["complete-legacy", "fees-missing", "two-swapped", "unnumbered", "no-headings"],
)
def test_outline_checks(parts, fmt, want) -> None:
    checks = outline_checks([{"code": c, "heading": h} for c, h in parts], fmt)
    assert {c["scope"]: c["status"] for c in checks} == want
    assert all(c["evidence"]["headings"] == [h for _, h in parts] for c in checks)


TABLES = {
    "applications": {"1": {"total": 36}, "3.7": {"total": 33}, "4": {"total": 3}},
    "review_litigation": {"all": {"review.total": 2, "suit_direct.total": 1, "suit_after_review.total": 0}},
}


@pytest.mark.parametrize(
    ("sentence", "scope", "status"),
    [
        ("2023年，本机关新收政府信息公开申请36件。", "applications_new", "pass"),
        ("全年共收到政府信息公开申请38件，较上年增加5件。", "applications_received", "fail"),
        ("已全部办结33件。", "applications_closed", "pass"),
        ("结转下年度继续办理3件。", "applications_carried", "pass"),
        ("发生政府信息公开行政复议案件2件。", "review_cases", "pass"),
        ("行政诉讼1件。", "litigation_cases", "pass"),
    ],
)
def test_text_statements_are_compared_with_the_cells_they_name(sentence, scope, status) -> None:
    checks = text_vs_table(sentence, TABLES)
    assert [(c["scope"], c["status"]) for c in checks] == [(scope, status)]
    assert checks[0]["evidence"]["sentence"] == sentence.rstrip("。")


@pytest.mark.parametrize(
    "sentence",
    [
        "申请数量较上年增加12件。",  # a change, not the count
        "其中，自然人申请20件。",  # one column, not the total
        "本年度制发规范性文件4件。",  # its cell is not printed in TABLES
        "群众满意度达到98%。",
    ],
)
def test_sentences_that_do_not_clearly_name_a_printed_cell_are_left_alone(sentence) -> None:
    assert text_vs_table(sentence, TABLES) == []


@pytest.mark.parametrize(
    ("year", "level", "published", "listing", "late", "source"),
    [
        (2023, "department", "2024-02-05", None, 5, "publish_date"),  # departments: 31 January
        (2023, "county", "2024-02-05", None, 0, "publish_date"),  # governments: 31 March
        (2017, "department", "2018-03-30", None, 0, "publish_date"),  # before the revision: 31 March for all
        (2020, "city", None, "2021-04-03", 3, "listing_date"),
    ],
)
def test_days_late_against_the_statutory_deadline(year, level, published, listing, late, source) -> None:
    measure = days_late(year, level, published, listing)
    assert measure is not None and measure.value == late and measure.evidence["date_source"] == source


def test_no_date_means_no_lateness_measure() -> None:
    assert days_late(2023, "county", None, None) is None


@pytest.mark.parametrize(
    ("names", "same"),
    [
        (["台州市黄岩区人民政府办公室", "黄岩区", "黃岩區人民政府", "黄岩区政府"], True),
        (["灌南县北陈集镇人民政府", "北陈集镇"], True),
        (["黄岩区卫生健康局", "黄岩区人民政府"], False),
        (["黄岩区城市管理局", "城市管理局"], False),
    ],
)
def test_one_body_however_its_name_is_printed(names, same) -> None:
    assert (len({body_name(n) for n in names}) == 1) is same


def test_the_title_names_the_body_before_a_publisher_office() -> None:
    body = body_of(province="zhejiang", title="台州市黄岩区2023年政府信息公开工作年度报告", publisher="区政府办公室")
    assert body is not None and body.name == "黄岩区人民政府" and body.level == "county"
    other_province = body_of(province="jiangsu", title="黄岩区2023年政府信息公开工作年度报告", publisher=None)
    assert other_province is not None and other_province.body_id != body.body_id
