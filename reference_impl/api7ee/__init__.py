"""The API7 Enterprise control plane: gateway groups, service templates, publishing,
service versions, runtime configuration, and the APISIX Admin API per gateway group."""

from .apisix_compat import GatewayGroupAdmin
from .app import create_api7ee_app

__all__ = ["GatewayGroupAdmin", "create_api7ee_app"]
