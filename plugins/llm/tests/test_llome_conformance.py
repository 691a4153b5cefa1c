"""seqzoo's conformance kit on the plugin and on a tiny LLOME: protocol, budget, resume."""

from seqzoo.testing import check_plugin, check_proposer


def test_plugin_is_light_and_documented():
    check_plugin("llm")


def test_llome_conforms():
    check_proposer("llome", options={
        "preset": "cpu", "rounds": 2, "labels_per_round": 16, "seed_evaluations": 24,
        "ga_population": 24, "seeds_per_round": 4, "edit_iterations": 1,
        "samples_per_temperature": 1, "guard_prompts": 4})
