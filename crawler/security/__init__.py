"""The crawler's security boundary: what a portal's pages can make it fetch.

* :mod:`~crawler.security.hosts` — the policy, pure: only ``http``/``https``,
  only the hosts of the entry's start URLs and its ``allowed_hosts``, no
  loopback/private/link-local address unless a start URL is one.
* :mod:`~crawler.security.offsite` — the downloader middleware that holds
  every request (and redirect, meta refresh, robots.txt) to it, counts,
  logs and records each refusal.
* :mod:`~crawler.security.browser` — the same policy inside Chromium for
  rendered pages (page route, WebSockets, ``PLAYWRIGHT_ABORT_REQUEST``).

This package imports nothing itself.
"""
