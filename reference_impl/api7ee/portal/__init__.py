"""The developer portal of API7 Enterprise 3.9.9: the provider portal under `/api` (portal
instances and settings, DCR providers, API products and their subscriptions, portal tokens,
developers, approvals, files) and the developer portal backend a portal front-end calls
with a portal token (`developer_api.py`)."""
