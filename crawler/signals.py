"""Project signals."""

# Sent for every fetch attempt (response or download error) with `page=dict`.
page_fetched = object()
