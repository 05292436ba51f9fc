"""The url target: an existing gateway, reached at the URLs the user gave."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ..features import get_profile
from ..target import Target, TargetError, TargetSettings, parse_stream_addr

PROBE_TIMEOUT = 5.0


# An authenticated call answering these refused the credential: the run cannot go on.
REFUSED = (401, 403)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint the user gave, and the cheap request that shows it answers."""

    url: str
    what: str
    headers: dict[str, str] = field(default_factory=dict)
    credential: str | None = None  # the option whose key the request carries, if checked

    def probe(self) -> httpx.Response:
        """Any HTTP answer means reachable; a refused credential is a user error too."""
        try:
            answer = httpx.get(self.url, headers=self.headers, timeout=PROBE_TIMEOUT)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise TargetError(f"{self.what} {self.url} is unreachable: {reason}") from None
        if self.credential and answer.status_code in REFUSED:
            given = "the key given with" if self.headers else "no key: give it with"
            raise TargetError(
                f"{self.what} {self.url} answered {answer.status_code} to {given} "
                f"{self.credential}; check the key"
            )
        return answer


def admin_endpoint(base: str, what: str, key: str | None, option: str = "--admin-key") -> Endpoint:
    """GET the routes: the Admin API's cheapest call that needs the key."""
    headers = {"X-API-KEY": key} if key else {}
    return Endpoint(f"{base}/apisix/admin/routes", what, headers, option)


def endpoints(settings: TargetSettings) -> list[Endpoint]:
    """Each endpoint the user gave, with the credential checked on it."""
    admin_headers = {"X-API-KEY": settings.admin_key} if settings.admin_key else {}
    token_headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
    given: list[Endpoint] = []
    if settings.admin_url:
        given.append(admin_endpoint(settings.admin_url, "admin API", settings.admin_key))
        if settings.viewer_key:
            viewer = admin_endpoint(
                settings.admin_url, "admin API", settings.viewer_key, "--viewer-key"
            )
            given.append(viewer)
    if settings.data_plane_url:
        given.append(Endpoint(settings.data_plane_url, "data plane"))
    if settings.dashboard_url:
        given.append(Endpoint(settings.dashboard_url + "/api", "dashboard", admin_headers))
    if settings.cloud_url:
        given.append(Endpoint(settings.cloud_url, "cloud API", token_headers))
    return given


class UrlProvider:
    """A gateway that is already running; nothing to start or stop."""

    name = "url"

    def __init__(
        self, settings: TargetSettings, profiles: tuple[str, ...], claimed: frozenset[str]
    ) -> None:
        self.settings = settings
        self.profiles = profiles
        self.claimed = claimed
        self._probed = False
        self._checked: set[str] = set()

    def _check(self, endpoint: Endpoint) -> None:
        endpoint.probe()
        self._checked.add(endpoint.url)

    def _probe_all(self) -> None:
        if not self._probed:
            for endpoint in endpoints(self.settings):
                self._check(endpoint)
            self._probed = True

    def target(self, profile: str) -> Target:
        settings = self.settings
        admin_url = settings.admin_url
        if profile == "apisix-v2":
            admin_url = settings.admin_v2_url or settings.admin_url
            if admin_url and admin_url != settings.admin_url and admin_url not in self._checked:
                self._check(admin_endpoint(admin_url, "admin API (v2)", settings.admin_key))
        if profile in ("apisix-v3", "apisix-v2") and not admin_url:
            raise TargetError(f"profile {profile} needs --admin-url")
        if profile == "dataplane" and not settings.data_plane_url:
            raise TargetError("profile dataplane needs --data-plane-url")
        self._probe_all()
        identity = settings.implementation
        core = {f for p in self.profiles for f in get_profile(p).core}
        return Target(
            admin_url=admin_url,
            admin_key=settings.admin_key,
            viewer_key=settings.viewer_key,
            data_plane_url=settings.data_plane_url,
            stream_addr=parse_stream_addr(settings.stream_addr),
            stream_tls_addr=parse_stream_addr(settings.stream_tls_addr),
            stream_udp_addr=parse_stream_addr(settings.stream_udp_addr),
            dashboard_url=settings.dashboard_url,
            cloud_url=settings.cloud_url,
            portal_api_url=settings.portal_api_url,
            prometheus_url=settings.prometheus_url,
            otel_collector=settings.otel_collector,
            secret_env=settings.secret_env,
            dns_server=settings.dns_server,
            redis_url=settings.redis_url,
            redis_cluster_nodes=settings.redis_cluster_nodes,
            token=settings.token,
            name=settings.name or identity.project or "unknown",
            version=identity.version or "unknown",
            profiles=self.profiles,
            features=frozenset(core | self.claimed),
            timeouts=settings.timeouts,
            admin_api_version="v2" if profile == "apisix-v2" else "v3",
        )

    def close(self) -> None:
        """Nothing to stop: the gateway belongs to the user."""
