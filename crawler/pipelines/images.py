"""TableImagesPipeline: table images in a report's body, OCR'd and spliced into the page, after decode (priority 150).

A thin adapter over the core stage ``images`` (crawler/core/table_images.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class TableImagesPipeline(StagePipeline):
    stage_name = "images"
