"""The 500 handler: a lost database connection is a 503 ("try again in a moment").

While PostgreSQL restarts, or a connection dies under a request, the request cannot be
served; saying so with 503 and Retry-After lets a person (and a client or load balancer)
know that waiting helps, where a 500 says something is broken. Nothing here touches the
database: the page is static, like 500.html.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 10


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        response = HttpResponseServerError(loader.get_template("503.html").render())
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
