"""The agent's errors and exit codes (docs/agent.md, "Errors and exit codes").

Every refusal of the service layer (sync, lots, sealing, sending, returns, paper, check) is
an AgentError: one plain English sentence for the CLI (`str(error)`, the IT person's
language), one plain French sentence for the practice's web pages (`error.french`), and
the exit code the CLI ends with. The domain functions raise them and never print; each
interface chooses the language it shows.
"""

EXIT_REFUSED = 1  # the request cannot be done (bad input, wrong state): nothing changed
EXIT_VERSION = 2  # the terminal speaks another protocol version
EXIT_CARD = 3  # the CPS refused (wrong or blocked PIN, no card)
EXIT_SEND = 4  # a transport failed: the lots stay sealed, to be sent again
EXIT_LINK = 5  # the port failed or the terminal stopped answering: run the command again
EXIT_DATABASE = 6  # the database cannot be written or read
EXIT_LIMIT = 7  # a sync stopped at one of its limits (what it filed is kept)
EXIT_FINDINGS = 8  # check found damage or an inconsistency
EXIT_OVERDUE = 9  # status: a sheet is past its transmission deadline (for scripts)
EXIT_SETTINGS = 10  # the settings file is mistyped, unreadable, or named and missing
EXIT_BUSY = 11  # another PC (or process) is syncing this terminal: try again after it
EXIT_INTERNAL = 70  # a bug of tla-agent (EX_SOFTWARE): please report it


class AgentError(Exception):
    """A refusal: `str()` the English sentence, `french` the French one, `exit_code` the
    CLI's exit code. Nothing was changed half-way by the step that raised it."""

    exit_code = EXIT_REFUSED
    # Said in the practice's pages when the raiser gave no French sentence of its own.
    french_default = "L'opération a été refusée ; rien n'a été modifié."

    def __init__(self, message: str, exit_code: int | None = None, french: str | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        self.french = french or self.french_default


class SyncError(AgentError):
    """The sync cannot go on; the message is one plain sentence for the user."""

    french_default = (
        "La synchronisation s'est arrêtée ; le terminal garde les feuilles non encore "
        "accusées : recommencez."
    )
