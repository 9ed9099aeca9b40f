"""The write side: the immutable event table, its store, the pure domain and the
command handlers that join them."""
