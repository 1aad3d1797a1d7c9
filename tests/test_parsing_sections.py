"""Sections: codes from heading wording, whatever the numbering or layout."""

from __future__ import annotations

import pytest

from crawler.parsing.sections import classify_heading, split_sections


def codes(text: str) -> list[tuple[str, str]]:
    return [(s["code"], s["heading"]) for s in split_sections(text)]


@pytest.mark.parametrize(
    ("heading", "code"),
    [
        ("总体情况", "overview"),
        ("政府信息公开总体情况", "overview"),
        ("概述", "overview"),
        ("主动公开政府信息情况", "active"),
        ("收到和处理政府信息公开申请情况", "applications"),
        ("依申请公开政府信息情况", "applications"),
        ("政府信息公开的收费及减免情况", "fees"),
        ("政府信息公开行政复议、行政诉讼情况", "review_litigation"),
        ("因政府信息公开申请提起行政诉讼、行政复议的情况", "review_litigation"),
        ("存在的主要问题及改进情况", "problems"),
        ("存在问题及下步工作重点", "problems"),
        ("其他需要报告的事项", "other"),
        ("本年新收政府信息公开申请数量", None),
        ("结转下年度继续办理", None),
    ],
)
def test_classify_heading_by_wording(heading, code):
    assert classify_heading(heading) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 2019/2021 template, one heading per line
        (
            "一、总体情况\n甲。\n二、主动公开政府信息情况\n乙\n三、收到和处理政府信息公开申请情况\n丙\n"
            "四、政府信息公开行政复议、行政诉讼情况\n丁\n五、存在的主要问题及改进情况\n戊\n六、其他需要报告的事项\n无。",
            [
                ("overview", "一、总体情况"),
                ("active", "二、主动公开政府信息情况"),
                ("applications", "三、收到和处理政府信息公开申请情况"),
                ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
                ("problems", "五、存在的主要问题及改进情况"),
                ("other", "六、其他需要报告的事项"),
            ],
        ),
        # seed 004: headings run together with their text on one line
        (
            "本年报是按照规定编制的。 一、总体情况 2020年,黄岩区认真贯彻。 二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
            "五、存在的主要问题及改进情况 2020年,全区推进扎实。 六、其他需要报告的事项 无。",
            [
                ("overview", "一、总体情况"),
                ("active", "二、主动公开政府信息情况"),
                ("applications", "三、收到和处理政府信息公开申请情况"),
                ("problems", "五、存在的主要问题及改进情况"),
                ("other", "六、其他需要报告的事项"),
            ],
        ),
        # seed 000: the legacy parts printed as (二)(三)(四) under part 二 are parts (each a line
        # naming a whole part of another kind); part 三 missing; (一)存在的问题 under 五 is not a part
        (
            "一、政府信息公开总体情况\n1.切实强化组织领导建设\n二、主动公开政府信息情况\n(二).依申请公开政府信息和不予公开政府信息的情况\n"
            "(三).政府信息公开的收费及减免情况\n四、因政府信息公开申请提起行政诉讼、行政复议的情况\n五、政府信息公开工作存在问题及整改措施\n"
            "(一)存在的问题\n六、其他需要报告的事项\n无。",
            [
                ("overview", "一、政府信息公开总体情况"),
                ("active", "二、主动公开政府信息情况"),
                ("applications", "(二).依申请公开政府信息和不予公开政府信息的情况"),
                ("fees", "(三).政府信息公开的收费及减免情况"),
                ("review_litigation", "四、因政府信息公开申请提起行政诉讼、行政复议的情况"),
                ("problems", "五、政府信息公开工作存在问题及整改措施"),
                ("other", "六、其他需要报告的事项"),
            ],
        ),
        # legacy, no overview heading: the opening text is the overview
        (
            "2016年,按照要求,我镇不断加强组织领导,明确工作任务,完善各项制度和措施。\n(一)健全机构,强化领导。\n二、主动公开政府信息情况\n甲\n"
            "三、依申请公开政府信息情况\n乙\n四、政府信息公开的收费及减免情况\n丙\n五、因政府信息公开申请行政复议、提起行政诉讼的情况\n丁\n"
            "六、存在问题及下步工作重点\n戊",
            [
                ("overview", ""),
                ("active", "二、主动公开政府信息情况"),
                ("applications", "三、依申请公开政府信息情况"),
                ("fees", "四、政府信息公开的收费及减免情况"),
                ("review_litigation", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
                ("problems", "六、存在问题及下步工作重点"),
            ],
        ),
        # two parts both numbered 四、
        (
            "一、总体情况\n甲\n二、主动公开政府信息情况\n乙\n三、收到和处理政府信息公开申请情况\n丙\n四、政府信息公开行政复议、行政诉讼情况\n丁\n"
            "四、存在的主要问题及改进情况\n戊\n五、其他需要报告的事项\n己",
            [
                ("overview", "一、总体情况"),
                ("active", "二、主动公开政府信息情况"),
                ("applications", "三、收到和处理政府信息公开申请情况"),
                ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
                ("problems", "四、存在的主要问题及改进情况"),
                ("other", "五、其他需要报告的事项"),
            ],
        ),
        # parts numbered （一） and full-width punctuation
        (
            "（一）总体情况\n甲\n（二）主动公开政府信息情况\n乙\n（三）收到和处理政府信息公开申请情况\n丙\n（四）存在的主要问题及改进情况\n丁",
            [
                ("overview", "（一）总体情况"),
                ("active", "（二）主动公开政府信息情况"),
                ("applications", "（三）收到和处理政府信息公开申请情况"),
                ("problems", "（四）存在的主要问题及改进情况"),
            ],
        ),
        # table rows numbered like parts are not parts
        (
            "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\n0\n二、上年结转政府信息公开申请数量\n0\n"
            "三、本年度办理结果\n四、结转下年度继续办理\n0\n四、政府信息公开行政复议、行政诉讼情况\n0",
            [
                ("applications", "三、收到和处理政府信息公开申请情况"),
                ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
            ],
        ),
    ],
)
def test_split_sections_codes_and_headings(text, expected):
    assert codes(text) == expected


