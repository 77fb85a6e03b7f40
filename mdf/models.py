"""Market development funds models arrive with their issue."""
