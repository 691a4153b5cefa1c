from typing import Optional

import pytest

from seqzoo.errors import SpecError
from seqzoo.spec import Spec, build, parameters


def test_parse_name_and_options():
    spec = Spec.parse("ehrlich:num_states=32,dim=32,quantization=4")
    assert spec.name == "ehrlich"
    assert spec.options == {"num_states": "32", "dim": "32", "quantization": "4"}
    assert str(spec) == "ehrlich:num_states=32,dim=32,quantization=4"
    assert Spec.parse("ga").options == {}


def test_parse_lists_in_brackets():
    spec = Spec.parse("llome:temperatures=[0.6,0.8,1.0],rounds=3")
    assert spec.options == {"temperatures": "[0.6,0.8,1.0]", "rounds": "3"}


@pytest.mark.parametrize("text, message", [
    (":a=1", "empty name"),
    ("x:a", "expected key=value"),
    ("x:a=1,a=2", "given twice"),
])
def test_parse_errors(text, message):
    with pytest.raises(SpecError, match=message):
        Spec.parse(text)


def factory(size: int, rate: float = 0.5, flag: bool = False, name: str = "x",
            cap: Optional[int] = None, temps: list[float] = (1.0,)):
    return dict(size=size, rate=rate, flag=flag, name=name, cap=cap, temps=temps)


def test_build_converts_by_annotation():
    out = build(factory, {"size": "3", "rate": "0.25", "flag": "yes", "cap": "none",
                          "temps": "[0.6,0.8]"}, what="t")
    assert out == dict(size=3, rate=0.25, flag=True, name="x", cap=None, temps=[0.6, 0.8])
    assert build(factory, {"size": "1", "cap": "7"}, what="t")["cap"] == 7


@pytest.mark.parametrize("options, message", [
    ({"size": "x"}, "option 'size': expected int, got 'x'"),
    ({"size": "1", "rate": "nan"}, "expected float"),
    ({"size": "1", "flag": "maybe"}, "expected bool"),
    ({"size": "1", "colour": "red"}, "unknown option 'colour'"),
    ({}, "missing required option 'size'"),
])
def test_build_errors(options, message):
    with pytest.raises(SpecError, match=message):
        build(factory, options, what="t")


def test_factory_value_errors_become_spec_errors():
    def picky(n: int = 1):
        raise ValueError("n must be even")

    with pytest.raises(SpecError, match="t: n must be even"):
        build(picky, {"n": "3"}, what="t")


def test_parameters_skip_the_problem_argument():
    class P:
        def __init__(self, problem, k: int = 2):
            pass

    assert [p.name for p in parameters(P, skip_first=True)] == ["k"]
