"""Every static file a template of the apps names exists. In tests a missing one goes
unnoticed (no manifest); in production the manifest storage answers 500 for the page."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders

from tests.portal.test_layering import APPS, ROOT

STATIC = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


def test_every_static_file_a_template_names_exists():
    named = {
        (path.relative_to(ROOT).as_posix(), name)
        for app in APPS
        for path in (ROOT / app).rglob("templates/**/*.html")
        for name in STATIC.findall(path.read_text())
    }
    assert any(template.startswith("accesslog/") for template, _ in named)  # the scan reaches the apps
    missing = sorted((template, name) for template, name in named if finders.find(name) is None)
    assert missing == []


def test_templates_are_found_under_the_apps():
    assert (ROOT / "accesslog/templates/accesslog/family.html").is_file()
    assert not (ROOT / "portal/templates/portal/accesslog").exists()
    assert not list(Path(ROOT / "portal/static/portal").glob("accesslog*"))
