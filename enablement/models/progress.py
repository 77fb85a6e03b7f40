"""A person's learning, owned by their partner: path assignments, course enrollments, lesson progress,
quiz attempts and certification awards (with the verification code their certificate carries)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager


class PathAssignment(PartnerOwned):
    """A learning path given to a person by a partner admin or a channel manager (or chosen by the person)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="path_assignments",
                             verbose_name=_("person"))
    path = models.ForeignKey("enablement.LearningPath", on_delete=models.PROTECT, related_name="assignments",
                             verbose_name=_("learning path"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    due_on = models.DateField(_("due"), null=True, blank=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("path assignment")
        verbose_name_plural = _("path assignments")
        constraints = [models.UniqueConstraint(fields=["partner", "user", "path"], name="path_assignment_unique")]


class Enrollment(PartnerOwned):
    """A person on a course. Completed by finishing its lessons and passing its quiz, or by an imported
    completion from an external learning system (``external_id`` makes the import idempotent)."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNED = "assigned", _("Assigned")
        IMPORTED = "imported", _("Imported from an external learning system")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments",
                             verbose_name=_("person"))
    course = models.ForeignKey("enablement.Course", on_delete=models.PROTECT, related_name="enrollments",
                               verbose_name=_("course"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.SELF)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ENROLLED,
                              db_index=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    enrolled_at = models.DateTimeField(_("enrolled"))
    last_activity_at = models.DateTimeField(_("last activity"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    external_id = models.CharField(_("external completion id"), max_length=100, blank=True, default="")

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "user", "course"], name="enrollment_unique_person_course"),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="enrollment_unique_external_id"),
        ]
        indexes = [models.Index(fields=["status", "last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.course_id}"

    def get_absolute_url(self) -> str:
        return reverse("enablement:course_detail", args=[self.course.code])


class LessonProgress(PartnerOwned):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lessons_done",
                                   verbose_name=_("enrollment"))
    lesson = models.ForeignKey("enablement.Lesson", on_delete=models.CASCADE, related_name="+", verbose_name=_("lesson"))
    completed_at = models.DateTimeField(_("completed"))

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("lesson completed")
        verbose_name_plural = _("lessons completed")
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="lesson_progress_unique")]


class QuizAttempt(PartnerOwned):
    """One try at a quiz. Graded on the server when submitted; a submitted attempt is final."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attempts",
                                   verbose_name=_("enrollment"))
    quiz = models.ForeignKey("enablement.Quiz", on_delete=models.PROTECT, related_name="+", verbose_name=_("quiz"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["enrollment", "number"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "number"], name="quiz_attempt_unique_number")]


def new_verification_code() -> str:
    # 16 characters from an alphabet without look-alikes: typed from a printed certificate.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class CertificationAwardQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(revoked_at__isnull=True, expires_on__gte=day)


class CertificationAward(PartnerOwned):
    """A person's certification: valid from ``awarded_on`` until ``expires_on`` (renewals move it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications",
                             verbose_name=_("person"))
    certification = models.ForeignKey("enablement.Certification", on_delete=models.PROTECT, related_name="awards",
                                      verbose_name=_("certification"))
    awarded_on = models.DateField(_("awarded"))
    renewed_on = models.DateField(_("last renewed"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), db_index=True)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True,
                                         default=new_verification_code, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The certificate PDF, rendered by a worker (enablement.render_certificate) for the current validity.
    certificate_pdf = models.FileField(_("certificate"), upload_to="enablement/certificates/", blank=True,
                                       max_length=255, editable=False)
    certificate_rendered_for = models.DateField(null=True, blank=True, editable=False)

    objects = PartnerScopedManager(CertificationAwardQuerySet)

    class Meta:
        verbose_name = _("certification award")
        verbose_name_plural = _("certification awards")
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "user", "certification"], name="award_unique_person_certification"),
        ]

    def __str__(self) -> str:
        return f"{self.certification} · {self.user_id}"
