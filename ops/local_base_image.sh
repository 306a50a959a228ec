#!/usr/bin/env bash
# Local stand-in for the `python:3.11-slim` base image -- ONLY for workplaces without access to a
# container registry (no Docker Hub). A real build simply pulls python:3.11-slim; do not use this
# image in production.
#
# It bootstraps a minimal Debian bookworm (whose python3 is 3.11) with debootstrap, adds python,
# venv and CA certificates, imports the tree as an image and tags it `python:3.11-slim`, so that
# `docker build .` works unchanged. Differences from the real image: python lives in /usr/bin
# (not /usr/local/bin) -- the Dockerfile only calls `python` on the PATH, so both work.
#
# Certificates: a workplace that reaches PyPI through a TLS-inspecting proxy has the proxy's CA in
# /usr/local/share/ca-certificates; the same files are added to the image (EXTRA_CA_DIR, empty to
# skip), or pip inside the build fails with CERTIFICATE_VERIFY_FAILED. They are public CA
# certificates, no secrets.
#
# Needs root, debootstrap and a running docker daemon; writes only under $WORK (default /tmp).
#   sudo ops/local_base_image.sh [tag]        # tag defaults to python:3.11-slim
set -euo pipefail

TAG="${1:-python:3.11-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK="${WORK:-/tmp}"
EXTRA_CA_DIR="${EXTRA_CA_DIR-/usr/local/share/ca-certificates}"
ROOTFS="$(mktemp -d "$WORK/bookworm-rootfs.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT

debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$ROOTFS" "$MIRROR"
if [ -n "$EXTRA_CA_DIR" ] && compgen -G "$EXTRA_CA_DIR/*.crt" > /dev/null; then
    cp "$EXTRA_CA_DIR"/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
    chroot "$ROOTFS" update-ca-certificates
fi
# Slim it the way the official image does: no apt lists, no docs or man pages.
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*

# The same environment the official image sets (LANG; python found through PATH).
tar -C "$ROOTFS" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$TAG"
docker run --rm "$TAG" python -c 'import sys, ssl, venv; print(sys.version)'
echo "tagged $TAG"

