"""The desktop app: PySide6 widgets on top of funnel_gui.core (never the other way round)."""
