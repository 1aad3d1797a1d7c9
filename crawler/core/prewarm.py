"""Imported by the parse pool's fork server only: load what the first parse would load.

The core builds its character tables, converters and compiled patterns on
first use (~1 s of CPU).  Done once here, in the process every worker is
forked from, each worker starts ready and shares those pages with the
others instead of building its own copy (crawler/core/pool.py).  Then
``gc.freeze()``: the collector never walks (and so never writes to) the
objects built here, so a worker's collections do not turn the pages it
shares with the fork server into private copies.
"""

from __future__ import annotations

import gc
import os
import sys
from importlib.machinery import ModuleSpec

from crawler.core import parse_report
from crawler.core.pool import MAIN_ENV
from crawler.text import lm
from crawler.text.normalise import normalise_fragment

SAMPLE = (
    "<html><head><meta charset='utf-8'><title>某县人民政府2024年政府信息公开工作年度报告</title></head><body>"
    "<div class='content'><h1>某县人民政府2024年政府信息公开工作年度报告</h1>"
    "<p>索引号：000000000/2025-00001</p><p>发布机构：某县人民政府办公室</p><p>发布日期：2025-01-20</p>"
    "<p>一、总体情况</p><p>本年度主动公开政府信息。</p>"
    "<p>二、主动公开政府信息情况</p><table><tr><td>信息内容</td><td>本年制发件数</td></tr>"
    "<tr><td>规章</td><td>0</td></tr></table>"
    "<p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p>"
    "<p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p></div></body></html>"
).encode()


def pass_over_main() -> None:
    """Make this process's ``__main__`` the crawl's main script, as multiprocessing names it.

    Every worker forked from here then finds its ``__main__`` already set and
    does not run the script again (crawler.core.pool.workers_main says why).
    """
    kind, _, value = os.environ.get(MAIN_ENV, "").partition(":")
    main = sys.modules["__main__"]
    if kind == "path":
        main.__file__ = value
    elif kind == "name":
        main.__spec__ = ModuleSpec(value, None)


pass_over_main()
parse_report(SAMPLE, "text/html; charset=utf-8", "http://prewarm.invalid/report.html")
normalise_fragment("政府資訊公開", traditional=True)
lm.score("政府信息公開")  # the mojibake repair's word model (jieba's dictionary), built on first use
gc.freeze()  # after the warm-up: what every worker inherits stays out of the collector's reach
