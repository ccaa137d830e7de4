"""The HTTP API: routes, handlers, request and response models, OpenAPI, auth."""
