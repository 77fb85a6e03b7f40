"""Panels of the partner home (/portal/): a registry that later apps fill, so partners never imports them.

The home renders its own cards, then every registered panel in ``order``. A panel is a template and a
context function ``(request) -> dict | None``; None means "nothing to show to this person" and skips it.
The context function runs inside the partner's scope, with ``request.partner`` and ``request.membership``
set; it should be a fixed number of queries, since the home's query count is the sum of its panels'.

    from prm.common.home import register_panel

    register_panel("analytics.inbox", 10, inbox_context, "analytics/home/_inbox.html")   # e.g. in a ready()

The panel template receives its context as ``panel``.
"""

from collections.abc import Callable
from dataclasses import dataclass

PanelContext = Callable[[object], dict | None]


@dataclass(frozen=True)
class Panel:
    name: str
    order: int
    context: PanelContext
    template: str


_PANELS: dict[str, Panel] = {}


def register_panel(name: str, order: int, context: PanelContext, template: str) -> Panel:
    """Add a panel; registering a name again replaces it (apps are set up again in tests)."""
    panel = Panel(name=name, order=order, context=context, template=template)
    _PANELS[name] = panel
    return panel


def unregister_panel(name: str) -> None:
    _PANELS.pop(name, None)


def registered_panels() -> list[Panel]:
    """The panels in display order (ties by name, so the order never depends on import order)."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.name))


def panels(request) -> list[tuple[str, dict]]:
    """(template, context) of every panel that has something for this request, in display order."""
    shown = []
    for panel in registered_panels():
        context = panel.context(request)
        if context is not None:
            shown.append((panel.template, context))
    return shown
