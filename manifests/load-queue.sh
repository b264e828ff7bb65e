#!/usr/bin/env bash
# Kubernetes Up & Running, "Jobs" chapter (examples/10-6-load-queue.sh).
# Differs from the book only in: the #! line, this comment, QUEUE_ADDR (default
# localhost:8080, the book's address) so a test can use another local port, and the
# line that hands a run by `sh load-queue.sh` to bash (the loop's {0..99} is bash's). As
# in the book, it talks to the queue through a port-forward, e.g.
#   QUEUE_POD=$(kubectl get pods -l app=work-queue,component=queue \
#       -o jsonpath='{.items[0].metadata.name}')
#   kubectl port-forward $QUEUE_POD 8080:8080
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
QUEUE_ADDR=${QUEUE_ADDR:-localhost:8080}

# Create a work queue called 'keygen'
curl -X PUT ${QUEUE_ADDR}/memq/server/queues/keygen

# Create 100 work items and load up the queue.
for i in work-item-{0..99}; do
  curl -X POST ${QUEUE_ADDR}/memq/server/queues/keygen/enqueue \
    -d "$i"
done
