"""Company names reduced to what identifies the company, for the conflict engine's fuzzy match.

"Müller Systems GmbH & Co. KG", "MULLER SYSTEMS" and "müller-systems" all become "muller systems":
case, accents, punctuation, legal forms and filler words go. Stored on Deal.customer_name_normalized
and VendorAccount.name_normalized, compared by trigram similarity (pg_trgm, or trigram_similarity()
below on other databases: the same formula, so scores agree across databases).
"""

import re
import unicodedata
from functools import lru_cache

# Legal forms, lower-case, without dots ("S.A." is compared as "sa"). Only whole words at the end of a
# name are removed (repeatedly: "GmbH & Co. KG"); at the start only LEADING_LEGAL_FORMS ("PT Telkom"),
# so "Co Op Bank" keeps its "Co".
LEGAL_FORMS = frozenset(
    """
    inc incorporated corp corporation co company cos llc llp lp ltd limited plc pllc
    gmbh mbh ag kg kgaa ohg ug eg ev se
    sa sas sasu sarl sca sci snc eurl
    sl slu srl spa sapa scarl
    bv nv vof cv
    ab oy oyj as asa aps
    pty pte sdn bhd tbk pt
    kk gk yk
    """.split()
)
LEADING_LEGAL_FORMS = frozenset({"pt", "kk", "cv"})
# Multi-word legal forms, matched after punctuation is gone ("gmbh & co. kg" -> "gmbh co kg").
LEGAL_PHRASES = ("gmbh co kg", "gmbh co kgaa", "ag co kg", "se co kg", "co kg", "pty ltd", "pte ltd", "sdn bhd",
                 "s de rl", "s de rl de cv", "sa de cv", "de cv")
# Words that say nothing about which company it is.
FILLER_WORDS = frozenset({"the", "and", "und", "et", "y", "of", "der", "die", "das", "le", "la", "les", "el"})
# Japanese legal forms, written before or after the name: 株式会社 (KK), 有限会社 (YK), 合同会社 (GK), (株).
CJK_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)", "(同)")

_ABBREVIATION_DOT = re.compile(r"(?<=\b\w)\.")  # "s.a." -> "sa", "j.p." -> "jp"
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_TRGM_WORD = re.compile(r"[^\W_]+", re.UNICODE)


_PHRASES = [tuple(p.split()) for p in sorted(LEGAL_PHRASES, key=len, reverse=True)]


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _drop_legal_edges(words: list[str]) -> list[str]:
    changed = True
    while changed and words:
        changed = False
        for phrase in _PHRASES:
            n = len(phrase)
            if len(words) > n and tuple(words[-n:]) == phrase:
                words, changed = words[:-n], True
        if len(words) > 1 and (words[-1] in LEGAL_FORMS or words[-1] in FILLER_WORDS):
            words, changed = words[:-1], True
        if len(words) > 1 and (words[0] in LEADING_LEGAL_FORMS or words[0] in FILLER_WORDS):
            words, changed = words[1:], True
    return words


@lru_cache(maxsize=8192)
def normalize_company_name(name: str | None) -> str:
    """Lower-case, accent-free, punctuation-free, without legal forms and filler words; "" for nothing.

    A name that is only a legal form ("GmbH") keeps it, so it is never empty when the input was not.
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    for form in CJK_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = _strip_accents(text).casefold()
    text = text.replace("&", " ")
    text = _ABBREVIATION_DOT.sub("", text)  # other dots separate words: "booking.com" -> "booking com"
    words = _NOT_WORD.sub(" ", text).split()
    if not words:
        return ""
    kept = _drop_legal_edges(list(words))
    kept = [w for w in kept if w not in FILLER_WORDS] or kept
    return " ".join(kept)[:200]


def first_word(normalized: str) -> str:
    return normalized.split(" ", 1)[0] if normalized else ""


# --- pg_trgm's similarity(), for databases without it ----------------------------------------------------

@lru_cache(maxsize=8192)
def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigram set: each word padded with two spaces before and one after, lower-cased."""
    grams: set[str] = set()
    for word in _TRGM_WORD.findall((text or "").lower()):
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(a: str, b: str) -> float:
    """|shared trigrams| / |all trigrams|, as pg_trgm's similarity() computes it."""
    left, right = trigrams(a), trigrams(b)
    if not left or not right:
        return 0.0
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)
