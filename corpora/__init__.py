"""The corpus shelf: the catalog of named corpora and the samples w2vlm ships."""
