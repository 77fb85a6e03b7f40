"""`make run`: prepare the embedded quick-start (SQLite file, filesystem broker) and run web, worker and scheduler.

Steps: migrate, compile translations, seed the demo program, then start three child processes, print the URL
and the demo logins, and supervise: Ctrl-C or SIGTERM stops all three, and the death of any one stops the rest.
"""

import io
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

STOP_TIMEOUT = 15  # seconds a child gets for a warm shutdown before it is killed
LOGIN_ROWS = 8


class Command(BaseCommand):
    help = "Migrate, compile translations, seed the demo, and run web + worker + scheduler on the quick-start setup."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true", help="Skip seeding the demo program.")
        parser.add_argument("--prepare-only", action="store_true", help="Migrate, compile and seed, then exit.")

    def handle(self, *args, host, port, no_seed, prepare_only, **options):
        if getattr(settings, "PRM_PRODUCTION", False):
            raise CommandError(_("quickstart runs the demo setup; it refuses to run with production settings."))
        run_dir = Path(settings.RUN_DIR)
        run_dir.mkdir(parents=True, exist_ok=True)
        logins_path = run_dir / "demo-logins.json"

        self._step(_("Applying migrations"))
        call_command("migrate", interactive=False, verbosity=0)
        self._step(_("Compiling translations"))
        self.stdout.write(compile_translations())
        if not no_seed:
            self._step(_("Seeding the demo program"))
            self._seed(logins_path)
        if prepare_only:
            return

        if not _port_free(host, port):
            raise CommandError(_("%(address)s is already in use (another `make run`?). Stop it or pass --port.")
                               % {"address": f"{host}:{port}"})
        supervisor = Supervisor(self.stdout, self.stderr)
        supervisor.start(_child_commands(host=host, port=port, run_dir=run_dir))
        code = supervisor.run(ready=lambda: not _port_free(host, port),
                              on_ready=lambda: self._banner(host, port, logins_path))
        if code:
            sys.exit(code)

    def _step(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {text}"))

    def _seed(self, logins_path: Path) -> None:
        if "seed_demo" not in get_commands():
            self.stderr.write(_("seed_demo is not available; starting with an empty database."))
            return
        # seed_demo prints every login; the banner shows the first few once the server answers.
        output = io.StringIO()
        call_command("seed_demo", logins_json=str(logins_path), stdout=output)
        self.stdout.write(_("Demo ready: %(count)d logins.") % {"count": len(_read_logins(logins_path))})

    def _banner(self, host: str, port: int, logins_path: Path) -> None:
        lines = ["", "  " + _("Partner portal: %(url)s") % {"url": f"http://{host}:{port}/"}, ""]
        lines += format_logins(_read_logins(logins_path), limit=LOGIN_ROWS)
        lines += ["", "  " + _("All demo logins: %(path)s") % {"path": logins_path},
                  "  " + _("Press Ctrl-C to stop web, worker and scheduler."), ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def _child_commands(*, host: str, port: int, run_dir: Path) -> dict[str, list[str]]:
    python = sys.executable
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    return {
        "web": [python, manage, "runserver", f"{host}:{port}", "--noreload"],
        # Threads rather than prefork: two cores, one SQLite file, and no fork of a Django process.
        "worker": [python, "-m", "celery", "-A", "prm", "worker", "--pool=threads", "--concurrency=2",
                   "--loglevel=INFO", "--hostname=quickstart@%h"],
        "beat": [python, "-m", "celery", "-A", "prm", "beat", "--loglevel=INFO",
                 f"--schedule={run_dir / 'celerybeat-schedule'}"],
    }


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) != 0


def _read_logins(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if isinstance(data, dict):  # tolerate {"logins": [...]}
        data = data.get("logins", [])
    return [row for row in data if isinstance(row, dict)]


def pick_logins(rows: list[dict], *, limit: int) -> list[dict]:
    """At most `limit` rows in their order: the first of every role, then the next rows."""
    chosen, roles = [], set()
    for index, row in enumerate(rows):
        if row.get("role") not in roles:
            roles.add(row.get("role"))
            chosen.append(index)
    chosen = chosen[:limit]
    chosen += [i for i in range(len(rows)) if i not in chosen][: limit - len(chosen)]
    return [rows[i] for i in sorted(chosen)]


def format_logins(rows: list[dict], *, limit: int) -> list[str]:
    """A few logins, one of each role, as a plain-text table (role, email, password, partner)."""
    if not rows:
        return ["  " + _("No demo logins were written (was the demo seeded?).")]
    columns = ["role", "email", "password", "partner"]
    table = [[str(row.get(col) or "") for col in columns] for row in pick_logins(rows, limit=limit)]
    widths = [max(len(col), *(len(r[i]) for r in table)) for i, col in enumerate(columns)]
    out = [("  " + "  ".join(col.upper().ljust(w) for col, w in zip(columns, widths, strict=True))).rstrip()]
    out += [("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))).rstrip() for r in table]
    if len(rows) > limit:
        out.append("  " + _("… and %(count)d more") % {"count": len(rows) - limit})
    return out


def compile_translations() -> str:
    """Compile locale/*/LC_MESSAGES/*.po to .mo: msgfmt when installed (it checks formats), else Babel."""
    locale_dirs = [Path(p) for p in settings.LOCALE_PATHS]
    po_files = [po for d in locale_dirs for po in d.glob("*/LC_MESSAGES/*.po")]
    if not po_files:
        return _("No translation catalogues yet; skipped.")
    msgfmt = shutil.which("msgfmt")
    compiled = 0
    for po in po_files:
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if msgfmt:
            # The same call as Django's compilemessages, without its walk through .venv.
            result = subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], capture_output=True, text=True)
            if result.returncode:
                raise CommandError(_("msgfmt failed for %(file)s:") % {"file": po} + "\n" + result.stderr)
        else:
            _babel_compile(po, mo)
        compiled += 1
    tool = "msgfmt" if msgfmt else _("Babel (msgfmt not installed)")
    return _("%(compiled)d of %(total)d catalogue(s) compiled with %(tool)s; the rest were up to date.") % {
        "compiled": compiled, "total": len(po_files), "tool": tool}


def _babel_compile(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    with mo.open("wb") as target:
        write_mo(target, catalog)


def _die_with_parent() -> None:
    """Runs in the child before exec: if quickstart is killed outright, its children get SIGTERM (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    """Runs named children in their own sessions, prefixes their output, and stops them together."""

    def __init__(self, stdout, stderr):
        self.stdout = stdout
        self.stderr = stderr
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested = False
        self.width = 6

    def start(self, commands: dict[str, list[str]]) -> None:
        self.width = max(len(name) for name in commands)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        for name, argv in commands.items():
            # Own session: a terminal Ctrl-C reaches only us, and we stop the children in order, once.
            self.children[name] = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=settings.BASE_DIR, start_new_session=True, preexec_fn=_die_with_parent,
            )

    def run(self, *, ready, on_ready) -> int:
        previous = {sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        selector = selectors.DefaultSelector()
        buffers = {}
        for name, proc in self.children.items():
            os.set_blocking(proc.stdout.fileno(), False)
            selector.register(proc.stdout, selectors.EVENT_READ, name)
            buffers[name] = b""
        announced, exit_code, next_probe = False, 0, 0.0
        try:
            while not self.stop_requested:
                for key, _ in selector.select(timeout=0.5):
                    buffers[key.data] = self._pump(key.data, key.fileobj, buffers[key.data])
                dead = {name: proc.returncode for name, proc in self.children.items() if proc.poll() is not None}
                if dead:
                    name, code = next(iter(dead.items()))
                    self.stderr.write(_("%(name)s exited with code %(code)s; stopping the others.") % {"name": name, "code": code})
                    exit_code = 128 - code if code < 0 else code or 1  # killed by a signal: 128 + its number
                    break
                if not announced and time.monotonic() >= next_probe:
                    next_probe = time.monotonic() + 0.5
                    if ready():
                        on_ready()
                        announced = True
        finally:
            self._stop_all()
            for key in list(selector.get_map().values()):
                buffers[key.data] = self._pump(key.data, key.fileobj, buffers[key.data], final=True)
            selector.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return exit_code

    def _request_stop(self, signum, frame) -> None:
        self.stop_requested = True

    def _pump(self, name: str, stream, buffer: bytes, final: bool = False) -> bytes:
        try:
            chunk = os.read(stream.fileno(), 65536)
        except (BlockingIOError, OSError, ValueError):
            chunk = b""
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        if final and buffer:
            lines, buffer = [*lines, buffer], b""
        for line in lines:
            self.stdout.write(f"{name.ljust(self.width)} | {line.decode('utf-8', 'replace').rstrip()}")
        return buffer

    def _stop_all(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # warm shutdown for Celery, immediate for runserver
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in self.children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(_("%(name)s did not stop in %(seconds)ds; killing it.") % {"name": name, "seconds": STOP_TIMEOUT})
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
