# COPY/ADD --chmod applies to what is copied, not to the destination folders the copy makes (0755, owned by --chown)
FROM ctz-diff/busybox:1
COPY --chmod=750 src /dest/
COPY --chmod=750 src/ /deep/a/b/
COPY --chmod=640 hello.txt /fdeep/x/y/hello.txt
COPY --chmod=750 --chown=7:8 src /owned/a/b/
COPY --chown=7:8 hello.txt /owned2/p/q/
COPY --chmod=700 empty-dir /empty/made/
ADD --chmod=700 arch.tar /tarred/made/
ADD --chmod=700 src /added/made/
COPY --chmod=0750 src /tmp/
COPY --chmod=755 <<EOF /heredoc/made/tool
#!/bin/sh
EOF
