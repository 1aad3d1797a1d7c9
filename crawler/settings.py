"""Project settings: polite defaults and the pipeline, one stage per module.

Every custom setting is documented in the README ("Settings").
"""

from __future__ import annotations

from crawler import items as _items
from crawler.browser import chromium as _chromium

BOT_NAME = "reports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Identify ourselves; portals' webmasters can reach the project.
USER_AGENT = "gov-report-crawler/0.1 (+https://github.com/open-data/gov-annual-reports; research crawler)"

# Politeness: obey robots.txt, few requests per site, adaptive delays.
ROBOTSTXT_OBEY = True
# Politeness is per host (2 at a time, AutoThrottle, robots.txt); the global cap only has to let a
# crawl of hundreds of hosts keep them all busy: with 16, requests waiting out per-host delays held
# the slots and the other hosts idled (issue 17).
CONCURRENT_REQUESTS = 128
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for every response's output, used or not (100 by default:
# ~2 ms of the crawl process's CPU a page). A report page yields one item and a listing page its
# links, which are only scheduled, so 4 loses no parallelism (issue 17: bench_crawl_hosts a +45 %).
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated body is an error (and retried), not a report
# Body size, counted while a compressed body inflates too (Scrapy's HttpCompressionMiddleware):
# a gzip bomb is cut at 64 MiB, not inflated to its end.  Warn above 16 MiB.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Per-report budgets (crawler/budgets.py): over one, that work stops and the report is
# stored with a named error ("budget: PDF has 2000 pages, over PDF_MAX_PAGES=200").
HTML_MAX_BYTES = 8 * 1024 * 1024  # page or converted attachment handed to the HTML parser
HTML_MAX_DEPTH = 256  # element nesting of a parsed page; deeper is refused before the text walks recurse
GRID_MAX_CELLS = 100_000  # slots of one table once rowspan/colspan are expanded
TABLES_MAX_PER_PAGE = 200  # data tables read from one page
PDF_MAX_PAGES = 200
PDF_MAX_SECONDS = 60.0  # pdfplumber's parse, checked between pages
DOCX_MAX_XML_BYTES = 16 * 1024 * 1024  # word/document.xml, counted while it inflates
DOCX_MAX_XML_DEPTH = 100  # element nesting in word/document.xml
CONVERTER_MAX_SECONDS = 30.0  # the DOCX converter, checked between blocks and table rows
MOJIBAKE_MAX_RUNS = 5_000  # damaged-looking runs examined for repair per page; the rest left as read
OCR_MAX_SECONDS = 120.0  # tesseract on one table image or scanned page (killed when over)
OCR_REPORT_MAX_SECONDS = 600.0  # all OCR of one report (its table images, or a scan's pages)

# Formats the spider assembles before the core (crawler/spiders/flipbook.py, table_images.py).
FLIPBOOK_MAX_PAGES = 200  # pageN.html fetched per flipbook; more are left out, named on the report
TABLE_IMAGES_MAX_PER_REPORT = 6  # table-looking <img>s fetched per HTML report for OCR (0: none)
TABLE_IMAGE_MAX_BYTES = 10 * 1024 * 1024  # one table image's download; larger ones are cancelled

# Retries with exponential backoff (crawler/middlewares/backoff.py).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 60.0
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.backoff.BackoffRetryMiddleware": 550,
    "crawler.middlewares.pagelog.PageLogMiddleware": 950,
    # A charset=zlib/hex/base64/rot13 header must not make Scrapy's .text raise (crawler/middlewares/textencoding.py).
    "crawler.middlewares.textencoding.TextEncodingMiddleware": 585,
    # Only http(s), only the portal's own hosts (crawler/security/; README "Security model").
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.security.offsite.PortalOffsiteMiddleware": 50,
}

# The store: every report and every fetch.  Empty disables SQLite storage.
REPORTS_DB = "data/reports.db"

# JOBDIR's request queue in SQLite (Scrapy's own class): the default file queue is
# left unreadable by a SIGKILL, and the resumed crawl then loses every request of
# that priority while finishing "finished" (tests/test_faults_sigkill.py).
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleLifoSQLiteQueue"

ITEM_PIPELINES = {
    # Parses in PARSE_WORKERS processes (the stage pipelines below step aside while it does).
    "crawler.pipelines.pool.ParsePoolPipeline": 80,
    "crawler.pipelines.attachment.AttachmentPipeline": 90,
    "crawler.pipelines.decode.DecodePipeline": 100,
    "crawler.pipelines.images.TableImagesPipeline": 150,
    "crawler.pipelines.normalise.NormalisePipeline": 200,
    "crawler.pipelines.metadata.MetadataPipeline": 300,
    "crawler.pipelines.sections.SectionsPipeline": 400,
    "crawler.pipelines.tables.TablesPipeline": 500,
    "crawler.pipelines.checks.ChecksPipeline": 550,
    "crawler.pipelines.dedup.DedupPipeline": 600,
    "crawler.pipelines.store.SQLiteStorePipeline": 900,
}

