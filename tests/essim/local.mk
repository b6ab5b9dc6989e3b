# tests/essim: see the top-level Makefile.am.
