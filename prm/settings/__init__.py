"""Settings: base.py holds everything; dev (quick start), test and production adjust it."""
