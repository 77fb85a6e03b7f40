"""Portal pages for MDF (being built)."""

from django.http import Http404


def overview(request):
    raise Http404


def activity_detail(request, pk):
    raise Http404


def proof_download(request, pk):
    raise Http404
