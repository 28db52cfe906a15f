# COPY --from a stage by name and by index, and from an image; an unused stage is skipped
FROM ctz-diff/busybox:1 AS build
RUN mkdir -p /out/bin /out/etc && echo built > /out/bin/app && chmod 0750 /out/bin/app && chown 1000:1000 /out/bin/app \
 && ln -s app /out/bin/app-link && echo cfg > /out/etc/app.conf && chown -R 33:44 /out/etc
FROM build AS unused
RUN exit 1
FROM ctz-diff/busybox:1 AS second
COPY --from=build /out/ /from-name/
COPY --from=0 /out/bin/app /from-index/app
COPY --from=ctz-diff/busybox:1 /etc/passwd /from-image/passwd
COPY --from=build --chown=nobody:nogroup /out/etc /chowned/
COPY --from=build --chmod=0444 /out/bin/app /chmodded/app
FROM second
WORKDIR /final
COPY --from=second /from-name/bin/* ./
