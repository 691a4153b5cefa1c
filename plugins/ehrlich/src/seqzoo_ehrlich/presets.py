"""The six Ehrlich functions of the LLOME paper (Chen et al. 2024), by name.

All use ``random_seed=50494`` and no epistasis. ``f2`` is the name the LLOME README uses for
the first one. Names are a contract: ``ehrlich:preset=NAME`` selects one.
"""

from __future__ import annotations

PAPER_SEED = 50494


def _preset(v: int, length: int, c: int, k: int, q: int) -> dict[str, int]:
    return dict(num_states=v, dim=length, num_motifs=c, motif_length=k, quantization=q,
                random_seed=PAPER_SEED)


PRESETS: dict[str, dict[str, int]] = {
    "f2": _preset(32, 32, 4, 4, 4),
    "v32-l32-c4-k4-q4": _preset(32, 32, 4, 4, 4),
    "v32-l32-c4-k4-q2": _preset(32, 32, 4, 4, 2),
    "v32-l128-c4-k4-q4": _preset(32, 128, 4, 4, 4),
    "v32-l128-c4-k4-q2": _preset(32, 128, 4, 4, 2),
    "v32-l128-c8-k8-q8": _preset(32, 128, 8, 8, 8),
    "v8-l128-c8-k8-q8": _preset(8, 128, 8, 8, 8),
}


def resolve(preset: str | None, overrides: dict[str, object]) -> dict[str, object]:
    """A preset's options with ``overrides`` (options given explicitly) on top."""
    if preset is None:
        return dict(overrides)
    if preset not in PRESETS:
        from seqzoo.errors import did_you_mean

        raise ValueError(f"unknown Ehrlich preset {preset!r}{did_you_mean(preset, PRESETS)}; "
                         f"expected one of {', '.join(PRESETS)}")
    return {**PRESETS[preset], **overrides}
