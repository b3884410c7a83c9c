"""Real-browser tests: the portal as a newcomer runs it, driven by Playwright + Debian's Chromium.

A session fixture creates a fresh database, migrates it, loads the demo data and starts
the ASGI server (HTTP + websockets) in a subprocess, exactly as `make run` would. E-mail
goes to files so the tests can read the one-time codes families receive.

Run in a process of its own: `DJANGO_ALLOW_ASYNC_UNSAFE=true pytest -m e2e tests/e2e`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # portal.demo.DEMO_TOTP_SECRET
DEMO_PASSWORD = "Samverkan-demo-2026"  # portal.demo.DEMO_PASSWORD
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not only this folder's.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    mail_dir: Path
    process: subprocess.Popen | None = None
    extra: list[subprocess.Popen] = field(default_factory=list)

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database (for assertions)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=True
        )
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def mails_to(self, address: str) -> list[str]:
        bodies = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for message in path.read_text(errors="replace").split("-" * 79):
                if re.search(rf"^To: .*{re.escape(address)}", message, re.MULTILINE):
                    bodies.append(message)
        return bodies

    def start_extra(self, port: int, env: dict[str, str] | None = None) -> str:
        """A second server process on the same database (multi-process tests)."""
        proc = _start_uvicorn(port, env or self.env)
        self.extra.append(proc)
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        return f"http://127.0.0.1:{port}"


def _start_uvicorn(port: int, env: dict[str, str]) -> subprocess.Popen:
    log = open(ARTIFACTS / f"server-{port}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "web.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(base_url: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see artifacts/server-*.log")
        try:
            with urllib.request.urlopen(base_url + "/halsa/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not become healthy in 60 s")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="svp-e2e-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_DEBUG": "true",
            "PORTAL_TESTING": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "PYTHONUNBUFFERED": "1",
            # Lena signs in four times within a minute across the browser tests (the real
            # limits are tripped by tests/portal and tests/consent).
            "AUTH_RATE_LIMIT_FACTOR": "20",
        }
    )
    pg = _pg_url()
    db_name = None
    if pg:
        from django.db import connections

        from tests import db_template

        db_name = f"svp_e2e_{uuid.uuid4().hex[:8]}"
        # A copy of the migrated template the unit tests use (tests/db_template.py); the
        # migrate below then finds nothing to do, as on a server already up to date.
        settings_dict = connections["default"].settings_dict
        db_template.clone(settings_dict, db_template.ensure_template(settings_dict), db_name)
        env["DATABASE_URL"] = pg.rsplit("/", 1)[0] + "/" + db_name
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(tmp / "e2e.sqlite3")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    proc = _start_uvicorn(port, env)
    srv = Server(base_url=f"http://127.0.0.1:{port}", env=env, mail_dir=mail_dir, process=proc)
    try:
        _wait_healthy(srv.base_url, proc)
        yield srv
    finally:
        for p in [proc, *srv.extra]:
            p.terminate()
        for p in [proc, *srv.extra]:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if pg and db_name:
            import psycopg

            with psycopg.connect(pg.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser: object, server: Server, *, mobile: bool = False) -> object:
    options: dict[str, object] = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm", "base_url": server.base_url}
    if mobile:
        options.update({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True})
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: object, server: Server) -> Iterator[object]:
    page = new_page(browser, server)
    yield page
    page.context.close()  # type: ignore[attr-defined]


# --- helpers ---------------------------------------------------------------------------

_used_codes: dict[str, set[str]] = {}


def totp_code(email: str) -> str:
    """A TOTP code not yet used for this user (allauth refuses a reused code)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    used = _used_codes.setdefault(email, set())
    while True:
        counter = int(time.time()) // 30
        for candidate in (counter, counter + 1):  # MFA_TOTP_TOLERANCE = 1
            code = format_hotp_value(hotp_value(TOTP_SECRET, candidate))
            if code not in used:
                used.add(code)
                return code
        time.sleep(1)


def login_staff(page: object, email: str) -> None:
    page.goto("/konto/login/")  # type: ignore[attr-defined]
    page.get_by_label("E-post").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Logga in").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/konto/2fa/authenticate/")  # type: ignore[attr-defined]
    page.get_by_label("Kod").fill(totp_code(email))  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Logga in|Bekräfta|Autentisera")).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/$"))  # type: ignore[attr-defined]


def login_family(page: object, server: Server, email: str) -> None:
    before = len(server.mails_to(email))
    page.goto("/konto/login/code/")  # type: ignore[attr-defined]
    page.get_by_label("E-post").fill(email)  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("kod", re.IGNORECASE)).first.click()  # type: ignore[attr-defined]
    # Other mail (a notification that something is waiting) may reach the address at the
    # same moment: take the newest new mail that carries a sign-in code.
    pattern = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
    deadline = time.time() + 10
    codes: list[str] = []
    while not codes and time.time() < deadline:
        codes = [m.group(1) for mail in server.mails_to(email)[before:] if (m := pattern.search(mail))]
        if not codes:
            time.sleep(0.2)
    assert codes, f"no sign-in code mailed to {email} within 10 s"
    code = codes[-1]
    page.get_by_label("Kod").fill(code)  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Verifiera|Bekräfta|^Logga in$")).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/$"))  # type: ignore[attr-defined]


def check_accessibility(page: object, name: str) -> None:
    """Screenshot the page and assert axe-core finds 0 WCAG 2.1 A/AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    report = json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations],
        ensure_ascii=False,
        indent=1,
    )
    assert violations == [], f"axe violations on {name}:\n{report}"
