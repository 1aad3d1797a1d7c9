"""The codebook: what every column and code of the database means, in Chinese and English.

One place for the labels the reading room (crawler/datasette/), the workbook
and the CSV codebook print.  The printed templates (row order and labels of
the three tables per format) follow docs/report-template.md; the codes are
those of crawler/parsing/labels.py.
"""

from __future__ import annotations

from crawler.parsing.labels import (
    ACTIVE_COLUMNS,
    APPLICATION_COLUMNS,
    APPLICATION_ROWS_2019,
    APPLICATION_ROWS_2021,
    REVIEW_GROUPS,
    REVIEW_LEAVES,
)

# Column labels of every table: "中文 · English".
COLUMNS: dict[str, dict[str, str]] = {
    "reports": {
        "report_id": "报告ID · stable id (hash of the dedup key)",
        "index_no": "索引号 · index number as printed",
        "index_key": "索引号键 · normalised index number",
        "title": "标题 · title",
        "report_year": "报告年度 · year reported on",
        "publisher": "发布机构 · publisher",
        "publisher_source": "发布机构来源 · where the publisher was read: field / meta / byline / signature / title",
        "publish_date": "发布日期 · publish date (ISO)",
        "doc_no": "文号 · document number",
        "format": "模板 · template (2021 / 2019 / legacy)",
        "portal_id": "门户 · registry entry it was crawled from",
        "province": "省份 · province",
        "level": "层级 · level of government",
        "url": "来源网址 · URL of the stored version",
        "text": "正文 · full text",
        "source_encoding": "源编码 · encoding the page was decoded with",
        "encoding_reason": "编码依据 · why that encoding",
        "script": "原文字体 · simplified / traditional",
        "fetched_at": "抓取时间 · fetched at",
        "dedup_key": "去重键 · dedup key",
        "completeness": "完整度 · score used to keep the most complete version",
        "repairs": "修复 · text repairs made (JSON)",
        "errors": "处理错误 · what went wrong while parsing (JSON)",
        "body_id": "机关ID · the reporting body",
        "content_key": "内容指纹 · fingerprint of the table cells (the same report printed twice)",
    },
    "report_urls": {
        "url": "网址 · URL",
        "report_id": "报告ID · report",
        "portal_id": "门户 · portal",
        "listing_url": "栏目页 · listing page it was linked from",
        "link_title": "链接标题 · link text",
        "kept": "保留 · 1 = the stored version",
        "first_seen": "首次发现 · first seen",
        "last_seen": "最近发现 · last seen",
    },
    "sections": {
        "report_id": "报告ID · report",
        "seq": "序号 · order in the report",
        "code": "章节代码 · section code",
        "heading": "标题 · heading as printed",
        "text": "正文 · text",
    },
    "table_cells": {
        "report_id": "报告ID · report",
        "table_code": "表代码 · table code",
        "row_code": "行代码 · row code",
        "row_label": "行标签 · row label as printed",
        "col_code": "列代码 · column code",
        "col_label": "列标签 · column label as printed",
        "raw": "原文 · cell text as printed",
        "value": "数值 · the number it means",
        "source": "读取方式 · ocr for a cell read off an image, empty for printed text",
        "confidence": "识别置信度 · OCR confidence (0–1, least confident word)",
    },
    "checks": {
        "report_id": "报告ID · report",
        "check_code": "检查代码 · check code",
        "scope": "范围 · column, row or group checked",
        "expected": "应为 · printed total",
        "actual": "实为 · sum of the printed parts",
        "status": "结果 · pass / fail / not_checkable",
        "evidence": "依据 · evidence (JSON)",
    },
    "bodies": {
        "body_id": "机关ID · body id",
        "name": "机关名称 · name",
        "province": "省份 · province",
        "level": "层级 · level",
        "portal_id": "门户 · portal",
        "names": "曾用名 · names printed (JSON)",
        "first_year": "最早年度 · first year",
        "last_year": "最近年度 · last year",
        "reports": "报告数 · reports",
    },
    "measures": {
        "report_id": "报告ID · report",
        "code": "指标代码 · measure code",
        "value": "数值 · value",
        "denominator": "分母 · denominator",
        "evidence": "依据 · evidence (JSON)",
    },
    "missing_reports": {
        "body_id": "机关ID · body",
        "year": "年度 · year",
        "reason": "原因 · why it counts as missing",
    },
    "runs": {
        "run_id": "运行ID · run",
        "spider": "爬虫 · spider",
        "started_at": "开始 · started",
        "finished_at": "结束 · finished",
        "finish_reason": "结束原因 · finish reason",
        "exit_status": "退出码 · exit status",
        "summary": "摘要 · summary (JSON)",
    },
    "pages": {
        "id": "序号 · id",
        "url": "网址 · URL",
        "method": "方法 · method",
        "fingerprint": "指纹 · request fingerprint",
        "kind": "类型 · listing / report / attachment",
        "portal_id": "门户 · portal",
        "status": "状态码 · HTTP status",
        "error": "错误 · error",
        "content_type": "内容类型 · content type",
        "size": "字节 · size",
        "attempt": "尝试 · attempt",
        "fetched_at": "抓取时间 · fetched at",
    },
    "listing_runs": {
        "start_url": "起始网址 · start URL",
        "portal_id": "门户 · portal",
        "completed_at": "完整抓取时间 · last walked to its end",
        "status": "状态 · complete / incomplete",
        "reason": "原因 · why a listing is incomplete",
        "checked_at": "检查时间 · when its completeness was last checked",
    },
    "portal_checks": {
        "id": "序号 · id",
        "portal_id": "门户 · registry entry checked",
        "url": "起始网址 · start URL checked",
        "status": "状态 · alive / moved / dead / wrong_cms / blocked / empty",
        "detail": "说明 · what the check saw",
        "http_status": "HTTP状态码 · HTTP status",
        "final_url": "最终网址 · where a redirect led",
        "checked_at": "检查时间 · checked at",
    },
    "_sqlite_migrations": {
        "id": "序号 · id",
        "migration_set": "迁移组 · migration set",
        "name": "迁移 · migration applied",
        "applied_at": "应用时间 · applied at",
    },
}

