"""Crawl Chinese government 政府信息公开年报 into one clean, checkable dataset."""
