"""Template helpers: money and numbers per the active locale."""

from django import template

from prm.common.money import format_money, format_number

register = template.Library()


@register.simple_tag
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def number(value):
    return format_number(value)
