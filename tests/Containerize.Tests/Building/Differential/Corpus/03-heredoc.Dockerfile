# Heredocs: COPY creates files (expanded unless the delimiter is quoted), RUN runs a script, honouring a shebang
FROM ctz-diff/busybox:1
ARG NAME=world
ENV GREETING=hello
COPY <<EOF /etc/greeting
$GREETING $NAME
EOF
COPY <<'EOF' /etc/raw
$GREETING $NAME
EOF
COPY <<a.txt <<b.txt /heredocs/
first
a.txt
second
b.txt
COPY --chmod=755 <<EOF /usr/local/bin/tool
#!/bin/sh
echo tool
EOF
RUN <<EOF
echo from heredoc > /run-heredoc.txt
mkdir -p /made/by/run
EOF
RUN <<EOF
#!/bin/sh -e
echo "shebang $GREETING" > /shebang.txt
EOF
RUN cat <<EOF > /catted.txt
cat $NAME
EOF
