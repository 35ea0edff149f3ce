"""Machinery for the permission matrix: role × route × method → expected status.

Every app keeps its own table in a test module (``tests/test_permissions.py`` holds governance
and stations) and feeds it to the same three helpers::

    from tests.permission_matrix import api, api_basenames, check_route, expect, page, uncovered

    ROUTES = [
        page("disputes:case-list", expected=expect(READ_ALL)),
        page("disputes:case-detail", args=lambda w: [case_of(w).pk], expected=expect(READ_A)),
        api("cases-list", method="post", data={}, expected=expect(API_WRITE_A)),
        ...
    ]

    @pytest.mark.parametrize("route", ROUTES, ids=str)
    def test_permissions(route, world, client):
        check_route(client, world, route)

    def test_every_disputes_route_is_in_the_matrix():
        assert uncovered(ROUTES, namespaces=["disputes"], api_basenames=api_basenames("disputes")) == []

One test per route sends the request as every actor (each inside a savepoint that is rolled
back, so a write by one actor never changes what the next one sees) and fails with the whole row
of differences. Statuses: a page an anonymous user opens answers 302 to the login page (checked),
an API call 403 (DRF's session authentication sends no ``WWW-Authenticate``). An object outside
the actor's scope answers 404, never 403: that is the rule the matrix exists to hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import ROLES, World

ANONYMOUS = "anonymous"
ACTORS: tuple[str, ...] = (ANONYMOUS, *ROLES)

LOGIN_REDIRECT = "login"  # what an anonymous page request must answer (a 302 to /login/?next=…)


def expect(default: int | None = None, **by_actor: int) -> dict[str, int]:
    """Expected statuses per actor: ``default`` for every actor not named, then overrides.
    ``expect(404, admin=200, county=200, station_a=200)``. Anonymous is filled in by ``page``
    and ``api`` unless given (``anonymous=…``)."""
    statuses = {actor: default for actor in ROLES if default is not None}
    statuses.update(by_actor)
    return statuses


@dataclass(frozen=True)
class Route:
    """One request: a URL name (reversed with ``args(world)``) or an explicit ``url(world)``,
    a method, the body (``data(world)``; JSON for the API, form-encoded for pages) and the
    expected status per actor (every actor in ``ACTORS`` must be named)."""

    name: str
    expected: Mapping[str, int]
    method: str = "get"
    args: Callable[[World], list] | None = None
    query: str = ""
    url: Callable[[World], str] | None = None
    data: Callable[[World], dict] | dict | None = None
    is_api: bool = False
    login_url: str = LOGIN_REDIRECT  # URL name an anonymous page request is sent to
    note: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}{'?' + self.query if self.query else ''}"

    def build_url(self, world: World) -> str:
        if self.url is not None:
            return self.url(world)
        url = reverse(self.name, args=self.args(world) if self.args else None)
        return f"{url}?{self.query}" if self.query else url

    def build_data(self, world: World) -> dict | None:
        return self.data(world) if callable(self.data) else self.data


def page(name: str, *, expected: Mapping[str, int], method: str = "get", **kwargs) -> Route:
    """A server-rendered page: anonymous users are sent to the login page."""
    return Route(name=name, expected={ANONYMOUS: 302, **expected}, method=method, **kwargs)


def api(name: str, *, expected: Mapping[str, int], method: str = "get", **kwargs) -> Route:
    """An API route (DRF router name without namespace, e.g. ``"regions-detail"``)."""
    return Route(name=name, expected={ANONYMOUS: 403, **expected}, method=method, is_api=True, **kwargs)


def _request(client, route: Route, url: str, world: World):
    method = route.method.lower()
    data = route.build_data(world)
    if route.is_api and method in {"post", "patch", "put"}:
        return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")
    if method == "get":
        return client.get(url, data or {})
    return getattr(client, method)(url, data or {})


def observe(client, world: World, route: Route) -> dict[str, tuple[int, str]]:
    """Send ``route`` as every actor; {actor: (status, redirect location or "")}."""
    url = route.build_url(world)
    seen: dict[str, tuple[int, str]] = {}
    for actor in ACTORS:
        client.logout()
        with transaction.atomic():
            if actor != ANONYMOUS:
                client.force_login(world.user(actor))
            response = _request(client, route, url, world)
            seen[actor] = (response.status_code, response.headers.get("Location", ""))
            transaction.set_rollback(True)
    client.logout()
    return seen


def check_route(client, world: World, route: Route) -> None:
    """Assert the expected status for every actor; fail with every difference at once."""
    missing = [actor for actor in ACTORS if actor not in route.expected]
    assert not missing, f"{route}: no expected status for {missing}"
    seen = observe(client, world, route)
    problems = []
    for actor in ACTORS:
        status, location = seen[actor]
        want = route.expected[actor]
        if status != want:
            problems.append(f"  {actor:<12} expected {want}, got {status} {location}".rstrip())
        elif actor == ANONYMOUS and not route.is_api and status == 302:
            login = reverse(route.login_url)
            if not location.startswith(login):
                problems.append(f"  {actor:<12} redirected to {location}, not to {login}")
    assert not problems, f"{route} ({route.build_url(world)}):\n" + "\n".join(problems)


# --- Completeness -------------------------------------------------------------------------
def _walk(patterns, prefix: str = "") -> Iterable[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}"


def url_names(
    *, namespaces: Iterable[str] = (), names: Iterable[str] = (), api_basenames: Iterable[str] = ()
) -> set[str]:
    """Named URLs in the given namespaces, plain names, and API routes of the given basenames
    (``regions`` → ``regions-list``, ``regions-detail``, ``regions-archive`` …)."""
    all_names = set(_walk(get_resolver().url_patterns))
    wanted = {n for n in all_names for ns in namespaces if n.startswith(f"{ns}:")}
    wanted |= {n for n in names if n in all_names}
    wanted |= api_route_names(api_basenames)
    return wanted


def api_route_names(basenames: Iterable[str]) -> set[str]:
    """The route names the API router gives the viewsets registered under ``basenames``."""
    from config.api_urls import router

    basenames = set(basenames)
    return {
        route.name.format(basename=basename)
        for _prefix, viewset, basename in router.registry
        if basename in basenames
        for route in router.get_routes(viewset)
        if router.get_method_map(
            viewset, route.mapping
        )  # the router makes no URL for a route without methods
    }


def api_basenames(*apps: str) -> list[str]:
    """Basenames of the API routes whose viewsets live in the given apps (``"stations"``), so a
    completeness test also notices a viewset registered after its table was written."""
    from config.api_urls import router

    return [
        basename for _prefix, viewset, basename in router.registry if viewset.__module__.split(".")[0] in apps
    ]


def uncovered(
    routes: Iterable[Route],
    *,
    namespaces: Iterable[str] = (),
    names: Iterable[str] = (),
    api_basenames: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> list[str]:
    """URL names of the given namespaces/basenames that no route of the table requests."""
    covered = {route.name for route in routes}
    wanted = url_names(namespaces=namespaces, names=names, api_basenames=api_basenames)
    return sorted(wanted - covered - set(ignore))
