# Shell forms take the SHELL in force; HEALTHCHECK in shell form is CMD-SHELL
FROM ctz-diff/busybox:1 AS base
HEALTHCHECK CMD wget -q -O- http://localhost/ || exit 1
FROM base
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT exec /bin/tool
CMD echo "$HOME"
HEALTHCHECK NONE
STOPSIGNAL 9
