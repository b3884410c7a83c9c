from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from web import api_urls, benchref, views

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Samverkansportalen – administration"


portal_patterns = (
    [
        path("", views.home, name="home"),
        path("tillganglighet/", views.accessibility, name="accessibility"),
        path("om-portalen/", views.about, name="about"),
        path("favicon.ico", views.favicon, name="favicon"),
        path("halsa/", views.health, name="health"),
        path("halsa/referens/", views.reference, name="reference"),
        path("halsa/referens/sida/", benchref.plain_page, name="plain_reference"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    # Before allauth's own: its e-mail management would tell whose an address is.
    path("konto/email/", views.email_addresses_closed, name="account_email"),
    path("", include("agencies.idp.urls")),
    path("konto/", include("allauth.urls")),
    path("eid/", include("web.eid_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("verksamhet/", include("agencies.urls")),
    path("samverkan/", include("cases.urls")),
    path("samtycke/", include("consent.urls")),
    path("moten/", include("meetings.urls")),
    path("notiser/", include("notifications.urls")),
    path("logg/", include("accesslog.urls")),
    path("forbattring/", include("insights.urls")),
    path("stodkatalog/", include("directory.urls")),
    path("api/v1/", include(api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]
handler500 = "portal.errors.server_error"
