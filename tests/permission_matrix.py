"""Machinery for the permission matrix: role × route × method → expected status.

Every app keeps its own table in a test module ``tests/test_permissions*.py`` (``ROUTES``, a
fixture that builds the objects requested, and one parametrized test)::

    from tests.permission_matrix import api, by_capability, capability_rows, check_route, expect, page

    SEES_A = ("admin", "county", "station_a", "aux_v1", "grid_g1")  # who sees case_a
    ROUTES = [
        page("disputes:case-list", expected=expect(200)),
        page("disputes:case-detail", args=lambda w: [case_of(w).pk], expected=expect(404, admin=200, ...)),
        page("disputes:case-action", args=..., method="post",
             expected=by_capability("case.accept", allowed=302, scope=SEES_A)),
        api("cases-list", method="post", expected=by_capability("case.report", allowed=400)),
        ...
    ]

    @pytest.mark.parametrize("route", ROUTES, ids=str)
    def test_permissions(route, world, client):
        check_route(client, world, route)

    @pytest.mark.parametrize("route", capability_rows(ROUTES), ids=str)
    def test_the_capability_decides(route, world, client):
        check_route(client, world, route, withdraw=True)

``tests/test_permission_coverage.py`` collects the ``ROUTES`` of every such module and fails for
any named URL of the resolver (every namespace) or API route of the router that no table
requests, so a new app, page or viewset needs rows before the suite passes.

Expectations are either written out per actor (``expect``) or read from the capability table
(``by_capability``): an actor whose role ``may(user, code)`` gets ``allowed``, the others
``denied``; the role is the one the world's user for that actor acts in, asked when the route is
checked. Scope is not in the table, so a route says who sees its object (``scope=``): the
others get 404 (checked before the capability, unless ``scope_first=False``). Each capability
row is also sent with its capability withdrawn from every role (``withdraw=True``): everyone it
allowed must then be refused, which proves the view asks that very capability and not another
that happens to have the same roles today.

One test per route sends the request as every actor (each inside a savepoint that is rolled
back, so a write by one actor never changes what the next one sees) and fails with the whole row
of differences. Statuses: a page an anonymous user opens answers 302 to the login page (checked),
an API call 403 (DRF's session authentication sends no ``WWW-Authenticate``). An object outside
the actor's scope answers 404, never 403: that is the rule the matrix exists to hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as _dc_replace

from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import capabilities as core_capabilities
from core.capabilities import CapabilityTable
from governance.capabilities import TABLE, may

from .conftest import ROLES, World

ANONYMOUS = "anonymous"
ACTORS: tuple[str, ...] = (ANONYMOUS, *ROLES)

LOGIN_REDIRECT = "login"  # what an anonymous page request must answer (a 302 to /login/?next=…)
SIGN_IN_PAGES = frozenset({LOGIN_REDIRECT, "admin:login"})  # where anonymous users are sent to sign in


def expect(default: int | None = None, **by_actor: int) -> dict[str, int]:
    """Expected statuses per actor: ``default`` for every actor not named, then overrides.
    ``expect(404, admin=200, county=200, station_a=200)``. Anonymous is filled in by ``page``
    and ``api`` unless given (``anonymous=…``)."""
    statuses = {actor: default for actor in ROLES if default is not None}
    statuses.update(by_actor)
    return statuses


# --- Expectations read from the capability table ----------------------------------------
@dataclass(frozen=True)
class ByCapability:
    """The statuses of a route guarded by the capability ``code`` (see ``by_capability``),
    resolved against the world when the route is checked."""

    code: str
    allowed: int
    denied: int
    scope: frozenset[str] | None  # the actors who see the object; None: no object (or everyone)
    outside: int
    scope_first: bool
    fixed: Mapping[str, int] = field(default_factory=dict)  # actors given explicitly

    def _decide(self, world: World, actor: str) -> tuple[int, str]:
        if actor in self.fixed:
            return self.fixed[actor], "given"
        user = world.user(actor)
        role = TABLE.role_of(user) or "no role"
        permitted = may(user, self.code)
        in_scope = self.scope is None or actor in self.scope
        why = f"{role}: {'may' if permitted else 'may not'} {self.code}"
        if not in_scope and (self.scope_first or permitted):
            return self.outside, f"{why}, outside the scope"
        return (self.allowed if permitted else self.denied), why

    def resolve(self, world: World) -> dict[str, int]:
        return {actor: self._decide(world, actor)[0] for actor in (*self.fixed, *ROLES)}

    def explain(self, world: World, actor: str) -> str:
        return self._decide(world, actor)[1]

    def but(self, **by_actor: int) -> ByCapability:
        """The same with some actors given explicitly (a status the table does not decide)."""
        _check_actors(by_actor)
        return _dc_replace(self, fixed={**self.fixed, **by_actor})

    def with_default(self, actor: str, status: int) -> ByCapability:
        return self if actor in self.fixed else self.but(**{actor: status})

    def __str__(self) -> str:
        return f"by_capability({self.code!r})"


def _check_actors(names: Iterable[str]) -> None:
    unknown = set(names) - set(ACTORS)
    if unknown:
        raise ValueError(f"unknown actors {sorted(unknown)} (the actors are {ACTORS})")


def by_capability(
    code: str,
    *,
    allowed: int = 200,
    denied: int = 403,
    scope: Iterable[str] | None = None,
    outside: int = 404,
    scope_first: bool = True,
    **by_actor: int,
) -> ByCapability:
    """Expected statuses from the capability table: each actor's user (``world.user(actor)``)
    is asked ``may(user, code)``; ``allowed`` if its role may, ``denied`` if not.

    ``scope`` names the actors who see the object the route is about; the others get
    ``outside`` (404). The views check the scope first (an outsider never learns that the object
    exists), so by default an outsider gets 404 whatever the table says; with
    ``scope_first=False`` the capability is checked first (an API action that refuses a role
    before it reads the body) and only the actors who may get ``outside``.
    ``by_actor`` gives statuses the table does not decide (``station_b=400``). Anonymous is
    filled in by ``page`` and ``api``. An unknown ``code`` raises here, at import time."""
    TABLE.get(code)  # UnknownCapability for a typo
    scope = None if scope is None else frozenset(scope)
    _check_actors([*(scope or ()), *by_actor])
    return ByCapability(
        code=code,
        allowed=allowed,
        denied=denied,
        scope=scope,
        outside=outside,
        scope_first=scope_first,
        fixed=dict(by_actor),
    )


Expected = Mapping[str, int] | ByCapability

# The table ``capability_withdrawn`` installs (``settings.CAPABILITY_TABLE`` names it meanwhile).
WITHDRAWN: CapabilityTable | None = None


@contextmanager
def capability_withdrawn(code: str) -> Iterator[CapabilityTable]:
    """Run with the table of ``settings.CAPABILITY_TABLE`` less ``code`` (no role may): a route
    whose expectation is ``by_capability(code)`` must then refuse everyone it allowed, which
    holds only if the view asks that very capability (not another with the same roles today)."""
    global WITHDRAWN
    real = core_capabilities.table()
    WITHDRAWN = CapabilityTable(
        roles=real.roles,
        capabilities=[_dc_replace(c, roles=frozenset()) if c.code == code else c for c in real],
        role_of=real.role_of,
    )
    try:
        with override_settings(CAPABILITY_TABLE=f"{__name__}.WITHDRAWN"):
            core_capabilities.table.cache_clear()
            yield WITHDRAWN
    finally:
        core_capabilities.table.cache_clear()
        WITHDRAWN = None


def capability_rows(routes: Iterable[Route]) -> list[Route]:
    """The rows whose every signed-in status the capability table decides (``by_capability``
    with no actor given explicitly): what ``capability_withdrawn`` is tried on."""
    return [
        route
        for route in routes
        if isinstance(route.expected, ByCapability) and set(route.expected.fixed) <= {ANONYMOUS}
    ]


def replace(statuses: Expected, **by_actor: int) -> Expected:
    """``statuses`` with some actors' statuses replaced."""
    if isinstance(statuses, ByCapability):
        return statuses.but(**by_actor)
    return {**statuses, **by_actor}


