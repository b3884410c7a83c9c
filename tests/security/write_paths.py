"""Discovery of every write path, for the write-path disclosure suite (DESIGN rule 17).

Three independent sources, so a new write path cannot escape the expectation table in
`write_table.py`:

* URL write operations: every route of the URLconf (the access matrix's `matrix.discover()`)
  whose view accepts POST/PUT/PATCH/DELETE. DRF viewsets answer from their action map,
  class-based views from their method handlers, function views from their source
  (`require_POST`, `require_http_methods`, `request.POST`, `request.method`, `post_only(`,
  `request.body`), the decorators included.
* Forms: the Django form classes a write view binds to the submitted data (in its own
  source or a module helper it calls), and their fields that take an identifier
  (personnummer, e-mail, uuid, a related id: `ModelChoiceField`, or a `ChoiceField` whose
  choices are filled from the database at run time); and every field a view reads straight
  from `request.POST` (no type to go by: each must be declared, identifier or not).
* The API schema (drf-spectacular, generated in-process): every write operation and its
  request-body fields that take an identifier (format uuid/email, or a name that says id,
  uuid, email or personal number).

Operations are named `"<METHOD> <route name>"` (the access matrix's route names: DRF routes
by basename, e.g. `POST plan-action-list`), so the URL and the schema discovery meet in one
table.
"""

from __future__ import annotations

import inspect
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django import forms
from django.urls import resolve

from tests.security import matrix

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Field names that carry an identifier whatever their type.
IDENTIFIER_NAME = re.compile(r"(personal_number|personnummer|pnr|e_?mail|uuid|(^|_)ids?$|token)", re.I)


@dataclass(frozen=True)
class WriteOp:
    name: str  # "POST cases:family"
    route: matrix.Route
    method: str
    view: str  # dotted path of the view function or class


@dataclass
class FormInfo:
    name: str  # dotted path of the form class
    identifier_fields: dict[str, str] = field(default_factory=dict)  # field -> kind
    fields: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------
# URL write operations
# --------------------------------------------------------------------------------------

_SOURCE_SIGNS = {
    "require_POST": ("POST",),
    "request.POST": ("POST",),
    "post_only(": ("POST",),
    "request.body": ("POST",),
    "request.FILES": ("POST",),
}


def _callback(route: matrix.Route) -> Any:
    return resolve(_sample_path(route)).func


def _sample_path(route: matrix.Route) -> str:
    """A concrete path for the route's pattern (any value for each kwarg)."""
    path = route.pattern
    path = re.sub(r"<uuid:\w+>", str(uuid.UUID(int=1)), path)
    path = re.sub(r"<(?:str|slug|path):\w+>", "x", path)
    path = re.sub(r"<int:\w+>", "1", path)
    # DRF regex patterns: ^cases/(?P<uuid>[^/.]+)/$ ; allauth: ^confirm-email/(?P<key>[-:\w]+)/$
    path = re.sub(r"\(\?P<uuid>[^)]*\)", str(uuid.UUID(int=1)), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "x1", path)
    path = path.replace("^", "").replace("$", "").replace("(?P<url>.*)", "x")
    return "/" + path


def _source(func: Any) -> str:
    try:
        return inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError):
        return ""


def _methods_of_function(func: Any) -> set[str]:
    """Write methods a function view accepts, read from its source (with decorators)."""
    methods: set[str] = set()
    # require_http_methods keeps its list in the wrapper's closure at every level.
    current = func
    while current is not None:
        for cell in getattr(current, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
                upper = {v.upper() for v in value}
                if upper <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}:
                    methods |= upper & set(WRITE_METHODS)
        current = getattr(current, "__wrapped__", None)
    source = _source(func)
    for sign, found in _SOURCE_SIGNS.items():
        if sign in source:
            methods.update(found)
    for method in WRITE_METHODS:
        if f'request.method == "{method}"' in source or f"request.method == '{method}'" in source:
            methods.add(method)
    if 'request.method != "GET"' in source or 'request.method in ("POST"' in source:
        methods.add("POST")
    return methods


def write_methods(callback: Any) -> tuple[str, set[str]]:
    """(dotted view name, the write methods it accepts)."""
    cls = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None)
    if cls is not None and actions:  # a DRF viewset route
        allowed = {m.upper() for m in getattr(cls, "http_method_names", [])}
        methods = {m.upper() for m in actions} & set(WRITE_METHODS) & allowed
        # An extra @action lists its own methods (e.g. get+put on one route).
        for handler_name in set(actions.values()):
            handler = getattr(cls, handler_name, None)
            mapping = getattr(handler, "mapping", None)
            if mapping:
                methods |= {m.upper() for m in mapping} & set(WRITE_METHODS) & allowed
        return f"{cls.__module__}.{cls.__qualname__}", methods
    view_class = cls or getattr(callback, "view_class", None)
    if view_class is not None:
        allowed = {m.upper() for m in getattr(view_class, "http_method_names", [])}
        methods = {m for m in WRITE_METHODS if m in allowed and hasattr(view_class, m.lower())}
        return f"{view_class.__module__}.{view_class.__qualname__}", methods
    inner = inspect.unwrap(callback)
    name = f"{inner.__module__}.{inner.__qualname__}"
    return name, _methods_of_function(callback)


