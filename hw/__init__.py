"""Hardware abstraction of the terminal: interfaces (hal) and board definitions (boards/)."""
