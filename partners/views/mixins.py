"""Portal view guards: the membership the tenancy middleware attached, and capability checks."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def require_capability(capability: str):
    """Allow the view only to members with the capability (partner admins have them all)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or not membership.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
