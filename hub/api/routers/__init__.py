"""One module per area of the control plane, each exposing ``router`` (see ``hub.api.app``)."""
