"""One conformance run's state: options, the provider of targets, and collected results."""

from __future__ import annotations

from typing import Any, Protocol

from .features import FEATURES_OF_INPUTS, get_profile
from .providers.embedded import EmbeddedProvider, suite_version
from .providers.url import UrlProvider
from .report.model import RunInfo
from .results import ResultCollector
from .target import RunOptions, Target, TargetError, claimed_profiles


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
        self.aborted = False  # the target could not be set up: no report
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
            return frozenset(core | extended)
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
                self._provider = EmbeddedProvider(settings)
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

    def run_info(self) -> RunInfo:
        first = next(iter(self._targets.values()), None)
        urls: dict[str, str] = {}
        for profile, target in self._targets.items():
            for kind, url in target.urls().items():
                key = f"{kind} ({profile})" if kind == "admin" and profile == "apisix-v2" else kind
                urls.setdefault(key, url)
        options = self.options
        return RunInfo(
            suite_version=suite_version(),
            seed=options.seed,
            target_name=first.name if first else options.settings.name or "unknown",
            target_version=first.version if first else "unknown",
            provider=options.settings.provider,
            urls=urls,
            claimed_features=tuple(sorted(self.claimed_features)),
            required_features=tuple(sorted(self.required_features)),
            options=self._options_summary(),
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

    def close(self) -> None:
        if self._provider is not None:
            self._provider.close()
            self._provider = None
