"""Tables: grid building, cell values, canonical mapping of all three tables."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.parsing.grid import clean_label, data_tables, table_grid, text_runs
from crawler.parsing.labels import APPLICATION_ROWS_2019, APPLICATION_ROWS_2021, REVIEW_COLUMNS
from crawler.parsing.tables import extract_tables
from crawler.parsing.values import parse_value

APP_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total"]
LABELS_2021 = {
    "1": "一、本年新收政府信息公开申请数量",
    "2": "二、上年结转政府信息公开申请数量",
    "3.1": "（一）予以公开",
    "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3.1": "1.属于国家秘密",
    "3.3.2": "2.其他法律行政法规禁止公开",
    "3.3.3": "3.危及“三安全一稳定”",
    "3.3.4": "4.保护第三方合法权益",
    "3.3.5": "5.属于三类内部事务信息",
    "3.3.6": "6.属于四类过程性信息",
    "3.3.7": "7.属于行政执法案卷",
    "3.3.8": "8.属于行政查询事项",
    "3.4.1": "1.本机关不掌握相关政府信息",
    "3.4.2": "2.没有现成信息需要另行制作",
    "3.4.3": "3.补正后申请内容仍不明确",
    "3.5.1": "1.信访举报投诉类申请",
    "3.5.2": "2.重复申请",
    "3.5.3": "3.要求提供公开出版物",
    "3.5.4": "4.无正当理由大量反复申请",
    "3.5.5": "5.要求行政机关确认或重新出具已获取信息",
    "3.6.1": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "3.6.2": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.6.3": "3.其他",
    "3.6": "（六）其他处理",
    "3.7": "（七）总计",
    "4": "四、结转下年度继续办理",
}
GROUPS = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理", "3.6": "（六）其他处理"}


def app_value(row: str, col: int) -> int:
    """A distinct number per cell, so a shifted row or column cannot pass."""
    return APPLICATION_ROWS_2021.index(row) * 10 + col if row in APPLICATION_ROWS_2021 else 900 + col


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0件", 0),
        ("１２", 12),
        ("/", None),
        ("—", None),
        ("无", None),
        ("", None),
        ("1,234", 1234),
        ("3.5", 3.5),
        ("12.50万元", 12.5),
        ("-3", -3),
        ("+2", 2),
        (" 7 ", 7),
        ("约10", None),
        ("见附件", None),
    ],
)
def test_parse_value(raw, value):
    assert parse_value(raw) == value and type(parse_value(raw)) is type(value)


@pytest.mark.parametrize(
    ("printed", "label"),
    [
        ("商业 企业", "商业企业"),
        ("本年新\n制作数量", "本年新制作数量"),
        ("（一） 予以公开", "(一)予以公开"),
    ],
)
def test_clean_label_removes_stray_spaces_and_breaks(printed, label):
    assert clean_label(printed) == label


# ---------------------------------------------------------------- grid


@pytest.mark.parametrize(
    ("html", "grid"),
    [
        (
            '<table><tr><td rowspan="2">a</td><td colspan="2">b</td></tr><tr><td>c</td><td>d</td></tr></table>',
            [["a", "b", "b"], ["a", "c", "d"]],
        ),
        (
            "<table><tbody><tr><td rowspan=3>a</td><td>b</td></tr><tr><td>c</td></tr><tr><td>d</td></tr></tbody></table>",
            [["a", "b"], ["a", "c"], ["a", "d"]],
        ),
        (
            "<table><tr><td colspan=2 rowspan=2>x</td><td>1</td></tr><tr><td>2</td></tr><tr><td>p</td><td>q</td><td>3</td></tr></table>",
            [["x", "x", "1"], ["x", "x", "2"], ["p", "q", "3"]],
        ),
        # Word markup: <p><span> inside cells, &nbsp; blanks, broken spans
        (
            "<table><tr><td width=20 style='x'><p class=MsoNormal><span>商业</span><span> 企业</span></p></td>"
            "<td><p><span>&nbsp;</span></p></td></tr></table>",
            [["商业 企业", ""]],
        ),
        # rowspan running past the end is clipped
        ("<table><tr><td rowspan=9>a</td><td>b</td></tr></table>", [["a", "b"]]),
    ],
)
def test_table_grid_expands_spans(html, grid):
    table = Selector(text=html).xpath("//table")[0]
    assert [[cell.text for cell in row] for row in table_grid(table)] == grid


def test_layout_table_is_rejected_but_its_inner_table_is_kept():
    html = "<div><table><tr><td><table id=inner><tr><td>规章</td><td>1</td></tr></table></td></tr></table></div>"
    tables = data_tables(Selector(text=html))
    assert [t.attrib.get("id") for t in tables] == ["inner"]


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("规章\n\n      0\n0\n行政许可", [(["规章"], ["0", "0"]), (["行政许可"], [])]),
        ("信息内容 | 本年制发件数 | |\n规章 | 1 | 2 | |", [(["信息内容", "本年制发件数", "规章"], ["1", "2"])]),
    ],
)
def test_text_runs_group_labels_and_values(text, runs):
    assert text_runs(text) == runs


# ---------------------------------------------------------------- HTML builders (official template shape)


def td(text: object, rowspan: int = 1, colspan: int = 1) -> str:
    return f'<td rowspan="{rowspan}" colspan="{colspan}"><p class=MsoNormal><span>{text}</span></p></td>'


def applications_html(fmt: str, *, split_after: str | None = None, col_labels: list[str] | None = None) -> str:
    rows_spec = APPLICATION_ROWS_2021 if fmt == "2021" else APPLICATION_ROWS_2019
    cl = col_labels or ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    head = [
        td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3) + td("申请人情况", 1, 7),
        td(cl[0], 2) + td("法人或其他组织", 1, 5) + td(cl[6], 2),
        "".join(td(x) for x in cl[1:6]),
    ]
    results = [r for r in rows_spec if r.startswith("3")]
    body, done_groups = [], set()
    for row in rows_spec:
        cells = ""
        if row.startswith("3"):
            if row == results[0]:
                cells += td("三、本年度办理结果", len(results))
            group = row.rsplit(".", 1)[0] if row.count(".") == 2 else None
            if group and group not in done_groups:
                done_groups.add(group)
                cells += td(GROUPS[group], sum(1 for r in rows_spec if r.startswith(group + ".")))
            cells += td(LABELS_2021[row], 1, 1 if group else 2)
        else:
            cells += td(LABELS_2021[row], 1, 3)
        cells += "".join(td(app_value(row, i)) for i in range(7))
        body.append(cells)
    if split_after is None:
        return "<table>" + "".join(f"<tr>{r}</tr>" for r in head + body) + "</table>"
    cut = rows_spec.index(split_after) + 1
    first, second = body[:cut], body[cut:]
    # Word's split: the continued 三、 label cell is blank in the second part
    first[len([r for r in rows_spec[:cut] if not r.startswith("3")])] = first[
        len([r for r in rows_spec[:cut] if not r.startswith("3")])
    ].replace(f'rowspan="{len(results)}"', f'rowspan="{len([r for r in rows_spec[:cut] if r.startswith("3")])}"')
    second[0] = td("", len([r for r in rows_spec[cut:] if r.startswith("3")])) + second[0]
    return (
        "<table>" + "".join(f"<tr>{r}</tr>" for r in head + first) + "</table><p>（续表）</p>"
        "<table>" + "".join(f"<tr>{r}</tr>" for r in second) + "</table>"
    )


def expected_apps(fmt: str) -> dict[str, dict[str, int]]:
    rows_spec = APPLICATION_ROWS_2021 if fmt == "2021" else APPLICATION_ROWS_2019
    return {r: {c: app_value(r, i) for i, c in enumerate(APP_COLS)} for r in rows_spec}


REVIEW_HEAD = (
    "<tr>"
    + td("行政复议", 1, 5)
    + td("行政诉讼", 1, 10)
    + "</tr><tr>"
    + "".join(td(x, 2) for x in ["结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"])
    + td("未经复议直接起诉", 1, 5)
    + td("复议后起诉", 1, 5)
    + "</tr><tr>"
    + "".join(td(x) for x in ["结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"]) * 2
    + "</tr>"
)


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_applications_html_with_three_header_rows_and_long_row_spans(fmt):
    result = extract_tables(main=Selector(text=applications_html(fmt)), fmt=fmt)
    assert result.tables["applications"] == expected_apps(fmt)


def test_applications_split_in_two_tables_keeps_every_row():
    result = extract_tables(main=Selector(text=applications_html("2021", split_after="3.3.8")), fmt="2021")
    assert result.tables["applications"] == expected_apps("2021")
    assert not [e for e in result.errors if e.startswith("applications")]


def test_applications_header_labels_with_stray_spaces():
    labels = ["自 然 人", "商业 企业", "科研\n机构", "社会公益 组织", "法律服务机构", "其 他", "总  计"]
    result = extract_tables(main=Selector(text=applications_html("2021", col_labels=labels)), fmt="2021")
    assert result.tables["applications"] == expected_apps("2021")


def test_applications_columns_follow_labels_not_position():
    # a portal that printed 总计 first: its numbers must still land in `total`
    html = applications_html("2021")
    table = Selector(text=html)
    result = extract_tables(main=table, fmt="2021")
    cell = next(c for c in result.cells if c["row_code"] == "3.3.5" and c["col_code"] == "legal_service")
    assert (cell["row_label"], cell["col_label"], cell["raw"], cell["value"]) == (
        "5.属于三类内部事务信息",
        "法律服务机构",
        str(app_value("3.3.5", 4)),
        app_value("3.3.5", 4),
    )


def test_applications_reordered_columns_are_mapped_by_header():
    html = (
        "<table><tr>"
        + td("申请人情况", 1, 1)
        + td("总计")
        + td("自然人")
        + "</tr><tr>"
        + td("一、本年新收政府信息公开申请数量")
        + td(9)
        + td(4)
        + "</tr></table>"
    )
    result = extract_tables(main=Selector(text=html), fmt="2021")
    assert result.tables["applications"]["1"] == {"total": 9, "natural_person": 4}


def test_review_table_three_header_rows():
    html = "<table>" + REVIEW_HEAD + "<tr>" + "".join(td(i) for i in range(1, 16)) + "</tr></table>"
    result = extract_tables(main=Selector(text=html), fmt="2021")
    assert result.tables["review_litigation"] == {"all": dict(zip(REVIEW_COLUMNS, range(1, 16), strict=False))}


def test_blank_and_placeholder_cells_are_null_with_raw_kept():
    html = (
        "<table>"
        + REVIEW_HEAD
        + "<tr>"
        + td("")
        + td("/")
        + td("—")
        + td("无")
        + "".join(td("0件") for _ in range(11))
        + "</tr></table>"
    )
    cells = extract_tables(main=Selector(text=html), fmt="2021").cells
    assert [(c["raw"], c["value"]) for c in cells[:5]] == [
        ("", None),
        ("/", None),
        ("—", None),
        ("无", None),
        ("0件", 0),
    ]


ACTIVE_2021_HTML = (
    "<table>"
    "<tr>"
    + td("第二十条第（一）项", 1, 4)
    + "</tr><tr>"
    + td("信息内容")
    + td("本年制发件数")
    + td("本年废止件数")
    + td("现行有效件数")
    + "</tr>"
    "<tr>" + td("规章") + td(1) + td(2) + td(3) + "</tr><tr>" + td("行政规范性文件") + td(4) + td(5) + td(6) + "</tr>"
    "<tr>" + td("第二十条第（五）项", 1, 4) + "</tr><tr>" + td("信息内容") + td("本年处理决定数量", 1, 3) + "</tr>"
    "<tr>" + td("行政许可") + td(7, 1, 3) + "</tr>"
    "<tr>" + td("第二十条第（六）项", 1, 4) + "</tr><tr>" + td("信息内容") + td("本年处理决定数量", 1, 3) + "</tr>"
    "<tr>" + td("行政处罚") + td(8, 1, 3) + "</tr><tr>" + td("行政强制") + td(9, 1, 3) + "</tr>"
    "<tr>"
    + td("第二十条第（八）项", 1, 4)
    + "</tr><tr>"
    + td("信息内容")
    + td("本年收费金额（单位：万元）", 1, 3)
    + "</tr>"
    "<tr>" + td("行政事业性收费") + td("12.35", 1, 3) + "</tr></table>"
)

ACTIVE_2021 = {
    "rules": {"issued": 1, "repealed": 2, "in_force": 3},
    "normative": {"issued": 4, "repealed": 5, "in_force": 6},
    "licensing": {"decisions": 7},
    "penalty": {"decisions": 8},
    "coercion": {"decisions": 9},
    "fees": {"fee_amount": 12.35},
}


def test_active_2021_blocks_each_with_their_own_header():
    result = extract_tables(main=Selector(text=ACTIVE_2021_HTML), fmt="2021")
    assert result.tables["active"] == ACTIVE_2021


# ---------------------------------------------------------------- text tables


def one_cell_per_line_2019() -> str:
    """Seed 002's shape: the 2019 template flattened to one cell per line."""
    lines = [
        "二、主动公开政府信息情况",
        "第二十条第(一)项",
        "信息内容",
        "本年新",
        "制作数量",
        "本年新",
        "公开数量",
        "对外公开总数量",
        "规章",
        "      1",
        "2",
        "       3",
        "规范性文件",
        "4",
        "5",
        "6",
        "第二十条第(五)项",
        "信息内容",
        "上一年项目数量",
        "本年增/减",
        "处理决定数量",
        "行政许可",
        "7",
        "-1",
        "8",
        "其他对外管理服务事项",
        "9",
        "10",
        "11",
        "第二十条第(六)项",
        "信息内容",
        "上一年项目数量",
        "本年增/减",
        "处理决定数量",
        "行政处罚",
        "12",
        "13",
        "14",
        "行政强制",
        "15",
        "16",
        "17",
        "第二十条第(八)项",
        "信息内容",
        "上一年项目数量",
        "本年增/减",
        "行政事业性收费",
        "18",
        "19",
        "第二十条第(九)项",
        "信息内容",
        "采购项目数量",
        "采购总金额",
        "政府集中采购",
        "20",
        "21.5",
        " ",
        "三、收到和处理政府信息公开申请情况",
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    for row in APPLICATION_ROWS_2019:
        if row == "3.1":
            lines.append("三、本年度办理结果")
        for group, label in GROUPS.items():
            if row == group + ".1" and group != "3.6":
                lines.append(label)
        lines.append(LABELS_2021[row].replace("（", "(").replace("）", ")"))
        lines += [str(app_value(row, i)) for i in range(7)]
    lines += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议",
        "行政诉讼",
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
        "未经复议直接起诉",
        "复议后起诉",
    ] + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    lines += [str(100 + i) for i in range(15)]
    lines += [
        "五、存在的主要问题及改进情况",
        "我乡在2020年政府信息公开方面主要存在以下问题。",
        "六、其他需要报告的事项",
        "无",
    ]
    return "\n\n".join(lines)


