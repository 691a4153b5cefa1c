"""docs/ is complete and current: every factory, option and hook documented, the generated
reference identical to what the code says, the commands and links real, the examples running."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import seqzoo
from seqzoo import hookspecs, testing
from seqzoo.builtin import HillClimb
from seqzoo.cli import COMMANDS
from seqzoo.plugins import registry

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
#: The README's two commands, which the quick start must give word for word.
MAIN_JOB = ("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && "
            ".venv/bin/zoo compare --out runs/default")
TESTS = "python3 -m venv .venv && .venv/bin/pip install tox && .venv/bin/tox"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def test_every_registered_factory_option_and_hook_is_documented():
    assert registry().names("proposer"), "no proposers registered: nothing was checked"
    assert gen.undocumented() == []


def test_the_generated_reference_is_up_to_date():
    assert gen.problems() == [], "run: python docs/gen_reference.py"


class Undocumented:
    @seqzoo.hookimpl
    def register_proposers(self, register):
        register("undocumented-proposer", HillClimb)


def test_a_factory_left_undocumented_is_caught(register_plugin):
    register_plugin(Undocumented(), name="undocumented")
    found = gen.problems()
    assert any("'undocumented-proposer'" in line for line in found)
    assert any("does not link undocumented.md" in line for line in found)


def test_a_missing_option_or_hook_is_caught(tmp_path):
    for path, text in gen.pages().items():  # a fresh reference, then one option and hook gone
        if path.parent == gen.REFERENCE:
            (tmp_path / path.name).write_text(text)
    page = tmp_path / "seqzoo.md"
    page.write_text(page.read_text().replace("| `elite` |", "| `elites` |"))
    hooks = tmp_path / "hooks.md"
    hooks.write_text(hooks.read_text().replace("`register_trainers(", "`register_models("))
    assert gen.undocumented(reference=tmp_path) == [
        "proposer 'hill-climb': option 'elite' missing from docs/reference/seqzoo.md",
        "hook 'register_trainers' missing from docs/reference/hooks.md"]


def test_every_hook_is_explained_in_the_plugin_guide():
    hooks = gen.hook_names()
    assert sorted(hooks) == sorted(n for n in dir(hookspecs) if n.startswith("register_"))
    guide = (DOCS / "writing-a-plugin.md").read_text()
    assert [h for h in hooks if f"{h}(register)" not in guide and f"def {h}(" not in guide] == []


def test_the_kit_and_its_fixtures_are_documented():
    page = (DOCS / "testing.md").read_text()
    assert [name for name in testing.__all__ if name not in page] == []
    assert [f for f in ("small_oracle", "run_dir", "register_plugin") if f"`{f}`" not in page] \
        == []


def test_quick_start_gives_the_readme_commands():
    quickstart = (DOCS / "quickstart.md").read_text()
    assert MAIN_JOB in quickstart and TESTS in quickstart
    readme = (ROOT / "README.md").read_text()
    assert MAIN_JOB in readme and TESTS in readme


def test_every_zoo_command_named_in_the_docs_exists():
    named = {m for page in PAGES
             for m in re.findall(r"(?:`|bin/|^)zoo ([a-z]+)\b", page.read_text(), re.M)}
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_relative_links_resolve(page):
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text())
    broken = [t for t in targets if "://" not in t and not (page.parent / t).exists()]
    assert broken == []


def test_every_benchmark_script_has_a_section():
    page = (DOCS / "benchmarks.md").read_text()
    scripts = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
    assert scripts and [s for s in scripts if f"benchmarks/{s}" not in page] == []


def _script(name: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_api_examples_run(tmp_path):
    oracle = "hamming:num_states=4,dim=12,max_step=1"
    run = _script("api_run.py", "--oracle", oracle, "--proposer", "hill-climb", "--budget", "120",
                  "--out", str(tmp_path / "run"))
    assert "best sequence:" in run
    logged = _script("api_log_pandas.py", str(tmp_path / "run"))
    assert "hill-climb on hamming" in logged and "best_so_far" in logged
    compared = _script("api_compare.py", "--oracle", oracle, "--seeds", "0,1", "--budget", "100",
                       "--out", str(tmp_path / "compare"))
    assert "hill-climb:mutations=2" in compared and (tmp_path / "compare" / "summary.csv").exists()


FACTORY_PATH = re.compile(r"""["'`](seqzoo[\w.]*):([A-Za-z_]\w*)["'`]""")


def test_every_factory_path_the_docs_show_imports():
    import importlib

    from seqzoo import hookspecs

    texts = [p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]]
    texts.append(hookspecs.__doc__ or "")
    texts += [inspect.getdoc(getattr(hookspecs, n)) or "" for n in dir(hookspecs)]
    paths = {m.groups() for text in texts for m in FACTORY_PATH.finditer(text)}
    assert ("seqzoo_anneal.annealer", "Annealer") in paths
    for module, attr in sorted(paths):
        assert hasattr(importlib.import_module(module), attr), f"{module}:{attr}"
