"""Ehrlich functions and Rough Mount Fuji for seqzoo: pytorch-holo's functions, vectorised.

``from seqzoo_ehrlich import Ehrlich, RoughMtFuji, PRESETS``. The classes are imported on
first use, so that importing the package (as seqzoo does to find plugins) never imports torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Ehrlich", "RoughMtFuji", "PRESETS"]
_HOMES = {"Ehrlich": "ehrlich", "RoughMtFuji": "rough_mt_fuji", "PRESETS": "presets"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
