"""The portal side: a reference webhook receiver, for tests, demos and portal implementers."""

from devtools.portal.receiver import Receiver, create_receiver_app
from devtools.portal.receiver_state import Control

__all__ = ["Control", "Receiver", "create_receiver_app"]
