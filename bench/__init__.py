"""Load test and performance benchmark of django-authsignal-sms (see bench/README.md)."""
