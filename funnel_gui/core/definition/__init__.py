"""What a funnel is (FUNNEL_SEMANTICS §2) and its versioned file format (§11)."""
