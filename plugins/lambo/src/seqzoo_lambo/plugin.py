"""Registers the LaMBO-2 proposers; imports nothing heavy (factories load lazily)."""

from __future__ import annotations

import seqzoo


@seqzoo.hookimpl
def register_proposers(register):
    register("lambo2", "seqzoo_lambo.factories:lambo2")
    register("lambo2-lite", "seqzoo_lambo.factories:lambo2_lite")
