"""Enablement: courses, learning paths, certifications, LMS completions, the asset library (issue #6)."""
