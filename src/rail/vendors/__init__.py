"""Vendors' systems audited in module 07: each an opaque predict function and its model card."""
