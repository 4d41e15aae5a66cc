"""tla-agent: the practice-PC side of tla (sync, store, lots, deadlines, duplicates)."""
