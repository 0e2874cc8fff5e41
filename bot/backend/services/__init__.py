"""Business rules of the privacy-request backend, independent of HTTP.

Each public function runs one database transaction through a :class:`~.context.Backend`; the API
and the worker call them from worker threads. Every state change writes an audit event in the same
transaction, and every change a downstream system must act on queues a webhook in it too.
"""
