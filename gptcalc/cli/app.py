"""The Typer application and its one-line error handling."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.20 vendors click; older releases depend on it
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException  # type: ignore[import-not-found,no-redef,assignment,unused-ignore]

from gptcalc.cli import notices
from gptcalc.errors import GptcalcError


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit: the CLI's only way to report a user's mistake."""
    sys.stderr.write(f"gptcalc: error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(code)


class OneLineErrors(TyperGroup):
    """Reports usage mistakes and :class:`GptcalcError` as one line on stderr with exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        notices.reset()
        argv = kwargs.get("args", args[0] if args else None)
        flag = _completion_without_shell(sys.argv[1:] if argv is None else list(argv))
        if flag is not None:
            fail(
                f"{flag}: cannot tell which shell this is (none among the parent processes); print the script for"
                " yours with _GPTCALC_COMPLETE=source_bash gptcalc (or source_zsh, source_fish) and add it to the"
                " shell's startup file"
            )
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        except ClickException as err:
            message = " ".join(err.format_message().split())
            if not standalone_mode:
                raise
            if not message:  # `gptcalc` alone: the help was printed, nothing went wrong
                raise SystemExit(0) from None
            fail(message, err.exit_code)
        except typer.Abort:
            fail("aborted", 1)
        except GptcalcError as err:
            if not standalone_mode:
                raise
            fail(" ".join(str(err).split()))
        except BrokenPipeError:  # the reader of stdout left: gptcalc.cli.main ends quietly
            raise
        except OSError as err:  # a path the user named (or stdout) that the system refuses: one line, no traceback
            if not standalone_mode:
                raise
            where = f"{err.filename}: " if err.filename else ""
            fail(f"{where}{err.strerror or err}")
        if standalone_mode:
            raise SystemExit(rv if isinstance(rv, int) else 0)
        return rv


COMPLETION_FLAGS = ("--show-completion", "--install-completion")


def _completion_without_shell(argv: list[str]) -> str | None:
    """A completion flag where no shell can be detected (none among the parent processes: a detached job, a bare
    container): typer would print "Shell  not supported." and exit 1. Looked up only when such a flag is there."""
    flag = next((a for a in argv if a in COMPLETION_FLAGS), None)
    if flag is None:
        return None
    # typer detects the shell with shellingham, one of its own requirements.
    import shellingham  # type: ignore[import-untyped,unused-ignore]

    try:
        shellingham.detect_shell()
    except shellingham.ShellDetectionFailure:
        return flag
    return None


app = typer.Typer(
    cls=OneLineErrors,
    name="gptcalc",
    help="Analytical cost-and-capacity calculator for transformer language models.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from gptcalc import __version__

        sys.stdout.write(f"gptcalc {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Analytical cost-and-capacity calculator for transformer language models."""


def _register_commands() -> None:
    """Import the command modules (their decorators register the commands): only the one invoked (and of its
    module's commands only that one) when :func:`gptcalc.cli.main` knows it, else all, in the order of
    ``--help``."""
    import importlib

    from gptcalc import cli

    for module in cli.MODULES if cli.selected is None else cli.selected:
        importlib.import_module(f"gptcalc.cli.{module}")
    if cli.invoked is not None:
        # Typer builds every registered command (each parameter's converter) before running one: keep only the
        # invoked one of its module's commands (~10 ms each saved).
        app.registered_commands = [c for c in app.registered_commands if c.name == cli.invoked]


_register_commands()
