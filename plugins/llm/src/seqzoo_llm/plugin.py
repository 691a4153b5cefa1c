"""seqzoo-llm's registrations: four training objectives and the LLOME proposer.

Kept free of heavy imports: factories are named as ``"module:attr"`` strings, imported only
when used, so ``zoo list`` and ``zoo plugins`` never load torch for this plugin.
"""

import seqzoo


@seqzoo.hookimpl
def register_trainers(register):
    register("sft", "seqzoo_llm.trainers:SFT")
    register("dpo", "seqzoo_llm.trainers:DPO")
    register("marge", "seqzoo_llm.trainers:MarGE")
    register("reinforce", "seqzoo_llm.trainers:Reinforce")


@seqzoo.hookimpl
def register_proposers(register):
    register("llome", "seqzoo_llm.llome.proposer:Llome")
