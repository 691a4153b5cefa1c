"""Command-line specs: ``NAME`` or ``NAME:key=value,key=value``.

Values are converted with the factory's annotations (or its defaults' types): ``int``,
``float``, ``bool`` (true/false/yes/no/1/0), ``str``, ``None`` (``none``) and lists written
in brackets, ``temperatures=[0.6,0.8,1.0]``. A value may itself be a spec, in parentheses
when it has options: ``adalead:model=(nam:signal=0.5),mu=2``.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable

from .errors import SpecError, did_you_mean


@dataclass(frozen=True)
class Spec:
    name: str
    options: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> "Spec":
        text = text.strip()
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()  # a nested spec as an option gives it
        _check_brackets(text)
        name, sep, rest = text.partition(":")
        if not name:
            raise SpecError(f"empty name in spec {text!r} (expected NAME or NAME:key=value,...)")
        options: dict[str, str] = {}
        if sep:
            for item in _split_top_level(rest):
                key, eq, value = item.partition("=")
                if not eq or not key.strip():
                    raise SpecError(f"bad option {item!r} in spec {text!r}: expected key=value")
                if key.strip() in options:
                    raise SpecError(f"option {key.strip()!r} given twice in spec {text!r}")
                options[key.strip()] = value.strip()
        return cls(name.strip(), options)

    def __str__(self) -> str:
        if not self.options:
            return self.name
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in self.options.items())


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch in "[(") - (ch in "])")
        if depth < 0:
            return False
    return depth == 0


def _check_brackets(text: str) -> None:
    """Name the bracket a spec lacks, instead of a puzzling error about a value later."""
    stack: list[str] = []
    pairs = {")": "(", "]": "["}
    for ch in text:
        if ch in "([":
            stack.append(ch)
        elif ch in ")]":
            if not stack or stack.pop() != pairs[ch]:
                raise SpecError(f"unmatched {ch!r} in spec {text!r}")
    if stack:
        closing = {"(": ")", "[": "]"}[stack[-1]]
        raise SpecError(f"missing {closing!r} in spec {text!r}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current or parts:
        parts.append("".join(current))
    return [p for p in parts if p.strip()]


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    default: Any
    required: bool


def parameters(factory: Callable[..., object], skip_first: bool = False) -> list[Param]:
    """The keyword options of a factory (a proposer factory's first argument is the problem)."""
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        hints = typing.get_type_hints(target)
    except Exception:
        hints = {}
    params = list(inspect.signature(factory).parameters.values())
    if skip_first and params:
        params = params[1:]
    out = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        required = p.default is inspect.Parameter.empty
        ann = hints.get(p.name, p.annotation)
        if ann is inspect.Parameter.empty:
            ann = type(p.default) if not required and p.default is not None else Any
        out.append(Param(p.name, ann, None if required else p.default, required))
    return out


def convert(value: str, annotation: Any, where: str) -> Any:
    """Turn the text of one option into the annotated type, or raise :class:`SpecError`."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value.lower() in ("none", "null") and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return convert(value, arg, where)
            except SpecError as exc:
                errors.append(str(exc))
        raise SpecError(errors[0] if errors else f"{where}: cannot parse {value!r}")
    if origin in (list, tuple, typing.Sequence) or annotation in (list, tuple):
        inner = value.strip()
        if not (inner.startswith("[") and inner.endswith("]")):
            inner = f"[{inner}]"
        items = _split_top_level(inner[1:-1])
        elem = args[0] if args else Any
        converted = [convert(item.strip(), elem, where) for item in items]
        return tuple(converted) if origin is tuple or annotation is tuple else converted
    try:
        if annotation is bool:
            low = value.lower()
            if low in ("true", "yes", "1", "on"):
                return True
            if low in ("false", "no", "0", "off"):
                return False
            raise ValueError
        if annotation is int:
            return int(value)
        if annotation is float:
            out = float(value)
            if out != out:
                raise ValueError
            return out
        if annotation is str:
            return value
    except ValueError:
        name = getattr(annotation, "__name__", str(annotation))
        raise SpecError(f"{where}: expected {name}, got {value!r}") from None
    try:  # untyped option: a JSON literal if it parses, else the text itself
        return json.loads(value)
    except ValueError:
        return value


def build(factory: Callable[..., object], options: dict[str, str], *, what: str,
          problem: object | None = None) -> object:
    """Call ``factory`` with converted options; unknown or missing options are a SpecError."""
    params = {p.name: p for p in parameters(factory, skip_first=problem is not None)}
    unknown = sorted(set(options) - set(params))
    if unknown:
        known = ", ".join(params) or "none"
        raise SpecError(f"{what}: unknown option {unknown[0]!r}"
                        f"{did_you_mean(unknown[0], params)} (options: {known})")
    kwargs = {key: convert(val, params[key].annotation, f"{what} option {key!r}")
              for key, val in options.items()}
    missing = [p.name for p in params.values() if p.required and p.name not in kwargs]
    if missing:
        raise SpecError(f"{what}: missing required option {missing[0]!r}")
    try:
        return factory(problem, **kwargs) if problem is not None else factory(**kwargs)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{what}: {exc}") from exc
