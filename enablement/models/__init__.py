"""Enablement: the catalogue (courses, lessons, paths, quizzes, certifications), people's progress and
awards, the asset library with downloads and co-branding, and external completion imports."""

from .assets import Asset, AssetDownload, CoBrandedPdf, CoBrandingProfile
from .catalogue import (
    Certification,
    Choice,
    Course,
    LearningPath,
    Lesson,
    Localized,
    PathCourse,
    Question,
    Quiz,
    localized,
)
from .imports import CompletionImport
from .progress import CertificationAward, Enrollment, LessonProgress, PathAssignment, QuizAttempt

__all__ = [
    "Asset",
    "AssetDownload",
    "Certification",
    "CertificationAward",
    "Choice",
    "CoBrandedPdf",
    "CoBrandingProfile",
    "CompletionImport",
    "Course",
    "Enrollment",
    "LearningPath",
    "Lesson",
    "LessonProgress",
    "Localized",
    "PathAssignment",
    "PathCourse",
    "Question",
    "Quiz",
    "QuizAttempt",
    "localized",
]
