import pytest

from prm.common.domains import company_domain, is_public_mail_domain, registrable_domain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Sales.Acme.co.uk/path", "acme.co.uk"),
        ("jane.doe@eu.acme.com", "acme.com"),
        ("www.example.com", "example.com"),
        ("shop.example.co.jp", "example.co.jp"),
        ("example.com:8443", "example.com"),
        ("localhost", ""),
        ("", ""),
        (None, ""),
        ("not a domain", ""),
        ("müller-gmbh.de", "xn--mller-gmbh-9db.de"),
    ],
)
def test_registrable_domain(value, expected):
    assert registrable_domain(value) == expected


def test_public_mail_domains_do_not_identify_companies():
    assert is_public_mail_domain("gmail.com")
    assert company_domain("someone@gmail.com") == ""
    assert company_domain("buyer@contoso.de") == "contoso.de"
