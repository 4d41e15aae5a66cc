"""Board definitions. A board is chosen explicitly by name, never by accident."""
