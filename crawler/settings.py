"""Project settings: polite defaults and the pipeline, one stage per module.

Every custom setting is documented in the README ("Settings").
"""

from __future__ import annotations

BOT_NAME = "reports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Identify ourselves; portals' webmasters can reach the project.
USER_AGENT = "gov-report-crawler/0.1 (+https://github.com/open-data/gov-annual-reports; research crawler)"

# Politeness: obey robots.txt, few requests per site, adaptive delays.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated body is an error (and retried), not a report

# Retries with exponential backoff (crawler/middlewares/backoff.py).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_BACKOFF_BASE = 1.0   # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 60.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.backoff.BackoffRetryMiddleware": 550,
    "crawler.middlewares.pagelog.PageLogMiddleware": 950,
}

# The store: every report and every fetch.  Empty disables SQLite storage.
REPORTS_DB = "data/reports.db"

ITEM_PIPELINES = {
    "crawler.pipelines.metadata.MetadataPipeline": 300,
    "crawler.pipelines.sections.SectionsPipeline": 400,
    "crawler.pipelines.tables.TablesPipeline": 500,
    "crawler.pipelines.dedup.DedupPipeline": 600,
    "crawler.pipelines.store.SQLiteStorePipeline": 900,
}

# Feed exports (-O reports.csv) write the report columns, not raw bytes or trees.
FEED_EXPORT_FIELDS = [
    "report_id", "index_no", "title", "report_year", "publisher", "publish_date", "doc_no",
    "format", "portal_id", "province", "level", "url", "source_encoding", "script",
    "fetched_at",
]
FEED_EXPORT_ENCODING = "utf-8"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
