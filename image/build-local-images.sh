#!/usr/bin/env bash
# Builds the images the docker provider's tests run, on a machine that reaches Debian's
# package mirror but no image registry:
#   1. a Debian base (python3 and its venv module, this host's CA certificates) made with
#      debootstrap and imported, once: reused while present;
#   2. the reference gateway image from the project's Dockerfile on that base; docker's
#      layer cache makes this quick when only the project's code changed.
# GWCONFORM_BASE_IMAGE and GWCONFORM_IMAGE name them (defaults below). Needs root and a
# running Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${GWCONFORM_BASE_IMAGE:-gwconform-base:bookworm}
IMAGE=${GWCONFORM_IMAGE:-gwconform-reference:local}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
    root=$(mktemp -d /tmp/gwconform-rootfs.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    echo "building the base image $BASE with debootstrap (a few minutes, once)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$root" >"$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
    rm -f "$root.log"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    # the base trusts what this host trusts, so pip works in the build behind the same
    # TLS-inspecting proxy, if any
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    tar -C "$root" -c . | docker import - "$BASE" >/dev/null
fi
# the classic builder: BuildKit is a separate package on Debian (its notice goes to the log)
log=$(mktemp /tmp/gwconform-build.XXXXXX)
DOCKER_BUILDKIT=0 docker build -q --force-rm --network host --build-arg "BASE_IMAGE=$BASE" \
    --label gwconform.image=reference -t "$IMAGE" . >/dev/null 2>"$log" || {
    cat "$log"
    rm -f "$log"
    exit 1
}
rm -f "$log"
# the image this build replaced, now untagged
docker image prune -f --filter label=gwconform.image=reference >/dev/null
echo "images ready: $BASE, $IMAGE"
