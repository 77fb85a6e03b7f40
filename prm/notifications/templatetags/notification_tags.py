"""Filters for e-mail templates, whose context is plain JSON (dates arrive as ISO strings)."""

from datetime import date, datetime

from django import template
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()


@register.filter
def as_datetime(value):
    """An ISO 8601 string as a datetime (or date), so ``|date:"DATE_FORMAT"`` localizes it; '' if unparsable."""
    if isinstance(value, (datetime, date)):
        return value
    if not isinstance(value, str) or not value:
        return ""
    try:
        return parse_datetime(value) or parse_date(value) or ""
    except ValueError:
        return ""
