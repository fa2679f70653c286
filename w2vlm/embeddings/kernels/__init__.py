"""The fast word2vec and fastText training kernels: numba on the CPU, CUDA (``.cu`` files) on the GPU, and the Python
that launches them. Each has a plain reference in ``embeddings/cbow.py`` or ``embeddings/subword/models.py``."""
