"""Private files served as downloads: a safe attachment name, no content sniffing, no caching. Every view
that streams a partner's file (proof of performance, lesson files, assets, certificates, PDFs) uses this."""

import unicodedata

from django.http import FileResponse


def safe_filename(name: str, *, fallback: str) -> str:
    """A download name without path parts or control characters (the header stays well-formed)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip(" .")
    return name[:200] or fallback


def private_download(file, *, filename: str, content_type: str, fallback: str = "download") -> FileResponse:
    """A private file as an attachment the browser must not sniff or cache."""
    response = FileResponse(file.open("rb"), as_attachment=True,
                            content_type=content_type or "application/octet-stream",
                            filename=safe_filename(filename, fallback=fallback))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
