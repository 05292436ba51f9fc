"""/apisix/admin/ssls: each certificate must match its private key, SNIs must be covered
by a certificate, and private keys are stored encrypted and never shown by GET."""

from __future__ import annotations

from typing import Any, TypeGuard

from ...api.actions import crud_actions
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
from ..references import SECRET_REF, check_secret_refs
from ..ssl_crypto import CertError, cert_names, sni_matches, validate_pair
from ..validation import check_schema
from .actions import GROUP


def _is_pem(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and not value.startswith(SECRET_REF)


class Ssls(Collection):
    name, kind, schema_kind = "ssls", "ssl", "ssls"
    actions = crud_actions("SSLCertificate", GROUP)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = dict(conf)
        if isinstance(conf.get("key"), str):
            conf["key"] = self._plain(ctx, conf["key"])
        if isinstance(conf.get("keys"), list):
            conf["keys"] = [self._plain(ctx, k) if isinstance(k, str) else k for k in conf["keys"]]
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        self._check_pairs_and_snis(ctx, conf)
        if "key" in conf:
            conf["key"] = ctx.keyring.encrypt_pkey(conf["key"])
        if conf.get("keys"):
            conf["keys"] = [ctx.keyring.encrypt_pkey(k) for k in conf["keys"]]
        return conf

    @staticmethod
    def _plain(ctx: Context, key: str) -> str:
        if key.startswith(SECRET_REF) or key.startswith("$env://"):
            return key
        plain = ctx.keyring.decrypt_pkey(key)
        if plain is None:
            raise bad_request("failed to decrypt previous encrypted key")
        return plain

    @staticmethod
    def _check_pairs_and_snis(ctx: Context, conf: dict) -> None:
        pairs = [(conf.get("cert"), conf.get("key"))]
        pairs += list(zip(conf.get("certs") or [], conf.get("keys") or [], strict=False))
        names: list[str] = []
        for index, (cert, key) in enumerate(pairs):
            if not (_is_pem(cert) and _is_pem(key)):
                continue
            try:
                names += cert_names(validate_pair(cert, key, ctx.keyring))
            except CertError as exc:
                prefix = f"failed to handle cert-key pair[{index}]: " if index else ""
                raise bad_request(prefix + str(exc)) from None
        if conf.get("type", "server") != "server" or not names:
            return
        snis = conf.get("snis") or ([conf["sni"]] if conf.get("sni") else [])
        for sni in snis:
            if not sni_matches(sni, names):
                raise bad_request(f"sni [{sni}] does not match any name of the certificate")

    def view(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in ("key", "keys")}
        return value
