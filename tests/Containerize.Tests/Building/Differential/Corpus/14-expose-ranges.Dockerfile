# EXPOSE: a range is each of its ports, as Docker writes them (go-connections' nat.ParsePortSpecs): protocols,
# leading zeros, host parts (ignored), an expanded range
FROM ctz-diff/busybox:1
ARG RANGE=7000-7002
EXPOSE 9000-9002 6000-6001/udp 5000-5000 $RANGE/tcp
EXPOSE 080 53/UDP 8443/sctp 127.0.0.1:8080:80 1-2-3 4000-4001:3000-3001 10000/
