"""TablesPipeline: Canonical table cells; what could not be mapped is recorded.

A thin adapter over the core stage ``tables`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class TablesPipeline(StagePipeline):
    stage_name = "tables"
