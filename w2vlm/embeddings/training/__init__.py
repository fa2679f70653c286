"""What a word2vec training loop is made of: sampling, where the words come from, the per-epoch runners and where a
run stands (stop/resume)."""
