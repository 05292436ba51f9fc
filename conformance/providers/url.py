"""The url target: an existing gateway, reached at the URLs the user gave."""

from __future__ import annotations

import httpx

from ..features import get_profile
from ..target import Target, TargetError, TargetSettings, parse_stream_addr

PROBE_TIMEOUT = 5.0


def probe(url: str, what: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """One request to `url`; any HTTP answer means reachable."""
    try:
        return httpx.get(url, headers=headers or {}, timeout=PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetError(f"{what} {url} is unreachable: {reason}") from None


def name_and_version(server_header: str | None) -> tuple[str, str]:
    """`APISIX/3.9.1` -> ("APISIX", "3.9.1"); no header -> unknown."""
    if not server_header:
        return "unknown", "unknown"
    product = server_header.split()[0]
    name, _, ver = product.partition("/")
    return name, ver or "unknown"


def endpoints(settings: TargetSettings) -> list[tuple[str, str, dict[str, str]]]:
    """(url, what, headers) of each endpoint the user gave, to probe and to identify."""
    admin_headers = {"X-API-KEY": settings.admin_key} if settings.admin_key else {}
    token_headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
    given = [
        (settings.admin_url, "/apisix/admin/routes", "admin API", admin_headers),
        (settings.data_plane_url, "", "data plane", {}),
        (settings.dashboard_url, "/api", "dashboard", admin_headers),
        (settings.cloud_url, "", "cloud API", token_headers),
    ]
    return [(base + path, what, headers) for base, path, what, headers in given if base]


class UrlProvider:
    """A gateway that is already running; nothing to start or stop."""

    name = "url"

    def __init__(
        self, settings: TargetSettings, profiles: tuple[str, ...], claimed: frozenset[str]
    ) -> None:
        self.settings = settings
        self.profiles = profiles
        self.claimed = claimed
        self._identity: tuple[str, str] | None = None
        self._checked: set[str] = set()

    def _check(self, url: str, what: str, headers: dict[str, str] | None = None) -> httpx.Response:
        reply = probe(url, what, headers)
        self._checked.add(url)
        return reply

    def _identify(self) -> tuple[str, str]:
        if self._identity is None:
            server = None
            for url, what, headers in endpoints(self.settings):
                server = server or self._check(url, what, headers).headers.get("server")
            name, ver = name_and_version(server)
            self._identity = (self.settings.name or name, ver)
        return self._identity

    def target(self, profile: str) -> Target:
        settings = self.settings
        admin_url = settings.admin_url
        if profile == "apisix-v2":
            admin_url = settings.admin_v2_url or settings.admin_url
            if admin_url and admin_url != settings.admin_url and admin_url not in self._checked:
                self._check(f"{admin_url}/apisix/admin/routes", "admin API (v2)")
        if profile in ("apisix-v3", "apisix-v2") and not admin_url:
            raise TargetError(f"profile {profile} needs --admin-url")
        if profile == "dataplane" and not settings.data_plane_url:
            raise TargetError("profile dataplane needs --data-plane-url")
        name, ver = self._identify()
        core = {f for p in self.profiles for f in get_profile(p).core}
        return Target(
            admin_url=admin_url,
            admin_key=settings.admin_key,
            viewer_key=settings.viewer_key,
            data_plane_url=settings.data_plane_url,
            stream_addr=parse_stream_addr(settings.stream_addr),
            dashboard_url=settings.dashboard_url,
            cloud_url=settings.cloud_url,
            prometheus_url=settings.prometheus_url,
            redis_url=settings.redis_url,
            redis_cluster_nodes=settings.redis_cluster_nodes,
            token=settings.token,
            name=name,
            version=ver,
            profiles=self.profiles,
            features=frozenset(core | self.claimed),
            timeout=settings.timeout,
            admin_api_version="v2" if profile == "apisix-v2" else "v3",
        )

    def close(self) -> None:
        """Nothing to stop: the gateway belongs to the user."""
