"""fastText-style subword models: n-gram and jamo units, the reference models, training rows, the trained n-gram
vectors and their pickle-free file."""
