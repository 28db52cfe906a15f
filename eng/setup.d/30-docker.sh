# Sourced by eng/setup ($root, $CTZ_LAB, log()). Starts two real Docker engines for the tests that compare
# our results with Docker's: Debian's dockerd 20.10 on the default socket, and Docker 26 (current BuildKit,
# heredocs, the Docker 23+ pattern matcher) from Debian trixie's packages, unpacked privately beside it.
# Both run without a bridge and without touching the host's firewall.

ctz_pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---- dockerd 20.10 (docker.io), client /usr/bin/docker
if /usr/bin/docker version >/dev/null 2>&1; then
  log "dockerd 20.10 already answers"
else
  log "starting dockerd 20.10"
  rm -f "$CTZ_LAB/dockerd.pid"
  setsid dockerd --data-root "$CTZ_LAB/docker-data" --pidfile "$CTZ_LAB/dockerd.pid" \
    --bridge=none --iptables=false --ip-masq=false > "$CTZ_LAB/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do /usr/bin/docker version >/dev/null 2>&1 && break; sleep 0.25; done
  /usr/bin/docker version >/dev/null 2>&1 || { tail -20 "$CTZ_LAB/dockerd.log" >&2; return 1; }
fi

# ---- Docker 26 from trixie's packages; nothing is installed system-wide
d26="$CTZ_LAB/docker26"
mkdir -p "$d26"
if [ ! -x "$d26/root/usr/sbin/dockerd" ]; then
  log "fetching Docker 26 (trixie docker.io, docker-cli, docker-buildx) from the configured Debian mirror"
  mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1)
  [ -n "$mirror" ] || mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1)
  mkdir -p "$d26/apt/lists/partial" "$d26/apt/cache/archives/partial" "$d26/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$d26/apt/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$d26/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$d26/apt/lists" -o Dir::Cache="$d26/apt/cache"
            -o APT::Architecture=amd64 -o APT::Architectures=amd64)
  apt-get "${apt_opts[@]}" update -qq
  (cd "$d26/debs" && apt-get "${apt_opts[@]}" download docker.io docker-cli docker-buildx >/dev/null)
  rm -rf "$d26/root" && mkdir -p "$d26/root"
  for f in "$d26"/debs/*.deb; do dpkg -x "$f" "$d26/root"; done
fi
mkdir -p "$d26/data" "$d26/exec" "$d26/cfg/cli-plugins"
cp "$d26/root/usr/libexec/docker/cli-plugins/docker-buildx" "$d26/cfg/cli-plugins/"
[ -f "$d26/cfg/config.json" ] || echo '{}' > "$d26/cfg/config.json"
cat > "$d26/docker" <<WRAP
#!/bin/sh
DOCKER_HOST=unix://$d26/d26.sock DOCKER_CONFIG=$d26/cfg exec $d26/root/usr/bin/docker "\$@"
WRAP
chmod +x "$d26/docker"
if "$d26/docker" version >/dev/null 2>&1; then
  log "Docker 26 already answers"
else
  log "starting Docker 26"
  rm -f "$d26/d26.pid"
  setsid "$d26/root/usr/sbin/dockerd" --data-root "$d26/data" --exec-root "$d26/exec" --pidfile "$d26/d26.pid" \
    -H "unix://$d26/d26.sock" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=false > "$d26/d26.log" 2>&1 < /dev/null &
  for _ in $(seq 1 120); do "$d26/docker" version >/dev/null 2>&1 && break; sleep 0.25; done
  "$d26/docker" version >/dev/null 2>&1 || { tail -20 "$d26/d26.log" >&2; return 1; }
fi
log "Docker engines: $(/usr/bin/docker version --format '{{.Server.Version}}') and $("$d26/docker" version --format '{{.Server.Version}}') (client $d26/docker)"
export CTZ_DOCKER26="$d26/docker"