# The parsing stages run in worker processes, so the crawl is not bound to one core (issue 17):
# None = one per core, 0 = in the crawl process (the stage pipelines).  A report not parsed within
# PARSE_TIMEOUT seconds (0: no limit) is stored with a `parse` error and its worker replaced.
PARSE_WORKERS = None
PARSE_TIMEOUT = 300.0
# A worker retires after this many reports and a fresh one is forked (0: never), so the workers'
# memory stays flat over a long crawl (issue 17: bench/bench_memory.py).
PARSE_WORKER_MAX_REPORTS = 1000
# The parse workers run this much nicer than the crawl process (0: the same priority), so on a busy
# machine the one process that fetches, feeds the workers and stores is not slowed by its own workers.
PARSE_WORKER_NICE = 10

# Listing budget: the most pages walked per column per crawl (an entry's `max_pages` wins).
LISTING_MAX_PAGES = 200
# ... and the most links kept from one listing page (an entry's `max_links` wins); a page cut there,
# or one repeating an earlier page of its column by content, leaves the column incomplete.
LISTING_MAX_LINKS = 5_000

# Findings (crawler/findings/): recomputed when a crawl closes, for the bodies whose
# reports changed (cross-year, text vs tables, outline, reuse, timeliness, rates).
EXTENSIONS = {"crawler.findings.extension.FindingsExtension": 600, "crawler.progress.PortalProgress": 500}
PROGRESS_INTERVAL = 60.0  # seconds between per-portal progress lines in the log (0: none)
FINDINGS_ENABLED = True

# Switches for the text stages (on by default; off leaves the raw page to later stages).
ATTACHMENTS_ENABLED = True  # PDF/DOCX report attachments → HTML before decode
DECODE_ENABLED = True  # charset by evidence, mojibake repair
NORMALISE_ENABLED = True  # main content, pinyin out, Traditional → Simplified

# Feed exports (-O reports.csv) write the report columns, not raw bytes or trees;
# CSV feeds are written as utf-8-sig (a BOM for Excel) by crawler.export.FeedExportDefaults.
FEED_EXPORT_FIELDS = list(_items.REPORT_FIELDS)
FEED_EXPORT_ENCODING = "utf-8"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False

# --- operations: scrapyd / playwright / redis ---
# (crawler/browser/, crawler/distributed/; README
# "JS-rendered portals" and "Distributed crawls".)

# Requests marked `render` (cms: browser, render: true, anti-bot retries) are rendered
# in the system Chromium; all others use Scrapy's HTTP handler.  The browser starts
# with the first rendered request, so most crawls never start it.
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.handler.BrowserDownloadHandler",
    "https": "crawler.browser.handler.BrowserDownloadHandler",
    # No local files, data:, FTP or S3 whatever a page links (the offsite middleware refuses them first).
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = _chromium.launch_options()  # Debian's chromium; Playwright cannot download one
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.security.browser.abort_request"  # other hosts and schemes, in Chromium too
# Anti-bot walls: these statuses with a cookie-setting, reloading script are retried in the browser.
BROWSER_CHALLENGE_STATUSES = [412, 202]
BROWSER_SETTLE_TIMEOUT = 15.0  # seconds a rendered page may take to finish scripts and reloads
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "crawler.browser.challenge.ChallengeMiddleware": 900}

# Distributed crawls: a Redis URL (`-s REDIS_URL=redis://host:6379/0`, or REDIS_URL in
# the environment) makes `scrapy crawl` a worker on a shared scrapy-redis queue (seeded
# by `scrapy seed`) that hands its reports to `scrapy drain`, the one process writing
# SQLite.  Workers never open REPORTS_DB.
REDIS_URL = ""

# What settings cannot decide at import, decided once the crawler's settings are final
# (they see -s): the distributed mode, and tldextract's bundled public-suffix list for
# cookies (no download from the web).  This module reads no environment.
ADDONS = {
    "crawler.public_suffix.BundledPublicSuffixList": 0,
    "crawler.distributed.addon.DistributedAddon": 10,
    # Feeds (-O x.csv): one row per report; CSV with a BOM and formula-safe cells (crawler/export.py).
    "crawler.export.FeedExportDefaults": 20,
}
