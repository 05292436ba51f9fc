"""The store kinds of the developer portal's records (under the control plane's root)."""

PORTALS = "portals"
PORTAL_SETTINGS = "portal_settings"  # /portal_settings/<portal id>
PORTAL_LOGIN_OPTIONS = "portal_login_options"  # /portal_login_options/<portal>/<id>
DCR_PROVIDERS = "dcr_providers"
API_PRODUCTS = "api_products"  # /api_products/<portal>/<id>
PORTAL_TOKENS = "portal_tokens"  # /portal_tokens/<portal>/<id>
DEVELOPERS = "developers"  # /developers/<portal>/<developer id>
APPLICATIONS = "portal_applications"  # /portal_applications/<portal>/<developer>/<id>
SUBSCRIPTIONS = "portal_subscriptions"  # /portal_subscriptions/<portal>/<id>
APPROVALS = "portal_approvals"  # /portal_approvals/<id>
NOTIFICATIONS = "portal_notifications"  # /portal_notifications/<portal>/<product>/<id>
FILES = "portal_files"  # /portal_files/<id>
