# A stage built FROM another stage inherits that stage's ARG values (BuildKit 0.13), in RUN's environment and in
# expansions; a bare ARG takes the global value, a redeclared default wins, a build arg wins over both
# build-arg: VERSION=2.0
ARG GLOBAL=global
FROM ctz-diff/busybox:1 AS build
ARG TARGETARCH
ARG VERSION=1.0
ARG GLOBAL=stage
ARG LOCAL=local
ENV FROM_ENV=env
FROM build AS publish
RUN echo "$TARGETARCH $VERSION $GLOBAL $LOCAL $FROM_ENV" > /inherited.txt
ARG GLOBAL
ARG LOCAL=redeclared
RUN echo "$GLOBAL $LOCAL" > /redeclared.txt
COPY hello.txt /copied-$TARGETARCH-$VERSION/
FROM publish
RUN echo "$TARGETARCH $VERSION $LOCAL" > /grandchild.txt
