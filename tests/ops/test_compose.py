"""docker-compose.yml: every service the deployment needs, one image for all app services, production settings.

No Docker engine runs on these machines, so the file is checked structurally; `docker compose config` also runs
when a Compose v2 client is installed.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile(compose) -> str:
    return compose["services"]["web"]["build"]["dockerfile_inline"]


def test_the_deployment_has_every_service(compose):
    assert set(compose["services"]) >= {*APP_SERVICES, "postgres", "redis", "mailpit"}
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit")
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    assert compose["services"]["redis"]["image"].startswith("redis:")


def test_app_services_share_one_image_and_production_settings(compose):
    services = compose["services"]
    first = services[APP_SERVICES[0]]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == first["build"], name
        assert service["image"] == first["image"], name
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "prm.settings.production", name
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:6379"), name
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379"), name
        assert env["EMAIL_URL"] == "smtp://mailpit:1025", name
        assert env["SECURE_SSL_REDIRECT"] == "false", name
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env, name


def test_each_app_service_runs_its_own_process(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "prm.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "prm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "prm", "beat"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"


def test_start_order_and_healthchecks(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    for name in ("web", "worker", "beat", "postgres", "redis", "mailpit"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_image_build(dockerfile):
    assert dockerfile.startswith("FROM python:3.12-slim")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"):
        assert package in dockerfile, package
    assert "pip install -r requirements.lock" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "compilemessages" in dockerfile
    assert "USER prm" in dockerfile


def test_the_image_copies_every_app_and_never_the_whole_tree(dockerfile):
    copied = set(re.findall(r"^COPY (\S+)", dockerfile, flags=re.MULTILINE))
    assert "." not in copied, "COPY . would ship .venv and .run (there is no .dockerignore)"
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {"tests"}
    needed = packages | {"templates", "static", "manage.py", "requirements.lock"}
    missing = {name for name in needed if not any(c.rstrip("*") == name or c == name for c in copied)}
    assert not missing, f"not copied into the image: {sorted(missing)}"
    assert any(c.startswith("locale") for c in copied)


def test_no_top_level_dockerfile():
    assert not (ROOT / "Dockerfile").exists()


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        version = subprocess.run([legacy, "version"], capture_output=True, text=True).stdout
        if "v2." in version:
            return [legacy]
    return None


def test_docker_compose_config_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no Docker Compose v2 client here; the structural tests above stand in")
    result = subprocess.run([*cli, "config", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr
