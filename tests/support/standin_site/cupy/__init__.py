"""The CuPy stand-in as an importable ``cupy`` for subprocesses (PYTHONPATH=tests/support/standin_site:<checkout>).

Importing it replaces this module in ``sys.modules`` with the shared stand-in (tests/support/cupy_standin), so
``import cupy`` in a child of gpu_check.py --dry-run runs on it as the parent's tests do.
"""

import sys

from tests.support import cupy_standin

sys.modules.update(cupy_standin.shared()._modules)
