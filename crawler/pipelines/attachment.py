"""AttachmentPipeline: A PDF/DOCX report body → HTML and one parsed tree, before decode (priority 90).

A thin adapter over the core stage ``attachment`` (crawler/core/stages.py).
"""

from __future__ import annotations

from crawler.pipelines.stage import StagePipeline


class AttachmentPipeline(StagePipeline):
    stage_name = "attachment"
