"""Checks and hooks around a crawl that are not stages of the item pipeline."""
