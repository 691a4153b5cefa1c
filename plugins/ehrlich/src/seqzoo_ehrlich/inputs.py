"""Checking what users pass in: numpy or torch batches of integer states, read in blocks.

A batch may be a numpy array or a torch tensor (any device), of integer or float dtype; float
entries must be whole numbers, as the reference casts its input to float anyway. Checks run
block by block, so a batch of a million long sequences is never copied whole.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import sys

import numpy as np


def as_numpy_batch(x: Any, length: int) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """``x`` as a 2-D numpy array of ``length`` columns, and how to hand results back.

    The second item turns a numpy result into the caller's kind: a torch tensor on the
    input's device for torch input, the numpy array itself otherwise.
    """
    give_back: Callable[[np.ndarray], Any] = lambda values: values
    # A tensor exists only if torch was imported by someone, so numpy callers never load it.
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        device = x.device
        give_back = lambda values: torch.from_numpy(values).to(device)
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"expected integer states, got an array of dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != length:
        raise ValueError(f"expected an (n, {length}) batch of states, got shape {arr.shape}")
    return arr, give_back


def state_blocks(arr: np.ndarray, num_states: int, rows: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(first row, block)`` pairs covering ``arr``; blocks hold checked, compact states."""
    dtype = np.min_scalar_type(max(num_states - 1, 0))
    for start in range(0, len(arr), rows):
        block = arr[start:start + rows]
        if block.dtype.kind == "f":
            _check_whole(block, start)
        low, high = block.min(), block.max()
        if low < 0 or high >= num_states:
            bad = np.argwhere((block < 0) | (block >= num_states))[0]
            raise ValueError(f"states must be integers in [0, {num_states}): row "
                             f"{start + bad[0]}, position {bad[1]} holds "
                             f"{_show(block[tuple(bad)])}")
        yield start, block.astype(dtype)


def _check_whole(block: np.ndarray, start: int) -> None:
    whole = np.isfinite(block) & (block == np.round(block))
    if not whole.all():
        row, pos = np.argwhere(~whole)[0]
        raise ValueError(f"states must be whole numbers, got {_show(block[row, pos])} at "
                         f"row {start + row}, position {pos}")


def _show(value: Any) -> str:
    value = value.item()
    return repr(int(value)) if float(value).is_integer() else repr(value)
