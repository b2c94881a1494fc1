"""Turning files, standard input and rendered charts into Kubernetes objects."""
