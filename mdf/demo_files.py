"""Small, valid proof-of-performance files for the MDF demo, made in code (no binary fixtures): a one-page
PDF with text, a PNG picture and a CSV attendee list. Each carries its own text, so no two files share a
hash unless the demo means them to (duplicate proof detection compares hashes across partners)."""

import struct
import unicodedata
import zlib

from mdf.models import EvidenceKind


def _ascii(text: str) -> str:
    """The standard PDF fonts speak Latin-1; fold accents and drop what cannot be shown."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(folded.split())


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing ``lines`` in Helvetica, with a correct cross-reference table."""
    escaped = [_ascii(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    stream = "BT /F1 12 Tf 56 780 Td 18 TL " + " ".join(f"({line}) Tj T*" for line in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(label: str, *, seed: int = 0, width: int = 120, height: int = 80) -> bytes:
    """An RGB PNG (a sky over a stage, colours from ``seed``) with ``label`` as its comment."""
    sky = ((40 + seed * 37) % 200, (90 + seed * 53) % 200, 200)
    stage = (230, (150 + seed * 29) % 220, 60)
    rows = []
    for y in range(height):
        colour = bytes(sky if y < height * 2 // 3 else stage)
        rows.append(b"\x00" + colour * width)
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"tEXt", b"Comment\x00" + _ascii(label).encode("latin-1"))
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def attendee_csv(*, event: str, count: int, domain: str) -> bytes:
    """Who attended ``event``: a header row, then one row per person (unique per event)."""
    given = ["Ada", "Ben", "Chiara", "Dev", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jun", "Kofi", "Lena"]
    family = ["Lopez", "Meyer", "Okafor", "Petit", "Quinn", "Rossi", "Sato", "Tanaka", "Ueda", "Vidal", "Weiss"]
    event = _ascii(event).replace(",", " ")
    lines = ["name,email,company,event"]
    for n in range(count):
        first, last = given[n % len(given)], family[(n * 7) % len(family)]
        lines.append(f"{first} {last},{first.lower()}.{last.lower()}{n}@{domain},Customer {n % 17 + 1},{event}")
    return ("\n".join(lines) + "\n").encode()


def proof_for(kind: str, *, partner_name: str, title: str, invoice: str, amount: str, seed: int) -> tuple[str, bytes]:
    """(file name, content) of one piece of evidence of ``kind`` for a demo claim."""
    if kind == EvidenceKind.ATTENDEE_LIST:
        return "attendees.csv", attendee_csv(event=f"{title} ({invoice})", count=12 + seed % 30,
                                             domain="attendees-demo.example")
    if kind in (EvidenceKind.PHOTO, EvidenceKind.SCREENSHOT):
        name = "event-photo.png" if kind == EvidenceKind.PHOTO else "campaign-screenshot.png"
        return name, png_bytes(f"{title} {invoice} {kind}", seed=seed)
    if kind == EvidenceKind.INVOICE:
        return f"invoice-{invoice}.pdf".replace("/", "-").replace(" ", "-"), pdf_bytes([
            "INVOICE", f"Invoice number: {invoice}", f"Billed to: {partner_name}", f"For: {title}",
            f"Total: {amount}", "Payment terms: 30 days net",
        ])
    heading = {EvidenceKind.REPORT: "Campaign report", EvidenceKind.RECORDING: "Agenda and recording link"}.get(
        kind, "Supporting document")
    return f"{kind}.pdf", pdf_bytes([heading, title, partner_name, f"Reference: {invoice}",
                                     "Impressions, clicks and leads as agreed in the pre-approval."])
