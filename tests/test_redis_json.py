"""The JSON request serializer of distributed crawls: the spider's requests survive it, nothing else gets in.

In-process: the real spider (bundled registry) makes its requests, Scrapy's
``Request.to_dict`` / ``request_from_dict`` convert them as scrapy-redis
does, and :mod:`crawler.distributed.serializer` sits between.  The queue
itself, on a real redis-server, is tests/test_ops_redis.py.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, JsonRequest
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler
from scrapy_playwright.page import PageMethod

from crawler.distributed import serializer
from crawler.distributed.keys import decode, encode
from crawler.distributed.serializer import RefusedPayload
from crawler.spiders.province_reports import ProvinceReportsSpider


class CreatesFile:
    """Unpickling this creates `path`: the proof that a payload was executed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.makedirs, (str(self.path),))


@pytest.fixture
def spider() -> ProvinceReportsSpider:
    crawler = get_crawler(ProvinceReportsSpider, settings_dict={"REPORTS_DB": ""})
    made = crawler.spidercls.from_crawler(crawler)
    assert isinstance(made, ProvinceReportsSpider)
    return made


def through_json(request: Request, spider: ProvinceReportsSpider) -> Request:
    """What a worker gets back after scrapy-redis queued `request` with our serializer."""
    payload = serializer.dumps(request.to_dict(spider=spider))
    assert isinstance(payload, str) and payload.isascii()
    return request_from_dict(serializer.loads(payload.encode("ascii")), spider=spider)


def cover_page_request(spider: ProvinceReportsSpider) -> Request:
    portal = spider.selected[0]
    body = '<html><body><p>附件：<a href="/f/2023年度报告.pdf">2023年政府信息公开工作年度报告.pdf</a></p></body></html>'
    page = HtmlResponse(
        portal.start_urls[0] + "cover.html",
        body=body.encode("gb18030") + b"\xff\x00\x80",  # bytes no text codec would round-trip
        headers={"Content-Type": "text/html; charset=gbk"},
        request=Request(portal.start_urls[0], meta={"portal_id": portal.id, "link_title": "年报", "link_date": None}),
    )
    (request,) = spider._follow_attachment(page, portal.start_urls[0] + "f/2023.pdf")
    return request


def test_the_spiders_requests_come_back_from_json_as_they_went_in(spider: ProvinceReportsSpider) -> None:
    requests = list(spider.start_requests())[:20]
    assert len(requests) == 20, "the bundled registry gave fewer start requests than expected"
    requests.append(cover_page_request(spider))
    requests.append(
        FormRequest(
            "http://127.0.0.1/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15",
            formdata={"col": "1", "columnid": "1229427361"},
            meta={"hanweb": {"params": {"perpage": "15"}, "next": 16, "page": 2}, "listing_page": 3},
            callback=spider.parse,
            errback=spider.listing_failed,
        )
    )
    requests.append(
        JsonRequest(
            "http://127.0.0.1/api/list",
            data={"page": 2, "size": 20},
            meta={"jsonapi": {"api": "http://127.0.0.1/api/list", "values": {}, "page": 2, "seen": 20}},
            callback=spider.parse,
        )
    )
    requests.append(
        Request(
            "http://127.0.0.1/r/1.html",
            meta={"retry_times": 2, "redirect_urls": ["http://127.0.0.1/r/0.html"], "redirect_reasons": [301]},
            callback=spider.parse_report,
            errback=spider.report_failed,
            cookies={"sid": "1"},
            priority=10,
            dont_filter=True,
        )
    )
    for request in requests:
        back = through_json(request, spider)
        assert back.to_dict(spider=spider) == request.to_dict(spider=spider)
        assert type(back) is type(request)
    cover = through_json(requests[-4], spider).meta["cover_page"]
    assert isinstance(cover["body"], bytes) and cover["body"].endswith(b"\xff\x00\x80")


def test_a_pickle_taken_from_the_queue_is_refused_and_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    payload = pickle.dumps(CreatesFile(marker))
    pickle.loads(payload)  # the payload really is armed:
    assert marker.exists()
    marker.rmdir()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(RefusedPayload):
            serializer.loads(pickle.dumps({"url": "http://x/", "meta": CreatesFile(marker)}, protocol=protocol))
    with pytest.raises(ValueError, match="pickle"):
        decode(payload)  # a drain message
    assert not marker.exists()


def test_json_that_names_other_code_is_refused() -> None:
    for request, reason in (
        ({"url": "http://x/", "_class": "os.system"}, "request class"),
        ({"url": "http://x/", "_class": "crawler.storage.open_db"}, "request class"),
        ({"url": "http://x/", "callback": "_closed"}, "callback"),
        ({"url": "http://x/", "errback": "close"}, "errback"),
        ({"url": "http://x/", "body": {"$bytes": "not base64!"}}, "base64"),
        ({"meta": {}}, "no url"),
    ):
        with pytest.raises(RefusedPayload, match=reason):
            serializer.loads(encode(request))
    with pytest.raises(RefusedPayload, match="not JSON"):
        serializer.loads(b"{not json")


def test_a_request_with_more_than_plain_data_says_where() -> None:
    request = Request("http://x/", meta={"portal_id": "p", "state": {"seen": [1, object()]}})
    with pytest.raises(TypeError, match=r"\['state'\]\['seen'\]\[1\] is a builtins.object"):
        serializer.dumps(request.to_dict())


def test_a_retried_rendered_request_leaves_the_browser_handlers_own_meta_out() -> None:
    request = Request(
        "http://x/",
        meta={
            "render": True,
            "playwright": True,
            "playwright_page_methods": [PageMethod("wait_for_timeout", 10)],
            "playwright_page_init_callback": print,
            "playwright_context_kwargs": {"locale": "zh-CN"},
        },
    )
    back = serializer.loads(serializer.dumps(request.to_dict()))
    assert back["meta"] == {"render": True, "playwright": True, "playwright_context_kwargs": {"locale": "zh-CN"}}


def test_markers_in_the_data_itself_stay_data() -> None:
    meta = {"$bytes": "abc", "t": (1, "a"), "k": {b"raw": [b"v"]}, 3: "int key"}
    back = serializer.loads(serializer.dumps(Request("http://x/", meta=meta).to_dict()))
    assert back["meta"] == meta
