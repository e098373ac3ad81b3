"""The routing hub and its control plane: subscriptions, delivery, API, CLI, local dev stack."""
