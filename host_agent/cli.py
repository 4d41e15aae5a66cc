"""`tla-agent`: the practice-PC agent of tla. It talks to a tla terminal over a serial
port, USB or pty, collects its care sheets and files them.

Errors are one plain line on stderr and a non-zero exit code.
"""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from host_agent import cli_lots
from host_agent.client import LinkClient, LinkError
from host_agent.transport import TransportError, open_port
from protocol import messages

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

PORT_HELP = "The terminal's port: a device (/dev/ttyACM0), a pty path, or a pyserial URL (socket://host:port)."


@app.callback()
def _root():
    """tla-agent: collect, verify and file the care sheets of tla terminals."""


def fail(message: str, code: int = 1):
    err.print("[red]error:[/] " + message)
    raise typer.Exit(code)


@app.command()
def hello(
    port: Annotated[str, typer.Option("--port", "-p", help=PORT_HELP)],
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 3.0,
):
    """Greet the terminal and print who it is (serial number, firmware, protocol)."""
    try:
        link = LinkClient(open_port(port))
        reply = link.request(messages.HELLO, {}, timeout=timeout)
    except (TransportError, LinkError) as e:
        fail(str(e))
    table = Table(title="tla terminal on %s" % port, show_header=False)
    table.add_row("serial number", str(reply.get("serial")))
    table.add_row("model", str(reply.get("model")))
    table.add_row("firmware", str(reply.get("fw")))
    table.add_row("protocol", str(reply.get("proto")))
    table.add_row("board", str(reply.get("board")))
    console.print(table)
    if reply.get("proto") != messages.PROTOCOL_VERSION:
        fail(
            "the terminal speaks protocol %s, this agent speaks %d: update the older one"
            % (reply.get("proto"), messages.PROTOCOL_VERSION),
            2,
        )


# Lots, acknowledgements, status, purge, duplicates and the patient's copy (docs/lots.md).
cli_lots.register(app)


def main():
    app()


if __name__ == "__main__":
    main()
