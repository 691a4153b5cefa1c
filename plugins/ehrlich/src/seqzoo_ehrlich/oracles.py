"""The seqzoo oracle factories: ``ehrlich`` (with the paper's presets) and ``rough-mt-fuji``.

A factory's keyword options are the command line's ``NAME:key=value`` options. ``negate`` is
left out: seqzoo always maximises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ehrlich import Ehrlich
from .presets import PRESETS, resolve

if TYPE_CHECKING:
    from .rough_mt_fuji import RoughMtFuji


def ehrlich(preset: str | None = None, num_states: int | None = None, dim: int | None = None,
            num_motifs: int | None = None, motif_length: int | None = None,
            quantization: int | None = None, epistasis_factor: float | None = None,
            noise_std: float | None = None, random_seed: int | None = None) -> Ehrlich:
    """Ehrlich function, identical to pytorch-holo's, vectorised (preset=f2 for LLOME's).

    A bare ``ehrlich`` is ``ehrlich:preset=f2``. Options left out come from ``preset`` when
    one is named, else from the reference's defaults (num_states=5, dim=7, num_motifs=1,
    motif_length=3, quantization=motif_length, random_seed=0); options given explicitly
    override the preset's. The Python class :class:`~seqzoo_ehrlich.Ehrlich` keeps the
    reference's defaults.

    Options:
        preset: a named configuration (see the table); a bare ``ehrlich`` means f2
        num_states: vocabulary size v (the number of states)
        dim: sequence length L
        num_motifs: number of spaced motifs c
        motif_length: elements per motif k
        quantization: levels q a motif's satisfied fraction is rounded down to (q <= k)
        epistasis_factor: strength of the epistatic penalty inside a motif (0: none)
        noise_std: standard deviation of Gaussian noise added to each value (0: exact)
        random_seed: seed of the generator that draws the transition matrix and motifs
    """
    given = dict(num_states=num_states, dim=dim, num_motifs=num_motifs,
                 motif_length=motif_length, quantization=quantization,
                 epistasis_factor=epistasis_factor, noise_std=noise_std,
                 random_seed=random_seed)
    given = {k: v for k, v in given.items() if v is not None}
    if preset is None and not given:
        preset = BARE_PRESET  # a toy of length 7 would be a surprise on the command line
    return Ehrlich(**resolve(preset, given))


#: What a bare ``ehrlich`` on the command line builds.
BARE_PRESET = "f2"


ehrlich.presets = PRESETS  # type: ignore[attr-defined]


def rough_mt_fuji(dim: int = 32, additive_term: float = 0.25, random_term_std: float = 1.0,
                  noise_std: float = 0.0, random_seed: int = 0) -> "RoughMtFuji":
    """Rough Mount Fuji binary landscape, identical to pytorch-holo's.

    Options:
        dim: sequence length (binary states)
        additive_term: weight of the additive (Mount Fuji) part, the Hamming closeness to
            a hidden centre
        random_term_std: standard deviation of the random (rough) part of each value
        noise_std: standard deviation of Gaussian noise added to each evaluation
        random_seed: seed of the centre and the random term
    """
    from .rough_mt_fuji import RoughMtFujiOracle  # torch: imported when one is built

    return RoughMtFujiOracle(dim=dim, additive_term=additive_term,
                             random_term_std=random_term_std, noise_std=noise_std,
                             random_seed=random_seed)
