"""Write the hostile-inputs corpus (cases.yaml) as fixture sites, at test time.

Our own files, made by code rather than stored: several are big (a 30 MB
page, a gzip bomb, a 2,000-page PDF) or binary (random bytes, zips), and a
generator says in one line what each one is.  :func:`build` writes two
fixture roots under `dest`:

* ``corpus/sites/hostile/`` — the hostile portal: a listing (``/ndbg/``)
  linking every report case beside two good reports, and one listing per
  listing case; its ``site.yaml`` (headers, redirects, routes) is written too.
* ``offsite/sites/offsite/`` — the other host: any request it receives is
  an offsite request the crawl should never have made.

Placeholders ``{site:offsite}``/``{host:offsite}`` in cases.yaml are filled
with the running other host's address before anything is written.
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.yaml"
ROOT = HERE.parent.parent.parent
GOOD_PAGES = ROOT / "tests" / "hostile" / "portal" / "sites" / "portal" / "ndbg"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MIB = 1024 * 1024
# One organisation per case, so that no two case reports share a title (the dedup key).
BODIES = [
    "财政局",
    "民政局",
    "水利局",
    "卫生健康局",
    "公安局",
    "交通运输局",
    "司法局",
    "应急管理局",
    "统计局",
    "商务局",
    "林业局",
    "教育局",
    "审计局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "农业农村局",
    "文化和旅游局",
    "退役军人事务局",
    "市场监督管理局",
    "医疗保障局",
    "城市管理局",
    "信访局",
    "档案局",
    "机关事务管理局",
    "乡村振兴局",
    "气象局",
    "地震局",
    "科学技术局",
    "工业和信息化局",
    "发展和改革局",
    "民族宗教事务局",
    "供销合作社",
    "粮食和物资储备局",
    "体育局",
    "广播电视局",
    "人民防空办公室",
    "数据资源局",
    "行政审批局",
    "投资促进局",
    "金融工作局",
    "外事办公室",
    "侨务办公室",
    "残疾人联合会",
    "妇女联合会",
    "总工会",
    "科学技术协会",
    "红十字会",
    "老龄工作委员会",
    "政务服务中心",
]


@dataclass
class Case:
    """One line of cases.yaml, placeholders filled."""

    id: str
    what: str
    expect: dict[str, Any]
    link: str | None = None
    start: str | None = None
    cms: str = "static"
    make: str | None = None
    target: str | None = None
    budget: float = 45.0
    perpage: str | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_cases(values: dict[str, str]) -> list[Case]:
    raw = CASES.read_text("utf-8")
    for key, value in values.items():
        raw = raw.replace(key, value)
    cases = []
    for n, spec in enumerate(yaml.safe_load(raw)["cases"]):
        case = Case(**spec)
        case.title = f"安宁县{BODIES[n % len(BODIES)]}2023年政府信息公开工作年度报告"
        cases.append(case)
    return cases


# ---------------------------------------------------------------- pages


def report_html(title: str, payload: str = "", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body><div class='article'>"
        f"<h1>{title}</h1><p class='info'>发布机构：安宁县人民政府办公室 发布日期：2024-01-15</p>"
        "<div class='content'><p>一、总体情况</p><p>本年度主动公开政府信息52条。</p>"
        f"<p>二、主动公开政府信息情况</p>{payload}<p>三、收到和处理政府信息公开申请情况</p>"
        "<p>本年新收申请3件。</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>无。</p>"
        "<p>五、存在的主要问题及改进情况</p><p>继续改进。</p></div></div></body></html>"
    )


def plain_report(case: Case) -> bytes:
    return report_html(case.title).encode("utf-8")


def refresh_other(case: Case) -> bytes:
    target = case.target or ""
    return f'<html><head><meta http-equiv="refresh" content="0; url={target}"><title>{case.title}</title></head><body>跳转</body></html>'.encode()


def malformed_links(case: Case) -> bytes:
    links = "".join(
        f'<a href="{href}">附件{n}</a> '
        for n, href in enumerate(
            ("http://", "http://127.0.0.1:99999/a.pdf", "http:///x.pdf", "https:x.docx", "http://[::1")
        )
    )
    return report_html(case.title, f"<p>{links}</p>").encode()


def gzip_bomb(case: Case) -> bytes:
    """~300 KB of gzip that inflates to 300 MB of spaces after a page head."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as out:
        out.write(f"<html><head><title>{case.title}</title></head><body>".encode())
        chunk = b" " * MIB
        for _ in range(300):
            out.write(chunk)
    return buffer.getvalue()


