"""The learning catalogue in the admin (operators manage it; channel managers may read it): courses with their
lessons, quizzes with questions and answers (checked: at least two answers, at least one right, exactly one
for a single-answer question), learning paths with their ordered courses, certifications."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enablement.models import (
    Certification,
    CertificationAward,
    Choice,
    Course,
    LearningPath,
    Lesson,
    PathCourse,
    Question,
    Quiz,
)
from prm.tenancy.admin import OperatorOnlyMixin

from .base import CheckedFileFormMixin, TargetingFormMixin, TranslationsFormMixin


def _languages(obj) -> str:
    return ", ".join(["en", *sorted((obj.translations or {}).keys())])


# --- courses and lessons ----------------------------------------------------------------------------------------


class LessonForm(CheckedFileFormMixin, TranslationsFormMixin, forms.ModelForm):
    translated_texts = ("title", "body")

    class Meta:
        model = Lesson
        fields = ["order", "kind", "title", "body", "video_url", "file", "estimated_minutes", "translations"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Lesson.Kind.VIDEO and not data.get("video_url"):
            self.add_error("video_url", _("A video lesson needs its video link."))
        if kind == Lesson.Kind.FILE and "file" not in self.errors and not self.has_file():
            self.add_error("file", _("A download lesson needs its file (PDF, PNG, JPEG, CSV or XLSX, at most 50 MB)."))
        return data


class LessonInline(admin.StackedInline):
    model = Lesson
    form = LessonForm
    extra = 0
    ordering = ("order", "id")
    readonly_fields = ("file_name", "file_type")
    fields = ("order", "kind", "title", "body", "video_url", "file", "file_name", "file_type", "estimated_minutes",
              "translations")


class CourseForm(TranslationsFormMixin, TargetingFormMixin, forms.ModelForm):
    translated_texts = ("title", "summary")

    class Meta:
        model = Course
        fields = ["code", "title", "summary", "estimated_minutes", "is_published", "is_external", "partner_types",
                  "roles", "translations"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseForm
    list_display = ("code", "title", "is_published", "is_external", "estimated_minutes", "lesson_count", "languages",
                    "updated_at")
    list_filter = ("is_published", "is_external")
    search_fields = ("code", "title")
    prepopulated_fields = {"code": ("title",)}
    inlines = [LessonInline]
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("code", "title", "summary", "estimated_minutes", "is_published", "is_external")}),
        (_("Who it is for"), {"fields": ("partner_types", "roles")}),
        (_("Other languages"), {"fields": ("translations",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lessons_total=Count("lessons"))

    @admin.display(description=_("lessons"), ordering="lessons_total")
    def lesson_count(self, obj):
        return obj.lessons_total

    @admin.display(description=_("languages"))
    def languages(self, obj):
        return _languages(obj)


# --- quizzes ---------------------------------------------------------------------------------------------------


def question_problems(question: Question, choices: list[tuple[bool, bool]] | None = None) -> list[str]:
    """What is wrong with a question's answers (translated). ``choices``: (kept, correct) per answer; the saved
    answers when not given."""
    if choices is None:
        choices = [(True, c.is_correct) for c in question.choices.all()]
    kept = [correct for keep, correct in choices if keep]
    problems = []
    if len(kept) < 2:
        problems.append(gettext("A question needs at least two answers."))
    correct = sum(kept)
    if correct == 0:
        problems.append(gettext("Mark at least one answer as correct."))
    elif correct > 1 and not question.multiple:
        problems.append(gettext("A single-answer question needs exactly one correct answer; tick “several answers "
                                "are right” to allow more."))
    return problems


class ChoiceForm(TranslationsFormMixin, forms.ModelForm):
    translated_texts = ("text",)

    class Meta:
        model = Choice
        fields = ["order", "text", "is_correct", "translations"]


class ChoiceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        choices = [(not self._should_delete_form(form), bool(form.cleaned_data.get("is_correct")))
                   for form in self.forms if form.cleaned_data and (form.instance.pk or form.has_changed())]
        problems = question_problems(self.instance, choices)
        if problems:
            raise ValidationError(problems)


class ChoiceInline(admin.TabularInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceFormSet
    extra = 0
    min_num = 2
    ordering = ("order", "id")


class QuestionForm(TranslationsFormMixin, forms.ModelForm):
    translated_texts = ("text",)

    class Meta:
        model = Question
        fields = ["quiz", "order", "text", "multiple", "translations"]


@admin.register(Question)
class QuestionAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = ("text_short", "quiz", "order", "multiple", "answer_count")
    list_filter = ("multiple",)
    list_select_related = ("quiz__course",)
    search_fields = ("text", "quiz__course__code", "quiz__course__title")
    inlines = [ChoiceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answers=Count("choices"))

    @admin.display(description=_("question"))
    def text_short(self, obj):
        return str(obj)

    @admin.display(description=_("answers"), ordering="answers")
    def answer_count(self, obj):
        return obj.answers


class QuestionInline(admin.TabularInline):
    """Questions on the quiz page; their answers are edited on the question's own page (the link)."""

    model = Question
    form = QuestionForm
    fields = ("order", "text", "multiple", "answers_check")
    readonly_fields = ("answers_check",)
    extra = 0
    show_change_link = True
    ordering = ("order", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    @admin.display(description=_("answers"))
    def answers_check(self, obj):
        if obj is None or obj.pk is None:
            return gettext("Save, then add the answers on the question's page.")
        problems = question_problems(obj)
        return " ".join(problems) if problems else gettext("%(count)d answers, ready.") % {
            "count": len(obj.choices.all())}


class QuizForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = ["course", "pass_mark_percent", "max_attempts"]


@admin.register(Quiz)
class QuizAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = QuizForm
    list_display = ("course", "pass_mark_percent", "max_attempts", "question_count")
    list_select_related = ("course",)
    search_fields = ("course__code", "course__title")
    inlines = [QuestionInline]
    readonly_fields = ("checks",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(questions_total=Count("questions"))

    @admin.display(description=_("questions"), ordering="questions_total")
    def question_count(self, obj):
        return obj.questions_total

    @admin.display(description=_("checks"))
    def checks(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        problems = [(f"{q.order}. {q}", " ".join(question_problems(q)))
                    for q in obj.questions.prefetch_related("choices")]
        problems = [p for p in problems if p[1]]
        if not obj.questions.exists():
            return gettext("The quiz has no questions yet.")
        if not problems:
            return gettext("Every question has its answers.")
        return format_html_join("", "<p><strong>{}</strong>: {}</p>", problems)


# --- learning paths and certifications --------------------------------------------------------------------------


class PathCourseInline(admin.TabularInline):
    model = PathCourse
    fields = ("order", "course")
    extra = 0
    ordering = ("order", "id")


class LearningPathForm(TranslationsFormMixin, TargetingFormMixin, forms.ModelForm):
    translated_texts = ("title", "summary")

    class Meta:
        model = LearningPath
        fields = ["code", "title", "summary", "partner_types", "roles", "is_published", "translations"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    form = LearningPathForm
    list_display = ("code", "title", "is_published", "course_count", "languages")
    list_filter = ("is_published",)
    search_fields = ("code", "title")
    prepopulated_fields = {"code": ("title",)}
    inlines = [PathCourseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(steps_total=Count("steps"))

    @admin.display(description=_("courses"), ordering="steps_total")
    def course_count(self, obj):
        return obj.steps_total

    @admin.display(description=_("languages"))
    def languages(self, obj):
        return _languages(obj)


class CertificationForm(TranslationsFormMixin, forms.ModelForm):
    translated_texts = ("name", "description")

    class Meta:
        model = Certification
        fields = ["code", "name", "description", "courses", "renewal_course", "validity_months", "is_active",
                  "translations"]
        error_messages = {
            "courses": {"required": _("Choose the courses a person completes to earn the certification.")}}


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    form = CertificationForm
    list_display = ("name", "code", "validity_months", "is_active", "course_count", "active_holders")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    prepopulated_fields = {"code": ("name",)}
    filter_horizontal = ("courses",)
    list_select_related = ("renewal_course",)

    def get_queryset(self, request):
        # Holders through the award's own (scoped) manager: a channel manager counts their regions only.
        holders = (CertificationAward.objects.active_on(timezone.localdate())
                   .filter(certification_id=OuterRef("pk")).order_by().values("certification_id")
                   .annotate(n=Count("id")).values("n"))
        return super().get_queryset(request).annotate(
            courses_total=Count("courses", distinct=True),
            holders=Coalesce(Subquery(holders[:1], output_field=IntegerField()), Value(0)))

    @admin.display(description=_("required courses"), ordering="courses_total")
    def course_count(self, obj):
        return obj.courses_total

    @admin.display(description=_("valid holders"), ordering="holders")
    def active_holders(self, obj):
        return obj.holders
