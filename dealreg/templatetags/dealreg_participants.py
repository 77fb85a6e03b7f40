"""``{% participants_panel deal %}``: the partners on a deal, for its registering partner's detail page."""

from django import template

register = template.Library()


@register.inclusion_tag("dealreg/_participants_panel.html", takes_context=True)
def participants_panel(context, deal):
    from dealreg.views.participants import participants_panel_context

    request = context["request"]
    return {**participants_panel_context(request=request, deal=deal), "request": request,
            "csrf_token": context.get("csrf_token")}
