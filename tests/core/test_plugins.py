import json
import subprocess
import sys

import pytest

from seqzoo import plugins
from seqzoo.errors import SpecError

from plugin_fixtures import BROKEN, CLASH, install_plugin


def test_builtin_plugin_dogfoods_the_hooks():
    reg = plugins.registry()
    assert reg.get("proposer", "hill-climb").plugin == "seqzoo"
    assert reg.get("oracle", "hamming").plugin == "seqzoo"


def test_entry_point_plugin_is_discovered_lazily(good_plugin):
    reg = plugins.registry()
    entry = reg.get("proposer", "stubborn")
    assert entry.plugin == "goodplug"
    assert reg.plugins["goodplug"].distribution == "seqzoo-goodplug"
    assert reg.plugins["goodplug"].version == "0.3"
    assert reg.plugins["goodplug"].registers["proposer"] == ["stubborn", "slow"]
    assert entry.load().__name__ == "Stubborn"


def test_broken_plugin_is_reported_and_others_still_work(good_plugin):
    install_plugin(good_plugin, "seqzoo-broken", "broken", "seqzoo_brokenplug", BROKEN)
    plugins.set_registry(None)
    with pytest.warns(RuntimeWarning, match="broken on purpose"):
        reg = plugins.registry()
    assert "broken on purpose" in reg.plugins["broken"].error
    assert any("broken" in e for e in reg.errors)
    assert reg.get("proposer", "stubborn").plugin == "goodplug"


def test_name_clash_names_both_plugins(good_plugin):
    install_plugin(good_plugin, "seqzoo-clash", "clash", "seqzoo_clashplug", CLASH)
    plugins.set_registry(None)
    with pytest.warns(RuntimeWarning, match="also registered by plugin"):
        reg = plugins.registry()
    with pytest.raises(SpecError, match="registered by both (clash and goodplug|goodplug and "
                                        "clash); say which: .*goodplug/stubborn"):
        reg.get("proposer", "stubborn")
    assert reg.get("proposer", "slow").plugin == "goodplug"
    # only that name is unusable; each owner's factory stays reachable by PLUGIN/NAME
    assert "stubborn" not in reg.names("proposer") and "slow" in reg.names("proposer")
    assert reg.clashing("proposer") == ["clash/stubborn", "goodplug/stubborn"]
    assert reg.get("proposer", "clash/stubborn").plugin == "clash"
    assert reg.plugins["clash"].registers["proposer"] == ["stubborn"]


def test_with_a_clash_and_a_broken_plugin_everything_else_works(good_plugin):
    install_plugin(good_plugin, "seqzoo-clash", "clash", "seqzoo_clashplug", CLASH)
    install_plugin(good_plugin, "seqzoo-broken", "broken", "seqzoo_brokenplug", BROKEN)

    def zoo(*args):
        return subprocess.run([sys.executable, "-m", "seqzoo.cli", *args], capture_output=True,
                              text=True)

    listed = zoo("list", "proposers", "--json")
    assert listed.returncode == 0, listed.stderr
    names = [d["name"] for d in json.loads(listed.stdout)["proposer"]]
    assert "slow" in names and "clash/stubborn" in names and "stubborn" not in names
    debug = zoo("--debug", "plugins")
    assert debug.returncode == 0 and "Traceback" in debug.stderr
    assert "broken on purpose" in debug.stderr
    used = zoo("run", "--oracle", "hamming", "--proposer", "optuna", "--budget", "5",
               "--out", "/nonexistent/never")
    assert used.returncode == 2 and "plugin 'broken' failed to load" in used.stderr


def test_a_factory_whose_module_fails_names_its_plugin(register_plugin):
    from seqzoo.testing import FactoryPlugin

    register_plugin(FactoryPlugin("proposer", "lazy", "no_such_module_here:Factory"))
    with pytest.raises(plugins.PluginError, match="proposer 'lazy' of plugin .* cannot be "
                                                  "imported from 'no_such_module_here:Factory'"):
        plugins.registry().get("proposer", "lazy").load()


def test_allow_and_deny_lists(good_plugin, monkeypatch):
    monkeypatch.setenv("SEQZOO_DISABLE_PLUGINS", "goodplug")
    plugins.set_registry(None)
    assert "stubborn" not in plugins.registry().names("proposer")
    monkeypatch.delenv("SEQZOO_DISABLE_PLUGINS")
    monkeypatch.setenv("SEQZOO_LOAD_PLUGINS", "nothing-else")
    plugins.set_registry(None)
    reg = plugins.registry()
    assert "goodplug" not in reg.plugins and "hill-climb" in reg.names("proposer")


def test_unknown_name_lists_known_ones():
    with pytest.raises(SpecError, match=r"unknown proposer 'nope' \(known: .*random"):
        plugins.registry().get("proposer", "nope")


def test_zoo_plugins_json_reports_broken_plugin(good_plugin):
    install_plugin(good_plugin, "seqzoo-broken", "broken", "seqzoo_brokenplug", BROKEN)
    out = subprocess.run([sys.executable, "-m", "seqzoo.cli", "plugins", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    names = {p["name"]: p for p in data["plugins"]}
    assert names["goodplug"]["error"] is None
    assert "broken on purpose" in names["broken"]["error"]
    assert "broken on purpose" in out.stderr and "Traceback" not in out.stderr


def test_listing_plugins_imports_no_factory_modules(good_plugin):
    code = ("import sys; from seqzoo.cli import main; main(['plugins', '--json']); "
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m in "
            "('torch', 'transformers') or m.endswith('.proposer'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"
