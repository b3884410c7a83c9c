"""The guard that keeps queries out of templates (tests/template_queries.py): a query a
template starts fails, naming the template and the SQL; data read before rendering passes."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.template import Context, Engine, RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from access.scoping import system_scope
from agencies.models import Principal
from tests.template_queries import TemplateQueryError, no_template_queries

pytestmark = pytest.mark.django_db


def _principals():
    return Principal.objects.order_by("name")


LIST = "{% for p in principals %}{{ p.name }};{% endfor %}"


def test_a_lazy_queryset_in_the_context_fails_naming_the_template_and_the_sql(world):
    template = Engine.get_default().from_string(LIST)
    with system_scope(), no_template_queries() as guard, pytest.raises(TemplateQueryError) as caught:
        template.render(Context({"principals": _principals()}))
    message = str(caught.value)
    assert message.startswith("query while rendering <string template>: SELECT")
    assert '"agencies_principal"' in message
    assert len(guard.violations) == 1 and guard.violations[0][0] == "<string template>"


def test_the_same_data_read_before_rendering_passes(world):
    template = Engine.get_default().from_string(LIST)
    with system_scope():
        principals = list(_principals())  # the view's read
        with no_template_queries() as guard, CaptureQueriesContext(connection) as ctx:
            html = template.render(Context({"principals": principals}))
    assert not guard and len(ctx.captured_queries) == 0
    assert "Region Test;" in html and "Testköping;" in html


def test_an_included_template_is_named_with_the_page_that_includes_it(world, settings, tmp_path):
    (tmp_path / "page.html").write_text('<main>{% include "panel.html" %}</main>')
    (tmp_path / "panel.html").write_text("{{ principals.count }}")
    settings.TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path]}]
    from django.template.loader import get_template

    with (
        system_scope(),
        no_template_queries(),
        pytest.raises(TemplateQueryError, match=r"^query while rendering page\.html > panel\.html: SELECT COUNT"),
    ):
        get_template("page.html").render({"principals": _principals()})


def test_a_query_whose_error_the_template_swallows_is_still_recorded(world):
    class Swallows:
        def __str__(self) -> str:
            try:
                return str(_principals().count())
            except AssertionError:
                return "?"

    template = Engine.get_default().from_string("{{ thing }}")
    with system_scope(), no_template_queries() as guard:
        assert template.render(Context({"thing": Swallows()})) == "?"
    assert guard and "SELECT COUNT" in guard.report()


def test_a_form_whose_choices_query_while_it_renders_fails(world):
    class PrincipalForm(forms.Form):
        principal = forms.ModelChoiceField(queryset=Principal.objects.order_by("name"))

    template = Engine.get_default().from_string("{{ form }}")
    with system_scope(), no_template_queries():
        form = PrincipalForm()
        list(form.fields["principal"].queryset)  # not enough: the iterator reads again
        with pytest.raises(TemplateQueryError):
            template.render(Context({"form": form}))


def test_context_processors_run_outside_but_a_lazy_value_they_return_is_caught(world):
    def reads_now(request):
        return {"principals": list(_principals())}

    def lazy(request):
        return {"principals": _principals()}

    request = RequestFactory().get("/")
    with system_scope(), no_template_queries() as guard:
        html = Template(LIST).render(RequestContext(request, processors=[reads_now]))
        assert "Region Test;" in html and not guard
        with pytest.raises(TemplateQueryError):
            Template(LIST).render(RequestContext(request, processors=[lazy]))


def test_the_guard_is_off_afterwards(world):
    template = Engine.get_default().from_string(LIST)
    with system_scope():
        with no_template_queries():
            pass
        assert "Region Test;" in template.render(Context({"principals": _principals()}))


def test_a_page_that_queries_while_rendering_fails_through_the_test_client(world, monkeypatch):
    """The guard around a real request: the staff home page, with a panel that hands its
    template a lazy queryset instead of a value read in the view."""
    client = world.client_for(world.coordinator)
    client.get("/")  # the session's first request: sign-in bookkeeping
    with no_template_queries() as guard:
        assert client.get("/").status_code == 200
    assert not guard

    def lazy_panel(viewer):
        return {"insights_access": {"management": Principal.objects.all(), "record": False}}

    monkeypatch.setattr("insights.panels.home_staff", lazy_panel)
    with (
        no_template_queries() as guard,
        pytest.raises(TemplateQueryError, match=r"portal/home_staff\.html > .*insights/_home_staff\.html"),
    ):
        client.get("/")
    assert len(guard.violations) == 1
