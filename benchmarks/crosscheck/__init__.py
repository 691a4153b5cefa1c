"""Reference sides of benchmarks/cross_check.py, one module per method (see its docstring)."""
