"""NormalisePipeline: Main content → clean Simplified text, script, metadata text.

A thin adapter over the core stage ``normalise`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class NormalisePipeline(StagePipeline):
    stage_name = "normalise"
