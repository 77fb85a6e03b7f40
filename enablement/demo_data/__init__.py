"""The demo's learning catalogue as data: eight courses with lessons and quizzes, four learning paths, three
certifications and an asset library, in English with German, French, Spanish and Japanese translations.

One course ("Technical deep dive for integrators") deliberately has no Japanese, so the portal's "(English)" marker
can be seen. Texts are catalogue data, not gettext strings (operators edit them in the admin).
enablement/demo_catalogue.py writes them; generate_dataset reuses the courses and certifications.
"""

from .courses_sales import ADMIN_ESSENTIALS, PLATFORM, REFERRAL_QUICK_START, SELLING
from .courses_technical import MSP_OPERATIONS, RENEWAL, SECURITY, TECHNICAL
from .library import ASSETS, CERTIFICATIONS, MSP_CERT, PATHS, SALES_CERT, TECHNICAL_CERT
from .texts import AssetSpec, CertificationSpec, CourseSpec, LessonSpec, PathSpec, QuestionSpec, T, translations

COURSES = (PLATFORM, SELLING, TECHNICAL, MSP_OPERATIONS, REFERRAL_QUICK_START, RENEWAL, ADMIN_ESSENTIALS, SECURITY)

__all__ = [
    "ASSETS", "CERTIFICATIONS", "COURSES", "MSP_CERT", "PATHS", "SALES_CERT", "TECHNICAL_CERT", "AssetSpec",
    "CertificationSpec", "CourseSpec", "LessonSpec", "PathSpec", "QuestionSpec", "T", "translations",
]
