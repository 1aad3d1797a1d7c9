"""China's prefecture-level divisions per province: what `scrapy portals --stats` counts coverage against.

Reference data, typed by hand from the administrative divisions as 民政部
(行政区划统计) lists them for 2024: 333 prefecture-level divisions — 293 地级市,
7 地区, 30 自治州, 3 盟.  The four municipalities (北京, 天津, 上海, 重庆) have
none; Hong Kong, Macao and Taiwan are not in the registry's 31 provinces.
Province-administered county-level cities and areas (济源, 仙桃, 潜江, 天门,
神农架林区, 海南's 琼海/文昌/…, 新疆's 兵团 cities) are county-level and not
listed.  It is not parser output and nothing computes it.

Each division is written by its full name; the short forms a registry name
may print are the full name without its suffix (杭州市 → 杭州, 阿里地区 →
阿里, 兴安盟 → 兴安), and for each 自治州 the typed ``X州`` form (延边州) and
its stem (延边).  ``FORMER`` holds names a division had before a rename that
kept its territory (襄樊市 → 襄阳市, 2010; 思茅市 → 普洱市, 2007); a 地区 that
became a 市 keeps its stem (毕节地区 → 毕节), so it needs no entry.  No
county-level city → prefecture link is carried: a name that prints only a
county-level unit (大冶市, and 临夏市 or 通化县, which merely share their
prefecture's stem) belongs to no prefecture here.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.registry.provinces import PROVINCES

# Province slug (crawler/registry/provinces.py) → its divisions, in 民政部 code order.
_TABLE: dict[str, str] = {
    "hebei": "石家庄市 唐山市 秦皇岛市 邯郸市 邢台市 保定市 张家口市 承德市 沧州市 廊坊市 衡水市",
    "shanxi": "太原市 大同市 阳泉市 长治市 晋城市 朔州市 晋中市 运城市 忻州市 临汾市 吕梁市",
    "neimenggu": (
        "呼和浩特市 包头市 乌海市 赤峰市 通辽市 鄂尔多斯市 呼伦贝尔市 巴彦淖尔市 乌兰察布市 兴安盟 锡林郭勒盟 阿拉善盟"
    ),
    "liaoning": "沈阳市 大连市 鞍山市 抚顺市 本溪市 丹东市 锦州市 营口市 阜新市 辽阳市 盘锦市 铁岭市 朝阳市 葫芦岛市",
    "jilin": "长春市 吉林市 四平市 辽源市 通化市 白山市 松原市 白城市 延边朝鲜族自治州",
    "heilongjiang": (
        "哈尔滨市 齐齐哈尔市 鸡西市 鹤岗市 双鸭山市 大庆市 伊春市 佳木斯市 七台河市 牡丹江市 黑河市 绥化市 大兴安岭地区"
    ),
    "jiangsu": "南京市 无锡市 徐州市 常州市 苏州市 南通市 连云港市 淮安市 盐城市 扬州市 镇江市 泰州市 宿迁市",
    "zhejiang": "杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 衢州市 舟山市 台州市 丽水市",
    "anhui": (
        "合肥市 芜湖市 蚌埠市 淮南市 马鞍山市 淮北市 铜陵市 安庆市 黄山市 滁州市 阜阳市 宿州市 六安市 亳州市 池州市 宣城市"
    ),
    "fujian": "福州市 厦门市 莆田市 三明市 泉州市 漳州市 南平市 龙岩市 宁德市",
    "jiangxi": "南昌市 景德镇市 萍乡市 九江市 新余市 鹰潭市 赣州市 吉安市 宜春市 抚州市 上饶市",
    "shandong": (
        "济南市 青岛市 淄博市 枣庄市 东营市 烟台市 潍坊市 济宁市 泰安市 威海市 日照市 临沂市 德州市 聊城市 滨州市 菏泽市"
    ),
    "henan": (
        "郑州市 开封市 洛阳市 平顶山市 安阳市 鹤壁市 新乡市 焦作市 濮阳市 许昌市 漯河市 三门峡市 南阳市 商丘市 信阳市 "
        "周口市 驻马店市"
    ),
    "hubei": "武汉市 黄石市 十堰市 宜昌市 襄阳市 鄂州市 荆门市 孝感市 荆州市 黄冈市 咸宁市 随州市 恩施土家族苗族自治州",
    "hunan": (
        "长沙市 株洲市 湘潭市 衡阳市 邵阳市 岳阳市 常德市 张家界市 益阳市 郴州市 永州市 怀化市 娄底市 湘西土家族苗族自治州"
    ),
    "guangdong": (
        "广州市 韶关市 深圳市 珠海市 汕头市 佛山市 江门市 湛江市 茂名市 肇庆市 惠州市 梅州市 汕尾市 河源市 阳江市 "
        "清远市 东莞市 中山市 潮州市 揭阳市 云浮市"
    ),
    "guangxi": "南宁市 柳州市 桂林市 梧州市 北海市 防城港市 钦州市 贵港市 玉林市 百色市 贺州市 河池市 来宾市 崇左市",
    "hainan": "海口市 三亚市 三沙市 儋州市",
    "sichuan": (
        "成都市 自贡市 攀枝花市 泸州市 德阳市 绵阳市 广元市 遂宁市 内江市 乐山市 南充市 眉山市 宜宾市 广安市 达州市 "
        "雅安市 巴中市 资阳市 阿坝藏族羌族自治州 甘孜藏族自治州 凉山彝族自治州"
    ),
    "guizhou": (
        "贵阳市 六盘水市 遵义市 安顺市 毕节市 铜仁市 黔西南布依族苗族自治州 黔东南苗族侗族自治州 黔南布依族苗族自治州"
    ),
    "yunnan": (
        "昆明市 曲靖市 玉溪市 保山市 昭通市 丽江市 普洱市 临沧市 楚雄彝族自治州 红河哈尼族彝族自治州 文山壮族苗族自治州 "
        "西双版纳傣族自治州 大理白族自治州 德宏傣族景颇族自治州 怒江傈僳族自治州 迪庆藏族自治州"
    ),
    "xizang": "拉萨市 日喀则市 昌都市 林芝市 山南市 那曲市 阿里地区",
    "shaanxi": "西安市 铜川市 宝鸡市 咸阳市 渭南市 延安市 汉中市 榆林市 安康市 商洛市",
    "gansu": (
        "兰州市 嘉峪关市 金昌市 白银市 天水市 武威市 张掖市 平凉市 酒泉市 庆阳市 定西市 陇南市 临夏回族自治州 甘南藏族自治州"
    ),
    "qinghai": (
        "西宁市 海东市 海北藏族自治州 黄南藏族自治州 海南藏族自治州 果洛藏族自治州 玉树藏族自治州 海西蒙古族藏族自治州"
    ),
    "ningxia": "银川市 石嘴山市 吴忠市 固原市 中卫市",
    "xinjiang": (
        "乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市 昌吉回族自治州 博尔塔拉蒙古自治州 巴音郭楞蒙古自治州 "
        "克孜勒苏柯尔克孜自治州 伊犁哈萨克自治州 阿克苏地区 喀什地区 和田地区 塔城地区 阿勒泰地区"
    ),
}

# Each 自治州's short form as governments print it (黔西南州); the stem without 州 is a short form too.
AUTONOMOUS_SHORT: dict[str, str] = {
    "延边朝鲜族自治州": "延边州",
    "恩施土家族苗族自治州": "恩施州",
    "湘西土家族苗族自治州": "湘西州",
    "阿坝藏族羌族自治州": "阿坝州",
    "甘孜藏族自治州": "甘孜州",
    "凉山彝族自治州": "凉山州",
    "黔西南布依族苗族自治州": "黔西南州",
    "黔东南苗族侗族自治州": "黔东南州",
    "黔南布依族苗族自治州": "黔南州",
    "楚雄彝族自治州": "楚雄州",
    "红河哈尼族彝族自治州": "红河州",
    "文山壮族苗族自治州": "文山州",
    "西双版纳傣族自治州": "西双版纳州",
    "大理白族自治州": "大理州",
    "德宏傣族景颇族自治州": "德宏州",
    "怒江傈僳族自治州": "怒江州",
    "迪庆藏族自治州": "迪庆州",
    "临夏回族自治州": "临夏州",
    "甘南藏族自治州": "甘南州",
    "海北藏族自治州": "海北州",
    "黄南藏族自治州": "黄南州",
    "海南藏族自治州": "海南州",
    "果洛藏族自治州": "果洛州",
    "玉树藏族自治州": "玉树州",
    "海西蒙古族藏族自治州": "海西州",
    "昌吉回族自治州": "昌吉州",
    "博尔塔拉蒙古自治州": "博州",
    "巴音郭楞蒙古自治州": "巴州",
    "克孜勒苏柯尔克孜自治州": "克州",
    "伊犁哈萨克自治州": "伊犁州",
}

# Names before a rename that kept the territory (a 地区 → 市 change keeps its stem and needs none).
FORMER: dict[str, tuple[str, ...]] = {
    "襄阳市": ("襄樊市", "襄樊"),
    "普洱市": ("思茅市", "思茅"),
}

# 博州, 巴州, 克州 keep the 州: their stems (博, 巴, 克) are too short to read off a name.
_NO_STEM = frozenset({"博州", "巴州", "克州"})


@dataclass(frozen=True)
class Prefecture:
    """One prefecture-level division: its province slug, full name, kind and the forms a name may print."""

    province: str
    name: str
    kind: str  # 地级市, 地区, 自治州 or 盟
    short: str  # how a registry name usually prints it: 杭州市, 黔西南州, 兴安盟, 阿里地区
    forms: tuple[str, ...]  # every form, full name first
    stems: tuple[str, ...]  # the forms without a suffix (杭州, 延边, 阿里): `forms` holds them too


def _kind(name: str) -> str:
    for suffix, kind in (("自治州", "自治州"), ("地区", "地区"), ("盟", "盟"), ("市", "地级市")):
        if name.endswith(suffix):
            return kind
    raise ValueError(f"{name}: not a prefecture-level name")


def _forms(name: str, kind: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(short, forms, stems) for one division, by the rule in the module docstring."""
    former = FORMER.get(name, ())
    if kind == "自治州":
        short = AUTONOMOUS_SHORT[name]
        stems = () if short in _NO_STEM else (short[: -len("州")],)
        full: tuple[str, ...] = (name, short)
    else:  # 地级市, 地区, 盟
        short = name
        stems = (name[: -len("地区")],) if kind == "地区" else (name[: -len(name[-1])],)
        full = (name,)
    former_stems = tuple(f for f in former if not f.endswith("市"))
    return short, (*full, *stems, *former), (*stems, *former_stems)


