"""Analytics models arrive with their issue."""
