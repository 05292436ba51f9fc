"""API7 Enterprise access control: users, roles, permission policies, boundaries, API
tokens, the permission check, the audit log, and enforcement of the documented action and
resource ARN on every endpoint (`IamMiddleware`)."""

from .app import create_iam_app
from .middleware import IamMiddleware
from .service import IamService

__all__ = ["IamMiddleware", "IamService", "create_iam_app"]
