"""IAM actions the Admin API resources share, for their gateway-group-scoped use
(`/apisix/admin/...?gateway_group_id=`, the group defaults to `default`)."""

from __future__ import annotations

from ...api.actions import same_actions

GROUP = ("gateway_group_id",)
# the objects of published services: checked on the published service
PUBLISHED_SERVICE = same_actions(
    "gateway:GetPublishedService", "gateway:UpdatePublishedService", *GROUP, "service_id"
)
