"""Loading a PEM certificate and its private key, held in memory, into an SSL context."""

from __future__ import annotations

import os
import ssl
import tempfile


def load_pair(ctx: ssl.SSLContext, cert: str, key: str, workdir: str) -> None:
    """`load_cert_chain` reads files only: the PEM goes through a private file, removed at once."""
    fd, path = tempfile.mkstemp(dir=workdir, suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(cert.rstrip("\n") + "\n" + key)
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)
