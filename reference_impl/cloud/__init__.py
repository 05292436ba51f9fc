"""The API7 Cloud API (`/api/v1`): organizations, clusters, applications, APIs, consumers and
certificates, in the Cloud response envelope, translated into APISIX data-plane objects."""

from .app import create_cloud_app

__all__ = ["create_cloud_app"]
