"""What a conformance check returns, and what it raises when something does not conform."""

from __future__ import annotations

from dataclasses import dataclass


class ConformanceError(AssertionError):
    """A plugin broke the protocol; the message names the check and what was expected.

    An ``AssertionError``, so pytest reports it as a failed test with its message.
    """


@dataclass(frozen=True)
class Conformance:
    """The checks that ran and passed on ``subject``, and those skipped with the reason."""

    subject: str
    passed: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        lines = [f"{self.subject}: {len(self.passed)} checks passed"]
        lines += [f"  ok    {name}" for name in self.passed]
        lines += [f"  skip  {name}: {why}" for name, why in self.skipped]
        return "\n".join(lines)
