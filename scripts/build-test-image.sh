#!/bin/sh
# Builds the local test image `fleetlens-busybox:test` from the host's static busybox.
# No registry is reachable in CI, so the image is made by `docker import` of a tiny rootfs.
# Idempotent: does nothing when the image already exists (FORCE=1 rebuilds it).
set -eu

IMAGE="${IMAGE:-fleetlens-busybox:test}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

if [ "${FORCE:-0}" != "1" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "image $IMAGE already present"
  exit 0
fi

if [ ! -x "$BUSYBOX" ]; then
  echo "busybox not found at $BUSYBOX (apt-get install -y busybox-static)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$work/root/bin" "$work/root/tmp" "$work/root/www" "$work/root/etc"
cp "$BUSYBOX" "$work/root/bin/busybox"
for applet in sh sleep yes dd wget httpd cat echo ls head seq date rm mkdir touch true false kill; do
  ln -s busybox "$work/root/bin/$applet"
done
chmod 1777 "$work/root/tmp"
echo "fleetlens test page" > "$work/root/www/index.html"
echo "root:x:0:0:root:/:/bin/sh" > "$work/root/etc/passwd"

tar -C "$work/root" -cf "$work/rootfs.tar" .
docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sh"]' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
echo "built $IMAGE"
