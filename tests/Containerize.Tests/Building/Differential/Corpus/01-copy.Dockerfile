# COPY from the context: files, folder contents, wildcards, destination rules, --chmod, --chown (names and ids), --link
FROM ctz-diff/busybox:1
WORKDIR /app
COPY hello.txt .
COPY hello.txt /dest/renamed.txt
COPY hello.txt /dest/
COPY src/ /srcdir/
COPY src /srcdir2
COPY src/*.txt /texts/
COPY src/sub/*.txt src/one.txt /multi/
COPY h?llo.txt [a-c].txt /globs/
COPY script.sh link-to-hello /bin2/
COPY dir-with-link /dl/
COPY empty-dir /empty/
COPY hello.txt /tmp/
COPY hello.txt /etc
COPY --chmod=0640 hello.txt /chmod/hello.txt
COPY --chmod=755 src/ /chmod-dir/
COPY --chown=nobody hello.txt /own/by-name
COPY --chown=nobody:nogroup hello.txt /own/by-names
COPY --chown=1000:2000 src/ /own/numeric/
COPY --chown=123 hello.txt /own/uid-only
COPY --chown=root:65534 hello.txt /own/mixed
COPY --link hello.txt /linked/
COPY --link --chown=7:8 src /linked-src/
ARG DIR=src
COPY ${DIR}/one.txt /expanded/${DIR}/
