"""The shareable report (definition in words, data, numbers, the funnel file) as HTML."""