TABLES: dict[str, str] = {
    "active": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "review_litigation": "政府信息公开行政复议、行政诉讼情况",
}

SECTIONS: dict[str, str] = {
    "overview": "总体情况",
    "active": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "fees": "收费及减免情况",
    "review_litigation": "行政复议、行政诉讼情况",
    "problems": "存在的主要问题及改进情况",
    "other": "其他需要报告的事项",
}

ACTIVE_COLUMN_LABELS: dict[str, str] = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "fee_amount": "本年收费金额（单位：万元）",
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "prev_year": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "procurement_items": "采购项目数量",
    "procurement_amount": "采购总金额",
}

ACTIVE_ROWS: dict[str, tuple[str, str]] = {  # row -> (block, label)
    "rules": ("第二十条第（一）项", "规章"),
    "normative": ("第二十条第（一）项", "行政规范性文件"),
    "licensing": ("第二十条第（五）项", "行政许可"),
    "other_services": ("第二十条第（五）项", "其他对外管理服务事项"),
    "penalty": ("第二十条第（六）项", "行政处罚"),
    "coercion": ("第二十条第（六）项", "行政强制"),
    "fees": ("第二十条第（八）项", "行政事业性收费"),
    "procurement": ("第二十条第（九）项", "政府集中采购"),
}

APPLICATION_COLUMN_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构",
    "other": "其他",
    "total": "总计",
}

