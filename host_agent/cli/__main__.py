"""`python -m host_agent.cli`: tla-agent."""

from host_agent.cli.app import main

main()
