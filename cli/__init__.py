"""The w2vlm command line (installed as the import package ``w2vlm_cli``)."""
