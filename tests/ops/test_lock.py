"""requirements.lock pins every direct dependency of pyproject.toml at the same version."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"not an exact pin: {line!r}"
        pins[_canonical(name)] = version
    return pins


def test_every_direct_dependency_is_pinned_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = project["dependencies"] + [dep for group in project["optional-dependencies"].values() for dep in group]
    pins = _lock()
    for requirement in direct:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]+\])?==([^;\s]+)", requirement.strip())
        assert match, f"pyproject.toml should pin exactly: {requirement!r}"
        name, _extras, version = match.groups()
        assert pins.get(_canonical(name)) == version, f"{name}=={version} missing or different in requirements.lock"


def test_lock_holds_the_extras_packages():
    pins = _lock()
    for name in ("psycopg-binary", "fido2", "qrcode", "drf-spectacular-sidecar", "pyyaml"):
        assert name in pins, name
