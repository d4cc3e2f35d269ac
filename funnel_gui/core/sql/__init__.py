"""Funnels computed by SQL engines where the data lives (FUNNEL_SEMANTICS.md §21)."""
