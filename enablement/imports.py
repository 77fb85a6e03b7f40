"""External LMS completions: read a completion export (CSV) or the staff API's rows, check every row, write the
valid ones set-based. One core for the admin's import job (enablement/services/imports.py) and the API
(enablement/api_imports.py), so both accept, refuse and record exactly the same.

A row's person decides its partner (their active membership), so lookups and writes span partners: this module
holds the allow-listed unscoped queries. A caller scoped to regions passes ``partner_ids`` and rows of people
outside them are refused like unknown people (nothing about other regions is revealed). Per chunk of rows: one
lookup per kind (people, memberships, completion ids, enrollments), one bulk insert and one bulk update, then
``certifications_evaluate`` once per (partner, person) whose new completion counts for a certification.
Idempotent by completion id (``Enrollment.external_id``): importing a file again records nothing new.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enablement.models import Certification, CertificationAward, Course, Enrollment
from partners.models import Membership, PartnerOrganization
from prm.tenancy.scoping import partner_scope, unscoped

from .import_cells import (
    COLUMNS,
    EXTERNAL_ID_MAX,
    REQUIRED,
    RowError,
    canonical_row,
    parse_completed_at,
    parse_score,
    read_csv,
    template_csv,
    text_cell,
)

CHUNK = 5000
MAX_STORED_ERRORS = 1000
PREVIEW_ROWS = 20
CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"

RESULT_LABELS = {
    CREATED: gettext_lazy("New completion"),
    UPDATED: gettext_lazy("Newer completion of a course already on record"),
    UNCHANGED: gettext_lazy("Already recorded"),
}
WRITTEN_FIELDS = ["status", "completed_at", "score_percent", "source", "external_id", "last_activity_at"]

Progress = Callable[[int, int], None]  # (rows done, rows in total)


# --- results -----------------------------------------------------------------------------------------------------


@dataclass
class Completion:
    """A valid row, resolved to ids; ``result`` says what writing it does (or did)."""

    row: int
    external_id: str
    email: str
    course_code: str
    completed_at: datetime
    score: Decimal | None
    partner_hint: int | None = None
    user_id: int = 0
    partner_id: int = 0
    course_id: int = 0
    result: str = ""


@dataclass
class Summary:
    total: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    awards: int = 0
    errors: list[dict] = field(default_factory=list)  # the first MAX_STORED_ERRORS problems
    preview: list[dict] = field(default_factory=list)
    header_error: bool = False

    @property
    def recorded(self) -> int:
        return self.created + self.updated

    def add(self, completions: list[Completion], errors: list[RowError]) -> None:
        self.valid += len(completions)
        for completion in completions:
            setattr(self, completion.result, getattr(self, completion.result) + 1)
            if len(self.preview) < PREVIEW_ROWS:
                self.preview.append({
                    "row": completion.row, "email": completion.email, "course": completion.course_code,
                    "partner": completion.partner_id, "completed_at": completion.completed_at.isoformat(),
                    "score": "" if completion.score is None else str(completion.score),
                    "external_id": completion.external_id, "result": str(RESULT_LABELS[completion.result]),
                })
        self.error_rows += len({e.row for e in errors})
        room = MAX_STORED_ERRORS - len(self.errors)
        self.errors.extend(e.as_dict() for e in errors[:max(room, 0)])

    def name_partners(self) -> None:
        """The preview shows partner names (one query)."""
        ids = {row["partner"] for row in self.preview}
        names = dict(PartnerOrganization.objects.filter(pk__in=ids).values_list("pk", "name"))
        for row in self.preview:
            row["partner"] = names.get(row["partner"], row["partner"])


def _in_chunks(values, size: int | None = None) -> Iterator[list]:
    values = list(values)
    size = size or (10000 if connection.vendor == "postgresql" else 900)  # SQLite's bound-parameter limit
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- the importer ------------------------------------------------------------------------------------------------


class CompletionImporter:
    """Checks and writes rows chunk by chunk, remembering across chunks the completion ids seen (a duplicate in
    a later chunk is caught) and, in a dry run, what earlier chunks would have written."""

    def __init__(self, *, partner_ids: Iterable[int] | None = None, now: datetime | None = None):
        self.partner_ids = None if partner_ids is None else set(partner_ids)
        self.now = now or timezone.now()
        self.seen: dict[str, int] = {}
        self.courses: dict[str, int] = {}
        for code, pk in Course.objects.values_list("code", "pk"):
            self.courses[code] = pk
            self.courses.setdefault(code.lower(), pk)
        # Active certifications: (required courses, renewal course) each; two queries per import.
        self.certifications: dict[int, tuple[frozenset[int], int | None]] = {}
        required: dict[int, set[int]] = {}
        through = Certification.courses.through
        for certification_id, course_id in through.objects.filter(certification__is_active=True).values_list(
                "certification_id", "course_id"):
            required.setdefault(certification_id, set()).add(course_id)
        for pk, renewal in Certification.objects.filter(is_active=True).values_list("pk", "renewal_course_id"):
            if required.get(pk):
                self.certifications[pk] = (frozenset(required[pk]), renewal)
        self.certified_courses = {c for courses, renewal in self.certifications.values() for c in [*courses, renewal]
                                  if c is not None}
        self.loaded_certifications: list[Certification] | None = None
        self.virtual: dict[tuple, Enrollment] = {}  # dry run: enrollments earlier chunks would have written

    # checking

    def _parse(self, number: int, data: dict, errors: list[RowError]) -> Completion | None:
        values, problems = {}, []
        for name in ("email", "course_code", "completed_at", "score", "external_id", "partner_id"):
            try:
                values[name] = text_cell(data.get(name))
            except ValueError as error:
                values[name] = ""
                problems.append(RowError(number, name, "invalid", str(error)))
        for name in REQUIRED:
            if not values[name] and not any(p.field == name for p in problems):
                problems.append(RowError(number, name, "required", _("This value is required.")))
        external_id = values["external_id"]
        if len(external_id) > EXTERNAL_ID_MAX:
            problems.append(RowError(number, "external_id", "too_long",
                                     _("A completion id has at most %(n)d characters.") % {"n": EXTERNAL_ID_MAX}))
        elif external_id in self.seen:
            problems.append(RowError(number, "external_id", "duplicate", _(
                "This completion id appears more than once in the file (first in row %(row)s).")
                % {"row": self.seen[external_id]}))
        elif external_id:
            self.seen[external_id] = number
        completed_at = score = hint = None
        if values["completed_at"]:
            try:
                completed_at = parse_completed_at(values["completed_at"], now=self.now)
            except ValueError as error:
                problems.append(RowError(number, "completed_at", "invalid_date", str(error)))
        try:
            score = parse_score(values["score"])
        except ValueError as error:
            problems.append(RowError(number, "score", "invalid_score", str(error)))
        if values["partner_id"]:
            if values["partner_id"].isdigit():
                hint = int(values["partner_id"])
            else:
                problems.append(RowError(number, "partner_id", "invalid", _("A partner id is a number.")))
        if values["course_code"] and not self._course(values["course_code"]):
            problems.append(RowError(number, "course_code", "unknown_course", _(
                "No course has the code “%(code)s”.") % {"code": values["course_code"][:60]}))
        if problems:
            errors.extend(problems)
            return None
        return Completion(row=number, external_id=external_id, email=values["email"].lower(),
                          course_code=values["course_code"], completed_at=completed_at, score=score,
                          partner_hint=hint, course_id=self._course(values["course_code"]))

    def _course(self, code: str) -> int | None:
        return self.courses.get(code) or self.courses.get(code.lower())

    def check(self, rows: list[tuple[int, dict]]) -> tuple[list[Completion], list[RowError]]:
        """Every row's problems, and the valid rows resolved to person, partner and course. Writes nothing."""
        errors: list[RowError] = []
        parsed = [c for c in (self._parse(number, data, errors) for number, data in rows) if c is not None]
        users: dict[str, int] = {}
        for emails in _in_chunks({c.email for c in parsed}):
            users.update(get_user_model().objects.filter(email__in=emails).values_list("email", "pk"))
        memberships: dict[int, list[int]] = {}
        known: dict[str, tuple[int, int]] = {}
        with unscoped():  # a row's person decides its partner: memberships and completion ids of every partner
            for user_ids in _in_chunks(set(users.values())):
                for user_id, partner_id in (Membership.objects.filter(
                        user_id__in=user_ids, is_active=True, partner__status__in=PartnerOrganization.PORTAL_STATUSES)
                        .values_list("user_id", "partner_id")):
                    memberships.setdefault(user_id, []).append(partner_id)
            for ids in _in_chunks({c.external_id for c in parsed}):
                known.update((ext, (user_id, course_id)) for ext, user_id, course_id in Enrollment.objects.filter(
                    external_id__in=ids).values_list("external_id", "user_id", "course_id"))
        valid = []
        for completion in parsed:
            completion.user_id = users.get(completion.email, 0)
            problem = self._resolve_partner(completion, sorted(memberships.get(completion.user_id, [])))
            if problem is None and completion.external_id in known:
                if known[completion.external_id] != (completion.user_id, completion.course_id):
                    problem = ("external_id", "external_id_taken",
                               _("This completion id was already imported for another person or course."))
                else:
                    completion.result = UNCHANGED
            if problem is not None:
                errors.append(RowError(completion.row, *problem))
            else:
                valid.append(completion)
        errors.sort(key=lambda e: e.row)
        return valid, errors

    def _resolve_partner(self, completion: Completion, partners: list[int]) -> tuple[str, str, str] | None:
        scoped = self.partner_ids is not None
        if scoped:
            partners = [p for p in partners if p in self.partner_ids]
        if not partners:
            if scoped:  # unknown, not a member, or a member elsewhere: the same answer outside one's regions
                return ("email", "unknown_person",
                        _("No active member of a partner in your regions has this e-mail address."))
            if not completion.user_id:
                return "email", "unknown_person", _("No user has this e-mail address.")
            return "email", "not_member", _("This person is not an active member of any partner.")
        if completion.partner_hint is not None:
            if completion.partner_hint not in partners:
                return ("partner_id", "not_member",
                        _("This person is not an active member of the partner with id %(id)s.")
                        % {"id": completion.partner_hint})
            partners = [completion.partner_hint]
        if len(partners) > 1:
            return ("email", "ambiguous_partner",
                    _("This person is an active member of several partners: add a partner_id column to say which."))
        completion.partner_id = partners[0]
        return None

    # planning and writing

    def _plan(self, completions: list[Completion]) -> tuple[list[Enrollment], dict[int, Enrollment]]:
        """Decide each completion's result against the enrollments on record (and, in a dry run, those earlier
        chunks would have written). New enrollments and changed ones are returned, not saved."""
        pending = [c for c in completions if c.result != UNCHANGED]
        course_ids = sorted({c.course_id for c in pending})
        state: dict[tuple, Enrollment] = {}
        for user_ids in _in_chunks({c.user_id for c in pending}):
            for enrollment in Enrollment.objects.filter(user_id__in=user_ids, course_id__in=course_ids).only(
                    "id", "partner_id", "user_id", "course_id", "status", "completed_at", "score_percent", "source",
                    "external_id", "last_activity_at"):
                state[(enrollment.partner_id, enrollment.user_id, enrollment.course_id)] = enrollment
        for c in pending:
            key = (c.partner_id, c.user_id, c.course_id)
            if key in self.virtual:
                state[key] = self.virtual[key]
        new: list[Enrollment] = []
        changed: dict[int, Enrollment] = {}
        for c in pending:
            key = (c.partner_id, c.user_id, c.course_id)
            enrollment = state.get(key)
            if enrollment is None:
                state[key] = enrollment = Enrollment(
                    partner_id=c.partner_id, user_id=c.user_id, course_id=c.course_id,
                    source=Enrollment.Source.IMPORTED, status=Enrollment.Status.COMPLETED, enrolled_at=c.completed_at,
                    last_activity_at=c.completed_at, completed_at=c.completed_at, score_percent=c.score,
                    external_id=c.external_id)
                new.append(enrollment)
                c.result = CREATED
                continue
            done = enrollment.status == Enrollment.Status.COMPLETED and enrollment.completed_at is not None
            if done and c.completed_at <= enrollment.completed_at:
                c.result = UNCHANGED  # the completion on record is as recent: the first one counts
                continue
            enrollment.status = Enrollment.Status.COMPLETED
            enrollment.completed_at = c.completed_at
            enrollment.score_percent = c.score if c.score is not None else enrollment.score_percent
            enrollment.source = Enrollment.Source.IMPORTED
            enrollment.external_id = c.external_id
            enrollment.last_activity_at = max(enrollment.last_activity_at or c.completed_at, c.completed_at)
            if enrollment.pk:
                changed[enrollment.pk] = enrollment
            c.result = UPDATED
        return new, changed

    def predict(self, completions: list[Completion]) -> None:
        """A dry run: each completion's result as if written, nothing written."""
        with unscoped():
            new, changed = self._plan(completions)
        for enrollment in [*new, *changed.values()]:
            self.virtual[(enrollment.partner_id, enrollment.user_id, enrollment.course_id)] = enrollment

    def write(self, completions: list[Completion]) -> int:
        """Write one chunk in one transaction, then award or renew certifications once per (partner, person) it
        completed a certification's course for. Retried once on a unique conflict (someone completed the same
        course meanwhile). Returns the certifications awarded or renewed."""
        decided = [c.result for c in completions]
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    with unscoped():  # enrollments of many partners, written by staff
                        new, changed = self._plan(completions)
                        Enrollment.objects.bulk_create(new, batch_size=1000)
                        if changed:
                            Enrollment.objects.bulk_update(list(changed.values()), WRITTEN_FIELDS, batch_size=500)
                    return self._evaluate(completions)
            except IntegrityError:
                if attempt == 2:
                    raise
                for completion, result in zip(completions, decided, strict=True):
                    completion.result = result
        return 0  # pragma: no cover - the loop returns or raises

    def _evaluate(self, completions: list[Completion]) -> int:
        """``certifications_evaluate`` once per (partner, person) whose new completions may award or renew a
        certification. The candidates are found set-based (two queries per chunk) and on the generous side: a
        person is skipped only when no certification can change: none newly complete, and no completion of a
        certification's course after its award's last renewal."""
        from enablement.services.certifications import certifications_evaluate

        touched: dict[tuple[int, int], list[Completion]] = {}
        for c in completions:
            if c.result in (CREATED, UPDATED) and c.course_id in self.certified_courses:
                touched.setdefault((c.partner_id, c.user_id), []).append(c)
        if not touched:
            return 0
        done: dict[tuple[int, int], set[int]] = {}
        awards: dict[tuple[int, int], dict[int, tuple]] = {}
        with unscoped():  # the people of this chunk, whatever their partner
            for user_ids in _in_chunks({user for _partner, user in touched}):
                for partner_id, user_id, course_id in Enrollment.objects.filter(
                        user_id__in=user_ids, status=Enrollment.Status.COMPLETED,
                        course_id__in=self.certified_courses).values_list("partner_id", "user_id", "course_id"):
                    done.setdefault((partner_id, user_id), set()).add(course_id)
                for partner_id, user_id, certification_id, *dates in CertificationAward.objects.filter(
                        user_id__in=user_ids).values_list("partner_id", "user_id", "certification_id", "awarded_on",
                                                          "renewed_on", "revoked_at"):
                    awards.setdefault((partner_id, user_id), {})[certification_id] = tuple(dates)
        today = timezone.localdate()
        if self.loaded_certifications is None:  # once per import, handed to every evaluation
            self.loaded_certifications = list(Certification.objects.filter(is_active=True)
                                              .prefetch_related("courses"))
        changed = 0
        for key in sorted(touched):
            if self._may_change(done.get(key, set()), awards.get(key, {}), touched[key]):
                with partner_scope(key[0]):
                    changed += len(certifications_evaluate(partner_id=key[0], user_id=key[1], today=today,
                                                           certifications=self.loaded_certifications))
        return changed

    def _may_change(self, done: set[int], awards: dict[int, tuple], new: list[Completion]) -> bool:
        for certification_id, (required, renewal) in self.certifications.items():
            award = awards.get(certification_id)
            if award is None:
                if required <= done:
                    return True
                continue
            awarded_on, renewed_on, revoked_at = award
            last = renewed_on or awarded_on
            if revoked_at is None and any((c.course_id in required or c.course_id == renewal)
                                          and c.completed_at.astimezone(UTC).date() > last for c in new):
                return True
        return False

    def process(self, rows: Iterable[tuple[int, dict]], *, total: int, write: bool, summary: Summary,
                progress: Progress | None = None,
                chunk: int | None = None) -> list[tuple[list[Completion], list[RowError]]]:
        """Check (and write, or predict) ``rows`` chunk by chunk into ``summary``; returns each chunk's outcome."""
        outcomes = []
        done = 0
        for rows_chunk in _batches(rows, chunk or CHUNK):
            completions, errors = self.check(rows_chunk)
            if write:
                summary.awards += self.write(completions)
            else:
                self.predict(completions)
            summary.add(completions, errors)
            outcomes.append((completions, errors))
            done += len(rows_chunk)
            if progress is not None:
                progress(done, total)
        summary.total += done
        return outcomes


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- files --------------------------------------------------------------------------------------------------------


