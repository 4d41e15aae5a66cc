"""The last guard of every tla-agent command: an error nothing else caught still ends in one
plain line and a documented exit code (docs/agent.md), never a traceback. Each change to
the database is one transaction, so an error here never leaves one half done."""

import sqlite3

from host_agent import rows
from host_agent.output import err, line
from host_agent.sync_errors import EXIT_DATABASE

EXIT_INTERNAL = 70  # a bug of tla-agent (EX_SOFTWARE): please report it


def report(error: BaseException) -> int:
    """Print `error` as one line; the exit code."""
    if isinstance(error, rows.RowDamaged):  # already says which row and what to do
        message, code = str(error), EXIT_DATABASE
    elif isinstance(error, sqlite3.OperationalError) and "readonly" in str(error).replace(" ", ""):
        message = "the database is read-only (%s): give write access to it and its folder" % error
        code = EXIT_DATABASE
    elif isinstance(error, sqlite3.DatabaseError):
        message = (
            "the database is damaged or is not a tla-agent database (%s): run tla-agent check, "
            "or restore it from a backup" % error
        )
        code = EXIT_DATABASE
    elif isinstance(error, UnicodeDecodeError):
        message = "the database holds text that is not UTF-8 (damaged?): run tla-agent check"
        code = EXIT_DATABASE
    elif isinstance(error, MemoryError):
        message = "out of memory"
        code = EXIT_INTERNAL
    else:
        message = "internal error, please report it: %s: %s" % (type(error).__name__, error)
        code = EXIT_INTERNAL
    err.print(line(("error:", "red"), " ", message[:500]))
    return code
