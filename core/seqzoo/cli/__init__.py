"""The ``zoo`` command. Each subcommand lives in its own module with ``add_parser`` and
``main``; modules are imported to build the parser, so they import nothing heavy at the top.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import warnings

COMMANDS = ("plugins", "list", "run", "compare", "report", "campaign")
# OS-level mistakes (a file where a folder belongs, no permission, a full disk, a name too
# long) are the user's to fix, like a bad option: one line and status 2
_OS_ERRORS = (FileExistsError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
              PermissionError, OSError)


def _one_line_warnings(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr if file is None else file)


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's one-line errors, and a "did you mean" for a mistyped flag,
    command or choice (subcommands are built with this class too)."""

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            # The flag belongs to the subcommand, so its parser's flags are the candidates.
            command = getattr(namespace, "command", None)
            target = self._commands().get(command, self) if command else self
            flags = [s for action in target._actions for s in action.option_strings]
            unknown = next((e.split("=", 1)[0] for e in extras if e.startswith("-")), "")
            target.error(f"unrecognized arguments: {' '.join(extras)}"
                         f"{_did_you_mean(unknown, flags)}")
        return namespace

    def _commands(self) -> dict[str, argparse.ArgumentParser]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    def error(self, message: str):
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if choice:
            options = [c.strip(" '") for c in choice.group(2).split(",")]
            message += _did_you_mean(choice.group(1), options)
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _did_you_mean(word: str, choices: list[str]) -> str:
    from ..errors import did_you_mean

    return did_you_mean(word, choices) if word else ""


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="zoo", description="seqzoo: black-box optimizers for constrained sequence design")
    top.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"seqzoo.cli.{name}")
        except ImportError:  # a command shipped by a later release or an optional module
            continue
        module.add_parser(sub)
    for command in sub.choices.values():  # `zoo run ... --debug` works as well
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show tracebacks on errors")
    return top


def main(argv: list[str] | None = None) -> int:
    from ..errors import SeqzooError

    warnings.showwarning = _one_line_warnings
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SeqzooError as exc:
        if args.debug:
            raise
        print(f"zoo {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"zoo {args.command}: interrupted" + (f": {exc}" if str(exc) else ""),
              file=sys.stderr)
        return 130
    except _OS_ERRORS as exc:
        if args.debug:
            raise
        print(f"zoo {args.command}: error: {_os_message(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a plugin's own bug: still one line, unless --debug
        if args.debug:
            raise
        print(f"zoo {args.command}: error: {type(exc).__name__}: {exc} "
              f"(run with --debug for the traceback)", file=sys.stderr)
        return 1


def _os_message(exc: OSError) -> str:
    """``No space left on device: runs/x/evaluations.jsonl``: the reason, then the path."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    paths = [p for p in (exc.filename, getattr(exc, "filename2", None)) if p]
    return f"{reason}: {' -> '.join(map(str, paths))}" if paths else reason
