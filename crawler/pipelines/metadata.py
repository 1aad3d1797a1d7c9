"""MetadataPipeline: Title, 索引号, publisher, dates, report year, 文号, format.

A thin adapter over the core stage ``metadata`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class MetadataPipeline(StagePipeline):
    stage_name = "metadata"