def pipe_rows_2021() -> str:
    """Seed 003's shape: `|` rows, header cells truncated or split by spaces."""
    out = [
        "二、主动公开政府信息情况",
        "第二十条第(一)项 | |||",
        "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
        "规章 | 1 | 2 | 3 |",
        "行政规范性文件 | 4 | 5 | 6 |",
        "第二十条第(五)项 | |||",
        "信息内容 | 本年处理决定数量 | ||",
        "行政许可 | 7 | ||",
        "第二十条第(六)项 | |||",
        "信息内容 | 本年处理决定数量 | ||",
        "行政处罚 | 8 | ||",
        "行政强制 | 9 | ||",
        "第二十条第(八)项 | |||",
        "信息内容 | 本年收费金额(单位:万元) | ||",
        "行政事业性收费 | 12.35 | ||",
        "三、收到和处理政府信息公开申请情况",
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||||",
        "自然人 | 法人或其他组织 | 总计 | |||||||",
        "商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | ||||",
    ]
    for row in APPLICATION_ROWS_2021:
        labels = [LABELS_2021[row]]
        group = row.rsplit(".", 1)[0] if row.count(".") == 2 else None
        if row == "3.1":
            labels.insert(0, "三、本年度办理结果")
        if group and row.endswith(".1"):
            labels.insert(0, GROUPS[group])
        out.append(" | ".join(labels + [str(app_value(row, i)) for i in range(7)]) + " | ||")
    out += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 | |||||||||||||",
        "结果维持 | 结果 | 其他 | 尚未 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||",
        "结果 | 结果 | 其他 | 尚未 | 总计 | 结果 | 结果 | 其他 | 尚未 | 总计 | |||||",
        " | ".join(str(100 + i) for i in range(15)) + " |",
        "五、存在问题及下步计划",
        "回顾一年来的工作。",
    ]
    return "\n".join(out)


