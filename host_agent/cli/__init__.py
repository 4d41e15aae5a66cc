"""tla-agent's command line (typer): host_agent/cli/app.py assembles the command groups;
`tla-agent` is main()."""

from host_agent.cli.app import app, main

__all__ = ["app", "main"]
