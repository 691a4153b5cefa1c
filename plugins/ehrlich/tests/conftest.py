"""Shared test setup: one torch thread, and the golden fixture written by pytorch-holo."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import torch

GOLDEN = Path(__file__).parent / "data" / "ehrlich_golden.json.gz"

torch.set_num_threads(1)


def load_golden() -> dict:
    """What the reference computed (written by benchmarks/make_ehrlich_golden.py)."""
    with gzip.open(GOLDEN, "rt") as fh:
        return json.load(fh)
