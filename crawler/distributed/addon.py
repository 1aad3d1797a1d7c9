"""Switch ``scrapy crawl`` into a distributed worker when ``REDIS_URL`` is set.

A Scrapy add-on (``ADDONS``, crawler/settings.py), not an ``if`` in
settings.py: the add-on runs once the crawler's settings are final, so it
sees ``-s REDIS_URL=…``, and it falls back to the ``REDIS_URL`` environment
variable that redis tooling and our README use (Scrapy no longer maps
``SCRAPY_<SETTING>`` variables onto settings, so it offers nothing for that).
settings.py itself reads no environment.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# What settings.py used to set for a worker, at the same ("project") priority,
# so `-s` still overrides any of them.
WORKER_SETTINGS = {
    "SCHEDULER": "crawler.distributed.scheduler.RedisScheduler",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    # JSON, not scrapy-redis' default pickle: nothing taken from Redis is unpickled.
    "SCHEDULER_SERIALIZER": "crawler.distributed.serializer",
    "SCHEDULER_PERSIST": True,  # one worker finishing must not clear the others' queue
    "REPORTS_DB": "",  # workers never open SQLite: `scrapy drain` writes it
}


def redis_url(settings: BaseSettings) -> str:
    """The ``REDIS_URL`` setting (``-s`` or settings.py), else the environment variable."""
    return str(settings.get("REDIS_URL") or os.environ.get("REDIS_URL", ""))


class DistributedAddon:
    """With a Redis URL: the shared scheduler, the worker extension, reports to Redis."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        from crawler.distributed.worker import WorkerExtension
        from crawler.pipelines.redis_queue import RedisQueuePipeline
        from crawler.pipelines.store import SQLiteStorePipeline

        settings.set("REDIS_URL", url, priority="project")
        for name, value in WORKER_SETTINGS.items():
            settings.set(name, value, priority="project")
        settings.set_in_component_priority_dict("EXTENSIONS", WorkerExtension, 500)
        settings.set_in_component_priority_dict("ITEM_PIPELINES", SQLiteStorePipeline, None)
        settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisQueuePipeline, 900)
