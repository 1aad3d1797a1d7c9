"""DedupPipeline: The report's identity (dedup key and report_id), so the same report seen twice is one row.

A thin adapter over the core stage ``dedup`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class DedupPipeline(StagePipeline):
    stage_name = "dedup"
