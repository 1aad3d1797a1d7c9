"""DecodePipeline: Response bytes → repaired text and one parsed tree.

A thin adapter over the core stage ``decode`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class DecodePipeline(StagePipeline):
    stage_name = "decode"
