# `containerize run -p` as an unprivileged user: slirp4netns opens /dev/net/tun inside the container's user namespace,
# which needs the device to be open to every user, as Debian, Fedora and Alpine ship it (0666). Some VM images make
# it 0600; the tests' nobody case needs the distributions' mode. Nothing else about the host network changes.
if [ -c /dev/net/tun ]; then
  mode=$(stat -c %a /dev/net/tun)
  if [ "$mode" != 666 ]; then
    if [ "$(id -u)" = 0 ]; then chmod 0666 /dev/net/tun && log "container network: /dev/net/tun was $mode, now 0666 as distributions ship it"
    else log "container network: /dev/net/tun is $mode; rootless run -p needs 0666 (run eng/setup as root once)"; fi
  else
    log "container network: /dev/net/tun is 0666"
  fi
else
  log "container network: no /dev/net/tun (modprobe tun): run -p will say CTZ5523"
fi
