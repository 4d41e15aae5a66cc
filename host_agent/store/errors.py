"""The store's errors: one plain sentence each, exit code 6 (docs/agent.md "Errors and exit
codes")."""

from host_agent.errors import EXIT_DATABASE, AgentError


class StoreError(AgentError):
    """The database cannot be used; the message is one plain sentence."""

    exit_code = EXIT_DATABASE
    french_default = (
        "La base de données du cabinet ne peut pas être utilisée : restaurez-la depuis une "
        "sauvegarde ou appelez la personne qui s'occupe de l'informatique."
    )


class StoreConflict(StoreError):
    """A row the database refused by one of its constraints (UNIQUE, FOREIGN KEY): the
    PostgreSQL twin of sqlite3.IntegrityError."""