def test_one_cell_per_line_text_table_2019():
    result = extract_tables(text=one_cell_per_line_2019(), fmt="2019")
    assert result.tables["active"] == {
        "rules": {"new_made": 1, "new_published": 2, "total_published": 3},
        "normative": {"new_made": 4, "new_published": 5, "total_published": 6},
        "licensing": {"prev_year": 7, "change": -1, "decisions": 8},
        "other_services": {"prev_year": 9, "change": 10, "decisions": 11},
        "penalty": {"prev_year": 12, "change": 13, "decisions": 14},
        "coercion": {"prev_year": 15, "change": 16, "decisions": 17},
        "fees": {"prev_year": 18, "change": 19},
        "procurement": {"procurement_items": 20, "procurement_amount": 21.5},
    }
    assert result.tables["applications"] == expected_apps("2019")
    assert result.tables["review_litigation"] == {"all": dict(zip(REVIEW_COLUMNS, range(100, 115), strict=False))}
    assert result.errors == []


def test_pipe_rows_text_table_2021():
    result = extract_tables(text=pipe_rows_2021(), fmt="2021")
    assert result.tables["active"] == ACTIVE_2021
    assert result.tables["applications"] == expected_apps("2021")
    assert result.tables["review_litigation"] == {"all": dict(zip(REVIEW_COLUMNS, range(100, 115), strict=False))}
    assert result.errors == []


