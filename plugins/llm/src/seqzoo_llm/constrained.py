"""Format-constrained decoding: only tokens that keep a completion a well-formed target.

A target is ``"[s_1, s_2, ..., s_L]"``: exactly ``L`` states, each a decimal integer in
``[0, V)`` written without leading zeros, separated by ``", "``. :class:`FormatConstraint`
is a small automaton over the *characters* of that format; a token is allowed in a state
when every character of its text keeps the automaton alive (text after the closing ``]``
is free: decoding stops there). It knows the alphabet size and the length only -- never
the oracle's feasibility rule -- so a constrained model can still write infeasible
sequences, but no label is wasted on unparsable, wrong-length or out-of-range text.

It works with any tokenizer whose ``decode([id])`` gives a token's text (the tiny word-level
tokenizer, byte-level BPE such as GPT-NeoX/Pythia). Automaton states are discovered lazily and
their allowed-token masks cached, so a 50k-token vocabulary costs one pass over the vocabulary
per state actually visited. :class:`FormatLogitsProcessor` wraps it as a transformers
``LogitsProcessor`` for ``model.generate``; seqzoo's own decoding loop calls
:meth:`FormatConstraint.allowed` and :meth:`FormatConstraint.advance` directly.
"""

from __future__ import annotations

import torch
from transformers import LogitsProcessor

__all__ = ["FormatConstraint", "FormatLogitsProcessor"]

# Character-automaton states are tuples: ("open",), ("num", c), ("dig", c, value),
# ("sep", c), ("done",) -- c counts the states completed before the current one.
_OPEN, _DONE = ("open",), ("done",)


class FormatConstraint:
    """Allowed next tokens for completions that must spell ``length`` states below
    ``num_states``; a batch's automaton states are a 1-D ``torch.long`` tensor."""

    def __init__(self, tokenizer, length: int, num_states: int, vocab_size: int | None = None):
        if length < 1 or num_states < 1:
            raise ValueError(f"length and num_states must be >= 1, got {length}, {num_states}")
        self.length, self.num_states = length, num_states
        size = vocab_size if vocab_size is not None else len(tokenizer)
        special = set(tokenizer.all_special_ids)
        self.pieces: list[str | None] = [
            None if i in special or i >= len(tokenizer) else tokenizer.decode([i])
            for i in range(size)]
        self.vocab_size = size
        self._keys: list[tuple] = []
        self._index: dict[tuple, int] = {}
        self._masks = torch.zeros((0, size), dtype=torch.bool)
        self._next: dict[tuple[int, int], int] = {}
        self._start = self._state(_OPEN)

    # -- the automaton over characters ---------------------------------------------------
    def _step(self, key: tuple, ch: str) -> tuple | None:
        kind = key[0]
        if kind == "done":
            return key
        if kind == "open":
            return ("num", 0) if ch == "[" else None
        if kind == "sep":
            return ("num", key[1]) if ch == " " else None
        if kind == "num":
            return ("dig", key[1], int(ch)) if ch.isdigit() and int(ch) < self.num_states \
                else None
        count, value = key[1], key[2]  # inside a number
        if ch.isdigit():
            grown = value * 10 + int(ch)
            return ("dig", count, grown) if value != 0 and grown < self.num_states else None
        if ch == ",":
            return ("sep", count + 1) if count + 1 < self.length else None
        if ch == "]":
            return _DONE if count + 1 == self.length else None
        return None

    def _run(self, key: tuple, text: str) -> tuple | None:
        for ch in text:
            key = self._step(key, ch)
            if key is None:
                return None
        return key

    def _state(self, key: tuple) -> int:
        """The index of automaton state ``key``, computing its mask the first time."""
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._keys)
            self._keys.append(key)
            mask = torch.tensor([bool(p) and self._run(key, p) is not None
                                 for p in self.pieces], dtype=torch.bool)
            self._masks = torch.cat([self._masks, mask[None]])
        return index

    # -- the batch interface -------------------------------------------------------------
    def start(self, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """The states of ``n`` empty completions."""
        return torch.full((n,), self._start, dtype=torch.long, device=device)

    def allowed(self, state: torch.Tensor) -> torch.Tensor:
        """``(n, vocab_size)`` booleans: the tokens each row may write next."""
        return self._masks.to(state.device)[state]

    def advance(self, state: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """The states after each row writes ``token`` (a disallowed token is an error)."""
        out = []
        for s, t in zip(state.tolist(), token.tolist()):
            nxt = self._next.get((s, t))
            if nxt is None:
                piece = self.pieces[t] if t < self.vocab_size else None
                key = self._run(self._keys[s], piece) if piece else None
                if key is None:
                    raise ValueError(f"token {t} ({piece!r}) is not allowed after "
                                     f"{self._keys[s]}")
                nxt = self._next[(s, t)] = self._state(key)
            out.append(nxt)
        return torch.tensor(out, dtype=torch.long, device=state.device)

    def is_done(self, state: torch.Tensor) -> torch.Tensor:
        """Which rows have written a complete target."""
        return state == self._index.get(_DONE, -1)


class FormatLogitsProcessor(LogitsProcessor):
    """:class:`FormatConstraint` as a transformers ``LogitsProcessor`` for ``generate``.

    The first call fixes where the completion starts (the prompt width of the left-padded
    batch); each later call advances every row by the token generated since. Rows that have
    finished may write anything (``generate`` pads them). One processor serves one call of
    ``generate``.
    """

    def __init__(self, constraint: FormatConstraint):
        self.constraint = constraint
        self.state: torch.Tensor | None = None
        self.width = 0

    def __call__(self, input_ids: torch.LongTensor,
                 scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.state is None:
            self.state = self.constraint.start(len(input_ids), input_ids.device)
            self.width = input_ids.shape[1]
        else:
            new = input_ids.shape[1] - self.width
            for t in range(new):
                token = input_ids[:, self.width + t]
                done = self.constraint.is_done(self.state)
                stepped = self.constraint.advance(self.state[~done], token[~done])
                self.state = self.state.clone()
                self.state[~done] = stepped
            self.width = input_ids.shape[1]
        allowed = self.constraint.allowed(self.state)[:, : scores.shape[-1]]
        done = self.constraint.is_done(self.state)
        allowed = allowed | done[:, None]
        return scores.masked_fill(~allowed, float("-inf"))
