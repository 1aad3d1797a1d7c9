"""Was the report published by its statutory deadline?

《政府信息公开条例》 as revised in 2019 (第四十九条): 县级以上人民政府部门
publish their report for the year before by 31 January, 县级以上地方人民政府
by 31 March.  Before the revision (2008 条例 第三十一条) every body had
until 31 March.  The revision took effect on 15 May 2019, so reports on
2019 and later years fall under it.  The 条例 names no date for 乡镇
(township) governments: they are measured against 31 March, the latest
statutory date, and the evidence says so.
"""

from __future__ import annotations

from datetime import date

from crawler.findings.rates import Measure

REVISED_FROM_REPORT_YEAR = 2019


def deadline(report_year: int, level: str | None) -> tuple[date, str]:
    """(deadline, the rule it comes from) for a report on ``report_year`` by a body of ``level``.

    >>> deadline(2023, "department")
    (datetime.date(2024, 1, 31), '条例(2019) 第四十九条: 县级以上人民政府部门 1月31日前')
    >>> deadline(2017, "department")[0]
    datetime.date(2018, 3, 31)
    """
    year = report_year + 1
    if report_year < REVISED_FROM_REPORT_YEAR:
        return date(year, 3, 31), "条例(2008) 第三十一条: 每年3月31日前"
    if level == "department":
        return date(year, 1, 31), "条例(2019) 第四十九条: 县级以上人民政府部门 1月31日前"
    if level == "township":
        return date(year, 3, 31), "条例(2019) 未规定乡镇的期限: 以最晚的法定日期 3月31日计"
    return date(year, 3, 31), "条例(2019) 第四十九条: 县级以上地方人民政府 3月31日前"


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def days_late(
    report_year: int | None, level: str | None, publish_date: str | None, listing_date: str | None = None
) -> Measure | None:
    """Days after the deadline the report appeared (0 when on time), or None when no date is known.

    The page's own publish date is used; failing that the date the listing
    printed beside the link, marked as such in the evidence.

    >>> days_late(2023, "county", "2024-04-10").value
    10.0
    >>> days_late(2023, "county", None, "2024-03-01").evidence["date_source"]
    'listing_date'
    """
    if report_year is None:
        return None
    published, source = _iso(publish_date), "publish_date"
    if published is None:
        published, source = _iso(listing_date), "listing_date"
    if published is None:
        return None
    due, rule = deadline(report_year, level)
    late = max(0, (published - due).days)
    evidence = {"deadline": due.isoformat(), "rule": rule, "date": published.isoformat(), "date_source": source}
    return Measure("days_late", float(late), None, evidence)
