"""One module per checkable result of the paper; each registers a `Check` on import."""