# --- Routes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """One request: a URL name (reversed with ``args(world)``) or an explicit ``url(world)``,
    a method, the body (``data(world)``; JSON for the API, form-encoded for pages) and the
    expected status per actor (every actor in ``ACTORS`` must be named, or read from the
    capability table: ``by_capability``)."""

    name: str
    expected: Expected
    method: str = "get"
    args: Callable[[World], list] | None = None
    query: str = ""
    url: Callable[[World], str] | None = None
    data: Callable[[World], dict] | dict | None = None
    is_api: bool = False
    # where an anonymous page request that answers 302 must be sent: a sign-in page, or for a
    # public route (tests/test_permission_coverage.py: PUBLIC) wherever it goes
    login_url: str = LOGIN_REDIRECT
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

    def expected_for(self, world: World) -> dict[str, int]:
        if isinstance(self.expected, ByCapability):
            return self.expected.resolve(world)
        return dict(self.expected)

    def named_actors(self) -> set[str]:
        """The actors the row gives a status (a capability row gives every role one)."""
        if isinstance(self.expected, ByCapability):
            return {*self.expected.fixed, *ROLES}
        return set(self.expected)

    @property
    def anonymous(self) -> int:
        if isinstance(self.expected, ByCapability):
            return self.expected.fixed[ANONYMOUS]
        return self.expected[ANONYMOUS]

    @property
    def is_public(self) -> bool:
        """Whether an anonymous request gets anything but "sign in first"."""
        if self.is_api:
            return self.anonymous != 403
        return self.anonymous != 302 or self.login_url not in SIGN_IN_PAGES


def _with_anonymous(expected: Expected, status: int) -> Expected:
    if isinstance(expected, ByCapability):
        return expected.with_default(ANONYMOUS, status)
    return {ANONYMOUS: status, **expected}


def page(name: str, *, expected: Expected, method: str = "get", **kwargs) -> Route:
    """A server-rendered page: anonymous users are sent to the login page."""
    return Route(name=name, expected=_with_anonymous(expected, 302), method=method, **kwargs)


def api(name: str, *, expected: Expected, method: str = "get", **kwargs) -> Route:
    """An API route (DRF router name without namespace, e.g. ``"regions-detail"``)."""
    return Route(name=name, expected=_with_anonymous(expected, 403), method=method, is_api=True, **kwargs)


def _request(client, route: Route, url: str, world: World):
    method = route.method.lower()
    data = route.build_data(world)
    if route.is_api and method in {"post", "patch", "put"}:
        return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")
    if method == "get":
        return client.get(url, data or {})
    return getattr(client, method)(url, data or {})


def observe(client, world: World, route: Route, url: str | None = None) -> dict[str, tuple[int, str]]:
    """Send ``route`` as every actor; {actor: (status, redirect location or "")}."""
    url = url or route.build_url(world)
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


def check_route(client, world: World, route: Route, *, withdraw: bool = False) -> None:
    """Assert the expected status for every actor; fail with every difference at once.

    ``withdraw``: first withdraw the row's capability from every role (``capability_withdrawn``);
    the objects the URL names are made before, with the real table."""
    url = route.build_url(world)
    if withdraw:
        assert isinstance(route.expected, ByCapability), f"{route}: not a capability row"
        with capability_withdrawn(route.expected.code):
            _check(client, world, route, url, note=f" without {route.expected.code}")
    else:
        _check(client, world, route, url)


def _check(client, world: World, route: Route, url: str, note: str = "") -> None:
    expected = route.expected_for(world)
    missing = [actor for actor in ACTORS if actor not in expected]
    assert not missing, f"{route}: no expected status for {missing}"
    seen = observe(client, world, route, url)
    problems = []
    for actor in ACTORS:
        status, location = seen[actor]
        want = expected[actor]
        if status != want:
            why = ""
            if isinstance(route.expected, ByCapability):
                why = f"  [{route.expected.explain(world, actor)}]"
            problems.append(f"  {actor:<12} expected {want}, got {status} {location}".rstrip() + why)
        elif actor == ANONYMOUS and not route.is_api and status == 302:
            login = reverse(route.login_url)
            if not location.startswith(login):
                problems.append(f"  {actor:<12} redirected to {location}, not to {login}")
    assert not problems, f"{route} ({url}){note}:\n" + "\n".join(problems)


# --- Completeness -------------------------------------------------------------------------
def _walk(patterns, prefix: str = "") -> Iterable[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name or ''}", entry


def url_patterns() -> dict[str, list[URLPattern]]:
    """Every named URL the resolver knows, with its namespaces (``disputes:case-detail``), and
    the patterns of that name (an API route has one more for its format suffix). An unnamed
    pattern is under its namespace alone (``"admin:"``; ``""`` at the top level)."""
    found: dict[str, list[URLPattern]] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        found.setdefault(name, []).append(pattern)
    return found


def url_names(
    *, namespaces: Iterable[str] = (), names: Iterable[str] = (), api_basenames: Iterable[str] = ()
) -> set[str]:
    """Named URLs in the given namespaces, plain names, and API routes of the given basenames
    (``regions`` → ``regions-list``, ``regions-detail``, ``regions-archive`` …)."""
    all_names = {name for name in url_patterns() if name and not name.endswith(":")}
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
    """Basenames of the API routes whose viewsets live in the given apps (``"stations"``), or
    of every viewset the router has when no app is named."""
    from config.api_urls import router

    return [
        basename
        for _prefix, viewset, basename in router.registry
        if not apps or viewset.__module__.split(".")[0] in apps
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