def test_heading_repeated_as_table_caption_is_one_section():
    text = "一、总体情况\n甲\n二、主动公开政府信息情况\n二、主动公开政府信息情况\n规章\n0\n三、收到和处理政府信息公开申请情况\n丙"
    sections = split_sections(text)
    assert [(s["seq"], s["code"], s["text"]) for s in sections] == [
        (1, "overview", "甲"),
        (2, "active", "规章\n0"),
        (3, "applications", "丙"),
    ]


def test_section_text_is_what_lies_between_headings():
    sections = split_sections("一、总体情况 第一段。\n第二段。\n二、主动公开政府信息情况\n乙")
    assert sections[0]["text"] == "第一段。\n第二段。"


def test_paren_sub_heading_running_into_its_text_is_not_a_part():
    text = (
        "一、总体情况\n（一）主动公开。全年主动公开信息12条。\n（二）依申请公开情况。本年度无申请。\n"
        "二、主动公开政府信息情况\n乙"
    )
    assert codes(text) == [("overview", "一、总体情况"), ("active", "二、主动公开政府信息情况")]


def test_same_part_headed_twice_in_different_words_stays_two_sections():
    text = (
        "二、主动公开政府信息情况\n甲\n(四)因政府信息公开申请引起的行政复议、提起行政诉讼的情况\n"
        "四、因政府信息公开申请提起行政诉讼、行政复议的情况\n五、存在的主要问题及改进情况\n戊"
    )
    assert codes(text) == [
        ("active", "二、主动公开政府信息情况"),
        ("review_litigation", "(四)因政府信息公开申请引起的行政复议、提起行政诉讼的情况"),
        ("review_litigation", "四、因政府信息公开申请提起行政诉讼、行政复议的情况"),
        ("problems", "五、存在的主要问题及改进情况"),
    ]


def test_a_part_outside_the_national_list_is_kept_where_its_number_fits() -> None:
    text = "\n".join(
        [
            "第一部分 总体情况",
            "概况。",
            "第二部分 主动公开政府信息情况",
            "表。",
            "第三部分 收到和处理政府信息公开申请情况",
            "表。",
            "第四部分 行政审批事项办理情况",
            "办理了审批。",
            "第五部分 工作人员及支出情况",
            "专职2人。",
            "第六部分 其他需要报告的事项",
            "无。",
        ]
    )
    parts = split_sections(text)
    assert [p["code"] for p in parts] == ["overview", "active", "applications", "other_part", "other_part", "other"]
    assert parts[3]["heading"] == "第四部分行政审批事项办理情况"


def test_a_table_row_numbered_like_a_part_is_not_a_part() -> None:
    text = "三、收到和处理政府信息公开申请情况\n（七）总计 | 3 | 0\n四、结转下年度继续办理 | 0 | 0\n五、存在的主要问题及改进情况\n问题。"
    assert [p["code"] for p in split_sections(text)] == ["applications", "problems"]


def test_arabic_numbering_going_back_is_a_sub_item_not_a_part() -> None:
    text = "1.总体情况\n概况。\n2.主动公开政府信息情况\n表。\n3.收到和处理政府信息公开申请情况\n2.申请人逾期未按收费通知要求缴纳费用\n4.政府信息公开行政复议、行政诉讼情况\n表。"
    assert [p["code"] for p in split_sections(text)] == ["overview", "active", "applications", "review_litigation"]


def test_a_table_of_contents_before_the_report_is_not_read_as_its_parts() -> None:
    toc = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、存在的主要问题及改进情况",
    ]
    body = [line for heading in toc for line in (heading, "本部分的正文写了几句话，说明当年的工作情况。")]
    parts = split_sections("\n".join(["目录", *toc, *body]))
    assert [p["code"] for p in parts] == ["overview", "active", "applications", "problems"]
    assert all(p["text"] for p in parts)


def test_themed_heading_keeps_its_whole_line_and_reads_zongti_as_the_overview():
    text = (
        "一、坚持以公开促落实，总体工作扎实推进\n本年度……\n"
        "二、聚焦法定内容，主动公开全面规范\n全年……\n"
        "三、依法规范办理，依申请公开有序开展\n收到申请……\n"
    )
    parts = split_sections(text)
    assert [p["code"] for p in parts] == ["overview", "active", "applications"]
    assert parts[0]["heading"] == "一、坚持以公开促落实，总体工作扎实推进"
    assert parts[0]["text"] == "本年度……"


def test_unnumbered_lines_echoing_the_numbered_parts_are_a_contents_list_not_parts():
    text = (
        "目录\n加强组织领导\n主动公开情况\n行政复议和行政诉讼情况\n"
        "现将本局2010年度政府信息公开工作情况报告如下，本报告统计期限为2010年1月1日至2010年12月31日。\n"
        "一、加强组织领导\n成立领导小组。\n二、主动公开情况\n全年主动公开312条。\n"
        "三、行政复议和行政诉讼情况\n本年度未发生。\n"
    )
    assert [p["code"] for p in split_sections(text)] == ["other_part", "active", "review_litigation"]