def check_file(file, *, partner_ids=None, progress: Progress | None = None) -> Summary:
    """The dry run of a file: every row checked, results predicted, nothing written."""
    return _run_file(file, partner_ids=partner_ids, progress=progress, write=False)


def import_file(file, *, partner_ids=None, progress: Progress | None = None) -> Summary:
    """Check the file again and write its valid rows (chunk by chunk, each chunk its own transaction)."""
    return _run_file(file, partner_ids=partner_ids, progress=progress, write=True)


def _run_file(file, *, partner_ids, progress, write: bool) -> Summary:
    rows, problems = read_csv(file)
    summary = Summary()
    if problems:
        summary.header_error = True
        summary.add([], problems)
        return summary
    CompletionImporter(partner_ids=partner_ids).process(rows, total=len(rows), write=write, summary=summary,
                                                        progress=progress)
    summary.name_partners()
    return summary


@dataclass
class RowResult:
    row: int
    external_id: str
    result: str
    partner_id: int | None = None
    errors: list[RowError] = field(default_factory=list)


def import_rows(items: list[dict], *, partner_ids=None, dry_run: bool = False) -> tuple[Summary, list[RowResult]]:
    """The API's rows (1-based ``row`` in the order given): each one's result, in order."""
    rows = [(number, canonical_row(item)) for number, item in enumerate(items, start=1)]
    summary = Summary()
    outcomes = CompletionImporter(partner_ids=partner_ids).process(rows, total=len(rows), write=not dry_run,
                                                                   summary=summary)
    by_row: dict[int, RowResult] = {}
    for completions, errors in outcomes:
        for c in completions:
            by_row[c.row] = RowResult(c.row, c.external_id, c.result, c.partner_id)
        for error in errors:  # a row with a problem has no completion
            by_row.setdefault(error.row, RowResult(error.row, "", ERROR)).errors.append(error)
    results = []
    for number, data in rows:
        result = by_row[number]
        if not result.external_id:
            try:
                result.external_id = text_cell(data.get("external_id"))[:EXTERNAL_ID_MAX]
            except ValueError:
                result.external_id = ""
        results.append(result)
    return summary, results


__all__ = ["CHUNK", "COLUMNS", "EXTERNAL_ID_MAX", "REQUIRED", "CompletionImporter", "Summary", "check_file",
           "import_file", "import_rows", "read_csv", "template_csv"]
