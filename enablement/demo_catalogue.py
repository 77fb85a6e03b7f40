"""Writes the demo catalogue (enablement/demo_data/): courses with lessons and quizzes, learning paths,
certifications and the asset library. Files (a lesson's cheat sheet, the assets' PDFs) are made in code, checked
by content like an upload and stored in private storage under our own names.

Idempotent: items are matched by code (assets by title and language); an existing item is kept as it is, operators'
edits included. ``ensure_courses()`` is also called by generate_dataset: one INSERT per table the first time, three
queries once the catalogue exists.
"""

import secrets
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from prm.common.uploads import PDF, PNG, check_upload

from .demo_data import ASSETS, CERTIFICATIONS, COURSES, PATHS, translations
from .models import Asset, Certification, Choice, Course, LearningPath, Lesson, PathCourse, Question, Quiz

MAX_FILE_BYTES = 5 * 1024 * 1024
PASS_MARK_PERCENT = 80
MAX_ATTEMPTS = 3


@dataclass
class Catalogue:
    courses: dict[str, Course]
    paths: dict[str, LearningPath]
    certifications: dict[str, Certification]


def _ascii(text: str) -> str:
    """The standard PDF fonts speak Latin-1; fold accents and drop what cannot be shown."""
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().split())


def pdf_bytes(lines) -> bytes:
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


