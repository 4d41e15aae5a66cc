"""The Alembic revisions of the agent's schema, oldest first (host_agent/store/migrations)."""
