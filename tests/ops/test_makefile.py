"""The Makefile's interpreter finder: a Python >= 3.12 from $PYTHON, PATH, pyenv or uv, or a clear error."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
REAL_PYTHON = os.path.realpath(sys.executable)  # the interpreter behind .venv, >= 3.12

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def _bin_dir(tmp_path, *, tools=("ls", "sort"), fakes=(), links=None) -> Path:
    """A PATH with only what the finder needs, broken interpreters, and symlinks to a real one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name in fakes:  # like a pyenv shim for a version that is not selected
        script = bin_dir / name
        script.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2\nexit 127\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    for name, target in (links or {}).items():
        (bin_dir / name).symlink_to(target)
    return bin_dir


def _find(tmp_path, bin_dir: Path, **env) -> subprocess.CompletedProcess:
    clean = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"), **env}
    return subprocess.run([MAKE, "-s", "--no-print-directory", "python"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def _version(python: str) -> tuple[int, int]:
    out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout
    major, minor = out.split()
    return int(major), int(minor)


def test_skips_a_broken_shim_and_takes_the_next_candidate_on_path(tmp_path):
    bin_dir = _bin_dir(tmp_path, fakes=["python3.12"], links={"python3.13": REAL_PYTHON})
    result = _find(tmp_path, bin_dir)
    assert result.returncode == 0, result.stderr
    found = result.stdout.strip()
    assert "python3.12" not in Path(found).name
    assert _version(found) >= (3, 12)


def test_falls_back_to_pyenv_versions_newer_than_3_11(tmp_path):
    bin_dir = _bin_dir(tmp_path, fakes=["python3"])
    pyenv = tmp_path / "pyenv"
    for version, target in {"3.11.7": None, "3.12.99": REAL_PYTHON}.items():
        folder = pyenv / "versions" / version / "bin"
        folder.mkdir(parents=True)
        if target:
            (folder / "python3").symlink_to(target)
        else:  # would be picked up if the glob admitted 3.11
            (folder / "python3").symlink_to(bin_dir / "python3")
    result = _find(tmp_path, bin_dir, PYENV_ROOT=str(pyenv))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(pyenv / "versions" / "3.12.99" / "bin" / "python3")


def test_fails_with_a_clear_message_when_nothing_fits(tmp_path):
    bin_dir = _bin_dir(tmp_path, fakes=["python3", "python3.12"])
    result = _find(tmp_path, bin_dir)
    assert result.returncode != 0
    assert "No Python >= 3.12 found" in result.stderr


def test_an_explicit_python_must_be_recent_enough(tmp_path):
    bin_dir = _bin_dir(tmp_path, fakes=["python3"])
    result = _find(tmp_path, bin_dir, PYTHON=str(bin_dir / "python3"))
    assert result.returncode != 0
    assert "is not a Python >= 3.12" in result.stderr

    result = _find(tmp_path, bin_dir, PYTHON=REAL_PYTHON)
    assert result.returncode == 0, result.stderr
    assert _version(result.stdout.strip()) >= (3, 12)


def test_install_is_a_no_op_when_the_stamp_is_fresh():
    """`make run` must not reinstall: the stamp depends only on requirements.lock and pyproject.toml."""
    result = subprocess.run([MAKE, "-n", "--no-print-directory", "install"], cwd=ROOT, capture_output=True, text=True)
    stamp = ROOT / ".venv" / ".installed-stamp"
    if not stamp.exists() or any(
        (ROOT / name).stat().st_mtime > stamp.stat().st_mtime for name in ("requirements.lock", "pyproject.toml")
    ):
        pytest.skip("this checkout's .venv was not built by `make install`, or the lock changed since")
    assert "pip install" not in result.stdout


def test_ci_script_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
