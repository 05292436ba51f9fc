"""API7 Cloud API conformance (profile `api7cloud`)."""
