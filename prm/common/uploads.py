"""Uploaded files are judged by their content, never their name: the type is sniffed from the bytes,
the size is limited, and the stored name is ours. Used for MDF proof of performance (and lesson files).
"""

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .money import format_number

PDF, PNG, JPEG, CSV, XLSX = "application/pdf", "image/png", "image/jpeg", "text/csv", (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", CSV: "CSV", XLSX: "XLSX"}
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    original_name: str


def _is_xlsx(upload) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _is_csv(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A multi-byte character cut at the sniff boundary is fine; anything else is not text.
        try:
            text = head[:-4].decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|")
    except csv.Error:
        return len(lines) >= 1 and "," in lines[0]
    return bool(dialect.delimiter)


def sniff_content_type(upload) -> str | None:
    """The type the bytes say the file is, among PDF, PNG, JPEG, XLSX and CSV; None for anything else."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return XLSX if _is_xlsx(upload) else None
    if _is_csv(head):
        return CSV
    return None


def _megabytes(size: int) -> str:
    return format_number(round(size / (1024 * 1024), 1))


def check_upload(upload, *, allowed: tuple[str, ...], max_bytes: int) -> CheckedUpload:
    """Validate one upload by content and size; returns its sniffed type, size and SHA-256.

    Raises a ValidationError with a translated message naming the file; nothing is stored here.
    """
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255] or "upload"
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty_file")
    if size > max_bytes:
        raise ValidationError(
            _("%(name)s is %(size)s MB; files may be at most %(limit)s MB.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(max_bytes)},
            code="file_too_large",
        )
    content_type = sniff_content_type(upload)
    if content_type not in allowed:
        raise ValidationError(
            _("%(name)s is not a file type we accept. Upload %(types)s files.")
            % {"name": name, "types": ", ".join(LABELS.get(t, t) for t in allowed)},
            code="file_type",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for block in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(block)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest(), original_name=name)
