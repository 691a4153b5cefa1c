"""The inner loop: iterative, likelihood-ranked editing of seed sequences (no oracle calls).

:func:`edit` (``trajectories=pooled``, this project's choice): each seed starts one
trajectory. In every edit iteration the model rewrites the trajectory's
current input once greedily and ``samples`` times at each temperature; every valid output
joins the candidate pool, and the next input is the trajectory's valid output with the
highest length-normalised log-likelihood so far that has not been an input yet (the model's
own belief stands in for the oracle). :func:`edit_separate` (``trajectories=separate``)
is the reference code's variant. Outputs that do not parse, have the wrong length or
leave the alphabet are counted and dropped.

:func:`select_labels` then keeps what is worth an oracle call: unseen, distinct candidates at
or above a likelihood quantile, sampled down to the label budget.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .parse import REASONS, VALID, parse_many

#: ``complete(prompts, temperature, num_samples, seed)`` -> per prompt, ``num_samples``
#: completions as ``(text, logprob, num_tokens[, warped_logprob])``; temperature 0 is
#: greedy (one sample). ``logprob`` is at temperature 1, ``warped_logprob`` under the
#: distribution sampled from.
Complete = Callable[[np.ndarray, float, int, int], list[list[tuple[str, float, int]]]]
#: ``complete_many(requests)`` -> what ``complete(*request)`` returns, for each request
#: ``(prompts, temperature, num_samples, seed)``. A backend that decodes the requests side
#: by side (:func:`seqzoo_llm.generation.generate_many`) returns the same, faster.
CompleteMany = Callable[[Sequence[tuple[np.ndarray, float, int, int]]],
                        list[list[list[tuple[str, float, int]]]]]


def _one_by_one(complete: Complete) -> CompleteMany:
    return lambda requests: [complete(*request) for request in requests]


@dataclass
class Candidates:
    """The valid outputs of one round's editing, and counts over all outputs."""

    x: np.ndarray  # (m, L) valid outputs
    inputs: np.ndarray  # (m, L) the prompt each was written for
    trajectory: np.ndarray  # (m,) index of the seed it descends from
    score: np.ndarray  # (m,) log-likelihood per generated token
    temperature: np.ndarray  # (m,) 0 for greedy
    reasons: Counter = field(default_factory=Counter)  # over every output, valid or not

    @property
    def total(self) -> int:
        return sum(self.reasons.values())

    def fractions(self) -> dict[str, float]:
        """% parsable, % correct length, % in range and % repeated input, over all outputs."""
        total = max(self.total, 1)
        repeated = int((self.x == self.inputs).all(1).sum()) if len(self.x) else 0
        return {"parsable": 1 - self.reasons["unparsable"] / total,
                "correct_length": (self.reasons[VALID] + self.reasons["out_of_range"]) / total,
                "in_range": self.reasons[VALID] / total,
                "repeated_input": repeated / total}

    @classmethod
    def concat(cls, parts: Sequence["Candidates"]) -> "Candidates":
        """The pool of several editing passes."""
        return cls(*(np.concatenate([getattr(p, name) for p in parts])
                     for name in ("x", "inputs", "trajectory", "score", "temperature")),
                   sum((p.reasons for p in parts), Counter()))

    def distinct(self, seen: set[bytes]) -> int:
        """How many distinct candidates are not in ``seen``."""
        return len({row.tobytes() for row in self.x} - seen)

    def edit_distance(self) -> float:
        """Mean normalised Hamming distance from input to output over valid outputs."""
        return float((self.x != self.inputs).mean()) if len(self.x) else 0.0


def edit(seeds: np.ndarray, complete: Complete, *, iterations: int,
         temperatures: Sequence[float], samples: int, num_states: int,
         seed: int, complete_many: CompleteMany | None = None) -> Candidates:
    """Run ``iterations`` edit iterations from every seed (see the module docstring).

    The settings of one iteration (greedy and each temperature) share their inputs and go to
    ``complete_many`` together when it is given."""
    many = complete_many or _one_by_one(complete)
    length = seeds.shape[1]
    current = seeds.copy()
    used = [{row.tobytes()} for row in seeds]
    best: list[list[tuple[float, bytes]]] = [[] for _ in seeds]  # valid outputs per trajectory
    found: list[tuple[np.ndarray, np.ndarray, int, float, float]] = []
    reasons: Counter = Counter({r: 0 for r in REASONS})
    settings = [(0.0, 1)] + [(float(t), samples) for t in temperatures]
    for it in range(iterations):
        every = many([(current, temp, num, seed + 1000 * it + k)
                      for k, (temp, num) in enumerate(settings)])
        for (temp, _), outputs in zip(settings, every):
            texts = [o[0] for per in outputs for o in per]
            owner = np.repeat(np.arange(len(current)), [len(per) for per in outputs])
            scores = np.array([o[1] / max(o[2], 1) for per in outputs for o in per])
            states, why = parse_many(texts, length, num_states)
            reasons.update(why.tolist())
            for i in np.flatnonzero(why == VALID):
                t = owner[i]
                found.append((states[i], current[t].copy(), t, scores[i], temp))
                best[t].append((scores[i], states[i].tobytes()))
        for t in range(len(current)):  # move each trajectory to its likeliest unused output
            options = [(s, b) for s, b in best[t] if b not in used[t]]
            if options:
                _, pick = max(options, key=lambda o: o[0])
                used[t].add(pick)
                current[t] = np.frombuffer(pick, dtype=current.dtype)
    if not found:
        empty = np.empty((0, length), dtype=np.int64)
        return Candidates(empty, empty.copy(), np.empty(0, int), np.empty(0), np.empty(0),
                          reasons)
    xs, ins, traj, sc, temp = zip(*found)
    return Candidates(np.stack(xs), np.stack(ins), np.asarray(traj), np.asarray(sc, float),
                      np.asarray(temp, float), reasons)