APPLICATION_ROW_LABELS: dict[str, str] = {
    "1": "一、本年新收政府信息公开申请数量",
    "2": "二、上年结转政府信息公开申请数量",
    "3.1": "三、本年度办理结果 （一）予以公开",
    "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3.1": "（三）不予公开 1.属于国家秘密",
    "3.3.2": "2.其他法律行政法规禁止公开",
    "3.3.3": "3.危及“三安全一稳定”",
    "3.3.4": "4.保护第三方合法权益",
    "3.3.5": "5.属于三类内部事务信息",
    "3.3.6": "6.属于四类过程性信息",
    "3.3.7": "7.属于行政执法案卷",
    "3.3.8": "8.属于行政查询事项",
    "3.4.1": "（四）无法提供 1.本机关不掌握相关政府信息",
    "3.4.2": "2.没有现成信息需要另行制作",
    "3.4.3": "3.补正后申请内容仍不明确",
    "3.5.1": "（五）不予处理 1.信访举报投诉类申请",
    "3.5.2": "2.重复申请",
    "3.5.3": "3.要求提供公开出版物",
    "3.5.4": "4.无正当理由大量反复申请",
    "3.5.5": "5.要求行政机关确认或重新出具已获取信息",
    "3.6": "（六）其他处理",
    "3.6.1": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "3.6.2": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.6.3": "3.其他",
    "3.7": "（七）总计",
    "4": "四、结转下年度继续办理",
}

REVIEW_GROUP_LABELS: dict[str, str] = {
    "review": "行政复议",
    "suit_direct": "行政诉讼 · 未经复议直接起诉",
    "suit_after_review": "行政诉讼 · 复议后起诉",
}
REVIEW_LEAF_LABELS: dict[str, str] = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

CHECKS: dict[str, str] = {
    "applications_balance": "收支平衡：新收 + 上年结转 = 总计 + 结转下年 · what came in equals what was settled plus carried forward",
    "applications_outcomes": "办理结果合计：总计 = 各项结果之和 · the settled total equals its breakdown",
    "applications_applicants": "申请人合计：总计列 = 六类申请人之和 · each row's total equals its applicants",
    "review_litigation_totals": "复议诉讼合计：总计 = 维持 + 纠正 + 其他 + 尚未审结 · each group's total equals its outcomes",
    "cross_year_carryover": "跨年结转：上年“结转下年” = 本年“上年结转” · last year's carried forward equals this year's carried over",
    "cross_year_in_force": "跨年现行有效：上年现行有效 + 本年制发 − 本年废止 = 本年现行有效 · documents in force carry across years",
    "text_vs_table": "正文与表格：正文所述数字与表格一致 · numbers stated in the text match the table",
    "outline": "提纲：六个部分齐全、顺序正确 · the six parts of the template are all there, in order",
    "foreign_name": "他机关名称：正文以其他地区机关名义报告 · the text reports in another region's body's name",
}

MEASURES: dict[str, str] = {
    "text_reuse_prev_year": "与上年报告文字重复率 · share of sentences reused from the body's previous report",
    "text_reuse_other_bodies": "与其他机关报告文字重复率 · share of sentences found in other bodies' reports",
    "days_late": "逾期天数 · days after the statutory deadline",
    "disclosure_rate": "公开率（予以公开+部分公开）/ 办结 · disclosed in full or in part, of settled",
    "refusal_rate": "不予公开率 · refused, of settled",
    "unavailable_rate": "无法提供率 · could not be provided, of settled",
    "review_correction_rate": "复议纠错率 · reconsiderations that corrected the body",
    "litigation_correction_rate": "诉讼纠错率 · lawsuits that corrected the body",
}

STATUSES: dict[str, str] = {
    "pass": "通过 · the numbers add up",
    "fail": "不符 · the printed numbers do not add up",
    "not_checkable": "无法检查 · a blank or missing operand",
}

FORMATS: dict[str, str] = {
    "2021": "2021年模板（国办公开办函〔2021〕30号）",
    "2019": "2019年模板（国办公开办函〔2019〕60号）",
    "legacy": "旧式（2008–2018，无固定表格）",
}


def application_rows(report_format: str | None) -> tuple[str, ...]:
    """The applications rows of a format's printed table, in printed order."""
    return APPLICATION_ROWS_2019 if report_format == "2019" else APPLICATION_ROWS_2021


def active_rows(report_format: str | None) -> dict[str, tuple[str, ...]]:
    """Row -> columns of the active table as a format prints it."""
    return ACTIVE_COLUMNS["2019" if report_format == "2019" else "2021"]


