"""Under rounds, a LLOME round whose editing leaves fewer candidates than labels_per_round
still ends on whole batches (the engine tells a round only when it is full)."""

import numpy as np
import pytest
from seqzoo.engine import run
from test_llome_proposer import ORACLE, SMALL, FakeModel

from seqzoo_llm.llome import backend
from seqzoo_llm.llome.diagnostics import read_rounds


class Sparse(FakeModel):
    """Writes valid text for only a few prompts, so a round has too few candidates."""

    valid = 0.15

    def complete(self, prompts, temperature, num_samples, seed):
        rng = np.random.default_rng(seed + 7)
        out = super().complete(prompts, temperature, num_samples, seed)
        return [[(t if rng.random() < self.valid else "[", s, n) for t, s, n in per]
                for per in out]


@pytest.mark.parametrize("valid", [0.15, 0.01])
def test_a_short_round_ends_on_whole_batches(run_dir, monkeypatch, valid):
    monkeypatch.setattr(Sparse, "valid", valid)
    monkeypatch.setattr(backend, "ModelBackend", Sparse)
    budget = 1 + 100 + 180
    spec = SMALL.replace("ga_population=50", "ga_population=20")
    result = run(ORACLE, spec, budget, batch_size=20, out=run_dir, stop_on_optimum=False)
    assert result.evaluations == budget
    rounds = read_rounds(run_dir)
    assert rounds and all(r["labels"] % 20 == 0 for r in rounds)
    # the filter left fewer than the 60 labels a round asks for
    assert any(r["labels"] < 60 for r in rounds)
