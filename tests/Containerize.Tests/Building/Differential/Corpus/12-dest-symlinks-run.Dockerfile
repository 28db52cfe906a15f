# The links of 11-dest-symlinks made by RUN, as in `RUN mkdir /real && ln -s /real /link`: COPY and WORKDIR write
# into the links' targets and keep the links
FROM ctz-diff/busybox:1
RUN mkdir -p /real /opt && ln -s /real /link && ln -s ../real /opt/up && ln -s /../../real /climb && ln -s /real/file /file-link \
 && echo old > /real/file
COPY hello.txt /link/hello.txt
COPY src/ /opt/up/src/
COPY a.txt /climb/
COPY b.txt /file-link
WORKDIR /link/app
COPY c.txt .
