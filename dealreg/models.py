"""Deal registration models arrive with their issue."""
