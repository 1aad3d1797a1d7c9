"""Findings beyond the four in-report checks: what evaluators of these reports look for.

Pure functions over what the core parsed (no Scrapy, no SQLite): outcome
rates, the statutory outline, numbers the text states about the tables,
timeliness against the statutory deadline, body identity across years,
cross-year carry-over, and text reuse.  :mod:`crawler.findings.store`
runs them for the reports (and bodies) a crawl changed and writes
``checks``, ``measures``, ``bodies`` and ``missing_reports``.
"""
