"""Pass anti-bot JavaScript challenges by retrying the request in the browser.

Many government portals answer a first visit with HTTP 412 (or 202) and a
script that computes a cookie, sets it and reloads the page.  Scrapy cannot
run the script; Chromium can.  Such a response is retried once with
``meta["render"]`` (see :mod:`crawler.browser.handler`).  When the browser gets
through, its cookies go into Scrapy's cookie jar and the original request is
fetched again *without* the browser: the report keeps its bytes exactly as
served, and every later request to that portal passes with the cookie alone.
A listing that is rendered anyway (``cms: browser``) keeps the rendered page.

Sits below PageLogMiddleware (950), so the challenge answer is still logged.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

SETS_COOKIE = re.compile(rb"document\.cookie\s*=", re.I)
NAVIGATES = re.compile(rb"location\.(?:reload|replace|assign|href)|window\.location\s*=|location\s*=", re.I)


def is_challenge(body: bytes) -> bool:
    """A page whose script sets a cookie and navigates: an anti-bot challenge.

    >>> is_challenge(b'<script>document.cookie="a=1";location.reload()</script>')
    True
    >>> is_challenge(b"<html><body>Precondition Failed</body></html>")
    False
    """
    head = body[:65536]
    return bool(b"<script" in head.lower() and SETS_COOKIE.search(head) and NAVIGATES.search(head))


class ChallengeMiddleware:
    def __init__(self, crawler: Crawler, statuses: set[int]):
        self.crawler, self.statuses = crawler, statuses

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        statuses = {int(s) for s in crawler.settings.getlist("BROWSER_CHALLENGE_STATUSES", [412, 202])}
        if not statuses:
            raise NotConfigured("BROWSER_CHALLENGE_STATUSES is empty: challenges are not retried in the browser")
        return cls(crawler, statuses)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        stats = self.crawler.stats
        challenge = request.meta.get("challenge")
        if response.status in self.statuses and is_challenge(response.body):
            if challenge or request.meta.get("render"):
                logger.warning(
                    "Challenge at %s not passed in the browser either (HTTP %d)", request.url, response.status
                )
                stats.inc_value("browser/challenge_failed_count")
                return response
            logger.info("Challenge at %s (HTTP %d): retrying in the browser", request.url, response.status)
            stats.inc_value("browser/challenge_count")
            return request.replace(dont_filter=True, meta={**request.meta, "render": True, "challenge": "browser"})
        if challenge == "browser" and response.status < 400:
            cookies = request.meta.get("browser_cookies") or []
            stats.inc_value("browser/challenge_passed_count")
            logger.info(
                "Challenge at %s passed; fetching it again with %d browser cookie(s)", request.url, len(cookies)
            )
            meta = {k: v for k, v in request.meta.items() if not k.startswith("playwright") and k != "browser_cookies"}
            meta["render"] = False
            meta["challenge"] = "passed"
            return request.replace(cookies=cookies, dont_filter=True, meta=meta)
        return response
