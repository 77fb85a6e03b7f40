"""Uploads are judged by their bytes: the name and the browser's content type count for nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from prm.common.uploads import CSV, JPEG, PDF, PNG, XLSX, check_upload, sniff_content_type
from tests.mdf.helpers import CSV_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, upload, xlsx_bytes

ALL = (PDF, PNG, JPEG, CSV, XLSX)


@pytest.mark.parametrize(("content", "expected"), [
    (PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG), (CSV_BYTES, CSV), (xlsx_bytes(), XLSX),
    ("Name;E-Mail\nJürgen;j@example.de\n".encode(), CSV),
])
def test_types_are_sniffed_from_content(content, expected):
    assert sniff_content_type(upload("whatever.bin", content)) == expected


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,           # a Windows executable
    b"PK\x03\x04" + b"\x00" * 40,                            # a zip that is not a workbook
    b"<html><script>alert(1)</script></html>\x00",          # markup with a NUL byte
    b"\x7fELF\x02\x01\x01" + b"\x00" * 40,                   # a Linux executable
])
def test_other_content_is_refused_whatever_its_name(content):
    with pytest.raises(ValidationError) as error:
        check_upload(upload("invoice.pdf", content, "application/pdf"), allowed=ALL, max_bytes=10_000)
    assert error.value.code == "file_type"
    assert "invoice.pdf" in error.value.messages[0]


def test_size_limit_and_empty_files_get_clear_translated_errors():
    with translation.override("de"):
        with pytest.raises(ValidationError) as too_big:
            check_upload(upload("big.pdf", PDF_BYTES + b"0" * 3_000_000), allowed=ALL, max_bytes=1024 * 1024)
        with pytest.raises(ValidationError) as empty:
            check_upload(upload("empty.pdf", b""), allowed=ALL, max_bytes=1024)
    assert too_big.value.code == "file_too_large" and "big.pdf" in too_big.value.messages[0]
    assert empty.value.code == "empty_file"


def test_a_good_file_reports_type_size_hash_and_a_safe_name():
    checked = check_upload(upload("../../etc/Rechnung 1.pdf", PDF_BYTES), allowed=(PDF,), max_bytes=10_000)
    assert checked.content_type == PDF and checked.size == len(PDF_BYTES)
    assert len(checked.sha256) == 64
    assert checked.original_name == "Rechnung 1.pdf"


def test_allowed_types_are_honoured():
    with pytest.raises(ValidationError):
        check_upload(upload("list.csv", CSV_BYTES), allowed=(PDF, PNG), max_bytes=10_000)
