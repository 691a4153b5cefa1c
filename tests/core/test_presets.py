"""seqzoo.presets: option defaults that a named preset decides."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seqzoo.presets import FromPreset, check_choices, resolve, signature
from seqzoo.spec import build


@dataclass(frozen=True)
class Knobs:
    size: int = 10
    rates: tuple[float, ...] = (0.1, 0.2)
    name: str = "a"


PRESETS = {"small": Knobs(), "big": Knobs(size=1000)}


def test_defaults_print_the_default_preset_then_the_ones_that_differ():
    assert repr(FromPreset("size", PRESETS, "small")) == "10 (big: 1000)"
    assert repr(FromPreset("rates", PRESETS, "small")) == "[0.1, 0.2]"


def test_given_options_override_the_chosen_preset_and_others_keep_it():
    knobs = resolve(PRESETS, "big", {"name": "b", "rates": [0.5], "size": None}, what="knobs")
    assert knobs == Knobs(size=1000, rates=(0.5,), name="b")
    untouched = {"size": FromPreset("size", PRESETS, "small")}
    assert resolve(PRESETS, "small", untouched, what="knobs") == Knobs()


def test_unknown_presets_and_options_are_named():
    with pytest.raises(ValueError, match="unknown knobs preset 'huge'"):
        resolve(PRESETS, "huge", {}, what="knobs")
    with pytest.raises(ValueError, match="unknown knobs option 'colour'"):
        resolve(PRESETS, "small", {"colour": 1}, what="knobs")


def test_the_signature_lets_the_option_parser_convert_each_field():
    def factory(**options):
        return resolve(PRESETS, options.pop("preset"), options, what="knobs")

    factory.__signature__ = signature(Knobs, PRESETS, "small")
    made = build(factory, {"preset": "big", "rates": "0.3", "name": "z"}, what="knobs")
    assert made == Knobs(size=1000, rates=(0.3,), name="z")


def test_check_choices_names_the_option_and_its_allowed_values():
    check_choices(Knobs(), {"name": ("a", "b")})
    with pytest.raises(ValueError, match="name must be one of b, c, got 'a'"):
        check_choices(Knobs(), {"name": ("b", "c")})
