"""What each analysis view shows: drivers, paths, impact, segments, trends, comparisons,
drill-down."""
