"""Guanxi's staff console: the screens customer-relations staff work in, over the gateway's public API."""