def test_partly_mapped_table_keeps_what_it_can_and_says_why():
    text = (
        "三、收到和处理政府信息公开申请情况\n申请人情况 | 自然人 | 总计\n一、本年新收政府信息公开申请数量 | 1 | 2 | 3\n"
    )
    result = extract_tables(text=text, fmt="2021")
    assert result.tables["applications"]["1"] == {"natural_person": 1, "commercial": 2, "research": 3}
    assert any("3 values for 7 columns" in e for e in result.errors)
    assert any("rows not found" in e for e in result.errors)


def test_report_without_tables_records_missing_tables_unless_legacy():
    assert extract_tables(text="一、概述\n正文。", fmt="legacy").errors == []
    assert extract_tables(text="一、总体情况\n正文。", fmt="2021").errors == [
        "active: table not found",
        "applications: table not found",
        "review_litigation: table not found",
    ]


def test_narrative_numbers_are_not_table_cells():
    text = "一、总体情况\n全年受理行政许可事项123件。\n行政许可\n办理了很多。\n六、其他需要报告的事项\n无"
    assert extract_tables(text=text, fmt="legacy").cells == []


def test_review_header_truncated_as_printed_is_mapped_by_position_with_the_reason():
    """Seed 003: `结果维持 | 结果 | 其他 | 尚未 | 总计` — the labels alone cannot place the columns."""
    short = ["结果", "结果", "其他", "尚未", "总计"]
    head = (
        "<tr>"
        + td("行政复议", 1, 5)
        + td("行政诉讼", 1, 10)
        + "</tr><tr>"
        + "".join(td(x, 2) for x in ["结果维持"] + short[1:])
        + td("未经复议直接起诉", 1, 5)
        + td("复议后起诉", 1, 5)
        + "</tr><tr>"
        + "".join(td(x) for x in short * 2)
        + "</tr>"
    )
    html = "<table>" + head + "<tr>" + "".join(td(i) for i in range(1, 16)) + "</tr></table>"
    result = extract_tables(main=Selector(text=html), fmt="2021")
    assert result.tables["review_litigation"] == {"all": dict(zip(REVIEW_COLUMNS, range(1, 16), strict=False))}
    assert result.errors[0] == (
        "review_litigation: header labels short of the template's (结果 其他 尚未); "
        "the 15 columns mapped by the template's order"
    )


