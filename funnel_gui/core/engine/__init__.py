"""The in-memory funnel engine: attempts, matching and results (FUNNEL_SEMANTICS §3–§9)."""
