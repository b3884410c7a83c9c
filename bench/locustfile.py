"""The personas' journeys for `make load` (bench/load.py runs this in .venv-load).

Each simulated user is one persona of bench_sessions (its signed-in session cookie) and
walks that persona's pages with a person's pauses between them. LOAD_TARGETS names the
JSON file of targets that bench/load.py wrote.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

TARGETS = {t["name"]: t for t in json.loads(open(os.environ["LOAD_TARGETS"]).read())}  # noqa: SIM115

# Which pages each persona opens on a visit, in order (names from bench_sessions).
JOURNEYS = {
    "coordinator": ["caseload", "case_coordinator", "meeting", "notifications", "case_coordinator", "api_cases"],
    "staff": ["case_consent", "meeting_consent", "case_consent"],
    "guardian": ["family_home", "family_log", "family_home"],
    "admin": ["log_review"],
}


class Persona(HttpUser):
    abstract = True
    persona = ""
    wait_time = between(2, 8)  # a person reading a page before the next click

    def on_start(self) -> None:
        self.pages = [TARGETS[name] for name in JOURNEYS[self.persona] if name in TARGETS]
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.step = random.randrange(len(self.pages))

    @task
    def next_page(self) -> None:
        target = self.pages[self.step % len(self.pages)]
        self.step += 1
        self.client.get(target["path"], headers={"Cookie": target["cookie"]}, name=target["name"])


class Coordinator(Persona):
    persona = "coordinator"
    weight = 8


class Staff(Persona):
    persona = "staff"
    weight = 6


class Guardian(Persona):
    persona = "guardian"
    weight = 5


class Admin(Persona):
    persona = "admin"
    weight = 1
