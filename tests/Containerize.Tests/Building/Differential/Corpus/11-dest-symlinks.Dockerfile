# COPY, ADD and WORKDIR below symlinks the image has (put there by COPY, so no RUN is needed): each destination is
# written where its links lead, resolved inside the image as a chroot would (absolute, relative, climbing above the
# root, naming a host path, dangling, a final link to a file or a folder), and the links stay links
FROM ctz-diff/busybox:1
COPY src/ /real/
COPY links/ /
COPY hello.txt /to-real/through-absolute.txt
COPY hello.txt /relative/through-relative.txt
COPY hello.txt /escape/through-escape.txt
COPY src /host/made/
COPY hello.txt /dangling/
COPY a.txt /to-file
COPY b.txt /to-real
COPY --chown=7:8 --chmod=0640 c.txt /to-real/made/deeper/
ADD arch.tar /relative/extracted/
WORKDIR /to-real/work/dir
COPY d.txt relative.txt