def test_tables_printed_as_images_are_a_recorded_error_not_missing_tables():
    """Seed 004: the three tables are pictures; the report keeps no table data and says why."""
    html = (
        "<div>二、主动公开政府信息情况<br><p><img src='/picture/0/a.png'></p>三、收到和处理政府信息公开申请情况<br>"
        "<p><img src='/picture/0/b.png'></p>四、政府信息公开行政复议、行政诉讼情况<br><p><img src='/picture/0/c.png'></p></div>"
    )
    result = extract_tables(main=Selector(text=html), text="二、主动公开政府信息情况", fmt="2019")
    assert result.cells == []
    assert result.errors == ["tables printed as images (3 <img> in the report body): no table data"]


def _active_table(rows: str) -> str:
    return (
        "<table><tr><td colspan='4'>第二十条第（一）项</td></tr>"
        "<tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>"
        "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>"
        f"{rows}"
        "<tr><td colspan='4'>第二十条第（五）项</td></tr>"
        "<tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>"
        "<tr><td>行政许可（本机关不承担行政许可职能，下同）</td><td>5</td><td>+1</td><td>9</td></tr>"
        "</table>"
    )


def _cells(html: str) -> dict[tuple[str, str], object]:
    result = extract_tables(main=Selector(text=html), fmt="2019")
    return {(str(c["row_code"]), str(c["col_code"])): c["value"] for c in result.cells}


