# RUN --mount of type bind (the context, another stage, read-write), cache and tmpfs: nothing of a mount stays in the image
FROM ctz-diff/busybox:1 AS tools
RUN mkdir -p /opt/tools && echo tool > /opt/tools/t.txt
FROM ctz-diff/busybox:1
RUN --mount=type=bind,source=src,target=/mnt/src cp -r /mnt/src /copied-src && ls -R /mnt/src > /listing.txt
RUN --mount=type=bind,from=tools,source=/opt/tools,target=/mnt/tools cat /mnt/tools/t.txt > /from-tools.txt
RUN --mount=type=cache,target=/var/cache/x echo cached > /var/cache/x/f && ls /var/cache/x > /cache-listing.txt
RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && ls /scratch > /tmpfs.txt
RUN --mount=type=bind,target=/ctx,rw touch /ctx/written && ls /ctx/written > /ctx-written.txt
RUN mkdir -p /var/cache/x && echo mine > /var/cache/x/own
RUN --mount=type=cache,target=/var/cache/x ls /var/cache/x > /cache-over-existing.txt
