"""One resource mechanism for every API on the admin port: a resource is a `Collection`
declaration (`collection.py`) served by one generic handler over one record store
(`records.py`), with answers and refusals per API (`dialects.py`; the Cloud's in
`reference_impl.cloud.collection`), one endpoint plumbing (`endpoint.py`), and the IAM
action of each endpoint (`actions.py`) entering the enforcement table where the
collection is mounted, or where an endpoint that is not a collection's is declared
(`mounts.py`); an app cannot serve a route without one."""
