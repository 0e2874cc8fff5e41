"""The local in-app chat page (``web/``) and the small server that serves it on :8080."""
