from __future__ import annotations

import asyncio

from conformance.tests.dataplane.test_access_control_plugins import CASBIN_MODEL
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

POLICY = "p, *, /open, GET\np, admin, *, *\ng, alice, admin"


def _run(conf, ctx, metadata=None):
    env = PluginEnv([], {}, {"authz-casbin": metadata} if metadata else {})
    return asyncio.run(PLUGIN_CLASSES["authz-casbin"](conf, env).rewrite(ctx))


def test_text_model_and_policy(make_ctx):
    conf = {"model": CASBIN_MODEL, "policy": POLICY, "username": "User"}
    assert _run(conf, make_ctx("GET", "/open")) is None
    denied = _run(conf, make_ctx("POST", "/open"))
    assert (denied.status, denied.body) == (403, {"message": "Access Denied"})
    assert _run(conf, make_ctx("DELETE", "/x", headers={"user": "alice"})) is None


def test_files(make_ctx, tmp_path):
    (tmp_path / "model.conf").write_text(CASBIN_MODEL)
    (tmp_path / "policy.csv").write_text(POLICY)
    conf = {
        "model_path": str(tmp_path / "model.conf"),
        "policy_path": str(tmp_path / "policy.csv"),
        "username": "user",
    }
    assert _run(conf, make_ctx("PUT", "/x", headers={"user": "alice"})) is None
    assert _run(conf, make_ctx("PUT", "/x", headers={"user": "bob"})).status == 403
    conf["model_path"] = str(tmp_path / "missing.conf")
    assert _run(conf, make_ctx("GET", "/open")).status == 500


def test_metadata_or_nothing(make_ctx):
    metadata = {"model": CASBIN_MODEL, "policy": POLICY}
    assert _run({"username": "user"}, make_ctx("GET", "/open"), metadata) is None
    assert _run({"username": "user"}, make_ctx("GET", "/x"), metadata).status == 403
    assert _run({"username": "user"}, make_ctx("GET", "/open")).status == 503
