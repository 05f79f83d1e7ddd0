#!/bin/sh
# Builds the deputybot image with podman, buildah or docker, without
# pulling anything: the binary is built here (static, no cgo) and the
# image starts FROM scratch.
#
#   deploy/build-image.sh [tag]        default tag: deputybot:latest
set -eu
cd "$(dirname "$0")/.."
tag=${1:-deputybot:latest}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 go build -trimpath -buildvcs=auto -ldflags='-s -w' -o "$ctx/deputybot" ./cmd/deputybot
cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
mkdir -p "$ctx/data" "$ctx/tmp"
cp deploy/Containerfile "$ctx/"
if command -v podman >/dev/null; then
	podman build --format docker -t "$tag" "$ctx"
elif command -v buildah >/dev/null; then
	buildah bud --format docker -t "$tag" "$ctx"
else
	docker build -t "$tag" "$ctx"
fi
echo "built $tag"
