"""``nam``: FLEXS's noisy abstract model, a surrogate whose error grows with distance to data.

For a sequence ``x`` at edit distance ``d`` from the nearest sequence the model knows,

    f^(x) = a^d f(x) + (1 - a^d) e,    e ~ Exponential(scale = f(neighbour))

with ``a`` the signal strength and ``f`` the oracle's true value (read through
:attr:`Problem.ground_truth`, never counted as an evaluation). As in FLEXS
(``flexs/baselines/models/noisy_abstract_model.py``) the model remembers every answer: a
measured sequence returns its measured value, a sequence asked before returns its earlier
prediction, and earlier predictions count as "known" neighbours too. Where the neighbour's
true value is negative the noise is one of the remembered values, drawn at random.
Signal 1 is the oracle itself; signal 0 is pure noise away from the data.

Two small departures, both within one batch of queries, measured as without effect on the
AdaLead cross-check (``benchmarks/cross_check.py``): a prediction becomes a known neighbour
as soon as it is made, where FLEXS adds a batch's predictions after the batch, and a
sequence repeated within a batch gets its cached value, where FLEXS draws fresh noise.
"""

from __future__ import annotations

import numpy as np

from .errors import SeqzooError
from .protocol import Problem


class NoisyAbstractModel:
    """FLEXS's noisy abstract model: a^d f(x) + (1 - a^d) noise, d = distance to the data.

    Options:
        signal: signal strength a in [0, 1] (FLEXS's signal_strength; its paper uses 0,
            0.5, 0.9 and 1)
        distance: "edit" (Levenshtein, as FLEXS) or "hamming" (equal for substitutions
            only; faster on long sequences)
    """

    def __init__(self, problem: Problem, signal: float = 0.9, distance: str = "edit"):
        if not 0.0 <= signal <= 1.0:
            raise ValueError(f"signal must lie in [0, 1], got {signal}")
        if distance not in ("edit", "hamming"):
            raise ValueError(f"distance must be 'edit' or 'hamming', got {distance!r}")
        if problem.ground_truth is None:
            raise SeqzooError("surrogate 'nam' needs the oracle's true values, which only "
                              "the run engine gives")
        self.signal, self.distance = signal, distance
        self.truth = problem.ground_truth
        self.rng = problem.rng(salt=0x4E414D)
        # insertion-ordered like FLEXS's dict: the first nearest neighbour wins ties
        self.cache: dict[bytes, float] = {}
        # the known rows in the cache's order, as one growing array (doubled when full, since
        # every query compares against all of them) and as strings for rapidfuzz, one
        # character a state (it converts lists of ints on every call: twice the distances' time)
        self._known = np.empty((64, problem.length), dtype=np.int64)
        self._strings: list[str] = []
        # true values read so far: a costly oracle (RNA folding at 13 ms a sequence) is read
        # once per sequence, however often it is a query or a nearest neighbour
        self._true: dict[bytes, float] = {}

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        for row, value in zip(np.asarray(x, dtype=np.int64), np.asarray(y, dtype=float)):
            self._remember(row, float(value))

    def _remember(self, row: np.ndarray, value: float) -> None:
        key = row.tobytes()
        if key not in self.cache:
            if len(self._strings) == len(self._known):
                self._known = np.concatenate([self._known, np.empty_like(self._known)])
            self._known[len(self._strings)] = row
            self._strings.append(_text(row))
        self.cache[key] = value

    def _nearest(self, row: np.ndarray) -> tuple[int, int]:
        """Distance to the nearest known sequence and its index (0, -1 when none is)."""
        if not self._strings:
            return 0, -1
        known = self._known[: len(self._strings)]
        hamming = (known != row).sum(axis=1)
        ones = hamming == 1
        # for equal lengths an edit distance of 1 is exactly a Hamming distance of 1, so
        # FLEXS's early stop needs no edit distances; they are computed only past it
        if ones.any() or self.distance == "hamming":
            # FLEXS stops at the first neighbour at distance 1, else keeps the first minimum
            i = int(np.argmax(ones)) if ones.any() else int(np.argmin(hamming))
            return int(hamming[i]), i
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extractOne

        # Past the early stop the first minimum is what extractOne returns (it keeps the
        # first of equal distances). An edit distance is at most the Hamming one, so the
        # Hamming minimum is a cutoff that keeps the nearest row, and extractOne tightens it
        # at every nearer row it finds: most rows then cost a fraction of a full distance
        # (3-13x faster than every distance on RNA of length 100).
        _, dist, i = extractOne(_text(row), self._strings, scorer=Levenshtein.distance,
                                score_cutoff=int(hamming.min()))
        return int(dist), int(i)

    def _read_truth(self, rows: np.ndarray) -> None:
        """Read the true values of ``rows`` not read yet, in one call."""
        new = {}
        for row in rows:
            key = row.tobytes()
            if key not in self._true and key not in new:
                new[key] = row
        if new:
            values = self.truth(np.stack(list(new.values())))
            self._true.update(zip(new, (float(v) for v in values)))

    def _true_value(self, row: np.ndarray) -> float:
        self._read_truth(row[None, :])
        return self._true[row.tobytes()]

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, None]:
        x = np.asarray(x, dtype=np.int64)
        out = np.empty(len(x))
        if self.signal > 0.0:  # signal 0 never reads a query's own value past the data
            self._read_truth(np.array([r for r in x if r.tobytes() not in self.cache]
                                      ).reshape(-1, x.shape[1]))
        for j, row in enumerate(x):  # in order: each answer becomes a neighbour of the next
            key = row.tobytes()
            if key in self.cache:
                out[j] = self.cache[key]
                continue
            d, i = self._nearest(row)
            alpha = self.signal ** d
            if alpha == 1.0:  # at the data (or a perfect model): the true value
                value = self._true_value(row)
            else:
                neighbour = self._true_value(row if i < 0 else self._known[i])
                if neighbour >= 0:
                    noise = self.rng.exponential(scale=neighbour) if neighbour > 0 else 0.0
                else:
                    noise = float(self.rng.choice(np.fromiter(self.cache.values(), float)))
                value = noise if alpha == 0.0 else (alpha * self._true_value(row)
                                                    + (1 - alpha) * noise)
            out[j] = value
            self._remember(row, value)
        return out, None


def _text(row: np.ndarray) -> str:
    """``row`` as a string, one character a state (the same distances as the list of ints)."""
    return np.asarray(row, dtype="<u4").tobytes().decode("utf-32-le")
