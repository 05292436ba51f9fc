"""Named load profiles from `conformance/loadkit/locust/profiles.yaml`, with command-line
overrides."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..mappings import merged
from ..resources import shipped_path

LOAD_DIR = shipped_path("conformance.loadkit", "locust")
PROFILES_FILE = LOAD_DIR / "profiles.yaml"


class ProfileError(Exception):
    pass


def load_profiles(path: Path = PROFILES_FILE) -> dict[str, dict]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"can't read load profiles {path}: {exc}") from None
    defaults = data.get("defaults", {})
    return {name: merged(defaults, body or {}) for name, body in data.get("profiles", {}).items()}


def resolve(
    name: str,
    users: int | None = None,
    spawn_rate: float | None = None,
    duration: float | None = None,
    path: Path = PROFILES_FILE,
) -> dict:
    """The profile `name` with overrides applied, and its total duration in seconds."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise ProfileError(f"unknown load profile {name!r} (known: {', '.join(sorted(profiles))})")
    profile = profiles[name]
    for key, value in (("users", users), ("spawn_rate", spawn_rate), ("duration", duration)):
        if value is not None:
            if value <= 0:
                raise ProfileError(f"--{key.replace('_', '-')} must be positive")
            profile[key] = value
    shape = profile.get("shape", "constant")
    if shape == "steps":
        s = profile["steps"]
        profile["duration"] = ((s["max_users"] - s["start_users"]) // s["step_users"] + 1) * s[
            "step_seconds"
        ]
        profile["users"] = s["max_users"]
    elif shape == "spike":
        s = profile["spike"]
        profile["duration"] = s["before"] + s["during"] + s["after"]
        profile["users"] = s["spike_users"]
    elif shape != "constant":
        raise ProfileError(f"profile {name!r} has unknown shape {shape!r}")
    profile["name"] = name
    return profile
