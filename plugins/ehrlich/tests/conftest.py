"""Shared fixtures: one torch thread, and the golden fixture written by pytorch-holo."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

GOLDEN = Path(__file__).parent / "data" / "ehrlich_golden.json.gz"

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def golden() -> dict:
    """What the reference computed (see benchmarks/make_ehrlich_golden.py)."""
    with gzip.open(GOLDEN, "rt") as fh:
        return json.load(fh)


def load_golden() -> dict:
    with gzip.open(GOLDEN, "rt") as fh:
        return json.load(fh)
