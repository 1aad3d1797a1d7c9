"""Untrusted XML is parsed with entities unexpanded, nothing fetched, nothing read from disk.

Billion-laughs and XXE documents go through the DOCX reader (word/document.xml
and any part parsed with :func:`crawler.attachments.docx.parse_part`) and the
Hanweb datastore reader (``crawler.cms.hanweb.records``: the records' CDATA
as HTML fragments).  An XXE names a temporary file holding a marker string:
the marker must appear nowhere in what comes out.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from crawler.attachments import AttachmentError
from crawler.attachments.docx import W_NS, XML_OPTIONS, parse_part
from crawler.cms.hanweb import records
from crawler.core import parse_report

MARKER = "XXE-MARKER-7f3a9c"
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{("&lol" + str(n - 1) + ";" if n > 1 else "&lol;") * 10}">\n' for n in range(1, 10))
    + "]>\n"
)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER, "utf-8")
    return path


def document(doctype: str, text: str) -> str:
    return (
        f'{doctype}<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'
    )


def docx_of(document_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def xxe(secret: Path) -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE w:document [ <!ENTITY xxe SYSTEM "{secret.as_uri()}"> ]>\n'


def test_billion_laughs_in_a_docx_is_not_expanded() -> None:
    body = docx_of(document(LAUGHS, "年度报告&lol9;"))
    started = time.process_time()
    report = parse_report(body, "application/octet-stream", "http://127.0.0.1/r.docx")
    assert time.process_time() - started < 5  # 10**9 "lol"s would take minutes and gigabytes
    (error,) = [e["error"] for e in report.errors if e["stage"] == "attachment"]
    # libxml2 refuses the entity bomb in the DTD itself; without that, the DTD is refused.
    assert "amplification" in error or "declares a DTD" in error, error
    assert report.html is None
    with pytest.raises((AttachmentError, etree.XMLSyntaxError)):
        parse_part(document(LAUGHS, "&lol9;").encode(), 100)
    # The parser options alone expand nothing: a small bomb stays an entity reference.
    small = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><d>&b;</d>'
    root = etree.fromstring(small.encode(), etree.XMLParser(**XML_OPTIONS))
    assert "lol" not in "".join(root.itertext())


def test_an_xxe_in_a_docx_reads_no_file(secret: Path) -> None:
    report = parse_report(docx_of(document(xxe(secret), "见&xxe;")), "application/octet-stream", "http://h/r.docx")
    assert {
        "stage": "attachment",
        "error": "DOCX word/document.xml declares a DTD (OOXML parts have none): refused",
    } in (report.errors)
    assert MARKER not in repr(report.filled())
    # The parser options alone read no file: the external entity stays unresolved.
    root = etree.fromstring(document(xxe(secret), "见&xxe;").encode(), etree.XMLParser(**XML_OPTIONS))
    assert "见" in "".join(root.itertext()) and MARKER not in etree.tostring(root, encoding="unicode")
    # Nor does a parameter entity (the out-of-band form), which would load while the DTD is read.
    oob = f'<?xml version="1.0"?>\n<!DOCTYPE w:document [ <!ENTITY % ext SYSTEM "{secret.as_uri()}"> %ext; ]>\n'
    root = etree.fromstring(document(oob, "x").encode(), etree.XMLParser(**XML_OPTIONS))
    assert MARKER not in etree.tostring(root, encoding="unicode")


def test_an_xxe_or_billion_laughs_in_a_hanweb_datastore_expands_nothing(secret: Path) -> None:
    datastore = (
        f"{xxe(secret)}<datastore><nextgroup><![CDATA[]]></nextgroup><recordset>"
        '<record><![CDATA[<li><a href="/art/1.html" title="某县2023年政府信息公开工作年度报告">&xxe;</a></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2.html">年报&lol9;</a></li>]]></record>'
        "</recordset></datastore>"
    )
    page = f'<html><body><script type="text/xml">{LAUGHS}{datastore}</script></body></html>'
    selector = records(page)
    text = "".join(selector.xpath("//text()").getall())
    assert selector.xpath("//a/@href").getall() == ["/art/1.html", "/art/2.html"]
    assert MARKER not in text and "lollol" not in text
