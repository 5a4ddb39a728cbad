"""Shared machinery at the bottom of the layers: imported by every app, importing none of them."""
