"""The practice's local web app in French (`tla-agent serve`): host_agent/web/app.py."""
