"""What an operator watches: ``/healthz`` for a load balancer or a monitor,
``/metrics`` for Prometheus. Neither holds personal data."""
