"""Checksums that tell a campaign's own writes from a hand edit.

Every file the campaign relies on is *sealed*: a JSON file carries the SHA-256 of its own
canonical content, each line of the log carries a hash chained to the line before it (and,
through the first line, to the campaign's settings), and a round's ``proposals.csv`` is named
by its hash in the round's sealed ``round.json``. Editing any of them by hand, even one digit,
breaks the seal, and the campaign refuses to go on rather than propose from altered data.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import SeqzooError
from ..runlog import write_json_atomic

CHECKSUM = "checksum"


class EditedError(SeqzooError):
    """A campaign file no longer matches its seal: it was changed outside the campaign."""


def canonical(data: Any) -> str:
    """One text per value: the same dict gives the same hash on any machine."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def write_sealed(path: Path, data: dict[str, Any]) -> str:
    """Write ``data`` with its checksum (atomically); returns the checksum."""
    body = {k: v for k, v in data.items() if k != CHECKSUM}
    seal = digest(canonical(body))
    write_json_atomic(path, {**body, CHECKSUM: seal})
    return seal


def read_sealed(path: Path, what: str) -> dict[str, Any]:
    """A sealed file's content, or one line saying it was edited or is unreadable."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SeqzooError(f"{path} is missing: {what} cannot be read") from None
    except ValueError:
        raise EditedError(f"{path} is not valid JSON: it was edited by hand; restore it "
                          f"(the campaign refuses to guess)") from None
    if not isinstance(data, dict) or CHECKSUM not in data:
        raise EditedError(f"{path} has no checksum: it was edited or replaced by hand")
    body = {k: v for k, v in data.items() if k != CHECKSUM}
    if digest(canonical(body)) != data[CHECKSUM]:
        raise EditedError(f"{path} was edited by hand (its checksum no longer matches); "
                          f"restore the original")
    return body


def chain(previous: str, record: dict[str, Any]) -> str:
    """The check of one log line: its content hashed together with the line before's."""
    return digest(previous + "\n" + canonical(record))[:16]


def file_digest(path: Path) -> str:
    return digest(Path(path).read_bytes())
