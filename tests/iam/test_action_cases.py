"""The IAM action cases of the suite (`conformance/tests/iam/cases_*.py`) against the permission
catalog: every case names a catalog action, and the actions no case exercises yet are exactly
the recorded gap, so closing one means removing it here and a new gap cannot go unnoticed."""

from __future__ import annotations

import json

from conformance.resources import shipped_path
from conformance.tests.iam.test_actions_on_endpoints import declared_cases

# catalog actions no conformance case exercises through a real endpoint yet
NOT_YET_EXERCISED = {
    "gateway:CreateAlertPolicy",
    "gateway:CreateCustomPlugin",
    "gateway:CreateDebugSession",
    "gateway:CreateWebhookTemplate",
    "gateway:DeleteAlertPolicy",
    "gateway:DeleteCustomPlugin",
    "gateway:DeleteDebugSession",
    "gateway:DeleteGatewayInstance",
    "gateway:DeleteWebhookTemplate",
    "gateway:ExportDebugSession",
    "gateway:GetAlertPolicy",
    "gateway:GetDebugSession",
    "gateway:GetGatewayInstanceCore",
    "gateway:GetWebhookTemplate",
    "gateway:StopDebugSession",
    "gateway:UpdateAlertPolicy",
    "gateway:UpdateCustomPlugin",
    "gateway:UpdateDeploymentSetting",
    "gateway:UpdateWebhookTemplate",
    "iam:CreateContactPoint",
    "iam:DeleteContactPoint",
    "iam:GetContactPoint",
    "iam:GetSMTPServer",
    "iam:UpdateContactPoint",
    "iam:UpdateLicense",
    "iam:UpdateSMTPServer",
    "portal:ApproveAPIProductSubscription",
    "portal:ApproveDeveloperSignUp",
    "portal:CreateAPIProduct",
    "portal:CreateDCRProvider",
    "portal:CreateDeveloperLoginOption",
    "portal:CreatePortal",
    "portal:CreatePortalToken",
    "portal:DeleteAPIProduct",
    "portal:DeleteDCRProvider",
    "portal:DeleteDeveloper",
    "portal:DeleteDeveloperLoginOption",
    "portal:DeletePortal",
    "portal:DeletePortalToken",
    "portal:GetAPIProduct",
    "portal:GetDCRProvider",
    "portal:GetDeveloper",
    "portal:GetDeveloperLoginOption",
    "portal:GetDeveloperPortalPublicAccess",
    "portal:GetDeveloperSCIMProvisioning",
    "portal:GetPortal",
    "portal:GetPortalToken",
    "portal:InviteDeveloper",
    "portal:UpdateAPIProduct",
    "portal:UpdateDCRProvider",
    "portal:UpdateDeveloperLoginOption",
    "portal:UpdateDeveloperPortalPublicAccess",
    "portal:UpdateDeveloperSCIMProvisioning",
    "portal:UpdatePortal",
    "portal:UpdatePortalToken",
}


def _catalog_actions() -> set[str]:
    path = shipped_path("conformance", "data", "iam", "catalog.json")
    return {entry["action"] for entry in json.loads(path.read_text(encoding="utf-8"))}


def test_cases_name_catalog_actions() -> None:
    unknown = {case.action for case in declared_cases()} - _catalog_actions()
    assert not unknown


def test_unexercised_actions_are_the_recorded_gap() -> None:
    exercised = {case.action for case in declared_cases()}
    assert _catalog_actions() - exercised == NOT_YET_EXERCISED
