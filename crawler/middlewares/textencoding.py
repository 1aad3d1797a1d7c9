"""A declared charset that is a codec but not a text encoding is not Scrapy's to decode with.

``Content-Type: text/html; charset=zlib`` (or ``hex``, ``base64``,
``rot13``) names a Python codec, so Scrapy's TextResponse takes it and its
``.text`` raises LookupError in the first middleware or callback that reads
the page: the report, or a whole listing, was lost to one bad header.  Here,
after decompression (order 585, below HttpCompressionMiddleware's 590) and
before anything reads the text (MetaRefreshMiddleware 580, the offsite
check), such a response gets the encoding the project's one charset rule
chooses (:func:`crawler.text.encoding.choose_encoding`, which ignores the
non-text label); its headers are left as they came, so the report still
records what the portal declared.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import TextResponse
from w3lib.encoding import http_content_type_encoding

from crawler.text.encoding import choose_encoding, text_encoding

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class TextEncodingMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        header = response.headers.get("Content-Type")
        content_type = header.decode("latin-1") if header else None
        declared = http_content_type_encoding(content_type)
        if declared is None or text_encoding(declared) is not None:
            return response
        encoding = choose_encoding(response.body, content_type).encoding
        logger.info("%s declares charset %s, not a text encoding: read as %s", response.url, declared, encoding)
        return response.replace(encoding=encoding)
