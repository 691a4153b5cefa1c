"""The presets' constructions shipped as data, so that a preset builds without torch.

Everything an Ehrlich function needs to *evaluate* is discrete: which transitions are
allowed, the motifs, their spacings and the one initial solution the papers start from.
Drawing them takes a ``torch.Generator`` (the reference's random stream), which costs a
torch import of about a second and a half; a run of ``ehrlich:preset=f2`` with a numpy
optimizer needs no other torch. So the constructions of the presets are drawn once, by
:func:`build` through the very torch code every other seed uses, and kept in
``constructions.json``; ``tests/test_ehrlich_constructions.py`` draws them again with torch
and fails if one entry differs.

Regenerate the file after changing how constructions are drawn::

    python -m seqzoo_ehrlich.constructions
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("constructions.json")


@dataclass(frozen=True)
class Construction:
    """The discrete draws of one Ehrlich function (numpy arrays, no torch).

    ``allowed[a, b]``: whether ``a -> b`` has non-zero probability. ``motifs``: ``(c, k)``
    states. ``spacings``: ``(c, k - 1)`` gaps between a motif's elements. ``initial``: the
    ``(dim,)`` Markov-chain sample ``initial_solution()`` returns.
    """

    allowed: np.ndarray
    motifs: np.ndarray
    spacings: np.ndarray
    initial: np.ndarray


def key(num_states: int, dim: int, num_motifs: int, motif_length: int, random_seed: int) -> str:
    """What a construction depends on (quantization, epistasis and noise act afterwards)."""
    return f"v{num_states}-l{dim}-c{num_motifs}-k{motif_length}-s{random_seed}"


def lookup(num_states: int, dim: int, num_motifs: int, motif_length: int,
           random_seed: int) -> Construction | None:
    """The shipped construction for these arguments, or None when only torch can draw it."""
    entry = _shipped().get(key(num_states, dim, num_motifs, motif_length, random_seed))
    if entry is None:
        return None
    allowed = np.zeros((num_states, num_states), dtype=bool)
    for a, row in enumerate(entry["allowed"]):
        allowed[a, row] = True
    return Construction(allowed=allowed,
                        motifs=np.asarray(entry["motifs"], dtype=np.int64),
                        spacings=np.asarray(entry["spacings"], dtype=np.int64),
                        initial=np.asarray(entry["initial"], dtype=np.int64))


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict]:
    # Missing only while main() writes it for the first time; the tests require it.
    return json.loads(DATA.read_text()) if DATA.exists() else {}


def build(num_states: int, dim: int, num_motifs: int, motif_length: int,
          random_seed: int) -> Construction:
    """Draw a construction with torch, exactly as every unshipped seed is drawn (imports torch)."""
    from .ehrlich import Ehrlich

    f = Ehrlich(num_states=num_states, dim=dim, num_motifs=num_motifs,
                motif_length=motif_length, random_seed=random_seed)
    return f._draw()  # drawn afresh, whether or not the arguments are shipped


def _encode(c: Construction) -> dict:
    # Allowed states as index lists: a fifth of the size of a 0/1 matrix for v = 32.
    return {"allowed": [np.flatnonzero(row).tolist() for row in c.allowed],
            "motifs": c.motifs.tolist(), "spacings": c.spacings.tolist(),
            "initial": c.initial.tolist()}


def main() -> None:
    from .presets import PRESETS

    entries = {}
    for options in PRESETS.values():
        args = (options["num_states"], options["dim"], options["num_motifs"],
                options["motif_length"], options["random_seed"])
        entries[key(*args)] = _encode(build(*args))
    DATA.write_text(json.dumps(entries, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {len(entries)} constructions to {DATA}")


if __name__ == "__main__":
    main()
