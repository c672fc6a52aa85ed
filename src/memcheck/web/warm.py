"""Warm sessions built once in the pool's fork server, before it forks the
workers: each worker (and each replacement of a worn-out one) starts with
every model compiled and the solver loaded, at no cost of its own."""
from .jobs import build_sessions

SESSIONS = build_sessions()