def test_regional_extra_row_is_kept_as_an_extra_cell_with_the_blocks_columns():
    cells = _cells(
        _active_table(
            "<tr><td>规范性文件</td><td>4</td><td>4</td><td>27</td></tr>"
            "<tr><td>其他主动公开文件</td><td>118</td><td>118</td><td>640</td></tr>"
        )
    )
    assert cells[("extra:其他主动公开文件", "new_made")] == 118
    assert cells[("extra:其他主动公开文件", "total_published")] == 640
    assert cells[("normative", "total_published")] == 27


def test_row_label_with_a_parenthetical_note_is_the_template_row():
    cells = _cells(
        _active_table(
            "<tr><td>规范性文件（含以区政府名义印发的文件，不含部门文件）</td><td>3</td><td>1</td><td>17</td></tr>"
        )
    )
    assert cells[("normative", "new_made")] == 3
    assert cells[("licensing", "decisions")] == 9
    assert not any(row.startswith("extra:") for row, _ in cells)


def test_unknown_label_outside_the_active_table_is_not_an_extra_row():
    html = (
        "<table><tr><td>申请人情况</td><td>自然人</td><td>总计</td></tr>"
        "<tr><td>本年度收到的快递件数</td><td>3</td><td>3</td></tr></table>"
    )
    result = extract_tables(main=Selector(text=html), fmt="2021")
    assert not any(str(c["row_code"]).startswith("extra:") for c in result.cells)
