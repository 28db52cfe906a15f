# ADD of local files and of tar archives (plain, gzip, bzip2, xz): extracted with their owners, modes and links
FROM ctz-diff/busybox:1
ADD arch.tar /x/plain/
ADD arch.tar.gz /x/gz/
ADD arch.tar.bz2 /x/bz2/
ADD arch.tar.xz /x/xz
ADD notatar.gz /x/
ADD --chown=5:6 arch.tar.gz /x/chowned/
ADD hello.txt src /x/added/
ADD --chmod=0700 script.sh /x/script
