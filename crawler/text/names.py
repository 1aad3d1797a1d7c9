"""Proper names that Traditional → Simplified conversion must not touch.

OpenCC resolves ambiguous Traditional characters by context, and place
names are not in its dictionaries: ``乾安`` (乾安县, a county in Jilin)
becomes ``干安``, ``乾县`` (Shaanxi) ``干县``.  Every name met on a portal —
registry entries, publishers, seed and fixture pages — goes in
``PLACE_NAMES`` in its correct Simplified form; ``crawler.text.script``
protects the Traditional spellings of those that OpenCC would damage, and
leaves the others to OpenCC.  Add the bare stem too (乾安 as well as
乾安县): pages write names without their 县/镇 suffix.
"""

from __future__ import annotations

PLACE_NAMES: tuple[str, ...] = (
    # Damaged by OpenCC t2s/tw2s (checked with opencc 1.4.2):
    "乾安县",
    "乾安",
    "乾安镇",  # Jilin, 松原市
    "乾县",
    "乾陵",
    "乾州",  # Shaanxi, 咸阳市
    "乾溪",
    "乾德",
    "乾佑",
    "乾元",
    "乾元镇",
    "宁乾",
    "於潜",
    "於潜镇",  # Zhejiang, 临安区
    # Met on seed and fixture pages (converted correctly today; kept so a
    # change in OpenCC's dictionaries cannot damage them unnoticed):
    "送庄镇",
    "孟津县",
    "洛阳市",
    "盖北镇",
    "上虞区",
    "茶棚乡",
    "抚宁区",
    "秦皇岛市",
    "北陈集镇",
    "灌南县",
    "黄岩区",
    "台州市",
    "河南省",
    "沈丘县",
    "于都县",
    "叶县",
    "范县",
    "余姚市",
    "谷城县",
)