def png_bytes(*, seed: int, width: int = 96, height: int = 48) -> bytes:
    """A small RGB PNG logo: two colour bands chosen by ``seed``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    top, bottom = ((30 + seed * 47) % 200, (60 + seed * 31) % 200, 160), (240, (120 + seed * 53) % 220, 40)
    rows = b"".join(b"\x00" + bytes(top if y < height // 2 else bottom) * width for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _store_pdf(field_file, *, name: str, lines, prefix: str) -> tuple[str, str]:
    """Save a generated PDF through the FileField, checked by content like an upload. (file name, content type)"""
    upload = ContentFile(pdf_bytes(lines), name=name)
    checked = check_upload(upload, allowed=(PDF,), max_bytes=MAX_FILE_BYTES)
    field_file.save(f"{prefix}-{secrets.token_hex(8)}.pdf", upload, save=False)
    return checked.original_name, checked.content_type


def _create_courses(specs) -> dict[str, Course]:
    """The courses with their lessons, quizzes, questions and answers: one INSERT per table (generate_dataset
    counts its statements)."""
    courses = Course.objects.bulk_create([
        Course(code=spec.code, title=spec.title.en, summary=spec.summary.en,
               translations=translations(title=spec.title, summary=spec.summary), estimated_minutes=spec.minutes,
               is_published=True, partner_types=list(spec.partner_types), roles=list(spec.roles))
        for spec in specs])
    lessons = []
    for spec, course in zip(specs, courses, strict=True):
        for order, item in enumerate(spec.lessons):
            lesson = Lesson(course=course, order=order, kind=item.kind, title=item.title.en, body=item.body.en,
                            translations=translations(title=item.title, body=item.body), video_url=item.video_url,
                            estimated_minutes=item.minutes)
            if item.pdf:
                name, lines = item.pdf
                lesson.file_name, lesson.file_type = _store_pdf(lesson.file, name=name, lines=lines, prefix=spec.code)
            lessons.append(lesson)
    Lesson.objects.bulk_create(lessons)
    with_quiz = [(spec, course) for spec, course in zip(specs, courses, strict=True) if spec.questions]
    quizzes = Quiz.objects.bulk_create([Quiz(course=course, pass_mark_percent=PASS_MARK_PERCENT,
                                             max_attempts=MAX_ATTEMPTS) for _spec, course in with_quiz])
    asked = [(item, quiz, order) for (spec, _course), quiz in zip(with_quiz, quizzes, strict=True)
             for order, item in enumerate(spec.questions)]
    questions = Question.objects.bulk_create([
        Question(quiz=quiz, order=order, text=item.text.en, translations=translations(text=item.text),
                 multiple=item.multiple) for item, quiz, order in asked])
    Choice.objects.bulk_create([
        Choice(question=question, order=n, text=text.en, translations=translations(text=text), is_correct=right)
        for (item, _quiz, _order), question in zip(asked, questions, strict=True)
        for n, (text, right) in enumerate(item.choices)])
    return {course.code: course for course in courses}


@transaction.atomic
def ensure_courses() -> Catalogue:
    """The demo courses (with lessons and quizzes), paths and certifications, created when missing. Three queries
    when they exist; a dozen statements when they do not."""
    courses = {c.code: c for c in Course.objects.filter(code__in=[s.code for s in COURSES])}
    courses.update(_create_courses([spec for spec in COURSES if spec.code not in courses]))
    paths = {p.code: p for p in LearningPath.objects.filter(code__in=[s.code for s in PATHS])}
    new_paths = [spec for spec in PATHS if spec.code not in paths and all(c in courses for c in spec.courses)]
    created = LearningPath.objects.bulk_create([
        LearningPath(code=spec.code, title=spec.title.en, summary=spec.summary.en,
                     translations=translations(title=spec.title, summary=spec.summary), is_published=True,
                     partner_types=list(spec.partner_types), roles=list(spec.roles)) for spec in new_paths])
    PathCourse.objects.bulk_create([PathCourse(path=path, course=courses[code], order=n)
                                    for spec, path in zip(new_paths, created, strict=True)
                                    for n, code in enumerate(spec.courses)])
    paths.update({path.code: path for path in created})
    certifications = {c.code: c for c in Certification.objects.filter(code__in=[s.code for s in CERTIFICATIONS])}
    new_certifications = [spec for spec in CERTIFICATIONS
                          if spec.code not in certifications and all(c in courses for c in spec.courses)]
    created = Certification.objects.bulk_create([
        Certification(code=spec.code, name=spec.name.en, description=spec.description.en,
                      translations=translations(name=spec.name, description=spec.description),
                      validity_months=spec.months,
                      renewal_course=courses.get(spec.renewal_course) if spec.renewal_course else None)
        for spec in new_certifications])
    Certification.courses.through.objects.bulk_create([
        Certification.courses.through(certification_id=certification.pk, course_id=courses[code].pk)
        for spec, certification in zip(new_certifications, created, strict=True) for code in spec.courses])
    certifications.update({c.code: c for c in created})
    return Catalogue(courses=courses, paths=paths, certifications=certifications)


@transaction.atomic
def ensure_assets() -> list[Asset]:
    """The demo asset library, created when missing (matched by title and language)."""
    found = {(a.title, a.language): a for a in Asset.objects.filter(title__in=[s.title for s in ASSETS])}
    for number, spec in enumerate(ASSETS):
        if (spec.title, spec.language) in found:
            continue
        asset = Asset(title=spec.title, language=spec.language, description=spec.description, tags=list(spec.tags),
                      kind=Asset.Kind.FILE if spec.pdf else Asset.Kind.LINK, url=spec.url,
                      co_brandable=bool(spec.one_pager), one_pager_body=spec.one_pager, is_published=spec.published,
                      partner_types=list(spec.partner_types), roles=list(spec.roles))
        if spec.pdf:
            name, lines = spec.pdf
            asset.file_name, asset.file_type = _store_pdf(asset.file, name=name, lines=lines, prefix=f"asset-{number}")
        asset.save()
        found[(spec.title, spec.language)] = asset
    return list(found.values())


def logo_upload(*, seed: int):
    """A generated PNG logo as an upload, for the co-branding service (which checks it by content)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = png_bytes(seed=seed)
    check_upload(ContentFile(content, name="logo.png"), allowed=(PNG,), max_bytes=MAX_FILE_BYTES)
    return SimpleUploadedFile("logo.png", content, content_type=PNG)
