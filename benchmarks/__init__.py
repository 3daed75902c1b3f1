"""Performance suite, run by `make bench` (`python -m benchmarks [name ...]`), never by tests."""
