"""Production settings: `check --deploy` is clean, and they refuse to start with a weak or missing SECRET_KEY."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "EMAIL_URL", "SECURE_SSL_REDIRECT"}}
    env.update({"DJANGO_SETTINGS_MODULE": "prm.settings.production", "ALLOWED_HOSTS": "portal.example.com",
                "PRM_RUN_DIR": str(tmp_path / "run"), "PAYOUT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode()})
    env.update(overrides)
    return env


def _run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_no_warnings(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_flags_the_console_mail_backend(tmp_path):
    """The check above is meaningful: a development-only setting does fail it."""
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60), EMAIL_URL="console://"))
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr


def _dev_secret_key() -> str:
    from prm.settings import base

    return base.SECRET_KEY


@pytest.mark.parametrize("key", ["", "short-key", "x" * 60, "django-insecure-" + "a1b2c3d4e5" * 5, "DEV"])
def test_production_refuses_weak_secret_keys(tmp_path, key):
    if key == "DEV":
        if "SECRET_KEY" in os.environ:
            pytest.skip("SECRET_KEY is set in this environment, so base.py's default is not the dev key")
        key = _dev_secret_key()
        assert key.startswith("dev-only")
    result = _run(["-c", "import prm.settings.production"], _env(tmp_path, SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set SECRET_KEY" in result.stderr


def test_production_refuses_a_missing_secret_key(tmp_path):
    result = _run(["-c", "import prm.settings.production"], _env(tmp_path))
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_settings_values(tmp_path):
    code = (
        "import prm.settings.production as s; "
        "print(s.PRM_PRODUCTION, s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.MAILERS['default']['BACKEND'].rsplit('.', 2)[-2])"
    )
    result = _run(["-c", code], _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True", "True", "smtp"]


def test_production_refuses_to_start_without_a_payout_encryption_key(tmp_path):
    result = _run(["-c", "import prm.settings.production"],
                  _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60), PAYOUT_ENCRYPTION_KEYS=""))
    assert result.returncode != 0
    assert "Set PAYOUT_ENCRYPTION_KEYS" in result.stderr


def test_check_deploy_warns_about_the_published_development_payout_key(tmp_path):
    from partners.crypto import DEV_KEY

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  _env(tmp_path, SECRET_KEY=secrets.token_urlsafe(60), PAYOUT_ENCRYPTION_KEYS=DEV_KEY))
    assert result.returncode != 0
    assert "partners.W101" in result.stdout + result.stderr
