"""The seqzoo oracle factories: ``ehrlich`` (with the paper's presets) and ``rough-mt-fuji``.

A factory's keyword options are the command line's ``NAME:key=value`` options. ``negate`` is
left out: seqzoo always maximises.
"""

from __future__ import annotations

from .ehrlich import Ehrlich
from .presets import PRESETS, resolve
from .rough_mt_fuji import RoughMtFuji


def ehrlich(preset: str | None = None, num_states: int | None = None, dim: int | None = None,
            num_motifs: int | None = None, motif_length: int | None = None,
            quantization: int | None = None, epistasis_factor: float | None = None,
            noise_std: float | None = None, random_seed: int | None = None) -> Ehrlich:
    """Ehrlich function, identical to pytorch-holo's, vectorised (preset=f2 for LLOME's).

    Options left out come from ``preset`` when one is named, else from the reference's
    defaults (``num_states=5, dim=7, num_motifs=1, motif_length=3, quantization=motif_length,
    random_seed=0``); options given explicitly override the preset's.
    """
    given = dict(num_states=num_states, dim=dim, num_motifs=num_motifs,
                 motif_length=motif_length, quantization=quantization,
                 epistasis_factor=epistasis_factor, noise_std=noise_std,
                 random_seed=random_seed)
    return Ehrlich(**resolve(preset, {k: v for k, v in given.items() if v is not None}))


ehrlich.presets = PRESETS  # type: ignore[attr-defined]


def rough_mt_fuji(dim: int = 32, additive_term: float = 0.25, random_term_std: float = 1.0,
                  noise_std: float = 0.0, random_seed: int = 0) -> RoughMtFuji:
    """Rough Mount Fuji binary landscape, identical to pytorch-holo's."""
    return RoughMtFuji(dim=dim, additive_term=additive_term, random_term_std=random_term_std,
                       noise_std=noise_std, random_seed=random_seed)
