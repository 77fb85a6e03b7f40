"""The shapes of the demo catalogue's data and the helpers its texts are written with."""

from dataclasses import dataclass, field

LANGUAGES = ("de", "fr", "es", "ja")


@dataclass(frozen=True)
class T:
    """A text in English and the other portal languages; an empty one is missing (the portal falls back)."""

    en: str
    de: str = ""
    fr: str = ""
    es: str = ""
    ja: str = ""

    @classmethod
    def same(cls, text: str) -> "T":
        """A name written the same in every language (a product, a standard)."""
        return cls(text, text, text, text, text)


def translations(**texts: T) -> dict:
    """``{"de": {"title": ...}, ...}`` for the languages that have a text."""
    found: dict[str, dict[str, str]] = {}
    for name, text in texts.items():
        for language in LANGUAGES:
            value = getattr(text, language)
            if value:
                found.setdefault(language, {})[name] = value
    return found


@dataclass(frozen=True)
class LessonSpec:
    title: T
    body: T
    kind: str = "text"
    video_url: str = ""
    pdf: tuple[str, tuple[str, ...]] | None = None  # (file name, lines of the generated PDF)
    minutes: int = 10


@dataclass(frozen=True)
class QuestionSpec:
    text: T
    choices: tuple[tuple[T, bool], ...]

    @property
    def multiple(self) -> bool:
        return sum(1 for _text, right in self.choices if right) > 1


@dataclass(frozen=True)
class CourseSpec:
    code: str
    title: T
    summary: T
    minutes: int
    lessons: tuple[LessonSpec, ...]
    questions: tuple[QuestionSpec, ...]
    partner_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathSpec:
    code: str
    title: T
    summary: T
    courses: tuple[str, ...]
    partner_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertificationSpec:
    code: str
    name: T
    description: T
    courses: tuple[str, ...]
    months: int
    renewal_course: str = ""


@dataclass(frozen=True)
class AssetSpec:
    title: str
    language: str
    description: str
    tags: tuple[str, ...]
    pdf: tuple[str, tuple[str, ...]] | None = None  # (file name, lines)
    url: str = ""
    partner_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    one_pager: str = field(default="")  # set: co-brandable
    published: bool = True


ALL_CHOOSE = T(" (Choose every right answer.)", " (Wählen Sie alle richtigen Antworten.)",
               " (Choisissez toutes les bonnes réponses.)", " (Elija todas las respuestas correctas.)",
               "（正しいものをすべて選択）")


def many(text: T) -> T:
    """A multiple-answer question says so in every language it has."""
    return T(*(getattr(text, lang) + getattr(ALL_CHOOSE, lang) if getattr(text, lang) else ""
               for lang in ("en", *LANGUAGES)))


def yes(*texts) -> tuple[T, bool]:
    return T(*texts), True


def no(*texts) -> tuple[T, bool]:
    return T(*texts), False


RESELLER, MSP, SI, ISV, REFERRAL = "reseller", "msp", "system_integrator", "isv", "referral"
ADMIN = "admin"
VIDEO_HOST = "https://videos.example.com/enablement"
