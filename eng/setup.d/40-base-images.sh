# Sourced by eng/setup ($root, $CTZ_LAB, log()). Builds the base images every later step needs, offline and
# reproducibly, as OCI layouts under artifacts/base-images/<name>/ (mcr.microsoft.com and Docker Hub cannot be
# reached here), with 'containerize import' — each image is its base plus one layer, as Microsoft layers them:
#   busybox       (tag latest)   Debian's busybox-static, its applets as symlinks, root in /etc/passwd, /tmp 1777
#   debian        (bookworm)     debootstrap minbase + ca-certificates libicu72 libssl3, from the configured apt mirror
#   runtime-deps  (10.0)         debian + the app user (uid/gid 1654, home /home/app) and Microsoft's environment
#   runtime       (10.0)         + the host's .NET runtime in /usr/share/dotnet, /usr/bin/dotnet
#   aspnet        (10.0)         + the ASP.NET Core shared framework
#   sdk           (10.0)         + the SDK, packs, manifests and templates
# Idempotent: an image is rebuilt only when its inputs (this script, package or .NET versions, its base) change;
# the debootstrap rootfs is cached under artifacts/base-images/.work, so a second run takes a few seconds.

bi_out="$root/artifacts/base-images"
bi_work="$bi_out/.work"
bi_stamps="$bi_out/.stamps"
bi_store="$bi_work/store"
bi_cli="$root/src/Containerize.Cli/bin/Release/net10.0/containerize.dll"
bi_script_hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
bi_dotnet=/usr/share/dotnet
bi_rt=$(ls "$bi_dotnet/shared/Microsoft.NETCore.App" | sort -V | tail -1)
bi_asp=$(ls "$bi_dotnet/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)
bi_sdk=$(ls "$bi_dotnet/sdk" | sort -V | tail -1)
bi_tag=${bi_rt%.*}
bi_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$bi_out" "$bi_work" "$bi_stamps"

bi_built_cli=0
bi_ctz() {
  if [ "$bi_built_cli" = 0 ]; then
    log "building the containerize CLI for the base images"
    dotnet build "$root/src/Containerize.Cli" -c Release -nologo -v:q > "$bi_work/cli-build.log" 2>&1 \
      || { tail -30 "$bi_work/cli-build.log" >&2; return 1; }
    bi_built_cli=1
  fi
  dotnet "$bi_cli" "$@" --store "$bi_store"
}

# bi_fresh NAME INPUTS: true when the layout exists and was built from the same inputs.
bi_fresh() { [ -s "$bi_out/$1/index.json" ] && [ "$(cat "$bi_stamps/$1" 2>/dev/null)" = "$2" ]; }

# bi_make NAME INPUTS REF TAG ROOTFS [import options...]: import ROOTFS as REF, export it to artifacts/base-images/NAME:TAG.
bi_make() {
  local name=$1 inputs=$2 ref=$3 tag=$4 rootfs=$5; shift 5
  local started=$SECONDS
  bi_ctz import "$rootfs" "$ref" "$@" > /dev/null
  rm -rf "$bi_out/$name.new"
  bi_ctz save "$ref" --output "oci-layout:$bi_out/$name.new:$tag" > /dev/null
  rm -rf "$bi_out/$name" && mv "$bi_out/$name.new" "$bi_out/$name"
  echo "$inputs" > "$bi_stamps/$name"
  log "base image $name:$tag built in $((SECONDS - started)) s ($(du -sh "$bi_out/$name" | cut -f1))"
}

# ---- busybox
bi_in_busybox="$bi_script_hash $(dpkg-query -W -f='${Version}' busybox-static)"
if bi_fresh busybox "$bi_in_busybox"; then
  log "base image busybox is up to date"
else
  bi_r="$bi_work/busybox-rootfs"
  rm -rf "$bi_r"; mkdir -p "$bi_r/bin" "$bi_r/etc" "$bi_r/root" "$bi_r/tmp"
  cp -L /bin/busybox "$bi_r/bin/busybox"
  for bi_applet in $("$bi_r/bin/busybox" --list-full); do
    [ "$bi_applet" = bin/busybox ] && continue
    mkdir -p "$bi_r/$(dirname "$bi_applet")"
    ln -sf /bin/busybox "$bi_r/$bi_applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$bi_r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$bi_r/etc/group"
  chmod 0755 "$bi_r" "$bi_r/bin" "$bi_r/etc"; chmod 0644 "$bi_r/etc/passwd" "$bi_r/etc/group"; chmod 0700 "$bi_r/root"; chmod 1777 "$bi_r/tmp"
  bi_make busybox "$bi_in_busybox" busybox:latest latest "$bi_r" --change "ENV PATH=$bi_path" --change 'CMD ["sh"]'
fi

# ---- debian (debootstrap, cached)
bi_rootfs="$bi_work/debian-rootfs"
if [ ! -e "$bi_work/debian-rootfs.done" ]; then
  bi_mirror=${DEBIAN_MIRROR:-$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1)}
  [ -n "$bi_mirror" ] || bi_mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1)
  log "debootstrap bookworm minbase from $bi_mirror (about 40 s)"
  rm -rf "$bi_rootfs"
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3 bookworm "$bi_rootfs" "$bi_mirror" \
    > "$bi_work/debootstrap.log" 2>&1 || { tail -30 "$bi_work/debootstrap.log" >&2; return 1; }
  # What an image does not need and what differs between runs: apt lists and caches, docs, logs, machine id.
  rm -rf "$bi_rootfs"/var/lib/apt/lists/* "$bi_rootfs"/var/cache/apt/*.bin "$bi_rootfs"/var/cache/apt/archives/*.deb \
         "$bi_rootfs"/usr/share/doc/* "$bi_rootfs"/usr/share/man/* "$bi_rootfs"/usr/share/info/* \
         "$bi_rootfs"/var/log/*.log "$bi_rootfs"/var/log/apt/* "$bi_rootfs"/var/cache/debconf/*-old "$bi_rootfs"/var/lib/dpkg/*-old \
         "$bi_rootfs"/var/cache/ldconfig/aux-cache
  : > "$bi_rootfs/etc/machine-id"
  date -u +%s > "$bi_work/debian-rootfs.done"
fi
bi_in_debian="$bi_script_hash $(cat "$bi_work/debian-rootfs.done")"
if bi_fresh debian "$bi_in_debian"; then
  log "base image debian is up to date"
else
  bi_make debian "$bi_in_debian" debian:bookworm bookworm "$bi_rootfs" --change "ENV PATH=$bi_path" --change 'CMD ["bash"]'
fi

# ---- runtime-deps: the app user, as Microsoft's images add it (groupadd/useradd --system, uid/gid 1654)
bi_in_deps="$bi_in_debian $(cat "$bi_stamps/debian")"
if bi_fresh runtime-deps "$bi_in_deps"; then
  log "base image runtime-deps is up to date"
else
  bi_s="$bi_work/stage-runtime-deps"
  rm -rf "$bi_s"; mkdir -p "$bi_s/etc" "$bi_s/home"
  for f in passwd group shadow gshadow; do cp -a "$bi_rootfs/etc/$f" "$bi_s/etc/$f"; done
  echo 'app:x:1654:1654::/home/app:/bin/sh' >> "$bi_s/etc/passwd"
  echo 'app:x:1654:' >> "$bi_s/etc/group"
  echo 'app:!:::::::' >> "$bi_s/etc/shadow"
  echo 'app:!::' >> "$bi_s/etc/gshadow"
  mkdir -p "$bi_s/home/app"; chown 1654:1654 "$bi_s/home/app"; chmod 0700 "$bi_s/home/app"; chmod 0755 "$bi_s" "$bi_s/etc" "$bi_s/home"
  bi_make runtime-deps "$bi_in_deps" "mcr.microsoft.com/dotnet/runtime-deps:$bi_tag" "$bi_tag" "$bi_s" \
    --base "oci-layout://$bi_out/debian:bookworm" \
    --change 'ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true'
fi

# ---- runtime, aspnet, sdk: the host's /usr/share/dotnet, split as Microsoft splits it. The staging trees are
# hard links (cp -al), so nothing is copied before the layer writer reads it.
bi_stage() { rm -rf "$1"; mkdir -p "$1/usr/share/dotnet"; chmod 0755 "$1" "$1/usr" "$1/usr/share" "$1/usr/share/dotnet"; }

bi_in_runtime="$bi_in_deps $(cat "$bi_stamps/runtime-deps") $bi_rt"
if bi_fresh runtime "$bi_in_runtime"; then
  log "base image runtime is up to date"
else
  bi_s="$bi_work/stage-runtime"; bi_stage "$bi_s"
  mkdir -p "$bi_s/usr/share/dotnet/shared/Microsoft.NETCore.App" "$bi_s/usr/bin"
  cp -al "$bi_dotnet/dotnet" "$bi_dotnet/LICENSE.txt" "$bi_dotnet/ThirdPartyNotices.txt" "$bi_dotnet/host" "$bi_s/usr/share/dotnet/"
  cp -al "$bi_dotnet/shared/Microsoft.NETCore.App/$bi_rt" "$bi_s/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  ln -s /usr/share/dotnet/dotnet "$bi_s/usr/bin/dotnet"
  chmod 0755 "$bi_s/usr/bin" "$bi_s/usr/share/dotnet/shared" "$bi_s/usr/share/dotnet/shared/Microsoft.NETCore.App"
  bi_make runtime "$bi_in_runtime" "mcr.microsoft.com/dotnet/runtime:$bi_tag" "$bi_tag" "$bi_s" \
    --base "oci-layout://$bi_out/runtime-deps:$bi_tag" --change "ENV DOTNET_VERSION=$bi_rt"
  rm -rf "$bi_s"
fi

bi_in_aspnet="$bi_in_runtime $(cat "$bi_stamps/runtime") $bi_asp"
if bi_fresh aspnet "$bi_in_aspnet"; then
  log "base image aspnet is up to date"
else
  bi_s="$bi_work/stage-aspnet"; bi_stage "$bi_s"
  mkdir -p "$bi_s/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -al "$bi_dotnet/shared/Microsoft.AspNetCore.App/$bi_asp" "$bi_s/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
  chmod 0755 "$bi_s/usr/share/dotnet/shared" "$bi_s/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  bi_make aspnet "$bi_in_aspnet" "mcr.microsoft.com/dotnet/aspnet:$bi_tag" "$bi_tag" "$bi_s" \
    --base "oci-layout://$bi_out/runtime:$bi_tag" --change "ENV ASPNET_VERSION=$bi_asp"
  rm -rf "$bi_s"
fi

bi_in_sdk="$bi_in_aspnet $(cat "$bi_stamps/aspnet") $bi_sdk"
if bi_fresh sdk "$bi_in_sdk"; then
  log "base image sdk is up to date"
else
  bi_s="$bi_work/stage-sdk"; bi_stage "$bi_s"
  for bi_d in "$bi_dotnet"/*; do
    case "$(basename "$bi_d")" in dotnet|LICENSE.txt|ThirdPartyNotices.txt|host|shared) continue ;; esac
    cp -al "$bi_d" "$bi_s/usr/share/dotnet/"
  done
  bi_make sdk "$bi_in_sdk" "mcr.microsoft.com/dotnet/sdk:$bi_tag" "$bi_tag" "$bi_s" \
    --base "oci-layout://$bi_out/aspnet:$bi_tag" \
    --change "ENV DOTNET_SDK_VERSION=$bi_sdk DOTNET_GENERATE_ASPNET_CERTIFICATE=false DOTNET_NOLOGO=true DOTNET_CLI_TELEMETRY_OPTOUT=true DOTNET_USE_POLLING_FILE_WATCHER=true NUGET_XMLDOC_MODE=skip"
  rm -rf "$bi_s"
fi
unset -f bi_ctz bi_fresh bi_make bi_stage; unset bi_r bi_s bi_d bi_applet
