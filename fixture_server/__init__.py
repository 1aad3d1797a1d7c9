"""The fixture portals served on 127.0.0.1: a test tool of the checkout, not of the package.

It lives beside ``crawler/``, not in it, so the installed package and the
scrapyd egg (``crawler*`` only) ship no test tools.  Tests, benchmarks and
``scrapy demo`` (which finds it through ``scrapy.cfg``) import it from the
checkout; it reads the fixtures under ``../fixtures`` relative to itself.

* :mod:`~fixture_server.site` — what one portal answers (files, headers,
  redirects, challenge, Hanweb records) and the faults it can inject;
* :mod:`~fixture_server.serve` — the server process, one port per site;
* :mod:`~fixture_server.process` — :class:`FixtureServer`, that process in a
  subprocess for the length of a ``with`` block;
* :mod:`~fixture_server.registry` — a fixture registry with the sites' URLs.
"""

from __future__ import annotations

from fixture_server.process import FixtureServer
from fixture_server.registry import render_registry
from fixture_server.serve import FIXTURES
from fixture_server.site import Fault, Site

__all__ = ["FIXTURES", "Fault", "FixtureServer", "Site", "render_registry"]
