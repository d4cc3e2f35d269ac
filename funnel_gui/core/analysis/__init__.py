"""What each analysis view shows: drivers, paths, impact, segments, trends, drill-down."""
