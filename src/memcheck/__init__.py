"""memcheck: memory-model litmus test checker for Linux kernel code."""

__version__ = "0.1.0"
