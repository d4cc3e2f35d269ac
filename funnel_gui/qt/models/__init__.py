"""Qt item models adapting core objects for views."""
