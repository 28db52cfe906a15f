# Sourced by eng/setup ($root, $CTZ_LAB and log() are defined there).
# A plain-HTTP CNCF distribution registry on 127.0.0.1:5000 (data under $CTZ_LAB/registry, pid in $CTZ_LAB), filled
# with every OCI layout under artifacts/base-images/<name> (40-base-images.sh): busybox and debian under their names,
# runtime-deps, runtime, aspnet and sdk under dotnet/, so that tests and samples pull localhost:5000/dotnet/aspnet:10.0
# as users pull mcr.microsoft.com/dotnet/aspnet:10.0.
# Idempotent: a registry that already answers is kept, and a tag already pushed with the same digest is skipped.

ctz_registry_port=5000
ctz_registry_dir="$CTZ_LAB/registry"
ctz_registry_pid="$CTZ_LAB/registry.pid"

ctz_registry_answers() {
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$ctz_registry_port/v2/" 2>/dev/null
}

ctz_registry_start() {
  if ctz_registry_answers; then
    log "registry: already answering on 127.0.0.1:$ctz_registry_port"
    return 0
  fi
  if ! command -v docker-registry >/dev/null; then
    log "registry: docker-registry is not installed; skipping"
    return 1
  fi
  mkdir -p "$ctz_registry_dir/data"
  cat > "$ctz_registry_dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $ctz_registry_dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$ctz_registry_port
  secret: containerize-lab
YAML
  log "registry: starting on 127.0.0.1:$ctz_registry_port (data in $ctz_registry_dir/data)"
  setsid nohup docker-registry serve "$ctz_registry_dir/config.yml" > "$ctz_registry_dir/registry.log" 2>&1 < /dev/null &
  echo $! > "$ctz_registry_pid"
  for _ in $(seq 1 100); do
    ctz_registry_answers && return 0
    sleep 0.1
  done
  log "registry: did not answer; see $ctz_registry_dir/registry.log"
  tail -5 "$ctz_registry_dir/registry.log" >&2 || true
  return 1
}

# The tags (org.opencontainers.image.ref.name) and manifest digests of a layout's index.json, one "TAG DIGEST" a line.
ctz_layout_tags() {
  python3 - "$1/index.json" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1])).get("manifests", []):
    tag = (m.get("annotations") or {}).get("org.opencontainers.image.ref.name")
    if tag:
        print(tag.split(":")[-1] if "/" in tag or ":" in tag else tag, m["digest"])
PY
}

# The repository a layout is served as: the .NET images under dotnet/ as on mcr.microsoft.com, the rest as named.
ctz_registry_repo() {
  case "$1" in
    runtime-deps|runtime|aspnet|sdk) echo "dotnet/$1" ;;
    *) echo "$1" ;;
  esac
}

ctz_registry_fill() {
  local base="$root/artifacts/base-images"
  if [ ! -d "$base" ]; then
    log "registry: no $base yet (eng/setup.d/40-base-images.sh makes it); nothing to push"
    return 0
  fi
  local layout name repo tag digest have pushed=0 skipped=0
  # Top-level layouts only (and dotnet/<name> if laid out so): .work holds a store, NAME.new a layout being written.
  for layout in "$base"/*/ "$base"/dotnet/*/; do
    layout=${layout%/}
    [ -f "$layout/oci-layout" ] && [ -f "$layout/index.json" ] || continue
    name=${layout#"$base"/}
    case "$name" in .*|*.new) continue ;; esac
    repo=$(ctz_registry_repo "${name#dotnet/}")
    while read -r tag digest; do
      [ -n "$tag" ] || continue
      have=$(curl -fsS -o /dev/null -w '%header{docker-content-digest}' --max-time 5 -I \
        -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
        "http://127.0.0.1:$ctz_registry_port/v2/$repo/manifests/$tag" 2>/dev/null || true)
      if [ "$have" = "$digest" ]; then
        skipped=$((skipped + 1))
        continue
      fi
      log "registry: pushing $repo:$tag"
      skopeo copy --quiet --all --preserve-digests --dest-tls-verify=false "oci:$layout:$tag" "docker://localhost:$ctz_registry_port/$repo:$tag" \
        || { log "registry: pushing $repo:$tag failed"; return 1; }
      pushed=$((pushed + 1))
    done < <(ctz_layout_tags "$layout")
  done
  log "registry: $pushed tag(s) pushed, $skipped already there"
}

if ctz_registry_start; then
  ctz_registry_fill
fi
