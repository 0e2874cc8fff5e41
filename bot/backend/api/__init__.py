"""HTTP API of the privacy-request backend (aiohttp) and its OpenAPI 3.1 document.

``app`` holds the application, middlewares and server runners; ``bot_routes`` the service-token
endpoints the bot uses; ``admin_routes`` the operators'; ``schemas`` the request schemas that both
validate bodies and make up ``GET /openapi.json``.
"""
