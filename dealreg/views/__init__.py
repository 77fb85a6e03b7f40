"""Deal registration views: portal pages per area (portal.py, participants.py), staff pages."""
