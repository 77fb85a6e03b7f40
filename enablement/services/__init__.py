"""Every enablement write: enrolling and assigning, lessons, quizzes, completions and certifications."""

from .certifications import certifications_evaluate
from .errors import EnablementError
from .learning import course_complete, course_enroll, lesson_complete, path_assign
from .quizzes import attempt_start, attempt_submit, grade

__all__ = [
    "EnablementError",
    "attempt_start",
    "attempt_submit",
    "certifications_evaluate",
    "course_complete",
    "course_enroll",
    "grade",
    "lesson_complete",
    "path_assign",
]
