# The engine image, built by scripts/build-engine-image as dockjob/engine:dev. No
# registry is reachable, so it is FROM scratch around a statically linked dockjob the
# script builds on the host:
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
# and sends as the only file of the build context besides this one.
#
# Run:
#   docker run -d -v /var/run/docker.sock:/var/run/docker.sock \
#     -v dockjob-data:/var/lib/dockjob dockjob/engine:dev
#   docker exec -i CONTAINER /dockjob apply -f - < job.yaml
#
# The engine finds out that it runs in a container and hands Docker the host paths of
# the pods' emptyDir/configMap/secret directories (src/runtime/host_paths.rs). Nothing
# else is needed in the image: no shell, no /tmp (SQLite keeps temporary data in
# memory), no CA certificates (Docker is reached on its socket), no time zone files
# (the tz database is compiled in).
FROM scratch
COPY dockjob /dockjob
ENV DOCKJOB_DATA_DIR=/var/lib/dockjob DOCKJOB_SOCKET=/run/dockjob.sock
VOLUME /var/lib/dockjob
ENTRYPOINT ["/dockjob"]
CMD ["server"]
