"""Rendering pages in headless Chromium, only for requests that need it.

The flow, one module per step:

* :mod:`~crawler.browser.handler` — the download handler: requests marked
  ``render`` go through scrapy-playwright, every other one through Scrapy's
  HTTP handler; the browser starts with the first rendered request.
* :mod:`~crawler.browser.documents` — a Playwright route that fetches the
  page's documents itself and declares the charset Chromium would guess wrong.
* :mod:`~crawler.browser.settle` — a page method that waits for scripts and
  challenge reloads, then reads back the status and cookies of the page shown.
* :mod:`~crawler.browser.challenge` — the downloader middleware that retries an
  anti-bot challenge in the browser and then fetches the page again plainly.
* :mod:`~crawler.browser.chromium` — where the system Chromium is and how it is
  launched (no Playwright import, so settings can read it).

This package imports nothing itself: settings import ``chromium`` without
loading Playwright.
"""
