"""Registrable domains ("sales.acme.co.uk" -> "acme.co.uk") and public mail providers.

Uses tldextract's bundled Public Suffix List snapshot: no network at run time (suffix_list_urls=()).
Used to detect duplicate applications and channel conflicts between deal registrations.
"""

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Free mail providers: an address there says nothing about the customer's company.
PUBLIC_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.es live.com msn.com
    yahoo.com yahoo.co.jp yahoo.co.uk yahoo.fr yahoo.de yahoo.es ymail.com icloud.com me.com mac.com aol.com
    gmx.de gmx.net gmx.at gmx.ch web.de t-online.de freenet.de orange.fr wanadoo.fr free.fr laposte.net sfr.fr
    libero.it virgilio.it protonmail.com proton.me tutanota.com zoho.com yandex.ru yandex.com mail.ru qq.com 163.com
    126.com naver.com docomo.ne.jp ezweb.ne.jp softbank.ne.jp nifty.com ocn.ne.jp bigpond.com uol.com.br bol.com.br
    terra.com.br telefonica.net movistar.es
    """.split()
)


@lru_cache(maxsize=4096)
def registrable_domain(value: str | None) -> str:
    """The registrable domain of a host, URL or e-mail address, lower-case; "" when there is none.

    "https://Sales.Acme.co.uk/x" -> "acme.co.uk"; "jane@eu.acme.com" -> "acme.com"; "localhost" -> "".
    """
    if not value:
        return ""
    text = str(value).strip().lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    if "://" in text:
        text = urlsplit(text).hostname or ""
    else:
        text = text.split("/", 1)[0].split(":", 1)[0]
    text = text.strip(".")
    if not text:
        return ""
    result = _extract(text)
    return (result.top_domain_under_public_suffix or "").encode("idna").decode("ascii") if result.suffix else ""


def is_public_mail_domain(domain: str) -> bool:
    return registrable_domain(domain) in PUBLIC_MAIL_DOMAINS or (domain or "").lower() in PUBLIC_MAIL_DOMAINS


def company_domain(value: str | None) -> str:
    """The registrable domain if it can identify a company; "" for free mail providers and nonsense."""
    domain = registrable_domain(value)
    return "" if not domain or domain in PUBLIC_MAIL_DOMAINS else domain
