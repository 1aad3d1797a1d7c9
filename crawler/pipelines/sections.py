"""SectionsPipeline: The report's parts, each with its spec code.

A thin adapter over the core stage ``sections`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class SectionsPipeline(StagePipeline):
    stage_name = "sections"
