"""The portal side: a reference webhook receiver, for tests, demos and portal implementers."""

from hub.portal.receiver import Receiver, create_receiver_app
from hub.portal.receiver_state import Control

__all__ = ["Control", "Receiver", "create_receiver_app"]
