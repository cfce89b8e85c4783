"""The CDK app (``app.py``), the reusable ``CodeArtifactLifecycle`` construct and its stack."""
