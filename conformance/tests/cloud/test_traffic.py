"""Cloud configuration on real traffic: application -> API -> consumer with key
authentication, proxied by the data plane of the cluster's gateway instance."""

from __future__ import annotations

import uuid

from conformance.registry import conformance_test
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import converge
from conformance.support.traffic import served_by

from .envelope import payload, unique_name


def _get(dataplane, path: str, host: str, **headers: str):
    return dataplane.get(path, headers={"Host": host, **headers})


@conformance_test(
    name="cloud-traffic-key-auth",
    description="an API of an application with key-auth proxies a consumer's requests, "
    "stripping the path prefix, rejects requests without a key, and stops when deleted",
    profile="api7cloud",
    features=["cloud-traffic"],
)
def test_application_api_consumer_traffic(
    cloud, dataplane, served_cluster, cleanup, gw_target
) -> None:
    tag = uuid.uuid4().hex[:10]
    host, prefix, key = f"{tag}.cloud.example", f"/cloud-{tag}", f"key-{tag}"
    with EchoUpstream(f"cloud-{tag}") as echo:
        body = {
            "name": unique_name("traffic"),
            "hosts": [host],
            "path_prefix": prefix,
            "plugins": {"key-auth": {}},
            "upstreams": [
                {
                    "upstream": {
                        "scheme": "http",
                        "targets": [{"host": echo.host, "port": echo.port, "weight": 1}],
                    },
                    "version": "default",
                }
            ],
        }
        app = payload(cloud.post(f"/clusters/{served_cluster['id']}/apps", json=body))
        cleanup(f"/clusters/{served_cluster['id']}/apps/{app['id']}")
        consumer = payload(
            cloud.post(
                f"/clusters/{served_cluster['id']}/consumers",
                json={"name": unique_name("buyer"), "credentials": {"key_auth": {"key": key}}},
            )
        )
        cleanup(f"/clusters/{served_cluster['id']}/consumers/{consumer['id']}")
        api = payload(
            cloud.post(
                f"/apps/{app['id']}/apis",
                json={
                    "name": "items",
                    "paths": [{"path": "/items", "path_type": "Prefix"}],
                    "methods": ["GET"],
                    "strip_path_prefix": True,
                },
            )
        )

        def proxied():
            response = _get(dataplane, f"{prefix}/items/42", host, apikey=key)
            assert response.status_code == 200, f"{response.status_code} {response.text[:200]}"
            assert served_by(response) == echo.name
            return response

        response = converge(proxied, gw_target.timeouts)
        assert response.json()["path"] == "/items/42", "the application prefix is stripped"
        assert _get(dataplane, f"{prefix}/items/42", host).status_code == 401
        assert _get(dataplane, f"{prefix}/items/42", host, apikey="wrong").status_code == 401
        assert _get(dataplane, f"{prefix}/other", host, apikey=key).status_code == 404

        payload(cloud.delete(f"/apps/{app['id']}/apis/{api['id']}"))

        def gone():
            status = _get(dataplane, f"{prefix}/items/42", host, apikey=key).status_code
            assert status == 404, f"a deleted API still answers {status}"

        converge(gone, gw_target.timeouts)
