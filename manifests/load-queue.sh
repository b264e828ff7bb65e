#!/usr/bin/env bash
# Kubernetes Up & Running, "Jobs" chapter (examples/10-6-load-queue.sh).
# Differs from the book only in: the #! line and this comment. As in the book, it talks to
# the queue through a port-forward on localhost:8080, e.g.
#   QUEUE_POD=$(kubectl get pods -l app=work-queue,component=queue \
#       -o jsonpath='{.items[0].metadata.name}')
#   kubectl port-forward $QUEUE_POD 8080:8080

# Create a work queue called 'keygen'
curl -X PUT localhost:8080/memq/server/queues/keygen

# Create 100 work items and load up the queue.
for i in work-item-{0..99}; do
  curl -X POST localhost:8080/memq/server/queues/keygen/enqueue \
    -d "$i"
done
