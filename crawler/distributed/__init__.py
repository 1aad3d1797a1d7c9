"""Distributed crawls: several workers, one Redis, one SQLite store.

With ``REDIS_URL`` set (``-s REDIS_URL=…`` or the environment variable; the
add-on :mod:`~crawler.distributed.addon` makes the switch) every worker runs
the unchanged spider on a shared scrapy-redis request queue.  The flow, one
module per step:

* :mod:`~crawler.distributed.scheduler` — ``scrapy seed`` starts a run: it
  clears the queue and dupefilter, puts in the very requests a single-process
  crawl would start with (the spider's own ``start_requests()``), and
  publishes which reports and listings the store already holds, so workers
  stay incremental without opening SQLite.  :class:`RedisScheduler` applies
  the shared dupefilter to every *fresh* request, even ``dont_filter`` ones:
  the spider de-duplicates per process, and two workers must not fetch the
  same report twice.  Retries, redirects and challenge retries are never
  filtered.
* :mod:`~crawler.distributed.worker` — :class:`WorkerExtension` keeps an idle
  worker alive while another one is still busy (its work may yet fill the
  queue), and reports which listings it walked to the end, so the drain can
  mark them complete as the spider does after a single-process crawl.
* :class:`~crawler.pipelines.redis_queue.RedisQueuePipeline` — workers never
  write SQLite: each finished report (stored fields only) and every page-log
  record goes onto one Redis list.
* :mod:`~crawler.distributed.drain` — ``scrapy drain`` is the single writer
  that moves them into the store with the same ``store_report``/``log_page``
  calls as a single-process crawl.  SQLite wants one writer; Redis lists are
  the hand-off, and a message is only removed once its transaction committed.
* :mod:`~crawler.distributed.keys` — the Redis keys and message encoding they
  share.

This package imports nothing itself.
"""
