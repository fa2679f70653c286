"""w2vlm: CBOW word2vec and RNN/LSTM language models for Korean and English, on NumPy or CuPy."""

__version__ = "0.1.0"
