"""The portal's icon: an SVG in static, named by every page, and /favicon.ico answers."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("portal/favicon.svg")
    assert finders.find("portal/favicon.svg")


def test_pages_name_the_icon(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
