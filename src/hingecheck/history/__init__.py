"""Training history: every session and review kept in a local SQLite file (``store``), and the
progress over time drawn from it (``trend``). Consumes ``core.results`` types only."""