def page_30mb(case: Case) -> bytes:
    row = "<p>本年度主动公开政府信息52条，依申请公开工作规范有序。</p>"
    filler = row * (30 * MIB // len(row.encode()))
    table_image = '<img src="/ndbg/table.png" width="640" height="420" alt="表格">'  # the spider parses for those
    return report_html(case.title, table_image + filler).encode()


def huge_spans(case: Case) -> bytes:
    # Each cell asks for 200 x 200 slots, just under a per-span cap; 200 of them.
    rows = "".join('<tr><td rowspan="200" colspan="200">0</td><td>1</td></tr>' for _ in range(200))
    return report_html(case.title, f"<table>{rows}</table>").encode()


def many_tables(case: Case) -> bytes:
    table = "<table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>1</td></tr></table>"
    return report_html(case.title, table * 300).encode()


def long_number(case: Case) -> bytes:
    digits = "9" * 5000
    table = (
        "<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        f"<tr><td>规章</td><td>{digits}</td><td>0</td><td>1e99999</td></tr></table>"
    )
    return report_html(case.title, table).encode()


def html_laughs(case: Case) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    return (f'<?xml version="1.0"?><!DOCTYPE html [{entities}]>' + report_html(case.title, "<p>&lol9;</p>")).encode()


def html_xxe(case: Case) -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + report_html(case.title, "<p>&xxe;</p>")
    ).encode()


def binary_page(case: Case) -> bytes:
    return random.Random(18).randbytes(200_000)


def misdeclared(case: Case) -> bytes:
    return report_html(case.title, charset="utf-8").encode("gbk")


def nul_page(case: Case) -> bytes:
    return report_html(case.title, "<p>主动\x00公开\x00\x00信息</p>").encode().replace(b"<p>", b"<p>\x00")


def surrogates(case: Case) -> bytes:
    body = report_html(case.title, "<p>&#xD800;&#xDFFF;&#55357;SURROGATE</p>").encode()
    return body.replace(b"SURROGATE", b"\xed\xa0\x80\xed\xbf\xbf")


def deep_html(case: Case) -> bytes:
    return report_html(case.title, "<div>" * 5000 + "深处" + "</div>" * 5000).encode()


def utf16_odd(case: Case) -> bytes:
    return report_html(case.title, charset=None).encode("utf-16-le")[:-1] + b"\x00\x00\x41"


# ---------------------------------------------------------------- attachments


def pdf_of(pages: int, encrypt: bool = False) -> bytes:
    """A PDF of `pages` pages sharing one content stream; `encrypt` adds a Standard security handler."""
    text = b"BT /F1 12 Tf 72 720 Td (Annual report page) Tj ET"
    objects: dict[int, str | None] = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: None,
    }
    kids = []
    for n in range(pages):
        kids.append(f"{5 + n} 0 R")
        objects[5 + n] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
        )
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    encrypt_ref = ""
    if encrypt:  # RC4 40-bit, an owner/user password hash that the empty password does not open
        number = max(objects) + 1
        hashes = "<" + "11" * 32 + ">"
        objects[number] = f"<< /Filter /Standard /V 1 /R 2 /O {hashes} /U {hashes} /P -4 >>"
        encrypt_ref = (
            f" /Encrypt {number} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        if number == 4:
            out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream\nendobj\n"
        else:
            out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode()
    xref, size = len(out), max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offsets[n]:010d} 00000 n \n" for n in range(1, size)).encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R{encrypt_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_2000(case: Case) -> bytes:
    return pdf_of(2000)


