import json
from functools import lru_cache
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "data" / "golden.json"


@lru_cache(maxsize=1)
def _golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.fixture(scope="session")
def golden() -> dict:
    """FLEXS's values, from benchmarks/make_landscape_golden.py."""
    return _golden()
