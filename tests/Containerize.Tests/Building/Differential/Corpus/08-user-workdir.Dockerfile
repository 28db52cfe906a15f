# WORKDIR creates missing folders; RUN runs as USER (names through /etc/passwd, ids that need not exist)
FROM ctz-diff/busybox:1
ARG VERSION=7
ENV APP_VERSION=v$VERSION
USER nobody
WORKDIR /home/nobody/work
USER root
WORKDIR /opt/a/b/c
RUN echo "$APP_VERSION $VERSION $(pwd)" > env.txt
WORKDIR /tmp
USER nobody:nogroup
RUN touch /tmp/by-nobody && id > /tmp/id-nobody.txt
USER 4242
RUN touch /tmp/by-4242 && id > /tmp/id-4242.txt
USER root
RUN --network=none echo isolated > /isolated.txt