def pdf_encrypted(case: Case) -> bytes:
    return pdf_of(2, encrypt=True)


def pdf_truncated(case: Case) -> bytes:
    whole = pdf_of(3)
    return whole[: len(whole) // 2]


def docx_of(document_xml: str | bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def document(body: str, doctype: str = "") -> str:
    return f'{doctype}<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_bomb(case: Case) -> bytes:
    """document.xml of 256 MB of spaces (16 times DOCX_MAX_XML_BYTES), deflated to ~250 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W_NS}"><w:body>{paragraph(case.title)}'.encode())
            chunk = b" " * (4 * MIB)
            for _ in range(64):
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return buffer.getvalue()


def docx_deep(case: Case) -> bytes:
    return docx_of(document(paragraph(case.title) + "<w:sdt>" * 5000 + "</w:sdt>" * 5000))


def docx_laughs(case: Case) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    return docx_of(document(paragraph(case.title) + paragraph("&lol9;"), f"<!DOCTYPE w:document [{entities}]>"))


def docx_xxe(case: Case) -> bytes:
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return docx_of(document(paragraph(case.title) + paragraph("&xxe;"), doctype))


def docx_gridspan(case: Case) -> bytes:
    cells = "".join(
        f'<w:tc><w:tcPr><w:gridSpan w:val="{value}"/></w:tcPr><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc>'
        for n, value in enumerate(("abc", "-3", "0", "2", "99999999999"))
    )
    return docx_of(document(paragraph(case.title) + f"<w:tbl><w:tr>{cells}</w:tr></w:tbl>"))


# ---------------------------------------------------------------- listings


def listing_html(title: str, items: str, pager: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<ul class='list'>{items}</ul><div class='pager'>{pager}</div></body></html>"
    )


def item(href: str, title: str, date: str = "2024-01-15") -> str:
    return f'<li><span class="date">{date}</span><a href="{href}" title="{title}">{title}</a></li>'


def endless_next(case: Case) -> bytes:
    # Served for every path under /endless/ with the path in it: each page is a new page.
    return listing_html(
        "通知公告 {{request_path}}", item("/notice/1.html", "关于开展安全检查的通知"), '<a href="more/">下一页</a>'
    ).encode()


def spider_trap(case: Case) -> bytes:
    # The same bytes for every path under /trap/: a relative 下一页 into ever deeper paths.
    return listing_html(
        "年报", item("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告"), '<a href="next/">下一页</a>'
    ).encode()


def same_reports(case: Case) -> bytes:
    items = item("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告") + item(
        "/ndbg/good2.html", "安宁县人民政府2022年政府信息公开工作年度报告"
    )
    return listing_html(
        "年报", items + "<li>本页访问量 {{p}}</li>", '<a href="list.html?p={{p+1}}">下一页</a>'
    ).encode()


def many_links(case: Case) -> bytes:
    links = "".join(f'<a href="/notice/{n}.html">工作动态第{n}条</a>' for n in range(10_000))
    return listing_html("工作动态", f"<li><div>{links}</div></li>").encode()


def listing_12mb(case: Case) -> bytes:
    filler = "<li>工作动态</li>" * (12 * MIB // len("<li>工作动态</li>".encode()))
    return listing_html(
        "年报", item("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告") + filler
    ).encode()


def hanweb_column(columnid: str, records: str, perpage: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>年报</title></head><body><div id='7001'>"
        f"<script type='text/xml'><datastore><recordset>{records}</recordset></datastore></script>"
        f"<script>$('#7001').jpage({{ dataStore: dataStore, perPage: {perpage}, proxyUrl: "
        f"'/module/web/jpage/dataproxy.jsp', webid: '9', columnid: '{columnid}', unitid: '7001' }});</script>"
        "</div></body></html>"
    ).encode()


def record(href: str, title: str) -> str:
    return f'<record><![CDATA[<li><a href="{href}" title="{title}">{title}</a></li>]]></record>'


def datastore(records: str, total: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><datastore>{total}<recordset>{records}</recordset></datastore>'.encode()
    )


def column_id(case: Case) -> str:
    return (case.start or "").split("/col/col", 1)[1].split("/", 1)[0]


def hanweb_endless(case: Case) -> bytes:
    first = "".join(record(f"/hwn/0-{n}.html", f"工作动态0-{n}") for n in range(3))
    return hanweb_column(column_id(case), first, "3")


def hanweb_endless_answer(case: Case) -> bytes:
    return datastore(
        "".join(record(f"/hwn/{{{{startrecord}}}}-{n}.html", f"工作动态{{{{startrecord}}}}-{n}") for n in range(3))
    )


def hanweb_same(case: Case) -> bytes:
    first = "".join(record(f"/hw/same/{n}.html", f"安宁县第{n}乡镇2023年政府信息公开工作年度报告") for n in range(3))
    return hanweb_column(column_id(case), first, "3")


def hanweb_same_answer(case: Case) -> bytes:
    return datastore(
        "".join(record(f"/hw/same/{n}.html", f"安宁县第{n}乡镇2023年政府信息公开工作年度报告") for n in range(3, 6))
    )


def hanweb_records(case: Case) -> list[tuple[str, str]]:
    col = column_id(case)
    return [(f"/hw/{col}/{n}.html", f"安宁县第{n}{col[-1]}号街道2023年政府信息公开工作年度报告") for n in range(1, 9)]


def hanweb_perpage(case: Case) -> bytes:
    first = "".join(record(href, title) for href, title in hanweb_records(case)[:3])
    return hanweb_column(column_id(case), first, case.perpage or "15")


def hanweb_xxe(case: Case) -> bytes:
    first = "".join(record(href, title) for href, title in hanweb_records(case)[:1])
    page = hanweb_column(column_id(case), first, "15").decode()
    doctype = (
        '<!DOCTYPE datastore [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    return page.replace("<datastore>", f"{doctype}<datastore><totalrecord>&xxe;&lol2;</totalrecord>").encode()


MAKERS: dict[str, Callable[[Case], bytes]] = {
    fn.__name__: fn
    for fn in (
        plain_report, refresh_other, malformed_links, gzip_bomb, page_30mb, huge_spans, many_tables,
        long_number, html_laughs, html_xxe, binary_page, misdeclared, nul_page, surrogates, deep_html,
        utf16_odd, pdf_2000, pdf_encrypted, pdf_truncated, docx_bomb, docx_deep, docx_laughs, docx_xxe,
        docx_gridspan, endless_next, spider_trap, same_reports, many_links, listing_12mb, hanweb_endless,
        hanweb_same, hanweb_perpage, hanweb_xxe,
    )
} | {"refresh_file": refresh_other}  # fmt: skip


# ---------------------------------------------------------------- the sites


def write(root: Path, path: str, data: bytes) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def build(dest: Path, offsite: str) -> list[Case]:
    """Write the corpus under `dest` for the other host at `offsite`; return its cases."""
    values = {"{site:offsite}": offsite, "{host:offsite}": offsite.split("//", 1)[1]}
    cases = load_cases(values)
    site = dest / "corpus" / "sites" / "hostile"
    other = dest / "offsite" / "sites" / "offsite"
    write(other, "/robots.txt", b"User-agent: *\nAllow: /\n")
    write(other, "/ndbg/index.html", b"<html><body>the other host</body></html>")
    write(site, "/robots.txt", b"User-agent: *\nDisallow: /admin/\n")
    for name in ("good1.html", "good2.html"):
        write(site, f"/ndbg/{name}", (GOOD_PAGES / name).read_bytes())
    conf: dict[str, Any] = {
        "headers": {
            "*.pdf": {"Content-Type": "application/pdf"},
            "*.docx": {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
            "/big/bomb.html": {"Content-Type": "text/html", "Content-Encoding": "gzip"},
            "/cs/zlib.html": {"Content-Type": "text/html; charset=zlib"},
            "/cs/hex.html": {"Content-Type": "text/html; charset=hex"},
            "/cs/base64.html": {"Content-Type": "text/html; charset=base64"},
            "/cs/rot13.html": {"Content-Type": "text/html; charset=rot13"},
            "/cs/utf16odd.html": {"Content-Type": "text/html; charset=utf-16"},
            "/ndbg/misdeclared.html": {"Content-Type": "text/html; charset=utf-8"},
            "*.xml": {"Content-Type": "text/xml;charset=UTF-8"},
            "*": {"Content-Type": "text/html; charset=utf-8"},
        },
        "redirects": {
            "/ndbg/away.html": {"status": 302, "location": f"{offsite}/ndbg/redirected.html"},
            "/ndbg/to_file.html": {"status": 302, "location": "file:///etc/passwd"},
            "/loop/a.html": {"status": 302, "location": "/loop/b.html"},
            "/loop/b.html": {"status": 301, "location": "/loop/a.html"},
        },
        "routes": [],
        "hanweb_dataproxy": {},
    }
    items = [item("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告")]
    for case in cases:
        maker = MAKERS[case.make] if case.make else None
        if case.link is not None:
            items.append(item(case.link, case.title))
            if maker is not None:
                write(site, case.link, maker(case))
            continue
        assert case.start is not None and maker is not None, case.id
        path = case.start.split("?", 1)[0]
        if case.id == "endless-next":
            write(site, "/_endless.html", maker(case))
            conf["routes"] += [{"path": "/endless/*", "method": "GET", "file": "_endless.html", "template": True}]
        elif case.id == "spider-trap":
            write(site, "/_trap.html", maker(case))
            conf["routes"] += [{"path": "/trap/*", "method": "GET", "file": "_trap.html"}]
        elif case.id == "same-reports":
            write(site, "/_same.html", maker(case))
            route = {"path": path, "method": "GET", "params": {"p": "*"}, "file": "_same.html", "template": True}
            conf["routes"].append(route)
        else:
            write(site, path, maker(case))
        if case.cms == "hanweb":
            col = column_id(case)
            answer: bytes | None = None
            if case.id == "hanweb-endless":
                answer = hanweb_endless_answer(case)
            elif case.id == "hanweb-same":
                answer = hanweb_same_answer(case)
                for n in range(6):
                    title = f"安宁县第{n}乡镇2023年政府信息公开工作年度报告"
                    write(site, f"/hw/same/{n}.html", report_html(title).encode())
            else:
                records = hanweb_records(case)
                write(site, f"/_hw/{col}.xml", datastore("".join(record(h, t) for h, t in records)))
                conf["hanweb_dataproxy"][col] = f"_hw/{col}.xml"
                for href, title in records:
                    write(site, href, report_html(title).encode())
            if answer is not None:
                write(site, f"/_hw/{col}.xml", answer)
                conf["routes"].append(
                    {
                        "path": "/module/web/jpage/dataproxy.jsp",
                        "method": "POST",
                        "params": {"columnid": col},
                        "file": f"_hw/{col}.xml",
                        "template": True,
                        "headers": {"Content-Type": "text/xml;charset=UTF-8"},
                    }
                )
    items.append(item("/ndbg/good2.html", "安宁县人民政府2022年政府信息公开工作年度报告"))
    write(site, "/ndbg/index.html", listing_html("政府信息公开年报", "".join(items)).encode())
    good = item("/ndbg/good1.html", "安宁县人民政府2023年政府信息公开工作年度报告") + item(
        "/ndbg/good2.html", "安宁县人民政府2022年政府信息公开工作年度报告"
    )
    write(site, "/good/index.html", listing_html("政府信息公开年报", good).encode())
    (site / "site.yaml").write_text(yaml.safe_dump(conf, allow_unicode=True, sort_keys=False), "utf-8")
    return cases
