"""Deal registration models, one module per area; import them from here."""

from .deals import Deal, Product

__all__ = ["Deal", "Product"]
