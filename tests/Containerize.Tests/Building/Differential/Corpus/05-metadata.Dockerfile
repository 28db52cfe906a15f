# Metadata instructions and ENV/ARG expansion in the config
FROM ctz-diff/busybox:1
ARG VERSION=1.2.3
ARG UNUSED
ENV APP_HOME=/srv/app \
    APP_VERSION=$VERSION \
    PATH=/srv/app/bin:$PATH
ENV QUOTED="a b  c" EMPTY=
LABEL org.opencontainers.image.version=$VERSION "multi word"="v a l" empty=""
LABEL maintainer=team
EXPOSE 8080 53/udp 9000/tcp ${VERSION%%.*}000
WORKDIR $APP_HOME
WORKDIR sub/dir
WORKDIR ../other
USER nobody
USER 1654:1654
VOLUME /data ["/logs", "/cache"]
VOLUME /vol2 /vol3
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD wget -q -O- http://localhost:8080/ || exit 1
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo onbuild
ONBUILD COPY . /app
ENTRYPOINT ["/srv/app/bin/tool"]
CMD ["--serve", "$VERSION"]
