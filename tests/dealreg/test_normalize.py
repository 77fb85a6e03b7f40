"""Company names and domains as the conflict engine compares them."""

import pytest

from dealreg.normalize import normalize_company_name, trigram_similarity
from prm.common.domains import company_domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme GmbH", "acme"),
        ("ACME Inc.", "acme"),
        ("Acme, Incorporated", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme Limited", "acme"),
        ("Acme Pty. Ltd.", "acme"),
        ("Acme LLC", "acme"),
        ("Acme Corp.", "acme"),
        ("Acme Co.", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme SAS", "acme"),
        ("Acme S.L.", "acme"),
        ("Acme B.V.", "acme"),
        ("Acme AG", "acme"),
        ("Acme KK", "acme"),
        ("Acme K.K.", "acme"),
        ("株式会社アクメ", "アクメ"),
        ("アクメ株式会社", "アクメ"),
        ("(株)アクメ", "アクメ"),
        ("Müller Systems GmbH & Co. KG", "muller systems"),
        ("MÜLLER-SYSTEMS", "muller systems"),
        ("Société Générale S.A.", "societe generale"),
        ("Telefónica, S.L.", "telefonica"),
        ("The Acme Company", "acme"),
        ("J.P. Morgan Chase & Co.", "jp morgan chase"),
        ("  acme   data\tservices  ", "acme data services"),
        ("Co Op Bank Ltd", "co op bank"),  # a leading "Co" is part of the name
        ("GmbH", "gmbh"),  # never empty when there was a name
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_company_name(raw, expected):
    assert normalize_company_name(raw) == expected


def test_full_width_and_accented_spellings_meet():
    assert normalize_company_name("ＡＣＭＥ株式会社") == normalize_company_name("Acme KK") == "acme"
    assert normalize_company_name("Zürich Versicherung AG") == normalize_company_name("ZURICH VERSICHERUNG")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://sales.eu.acme.co.uk/contact", "acme.co.uk"),
        ("buyer@procurement.acme.de", "acme.de"),
        ("www.acme.com", "acme.com"),
        ("jane@gmail.com", ""),  # public mail says nothing about the company
        ("someone@yahoo.co.jp", ""),
        ("gmx.de", ""),
    ],
)
def test_domains_collapse_subdomains_and_ignore_public_mail(value, expected):
    assert company_domain(value) == expected


def test_trigram_similarity_matches_pg_trgm():
    # Values pg_trgm's similarity() returns for the same pairs.
    assert trigram_similarity("acme", "acme") == 1.0
    assert trigram_similarity("acme", "acme systems") == pytest.approx(5 / 13)
    assert trigram_similarity("muller systems", "mueller systems") == pytest.approx(13 / 18)
    assert trigram_similarity("", "acme") == 0.0
