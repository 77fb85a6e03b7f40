"""The learning catalogue operators manage: courses and lessons, learning paths, quizzes and certifications.

Texts are English in their own fields, with other languages in ``translations``
(``{"de": {"title": ..., "summary": ...}}``); ``localized()`` picks the reader's language and says
when it fell back, so a page can show "(English)" next to a missing translation.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from partners.models import Membership, PartnerOrganization


@dataclass(frozen=True)
class Localized:
    text: str
    language: str      # the language the text is in
    fallback: bool     # True when the reader's language was missing


def localized(obj, field: str, language: str | None = None) -> Localized:
    """``obj.<field>`` in ``language`` (default: the active one), else English, saying which it is."""
    language = (language or translation.get_language() or "en").split("-")[0]
    if language != "en":
        text = ((obj.translations or {}).get(language) or {}).get(field, "")
        if text:
            return Localized(text, language, False)
    return Localized(getattr(obj, field) or "", "en", language != "en")


def validate_translations(value) -> None:
    from django.core.exceptions import ValidationError

    languages = {code for code, _name in settings.LANGUAGES} - {"en"}
    if not isinstance(value, dict) or any(key not in languages or not isinstance(texts, dict)
                                          for key, texts in value.items()):
        raise ValidationError(_("Give translations as {\"de\": {\"title\": \"...\"}, ...} for de, fr, es or ja."))


def validate_partner_types(value) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(v not in PartnerOrganization.PartnerType.values for v in value):
        raise ValidationError(_("Choose partner types from the list."))


def validate_roles(value) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(v not in Membership.Role.values for v in value):
        raise ValidationError(_("Choose roles from the list."))


class Targeted(models.Model):
    """Who an item is for: empty lists mean everyone."""

    partner_types = models.JSONField(_("partner types"), default=list, blank=True, validators=[validate_partner_types],
                                     help_text=_("Empty: every partner type."))
    roles = models.JSONField(_("roles"), default=list, blank=True, validators=[validate_roles],
                             help_text=_("Empty: every role."))

    class Meta:
        abstract = True

    def targets(self, *, partner_type: str, role: str) -> bool:
        """For this partner type and role? (The catalogue is small: selectors filter in Python, on both databases.)"""
        return (not self.partner_types or partner_type in self.partner_types) and (not self.roles or role in self.roles)


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Course(Targeted):
    code = models.SlugField(_("code"), max_length=50, unique=True,
                            help_text=_("The code external learning systems use in their completion exports."))
    title = models.CharField(_("title (English)"), max_length=200)
    summary = models.TextField(_("summary (English)"), blank=True)
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=30)
    is_published = models.BooleanField(_("published"), default=False)
    is_external = models.BooleanField(_("taken in an external learning system"), default=False,
                                      help_text=_("Completions arrive by import; the portal shows no lessons."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("enablement:course_detail", args=[self.code])


class Lesson(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        VIDEO = "video", _("Video")
        FILE = "file", _("Download")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    title = models.CharField(_("title (English)"), max_length=200)
    body = models.TextField(_("content (English)"), blank=True)
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    video_url = models.URLField(_("video link"), blank=True)
    # Private storage; served by a view that checks the reader may take the course. Checked by content.
    file = models.FileField(_("file"), upload_to="enablement/lessons/", blank=True, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_type = models.CharField(_("content type"), max_length=100, blank=True, editable=False)
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=10)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "order"], name="lesson_unique_course_order")]

    def __str__(self) -> str:
        return self.title


class LearningPath(Targeted):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title (English)"), max_length=200)
    summary = models.TextField(_("summary (English)"), blank=True)
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    courses = models.ManyToManyField(Course, through="PathCourse", related_name="paths", verbose_name=_("courses"))
    is_published = models.BooleanField(_("published"), default=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PathCourse(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps", verbose_name=_("path"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+", verbose_name=_("course"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("course in a path")
        verbose_name_plural = _("courses in the path")
        ordering = ["path", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["path", "course"], name="path_course_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.course_id}"


class Quiz(models.Model):
    """A course's multiple-choice assessment: passing it (and finishing the lessons) completes the course."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="quiz", verbose_name=_("course"))
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return str(self.course)


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("question (English)"))
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    multiple = models.BooleanField(_("several answers are right"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["quiz", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("answer (English)"), max_length=500)
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Certification(models.Model):
    """Awarded to a person who completed every required course; valid for ``validity_months``.

    Renewal: completing the renewal course (or all required courses again) after the award extends it
    from the later of today and the current expiry."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description (English)"), blank=True)
    translations = models.JSONField(_("other languages"), default=dict, blank=True, validators=[validate_translations])
    courses = models.ManyToManyField(Course, related_name="certifications", verbose_name=_("required courses"))
    renewal_course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                       verbose_name=_("renewal course"))
    validity_months = models.PositiveSmallIntegerField(_("valid for (months)"), default=24,
                                                       validators=[MinValueValidator(1), MaxValueValidator(120)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
