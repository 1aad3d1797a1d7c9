"""Which titles are annual information-disclosure reports, and the year they cover.

One rule for listing links (the spider follows only these) and for the title
a report page prints (sidebars link 政府工作报告 and 编制工作的通知 too).
Kept as data in one place: real listings mix reports with 政府工作报告,
编制工作的通知 and 公开指南, and all of them contain "报告" or "年度".
"""

from __future__ import annotations

import functools
import re

from crawler.text.pinyin import strip_pinyin

# A report link says 年报 or 年度报告, or (older and county reports) 信息公开工作报告 ...
REPORT_TITLE = re.compile(r"年\s*[报報]|年\s*度\s*[报報]\s*告|公\s*[开開]\s*工\s*作\s*[报報]\s*告")
# ... about information disclosure (资讯/資訊 on Taiwan-vocabulary mirrors), or is a bare "XX年报" ...
DISCLOSURE = re.compile(r"[信資资][息訊讯]公[开開]|政[务務]公[开開]|公[开開]工作|年\s*[报報]")
# ... and is not a notice, guideline, plan or template about reports.
NOT_A_REPORT = re.compile(
    r"通知|编制|編制|指南|要点|要點|方案|意见|意見|办法|辦法|规定|規定|培训|培訓|会议|會議|"
    r"报送|報送|格式|模板|说明|說明|解读|解讀|图解|圖解|一图|一圖|读懂|讀懂|政府工作[报報]告|统计公报|預算|预算|"
    r"决算|決算|目录|目錄"
)
# Without a year, a title is a report only when a body's name comes before the report
# words (石苇镇人民政府政府信息公开工作年度报告); a bare 信息公开年报 is the column's own link.
BODY_THEN_REPORT = re.compile(
    r"^(?:关于)?.{1,30}?(?:人民政府|政府|办公室|办事处|委员会|局|厅|委|办|镇|乡|街道|中心|院|所|区|县|市|省)"
    r"(?:政府)?[信資资][息訊讯]公[开開](?:工作)?年度[报報]告"
)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# A report names the year it covers; a bare 信息公开年报 is the column's own link.
ANY_YEAR = re.compile(r"(?:(?:19|20)\d{2}|[二][〇○零][一二〇○零][〇○零一二三四五六七八九])\s*年")


def is_report_title(title: str) -> bool:
    """True for titles of annual information-disclosure reports.

    >>> is_report_title("盖北镇2021年政府信息公开工作年度报告")
    True
    >>> is_report_title("关于做好2023年政府信息公开工作年度报告编制工作的通知")
    False
    >>> is_report_title("2024年政府工作报告")
    False
    >>> is_report_title("石苇镇人民政府政府信息公开工作年度报告"), is_report_title("政府信息公开年度报告")
    (True, False)
    >>> is_report_title("图解：某县人民政府2021年政府信息公开工作年度报告")
    False
    """
    title = title or ""
    return _report_title_cached(title) if len(title) <= _CACHED_CHARS else _is_report_title(title)


_CACHED_CHARS = 200  # link texts, headings and first lines: the same few recur on every page of a portal


def _is_report_title(title: str) -> bool:
    text = strip_pinyin(_SPACES.sub("", title))
    return bool(
        REPORT_TITLE.search(text)
        and DISCLOSURE.search(text)
        and (ANY_YEAR.search(text) or BODY_THEN_REPORT.search(text))
        and not NOT_A_REPORT.search(text)
    )


_SPACES = re.compile(r"\s+")
_report_title_cached = functools.lru_cache(maxsize=16384)(_is_report_title)


def title_year(title: str) -> int | None:
    """The year a report title names (the year reported on), if any.

    >>> title_year("黄岩区2020年政府信息公开工作年度报告")
    2020
    """
    match = YEAR.search(title or "")
    return int(match.group(1)) if match else None
