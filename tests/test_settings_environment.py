"""Settings read no environment at import; add-ons make the run-time switches.

Each check runs in a fresh interpreter, so the environment it sees is exactly
the one given here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from conftest import ROOT

pytestmark = pytest.mark.services  # every check runs in a fresh interpreter

TLD_ENV = "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"
URL = "redis://127.0.0.1:1/0"  # never connected to: only the settings are built

IMPORT_SETTINGS = f"""
import json, os
before = dict(os.environ)
import crawler.settings as s
print(json.dumps({{"REDIS_URL": s.REDIS_URL, "SCHEDULER": hasattr(s, "SCHEDULER"),
                  "environ_changed": dict(os.environ) != before, "tld": {TLD_ENV!r} in os.environ}}))
"""

CRAWLER_SETTINGS = f"""
import json, os, sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from tldextract import TLDExtract
settings = get_project_settings()
settings.setdict(json.loads(sys.argv[1]), priority="cmdline")
crawler = CrawlerProcess(settings).create_crawler("province_reports")
crawler._apply_settings()  # as `scrapy crawl` does before building the engine
s = crawler.settings
def paths(name):
    return {{load_object(k).__name__: v for k, v in s.getdict(name).items()}}
print(json.dumps({{
    "REDIS_URL": s.get("REDIS_URL"), "SCHEDULER": s.get("SCHEDULER"), "REPORTS_DB": s.get("REPORTS_DB"),
    "pipelines": paths("ITEM_PIPELINES"), "extensions": paths("EXTENSIONS"),
    "tld": os.environ.get({TLD_ENV!r}), "suffix_list_urls": list(TLDExtract().suffix_list_urls),
}}))
"""


def run(script: str, *args: str, **env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "SCRAPY_REDIS_URL", TLD_ENV}}
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_settings_neither_reads_nor_writes_the_environment() -> None:
    result = run(IMPORT_SETTINGS, REDIS_URL=URL)
    assert result == {"REDIS_URL": "", "SCHEDULER": False, "environ_changed": False, "tld": False}


def test_a_redis_url_setting_makes_a_distributed_worker() -> None:
    for result in (run(CRAWLER_SETTINGS, json.dumps({"REDIS_URL": URL})), run(CRAWLER_SETTINGS, "{}", REDIS_URL=URL)):
        assert result["REDIS_URL"] == URL
        assert result["SCHEDULER"] == "crawler.distributed.scheduler.RedisScheduler"
        assert result["REPORTS_DB"] == ""
        assert result["pipelines"]["SQLiteStorePipeline"] is None
        assert result["pipelines"]["RedisQueuePipeline"] == 900
        assert result["extensions"]["WorkerExtension"] == 500


def test_without_a_redis_url_the_crawl_stores_into_sqlite() -> None:
    result = run(CRAWLER_SETTINGS, "{}")
    assert result["REDIS_URL"] == ""
    assert result["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert result["REPORTS_DB"] == "data/reports.db"
    assert result["pipelines"]["SQLiteStorePipeline"] == 900
    assert "RedisQueuePipeline" not in result["pipelines"]
    assert "WorkerExtension" not in result["extensions"]


def test_a_crawler_keeps_tldextract_on_its_bundled_suffix_list() -> None:
    result = run(CRAWLER_SETTINGS, "{}")
    assert (result["tld"], result["suffix_list_urls"]) == ("", [])
    chosen = run(CRAWLER_SETTINGS, "{}", **{TLD_ENV: "https://example.invalid/list.dat"})
    assert chosen["suffix_list_urls"] == ["https://example.invalid/list.dat"]  # a user's choice is kept
