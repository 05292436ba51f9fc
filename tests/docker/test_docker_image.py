"""The reference image's shape: config at /usr/local/apisix/conf/config.yaml, etcd from the
config or from APISIX_DEPLOYMENT_ETCD_HOST (a JSON list, as APISIX reads it)."""

from __future__ import annotations

import pytest
import yaml

from reference_impl.config import ConfigError, load_config


def test_etcd_host_comes_from_the_environment(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("deployment:\n  etcd:\n    host: ['http://127.0.0.1:2379']\n")
    env = {"APISIX_DEPLOYMENT_ETCD_HOST": '["http://etcd-a:2379", "http://etcd-b:2379"]'}
    assert load_config(config, env).etcd_hosts == ["http://etcd-a:2379", "http://etcd-b:2379"]
    assert load_config(config, {}).etcd_hosts == ["http://127.0.0.1:2379"]
    assert load_config(None, env).etcd_hosts == ["http://etcd-a:2379", "http://etcd-b:2379"]
    for bad in ("http://etcd:2379", "[]", "[1]"):
        with pytest.raises(ConfigError, match="invalid APISIX_DEPLOYMENT_ETCD_HOST"):
            load_config(config, {"APISIX_DEPLOYMENT_ETCD_HOST": bad})


def test_image_reads_its_config_and_the_etcd_variable(engine, reference_image):
    """The image's own config.yaml (on etcd) with a bad APISIX_DEPLOYMENT_ETCD_HOST: the
    gateway refuses it, naming the variable."""
    container = engine.containers.run(
        reference_image,
        environment={"APISIX_DEPLOYMENT_ETCD_HOST": "etcd:2379"},
        network_mode="host",
        labels={"gwconform.test": "reference-image"},
        detach=True,
    )
    try:
        assert container.wait(timeout=60)["StatusCode"] == 2
        logs = container.logs().decode()
    finally:
        container.remove(force=True)
    assert "invalid APISIX_DEPLOYMENT_ETCD_HOST: 'etcd:2379'" in logs
    shipped = engine.containers.run(
        reference_image, ["cat", "/usr/local/apisix/conf/config.yaml"], remove=True
    )
    assert yaml.safe_load(shipped)["gwconform"]["store"] == "etcd"
