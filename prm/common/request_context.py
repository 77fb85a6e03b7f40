"""Who is asking, from where: set once per request so services can audit without a request object."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestInfo] = ContextVar("prm_request_info", default=RequestInfo())  # noqa: B039 - frozen


def current_request_info() -> RequestInfo:
    return _current.get()


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the proxy's address behind a load balancer; production sets a trusted proxy header.
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(RequestInfo(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:400]))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