@cache
def discover_write_ops() -> tuple[WriteOp, ...]:
    ops = []
    for route in matrix.discover():
        view, methods = write_methods(_callback(route))
        for method in sorted(methods):
            ops.append(WriteOp(name=f"{method} {route.name}", route=route, method=method, view=view))
    return tuple(ops)


# --------------------------------------------------------------------------------------
# Forms and their identifier fields
# --------------------------------------------------------------------------------------


def identifier_kind(name: str, field_: forms.Field) -> str | None:
    """What kind of identifier a form field takes, or None for free text and fixed choices."""
    if isinstance(field_, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
        return "related id"
    if isinstance(field_, forms.EmailField):
        return "e-mail"
    if isinstance(field_, forms.UUIDField):
        return "uuid"
    lowered = name.lower()
    if "personal_number" in lowered or "personnummer" in lowered:
        return "personnummer"
    if isinstance(field_, forms.ChoiceField) and not list(field_.choices):
        return "related id"  # choices filled from the database when the form is built
    if IDENTIFIER_NAME.search(lowered):
        return "identifier"
    return None


def _sources(callback: Any) -> tuple[list[str], dict[str, Any]]:
    """The view's own source and the module helpers it calls, three levels deep."""
    inner = inspect.unwrap(callback)
    module_globals = getattr(inner, "__globals__", {})
    sources, seen, frontier = [], {inner}, [inner]
    for _depth in range(3):
        next_frontier = []
        for func in frontier:
            source = _source(func)
            sources.append(source)
            for called in re.findall(r"\b(_?[a-z]\w*)\(", source):
                helper = module_globals.get(called)
                if inspect.isfunction(helper) and helper.__module__ == inner.__module__ and helper not in seen:
                    seen.add(helper)
                    next_frontier.append(helper)
        frontier = next_frontier
    return sources, module_globals


# A form bound to the submitted data: `XForm(request.POST …)`, `XForm(data, …)` in a helper
# that receives request.POST, `XForm(data=request.POST)`.
_BOUND = re.compile(r"\b([A-Z]\w*Form)\(\s*(?:data\s*=\s*)?(?:request\.POST|data\b)([^)]*)")
_PREFIX = re.compile(r"prefix\s*=\s*[\"'](\w+)[\"']")
_RAW = [
    re.compile(r"request\.POST(?:\.get\(\s*|\.getlist\(\s*|\[\s*)[\"'](\w+)[\"']"),
    re.compile(r"[\"'](\w+)[\"']\s+in\s+request\.POST"),
]


def forms_of_view(callback: Any) -> list[tuple[type[forms.BaseForm], str | None]]:
    """The form classes a write view binds to the submitted data, with the prefix the view
    gives them (`prefix="note"`; None: the class's own)."""
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        found = getattr(cls, "form_class", None)
        return [(found, None)] if isinstance(found, type) and issubclass(found, forms.BaseForm) else []
    sources, module_globals = _sources(callback)
    bound: dict[str, str | None] = {}
    for source in sources:
        for match in _BOUND.finditer(source):
            prefix = _PREFIX.search(match.group(2))
            if prefix or match.group(1) not in bound:
                bound[match.group(1)] = prefix.group(1) if prefix else None
    result = []
    for token, prefix in sorted(bound.items()):
        candidate = module_globals.get(token)
        if isinstance(candidate, type) and issubclass(candidate, forms.BaseForm):
            result.append((candidate, prefix))
    return result


def raw_post_fields(callback: Any) -> set[str]:
    """Fields a function view reads straight from request.POST, outside any form."""
    if getattr(callback, "cls", None) or getattr(callback, "view_class", None):
        return set()
    sources, _ = _sources(callback)
    return {m.group(1) for source in sources for pattern in _RAW for m in pattern.finditer(source)}


def form_info(form_class: type[forms.BaseForm], prefix: str | None = None) -> FormInfo:
    """The form's fields as they are submitted (`external-email` for a form with a prefix)."""
    prefix = prefix or getattr(form_class, "prefix", None)
    fields = {f"{prefix}-{name}" if prefix else name: f for name, f in form_class.base_fields.items()}
    identifiers = {}
    for name, field_ in fields.items():
        kind = identifier_kind(name.split("-", 1)[-1], field_)
        if kind:
            identifiers[name] = kind
    return FormInfo(
        name=f"{form_class.__module__}.{form_class.__qualname__}", identifier_fields=identifiers, fields=tuple(fields)
    )


@cache
def discover_forms() -> dict[str, tuple[FormInfo, ...]]:
    """Write operation -> the forms its view uses (only operations whose view names a form)."""
    result: dict[str, tuple[FormInfo, ...]] = {}
    for op in discover_write_ops():
        callback = _callback(op.route)
        found = [form_info(f, prefix) for f, prefix in forms_of_view(callback)]
        raw = raw_post_fields(callback)
        if raw:
            found.append(
                FormInfo(
                    name="request.POST",
                    identifier_fields=dict.fromkeys(sorted(raw), "raw POST field"),
                    fields=tuple(sorted(raw)),
                )
            )
        if found:
            result[op.name] = tuple(found)
    return result


# --------------------------------------------------------------------------------------
# The API schema
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiOp:
    name: str  # "POST plan-action-list" (the route name the schema path resolves to)
    path: str  # "/api/v1/plan-actions/"
    method: str
    operation_id: str
    identifier_fields: tuple[tuple[str, str], ...]  # (field, kind)
    fields: tuple[str, ...]


def _schema_kind(name: str, prop: dict[str, Any]) -> str | None:
    fmt = prop.get("format")
    if fmt == "uuid":
        return "uuid"
    if fmt == "email":
        return "e-mail"
    lowered = name.lower()
    if "personal_number" in lowered or "personnummer" in lowered:
        return "personnummer"
    if IDENTIFIER_NAME.search(lowered):
        return "identifier"
    items = prop.get("items") or {}
    if items.get("format") == "uuid":
        return "uuid"
    return None


@cache
def api_schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve_ref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node and seen < 10:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
        seen += 1
    return node


@cache
def discover_api_ops() -> tuple[ApiOp, ...]:
    schema = api_schema()
    ops = []
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method.upper() not in WRITE_METHODS:
                continue
            concrete = re.sub(r"\{[^}]+\}", str(uuid.UUID(int=1)), path)
            match = resolve(concrete)
            route_name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            props: dict[str, Any] = {}
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                node = _resolve_ref(schema, content.get("schema", {}))
                for name, prop in node.get("properties", {}).items():
                    if not prop.get("readOnly"):
                        props[name] = _resolve_ref(schema, prop) if "$ref" in prop else prop
            identifiers = tuple(sorted((n, k) for n, p in props.items() if (k := _schema_kind(n, p))))
            ops.append(
                ApiOp(
                    name=f"{method.upper()} {route_name}",
                    path=path,
                    method=method.upper(),
                    operation_id=operation.get("operationId", ""),
                    identifier_fields=identifiers,
                    fields=tuple(sorted(props)),
                )
            )
    return tuple(ops)


# --------------------------------------------------------------------------------------
# API input serializers (the schema documents the output serializer for most custom
# writes, so the request fields are also read from the `*Input` serializers a handler uses)
# --------------------------------------------------------------------------------------


def _serializer_kind(name: str, field_: Any) -> str | None:
    from rest_framework import serializers

    if isinstance(field_, serializers.ListField):
        inner = _serializer_kind(name, field_.child)
        return inner
    if isinstance(field_, serializers.UUIDField):
        return "uuid"
    if isinstance(field_, serializers.EmailField):
        return "e-mail"
    if isinstance(field_, (serializers.PrimaryKeyRelatedField, serializers.SlugRelatedField)):
        return "related id"
    lowered = name.lower()
    if "personal_number" in lowered or "personnummer" in lowered:
        return "personnummer"
    if IDENTIFIER_NAME.search(lowered):
        return "identifier"
    return None


@cache
def discover_api_inputs() -> dict[str, dict[str, str]]:
    """DRF write operation -> {request field: identifier kind} from the input serializers
    its handler names (`PlanActionInput(data=...)`, `_valid(MeetingCallInput, request)`)."""
    from rest_framework import serializers

    result: dict[str, dict[str, str]] = {}
    for op in discover_write_ops():
        callback = _callback(op.route)
        cls, actions = getattr(callback, "cls", None), getattr(callback, "actions", None)
        if cls is None or not actions:
            continue
        handler = getattr(cls, actions.get(op.method.lower(), ""), None)
        if handler is None:  # an extra @action answering several methods
            handler = next((getattr(cls, h) for h in actions.values() if hasattr(cls, h)), None)
        if handler is None:
            continue
        module = inspect.getmodule(cls)
        source = _source(handler)
        # handlers delegate (update -> partial_update): follow self.<method>( one level.
        for called in re.findall(r"self\.(\w+)\(", source):
            target = getattr(cls, called, None)
            if inspect.isfunction(target):
                source += "\n" + _source(target)
        fields: dict[str, str] = {}
        for token in sorted(set(re.findall(r"\b([A-Z]\w*(?:Input|Serializer))\b", source))):
            candidate = getattr(module, token, None)
            if isinstance(candidate, type) and issubclass(candidate, serializers.Serializer):
                for name, field_ in candidate().get_fields().items():
                    if field_.read_only:
                        continue
                    kind = _serializer_kind(name, field_)
                    if kind:
                        fields[name] = kind
        result[op.name] = fields
    return result
