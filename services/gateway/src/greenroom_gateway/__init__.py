"""Gateway: the public HTTP API and web app; stores uploads and emits events. No ML imports."""
