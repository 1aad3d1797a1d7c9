"""The 31 provincial-level regions: the slug used in `-a province=` and names."""

from __future__ import annotations

PROVINCES: dict[str, str] = {
    "beijing": "北京市",
    "tianjin": "天津市",
    "hebei": "河北省",
    "shanxi": "山西省",
    "neimenggu": "内蒙古自治区",
    "liaoning": "辽宁省",
    "jilin": "吉林省",
    "heilongjiang": "黑龙江省",
    "shanghai": "上海市",
    "jiangsu": "江苏省",
    "zhejiang": "浙江省",
    "anhui": "安徽省",
    "fujian": "福建省",
    "jiangxi": "江西省",
    "shandong": "山东省",
    "henan": "河南省",
    "hubei": "湖北省",
    "hunan": "湖南省",
    "guangdong": "广东省",
    "guangxi": "广西壮族自治区",
    "hainan": "海南省",
    "chongqing": "重庆市",
    "sichuan": "四川省",
    "guizhou": "贵州省",
    "yunnan": "云南省",
    "xizang": "西藏自治区",
    "shaanxi": "陕西省",
    "gansu": "甘肃省",
    "qinghai": "青海省",
    "ningxia": "宁夏回族自治区",
    "xinjiang": "新疆维吾尔自治区",
}


def province_slug(name: str) -> str:
    """Accept a slug or a Chinese name (浙江, 浙江省) and return the slug.

    >>> province_slug("浙江")
    'zhejiang'
    >>> province_slug("Zhejiang")
    'zhejiang'
    """
    key = name.strip()
    if key.lower() in PROVINCES:
        return key.lower()
    for slug, full in PROVINCES.items():
        if key and (full == key or full.startswith(key)):
            return slug
    raise KeyError(f"unknown province {name!r}; use one of: {', '.join(PROVINCES)}")
