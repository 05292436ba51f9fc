"""One conformance run's state: options, the provider of targets, and collected results."""

from __future__ import annotations

import time
from typing import Any, Protocol

from .features import FEATURES_OF_INPUTS, get_profile
from .providers.embedded import (
    REFERENCE_NAME,
    EmbeddedProvider,
    suite_version,
    unavailable_features,
)
from .providers.url import Endpoint, UrlProvider
from .report.identity import Implementation
from .report.model import RunInfo
from .results import ResultCollector
from .target import SPEC_PROFILE, RunOptions, Target, TargetError, claimed_profiles

GONE_RETRY_DELAY = 1.0


class Provider(Protocol):
    name: str

    def target(self, profile: str) -> Target: ...

    def close(self) -> None: ...


class RunState:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.profiles = claimed_profiles(options)
        if not self.profiles:
            raise TargetError("no profile to run: give --profile or the target's URLs")
        self.results = ResultCollector()
        self.not_started = False  # the target could not be set up: no report
        self.aborted: str | None = None  # why the run broke off mid-way (the target died)
        self._provider: Provider | None = None
        self._targets: dict[str, Target] = {}

    @property
    def default_profile(self) -> str:
        """The profile whose target a test gets unless it belongs to apisix-v2."""
        return next((p for p in self.profiles if p != "apisix-v2"), "apisix-v3")

    @property
    def claimed_features(self) -> frozenset[str]:
        """Core of the selected profiles, plus the Extended features the target claims or
        whose inputs it supplied."""
        core = {f for name in self.profiles for f in get_profile(name).core}
        if self.options.settings.provider == "embedded":
            extended = {f for name in self.profiles for f in get_profile(name).extended}
            return frozenset(core | extended) - unavailable_features(self.options.settings)
        return frozenset(core | self.options.supported_features | self.required_features)

    @property
    def required_features(self) -> frozenset[str]:
        """Supplied means claimed and required: the Extended features whose inputs (a viewer
        key, a stream address, a metrics URL) the target supplies. The embedded and docker
        providers configure them all in the gateway they start."""
        settings = self.options.settings
        configured = settings.provider in ("embedded", "docker")
        return frozenset(
            feature
            for name, features in FEATURES_OF_INPUTS.items()
            if configured or getattr(settings, name)
            for feature in features
        )

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            settings = self.options.settings
            if settings.provider == "embedded":
                self._provider = EmbeddedProvider(settings, self.profiles)
            elif settings.provider == "docker":
                from .providers.docker import DockerProvider

                self._provider = DockerProvider(settings, self.profiles, self.claimed_features)
            else:
                self._provider = UrlProvider(settings, self.profiles, self.claimed_features)
        return self._provider

    def target(self, profile: str) -> Target:
        """The target serving `profile` (started or checked on first use)."""
        if profile not in self._targets:
            self._targets[profile] = self.provider.target(profile)
        return self._targets[profile]

    @property
    def spec_target_only(self) -> bool:
        """`--spec F --target URL`: the spec's requests go to URL; no gateway is started."""
        return bool(self.options.spec and self.options.target and self.profiles == (SPEC_PROFILE,))

    @property
    def provider_name(self) -> str:
        return "url" if self.spec_target_only else self.options.settings.provider

    @property
    def embedded(self) -> bool:
        return self.provider_name == "embedded"

    def _urls(self) -> dict[str, str]:
        """The target's URLs for the report: none for a gateway the run started (embedded or
        docker: loopback ports that name nothing once the run is over) or with --omit-urls."""
        if self.provider_name in ("embedded", "docker") or self.options.omit_urls:
            return {}
        urls: dict[str, str] = {}
        if self.options.spec and self.options.target:
            urls["spec_target"] = self.options.target
        for profile, target in self._targets.items():
            for kind, url in target.urls().items():
                key = f"{kind} ({profile})" if kind == "admin" and profile == "apisix-v2" else kind
                urls.setdefault(key, url)
        return urls

    def _implementation(self) -> Implementation:
        """Who and what is certified: as the user says; the embedded reference names itself."""
        given = self.options.settings.implementation
        if not self.embedded or given != Implementation():
            return given
        return Implementation(
            organization="gwconform", project=REFERENCE_NAME, version=suite_version()
        )

    def run_info(self, aborted: str | None = None) -> RunInfo:
        options = self.options
        implementation = self._implementation()
        # a started target knows its name when the user gave none (docker: its image)
        started = next(iter(self._targets.values()), None)
        name = options.settings.name or implementation.project or (started and started.name)
        version = implementation.version or (started and started.version)
        return RunInfo(
            suite_version=suite_version(),
            seed=options.seed,
            target_name=name or "unknown",
            target_version=version or "unknown",
            provider=self.provider_name,
            urls=self._urls(),
            claimed_features=tuple(sorted(self.claimed_features)),
            required_features=tuple(sorted(self.required_features)),
            options=self._options_summary(),
            implementation=implementation,
            mode=options.settings.mode,
            skip_tests=tuple(sorted(options.skip_tests)),
            exempt_features=tuple(sorted(options.exempt_features)),
            aborted=aborted,
        )

    def _options_summary(self) -> dict[str, Any]:
        options = self.options
        summary: dict[str, Any] = {"max_examples": options.max_examples}
        if options.settings.provider == "embedded":
            summary["store"] = options.settings.store
        if options.settings.provider == "docker":
            summary["images"] = list(options.settings.images)
            summary["etcd_image"] = getattr(self._provider, "etcd_image", None)
        if options.only_features:
            summary["only_features"] = sorted(options.only_features)
        if options.run_tests:
            summary["run_tests"] = list(options.run_tests)
        if options.spec:
            summary["spec"] = options.spec
            summary["spec_target"] = options.target
        return summary

    def gone(self) -> str | None:
        """Why the target no longer answers (one line), or None while it does. A busy target
        gets a second chance: only an endpoint that fails twice, a second apart, is gone."""
        for target in self._targets.values():
            for what, url in (
                ("admin API", target.admin_url),
                ("dashboard", target.dashboard_url),
                ("data plane", target.data_plane_url),
            ):
                if not url:
                    continue
                endpoint = Endpoint(url, what)
                try:
                    endpoint.probe()
                except TargetError:
                    time.sleep(GONE_RETRY_DELAY)
                    try:
                        endpoint.probe()
                    except TargetError as exc:
                        return f"the target stopped answering: {exc}"
        return None

    def close(self) -> None:
        if self._provider is not None:
            self._provider.close()
            self._provider = None
