"""The GPU code path on the strict CuPy stand-in (tests/support): every command on --device gpu vs cpu."""
