"""The OpenAPI schema is valid and complete; the docs page loads nothing from outside the machine."""

import re

import yaml
from django.core.management import call_command
from django.test import Client

EXPECTED_PATHS = {
    "/api/v1/me/",
    "/api/v1/partner/",
    "/api/v1/members/",
    "/api/v1/members/{id}/",
    "/api/v1/invitations/",
    "/api/v1/invitations/{id}/",
    "/api/v1/staff/partners/",
    "/api/v1/staff/partners/{id}/",
}


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    # Raises (SystemExit / SchemaGenerationError) on an invalid schema or any generator warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert EXPECTED_PATHS <= set(schema["paths"])
    token_scheme = schema["components"]["securitySchemes"]["personalToken"]
    assert (token_scheme["type"], token_scheme["scheme"]) == ("http", "bearer")


def test_schema_endpoint_describes_errors(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert EXPECTED_PATHS <= set(schema["paths"])
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    member = schema["paths"]["/api/v1/members/{id}/"]
    assert {"200", "401", "404"} <= set(member["get"]["responses"])
    assert {"400", "403"} <= set(member["patch"]["responses"])
    assert member["patch"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    header = [p for p in member["get"]["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in header] == ["X-Partner-Id"]


def test_docs_page_uses_only_local_scripts(db):
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert sources, html
    assert not [src for src in sources if src.startswith(("http:", "https:", "//"))], sources
    assert not re.search(r"<link[^>]+href=\"(https?:)?//", html)
    # No inline script (the CSP would block it): the init script is its own same-origin response.
    assert not re.search(r"<script>(?!\s*</script>)", html)
    init = [src for src in sources if "script" in src.split("?", 1)[-1]]
    assert init, sources
    script = client.get(init[0])
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
