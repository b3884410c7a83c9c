"""Start the real test OpenID provider (tests/idp/server.js, panva/oidc-provider) and drive
its login form over HTTP, as a person's browser would."""

from __future__ import annotations

import secrets
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
IDP_DIR = ROOT / "tests" / "idp"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
SIGN_IN_CALLBACK = "/konto/oidc/eid/login/callback/"
STEPUP_CALLBACK = "/eid/bekrafta/svar/"
# An agency's staff sign-in through the same provider (agencies/idp): its own client, user
# names instead of personnummer, the claim `hsa_id` = STAFF_HSA_PREFIX + user name.
STAFF_CLIENT_ID = "agency-staff"
STAFF_HSA_PREFIX = "SE2321000016-"


def staff_callback(agency_hex: str) -> str:
    """The portal's callback for an agency's OIDC IdP (allauth provider id agency-<uuid hex>)."""
    return f"/konto/oidc/agency-{agency_hex}/login/callback/"


@dataclass
class TestIdP:
    issuer: str
    client_id: str
    client_secret: str
    other_client_id: str
    other_client_secret: str
    process: subprocess.Popen[str]
    staff_client_id: str = STAFF_CLIENT_ID
    staff_client_secret: str = ""

    def settings(self) -> dict[str, object]:
        return {
            "PORTAL_EID_ENABLED": True,
            "PORTAL_EID_ISSUER": self.issuer,
            "PORTAL_EID_CLIENT_ID": self.client_id,
            "PORTAL_EID_CLIENT_SECRET": self.client_secret,
            "PORTAL_EID_NAME": "BankID (test)",
            "PORTAL_EID_ACR": [LOA3],
            "PORTAL_EID_FRESH_SECONDS": 120,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(port: int = 0, *, base_url: str = "http://testserver", staff_agencies: tuple[str, ...] = ()) -> TestIdP:
    """Start the provider; `staff_agencies` (agency uuid hex) adds the staff client for them."""
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("Run `npm ci --prefix tests/idp` first (bin/test does).")
    secret, other_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    uris = f"{base_url}{SIGN_IN_CALLBACK},{base_url}{STEPUP_CALLBACK}"
    staff_secret = secrets.token_urlsafe(24)
    staff_uris = ",".join(f"{base_url}{staff_callback(agency)}" for agency in staff_agencies)
    staff_args = ["--staff-client", f"{STAFF_CLIENT_ID}:{staff_secret}:{staff_uris}"] if staff_agencies else []
    process = subprocess.Popen(
        [
            "node",
            str(IDP_DIR / "server.js"),
            "--port",
            str(port),
            "--client",
            f"portal:{secret}:{uris}",
            "--client",
            f"other-service:{other_secret}:{uris}",
            *staff_args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"the test IdP did not start: {line!r}")
    return TestIdP(
        issuer=line.split(" ", 1)[1],
        client_id="portal",
        client_secret=secret,
        other_client_id="other-service",
        other_client_secret=other_secret,
        process=process,
        staff_client_secret=staff_secret if staff_agencies else "",
    )


def stop(idp: TestIdP) -> None:
    idp.process.terminate()
    try:
        idp.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        idp.process.kill()


def log_in(
    authorize_url: str, personal_number: str, *, acr: str = LOA3, age: int = 0, browser: requests.Session | None = None
) -> str:
    """Follow the provider's login as a person would; return the URL it sends back to."""
    browser = browser or requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code in (302, 303), response.text[:500]
    interaction = urljoin(authorize_url, response.headers["Location"])
    page = browser.get(interaction, timeout=5)
    assert page.status_code == 200 and "Personnummer" in page.text, page.text[:500]
    response = browser.post(
        interaction,
        data={"pnr": personal_number, "acr": acr, "age": str(age), "action": "login"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code in (302, 303), response.text[:500]
    response = browser.get(urljoin(authorize_url, response.headers["Location"]), allow_redirects=False, timeout=5)
    assert response.status_code in (302, 303), response.text[:500]
    return response.headers["Location"]


def luhn_number(birth: str, serial3: str) -> str:
    """A personal identity number ÅÅÅÅMMDD-NNNC with a correct check digit."""
    digits = birth[2:] + serial3
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{birth}-{serial3}{(10 - total % 10) % 10}"