def _build() -> dict[str, tuple[Prefecture, ...]]:
    table: dict[str, tuple[Prefecture, ...]] = {}
    for province, names in _TABLE.items():
        divisions = []
        for name in names.split():
            kind = _kind(name)
            short, forms, stems = _forms(name, kind)
            divisions.append(Prefecture(province, name, kind, short, forms, stems))
        table[province] = tuple(divisions)
    return table


PREFECTURES: dict[str, tuple[Prefecture, ...]] = _build()
MUNICIPALITIES = tuple(slug for slug in PROVINCES if slug not in PREFECTURES)
TOTAL = sum(len(divisions) for divisions in PREFECTURES.values())


# After a bare stem, these make the name a county-level unit's own (临夏市, 通化县, 白银区, 阿拉善右旗):
# such a name does not say which prefecture it is under, so it counts none.
COUNTY_SUFFIXES = ("市", "县", "区", "旗", "左旗", "右旗", "前旗", "中旗", "后旗", "自治县", "自治旗")


def match_prefecture(province: str, text: str) -> tuple[Prefecture, str] | None:
    """The division of `province` that `text` starts with, and the form it printed; longest form wins.

    A bare stem followed by a county-level suffix (临夏市, 通化县) is that
    county-level unit's name, not its prefecture's, and matches nothing.
    """
    best: tuple[Prefecture, str] | None = None
    for division in PREFECTURES.get(province, ()):
        for form in division.forms:
            if not text.startswith(form) or (best is not None and len(form) <= len(best[1])):
                continue
            if form in division.stems and text[len(form) :].startswith(COUNTY_SUFFIXES):
                continue
            best = (division, form)
    return best


__all__ = ["AUTONOMOUS_SHORT", "FORMER", "MUNICIPALITIES", "PREFECTURES", "TOTAL", "Prefecture", "match_prefecture"]
