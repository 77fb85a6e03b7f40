"""URL patterns of this area (mounted in prm/urls.py or analytics/urls.py)."""

urlpatterns: list = []
