"""w2vlm: CBOW word2vec and RNN/LSTM language models for Korean and English, on NumPy or CuPy.

The package-level names are the helpers every command shares: artifact JSON files, output checks, resume rules,
Ctrl-C handling and the training record (``History``, the --metrics layout of both trainers). The models live in
``w2vlm.text``, ``w2vlm.embeddings`` and ``w2vlm.lm``.
"""

from .atomic_files import load_config, read_json, write_json
from .history import Epoch, History, write_metrics
from .interrupt import DeferInterrupt, StopRequest
from .model_dir import check_file_output, check_output
from .outputs import Output, OutputLease, check_outputs
from .resume import check_same_corpus, merge_options
from .resume_record import ResumeRecord
from .version import __version__

__all__ = ["__version__", "load_config", "read_json", "write_json", "check_output", "check_file_output",
           "Output", "OutputLease", "check_outputs",
           "check_same_corpus", "merge_options", "ResumeRecord", "DeferInterrupt", "StopRequest", "Epoch", "History",
           "write_metrics"]
