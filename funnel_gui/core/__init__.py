"""Qt-free core: reading exports, the event table, funnel definitions and the engine."""
