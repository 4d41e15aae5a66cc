"""What tla-agent prints: its two consoles, with Rich markup switched off, so that no text
from a terminal, a card, a file or the database (serials, names, access-log text, reasons,
file contents) is ever read as markup ("[/x]" prints as is), and control characters (an
escape sequence that would clear the screen) shown as "?". The few styled words are Text
objects made here (`styled`, `line`)."""

import re
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

EXIT_REFUSED = 1  # the request cannot be done (bad input, wrong state): nothing changed

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text) -> str:
    """`text` with its control characters (but new lines and tabs) shown as "?"."""
    return _CONTROL.sub("?", str(text))


class _PlainConsole(Console):
    """A Console that prints every string as is: no markup, no control character."""

    def render_str(self, text, **options):
        return super().render_str(plain(text), **options)


# Tables keep their columns whole when the output goes to a file or a pipe.
_WIDTH = None if sys.stdout.isatty() else 160
console = _PlainConsole(highlight=False, soft_wrap=True, width=_WIDTH, markup=False)
err = _PlainConsole(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, markup=False)


def styled(text, style: str) -> Text:
    """`text` (any value, shown as is) in `style` ("red", "bold"...)."""
    return Text(plain(text), style=style)


def line(*parts) -> Text:
    """One line from plain strings and (text, style) pairs, never parsed as markup."""
    return Text.assemble(
        *[(plain(p[0]), p[1]) if isinstance(p, tuple) else plain(p) for p in parts]
    )


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """The command's one plain error line on stderr, and its exit code (docs/agent.md)."""
    err.print(line(("error:", "red"), " ", message))
    raise typer.Exit(code)
