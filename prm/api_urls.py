"""/api/v1/: partner endpoints run in the caller's partner scope; staff endpoints in their regions."""

urlpatterns: list = []
