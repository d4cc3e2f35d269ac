"""Undoable commands on a funnel definition, and the document they edit."""