def edit_separate(seeds: np.ndarray, complete: Complete, *, iterations: int,
                  temperatures: Sequence[float], samples: int, num_states: int,
                  seed: int, complete_many: CompleteMany | None = None) -> Candidates:
    """The reference's editing: greedy decoding and each temperature run their own
    trajectories from every seed, ``iterations`` iterations each.

    A trajectory's next input is its output with the highest length-normalised *warped*
    log-likelihood (the distribution it was sampled from) among every valid output it has
    written so far, so it may stay on its current input; before any valid output it stays
    on the seed. Candidates are scored by that same warped likelihood. The settings'
    trajectories are independent, so one iteration of all of them goes to ``complete_many``
    together when it is given.
    """
    many = complete_many or _one_by_one(complete)
    length = seeds.shape[1]
    settings = [(0.0, 1)] + [(float(t), samples) for t in temperatures]
    current = [seeds.copy() for _ in settings]
    best = [np.full(len(seeds), -np.inf) for _ in settings]  # best warped score so far
    found: list[list[tuple[np.ndarray, np.ndarray, int, float]]] = [[] for _ in settings]
    reasons = [Counter({r: 0 for r in REASONS}) for _ in settings]
    for it in range(iterations):
        every = many([(current[k], temp, num, seed + 1000 * it + k)
                      for k, (temp, num) in enumerate(settings)])
        for k, outputs in enumerate(every):
            texts = [o[0] for per in outputs for o in per]
            owner = np.repeat(np.arange(len(current[k])), [len(per) for per in outputs])
            scores = np.array([_warped(o) / max(o[2], 1) for per in outputs for o in per])
            states, why = parse_many(texts, length, num_states)
            reasons[k].update(why.tolist())
            nxt = current[k].copy()
            for i in np.flatnonzero(why == VALID):
                t = owner[i]
                found[k].append((states[i], current[k][t].copy(), t, scores[i]))
                if scores[i] > best[k][t]:
                    best[k][t], nxt[t] = scores[i], states[i]
            current[k] = nxt
    return Candidates.concat([_candidates(found[k], length, temp, reasons[k])
                              for k, (temp, _) in enumerate(settings)])


def _warped(output: tuple) -> float:
    """An output's warped log-likelihood (its plain one when the model gives no other)."""
    return output[3] if len(output) > 3 and np.isfinite(output[3]) else output[1]


def _candidates(found: list, length: int, temp: float, reasons: Counter) -> Candidates:
    if not found:
        empty = np.empty((0, length), dtype=np.int64)
        return Candidates(empty, empty.copy(), np.empty(0, int), np.empty(0), np.empty(0),
                          reasons)
    xs, ins, traj, sc = zip(*found)
    return Candidates(np.stack(xs), np.stack(ins), np.asarray(traj), np.asarray(sc, float),
                      np.full(len(xs), temp), reasons)


def select_labels(candidates: Candidates, seen: set[bytes], *, quantile: float, k: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Indices of up to ``k`` candidates to label: unseen, distinct, likely enough.

    Repeats of one sequence keep their likeliest instance; the quantile is taken over the
    distinct unseen candidates.
    """
    order = np.argsort(-candidates.score, kind="stable")
    keep, chosen = set(seen), []
    for i in order:
        key = candidates.x[i].tobytes()
        if key not in keep:
            keep.add(key)
            chosen.append(i)
    idx = np.asarray(chosen, dtype=np.int64)
    if len(idx) == 0 or k <= 0:
        return idx[:0]
    cut = np.quantile(candidates.score[idx], quantile)
    idx = idx[candidates.score[idx] >= cut]
    return np.sort(rng.choice(idx, size=min(k, len(idx)), replace=False))
