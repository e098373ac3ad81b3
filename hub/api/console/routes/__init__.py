"""The console's pages, one module per audience: sign-in, the portal (a subscriber's) and ops."""
