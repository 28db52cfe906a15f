# RUN changes: new files with owners and modes, links, deleted files (whiteouts), replaced folders (opaque)
FROM ctz-diff/busybox:1
RUN mkdir -p /data/keep /data/replace/sub /data/gone && echo a > /data/keep/a && echo b > /data/replace/sub/b \
 && echo c > /data/delete-me && echo d > /data/gone/d && ln -s keep/a /data/link \
 && chmod 0600 /data/keep/a && chown 1000:1000 /data/keep/a && chmod 2750 /data/keep && mkdir -m 1777 /data/sticky
RUN rm /data/delete-me && rm -rf /data/replace && mkdir /data/replace && echo new > /data/replace/new && rm -rf /data/gone
RUN rm /etc/group && rm /bin/vi && echo more >> /data/keep/a && ln /data/keep/a /data/hard && mkfifo /data/fifo
RUN rm /data/link && mkdir /data/link && echo dir > /data/link/was-a-link && rm -rf /data/sticky && echo file > /data/sticky
RUN touch /data/keep/a && chmod 0644 /data/replace/new
