"""ChecksPipeline: The consistency checks over the cells the tables stage read.

A thin adapter over the core stage ``checks`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class ChecksPipeline(StagePipeline):
    stage_name = "checks"
