"""Keep tldextract on its bundled public-suffix list: no download from the web.

Cookies (the browser's, or any portal's) make Scrapy's cookie middleware ask
tldextract for the public-suffix list, which by default it downloads.  The
list is read from ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` when the middleware
module is imported, so this add-on sets it (empty: the bundled snapshot, not
the web) when a crawler is set up, before the downloader middlewares load,
and leaves a value the user set alone.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

ENV = "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"


class BundledPublicSuffixList:
    def update_settings(self, settings: BaseSettings) -> None:
        os.environ.setdefault(ENV, "")
