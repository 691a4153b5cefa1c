"""Presets: named sets of defaults for a proposer with many options.

A plugin keeps its options in one frozen dataclass whose field defaults are its default
preset, and a dict of named instances (``{"default": Settings(), "paper": Settings(...)}``).
:func:`signature` turns that into a factory signature with one keyword per field, so
``zoo list`` and the option parser see every option's type, and each default prints as the
default preset's value followed by the presets that differ (``200 (paper: 2000)``).
:func:`resolve` applies the options a user gave on top of the preset they chose.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from typing import Any, TypeVar

from .errors import did_you_mean
from .protocol import Problem

T = TypeVar("T")


class FromPreset:
    """The default of an option whose value the chosen preset decides."""

    def __init__(self, name: str, presets: dict[str, Any], default: str):
        self.name, self.presets, self.default = name, presets, default

    def __repr__(self) -> str:
        values = {p: getattr(settings, self.name) for p, settings in self.presets.items()}
        first = values.pop(self.default)
        others = ", ".join(f"{p}: {_show(v)}" for p, v in values.items() if v != first)
        return _show(first) + (f" ({others})" if others else "")

    __str__ = __repr__


def _show(value: Any) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def resolve(presets: dict[str, T], preset: str, overrides: dict[str, Any], *, what: str) -> T:
    """The preset's settings with every given override applied.

    An option left at its :class:`FromPreset` default, or ``None``, keeps the preset's value;
    lists become tuples so the settings stay hashable. ``what`` names the proposer in errors.
    """
    if preset not in presets:
        raise ValueError(f"unknown {what} preset {preset!r}{did_you_mean(preset, presets)} "
                         f"(expected one of {', '.join(presets)})")
    base = presets[preset]
    names = {f.name for f in dataclasses.fields(base)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown {what} option {unknown[0]!r}"
                         f"{did_you_mean(unknown[0], names)}")
    given = {k: tuple(v) if isinstance(v, list) else v
             for k, v in overrides.items() if v is not None and not isinstance(v, FromPreset)}
    return dataclasses.replace(base, **given)


def check_choices(settings: Any, choices: dict[str, tuple[str, ...]]) -> None:
    """Raise ``ValueError`` for the first option whose value is not among its ``choices``."""
    for name, allowed in choices.items():
        if getattr(settings, name) not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, got "
                             f"{getattr(settings, name)!r}")


#: The preset that changes sizes only (epochs, candidates, model width, labels a round), never
#: the algorithm: ``zoo compare``'s default grid runs it where a proposer declares one.
QUICK = "quick"


def declared(factory: Any) -> tuple[str, ...]:
    """The presets a factory built with :func:`signature` declares, ``()`` for any other."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return ()
    found = next((p.default for p in params if isinstance(p.default, FromPreset)), None)
    return tuple(found.presets) if found is not None else ()


#: The first parameter of every proposer factory, for ``signature``'s ``first``.
PROBLEM = inspect.Parameter("problem", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                            annotation=Problem)


def signature(settings: type, presets: dict[str, Any], default: str,
              first: tuple[inspect.Parameter, ...] = ()) -> inspect.Signature:
    """``(*first, *, preset, <one keyword per field of settings>)`` with typed defaults."""
    hints = typing.get_type_hints(settings)
    params = [*first, inspect.Parameter("preset", inspect.Parameter.KEYWORD_ONLY,
                                        default=default, annotation=str)]
    for f in dataclasses.fields(settings):
        hint = hints[f.name]
        if typing.get_origin(hint) is tuple:  # given on the command line as a list
            hint = list[typing.get_args(hint)[0]]
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                        default=FromPreset(f.name, presets, default),
                                        annotation=hint))
    return inspect.Signature(params)
