"""Label synonyms and heading patterns: the Chinese data the parsers match.

One place per concept.  Everything here is matched against text that has
been *compacted* (see :func:`compact`): whitespace removed, full-width
punctuation folded to half width, so ``商业 企业`` and ``（一）`` need no
variants of their own.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# --------------------------------------------------------------------------
# helpers shared by every parser


_WHITESPACE = re.compile(r"\s+")


# Taiwan vocabulary that mirrors and big5 gateways print for mainland terms (OpenCC's
# Traditional → Simplified keeps the words): matched as the mainland term.
TAIWAN_WORDS = (("资讯", "信息"), ("檔案", "文件"), ("档案", "文件"), ("資訊", "信息"))
_TAIWAN = re.compile("|".join(w for w, _ in TAIWAN_WORDS))
_MAINLAND = dict(TAIWAN_WORDS)


def compact(text: str) -> str:
    """Fold width, drop whitespace, read Taiwan vocabulary as mainland: the form labels are matched in.

    Labels and headings recur in every report: a short text is compacted
    once (cached); a long one (a page's text) is not kept.

    >>> compact("（三） 商业 企业"), compact("行政规范性档案"), compact("政府资讯公开")
    ('(三)商业企业', '行政规范性文件', '政府信息公开')
    """
    if text and len(text) <= _CACHED_LENGTH:
        return _compact_cached(text)
    return _compact(text)


_CACHED_LENGTH = 200


def _compact(text: str) -> str:
    flat = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    return _TAIWAN.sub(_mainland, flat)


_compact_cached = functools.lru_cache(maxsize=16384)(_compact)


def _mainland(match: re.Match[str]) -> str:
    return _MAINLAND[match.group(0)]


CN_DIGITS = "零〇一二三四五六七八九十"

# Numbering printed in front of a heading or a row label.
NUMBERING = re.compile(
    r"^(?:"
    r"[一二三四五六七八九十]{1,3}\s*[、.．,，]"  # 一、
    r"|[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）][、.．]?"  # （一）
    r"|\d{1,2}\s*[、.．]"  # 1.  1、
    r"|[(（]\s*\d{1,2}\s*[)）]"  # (1)
    r"|第[一二三四五六七八九十]{1,3}[部分章]?[、:：]?"
    r")\s*"
)


def strip_numbering(text: str) -> str:
    """Drop leading numbering such as ``一、``, ``（三）``, ``2.``."""
    return NUMBERING.sub("", text.strip(), count=1).strip()


# --------------------------------------------------------------------------
# metadata block labels (value follows a colon)

META_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "索 引 号", "信息索引号", "索取号"),
    "publisher": (
        "发布机构",
        "发布单位",
        "发文机关",
        "发文单位",
        "公开主体",
        "发布主体",
        "信息来源",
        "来源",
        "生成机构",
        "制发机关",
        "所属机构",
    ),
    "publish_date": ("发布日期", "发布时间", "公开日期", "公开时间", "发文日期", "成文日期", "生成日期", "日期"),
    "doc_no": ("文号", "发文字号", "文件编号"),
    "title": ("标题", "名称", "信息名称"),
}

# Other labels a metadata line prints right after a value, often with no separator
# (<span>发布机构：</span><span>某区政府办公室</span><span>发布日期：…</span>): a value ends
# where one of these, or a metadata label, begins.
CHROME_LABELS = (
    "浏览次数",
    "访问次数",
    "阅读次数",
    "点击次数",
    "点击数",
    "点击率",
    "访问量",
    "浏览量",
    "阅读量",
    "阅读",
    "浏览",
    "字号",
    "字体",
    "分享到",
    "分享",
    "打印",
    "分类",
    "主题分类",
    "体裁分类",
    "组配分类",
    "公开方式",
    "公开范围",
    "公开形式",
    "公开属性",
    "时效",
    "有效性",
    "信息类别",
    "作者",
    "责任编辑",
    "编辑",
    "审核",
    "关键词",
    "主题词",
    "服务对象",
    "生效日期",
    "失效日期",
    "废止日期",
    "发文时间",
    "更新时间",
    "录入时间",
    "信息分类",
)
# What a publisher field prints when it names no body (the site, an editor, nobody).
NOT_BODIES = (
    "本站",
    "本网",
    "本网站",
    "网站",
    "原创",
    "本站原创",
    "佚名",
    "管理员",
    "系统管理员",
    "admin",
    "未知",
    "其他",
)

# <meta name=...> tags portals use for the same things (TRS, Hanweb, …).
META_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("ArticleTitle", "Title", "title"),
    "publish_date": ("PubDate", "pubdate", "firstpublishedtime", "publishdate"),
    "publisher": ("ContentSource", "contentsource", "Author"),
}

# A signature line naming the reporting body ends with one of these.
BODY_SUFFIXES = (
    "人民政府",
    "政府",
    "办公室",
    "办公厅",
    "委员会",
    "局",
    "厅",
    "委",
    "镇",
    "乡",
    "街道",
    "街道办事处",
    "办事处",
    "中心",
    "院",
    "所",
    "处",
    "署",
)

# --------------------------------------------------------------------------
# format markers: template wording that only one generation uses

FORMAT_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年收费金额",
        "逾期不补正",
        "逾期未按收费通知",
        "本年处理决定数量",
    ),
    "2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "其他对外管理服务事项",
        "政府集中采购",
        "采购总金额",
    ),
    "legacy": (
        "收费及减免",
        "收费和减免",
        "依申请公开政府信息情况",
        "依申请公开政府信息的情况",
        "不予公开政府信息情况",
    ),
}

# --------------------------------------------------------------------------
# section headings: (code, pattern) in priority order; first match wins

SECTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        ("other", r"其他需(要)?报告|其它需(要)?报告|其他(需要说明|应当报告)?的?事项$|其他事项"),
        (
            "problems",
            r"存在的?(主要)?(问题|不足)|问题(及|和|与)|改进(情况|措施)|整改|下一?步(工作|计划|打算)|"
            r"工作(重点|打算|计划)|不足",
        ),
        ("review_litigation", r"行政复议|行政诉讼|复议.{0,4}诉讼"),
        ("fees", r"收费|减免"),
        ("applications", r"依申请|收到和处理|政府信息公开申请(的)?(情况|办理)|申请公开"),
        ("active", r"主动公开"),
        ("overview", r"总体情况|概述|概况|基本情况|工作情况$|^总体|总体工作|工作开展情况"),
    )
)

# Unnumbered headings are accepted only when the whole line is one of these.
UNNUMBERED_HEADINGS = re.compile(
    r"^(政府信息公开(工作)?)?(总体情况|概述)$|^主动公开政府信息(的)?情况$|"
    r"^收到和处理政府信息公开申请(的)?情况$|^依申请公开政府信息(的)?情况$|"
    r"^政府信息公开(的)?收费及减免情况$|^(因政府信息公开申请提起的?)?(政府信息公开)?行政复议、?(和)?行政诉讼(的)?情况$|"
    r"^存在的主要问题及改进情况$|^其他需要报告的事项$"
)

# --------------------------------------------------------------------------
# tables

TABLE_CODES = ("active", "applications", "review_litigation")

# Row labels: (table, row_code, pattern) matched on the compacted label with
# its numbering stripped.  Order matters: the first match wins.
ROW_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (table, code, re.compile(pattern))
    for table, code, pattern in (
        # active (2021 and 2019)
        ("active", "rules", r"^规章$"),
        ("active", "normative", r"^(行政)?规范性文件$"),
        ("active", "licensing", r"^行政许可$"),
        ("active", "other_services", r"^其他对外管理服务事项$|^其他对外管理服务"),
        ("active", "penalty", r"^行政处罚$"),
        ("active", "coercion", r"^行政强制$"),
        ("active", "fees", r"^行政事业性收费$"),
        ("active", "procurement", r"^政府集中采购$"),
        # applications
        ("applications", "1", r"本年新收"),
        ("applications", "2", r"上年结转"),
        ("applications", "4", r"结转下年"),
        ("applications", "3.1", r"^予以公开$"),
        ("applications", "3.2", r"^部分公开"),
        ("applications", "3.3.1", r"国家秘密"),
        ("applications", "3.3.2", r"法律行政法规禁止|法律、行政法规禁止|禁止公开"),
        ("applications", "3.3.3", r"三安全一稳定|危及"),
        ("applications", "3.3.4", r"第三方合法权益"),
        ("applications", "3.3.5", r"内部事务"),
        ("applications", "3.3.6", r"过程性信息"),
        ("applications", "3.3.7", r"行政执法案卷"),
        ("applications", "3.3.8", r"行政查询事项"),
        ("applications", "3.4.1", r"不掌握"),
        ("applications", "3.4.2", r"没有现成信息|另行制作"),
        ("applications", "3.4.3", r"补正后|仍不明确"),
        ("applications", "3.5.1", r"信访|举报投诉"),
        ("applications", "3.5.2", r"^重复申请$"),
        ("applications", "3.5.3", r"公开出版物"),
        ("applications", "3.5.4", r"大量反复"),
        ("applications", "3.5.5", r"确认或重新出具|重新出具"),
        ("applications", "3.6.1", r"逾期不补正"),
        ("applications", "3.6.2", r"收费通知|缴纳费用"),
        ("applications", "3.7", r"^总计$"),
    )
)

# Group labels: a label that opens a block of rows.  Some can also carry
# values themselves (2019's single row "（六）其他处理").
GROUP_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (table, code, re.compile(pattern))
    for table, code, pattern in (
        ("applications", "3", r"本年度办理结果"),
        ("applications", "3.3", r"^不予公开$"),
        ("applications", "3.4", r"^无法提供$"),
        ("applications", "3.5", r"^不予处理$"),
        ("applications", "3.6", r"^其他处理$"),
        ("active", "block", r"^第二十条第\(?[一二三四五六七八九十]+\)?项$"),
        ("active", "content", r"^信息内容$"),
        ("applications", "header", r"^申请人情况$|勾稽关系|^法人或其他组织$|^法人或者其他组织$"),
        ("review_litigation", "review", r"^行政复议$"),
        ("review_litigation", "suit", r"^行政诉讼$"),
        ("review_litigation", "suit_direct", r"^未经复议直接起诉$"),
        ("review_litigation", "suit_after_review", r"^复议后起诉$"),
    )
)

# Column labels per table: (code, pattern), matched on the compacted leaf.
# A truncated label (a header cell whose second line was lost) matches when
# it is a prefix of the full label listed last in the tuple.
COLUMN_LABELS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "active": (
        ("issued", r"制发", "本年制发件数"),
        ("repealed", r"废止", "本年废止件数"),
        ("in_force", r"现行有效", "现行有效件数"),
        ("fee_amount", r"收费金额", "本年收费金额(单位:万元)"),
        ("new_made", r"新制作|制作数量", "本年新制作数量"),
        ("new_published", r"新公开|^公开数量", "本年新公开数量"),
        ("total_published", r"公开总数", "对外公开总数量"),
        ("prev_year", r"上一年", "上一年项目数量"),
        ("change", r"增/?减|增减", "本年增/减"),
        ("decisions", r"处理决定", "本年处理决定数量"),
        ("procurement_items", r"采购项目", "采购项目数量"),
        ("procurement_amount", r"采购总金额|采购金额", "采购总金额"),
    ),
    "applications": (
        ("natural_person", r"自然人", "自然人"),
        ("commercial", r"商业企业", "商业企业"),
        ("research", r"科研机构", "科研机构"),
        ("social_welfare", r"公益组织", "社会公益组织"),
        ("legal_service", r"法律服务", "法律服务机构"),
        ("other", r"^其他$", "其他"),
        ("total", r"^总计$|^合计$", "总计"),
    ),
    "review_litigation": (
        ("upheld", r"维持", "结果维持"),
        ("corrected", r"纠正", "结果纠正"),
        ("other", r"^其他", "其他结果"),
        ("pending", r"尚未|未审结", "尚未审结"),
        ("total", r"^总计$|^合计$", "总计"),
    ),
}

REVIEW_GROUPS = ("review", "suit_direct", "suit_after_review")

# Columns each row takes, per format.  The first list is the 2021 template.
ACTIVE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {
        "rules": ("issued", "repealed", "in_force"),
        "normative": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("fee_amount",),
    },
    "2019": {
        "rules": ("new_made", "new_published", "total_published"),
        "normative": ("new_made", "new_published", "total_published"),
        "licensing": ("prev_year", "change", "decisions"),
        "other_services": ("prev_year", "change", "decisions"),
        "penalty": ("prev_year", "change", "decisions"),
        "coercion": ("prev_year", "change", "decisions"),
        "fees": ("prev_year", "change"),
        "procurement": ("procurement_items", "procurement_amount"),
    },
}

APPLICATION_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")
APPLICANT_COLUMNS = APPLICATION_COLUMNS[:-1]

REVIEW_LEAVES = ("upheld", "corrected", "other", "pending", "total")
REVIEW_COLUMNS = tuple(f"{g}.{leaf}" for g in REVIEW_GROUPS for leaf in REVIEW_LEAVES)

APPLICATION_ROWS_2019 = (
    "1",
    "2",
    "3.1",
    "3.2",
    *(f"3.3.{i}" for i in range(1, 9)),
    *(f"3.4.{i}" for i in range(1, 4)),
    *(f"3.5.{i}" for i in range(1, 6)),
    "3.6",
    "3.7",
    "4",
)
APPLICATION_ROWS_2021 = tuple(r for r in APPLICATION_ROWS_2019 if r != "3.6")[:-2] + (
    "3.6.1",
    "3.6.2",
    "3.6.3",
    "3.7",
    "4",
)

# A cell whose whole text is one of these is a placeholder, not a number.
EMPTY_VALUES = {"", "/", "／", "—", "——", "-", "--", "－", "无", "空", "暂无", "\\", "×", "…"}

# Units printed after a number inside a cell.
VALUE_UNITS = ("件", "个", "项", "次", "条", "万元", "元", "人次", "家", "份", "起", "人")
