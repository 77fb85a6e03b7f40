"""Model fields shared by the apps."""

from django.db import models


class PlainJSONField(models.JSONField):
    """A JSON document stored as written: PostgreSQL ``json`` (text checked for validity), not ``jsonb``.

    For documents written in bulk and read whole, never searched inside (a health score's components: 100k rows a
    night). ``jsonb`` parses every document into its binary form on write, which costs about as much as the rest of
    the insert; ``json`` only checks the syntax (measured: 100k rows of ~600-byte components in 2,000-row upserts,
    1.0–1.4 s against 1.7–2.1 s). What is given up on PostgreSQL: filtering inside the document — ``json`` has no
    equality or containment operators, so ``filter(components__psat__value=...)``, ``contains`` and ``has_key``
    fail there; keys can still be read (``values("components__psat__value")``). On other databases it is the
    ordinary JSONField.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg parses ``json`` itself (Django registers a text loader for ``jsonb`` only).
        if value is not None and not isinstance(value, (str, bytes, bytearray)):
            return value
        return super().from_db_value(value, expression, connection)