def review_columns() -> list[tuple[str, str, str]]:
    """(col_code, group label, leaf label) of the review_litigation row, in printed order."""
    return [
        (f"{g}.{leaf}", REVIEW_GROUP_LABELS[g], REVIEW_LEAF_LABELS[leaf])
        for g in REVIEW_GROUPS
        for leaf in REVIEW_LEAVES
    ]


def cell_label(table_code: str, row_code: str, col_code: str) -> str:
    """The Chinese header of one cell in a wide sheet: row label · column label.

    >>> cell_label("applications", "3.3.1", "natural_person")
    '（三）不予公开 1.属于国家秘密 · 自然人'
    """
    if table_code == "applications":
        return f"{APPLICATION_ROW_LABELS.get(row_code, row_code)} · {APPLICATION_COLUMN_LABELS.get(col_code, col_code)}"
    if table_code == "active":
        row = ACTIVE_ROWS.get(row_code, ("", row_code))[1]
        return f"{row} · {ACTIVE_COLUMN_LABELS.get(col_code, col_code)}"
    group, _, leaf = col_code.partition(".")
    return f"{REVIEW_GROUP_LABELS.get(group, group)} · {REVIEW_LEAF_LABELS.get(leaf, leaf)}"


def all_cells(table_code: str) -> list[tuple[str, str]]:
    """Every (row_code, col_code) a table can hold, in printed order, both formats."""
    if table_code == "applications":
        rows = tuple(dict.fromkeys(APPLICATION_ROWS_2021[:-2] + ("3.6",) + APPLICATION_ROWS_2021[-2:]))
        return [(r, c) for r in rows for c in APPLICATION_COLUMNS]
    if table_code == "active":
        cells: dict[tuple[str, str], None] = {}
        for row in ACTIVE_ROWS:
            for fmt in ("2021", "2019"):
                for col in ACTIVE_COLUMNS[fmt].get(row, ()):
                    cells[(row, col)] = None
        return list(cells)
    return [("all", code) for code, _, _ in review_columns()]


def codebook_rows() -> list[tuple[str, str, str]]:
    """(kind, code, meaning) for every column and code: the codebook sheet and codebook.csv."""
    rows: list[tuple[str, str, str]] = []
    for table, columns in COLUMNS.items():
        rows.extend((f"column:{table}", col, label) for col, label in columns.items())
    rows.extend(("format", code, label) for code, label in FORMATS.items())
    rows.extend(("table_code", code, label) for code, label in TABLES.items())
    rows.extend(("section_code", code, label) for code, label in SECTIONS.items())
    rows.extend(("applications.row_code", code, label) for code, label in APPLICATION_ROW_LABELS.items())
    rows.extend(("applications.col_code", code, label) for code, label in APPLICATION_COLUMN_LABELS.items())
    rows.extend(("active.row_code", code, f"{block} {label}") for code, (block, label) in ACTIVE_ROWS.items())
    rows.extend(("active.col_code", code, label) for code, label in ACTIVE_COLUMN_LABELS.items())
    rows.extend(("review_litigation.col_code", code, f"{g} · {leaf}") for code, g, leaf in review_columns())
    rows.extend(("check_code", code, label) for code, label in CHECKS.items())
    rows.extend(("status", code, label) for code, label in STATUSES.items())
    rows.extend(("measure_code", code, label) for code, label in MEASURES.items())
    return rows


# One row per report with the outcome of its checks, for facets (migration v3_reading_room).
REPORT_STATUS_VIEW = """
CREATE VIEW IF NOT EXISTS report_status AS
SELECT r.report_id, r.title, r.report_year, r.province, r.level, r.format, r.publisher, r.portal_id, r.body_id,
  r.publish_date,
  CASE
    WHEN EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.report_id AND c.status = 'fail') THEN 'fail'
    WHEN EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.report_id AND c.status = 'pass') THEN 'pass'
    WHEN EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.report_id) THEN 'not_checkable'
    ELSE 'unchecked'
  END AS check_status,
  (SELECT COUNT(*) FROM checks c WHERE c.report_id = r.report_id AND c.status = 'fail') AS failing_checks,
  (SELECT m.value FROM measures m WHERE m.report_id = r.report_id AND m.code = 'days_late') AS days_late,
  r.url
FROM reports r
"""
