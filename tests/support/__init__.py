"""Test-only helpers (never packaged): the strict CuPy stand-in and its NumPy emulations of w2vlm's CUDA kernels."""
