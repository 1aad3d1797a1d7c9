"""Statistical tables printed as images inside an HTML report: which ``<img>`` to fetch, and splicing their OCR back.

For the spider and the core (the fetching stays in the spider)::

    urls = table_image_urls(response.selector, response.url)     # ≤ MAX_IMAGES, in page order
    html, errors = splice_table_images(html, base_url, {url: png_bytes, ...})

The spider's side is crawler/spiders/table_images.py (fetch, caps, stats),
the core's the ``images`` stage (crawler/core/table_images.py).

An image is a table candidate when it sits in the page body outside
navigation chrome and either its printed size looks like a table (wide,
not a banner or an icon), or its alt/title names a table (表, 统计,
情况), or it gives no size at all and its file name is no icon or logo.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin

from lxml import etree, html
from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.attachments.render import AttachmentError
from crawler.budgets import BudgetExceeded, Deadline, current

logger = logging.getLogger(__name__)

MAX_IMAGES = 6  # three tables, each possibly cut in two
MIN_WIDTH, MIN_HEIGHT = 300, 120
MIN_ASPECT, MAX_ASPECT = 0.25, 6.0  # width / height: a banner is wider, a portrait narrower
TABLE_WORDS = re.compile(r"表|统计|情况|年报")
NOT_TABLE = re.compile(r"logo|icon|banner|qr|erweima|二维码|share|print|weixin|weibo|arrow|btn|button|bg", re.I)
CHROME = (
    "ancestor::*[self::header or self::nav or self::footer or "
    "re:test(concat(@id, ' ', @class), '(^|[^a-z])(nav|menu|header|footer|banner|crumb|share|side|topbar)', 'i')]"
)
PX = re.compile(r"(\d+(?:\.\d+)?)\s*(?:px)?\s*$")
STYLE = re.compile(r"(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)


def _size(img: Selector) -> tuple[float | None, float | None]:
    width = height = None
    for name in ("width", "height"):
        match = PX.match(img.attrib.get(name, "") or "")
        if match:
            value = float(match.group(1))
            width, height = (value, height) if name == "width" else (width, value)
    for name, value in STYLE.findall(img.attrib.get("style", "") or ""):
        if name.lower() == "width":
            width = float(value)
        else:
            height = float(value)
    return width, height


def looks_like_table(img: Selector) -> bool:
    """Size, aspect and alt/title of one ``<img>`` say it may be a statistical table.

    >>> looks_like_table(Selector(text='<img src="/u/1.png" width="640" height="420">').css("img")[0])
    True
    >>> looks_like_table(Selector(text='<img src="/img/logo.png" width="640" height="420">').css("img")[0])
    False
    """
    src = img.attrib.get("src", "") or ""
    if not src or src.startswith("data:") or src.lower().split("?")[0].endswith((".gif", ".svg", ".ico")):
        return False
    if NOT_TABLE.search(src.rsplit("/", 1)[-1]):
        return False
    text = " ".join(img.attrib.get(a, "") or "" for a in ("alt", "title"))
    if TABLE_WORDS.search(text):
        return True
    width, height = _size(img)
    if width is None and height is None:
        return True  # old portals print table scans without any size: fetch and let the grid decide
    if (width is not None and width < MIN_WIDTH) or (height is not None and height < MIN_HEIGHT):
        return False
    if width and height:
        return MIN_ASPECT <= width / height <= MAX_ASPECT
    return True


def table_image_urls(selector: Selector, base_url: str, limit: int | None = MAX_IMAGES) -> list[str]:
    """Absolute URLs of the body images that may be tables, in page order, at most `limit` (None: all)."""
    out: list[str] = []
    for img in selector.xpath(f"//body//img[not({CHROME})]"):
        if looks_like_table(img):
            url = urljoin(base_url, (img.attrib.get("src") or "").strip())
            if url not in out:
                out.append(url)
        if limit is not None and len(out) >= limit:
            break
    return out


def _key(url: str) -> str:
    return canonicalize_url(url)


def splice_table_images(page_html: str, base_url: str, images: dict[str, bytes]) -> tuple[str, list[str]]:
    """`page_html` with each fetched table image replaced by its OCR'd tables (cells with data-confidence).

    An image that is no table (no ruled grid found) stays as it was; one
    that cannot be read stays too, and its named error is returned.  Each
    image has ``OCR_MAX_SECONDS``, all of them together
    ``OCR_REPORT_MAX_SECONDS``: past that the rest stay images, and the
    ``budget:`` error says how many were read.
    """
    from crawler.ocr import ImageError, OcrError, OcrTable, image_blocks
    from crawler.ocr.render import render_ocr_table

    tree = html.fromstring(page_html)
    errors: list[str] = []
    wanted = {_key(url): body for url, body in images.items()}
    found = [(img, _key(urljoin(base_url, (img.get("src") or "").strip()))) for img in tree.iter("img")]
    found = [(img, key) for img, key in found if key in wanted]
    deadline = Deadline(current().ocr_report_max_seconds, "OCR_REPORT_MAX_SECONDS", "OCR of the table images")
    for n, (img, url) in enumerate(found):
        try:
            deadline.check(f"{n} of {len(found)} images read")
        except BudgetExceeded as exc:
            errors.append(str(exc))
            break
        try:
            tables = [b for b in image_blocks(wanted[url]) if isinstance(b, OcrTable) and b.rows]
        except BudgetExceeded as exc:
            errors.append(f"{exc} (table image {url})")
            continue
        except (ImageError, OcrError, AttachmentError) as exc:
            errors.append(f"table image {url}: {exc}")
            continue
        if not tables:
            continue
        fragment = html.fragment_fromstring("".join(render_ocr_table(t) for t in tables), create_parent="div")
        fragment.set("class", "ocr-table-image")
        fragment.set("data-src", url)
        fragment.tail = img.tail
        parent = img.getparent()
        if parent is not None:
            parent.replace(img, fragment)
    return etree.tostring(tree, encoding="unicode", method="html"), errors
