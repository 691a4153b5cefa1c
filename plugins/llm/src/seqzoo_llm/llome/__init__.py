"""LLOME: a language model as a highly-constrained bilevel optimizer (the ``llome`` proposer).

The outer loop spends oracle evaluations; the inner loop edits sequences with a language
model without calling the oracle. Modules, each one step of a round:

* :mod:`.presets` -- the paper's defaults and a CPU preset;
* :mod:`.pairs` -- edit pairs (SFT, MargE, REINFORCE) and preference triples (DPO) from
  Hamming neighbourhoods of the labelled data;
* :mod:`.editing` -- iterative likelihood-ranked generation from the best sequences seen;
* :mod:`.parse` -- generated text to states, or the reason it is not a valid sequence;
* :mod:`.guards` -- the collapse guard (temperatures) and the checkpoint guard (model);
* :mod:`.diagnostics` -- per-round metrics written to ``llome_rounds.jsonl``;
* :mod:`.backend` -- the language model, trainers and decoding behind one small interface;
* :mod:`.proposer` -- :class:`~.proposer.Llome`, the ask/tell state machine.
"""
