"""Conformance checks and pytest fixtures for plugin authors (see ``fixtures`` for the latter)."""
