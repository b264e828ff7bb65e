# The engine image (minimal for now; issue 7 finishes it): no registry is reachable, so
# the image is FROM scratch around a statically linked dockjob built on the host:
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
#   cp target/x86_64-unknown-linux-gnu/release/dockjob . && docker build -t dockjob:dev .
# Run: docker run -v /var/run/docker.sock:/var/run/docker.sock -v dockjob-data:/var/lib/dockjob dockjob:dev
FROM scratch
COPY dockjob /dockjob
ENV DOCKJOB_DATA_DIR=/var/lib/dockjob DOCKJOB_SOCKET=/run/dockjob.sock
VOLUME /var/lib/dockjob
ENTRYPOINT ["/dockjob"]
CMD ["server"]
