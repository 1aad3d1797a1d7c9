"""Which listing links are annual reports and which are pages."""

from __future__ import annotations

import pytest

from crawler.cms.links import is_index_page, is_next_page
from crawler.parsing.titles import is_report_title, title_year


@pytest.mark.parametrize(
    "title, expected",
    [
        ("盖北镇2021年政府信息公开工作年度报告", True),
        ("秦皇岛市抚宁区茶棚乡人民政府2020年政府信息公开年度报告", True),
        ("送莊鎮2016年政府信息公開工作年度報告", True),
        ("送莊鎮(zhèn)2016年政府信息公開工作年度報(bào)告", True),
        ("關於做好政府信息公開工作年度報告編制工作的通知", False),
        ("2023年政务公开工作年度报告", True),
        ("黄岩区2020年政府信息公开工作年报", True),
        ("2022年 政府信息公开 年 报", True),
        ("2024年政府工作报告", False),
        ("关于做好2023年政府信息公开工作年度报告编制工作的通知", False),
        ("黄岩区政府信息公开指南", False),
        ("2023年政府信息公开工作要点", False),
        ("2022年度部门决算公开", False),
        ("政府信息公开年度报告格式模板", False),
        ("信息公開年報(bào)", False),  # the column's own link, no year
        ("二〇二一年政府信息公开工作年度报告", True),
    ],
)
def test_report_titles_are_told_from_distractors(title: str, expected: bool) -> None:
    assert is_report_title(title) is expected


@pytest.mark.parametrize(
    "title, year",
    [
        ("黄岩区2020年政府信息公开工作年度报告", 2020),
        ("2019 年度政府信息公开年报", 2019),
        ("政府信息公开年度报告", None),
    ],
)
def test_title_year_is_the_year_named_in_the_title(title: str, year: int | None) -> None:
    assert title_year(title) == year


@pytest.mark.parametrize(
    "text, expected",
    [("下一页", True), (" 下页 ", True), ("下一頁(yè)", True), ("上一页", False), ("尾页", False), (">", True)],
)
def test_next_page_anchor_text(text: str, expected: bool) -> None:
    assert is_next_page(text) is expected


@pytest.mark.parametrize(
    "url, expected",
    [("index_1.html", True), ("./index_12.shtml", True), ("index.html", False), ("t2021_1.html", False)],
)
def test_index_n_links_are_pages(url: str, expected: bool) -> None:
    assert is_index_page(url) is expected
