"""The sync's error and its exit codes (docs/agent.md), apart so that the modules the sync
uses (host_agent/bounds.py) can raise it too."""

EXIT_VERSION = 2  # the terminal speaks another protocol version
EXIT_DATABASE = 6  # the database cannot be written or read


class SyncError(Exception):
    """The sync cannot go on; the message is one plain sentence for the user, `exit` the
    command's exit code (docs/agent.md)."""

    def __init__(self, message, exit=1):
        super().__init__(message)
        self.exit = exit
