"""FLEXS's problem registries, by name (light: no numpy, no data files read).

Names are a contract: ``aav:preset=NAME`` and ``rna-binding:preset=NAME`` select one, with
FLEXS's own names.
"""

from __future__ import annotations

#: ``tf_binding.registry()``'s starts, the same 14 for every factor (FLEXS's order).
TFBIND8_STARTS = (
    "GCTCGAGC", "GCGCGCGC", "TGCGCGCC", "ATATAGCC", "GTTTGGTA", "ATTATGTT", "CAGTTTTT",
    "AAAAATTT", "AAAAACGC", "GTTGTTTT", "TGCTTTTT", "AAAGATAG", "CCTTCTTT", "AAAGAGAG",
)
#: The factor of design-bench's TFBind8.
TFBIND8_DEFAULT = "SIX6_REF_R1"

AAV_PHENOTYPES = ("heart", "lung", "kidney", "liver", "blood", "spleen")
AAV_LENGTH = 735


def _aav_presets() -> dict[str, dict[str, object]]:
    # additive_aav_packaging.registry(): one problem per phenotype on residues 450-540.
    out: dict[str, dict[str, object]] = {
        p: {"phenotype": p, "start": 450, "end": 540} for p in AAV_PHENOTYPES}
    # data/additive_aav_packaging/landscapes.json names "phenotype:start:end:noise"; the
    # noise-free ones are offered (values here are FLEXS's with noise 0).
    for p in AAV_PHENOTYPES:
        for start, end in ((0, 735), (450, 540), (450, 735), (560, 588)):
            out[f"{p}:{start}:{end}:0"] = {"phenotype": p, "start": start, "end": end}
    return out


AAV_PRESETS = _aav_presets()

#: rna.registry()'s conserved region of the C20 problems.
RNA_CONSERVED = {"start": 21, "pattern": "GCCCGGCCCAUGUGAGCAUG"}


def _rna_presets() -> dict[str, dict[str, object]]:
    # rna.registry(): targets are 1-based indices into its four target RNAs.
    out: dict[str, dict[str, object]] = {}
    for t in range(1, 5):
        for length in (14, 50, 100):
            out[f"L{length}_RNA{t}"] = {"targets": (t,), "length": length}
    for t1 in range(1, 5):
        for t2 in range(t1 + 1, 5):
            for length in (14, 50, 100):
                out[f"L{length}_RNA{t1}+{t2}"] = {"targets": (t1, t2), "length": length}
    for t1 in range(1, 5):
        for t2 in range(t1 + 1, 5):
            out[f"C20_L100_RNA{t1}+{t2}"] = {"targets": (t1, t2), "length": 100,
                                             "conserved": RNA_CONSERVED}
    return out


RNA_PRESETS = _rna_presets()


def unknown(kind: str, value: object, known) -> ValueError:
    """The one-line error for a name outside a registry (a few names, then a count)."""
    names = list(known)
    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    return ValueError(f"unknown {kind} {value!r}; expected one of {shown}")
