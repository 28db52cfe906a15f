# On Debian: --chown and USER by the names of a real /etc/passwd and /etc/group, and a RUN replacing a populated folder
FROM ctz-diff/debian:1
COPY --chown=www-data:www-data hello.txt /var/www/hello.txt
COPY --chown=daemon src/ /srv/daemon/
USER www-data
WORKDIR /var/www/app
RUN id > /tmp/id.txt && echo "$HOME $(pwd)" > /tmp/home.txt
USER root
RUN rm -rf /usr/share/doc/apt && mkdir /usr/share/doc/apt && echo replaced > /usr/share/doc/apt/new && rm /etc/debian_version
