"""seqzoo-llm: language models as sequence optimizers (LLOME) and their training objectives.

Model side: :mod:`seqzoo_llm.text` (the prompt language), :mod:`seqzoo_llm.tokenizer`,
:mod:`seqzoo_llm.model` (:func:`load_model`), :mod:`seqzoo_llm.scoring` and
:mod:`seqzoo_llm.generation`, :mod:`seqzoo_llm.losses`, :mod:`seqzoo_llm.module` (the shared
Lightning module), :mod:`seqzoo_llm.trainers` (``sft``, ``dpo``, ``marge``, ``reinforce``)
and :mod:`seqzoo_llm.quiet` (keeps third-party chatter out of runs). The LLOME loop lives in
:mod:`seqzoo_llm.llome`. Importing this package stays light; import the submodules you need.
"""
