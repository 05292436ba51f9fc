"""The APISIX-compatible Admin API (`app.create_app`), its resources as declarations on
`reference_impl.api`."""
