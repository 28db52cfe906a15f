# Sourced by eng/setup ($root, $CTZ_LAB, log()). A Debian bullseye root file system (glibc 2.31) under
# artifacts/old-glibc/bullseye-rootfs, for the test that publishes a sample there with the installed .NET SDK and the
# packed Containerize.Sdk under runc (tests/Containerize.Tests/Sdk/OldGlibcPublishTests.cs): the native publish host
# must start on a C library older than this machine's. debootstrap minbase plus what dotnet needs (ICU, OpenSSL 1.1,
# CA certificates, GSSAPI); the .NET SDK itself is bind-mounted by the test, so /usr/bin/dotnet is a link to where it
# will be. Idempotent: built once (about 40 s from the mirror), rebuilt only when this script changes.

og_out="$root/artifacts/old-glibc"
og_rootfs="$og_out/bullseye-rootfs"
og_inputs="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
mkdir -p "$og_out"
if [ -e "$og_rootfs/.ctz-done" ] && [ "$(cat "$og_rootfs/.ctz-done")" = "$og_inputs" ]; then
  log "old-glibc root: bullseye root file system is up to date"
else
  og_mirror=${DEBIAN_MIRROR:-$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1)}
  [ -n "$og_mirror" ] || og_mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1)
  og_started=$SECONDS
  log "old-glibc root: debootstrap bullseye minbase from $og_mirror (about 40 s)"
  rm -rf "$og_rootfs" "$og_rootfs.new"
  debootstrap --variant=minbase --include=ca-certificates,libicu67,libssl1.1,libgssapi-krb5-2,libstdc++6,zlib1g \
    bullseye "$og_rootfs.new" "$og_mirror" > "$og_out/debootstrap.log" 2>&1 \
    || { tail -30 "$og_out/debootstrap.log" >&2; return 1; }
  rm -rf "$og_rootfs.new"/var/lib/apt/lists/* "$og_rootfs.new"/var/cache/apt/*.bin "$og_rootfs.new"/var/cache/apt/archives/*.deb \
         "$og_rootfs.new"/usr/share/doc/* "$og_rootfs.new"/usr/share/man/* "$og_rootfs.new"/usr/share/info/*
  # The mount points the test binds the host's .NET into; the link is what PATH finds.
  mkdir -p "$og_rootfs.new/usr/share/dotnet"
  ln -sfn /usr/share/dotnet/dotnet "$og_rootfs.new/usr/bin/dotnet"
  echo "$og_inputs" > "$og_rootfs.new/.ctz-done"
  mv "$og_rootfs.new" "$og_rootfs"
  log "old-glibc root: bullseye (glibc $(ls "$og_rootfs"/lib/x86_64-linux-gnu/libc-*.so 2>/dev/null | sed 's/.*libc-\(.*\)\.so/\1/')) built in $((SECONDS - og_started)) s ($(du -sh "$og_rootfs" | cut -f1))"
fi
unset og_out og_rootfs og_inputs og_mirror og_started
