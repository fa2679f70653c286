"""The corpus shelf: the catalog of named corpora (catalog.json)."""
