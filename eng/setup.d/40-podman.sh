# Sourced by eng/setup ($root, $CTZ_LAB, log()). Podman and buildah for the hand-off tests (Core/Handoff), with
# the configuration that works on this kind of VM: runc (crun 1.8 refuses the hybrid cgroup layout), cgroupfs,
# rlimits below the hard limits (no CAP_SYS_RESOURCE), no network namespace setup, and private storage.
ctz_podman_missing=()
for p in podman buildah; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || ctz_podman_missing+=("$p")
done
if ((${#ctz_podman_missing[@]})); then
  log "apt-get install ${ctz_podman_missing[*]}"
  ctz_made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; ctz_made_policy=1
  fi
  mkdir -p "$root/artifacts/logs"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${ctz_podman_missing[@]}" \
    > "$root/artifacts/logs/apt-podman.log" 2>&1 || { tail -30 "$root/artifacts/logs/apt-podman.log" >&2; return 1; }
  [ "$ctz_made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

ctz_podman="$root/artifacts/podman"
mkdir -p "$ctz_podman"
cat > "$ctz_podman/containers.conf" <<'CONF'
# CONTAINERS_CONF for podman/buildah on this VM (written by eng/setup.d/40-podman.sh)
[containers]
netns = "none"
default_ulimits = ["nofile=10000:10000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > "$ctz_podman/storage.conf" <<CONF
# CONTAINERS_STORAGE_CONF for podman/buildah on this VM (written by eng/setup.d/40-podman.sh)
[storage]
driver = "overlay"
graphroot = "$ctz_podman/storage"
runroot = "$ctz_podman/run"
CONF
if CONTAINERS_CONF="$ctz_podman/containers.conf" CONTAINERS_STORAGE_CONF="$ctz_podman/storage.conf" podman version >/dev/null 2>&1; then
  log "podman $(podman version --format '{{.Client.Version}}') configured in $ctz_podman"
else
  log "podman does not run here; the Podman hand-off tests will say so"
fi
